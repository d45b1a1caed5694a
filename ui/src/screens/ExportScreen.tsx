import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { ExportDone } from "../bindings/ExportDone";
import type { ExportPreview } from "../bindings/ExportPreview";
import { ExportTargetGate } from "../components/ExportTargetGate";
import type { ExportProgress } from "../bindings/ExportProgress";
import type { ExportRequest } from "../bindings/ExportRequest";
import type { ExportStage } from "../bindings/ExportStage";
import type { IpcError } from "../bindings/IpcError";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { ReasonDto } from "../bindings/ReasonDto";
import type { RunInfo } from "../bindings/RunInfo";
import { AnnotationEventsExport } from "../components/AnnotationEventsExport";
import { IpcErrorBox } from "../components/IpcErrorBox";
import { ReplaceConfirm } from "../components/ReplaceConfirm";
import * as ipc from "../ipc";
import {
  buildExportRequest,
  defaultExportForm,
  defaultExportRun,
  EXPORT_FORMATS,
  excludedText,
  formatThreshold,
  isExportFormat,
  labelBreakdown,
  pathForFormat,
  previewKey,
  skippedText,
  type ExportForm,
  type ExportFormErrors,
} from "../lib/exportForm";
import { formatCount, plural } from "../lib/format";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { datasetRef, runLabel } from "../lib/runs";
import "../dashboard.css";

interface Props {
  project: ProjectInfo;
  /** The dataset version shown in the grid (preselected). */
  versionId: number | null;
  onBack: () => void;
  onDashboard: () => void;
}

/** How long the form must stay unchanged before the live count is asked for. */
export const PREVIEW_DEBOUNCE_MS = 250;

type Phase =
  | { kind: "idle" }
  | { kind: "busy"; progress: ExportProgress | null; cancelling: boolean; cancelError: IpcError | null }
  | { kind: "done"; done: ExportDone }
  | { kind: "cancelled" }
  | { kind: "failed"; error: IpcError };

const STAGE_TEXT: Record<ExportStage, string> = {
  deciding: "Deciding final labels",
  selecting: "Selecting rows",
  writing: "Writing the file",
  linking: "Linking files",
  lineage: "Writing the lineage",
  done: "Done",
};

function versionIdOf(datasets: DatasetInfo[], ref: string): number | null {
  for (const ds of datasets) for (const v of ds.versions) if (datasetRef(ds.name, v.version) === ref) return v.id;
  return null;
}

function initialDataset(datasets: DatasetInfo[], versionId: number | null): string {
  for (const ds of datasets) {
    const v = ds.versions.find((x) => x.id === versionId);
    if (v) return datasetRef(ds.name, v.version);
  }
  for (const ds of datasets) {
    const v = ds.versions[0];
    if (v) return datasetRef(ds.name, v.version);
  }
  return "";
}

export function ExportScreen({ project, versionId, onBack, onDashboard }: Props) {
  const [datasets, setDatasets] = useState<DatasetInfo[] | null>(null);
  const [runs, setRuns] = useState<RunInfo[]>([]);
  const [reasons, setReasons] = useState<ReasonDto[]>([]);
  const [loadError, setLoadError] = useState<IpcError | null>(null);
  const [form, setForm] = useState<ExportForm | null>(null);
  const [errors, setErrors] = useState<ExportFormErrors>({});
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [openError, setOpenError] = useState<IpcError | null>(null);
  /** An export waiting for the user to say whether it may replace the file at its destination. */
  const [confirmReplace, setConfirmReplace] = useState<ExportRequest | null>(null);
  /** The path the save dialog returned: the dialog has asked about replacing it already. */
  const pickedPath = useRef<string | null>(null);

  // Load what the form offers, then build the form once (for the version shown when it opened).
  const [startVersionId] = useState(versionId);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const [ds, rs, rz] = await Promise.allSettled([ipc.listDatasets(), ipc.listRuns(), ipc.listReasons()]);
      if (cancelled) return;
      if (ds.status === "rejected") {
        setLoadError(normaliseError(ds.reason));
        setDatasets([]);
        return;
      }
      const reasonList = rz.status === "fulfilled" ? rz.value : [];
      const runList = rs.status === "fulfilled" ? rs.value : [];
      const dataset = initialDataset(ds.value, startVersionId);
      setDatasets(ds.value);
      setRuns(runList);
      setReasons(reasonList);
      setForm(defaultExportForm(dataset, defaultExportRun(runList, versionIdOf(ds.value, dataset))));
    })();
    return () => {
      cancelled = true;
    };
  }, [startVersionId]);

  const selectedVersion = form && datasets ? versionIdOf(datasets, form.dataset) : null;
  const versionRuns = useMemo(() => runs.filter((r) => r.versionId === selectedVersion), [runs, selectedVersion]);
  const busy = phase.kind === "busy";

  const update = (patch: Partial<ExportForm>) => {
    setForm((f) => (f ? { ...f, ...patch } : f));
    setConfirmReplace(null);
    setErrors((e) => {
      const next = { ...e };
      for (const k of Object.keys(patch) as (keyof ExportForm)[]) delete next[k];
      return next;
    });
  };

  // ---- live count (debounced; stale answers ignored)
  const preview = usePreview(form);

  const choose = async () => {
    if (!form) return;
    try {
      const path = await ipc.pickExportPath(form.format);
      if (path) {
        pickedPath.current = path;
        update({ out: path });
      }
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!form || busy) return;
    const built = buildExportRequest(form, "export");
    if (!built.ok) {
      setErrors(built.errors);
      return;
    }
    setErrors({});
    setOpenError(null);
    // A file already there is replaced by the export: ask first — unless the save dialog, which
    // asks itself, chose this very path.
    if (built.request.out !== pickedPath.current) {
      let replaces: boolean;
      try {
        replaces = await ipc.exportWouldReplace(built.request.out, built.request.format);
      } catch (err) {
        setPhase({ kind: "failed", error: normaliseError(err) });
        return;
      }
      if (replaces) {
        setPhase({ kind: "idle" });
        setConfirmReplace(built.request);
        return;
      }
    }
    await run(built.request);
  };

  const run = async (request: ExportRequest) => {
    setConfirmReplace(null);
    setPhase({ kind: "busy", progress: null, cancelling: false, cancelError: null });
    try {
      const done = await ipc.exportDataset(request, (progress) =>
        // A report that arrives after the answer changes nothing.
        setPhase((p) => (p.kind === "busy" ? { ...p, progress } : p)),
      );
      setPhase({ kind: "done", done });
    } catch (err) {
      const error = normaliseError(err);
      setPhase(error.code === "cancelled" ? { kind: "cancelled" } : { kind: "failed", error });
    }
  };

  const cancel = async () => {
    setPhase((p) => (p.kind === "busy" ? { ...p, cancelling: true, cancelError: null } : p));
    try {
      await ipc.cancelExport();
    } catch (err) {
      const cancelError = normaliseError(err);
      setPhase((p) => (p.kind === "busy" ? { ...p, cancelling: false, cancelError } : p));
    }
  };

  const openFolder = async (path: string) => {
    setOpenError(null);
    try {
      await ipc.openFolder(path);
    } catch (err) {
      setOpenError(normaliseError(err));
    }
  };

  const formatInfo = EXPORT_FORMATS.find((f) => f.value === form?.format);

  return (
    <div className="dash-screen export-screen" data-testid="export-screen">
      <header className="app-header">
        <button type="button" className="button small" data-testid="export-back" onClick={onBack} disabled={busy}>
          ← Items
        </button>
        <div className="header-title">
          <h1>Export dataset</h1>
          <span className="header-path" title={project.path}>
            {project.name}
          </span>
        </div>
        <div className="header-spacer" />
        <button type="button" className="button small" onClick={onDashboard} disabled={busy}>
          Dashboard
        </button>
      </header>

      <div className="dash-scroll">
        {loadError && (
          <IpcErrorBox error={loadError} testId="export-error" />
        )}
        {!form && !loadError && <div className="dash-loading muted">Loading…</div>}
        {form && datasets && datasets.length === 0 && (
          <div className="empty-state">
            <h2>Nothing to export</h2>
            <p>Import a dataset first.</p>
          </div>
        )}
        {form && datasets && datasets.length > 0 && (
          <>
          <form className="export-layout" onSubmit={submit} noValidate>
            <div className="export-main">
              <section className="dash-card export-section">
                <h3>What to export</h3>
                <div className="export-row">
                  <label className="field grow">
                    <span className="field-label">Dataset version</span>
                    <select
                      data-testid="export-dataset"
                      value={form.dataset}
                      disabled={busy}
                      onChange={(e) => {
                        const ref = e.target.value;
                        const id = versionIdOf(datasets, ref);
                        const keepRun = runs.some((r) => String(r.run) === form.run && r.versionId === id);
                        update({ dataset: ref, run: keepRun ? form.run : defaultExportRun(runs, id) });
                      }}
                    >
                      {datasets.map((ds) => (
                        <optgroup key={ds.id} label={ds.name}>
                          {ds.versions.map((v) => (
                            <option key={v.id} value={datasetRef(ds.name, v.version)}>
                              {ds.name} v{v.version} — {plural(v.items, "item")}
                            </option>
                          ))}
                        </optgroup>
                      ))}
                    </select>
                  </label>
                  <label className="field grow">
                    <span className="field-label">
                      Predictions <span className="muted">(predicted, confidence columns)</span>
                    </span>
                    <select data-testid="export-run" value={form.run} disabled={busy} onChange={(e) => update({ run: e.target.value })}>
                      <option value="">None — leave them empty</option>
                      {versionRuns.map((r) => (
                        <option key={r.run} value={String(r.run)}>
                          {runLabel(r)}
                        </option>
                      ))}
                    </select>
                    <span className="field-hint">Preselected: the newest finished run over this version.</span>
                    {errors.run && <span className="field-error">{errors.run}</span>}
                  </label>
                </div>
                <div className="field">
                  <span className="field-label">Format</span>
                  <div className="export-row">
                    <select
                      data-testid="export-format"
                      value={form.format}
                      disabled={busy}
                      onChange={(e) => {
                        const format = e.target.value;
                        if (isExportFormat(format)) update({ format, out: pathForFormat(form.out, format) });
                      }}
                    >
                      {EXPORT_FORMATS.map((f) => (
                        <option key={f.value} value={f.value}>
                          {f.text}
                        </option>
                      ))}
                    </select>
                    <p className="field-hint export-format-hint">{formatInfo?.hint}</p>
                  </div>
                </div>
              </section>

              <section className="dash-card export-section">
                <h3>Filters</h3>
                <label className="check">
                  <input
                    type="checkbox"
                    data-testid="export-only-decided"
                    checked={form.onlyDecided}
                    disabled={busy}
                    onChange={(e) => update({ onlyDecided: e.target.checked })}
                  />
                  <span>
                    Only items with a decided label
                    <span className="field-hint">Leaves out items that are unannotated, waiting for votes or in conflict.</span>
                  </span>
                </label>

                <div className="check">
                  <input
                    type="checkbox"
                    id="export-min-agreement-on"
                    data-testid="export-min-agreement-on"
                    checked={form.minAgreementOn}
                    disabled={busy}
                    onChange={(e) => update({ minAgreementOn: e.target.checked })}
                  />
                  <span>
                    <label htmlFor="export-min-agreement-on">Minimum agreement</label>
                    <span className="slider-row">
                      <input
                        type="range"
                        min={0}
                        max={1}
                        step={0.05}
                        data-testid="export-min-agreement"
                        aria-label="Minimum agreement"
                        // Off lets every item through: the thumb rests at 0 %, greyed, until switched on.
                        value={form.minAgreementOn ? form.minAgreement : 0}
                        disabled={busy || !form.minAgreementOn}
                        onChange={(e) => update({ minAgreement: Number(e.target.value), minAgreementOn: true })}
                      />
                      <strong className="tabular slider-value">{form.minAgreementOn ? formatThreshold(form.minAgreement) : "off"}</strong>
                    </span>
                    <span className="field-hint">
                      Share of an item's vote pairs that agree, over the annotators' own labels: 2 of 3 votes alike = 33%,
                      unanimous = 100%. A reviewer's override decides the label but is not a vote. An item with one vote
                      counts as 100%; items without votes are left out.
                    </span>
                    {errors.minAgreement && <span className="field-error">{errors.minAgreement}</span>}
                  </span>
                </div>

                <fieldset className="reasons-field">
                  <legend className="field-label">Leave out items with these reasons or flags</legend>
                  <span className="field-hint">
                    Nothing is left out unless ticked. An item flagged “Bad input” while annotating or reviewing counts as
                    bad_input — even when others labeled it.
                  </span>
                  {reasons.length === 0 ? (
                    <span className="muted small">No reason codes in this project.</span>
                  ) : (
                    <div className="reason-checks">
                      {reasons.map((r) => {
                        const ticked = form.excludeReasons.includes(r.code);
                        const removes = ticked ? excludedText(preview.data?.excluded, r.code) : null;
                        return (
                          <label key={r.code} className="check compact" title={r.description}>
                            <input
                              type="checkbox"
                              data-testid="export-reason"
                              data-code={r.code}
                              checked={ticked}
                              disabled={busy}
                              onChange={(e) =>
                                update({
                                  excludeReasons: e.target.checked
                                    ? [...form.excludeReasons, r.code]
                                    : form.excludeReasons.filter((c) => c !== r.code),
                                })
                              }
                            />
                            <span>
                              <span className="mono">{r.code}</span>
                              {ticked && (
                                <span
                                  className={`reason-removes tabular${preview.pending || removes === null ? " pending" : ""}`}
                                  data-testid="export-reason-removes"
                                  data-code={r.code}
                                  data-count={removes === null ? "" : String(preview.data?.excluded[r.code] ?? "")}
                                >
                                  {removes ?? "counting…"}
                                </span>
                              )}
                              <span className="field-hint">{r.description}</span>
                            </span>
                          </label>
                        );
                      })}
                    </div>
                  )}
                </fieldset>
              </section>

              <section className="dash-card export-section">
                <h3>Train / validation split</h3>
                <div className="export-split-row">
                  <label className="check">
                    <input
                      type="checkbox"
                      data-testid="export-split"
                      checked={form.split}
                      disabled={busy}
                      onChange={(e) => update({ split: e.target.checked })}
                    />
                    <span>
                      Add a <span className="mono">split</span> column
                      <span className="field-hint">
                        This share of each label goes to validation, the rest to train (a table also gets one file per
                        split beside it, NAME.train and NAME.validation, for Hugging Face datasets; an image folder gets
                        train/ and validation/ folders; Label Studio tasks carry no split). Seeded: the same options give
                        the same split every time.
                      </span>
                    </span>
                  </label>
                  <label className="field">
                    <span className="field-label">Validation share</span>
                    <span className="input-suffix">
                      <input
                        type="text"
                        inputMode="decimal"
                        data-testid="export-validation"
                        value={form.validationPercent}
                        disabled={busy || !form.split}
                        aria-invalid={errors.validationPercent ? true : undefined}
                        onChange={(e) => update({ validationPercent: e.target.value })}
                      />
                      <span>%</span>
                    </span>
                    {errors.validationPercent && <span className="field-error">{errors.validationPercent}</span>}
                  </label>
                  <label className="field">
                    <span className="field-label">Seed</span>
                    <input
                      type="text"
                      inputMode="numeric"
                      data-testid="export-seed"
                      value={form.seed}
                      disabled={busy || !form.split}
                      aria-invalid={errors.seed ? true : undefined}
                      onChange={(e) => update({ seed: e.target.value })}
                    />
                    {errors.seed && <span className="field-error">{errors.seed}</span>}
                  </label>
                </div>
              </section>
            </div>

            <aside className="export-side">
              <section className="dash-card export-section">
                <h3>Will be written</h3>
                <PreviewPanel state={preview} />
              </section>

              <section className="dash-card export-section">
                <h3>Destination</h3>
                <label className="field">
                  <span className="field-label">{form.format === "imagefolder" ? "New folder" : "File"}</span>
                  <input
                    type="text"
                    className="mono"
                    data-testid="export-path"
                    placeholder={
                      form.format === "imagefolder"
                        ? "/path/to/new-folder"
                        : `/path/to/export.${form.format === "labelstudio" ? "json" : form.format}`
                    }
                    value={form.out}
                    disabled={busy}
                    spellCheck={false}
                    aria-invalid={errors.out ? true : undefined}
                    onChange={(e) => update({ out: e.target.value })}
                  />
                  {errors.out && <span className="field-error">{errors.out}</span>}
                </label>
                {confirmReplace && (
                  <ReplaceConfirm
                    path={confirmReplace.out}
                    what={
                      <>
                        {" "}
                        (and its <span className="mono">.lineage.json</span>)
                      </>
                    }
                    testId="export-replace"
                    onReplace={() => void run(confirmReplace)}
                    onKeep={() => setConfirmReplace(null)}
                  />
                )}
                <ExportTargetGate
                  verdict={preview.data?.target}
                  allow={form.allowBelowTarget}
                  disabled={busy}
                  onAllow={(allowBelowTarget) => update({ allowBelowTarget })}
                />
                <div className="export-actions">
                  <button type="button" className="button" data-testid="export-choose" disabled={busy} onClick={() => void choose()}>
                    Choose destination…
                  </button>
                  <button type="submit" className="button primary" data-testid="export-submit" disabled={busy || confirmReplace !== null}>
                    {busy ? "Exporting…" : "Export"}
                  </button>
                  {phase.kind === "busy" && (
                    <button
                      type="button"
                      className="button"
                      data-testid="export-cancel"
                      disabled={phase.cancelling}
                      onClick={() => void cancel()}
                    >
                      {phase.cancelling ? "Cancelling…" : "Cancel"}
                    </button>
                  )}
                </div>
                {phase.kind === "busy" && (
                  <ExportProgressView progress={phase.progress} rows={preview.data?.rows ?? null} />
                )}
                {phase.kind === "busy" && phase.cancelError && (
                  <IpcErrorBox error={phase.cancelError} testId="export-cancel-error" prefix="Cannot cancel: " />
                )}
                {phase.kind === "cancelled" && (
                  <div className="notice warn flat" role="status" data-testid="export-cancelled">
                    <div className="notice-body">
                      <strong>Export cancelled; nothing was written.</strong>
                    </div>
                  </div>
                )}
                {phase.kind === "failed" && (
                  <IpcErrorBox error={phase.error} testId="export-error" />
                )}
                {phase.kind === "done" && (
                  <DoneNotice done={phase.done} onOpen={() => void openFolder(phase.done.folder)} openError={openError} />
                )}
              </section>
            </aside>
          </form>
          <AnnotationEventsExport disabled={busy} />
          </>
        )}
      </div>
    </div>
  );
}

/**
 * A determinate bar where the stage has a count (items read, files linked), else the stage's
 * name over an indeterminate bar (polars writes a table in one call: no honest percentage).
 */
function ExportProgressView({ progress, rows }: { progress: ExportProgress | null; rows: number | null }) {
  const total = progress?.total ?? 0;
  const pct = progress && total > 0 ? Math.min(100, (progress.done / total) * 100) : null;
  const text = !progress
    ? "Starting"
    : progress.stage === "writing" && rows !== null
      ? `Writing ${plural(rows, "row")}`
      : STAGE_TEXT[progress.stage];
  const count = progress && total > 0 ? `${formatCount(progress.done)} / ${formatCount(total)}` : "";
  return (
    <div
      className="progress"
      data-testid="export-busy"
      data-stage={progress?.stage ?? ""}
      role="progressbar"
      aria-live="polite"
      aria-valuemin={0}
      aria-valuemax={total || undefined}
      aria-valuenow={progress && total ? progress.done : undefined}
      aria-valuetext={count ? `${text} ${count}` : text}
    >
      <div className="progress-text">
        <span>{text}…</span>
        <span className="muted tabular" data-testid="export-progress-count">
          {count}
          {progress?.stage === "linking" && total > 0 ? " files" : ""}
        </span>
      </div>
      <div className={`progress-track${pct === null ? " indeterminate" : ""}`}>
        <div className="progress-fill" data-testid="export-progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
    </div>
  );
}

interface PreviewState {
  /** The latest count (possibly for an older form while `pending`). */
  data: ExportPreview | null;
  /** Whether `data` counts an image folder's files (its own request's format, not the form's). */
  files: boolean;
  pending: boolean;
  error: IpcError | null;
  /** The form has invalid fields: nothing is counted. */
  invalid: boolean;
}

function usePreview(form: ExportForm | null): PreviewState {
  const [state, setState] = useState<PreviewState>({ data: null, files: false, pending: false, error: null, invalid: false });
  const seq = useRef(0);
  const built = form ? buildExportRequest(form, "preview") : null;
  const key = built?.ok ? previewKey(built.request) : null;
  const request = built?.ok ? built.request : null;
  const requestRef = useRef(request);
  requestRef.current = request;

  const hasForm = form !== null;
  useEffect(() => {
    if (!hasForm) return;
    if (key === null) {
      seq.current++;
      setState((s) => ({ ...s, pending: false, invalid: true }));
      return;
    }
    const id = ++seq.current;
    setState((s) => ({ ...s, pending: true, invalid: false }));
    const timer = setTimeout(() => {
      const req = requestRef.current;
      if (!req) return;
      ipc
        .exportPreview(req)
        .then((data) => {
          const files = req.format === "imagefolder";
          if (id === seq.current) setState({ data, files, pending: false, error: null, invalid: false });
        })
        .catch((err) => {
          if (id === seq.current) setState((s) => ({ ...s, data: null, pending: false, error: normaliseError(err), invalid: false }));
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key, hasForm]);

  return state;
}

/** An image folder is counted in files (items with media and a label), a table in rows. */
function PreviewPanel({ state }: { state: PreviewState }) {
  const { data, files, pending, error, invalid } = state;
  const unit = files ? "file" : "row";
  const rows = labelBreakdown(data?.labels ?? {});
  const skipped = skippedText(data?.skipped ?? {});
  const shown = rows.slice(0, 12);
  const rest = rows.slice(12);
  return (
    <div
      className={`export-count${pending ? " pending" : ""}`}
      data-testid="export-count"
      data-rows={data && !error ? String(data.rows) : ""}
      aria-live="polite"
      aria-busy={pending}
    >
      {error ? (
        <div className="form-error" data-testid="export-preview-error">
          <strong>Cannot count: {codeTitle(error.code)}</strong>
          <pre className="error-message">{error.message}</pre>
        </div>
      ) : invalid ? (
        <p className="muted">Fix the highlighted fields to see the count.</p>
      ) : !data ? (
        <p className="muted">Counting…</p>
      ) : (
        <>
          <div className="export-count-head">
            <span className="dash-big tabular">{formatCount(data.rows)}</span>
            <span className="muted">
              {data.rows === 1 ? unit : `${unit}s`}
              {pending ? " · updating…" : ""}
            </span>
          </div>
          {skipped !== "" && (
            <p className="small muted" data-testid="export-count-skipped">
              Left out: {skipped}.
            </p>
          )}
          {rows.length > 0 && (
            <ul className="label-breakdown">
              {shown.map((r) => (
                <li key={r.label} data-label={r.label} data-count={r.count}>
                  <span className={`lb-name${r.label === "(none)" ? " muted" : ""}`} title={r.label === "(none)" ? "No final label (not decided)" : r.label}>
                    {r.label === "(none)" ? "no final label" : r.label}
                  </span>
                  <span className="lb-track" aria-hidden="true">
                    <span className="lb-fill" style={{ width: `${r.share * 100}%` }} />
                  </span>
                  <span className="lb-count tabular">{formatCount(r.count)}</span>
                </li>
              ))}
              {rest.length > 0 && (
                <li className="muted small">
                  …and {plural(rest.length, "more label")} ({plural(rest.reduce((s, r) => s + r.count, 0), unit)})
                </li>
              )}
            </ul>
          )}
        </>
      )}
    </div>
  );
}

function DoneNotice({ done, onOpen, openError }: { done: ExportDone; onOpen: () => void; openError: IpcError | null }) {
  const labels = labelBreakdown(done.labels);
  const skipped = skippedText(done.skipped);
  return (
    <div className="notice flat export-done" role="status" data-testid="export-done" data-rows={String(done.rows)}>
      <div className="notice-body">
        <strong>Exported {plural(done.rows, done.folder === done.out ? "file" : "row")}</strong>
        <p className="small" data-testid="export-predictions">
          {done.run === null ? "No predictions" : `Predictions of run ${done.run}`}
        </p>
        {done.targetExport === "allowed_below_target" && (
          <p className="small" data-testid="export-below-target">
            Exported below the agreement target (the lineage records it).
          </p>
        )}
        {skipped !== "" && (
          <p className="small" data-testid="export-skipped">
            Left out: {skipped}.
          </p>
        )}
        <dl className="export-paths">
          <dt>Data</dt>
          <dd className="mono break" data-testid="export-out">
            {done.out}
          </dd>
          <dt>Lineage</dt>
          <dd className="mono break" data-testid="export-lineage">
            {done.lineage}
          </dd>
        </dl>
        {labels.length > 0 && (
          <p className="small muted">
            {labels
              .slice(0, 8)
              .map((l) => `${l.label === "(none)" ? "no final label" : l.label} ×${formatCount(l.count)}`)
              .join(" · ")}
            {labels.length > 8 ? " · …" : ""}
          </p>
        )}
        <button type="button" className="button small" data-testid="export-open" onClick={onOpen}>
          Open folder
        </button>
        {openError && (
          <IpcErrorBox error={openError} testId="export-open-error" />
        )}
      </div>
    </div>
  );
}
