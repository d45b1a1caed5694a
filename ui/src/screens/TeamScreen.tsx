/**
 * The Team screen: copies (replicas) of this project on other machines exchange their events in
 * packs. Everyone sees this copy's ids and what each copy contributed, exports this copy's pack
 * and uses the shared folder; a lead also clones the project for an annotator and imports packs
 * (a preview first: what the pack adds, conflicts before → after; then Import). Below, “Label in a
 * browser” (components/BrowserServing.tsx): the app's own server, invitations and access.
 */
import { useCallback, useEffect, useState } from "react";
import type { AnnotatorDto } from "../bindings/AnnotatorDto";
import type { ClonedDto } from "../bindings/ClonedDto";
import type { CloneMedia } from "../bindings/CloneMedia";
import type { FolderStatusDto } from "../bindings/FolderStatusDto";
import type { IpcError } from "../bindings/IpcError";
import type { PackExported } from "../bindings/PackExported";
import type { PackImported } from "../bindings/PackImported";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { QueueDto } from "../bindings/QueueDto";
import type { TeamStatus } from "../bindings/TeamStatus";
import { AnnotatorPicker } from "../components/AnnotatorPicker";
import { BrowserServing } from "../components/BrowserServing";
import { IpcErrorBox } from "../components/IpcErrorBox";
import { LeadOnly } from "../components/LeadOnly";
import { useAnnotators } from "../components/reviewHooks";
import type { SharedFolder } from "../components/useSharedFolder";
import * as ipc from "../ipc";
import { formatCount, formatDateTime, formatRelative, plural } from "../lib/format";
import { normaliseError } from "../lib/ipcError";
import {
  anythingNew,
  baseName,
  formatBytes,
  packRows,
  parseEveryMinutes,
  scheduleText,
  shortReplica,
  suggestedPackName,
  syncSummary,
} from "../lib/team";
import "../dashboard.css";
import "../team.css";

interface Props {
  project: ProjectInfo;
  /** This computer's shared folder (the project screen keeps it and its timer). */
  shared: SharedFolder;
  onBack: () => void;
  /** Events were imported: the other screens read the project again. */
  onChanged: () => void;
}

export function TeamScreen({ project, shared, onBack, onChanged }: Props) {
  const people = useAnnotators(project.path);
  const [status, setStatus] = useState<TeamStatus | null>(null);
  const [statusError, setStatusError] = useState<IpcError | null>(null);
  const me = people.current;
  const lead = me?.role === "lead";

  const load = useCallback(async () => {
    try {
      setStatus(await ipc.teamStatus());
      setStatusError(null);
    } catch (err) {
      setStatusError(normaliseError(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const changed = useCallback(() => {
    void load();
    void people.refresh();
    onChanged();
  }, [load, people, onChanged]);

  // A sync made while the screen is open (by hand or by the timer) shows at once.
  const lastSync = shared.last;
  useEffect(() => {
    if (lastSync) void load();
  }, [lastSync, load]);

  return (
    <div className="dash-screen team-screen" data-testid="team-screen">
      <header className="app-header">
        <button type="button" className="button small" data-testid="team-back" onClick={onBack}>
          ← Items
        </button>
        <div className="header-title">
          <h1>Team</h1>
          <span className="header-path" title={project.path}>
            {project.name}
          </span>
        </div>
        <div className="header-spacer" />
        <AnnotatorPicker people={people} />
      </header>
      <div className="dash-scroll">
        {statusError && <IpcErrorBox error={statusError} testId="team-error" />}
        <div className="team-columns">
          <div className="team-column">
            <ThisCopy status={status} />
            <ExportPack project={project} status={status} onExported={load} />
            <SharedFolderCard shared={shared} />
          </div>
          <div className="team-column">
            <Contributions status={status} />
            <ImportPacks me={me} lead={lead} onImported={changed} />
            <CloneCard me={me} lead={lead} />
          </div>
        </div>
        <section className="team-serve" data-testid="team-serve">
          <h2 className="team-section-title">Label in a browser</h2>
          <BrowserServing me={me} lead={lead} />
        </section>
      </div>
    </div>
  );
}

function ThisCopy({ status }: { status: TeamStatus | null }) {
  return (
    <section className="dash-card" data-testid="team-this-copy">
      <h3>This copy</h3>
      {!status ? (
        <p className="muted small">Loading…</p>
      ) : (
        <dl className="team-ids">
          <dt>Copy (replica) id</dt>
          <dd className="mono" data-testid="team-replica-id">
            {status.replicaId}
          </dd>
          <dt>Project id</dt>
          <dd className="mono" data-testid="team-project-id">
            {status.projectId}
          </dd>
          <dt title="What another copy gives as “Since” to export only what this copy lacks">Holds</dt>
          <dd className="mono team-stamp" data-testid="team-stamp">
            {status.stamp || "nothing yet"}
          </dd>
          {status.pending > 0 && (
            <>
              <dt>Waiting</dt>
              <dd data-testid="team-pending">
                {plural(status.pending, "event")} wait for an event another copy has not sent yet
              </dd>
            </>
          )}
        </dl>
      )}
      <p className="field-hint">
        Copies of one project share the project id; each has its own copy id. “Holds” is what to paste as “Since” when
        exporting a pack for this copy from another.
      </p>
    </section>
  );
}

function Contributions({ status }: { status: TeamStatus | null }) {
  const rows = status?.contributions ?? [];
  return (
    <section className="dash-card" data-testid="team-contributions">
      <h3>Contributions</h3>
      <p className="dash-card-sub">Events this copy holds from each copy of the project.</p>
      {status && rows.length === 0 && <p className="muted small">No events yet.</p>}
      {rows.length > 0 && (
        <table className="data-table team-table">
          <colgroup>
            <col className="team-col-copy" />
            <col className="team-col-num" />
            <col className="team-col-num" />
            <col />
            <col className="team-col-when" />
          </colgroup>
          <thead>
            <tr>
              <th>Copy</th>
              <th className="num">Events</th>
              <th className="num">Labels</th>
              <th>Annotators</th>
              <th>Last label</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((c) => (
              <tr key={c.replica} data-testid="team-contribution" data-replica={c.replica} data-this={c.thisReplica ? "true" : "false"}>
                <td title={c.replica}>
                  <span className="mono">{shortReplica(c.replica)}</span>
                  {c.thisReplica && <span className="team-badge">this copy</span>}
                </td>
                <td className="num tabular">{formatCount(c.events)}</td>
                <td className="num tabular" data-testid="team-contribution-annotations">
                  {formatCount(c.annotations)}
                </td>
                <td>{c.annotators.length ? c.annotators.join(", ") : <span className="muted">—</span>}</td>
                <td title={c.lastAt ?? undefined}>{c.lastAt ? formatRelative(c.lastAt) : <span className="muted">—</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type ExportPhase = { kind: "idle" } | { kind: "busy" } | { kind: "done"; done: PackExported } | { kind: "failed"; error: IpcError };

function ExportPack({ project, status, onExported }: { project: ProjectInfo; status: TeamStatus | null; onExported: () => void }) {
  const [since, setSince] = useState("");
  const [phase, setPhase] = useState<ExportPhase>({ kind: "idle" });
  const busy = phase.kind === "busy";

  const exportPack = async () => {
    if (!status) return;
    try {
      const out = await ipc.pickPackPath(suggestedPackName(project.name, status.replicaId));
      if (!out) return;
      setPhase({ kind: "busy" });
      setPhase({ kind: "done", done: await ipc.exportPack(out, since.trim() === "" ? null : since) });
      onExported();
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
  };

  return (
    <section className="dash-card" data-testid="team-export">
      <h3>Export a pack</h3>
      <p className="dash-card-sub">This copy’s events in one file, to hand to another copy (by mail, a USB stick…).</p>
      <label className="field">
        <span className="field-label">
          Since <span className="muted">(optional)</span>
        </span>
        <input
          type="text"
          data-testid="team-since"
          className="mono"
          value={since}
          placeholder="everything — or REPLICA:N,… (the other copy’s “Holds”)"
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => {
            setSince(e.target.value);
            if (phase.kind !== "busy") setPhase({ kind: "idle" });
          }}
          disabled={busy}
        />
        <span className="field-hint">Paste the other copy’s “Holds”: the pack then carries only what that copy lacks.</span>
      </label>
      <div className="team-actions">
        <button type="button" className="button primary" data-testid="team-export-button" onClick={exportPack} disabled={busy || !status}>
          {busy ? "Exporting…" : "Export pack…"}
        </button>
      </div>
      {phase.kind === "done" && (
        <div className="form-ok team-result" role="status" data-testid="team-export-done" data-events={phase.done.events} data-file={phase.done.file}>
          <span>
            Wrote {plural(phase.done.events, "event")} ({formatBytes(phase.done.bytes)}) to <span className="mono">{baseName(phase.done.file)}</span>
            {phase.done.events === 0 && " — the other copy already holds everything."}
          </span>
          <button type="button" className="button small" onClick={() => ipc.openFolder(phase.done.folder).catch(() => {})}>
            Open folder
          </button>
        </div>
      )}
      {phase.kind === "failed" && <IpcErrorBox error={phase.error} testId="team-export-error" prefix="Not exported — " />}
    </section>
  );
}

type ImportPhase =
  | { kind: "idle" }
  | { kind: "previewing"; files: string[] }
  | { kind: "preview"; files: string[]; packs: PackImported[] }
  | { kind: "importing"; files: string[]; packs: PackImported[] }
  | { kind: "done"; packs: PackImported[] }
  | { kind: "failed"; files: string[]; error: IpcError };

export function ImportPacks({ me, lead, onImported }: { me: AnnotatorDto | null; lead: boolean; onImported: () => void }) {
  const [phase, setPhase] = useState<ImportPhase>({ kind: "idle" });
  const busy = phase.kind === "previewing" || phase.kind === "importing";

  const choose = async () => {
    try {
      const files = await ipc.pickPacks();
      if (files.length === 0) return;
      setPhase({ kind: "previewing", files });
      setPhase({ kind: "preview", files, packs: await ipc.importPacks(files, true) });
    } catch (err) {
      setPhase((p) => ({ kind: "failed", files: "files" in p ? p.files : [], error: normaliseError(err) }));
    }
  };

  const apply = async () => {
    if (phase.kind !== "preview") return;
    const { files, packs } = phase;
    setPhase({ kind: "importing", files, packs });
    try {
      setPhase({ kind: "done", packs: await ipc.importPacks(files, false) });
      onImported();
    } catch (err) {
      setPhase({ kind: "failed", files, error: normaliseError(err) });
      // Each pack is imported on its own: the ones before a refused one are in.
      if (files.length > 1) onImported();
    }
  };

  const shown = phase.kind === "preview" || phase.kind === "importing" ? phase.packs : phase.kind === "done" ? phase.packs : null;

  return (
    <section className="dash-card" data-testid="team-import">
      <h3>Import packs</h3>
      <p className="dash-card-sub">Packs exported by other copies of this project. You see what they add before anything is written.</p>
      {!lead ? (
        <LeadOnly me={me} what="imports packs" />
      ) : (
        <>
          <div className="team-actions">
            <button type="button" className="button" data-testid="team-import-choose" onClick={choose} disabled={busy}>
              {phase.kind === "previewing" ? "Reading…" : "Choose packs…"}
            </button>
            {(phase.kind === "preview" || phase.kind === "importing") && (
              <>
                <button
                  type="button"
                  className="button primary"
                  data-testid="team-import-apply"
                  onClick={apply}
                  disabled={busy || !anythingNew(phase.packs)}
                  title={anythingNew(phase.packs) ? undefined : "This copy already holds every event of these packs"}
                >
                  {phase.kind === "importing" ? "Importing…" : `Import ${plural(phase.packs.length, "pack")}`}
                </button>
                <button type="button" className="button" onClick={() => setPhase({ kind: "idle" })} disabled={busy}>
                  Cancel
                </button>
              </>
            )}
          </div>
          {shown && (
            <div className="team-packs" data-testid={phase.kind === "done" ? "team-import-done" : "team-import-preview"}>
              <p className={phase.kind === "done" ? "form-ok" : "muted small"} role="status">
                {phase.kind === "done"
                  ? `Imported ${plural(shown.length, "pack")}: ${plural(
                      shown.reduce((n, p) => n + p.eventsAdded, 0),
                      "new event",
                    )}. Review, Conflicts, the dashboard and the grid show them.`
                  : anythingNew(shown)
                    ? "Preview — nothing is written until you press Import."
                    : "Nothing new: this copy already holds every event of these packs."}
                {phase.kind !== "done" && shown.length > 1 && " Each pack is previewed on its own: events that several packs hold count in each."}
              </p>
              {shown.map((p) => (
                <PackSummary key={p.file} pack={p} />
              ))}
            </div>
          )}
          {phase.kind === "failed" && (
            <IpcErrorBox
              error={phase.error}
              testId="team-import-error"
              prefix={phase.files.length > 1 ? "Refused (the packs before it, if any, were imported) — " : "Refused — "}
            />
          )}
        </>
      )}
    </section>
  );
}

export function PackSummary({ pack }: { pack: PackImported }) {
  return (
    <div className="team-pack" data-testid="team-pack" data-added={pack.eventsAdded} data-conflicts-after={pack.conflictsAfter}>
      <div className="team-pack-head">
        <span className="mono" title={pack.file}>
          {baseName(pack.file)}
        </span>
        <span className="muted small" title={pack.sourceReplica}>
          from copy <span className="mono">{shortReplica(pack.sourceReplica)}</span>
        </span>
      </div>
      <dl className="team-pack-rows">
        {packRows(pack).map((r) => (
          <div key={r.label} className={r.notice ? "team-pack-notice" : undefined} data-testid="team-pack-row" data-label={r.label}>
            <dt>{r.label}</dt>
            <dd className="tabular">{r.value}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

function SharedFolderCard({ shared }: { shared: SharedFolder }) {
  const { setting, last, syncing } = shared;
  const [dir, setDir] = useState("");
  const [onOpen, setOnOpen] = useState(true);
  const [every, setEvery] = useState("");
  const [saveError, setSaveError] = useState<IpcError | null>(null);
  const [everyError, setEveryError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState<FolderStatusDto | null>(null);

  // The form follows the kept setting.
  useEffect(() => {
    if (!setting) return;
    setDir(setting.dir ?? "");
    setOnOpen(setting.dir ? setting.onOpen : true);
    setEvery(setting.everyMinutes > 0 ? String(setting.everyMinutes) : "");
  }, [setting]);

  const keptDir = setting?.dir ?? null;
  useEffect(() => {
    if (!keptDir) {
      setStatus(null);
      return;
    }
    let cancelled = false;
    ipc
      .folderStatus(keptDir)
      .then((s) => !cancelled && setStatus(s))
      .catch(() => !cancelled && setStatus(null));
    return () => {
      cancelled = true;
    };
  }, [keptDir, last]);

  const dirty =
    setting !== null &&
    (dir.trim() !== (setting.dir ?? "") ||
      (dir.trim() !== "" && (onOpen !== setting.onOpen || every.trim() !== (setting.everyMinutes > 0 ? String(setting.everyMinutes) : ""))));

  const choose = async () => {
    const picked = await ipc.pickFolder("Choose the shared folder").catch(() => null);
    if (picked) setDir(picked);
  };

  const save = async () => {
    const parsed = parseEveryMinutes(every);
    if ("error" in parsed) {
      setEveryError(parsed.error);
      return;
    }
    setEveryError(null);
    setSaving(true);
    try {
      await shared.save({ dir: dir.trim() === "" ? null : dir.trim(), onOpen, everyMinutes: parsed.value });
      setSaveError(null);
    } catch (err) {
      setSaveError(normaliseError(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="dash-card" data-testid="team-shared">
      <h3>Shared folder</h3>
      <p className="dash-card-sub">
        A folder every copy reaches (a network drive, a synced folder): each copy writes its own packs there and imports the
        others’. The project itself stays outside it.
      </p>
      <div className="team-path-row">
        <input
          type="text"
          className="mono"
          data-testid="team-shared-dir"
          value={dir}
          placeholder="No shared folder"
          spellCheck={false}
          onChange={(e) => setDir(e.target.value)}
          disabled={saving}
        />
        <button type="button" className="button" data-testid="team-shared-choose" onClick={choose} disabled={saving}>
          Choose…
        </button>
      </div>
      <div className="team-schedule">
        <label className="check">
          <input type="checkbox" data-testid="team-shared-on-open" checked={onOpen} onChange={(e) => setOnOpen(e.target.checked)} disabled={saving} />
          <span>Sync when the project opens</span>
        </label>
        <label className="team-every">
          <span>and every</span>
          <input
            type="text"
            inputMode="numeric"
            data-testid="team-shared-every"
            value={every}
            placeholder="—"
            onChange={(e) => setEvery(e.target.value)}
            disabled={saving}
          />
          <span>minutes</span>
        </label>
      </div>
      {everyError && <span className="field-error">{everyError}</span>}
      <div className="team-actions">
        <button type="button" className="button" data-testid="team-shared-save" onClick={save} disabled={saving || !dirty}>
          {saving ? "Saving…" : "Save"}
        </button>
        <button
          type="button"
          className="button primary"
          data-testid="team-sync-now"
          onClick={() => shared.sync().catch(() => {})}
          disabled={!keptDir || syncing || dirty}
          title={dirty ? "Save the folder first" : undefined}
        >
          {syncing ? "Syncing…" : "Sync now"}
        </button>
        <span className="muted small">{setting ? scheduleText(setting) : ""}</span>
      </div>
      {saveError && <IpcErrorBox error={saveError} testId="team-shared-error" prefix="Not saved — " />}
      {last?.kind === "done" && (
        <div className="team-sync-result" data-testid="team-sync-result">
          <p className="form-ok" role="status">
            {last.auto ? "Synced by itself: " : ""}
            {syncSummary(last.result)}
          </p>
          {last.result.refused.map((r) => (
            <div key={r.file} className="form-error" data-testid="team-sync-refused">
              <strong className="mono">{baseName(r.file)}</strong> — {r.error}
            </div>
          ))}
        </div>
      )}
      {last?.kind === "failed" && <IpcErrorBox error={last.error} testId="team-sync-error" prefix={last.auto ? "The automatic sync failed — " : "Not synced — "} />}
      {status && <FolderStatusTable status={status} />}
    </section>
  );
}

function FolderStatusTable({ status }: { status: FolderStatusDto }) {
  return (
    <div className="team-folder-status" data-testid="team-folder-status">
      <p className="small">
        Last sync: {status.lastSync ? <span title={status.lastSync}>{formatDateTime(status.lastSync)}</span> : <span className="muted">never</span>}
        {status.lastError && (
          <span className="team-last-error" data-testid="team-folder-last-error">
            {" "}
            — last error: {status.lastError}
          </span>
        )}
      </p>
      {status.replicas.length > 0 && (
        <table className="data-table team-table">
          <colgroup>
            <col className="team-col-copy" />
            <col className="team-col-num" />
            <col className="team-col-num" />
            <col className="team-col-num" />
            <col className="team-col-num" />
          </colgroup>
          <thead>
            <tr>
              <th>Copy</th>
              <th className="num">Packs</th>
              <th className="num">Imported</th>
              <th className="num">Refused</th>
              <th className="num">Events</th>
            </tr>
          </thead>
          <tbody>
            {status.replicas.map((r) => (
              <tr key={r.replica} data-testid="team-folder-replica">
                <td title={r.replica}>
                  <span className="mono">{shortReplica(r.replica)}</span>
                  {r.thisReplica && <span className="team-badge">this copy</span>}
                </td>
                <td className="num tabular">{formatCount(r.packs)}</td>
                <td className="num tabular">{r.thisReplica ? <span title="written by this copy">{formatCount(r.imported)}</span> : formatCount(r.imported)}</td>
                <td className={`num tabular${r.refused > 0 ? " team-refused" : ""}`}>{formatCount(r.refused)}</td>
                <td className="num tabular">{formatCount(r.events)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

type ClonePhase = { kind: "idle" } | { kind: "busy" } | { kind: "done"; made: ClonedDto } | { kind: "failed"; error: IpcError };

export function CloneCard({ me, lead }: { me: AnnotatorDto | null; lead: boolean }) {
  const [media, setMedia] = useState<CloneMedia>("keep");
  const [queues, setQueues] = useState<QueueDto[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [phase, setPhase] = useState<ClonePhase>({ kind: "idle" });
  const busy = phase.kind === "busy";

  useEffect(() => {
    let cancelled = false;
    ipc
      .listQueues()
      .then((q) => !cancelled && setQueues(q))
      .catch(() => !cancelled && setQueues([]));
    return () => {
      cancelled = true;
    };
  }, []);

  const clone = async () => {
    try {
      const dest = await ipc.pickFolder("Choose a new or empty folder for the clone");
      if (!dest) return;
      setPhase({ kind: "busy" });
      const made = await ipc.cloneProject({ dest, media, queues: media === "copy" ? chosen : [] });
      setPhase({ kind: "done", made });
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
  };

  return (
    <section className="dash-card" data-testid="team-clone">
      <h3>Clone for an annotator</h3>
      <p className="dash-card-sub">
        A copy of the whole project (schema, data, models, runs, queues, labels) with its own copy id, to label on another
        machine and send packs back.
      </p>
      {!lead ? (
        <LeadOnly me={me} what="clones the project" />
      ) : (
        <>
          <fieldset className="team-media" disabled={busy}>
            <legend className="field-label">Media</legend>
            <label className="check">
              <input type="radio" name="clone-media" data-testid="team-clone-keep" checked={media === "keep"} onChange={() => setMedia("keep")} />
              <span>
                Read them where they are
                <span className="field-hint">The other machine sees the same paths (this machine, or a shared drive).</span>
              </span>
            </label>
            <label className="check">
              <input type="radio" name="clone-media" data-testid="team-clone-copy" checked={media === "copy"} onChange={() => setMedia("copy")} />
              <span>
                Copy them into the clone
                <span className="field-hint">To carry it to another machine; each file is checked against its import.</span>
              </span>
            </label>
          </fieldset>
          {media === "copy" && queues && queues.length > 0 && (
            <fieldset className="team-queues" disabled={busy} data-testid="team-clone-queues">
              <legend className="field-label">
                Only the media of these queues <span className="muted">(none ticked: every item’s)</span>
              </legend>
              {queues.map((q) => (
                <label key={q.id} className="check">
                  <input
                    type="checkbox"
                    checked={chosen.includes(q.name)}
                    onChange={(e) => setChosen((c) => (e.target.checked ? [...c, q.name] : c.filter((n) => n !== q.name)))}
                  />
                  <span>{q.name}</span>
                </label>
              ))}
            </fieldset>
          )}
          <div className="team-actions">
            <button type="button" className="button primary" data-testid="team-clone-button" onClick={clone} disabled={busy}>
              {busy ? "Cloning…" : "Choose folder and clone…"}
            </button>
          </div>
          {phase.kind === "done" && (
            <div className="form-ok team-result" role="status" data-testid="team-clone-done" data-path={phase.made.path}>
              <span>
                Made <span className="mono">{phase.made.path}</span> — copy <span className="mono">{shortReplica(phase.made.replicaId)}</span>
                {phase.made.media === "copy"
                  ? `, ${plural(phase.made.mediaFiles, "media file")} copied (${formatBytes(phase.made.mediaBytes)})`
                  : ", reading the media where this project does"}
                . Open it in Arbiter on the annotator’s machine.
              </span>
              <button type="button" className="button small" onClick={() => ipc.openFolder(phase.made.path).catch(() => {})}>
                Open folder
              </button>
            </div>
          )}
          {phase.kind === "failed" && <IpcErrorBox error={phase.error} testId="team-clone-error" prefix="Not cloned — " />}
        </>
      )}
    </section>
  );
}
