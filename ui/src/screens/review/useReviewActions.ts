/**
 * What the annotator does to the item on screen (label, override, accept, skip, flag, undo) and
 * what comes back from the session (saved, failed, undone), with the time on the item and the
 * next-item latency measured along the way.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, type RefObject } from "react";
import type { AnnotatorDto } from "../../bindings/AnnotatorDto";
import { useReportError } from "../../components/ErrorBanner";
import { latencyLog, recordLatency, TransitionProbe } from "../../lib/latency";
import { conflictNotice, ItemTimer } from "../../lib/pace";
import type { ActionSpec, Draft, ReviewController, ReviewEvent } from "../../lib/reviewSession";
import type { Drafts } from "./useDrafts";
import type { Flash } from "./useNotice";
import { predictionShown } from "./useReviewSession";

interface Args {
  controller: ReviewController | null;
  currentRowid: number | null;
  /** Session events land here (the session hook calls through this ref). */
  onEventRef: RefObject<(e: ReviewEvent) => void>;
  exhausted: boolean;
  failed: boolean;
  annotator: AnnotatorDto | null;
  reviewer: boolean;
  /** The project's label names (a prediction outside them cannot be accepted). */
  labelNames: ReadonlySet<string>;
  drafts: Drafts;
  flash: Flash;
  loadProgress: (delay?: number) => void;
  /** An override without a reason asks for one. */
  askReason: (label: string) => void;
  setOverrideMode: (f: (on: boolean) => boolean) => void;
  /** Back to the screen when an action was taken from a field. */
  rootRef: RefObject<HTMLElement | null>;
  focusScreen: () => void;
}

export function useReviewActions({
  controller,
  currentRowid,
  onEventRef,
  exhausted,
  failed,
  annotator,
  reviewer,
  labelNames,
  drafts,
  flash,
  loadProgress,
  askReason,
  setOverrideMode,
  rootRef,
  focusScreen,
}: Args) {
  const report = useReportError();
  const { draftOf, keep, drop } = drafts;

  // Time on the item (not counting while the window is hidden).
  const timer = useRef(new ItemTimer());
  useLayoutEffect(() => {
    timer.current.show(currentRowid, document.visibilityState !== "hidden");
  }, [currentRowid]);
  useEffect(() => {
    const onVisibility = () => (document.visibilityState === "hidden" ? timer.current.pause() : timer.current.resume());
    document.addEventListener("visibilitychange", onVisibility);
    return () => document.removeEventListener("visibilitychange", onVisibility);
  }, []);

  // Keydown → next image on screen.
  const probe = useRef(new TransitionProbe());
  const onPainted = useCallback((rowid: number) => {
    const ms = probe.current.painted(rowid, performance.now());
    if (ms !== null) recordLatency(ms);
  }, []);
  useEffect(() => {
    latencyLog();
  }, []);
  useEffect(() => {
    if (exhausted || failed) probe.current.cancel();
  }, [exhausted, failed]);

  const reviewerRef = useRef(reviewer);
  reviewerRef.current = reviewer;
  onEventRef.current = (e: ReviewEvent) => {
    switch (e.type) {
      case "saved": {
        loadProgress(800);
        const d = e.result.decision;
        if (d.status === "conflict") {
          const who = e.entry.request.annotator;
          // Who said what only for reviewers and leads, and never in a blind queue.
          flash(conflictNotice(e.entry.item.itemId, d.votes, who, reviewerRef.current && !e.entry.item.blind));
        }
        break;
      }
      case "saveFailed": {
        keep(e.entry.item.rowid, e.entry.draft, controller?.state.buffer[0]?.rowid === e.entry.item.rowid);
        report(e.error, `Saving ${e.entry.item.itemId} failed — it is back on screen`);
        break;
      }
      case "undone": {
        loadProgress(300);
        if (e.retracted !== e.expected) {
          report(
            {
              code: "internal",
              message: `undo retracted event ${e.retracted ?? "none"} but this screen expected ${e.expected} — was the same annotator working in another window?`,
            },
            "Undo",
          );
        }
        break;
      }
      case "undoFailed":
        report(e.error, `Undo failed — ${e.entry.item.itemId} keeps its annotation`);
        break;
      case "nothingToUndo":
        flash("Nothing to undo in this session.");
        break;
      case "loadFailed":
        report(e.error, "Loading the next items");
        break;
    }
  };

  // Actions read the item from the controller (not from the last render), so two keys pressed
  // within one frame act on two different items, each with its own draft.
  const act = (spec: ActionSpec, t0: number, useDraft?: Draft) => {
    const c = controller;
    const item = c?.state.buffer[0];
    if (!c || !item) return;
    const draft = useDraft ?? draftOf(item.rowid);
    probe.current.begin(t0, c.state.buffer[1]?.rowid ?? null);
    const entry = c.act(spec, { draft, seconds: timer.current.seconds(), predictionShown: predictionShown(item) });
    if (!entry) {
      probe.current.cancel();
      return;
    }
    drop(item.rowid);
    if (rootRef.current?.contains(document.activeElement) && document.activeElement !== rootRef.current) focusScreen();
  };

  const label = (name: string, override: boolean, t0: number) => {
    const item = controller?.state.buffer[0];
    if (!item) return;
    if (override) {
      if (!reviewer) {
        flash(`Overrides are for reviewers and leads — ${annotator?.name ?? "you"} is an annotator.`, "warn");
        return;
      }
      if (!draftOf(item.rowid).reason) {
        askReason(name);
        return;
      }
      act({ kind: "label", label: name, source: "override" }, t0);
      return;
    }
    act({ kind: "label", label: name, source: "manual" }, t0);
  };

  const accept = (t0: number) => {
    const item = controller?.state.buffer[0];
    if (!item) return;
    const p = item.blind ? null : item.prediction;
    if (!p?.predicted) {
      flash(item.blind ? "Blind queue: there is no prediction to accept." : "There is no prediction to accept for this item.", "warn");
      return;
    }
    if (!labelNames.has(p.predicted)) {
      flash(`The model's class “${p.predicted}” is not a label of this project — pick a label.`, "warn");
      return;
    }
    act({ kind: "label", label: p.predicted, source: "accepted_prediction" }, t0);
  };

  const undo = (t0: number) => {
    const c = controller;
    if (!c) return;
    const last = c.state.entries[c.state.entries.length - 1];
    if (last) {
      keep(last.item.rowid, last.draft);
      probe.current.begin(t0, last.item.rowid);
    }
    const e = c.undo();
    if (e) flash(`Undone — ${e.item.itemId} is back.`);
  };

  const toggleOverride = () => {
    if (!reviewer) {
      flash(`Override mode is for reviewers and leads — ${annotator?.name ?? "choose an annotator"}${annotator ? ` is an ${annotator.role}` : ""}.`, "warn");
      return;
    }
    if (currentRowid === null) return;
    setOverrideMode((v) => !v);
  };

  return { act, label, accept, undo, toggleOverride, onPainted };
}
