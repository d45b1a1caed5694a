// The ONLY module that talks to the backend. Everything else imports these typed wrappers.
// Two transports carry the same registry of commands (see "Transports" below): the desktop app's
// IPC (`invoke`, inside Tauri) and `arbiter serve`'s HTTP API (in a browser).
import { Channel, convertFileSrc, invoke, isTauri } from "@tauri-apps/api/core";
import type { AddGoldRequest } from "./bindings/AddGoldRequest";
import type { ImportLabelStudioRequest } from "./bindings/ImportLabelStudioRequest";
import type { LabelStudioImportedDto } from "./bindings/LabelStudioImportedDto";
import type { ImportPredictionsRequest } from "./bindings/ImportPredictionsRequest";
import type { PredictionsImportedDto } from "./bindings/PredictionsImportedDto";
import type { AutoAcceptDto } from "./bindings/AutoAcceptDto";
import type { CalibrationDto } from "./bindings/CalibrationDto";
import type { AddModelRequest } from "./bindings/AddModelRequest";
import type { GoldAddedDto } from "./bindings/GoldAddedDto";
import type { GoldItemDto } from "./bindings/GoldItemDto";
import type { QualificationDto } from "./bindings/QualificationDto";
import type { DatasetInfo } from "./bindings/DatasetInfo";
import type { ImportProgress } from "./bindings/ImportProgress";
import type { ImportRequest } from "./bindings/ImportRequest";
import type { ImportSummary } from "./bindings/ImportSummary";
import type { ItemDetail } from "./bindings/ItemDetail";
import type { ItemPage } from "./bindings/ItemPage";
import type { ItemPrediction } from "./bindings/ItemPrediction";
import type { ItemQuery } from "./bindings/ItemQuery";
import type { LabelCount } from "./bindings/LabelCount";
import type { LabelEditRequest } from "./bindings/LabelEditRequest";
import type { LabelInfo } from "./bindings/LabelInfo";
import type { ModelDto } from "./bindings/ModelDto";
import type { ProjectInfo } from "./bindings/ProjectInfo";
import type { RecentProject } from "./bindings/RecentProject";
import type { RunInfo } from "./bindings/RunInfo";
import type { RunProgress } from "./bindings/RunProgress";
import type { RunFailures } from "./bindings/RunFailures";
import type { RunRequest } from "./bindings/RunRequest";
// Review workflow (annotators, queues, annotations, decisions).
import type { AnnotateRequest } from "./bindings/AnnotateRequest";
import type { AnnotateResult } from "./bindings/AnnotateResult";
import type { AnnotationsExported } from "./bindings/AnnotationsExported";
import type { AnnotatorDto } from "./bindings/AnnotatorDto";
import type { BelowCount } from "./bindings/BelowCount";
import type { ComparisonDto } from "./bindings/ComparisonDto";
import type { CreateQueueRequest } from "./bindings/CreateQueueRequest";
import type { ConflictDto } from "./bindings/ConflictDto";
import type { DecisionDto } from "./bindings/DecisionDto";
import type { DecisionRuleDto } from "./bindings/DecisionRuleDto";
import type { Progress } from "./bindings/Progress";
import type { QueueDto } from "./bindings/QueueDto";
import type { ReasonDto } from "./bindings/ReasonDto";
import type { ReviewItem } from "./bindings/ReviewItem";
import type { Commands } from "./bindings/commands";
import type { ClonedDto } from "./bindings/ClonedDto";
import type { CloneRequest } from "./bindings/CloneRequest";
import type { FolderStatusDto } from "./bindings/FolderStatusDto";
import type { FolderSyncDto } from "./bindings/FolderSyncDto";
import type { PackExported } from "./bindings/PackExported";
import type { PackImported } from "./bindings/PackImported";
import type { SharedFolderSetting } from "./bindings/SharedFolderSetting";
import type { TeamStatus } from "./bindings/TeamStatus";
import type { AccessDto } from "./bindings/AccessDto";
import type { InviteRequest } from "./bindings/InviteRequest";
import type { InvitedDto } from "./bindings/InvitedDto";
import type { RevokedDto } from "./bindings/RevokedDto";
import type { ServingDto } from "./bindings/ServingDto";
import type { Role } from "./bindings/Role";
import type { IpcError } from "./bindings/IpcError";
import { isIpcError, normaliseError } from "./lib/ipcError";
import { parseUpdate, type LiveUpdate } from "./lib/liveUpdates";

export { normaliseError, isIpcError, codeTitle } from "./lib/ipcError";

/** What `call(command, …)` takes after the name: nothing when the command has no arguments. */
type CallArgs<K extends keyof Commands> =
  Commands[K]["args"] extends Record<string, never> ? [] : [args: Commands[K]["args"]];

// ---------------------------------------------------------------- transports

/** How `call` reaches the backend: the desktop app's IPC, or `arbiter serve`'s HTTP API. */
export type TransportKind = "tauri" | "http";

/**
 * Commands only the desktop app can run: native dialogs, the file manager, the ones taking a
 * progress `Channel` (import, inference, export), and choosing the project (a server serves
 * one). Over HTTP they are refused with `desktop_only` before any request is sent (the server
 * refuses them too). `ipc.typetest.ts` checks that every Channel-taking command is listed.
 */
const DESKTOP_ONLY = [
  "recent_projects",
  "open_project",
  "create_project",
  "close_project",
  "pick_folder",
  "pick_file",
  "pick_export_path",
  "pick_pack_path",
  "pick_packs",
  "open_folder",
  "start_serving",
  "stop_serving",
  "serving_status",
  "import_dataset",
  "start_run",
  "export_dataset",
] as const satisfies ReadonlyArray<keyof Commands>;

export type DesktopOnlyCommand = (typeof DESKTOP_ONLY)[number];
const DESKTOP_ONLY_SET: ReadonlySet<string> = new Set(DESKTOP_ONLY);

/** Whether `command` is one the desktop app alone can run (see `DESKTOP_ONLY`). */
export function isDesktopOnly(command: keyof Commands): boolean {
  return DESKTOP_ONLY_SET.has(command);
}

/** The signed-in person of an HTTP session (`/api/signin`, `/api/session`). */
export interface HttpSession {
  annotator: string;
  role: Role;
}

/** The `fetch` the HTTP transport uses (the browser's, or a test's fake). */
export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

interface Transport {
  readonly kind: TransportKind;
  send(command: keyof Commands, args: object | undefined): Promise<unknown>;
  imageUrl(scheme: "thumb" | "media", rowid: number): string;
}

const tauriTransport: Transport = {
  kind: "tauri",
  send: (command, args) => invoke(command, args as Record<string, unknown> | undefined),
  imageUrl: (scheme, rowid) => convertFileSrc(String(rowid), scheme),
};

function desktopOnlyError(command: keyof Commands): IpcError {
  return {
    code: "desktop_only",
    message: `"${command}" needs the Arbiter desktop app: files, dialogs and long-running work stay on the machine that holds the project.`,
  };
}

function internal(message: string): IpcError {
  return { code: "internal", message };
}

function isSession(value: unknown): value is HttpSession & { csrf: string } {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.annotator === "string" &&
    typeof v.csrf === "string" &&
    (v.role === "annotator" || v.role === "reviewer" || v.role === "lead")
  );
}

/**
 * `arbiter serve`'s HTTP API (docs/http-api.md): `POST /api/commands/{name}` with the arguments
 * `invoke` would get as a JSON body, answered with the result as JSON or `{code, message}` with a
 * 4xx/5xx status. The session is the server's HttpOnly cookie; its CSRF token lives in memory only
 * and goes with every POST as `X-CSRF-Token`.
 */
class HttpTransport implements Transport {
  readonly kind = "http";
  private csrf: string | null = null;
  private readonly signedOutListeners = new Set<(error: IpcError) => void>();

  constructor(private readonly fetchFn: FetchFn) {}

  async send(command: keyof Commands, args: object | undefined): Promise<unknown> {
    if (isDesktopOnly(command)) throw desktopOnlyError(command);
    try {
      return await this.post(`/api/commands/${command}`, args ?? {});
    } catch (err) {
      const error = normaliseError(err);
      // The session ended (expired, revoked, signed out elsewhere): the app shows the signed-out screen.
      if (error.code === "unauthorized") for (const listener of this.signedOutListeners) listener(error);
      throw error;
    }
  }

  imageUrl(scheme: "thumb" | "media", rowid: number): string {
    return `/${scheme}/${rowid}`;
  }

  onSignedOut(listener: (error: IpcError) => void): () => void {
    this.signedOutListeners.add(listener);
    return () => this.signedOutListeners.delete(listener);
  }

  /** Exchanges a sign-in link's token for a session (the cookie) and keeps its CSRF token. */
  async signIn(token: string): Promise<HttpSession> {
    return this.keep(await this.request("POST", "/api/signin", { token }));
  }

  /** The session of the cookie the browser holds; rejects with `unauthorized` without one. */
  async session(): Promise<HttpSession> {
    return this.keep(await this.request("GET", "/api/session"));
  }

  async signOut(): Promise<void> {
    try {
      await this.post("/api/signout", {});
    } finally {
      this.csrf = null;
    }
  }

  private keep(value: unknown): HttpSession {
    if (!isSession(value)) throw internal(`The server's session answer is not {annotator, role, csrf}: ${JSON.stringify(value)}`);
    this.csrf = value.csrf;
    return { annotator: value.annotator, role: value.role };
  }

  private post(path: string, body: object): Promise<unknown> {
    return this.request("POST", path, body);
  }

  private async request(method: "GET" | "POST", path: string, body?: object): Promise<unknown> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (method === "POST") {
      headers["Content-Type"] = "application/json";
      if (this.csrf !== null) headers["X-CSRF-Token"] = this.csrf;
    }
    let response: Response;
    try {
      response = await this.fetchFn(path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw internal(`Could not reach the Arbiter server (${method} ${path}): ${normaliseError(err).message}. Check that it is running and the network is up.`);
    }
    if (response.status === 204) return null;
    const text = await response.text().catch(() => "");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      const excerpt = text.trim().slice(0, 200);
      throw internal(
        response.ok
          ? `The server answered ${method} ${path} with something that is not JSON: ${excerpt || "(empty)"}`
          : `The server answered ${method} ${path} with HTTP ${status}${excerpt ? `: ${excerpt}` : ""}`,
      );
    }
    if (response.ok) return json;
    if (isIpcError(json)) throw { code: json.code, message: json.message } satisfies IpcError;
    throw internal(`The server answered ${method} ${path} with HTTP ${response.status}: ${JSON.stringify(json).slice(0, 200)}`);
  }
}

function detectTransport(): Transport {
  // `isTauri()` is how @tauri-apps/api tells (Tauri defines `window.isTauri`); the internals
  // object is there in every Tauri webview too.
  const inTauri = isTauri() || (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window);
  return inTauri ? tauriTransport : new HttpTransport((input, init) => fetch(input, init));
}

let active: Transport | null = null;

function transport(): Transport {
  active ??= detectTransport();
  return active;
}

function http(): HttpTransport {
  const t = transport();
  if (!(t instanceof HttpTransport)) throw internal("Sessions exist only over HTTP (this is the desktop app).");
  return t;
}

/** Which transport this page uses: `tauri` inside the desktop app, `http` in a browser. */
export function transportKind(): TransportKind {
  return transport().kind;
}

/**
 * Uses `fetchFn` for the HTTP transport from now on (tests, and a page that wants its own
 * `fetch`); the CSRF token in memory is forgotten.
 */
export function installHttpTransport(fetchFn: FetchFn): void {
  active = new HttpTransport(fetchFn);
}

/** Over HTTP alone — signs in with a sign-in link's token. Rejects with the server's `IpcError` (401: the link is unknown, expired, revoked or used). */
export function signIn(token: string): Promise<HttpSession> {
  return http().signIn(token);
}

/** Over HTTP alone — the cookie's session; rejects with `unauthorized` when there is none. */
export function getSession(): Promise<HttpSession> {
  return http().session();
}

/** Over HTTP alone — ends the session (the server clears the cookie). */
export function signOut(): Promise<void> {
  return http().signOut();
}

/** Over HTTP alone — `listener` hears when a command fails with `unauthorized` (the session ended). */
export function onSignedOut(listener: (error: IpcError) => void): () => void {
  const t = transport();
  return t instanceof HttpTransport ? t.onSignedOut(listener) : () => {};
}

/**
 * Invokes a command of the registry (`bindings/commands.ts`, generated from
 * `crates/arbiter-commands/src/registry.rs`): an unknown name or a wrong argument is a type
 * error. Every rejection is re-thrown as an `IpcError` (`{code, message}`).
 */
async function call<K extends keyof Commands>(command: K, ...args: CallArgs<K>): Promise<Commands[K]["result"]> {
  try {
    return (await transport().send(command, args[0])) as Commands[K]["result"];
  } catch (err) {
    throw normaliseError(err);
  }
}

/** `call`'s type, for the type-level tests in `ipc.typetest.ts`. */
export type Call = typeof call;

export function recentProjects(): Promise<RecentProject[]> {
  return call("recent_projects");
}

export function currentProject(): Promise<ProjectInfo | null> {
  return call("current_project");
}

export function openProject(path: string): Promise<ProjectInfo> {
  return call("open_project", { path });
}

/** `ordinal`: the labels, in the given order, are a ranked scale (weighted κ, ordinal α). */
export function createProject(path: string, labels: string[], ordinal: boolean): Promise<ProjectInfo> {
  return call("create_project", { path, labels, ordinal });
}

/** Closes the open project (releases its window lock). */
export function closeProject(): Promise<void> {
  return call("close_project");
}

/** Native folder dialog; `null` when cancelled. */
export function pickFolder(title: string): Promise<string | null> {
  return call("pick_folder", { title });
}

/**
 * What `pick_file` filters for: `manifest` (.csv .tsv .parquet .jsonl .ndjson), `model` (.onnx),
 * `labels` (.txt .json), `labelstudio` (.json).
 */
export type FileKind = "manifest" | "model" | "labels" | "predictions" | "labelstudio" | "tokenizer";

/** Native file dialog filtered to `kind`; `null` when cancelled. */
export function pickFile(title: string, kind: FileKind): Promise<string | null> {
  return call("pick_file", { title, kind });
}

export function listDatasets(): Promise<DatasetInfo[]> {
  return call("list_datasets");
}

export function labelCounts(versionId: number): Promise<LabelCount[]> {
  return call("label_counts", { versionId });
}

/**
 * A page of items as `viewer` (the person working here; null: nobody chosen) may see it: while
 * the project has gold items, an annotator's page has no given or final labels.
 */
export function listItems(query: ItemQuery, viewer: string | null): Promise<ItemPage> {
  return call("list_items", { query, viewer });
}

export function getItem(rowid: number, viewer: string | null): Promise<ItemDetail> {
  return call("get_item", { rowid, viewer });
}

export function importDataset(
  request: ImportRequest,
  onProgress: (progress: ImportProgress) => void,
): Promise<ImportSummary> {
  // A Channel exists only inside Tauri: over HTTP the command is refused before one is made.
  if (transport().kind !== "tauri") return Promise.reject(desktopOnlyError("import_dataset"));
  const channel = new Channel<ImportProgress>();
  channel.onmessage = onProgress;
  return call("import_dataset", { request, onProgress: channel });
}

/** Stop the running import (it then rejects with code `cancelled` and writes nothing). */
export function cancelImport(): Promise<boolean> {
  return call("cancel_import");
}

/** Registered models, by name, newest version first. */
export function listModels(): Promise<ModelDto[]> {
  return call("list_models");
}

/**
 * Registers a model file. The same file under a new name or with other preprocessing becomes a
 * new version; an identical registration returns the existing model.
 */
export function addModel(request: AddModelRequest): Promise<ModelDto> {
  return call("add_model", { request });
}

/**
 * A Label Studio JSON export (an image classification project) as a new dataset of the open
 * project, with its annotators, annotations and predictions (all checked first; nothing
 * half-way).
 */
export function importLabelStudio(request: ImportLabelStudioRequest): Promise<LabelStudioImportedDto> {
  return call("import_labelstudio", { request });
}

/** Predictions made elsewhere, imported as a run (all rows checked first; nothing half-way). */
export function importPredictions(request: ImportPredictionsRequest): Promise<PredictionsImportedDto> {
  return call("import_predictions", { request });
}

/** Every run, newest first. */
export function listRuns(): Promise<RunInfo[]> {
  return call("list_runs");
}

/**
 * Runs (or, with `request.resume`, continues) inference; resolves when the run finishes.
 * Rejects with code `cancelled` after `cancelRun` — the run then stays resumable.
 */
export function startRun(request: RunRequest, onProgress: (progress: RunProgress) => void): Promise<RunInfo> {
  // A Channel exists only inside Tauri: over HTTP the command is refused before one is made.
  if (transport().kind !== "tauri") return Promise.reject(desktopOnlyError("start_run"));
  const channel = new Channel<RunProgress>();
  channel.onmessage = onProgress;
  return call("start_run", { request, onProgress: channel });
}

/** Asks the running inference to stop after its current batch; whether one was running. */
export function cancelRun(): Promise<boolean> {
  return call("cancel_run");
}

/** One item's prediction in a run (top classes, most probable first); `null` if not predicted yet. */
export function itemPrediction(run: number, rowid: number): Promise<ItemPrediction | null> {
  return call("item_prediction", { run, rowid });
}

/** Thumbnail (PNG, max 128 px): the `thumb` URI scheme in the desktop app, `GET /thumb/{rowid}` over HTTP. */
export function thumbUrl(rowid: number): string {
  return transport().imageUrl("thumb", rowid);
}

/** Full image (re-encoded as PNG): the `media` URI scheme, `GET /media/{rowid}` over HTTP. */
export function mediaUrl(rowid: number): string {
  return transport().imageUrl("media", rowid);
}

// ---------------------------------------------------------------- dashboard and export
// (imports kept with the section: it is maintained alongside the review workflow below)
import type { AgreementPoint } from "./bindings/AgreementPoint";
import type { ExportDone } from "./bindings/ExportDone";
import type { ExportPreview } from "./bindings/ExportPreview";
import type { ExportProgress } from "./bindings/ExportProgress";
import type { ExportRequest } from "./bindings/ExportRequest";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { ProjectReportDto } from "./bindings/ProjectReportDto";
import type { AgreementTarget } from "./bindings/AgreementTarget";
import type { TargetVerdict } from "./bindings/TargetVerdict";
import type { EscalationDto } from "./bindings/EscalationDto";
import type { EscalationRequest } from "./bindings/EscalationRequest";
import type { SentBackDto } from "./bindings/SentBackDto";
import type { GuidelinesDto } from "./bindings/GuidelinesDto";
import type { DriftRequest } from "./bindings/DriftRequest";
import type { DriftReportDto } from "./bindings/DriftReportDto";
import type { DriftQueueRequest } from "./bindings/DriftQueueRequest";

/**
 * The project report (as `arbiter report --json`) with model quality for `run` (null = the
 * latest finished run). Records the agreement in the history once the ratings have moved on by
 * 25 since its last point.
 */
export function projectReport(run: number | null, viewer: string | null): Promise<ProjectReportDto> {
  return call("project_report", { run, viewer });
}

/**
 * Marks the schema's labels ordinal (ranked in schema order) or nominal, on behalf of `actor`,
 * who must be a lead (else `invalid_input`); audited. Resolves to the new value.
 */
export function setOrdinalLabels(actor: string, ordinal: boolean): Promise<boolean> {
  return call("set_ordinal_labels", { actor, ordinal });
}

/** The items a run failed and why (the first `limit`), with how many in all. */
export function runFailures(run: number, limit: number): Promise<RunFailures> {
  return call("run_failures", { run, limit });
}

/** Change a label's hotkey, colour or guideline (a lead only): null keeps, "" clears. */
export function editLabel(request: LabelEditRequest, lead: string): Promise<LabelInfo[]> {
  return call("edit_label", { request, lead });
}

/** Add labels after the existing ones (a lead only). */
export function addLabels(names: string[], lead: string): Promise<LabelInfo[]> {
  return call("add_labels", { names, lead });
}

/** The recorded agreement, oldest first. */
export function agreementHistory(): Promise<AgreementPoint[]> {
  return call("agreement_history");
}

/** What an export with these options would write (rows, final label → rows); cheap. */
export function exportPreview(request: ExportRequest): Promise<ExportPreview> {
  return call("export_preview", { request });
}

/**
 * Writes the export; `onProgress` gets each stage (files linked of the total for `imagefolder`,
 * `total` 0 where there is no count). Rejects with code `cancelled` after `cancelExport` — the
 * export then wrote nothing: no data, no lineage, no audit entry.
 */
export function exportDataset(request: ExportRequest, onProgress: (progress: ExportProgress) => void): Promise<ExportDone> {
  // A Channel exists only inside Tauri: over HTTP the command is refused before one is made.
  if (transport().kind !== "tauri") return Promise.reject(desktopOnlyError("export_dataset"));
  const channel = new Channel<ExportProgress>();
  channel.onmessage = onProgress;
  return call("export_dataset", { request, onProgress: channel });
}

/** Asks the running export to stop; whether one was running. */
export function cancelExport(): Promise<boolean> {
  return call("cancel_export");
}

/** Native save dialog (a folder for `imagefolder`); `null` when cancelled. */
export function pickExportPath(format: ExportFormat): Promise<string | null> {
  return call("pick_export_path", { format });
}

/**
 * Whether exporting to `out` as `format` would replace a file that is there now (a table
 * format only; an image folder must be new or empty, which the export itself checks).
 */
export function exportWouldReplace(out: string, format: ExportFormat): Promise<boolean> {
  return call("export_would_replace", { out, format });
}

/**
 * Every annotation event (labels, skips, flags, overrides, undos), oldest first, to a `.csv` or
 * `.jsonl` file named by its extension — what `arbiter annotations export` writes.
 */
export function exportAnnotations(out: string): Promise<AnnotationsExported> {
  return call("export_annotations", { out });
}

/** Opens a folder Arbiter just exported into in the file manager. */
export function openFolder(path: string): Promise<void> {
  return call("open_folder", { path });
}

// ---------------------------------------------------------------- review workflow

/** Annotator profiles (`role`: annotator | reviewer | lead). */
export function listAnnotators(): Promise<AnnotatorDto[]> {
  return call("list_annotators");
}

export function addAnnotator(name: string, role: Role): Promise<AnnotatorDto> {
  return call("add_annotator", { name, role });
}

/** The project's correction reason codes. */
export function listReasons(): Promise<ReasonDto[]> {
  return call("list_reasons");
}

/** Saved review queues with their counts. */
export function listQueues(): Promise<QueueDto[]> {
  return call("list_queues");
}

export function createQueue(request: CreateQueueRequest): Promise<QueueDto> {
  return call("create_queue", { request });
}

/** Runs `a` and `b` on the same decided items (of queue `on`, else every decided item). */
/** Fit the run's temperature on the fair sample `sample`, kept with the run (a lead). */
export function calibrateRun(run: number, sample: string, lead: string): Promise<CalibrationDto> {
  return call("calibrate_run", { run, sample, lead });
}

/** What auto-accept certifies at each risk level (reads only). */
export function riskCurve(run: number, sample: string, risks: number[], delta: number): Promise<AutoAcceptDto[]> {
  return call("risk_curve", { run, sample, risks, delta });
}

/**
 * Decide the items above the certified threshold by "auto" (a lead; a person's label wins). A run
 * whose data drifted is refused unless `despiteDrift` (the choice is recorded).
 */
export function applyAutoaccept(run: number, sample: string, risk: number, delta: number, despiteDrift: boolean, lead: string): Promise<AutoAcceptDto> {
  return call("apply_autoaccept", { run, sample, risk, delta, despiteDrift, lead });
}

/** Undo the auto-accept in force (a lead). */
export function revokeAutoaccept(lead: string): Promise<void> {
  return call("revoke_autoaccept", { lead });
}

export function compareRuns(a: number, b: number, on: string | null): Promise<ComparisonDto> {
  return call("compare_runs", { a, b, on });
}

/** How many of a run's predicted items have a confidence (calibrated if asked) below `threshold`. */
export function countBelow(run: number, threshold: number, calibrated = false): Promise<BelowCount> {
  return call("count_below", { run, threshold, calibrated });
}

/**
 * The annotator's next `n` (1–8) items of a queue, claimed for them: their still-claimed items
 * first (in queue order), topped up with new claims.
 */
export function nextItems(queue: number, annotator: string, n: number): Promise<ReviewItem[]> {
  return call("next_items", { queue, annotator, n });
}

/** Records one event; resolves once it is committed. */
export function annotate(request: AnnotateRequest): Promise<AnnotateResult> {
  return call("annotate", { request });
}

/** Retracts the annotator's latest event (in `queue`, if given); the retracted event's id, or null. */
export function undo(annotator: string, queue: number | null): Promise<number | null> {
  return call("undo", { annotator, queue });
}

/** Gives back the annotator's claims on a queue. */
export function releaseQueue(queue: number, annotator: string): Promise<void> {
  return call("release_queue", { queue, annotator });
}

export function queueProgress(queue: number, annotator: string): Promise<Progress> {
  return call("queue_progress", { queue, annotator });
}

/** Items whose annotators disagree with no rule reached, with every vote. */
/** Open conflicts, or (`resolved`) the ones reviewers resolved, most recent first. */
export function listConflicts(resolved = false): Promise<ConflictDto[]> {
  return call("list_conflicts", { resolved });
}

/** The project's decision rule (mode and minimum number of annotators). */
export function getDecisionRule(): Promise<DecisionRuleDto> {
  return call("get_decision_rule");
}

/** Changes the decision rule as `lead` (refused unless that profile is a lead); the rule now in force. */
export function setDecisionRule(rule: DecisionRuleDto, lead: string): Promise<DecisionRuleDto> {
  return call("set_decision_rule", { rule, lead });
}

/** The labels' guidelines with their example items, and the schema version. */
export function getGuidelines(): Promise<GuidelinesDto> {
  return call("get_guidelines");
}

/** Adds (or brings back) a correction reason as `lead`; the reasons in use now. */
export function addReason(code: string, description: string, lead: string): Promise<ReasonDto[]> {
  return call("add_reason", { code, description, lead });
}

/** Retires a correction reason as `lead`; the reasons in use now. */
export function retireReason(code: string, lead: string): Promise<ReasonDto[]> {
  return call("retire_reason", { code, lead });
}

/** The escalations queue: open conflicts and items flagged unsure or bad input since their last review. */
export function listEscalations(): Promise<EscalationDto[]> {
  return call("list_escalations");
}

/** A reviewer accepts, overrides or sends back an escalated item; the queue after it. */
export function actOnEscalation(request: EscalationRequest): Promise<EscalationDto[]> {
  return call("act_on_escalation", { request });
}

/** The items sent back to `annotator`, with the reviewers' notes. */
export function sentBackNotes(annotator: string): Promise<SentBackDto[]> {
  return call("sent_back_notes", { annotator });
}

/** The agreement target checked on the project now; null when none is set. */
export function getAgreementTarget(): Promise<TargetVerdict | null> {
  return call("get_agreement_target");
}

/** Sets (or with null clears) the agreement target as `lead`; its verdict now. */
export function setAgreementTarget(target: AgreementTarget | null, lead: string): Promise<TargetVerdict | null> {
  return call("set_agreement_target", { target, lead });
}

export function getDecision(rowid: number): Promise<DecisionDto> {
  return call("get_decision", { rowid });
}

// Team: replicas of the project exchanging event packs (issue 14).

/** This replica's ids, its stamp and each replica's contribution. */
export function teamStatus(): Promise<TeamStatus> {
  return call("team_status");
}

/** A replica of the open project in a new or empty folder, for another annotator. */
export function cloneProject(request: CloneRequest): Promise<ClonedDto> {
  return call("clone_project", { request });
}

/** A pack of this replica's events (beyond `since`: another replica's stamp; null: all). */
export function exportPack(out: string, since: string | null): Promise<PackExported> {
  return call("export_pack", { out, since });
}

/** Import packs; `dryRun` is the preview (nothing written). */
export function importPacks(files: string[], dryRun: boolean): Promise<PackImported[]> {
  return call("import_packs", { files, dryRun });
}

export function syncFolder(dir: string): Promise<FolderSyncDto> {
  return call("sync_folder", { dir });
}

export function folderStatus(dir: string): Promise<FolderStatusDto> {
  return call("folder_status", { dir });
}

/** This computer's shared folder for the open project. */
export function sharedFolder(): Promise<SharedFolderSetting> {
  return call("shared_folder");
}

export function setSharedFolder(setting: SharedFolderSetting): Promise<SharedFolderSetting> {
  return call("set_shared_folder", { setting });
}

/** Native save dialog for a pack; `null` when cancelled. */
export function pickPackPath(suggested: string): Promise<string | null> {
  return call("pick_pack_path", { suggested });
}

/** Native open dialog for packs (several at once); empty when cancelled. */
export function pickPacks(): Promise<string[]> {
  return call("pick_packs");
}

// Serving browsers (`arbiter serve`): invitations, and the desktop app's own server.

/** Invite someone to label in a browser: the sign-in link and token, shown once. */
export function inviteAnnotator(request: InviteRequest): Promise<InvitedDto> {
  return call("invite_annotator", { request });
}

/** Every invitation and browser session (never a token). */
export function listAccess(): Promise<AccessDto[]> {
  return call("list_access");
}

/** End someone's invitations and sessions. */
export function revokeAccess(name: string): Promise<RevokedDto> {
  return call("revoke_access", { name });
}

/** Mark items gold (a lead): a stratified, seeded sample of given or decided labels. */
export function addGold(request: AddGoldRequest, lead: string): Promise<GoldAddedDto> {
  return call("add_gold", { request, lead });
}

/** The gold items and their answers (a lead's). */
/** Drift between two sides (a run id or `DATASET@VERSION` each). */
export function driftReport(request: DriftRequest): Promise<DriftReportDto> {
  return call("drift_report", { request });
}

/** Save the current side's items least like the reference as a queue (a lead's). */
export function saveDriftQueue(request: DriftQueueRequest): Promise<QueueDto> {
  return call("save_drift_queue", { request });
}

export function listGold(dataset: string | null): Promise<GoldItemDto[]> {
  return call("list_gold", { dataset });
}

/** Take items out of the gold set (a lead). */
export function removeGold(items: string[], dataset: string | null, lead: string): Promise<number> {
  return call("remove_gold", { items, dataset, lead });
}

/** Where every annotator stands in every qualification queue. */
export function listQualifications(): Promise<QualificationDto[]> {
  return call("list_qualifications");
}

/** Let `name` take qualification queue `queue` again (a lead). */
export function resetQualification(queue: string, name: string, lead: string): Promise<void> {
  return call("reset_qualification", { queue, name, lead });
}

/** Serve the open project to browsers on `bind` (`ADDRESS:PORT`); desktop app only. */
export function startServing(bind: string): Promise<ServingDto> {
  return call("start_serving", { bind });
}

/** Stop the app's server; desktop app only. */
export function stopServing(): Promise<void> {
  return call("stop_serving");
}

/** The app's server, if it runs: its address and who is connected; desktop app only. */
export function servingStatus(): Promise<ServingDto | null> {
  return call("serving_status");
}

/** The one stream of live updates a page holds, and who listens to it. */
let liveSource: EventSource | null = null;
const liveListeners = new Set<(update: LiveUpdate) => void>();

/**
 * Live updates from `arbiter serve` (`GET /api/events`: who is connected, what changed, runs in
 * progress): calls `listener` with each until the returned function is called. Every listener of
 * the page shares one stream (one connection per tab, as the server's presence list counts them),
 * opened with the first and closed after the last. The browser's EventSource reconnects by itself
 * after a network break. Nothing inside the desktop app (its changes come from its own commands
 * and the shared folder).
 */
export function onLiveUpdates(listener: (update: LiveUpdate) => void): () => void {
  if (transport().kind !== "http" || typeof EventSource === "undefined") return () => {};
  liveListeners.add(listener);
  if (liveSource === null) {
    const source = new EventSource("/api/events");
    source.onmessage = (e: MessageEvent<string>) => {
      const update = parseUpdate(e.data);
      if (update) for (const l of [...liveListeners]) l(update);
    };
    liveSource = source;
  }
  return () => {
    liveListeners.delete(listener);
    if (liveListeners.size === 0 && liveSource !== null) {
      liveSource.close();
      liveSource = null;
    }
  };
}
