/** The review session of one queue and annotator: its controller, its state, and its claims kept alive. */
import { useEffect, useState, useSyncExternalStore, type RefObject } from "react";
import type { ReviewItem } from "../../bindings/ReviewItem";
import * as ipc from "../../ipc";
import { emptySession, ReviewController, sharedSerial, type ReviewApi, type ReviewEvent, type SessionState } from "../../lib/reviewSession";

/** Items kept ready after the one on screen. */
export const PREFETCH = 2;
/** Claims last 10 minutes on the backend; renew them well before while the annotator is on an item. */
const RENEW_MS = 4 * 60_000;
/** How often an exhausted queue is asked again (leases of others lapse, overlap items free up). */
const RECHECK_MS = 60_000;

const ipcApi: ReviewApi = {
  nextItems: (queue, annotator, n) => ipc.nextItems(queue, annotator, n),
  annotate: (request) => ipc.annotate(request),
  undo: (annotator, queue) => ipc.undo(annotator, queue),
  releaseQueue: (queue, annotator) => ipc.releaseQueue(queue, annotator),
};

const EMPTY_STATE: SessionState = emptySession();
const noSubscribe = () => () => {};
const emptyState = () => EMPTY_STATE;

/** One controller per (queue, annotator); the previous one finishes its saves and gives its claims back. */
export function useReviewSession(
  queueId: number | null,
  run: number | null,
  annotator: string | null,
  onEvent: RefObject<(e: ReviewEvent) => void>,
) {
  const [controller, setController] = useState<ReviewController | null>(null);
  useEffect(() => {
    if (queueId === null || run === null || annotator === null) {
      setController(null);
      return;
    }
    const c = new ReviewController({
      queue: queueId,
      run,
      annotator,
      api: ipcApi,
      serial: sharedSerial,
      prefetch: PREFETCH,
      onEvent: (e) => onEvent.current?.(e),
    });
    setController(c);
    c.start();
    return () => {
      void c.dispose();
    };
  }, [queueId, run, annotator, onEvent]);
  const live =
    controller && controller.target.queue === queueId && controller.target.annotator === annotator ? controller : null;
  const state = useSyncExternalStore(live ? live.subscribe : noSubscribe, live ? live.getState : emptyState);
  return { controller: live, state };
}

/** Keep claims alive while on an item; look again now and then when the queue is exhausted. */
export function useClaimRenewal(controller: ReviewController | null, exhausted: boolean) {
  useEffect(() => {
    if (!controller) return;
    const every = exhausted ? RECHECK_MS : RENEW_MS;
    const t = setInterval(() => controller.requestTopUp(), every);
    return () => clearInterval(t);
  }, [controller, exhausted]);
}

/** Whether the item's prediction is on screen (what `predictionShown` records). */
export function predictionShown(item: ReviewItem): boolean {
  return !item.blind && item.prediction !== null && (item.prediction.top.length > 0 || item.prediction.predicted !== null);
}
