import { useCallback, useReducer, useRef } from "react";
import type { IpcError } from "../bindings/IpcError";
import type { RunInfo } from "../bindings/RunInfo";
import type { RunRequest } from "../bindings/RunRequest";
import * as ipc from "../ipc";
import { normaliseError } from "../lib/ipcError";
import { findResumableRun, IDLE_RUN, runReducer, type RunState } from "../lib/runs";

export interface Runner {
  state: RunState;
  /** Starts (or with `request.resume`, continues) a run; ignored while one is running. */
  start: (request: RunRequest) => void;
  /** Asks the backend to stop after the current batch; `start` then settles as cancelled. */
  cancel: () => void;
  /** Forgets a finished, cancelled or failed run (no-op while running). */
  reset: () => void;
}

interface Callbacks {
  /** The run finished; `info` is its summary. */
  onFinished: (info: RunInfo) => void;
  /** The run stopped for any reason (finished, cancelled, failed): the list of runs changed. */
  onSettled: () => void;
  /** The run failed (not cancelled). */
  onFailed: (error: IpcError) => void;
  onError: (err: unknown, context: string) => void;
}

/**
 * The one inference run of the app. It lives in the project screen, not in the run dialog, so
 * that the dialog can be hidden while a long run goes on.
 */
export function useRunner(callbacks: Callbacks): Runner {
  const [state, dispatch] = useReducer(runReducer, IDLE_RUN);
  const cbs = useRef(callbacks);
  cbs.current = callbacks;
  const running = useRef(false);

  const start = useCallback((request: RunRequest) => {
    if (running.current) return;
    running.current = true;
    dispatch({ type: "start", request });
    void (async () => {
      try {
        const info = await ipc.startRun(request, (progress) => dispatch({ type: "progress", progress }));
        running.current = false;
        dispatch({ type: "finished", info });
        cbs.current.onFinished(info);
      } catch (err) {
        running.current = false;
        const error = normaliseError(err);
        dispatch({ type: "failed", error });
        if (error.code !== "cancelled") cbs.current.onFailed(error);
        else {
          // Cancelled before the first progress message: find the run it left behind.
          try {
            dispatch({ type: "resolved", runId: findResumableRun(await ipc.listRuns(), request) });
          } catch (e) {
            cbs.current.onError(e, "Loading runs");
          }
        }
      } finally {
        cbs.current.onSettled();
      }
    })();
  }, []);

  const cancel = useCallback(() => {
    if (!running.current) return;
    dispatch({ type: "cancelling" });
    ipc.cancelRun().catch((err) => cbs.current.onError(err, "Cancelling the run"));
  }, []);

  const reset = useCallback(() => dispatch({ type: "reset" }), []);

  return { state, start, cancel, reset };
}
