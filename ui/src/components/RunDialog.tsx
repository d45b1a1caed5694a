import { useEffect, useState, type FormEvent } from "react";
import { usePersistentState } from "../hooks";
import type { DatasetInfo } from "../bindings/DatasetInfo";
import type { ModelDto } from "../bindings/ModelDto";
import type { RunInfo } from "../bindings/RunInfo";
import type { RunProgress } from "../bindings/RunProgress";
import { formatCount, plural } from "../lib/format";
import { codeTitle } from "../lib/ipcError";
import { modelRef } from "../lib/models";
import {
  buildRunRequest,
  CONV_SEARCHES,
  datasetRef,
  defaultRunForm,
  DEVICES,
  formatDuration,
  formatRate,
  GPU_SETTINGS_KEY,
  gpuSettingsOf,
  MAX_BATCH_SIZE,
  modelNameOf,
  type GpuSettings,
  progressPercent,
  type RunForm,
  type RunFormErrors,
} from "../lib/runs";
import { Modal } from "./Modal";
import { RunFailuresList } from "./RunFailuresList";
import type { Runner } from "./useRun";

interface Props {
  runner: Runner;
  models: ModelDto[] | null;
  datasets: DatasetInfo[] | null;
  /** `NAME@VERSION` to preselect (e.g. from the model details). */
  initialModel: string | null;
  /** `NAME@VERSION` to preselect: the version shown in the grid. */
  initialDataset: string | null;
  /** Closes the dialog; a running run goes on in the background. */
  onClose: () => void;
  onAddModel: () => void;
}

function itemsOf(datasets: DatasetInfo[] | null, ref: string): number | null {
  for (const ds of datasets ?? []) {
    for (const v of ds.versions) if (datasetRef(ds.name, v.version) === ref) return v.items;
  }
  return null;
}

export function RunDialog({ runner, models, datasets, initialModel, initialDataset, onClose, onAddModel }: Props) {
  const { state } = runner;
  const [form, setForm] = useState<RunForm>(() => {
    if (state.phase !== "idle") {
      const r = state.request;
      return {
        model: r.model,
        dataset: r.dataset,
        batchSize: String(r.batchSize),
        device: r.device,
        cudaDevice: r.cudaDevice === null ? "" : String(r.cudaDevice),
        gpuMemLimit: r.gpuMemLimit ?? "",
        convSearch: r.cudnnConvSearch ?? "exhaustive",
      };
    }
    const firstModel = models?.[0];
    const firstDataset = datasets?.find((d) => d.versions.length > 0);
    const firstVersion = firstDataset?.versions[0];
    return defaultRunForm(
      initialModel ?? (firstModel ? modelRef(firstModel) : ""),
      initialDataset ?? (firstDataset && firstVersion ? datasetRef(firstDataset.name, firstVersion.version) : ""),
    );
  });
  const [errors, setErrors] = useState<RunFormErrors>({});
  // The GPU settings last used with each model on this computer prefill the form.
  const [gpuByModel, setGpuByModel] = usePersistentState<Record<string, GpuSettings>>(GPU_SETTINGS_KEY, {});
  const savedGpu = form.model ? gpuByModel[modelNameOf(form.model)] : undefined;
  const idle = state.phase === "idle";
  useEffect(() => {
    if (!idle) return;
    setForm((f) => ({
      ...f,
      cudaDevice: savedGpu?.cudaDevice ?? "",
      gpuMemLimit: savedGpu?.gpuMemLimit ?? "",
      convSearch: savedGpu?.convSearch ?? "exhaustive",
    }));
    // Only when the model (or what is saved for it) changes, not on every keystroke.
  }, [idle, savedGpu?.cudaDevice, savedGpu?.gpuMemLimit, savedGpu?.convSearch]);

  // Models may still be loading when the dialog opens: preselect the first one once they arrive.
  const firstModelRef = models?.[0] ? modelRef(models[0]) : "";
  useEffect(() => {
    if (firstModelRef) setForm((f) => (f.model === "" ? { ...f, model: firstModelRef } : f));
  }, [firstModelRef]);

  const running = state.phase === "running";
  const locked = running || state.phase === "done" || state.phase === "cancelled";
  const set = (key: keyof RunForm) => (e: { target: { value: string } }) => {
    setForm((f) => ({ ...f, [key]: e.target.value }));
    setErrors((errs) => ({ ...errs, [key]: undefined }));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (running) return;
    const built = buildRunRequest(form);
    if (!built.ok) {
      setErrors(built.errors);
      runner.reset(); // the previous attempt's error no longer applies
      return;
    }
    setErrors({});
    if (built.request.device !== "cpu") {
      setGpuByModel({ ...gpuByModel, [modelNameOf(built.request.model)]: gpuSettingsOf(form) });
    }
    runner.start(built.request);
  };

  const resume = () => {
    if (state.phase !== "cancelled" || state.runId === null) return;
    runner.start({ ...state.request, resume: state.runId });
  };

  const selectedModel = models?.find((m) => modelRef(m) === form.model) ?? null;
  const noModels = models !== null && models.length === 0;

  return (
    <Modal
      title={running ? "Running model" : "Run model"}
      onClose={onClose}
      testId="run-dialog"
      width={580}
      closeLabel={running ? "Hide (the run continues)" : "Close"}
    >
      <form className="form" onSubmit={submit} noValidate>
        <label className="field">
          <span className="field-label">Model</span>
          {noModels ? (
            <div className="inline-note">
              <span className="muted">No models yet.</span>
              <button type="button" className="button small" onClick={onAddModel}>
                Add model…
              </button>
            </div>
          ) : (
            <select data-testid="run-model" value={form.model} onChange={set("model")} disabled={locked || models === null}>
              {form.model === "" && <option value="">Choose a model…</option>}
              {form.model !== "" && !selectedModel && <option value={form.model}>{form.model}</option>}
              {(models ?? []).map((m) => (
                <option key={m.id} value={modelRef(m)}>
                  {modelRef(m)} — {m.kind}, {plural(m.classes.length, "class", "classes")}
                </option>
              ))}
            </select>
          )}
          {errors.model && <span className="field-error">{errors.model}</span>}
        </label>

        <label className="field">
          <span className="field-label">Dataset version</span>
          <select data-testid="run-dataset" value={form.dataset} onChange={set("dataset")} disabled={locked || datasets === null}>
            {form.dataset === "" && <option value="">Choose a dataset version…</option>}
            {(datasets ?? []).map((ds) => (
              <optgroup key={ds.id} label={ds.name}>
                {ds.versions.map((v) => (
                  <option key={v.id} value={datasetRef(ds.name, v.version)}>
                    {ds.name} v{v.version} — {plural(v.items, "item")}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {errors.dataset && <span className="field-error">{errors.dataset}</span>}
        </label>

        <div className="field-row">
          <label className="field">
            <span className="field-label">Batch size</span>
            <input
              type="text"
              inputMode="numeric"
              data-testid="run-batch"
              value={form.batchSize}
              onChange={set("batchSize")}
              disabled={locked}
              aria-invalid={!!errors.batchSize}
              title={`1 to ${formatCount(MAX_BATCH_SIZE)}`}
              autoComplete="off"
            />
            {errors.batchSize && <span className="field-error">{errors.batchSize}</span>}
          </label>
          <label className="field grow">
            <span className="field-label">Device</span>
            <select data-testid="run-device" value={form.device} onChange={set("device")} disabled={locked}>
              {DEVICES.map((d) => (
                <option key={d.value} value={d.value}>
                  {d.text}
                </option>
              ))}
            </select>
          </label>
        </div>

        {form.device !== "cpu" && (
          <div className="field-row" data-testid="run-cuda">
            <label className="field">
              <span className="field-label">GPU index</span>
              <input
                type="text"
                inputMode="numeric"
                data-testid="run-cuda-device"
                value={form.cudaDevice ?? ""}
                placeholder="0"
                onChange={set("cudaDevice")}
                disabled={locked}
                aria-invalid={!!errors.cudaDevice}
                autoComplete="off"
              />
              {errors.cudaDevice && <span className="field-error">{errors.cudaDevice}</span>}
            </label>
            <label className="field">
              <span className="field-label">GPU memory limit</span>
              <input
                type="text"
                data-testid="run-gpu-mem"
                value={form.gpuMemLimit ?? ""}
                placeholder="no limit (e.g. 4GiB)"
                onChange={set("gpuMemLimit")}
                disabled={locked}
                aria-invalid={!!errors.gpuMemLimit}
                autoComplete="off"
              />
              {errors.gpuMemLimit && <span className="field-error">{errors.gpuMemLimit}</span>}
            </label>
            <label className="field grow">
              <span className="field-label">cuDNN algorithm search</span>
              <select data-testid="run-conv-search" value={form.convSearch ?? "exhaustive"} onChange={set("convSearch")} disabled={locked}>
                {CONV_SEARCHES.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.text}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}

        {state.phase === "running" && (
          <RunProgressView
            progress={state.progress}
            fallbackTotal={itemsOf(datasets, state.request.dataset)}
            resuming={state.request.resume !== null}
            cancelling={state.cancelling}
          />
        )}

        {state.phase === "done" && <RunSummary info={state.info} />}

        {state.phase === "cancelled" && (
          <div className="notice warn flat" role="status" data-testid="run-cancelled">
            <div className="notice-body">
              <strong>{state.runId !== null ? `Run ${state.runId} was cancelled` : "The run was cancelled"}</strong>
              {state.progress && (
                <span>
                  {" "}
                  after {formatCount(state.progress.done)} of {plural(state.progress.total, "item")}
                </span>
              )}
              .{" "}
              {state.runId !== null
                ? "The predictions made so far are kept; resume to do the rest."
                : "The predictions made so far are kept."}
            </div>
          </div>
        )}

        {state.phase === "failed" && (
          <div className="form-error" role="alert">
            <strong>Run failed — {codeTitle(state.error.code)}</strong>
            <pre className="error-message" data-testid="run-error">
              {state.error.message}
            </pre>
          </div>
        )}

        <div className="form-actions">
          {state.phase === "running" ? (
            <>
              <button type="button" className="button" onClick={onClose} title="The run continues in the background">
                Hide
              </button>
              <button
                type="button"
                className="button danger"
                data-testid="run-cancel"
                onClick={runner.cancel}
                disabled={state.cancelling}
              >
                {state.cancelling ? "Cancelling…" : "Cancel run"}
              </button>
            </>
          ) : state.phase === "done" || state.phase === "cancelled" ? (
            <>
              <button type="button" className="button" onClick={runner.reset}>
                New run…
              </button>
              {state.phase === "cancelled" && state.runId !== null ? (
                <>
                  <button type="button" className="button" onClick={onClose}>
                    Close
                  </button>
                  <button type="button" className="button primary" data-testid="run-resume" onClick={resume}>
                    Resume run {state.runId}
                  </button>
                </>
              ) : (
                <button type="button" className="button primary" onClick={onClose}>
                  Close
                </button>
              )}
            </>
          ) : (
            <>
              <button type="button" className="button" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="button primary" data-testid="run-start" disabled={noModels || models === null}>
                {state.phase === "failed" ? "Try again" : "Start run"}
              </button>
            </>
          )}
        </div>
      </form>
    </Modal>
  );
}

function RunProgressView({
  progress,
  fallbackTotal,
  resuming,
  cancelling,
}: {
  progress: RunProgress | null;
  fallbackTotal: number | null;
  resuming: boolean;
  cancelling: boolean;
}) {
  const done = progress?.done ?? 0;
  const total = progress?.total ?? fallbackTotal ?? 0;
  const pct = progress ? progressPercent(done, total) : null;
  const status = cancelling ? "Stopping after the current batch…" : progress ? "Running…" : resuming ? "Resuming…" : "Loading the model…";
  return (
    <div
      className="progress"
      data-testid="run-progress"
      data-done={done}
      data-total={total}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={total || undefined}
      aria-valuenow={progress ? done : undefined}
      aria-valuetext={progress ? `${done} of ${total} items` : status}
    >
      <div className="progress-text">
        <span>{status}</span>
        <span className="tabular">{pct === null ? "" : `${Math.floor(pct)}%`}</span>
      </div>
      <div className={`progress-track${pct === null ? " indeterminate" : ""}`}>
        <div className="progress-fill" style={pct === null ? undefined : { width: `${pct}%` }} />
      </div>
      <div className="run-stats">
        <span className="tabular">
          {formatCount(done)} / {formatCount(total)} items
          {progress && progress.failed > 0 && <span className="failed-count"> · {formatCount(progress.failed)} failed</span>}
        </span>
        <span className="tabular" data-testid="run-rate">
          {progress ? formatRate(progress.itemsPerSecond) : "—"}
        </span>
        <span className="tabular" data-testid="run-eta">
          {progress?.etaSeconds != null ? `${formatDuration(progress.etaSeconds)} left` : "—"}
        </span>
        <span className="run-provider-wrap">
          <span className="muted">on </span>
          <span className="mono" data-testid="run-provider">
            {progress?.provider ?? "…"}
          </span>
        </span>
      </div>
    </div>
  );
}

function RunSummary({ info }: { info: RunInfo }) {
  return (
    <div className="run-result">
      <div className="notice flat" role="status" data-testid="run-summary">
        <div className="notice-body">
          <strong>
            Run {info.run} finished — {info.model} on {info.dataset}
          </strong>
          <dl className="run-summary-stats">
            <div>
              <dt>Items</dt>
              <dd className="tabular">{formatCount(info.items)}</dd>
            </div>
            <div>
              <dt>Failed</dt>
              <dd className={`tabular${info.failed > 0 ? " failed-count" : ""}`}>{formatCount(info.failed)}</dd>
            </div>
            <div>
              <dt>Time</dt>
              <dd className="tabular">{formatDuration(info.seconds)}</dd>
            </div>
            <div>
              <dt>Speed</dt>
              <dd className="tabular">{formatRate(info.itemsPerSecond)}</dd>
            </div>
            <div>
              <dt>Provider</dt>
              <dd className="mono" data-testid="run-provider">
                {info.provider}
              </dd>
            </div>
          </dl>
          <span className="muted small">The grid now shows this run's predictions.</span>
          <RunFailuresList run={info.run} failed={info.failed} />
        </div>
      </div>
      {info.notice && (
        <div className="notice info flat" role="note" data-testid="run-notice">
          <span className="notice-icon" aria-hidden="true">
            i
          </span>
          <div className="notice-body">{info.notice}</div>
        </div>
      )}
    </div>
  );
}
