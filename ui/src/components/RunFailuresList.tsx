import { useState } from "react";
import type { RunFailures } from "../bindings/RunFailures";
import * as ipc from "../ipc";
import { formatCount, plural } from "../lib/format";
import { codeTitle, normaliseError } from "../lib/ipcError";

/** How many failed items the panel lists (the CLI's `arbiter runs --failures` lists them all). */
export const FAILURES_SHOWN = 200;

type State = { kind: "closed" } | { kind: "loading" } | { kind: "ok"; data: RunFailures } | { kind: "error"; message: string };

/**
 * "N items failed" with, on request, the item ids and why each failed (the model could not
 * read or process them); read when first opened.
 */
export function RunFailuresList({ run, failed }: { run: number; failed: number }) {
  const [state, setState] = useState<State>({ kind: "closed" });
  if (failed <= 0) return null;

  const load = async () => {
    setState({ kind: "loading" });
    try {
      setState({ kind: "ok", data: await ipc.runFailures(run, FAILURES_SHOWN) });
    } catch (err) {
      const e = normaliseError(err);
      setState({ kind: "error", message: `${codeTitle(e.code)}: ${e.message}` });
    }
  };

  return (
    <details
      className="run-failures"
      data-testid="run-failures"
      onToggle={(e) => {
        if (e.currentTarget.open && state.kind === "closed") void load();
      }}
    >
      <summary>
        <span className="failed-count">{plural(failed, "item")} failed</span> — show which and why
      </summary>
      {state.kind === "loading" && <p className="muted small">Loading…</p>}
      {state.kind === "error" && (
        <div className="form-error" role="alert">
          {state.message}
        </div>
      )}
      {state.kind === "ok" && (
        <>
          <ul className="run-failure-list">
            {state.data.items.map((f) => (
              <li key={f.itemId} data-testid="run-failure" data-item-id={f.itemId}>
                <span className="mono run-failure-id">{f.itemId}</span>
                <span className="run-failure-error">{f.error}</span>
              </li>
            ))}
          </ul>
          {state.data.total > state.data.items.length && (
            <p className="muted small" data-testid="run-failures-more">
              The first {formatCount(state.data.items.length)} of {formatCount(state.data.total)}; the command{" "}
              <span className="mono">arbiter runs --failures {run}</span> lists them all.
            </p>
          )}
        </>
      )}
    </details>
  );
}
