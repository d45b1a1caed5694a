/**
 * The annotation events (every label, skip, flag, override and undo, with who, when, why and the
 * queue) to a CSV or JSON Lines file: the audit trail behind the dataset export, as
 * `arbiter annotations export` writes it.
 */
import { useState } from "react";
import type { AnnotationsExported } from "../bindings/AnnotationsExported";
import type { IpcError } from "../bindings/IpcError";
import * as ipc from "../ipc";
import { pathForFormat } from "../lib/exportForm";
import { normaliseError } from "../lib/ipcError";
import { IpcErrorBox } from "./IpcErrorBox";
import { ReplaceConfirm } from "./ReplaceConfirm";
import { plural } from "../lib/format";

type EventsFormat = "csv" | "jsonl";

type Phase =
  | { kind: "idle" }
  | { kind: "busy" }
  | { kind: "confirm" }
  | { kind: "done"; done: AnnotationsExported }
  | { kind: "failed"; error: IpcError };

export function AnnotationEventsExport({ disabled }: { disabled: boolean }) {
  const [format, setFormat] = useState<EventsFormat>("csv");
  const [out, setOut] = useState("");
  const [picked, setPicked] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: "idle" });
  const [missing, setMissing] = useState(false);
  const busy = phase.kind === "busy";

  const edit = (next: string) => {
    setOut(next);
    setMissing(false);
    setPhase((p) => (p.kind === "busy" ? p : { kind: "idle" }));
  };

  const choose = async () => {
    try {
      const path = await ipc.pickExportPath(format);
      if (path) {
        edit(path);
        setPicked(path);
      }
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
  };

  const write = async () => {
    setPhase({ kind: "busy" });
    try {
      setPhase({ kind: "done", done: await ipc.exportAnnotations(out.trim()) });
    } catch (err) {
      setPhase({ kind: "failed", error: normaliseError(err) });
    }
  };

  const submit = async () => {
    if (busy) return;
    const path = out.trim();
    if (path === "") {
      setMissing(true);
      return;
    }
    // A file already there is replaced: ask first, unless the save dialog (which asks) chose it.
    if (path !== picked) {
      try {
        if (await ipc.exportWouldReplace(path, format)) {
          setPhase({ kind: "confirm" });
          return;
        }
      } catch (err) {
        setPhase({ kind: "failed", error: normaliseError(err) });
        return;
      }
    }
    await write();
  };

  return (
    <section className="dash-card export-section export-events" data-testid="events-export">
      <div className="dash-card-head">
        <div className="dash-card-titles">
          <h3>Annotation events</h3>
          <p className="dash-card-sub">
            Every label, skip, flag, override and undo, oldest first — who, when, why and from which queue. For an audit,
            or to load the raw votes into another tool.
          </p>
        </div>
      </div>
      <div className="export-events-row">
        <label className="field">
          <span className="field-label">Format</span>
          <select
            data-testid="events-format"
            value={format}
            disabled={disabled || busy}
            onChange={(e) => {
              const f = e.target.value === "jsonl" ? "jsonl" : "csv";
              setFormat(f);
              // Keep a typed path's name, with the new extension.
              const renamed = pathForFormat(out, f);
              if (renamed !== out) edit(renamed);
            }}
          >
            <option value="csv">CSV</option>
            <option value="jsonl">JSON Lines</option>
          </select>
        </label>
        <label className="field export-events-path">
          <span className="field-label">File</span>
          <input
            type="text"
            className="mono"
            data-testid="events-path"
            placeholder={`/path/to/annotations.${format}`}
            value={out}
            disabled={disabled || busy}
            spellCheck={false}
            aria-invalid={missing ? true : undefined}
            onChange={(e) => edit(e.target.value)}
          />
          {missing && <span className="field-error">Choose where to write the events.</span>}
        </label>
      </div>
      {phase.kind === "confirm" && (
        <ReplaceConfirm path={out.trim()} testId="events-replace" onReplace={() => void write()} onKeep={() => setPhase({ kind: "idle" })} />
      )}
      <div className="export-actions">
        <button type="button" className="button" data-testid="events-choose" disabled={disabled || busy} onClick={() => void choose()}>
          Choose file…
        </button>
        <button
          type="button"
          className="button"
          data-testid="events-submit"
          disabled={disabled || busy || phase.kind === "confirm"}
          onClick={() => void submit()}
        >
          {busy ? "Exporting…" : "Export events"}
        </button>
      </div>
      {phase.kind === "failed" && <IpcErrorBox error={phase.error} testId="events-error" />}
      {phase.kind === "done" && (
        <div className="notice flat" role="status" data-testid="events-done" data-events={String(phase.done.events)}>
          <div className="notice-body">
            <strong>Wrote {plural(phase.done.events, "event")}</strong>
            <p className="small mono break">{phase.done.out}</p>
          </div>
        </div>
      )}
    </section>
  );
}
