import {
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
  type RefObject,
} from "react";
import type { AnnotatorDto } from "../bindings/AnnotatorDto";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { Progress } from "../bindings/Progress";
import type { QueueCounts } from "../bindings/QueueCounts";
import type { QueueDto } from "../bindings/QueueDto";
import type { ReviewItem } from "../bindings/ReviewItem";
import { AddAnnotatorDialog, AnnotatorPicker } from "../components/AnnotatorPicker";
import { useReportError } from "../components/ErrorBanner";
import { QueueDialog } from "../components/QueueDialog";
import {
  keepFocus,
  LabelChip,
  LabelPad,
  PredictionBars,
  ReasonPicker,
  ReasonPrompt,
  ShortcutSheet,
  VoteList,
} from "../components/ReviewParts";
import { canOverride, useAnnotators, useReasons, type Annotators } from "../components/reviewHooks";
import { ReviewStage } from "../components/ReviewStage";
import type { ZoomControls } from "../components/useZoom";
import { usePersistentState } from "../hooks";
import * as ipc from "../ipc";
import { formatCount } from "../lib/format";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { latencyLog, recordLatency, TransitionProbe } from "../lib/latency";
import { labelColorMap } from "../lib/labels";
import { ProgressFeed } from "../lib/progressFeed";
import { conflictNotice, donePercent, ItemTimer, pacePerHour, progressParts, recordedPace } from "../lib/pace";
import { itemQueueParts, queueOptionText, queueSummary, scoreWords, strategyText } from "../lib/queueForm";
import { hotkeyMap, keyTarget, reviewKeyAction, shortcutRows, type ReviewAction } from "../lib/reviewKeys";
import {
  EMPTY_DRAFT,
  emptySession,
  ReviewController,
  sessionPhase,
  sharedSerial,
  type ActionSpec,
  type Draft,
  type ReviewApi,
  type ReviewEvent,
  type SessionState,
} from "../lib/reviewSession";
import "../review.css";

interface Props {
  project: ProjectInfo;
  onExit: () => void;
  onOpenConflicts: () => void;
}

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
function useReviewSession(
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

/** Whether the item's prediction is on screen (what `predictionShown` records). */
function predictionShown(item: ReviewItem): boolean {
  return !item.blind && item.prediction !== null && (item.prediction.top.length > 0 || item.prediction.predicted !== null);
}

interface Notice {
  id: number;
  text: string;
  tone: "info" | "warn";
}

const NEW_QUEUE = "__new__";

export function ReviewScreen({ project, onExit, onOpenConflicts }: Props) {
  const report = useReportError();
  const people = useAnnotators(project.path);
  const reasons = useReasons();
  const [queues, setQueues] = useState<QueueDto[] | null>(null);
  const [queueId, setQueueId] = usePersistentState<number | null>(`arbiter.queue:${project.path}`, null);
  const [queueDialog, setQueueDialog] = useState(false);
  const [addingAnnotator, setAddingAnnotator] = useState(false);
  const [sheet, setSheet] = useState(false);
  const [overrideMode, setOverrideMode] = useState(false);
  const [prompt, setPrompt] = useState<{ label: string } | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const reasonRef = useRef<HTMLSelectElement>(null);
  const noteRef = useRef<HTMLInputElement>(null);
  const zoomRef = useRef<ZoomControls | null>(null);

  const labels = useMemo(() => [...project.labels].sort((a, b) => a.position - b.position), [project.labels]);
  const labelNames = useMemo(() => new Set(labels.map((l) => l.name)), [labels]);
  const colors = useMemo(() => labelColorMap(project.labels), [project.labels]);
  const hotkeys = useMemo(() => hotkeyMap(labels), [labels]);

  const refreshQueues = useCallback(async () => {
    try {
      setQueues(await ipc.listQueues());
    } catch (err) {
      report(err, "Loading queues");
      setQueues((prev) => prev ?? []);
    }
  }, [report]);
  useEffect(() => {
    void refreshQueues();
  }, [refreshQueues]);

  const queue = queues?.find((q) => q.id === queueId) ?? null;
  const annotator = people.current;
  const reviewer = canOverride(annotator);
  const reviewerRef = useRef(reviewer);
  reviewerRef.current = reviewer;

  const flash = useCallback((text: string, tone: Notice["tone"] = "info") => {
    setNotice({ id: Date.now() + Math.random(), text, tone });
  }, []);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice((n) => (n?.id === notice.id ? null : n)), notice.tone === "warn" ? 6000 : 3500);
    return () => clearTimeout(t);
  }, [notice]);

  // ------------------------------------------------------------ the session
  const onEventRef = useRef<(e: ReviewEvent) => void>(() => {});
  const { controller, state } = useReviewSession(queue?.id ?? null, queue?.run ?? null, annotator?.name ?? null, onEventRef);
  const current = state.buffer[0] ?? null;
  const currentRowid = current?.rowid ?? null;
  const phase = sessionPhase(state);

  // The reason and note belong to the item: kept per item, restored when it comes back.
  const drafts = useRef(new Map<number, Draft>());
  const [draft, setDraftState] = useState<Draft>(EMPTY_DRAFT);
  useLayoutEffect(() => {
    setDraftState(currentRowid === null ? EMPTY_DRAFT : (drafts.current.get(currentRowid) ?? EMPTY_DRAFT));
    setOverrideMode(false);
    setPrompt(null);
  }, [currentRowid]);
  const setDraft = (d: Draft) => {
    setDraftState(d);
    if (currentRowid !== null) drafts.current.set(currentRowid, d);
  };
  const draftOf = (rowid: number) => drafts.current.get(rowid) ?? EMPTY_DRAFT;
  // Drafts belong to one annotator's session.
  useEffect(() => {
    drafts.current.clear();
  }, [controller]);

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
    if (phase === "empty" || phase === "error") probe.current.cancel();
  }, [phase]);

  // Progress (done / total and the pace), re-read after saves (throttled). One feed per queue and
  // annotator: reads can answer out of order; the feed applies only the newest read's answer, and
  // nothing once the queue or the annotator has changed (see ProgressFeed).
  const [progress, setProgress] = useState<{ key: string; value: Progress } | null>(null);
  const progressQueue = queue?.id ?? null;
  const progressWho = annotator?.name ?? null;
  const progressKey = progressQueue !== null && progressWho !== null ? `${progressQueue}:${progressWho}` : "";
  const progressFeed = useRef<ProgressFeed<Progress> | null>(null);
  useEffect(() => {
    if (progressQueue === null || progressWho === null) return;
    const key = `${progressQueue}:${progressWho}`;
    const feed = new ProgressFeed<Progress>({
      load: () => ipc.queueProgress(progressQueue, progressWho),
      onValue: (value) => {
        setProgress({ key, value });
        // The picker's "(done / total)" of this queue stays current after switching away.
        setQueues((prev) => prev && prev.map((x) => (x.id === progressQueue ? { ...x, counts: value.counts } : x)));
      },
      onError: (err) => report(err, "Loading progress"),
    });
    progressFeed.current = feed;
    feed.request(0);
    return () => {
      feed.dispose();
      if (progressFeed.current === feed) progressFeed.current = null;
    };
  }, [progressQueue, progressWho, report]);
  const loadProgress = useCallback((delay = 0) => progressFeed.current?.request(delay), []);
  // The clock the pace is read against: ticks every 15 s (and an action moves it, see `rate`).
  const [tickedAt, setTickedAt] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setTickedAt(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);

  // Keep claims alive while on an item; look again now and then when the queue is exhausted.
  const exhausted = phase === "empty";
  useEffect(() => {
    if (!controller) return;
    const every = exhausted ? RECHECK_MS : RENEW_MS;
    const t = setInterval(() => controller.requestTopUp(), every);
    return () => clearInterval(t);
  }, [controller, exhausted]);
  useEffect(() => {
    if (phase === "empty") loadProgress(0);
  }, [phase, loadProgress]);

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
        drafts.current.set(e.entry.item.rowid, e.entry.draft);
        if (controller?.state.buffer[0]?.rowid === e.entry.item.rowid) setDraftState(e.entry.draft);
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

  // ------------------------------------------------------------ actions
  const focusScreen = useCallback(() => {
    const active = document.activeElement as HTMLElement | null;
    if (active && active !== rootRef.current && rootRef.current?.contains(active)) active.blur();
    rootRef.current?.focus({ preventScroll: true });
  }, []);
  useEffect(() => {
    focusScreen();
  }, [focusScreen]);

  // Actions read the item from the controller (not from the last render), so two keys pressed
  // within one frame act on two different items, each with its own draft.
  const act = (spec: ActionSpec, t0: number, useDraft?: Draft) => {
    const c = controller;
    const item = c?.state.buffer[0];
    if (!c || !item) return;
    if (!useDraft) useDraft = draftOf(item.rowid);
    probe.current.begin(t0, c.state.buffer[1]?.rowid ?? null);
    const entry = c.act(spec, { draft: useDraft, seconds: timer.current.seconds(), predictionShown: predictionShown(item) });
    if (!entry) {
      probe.current.cancel();
      return;
    }
    drafts.current.delete(item.rowid);
    if (rootRef.current?.contains(document.activeElement) && document.activeElement !== rootRef.current) focusScreen();
  };

  const labelItem = (label: string, override: boolean, t0: number) => {
    const item = controller?.state.buffer[0];
    if (!item) return;
    if (override) {
      if (!reviewer) {
        flash(`Overrides are for reviewers and leads — ${annotator?.name ?? "you"} is an annotator.`, "warn");
        return;
      }
      if (!draftOf(item.rowid).reason) {
        setPrompt({ label });
        return;
      }
      act({ kind: "label", label, source: "override" }, t0);
      return;
    }
    act({ kind: "label", label, source: "manual" }, t0);
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
      drafts.current.set(last.item.rowid, last.draft);
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
    if (!current) return;
    setOverrideMode((v) => !v);
  };

  const handle = (a: ReviewAction, t0: number) => {
    switch (a.type) {
      case "toggleSheet":
        setSheet((s) => !s);
        return;
      case "closeSheet":
        setSheet(false);
        return;
      case "blurField":
        focusScreen();
        return;
      case "cancelOverride":
        setOverrideMode(false);
        return;
      case "zoomIn":
        zoomRef.current?.zoomIn();
        return;
      case "zoomOut":
        zoomRef.current?.zoomOut();
        return;
      case "zoomFit":
        zoomRef.current?.fit();
        return;
      case "undo":
        undo(t0);
        return;
    }
    if (!current) return;
    switch (a.type) {
      case "label":
        labelItem(a.label, a.override, t0);
        return;
      case "accept":
        accept(t0);
        return;
      case "skip":
        act({ kind: "skip" }, t0);
        return;
      case "flag":
        act({ kind: "flag", flag: a.flag }, t0);
        return;
      case "focusReason":
        reasonRef.current?.focus();
        return;
      case "focusNote":
        noteRef.current?.focus();
        return;
      case "toggleOverride":
        toggleOverride();
        return;
    }
  };

  // One window listener; it reads the latest render through this ref.
  const live = useRef({ handle, hotkeys, overrideMode, sheet, blocked: false });
  live.current = { handle, hotkeys, overrideMode, sheet, blocked: queueDialog || addingAnnotator || prompt !== null };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const L = live.current;
      if (e.defaultPrevented || L.blocked) return;
      const target = e.target as Element | null;
      if (target?.closest?.('[aria-modal="true"]')) return;
      const t0 = performance.now();
      const action = reviewKeyAction(
        {
          key: e.key,
          ctrlKey: e.ctrlKey,
          metaKey: e.metaKey,
          altKey: e.altKey,
          shiftKey: e.shiftKey,
          repeat: e.repeat,
          target: keyTarget(e.target),
        },
        { hotkeys: L.hotkeys, overrideMode: L.overrideMode, sheetOpen: L.sheet },
      );
      if (!action) return;
      if (L.sheet && action.type !== "toggleSheet" && action.type !== "closeSheet") return;
      e.preventDefault();
      L.handle(action, t0);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // Back to the screen after a dialog closes (the dialog gives focus back to whatever had it).
  const dialogsOpen = queueDialog || addingAnnotator || prompt !== null;
  const wasOpen = useRef(false);
  useEffect(() => {
    const closed = wasOpen.current && !dialogsOpen;
    wasOpen.current = dialogsOpen;
    if (closed) {
      const f = requestAnimationFrame(focusScreen);
      return () => cancelAnimationFrame(f);
    }
  }, [dialogsOpen, focusScreen]);

  // ------------------------------------------------------------ rendering
  const stageItems = useMemo(() => state.buffer.map((i) => ({ rowid: i.rowid, alt: i.itemId })), [state.buffer]);
  // The progress read for this queue and annotator (null until it arrives, or when stale).
  const fresh = progress?.key === progressKey ? progress.value : null;
  const counts: QueueCounts | null = fresh?.counts ?? queue?.counts ?? null;
  const times = state.entries.map((e) => e.at);
  // Now: the last tick, or the last action when it came after (it re-renders the screen).
  const now = Math.max(tickedAt, times[times.length - 1] ?? 0);
  const rate = controller
    ? (pacePerHour(times, now, controller.startedAt) ?? (fresh ? recordedPace(fresh.lastHour, fresh.paceSeconds) : null))
    : null;
  const rows = useMemo(() => shortcutRows(labels, reviewer), [labels, reviewer]);
  const mine = fresh?.mine ?? null;
  const progressLine = progressParts(counts, rate, mine);

  const pickQueue = (value: string) => {
    if (value === NEW_QUEUE) setQueueDialog(true);
    else setQueueId(value === "" ? null : Number(value));
  };

  let body;
  if (!annotator) {
    body = <ChooseAnnotator people={people} onAdd={() => setAddingAnnotator(true)} />;
  } else if (!queue) {
    body = <ChooseQueue queues={queues} onPick={(q) => setQueueId(q.id)} onNew={() => setQueueDialog(true)} />;
  } else if (phase === "empty") {
    body = (
      <ReviewEmpty
        queue={queue}
        counts={counts}
        own={fresh}
        canUndo={state.entries.length > 0}
        onRefresh={() => {
          controller?.requestTopUp();
          loadProgress(0);
        }}
        onUndo={() => undo(performance.now())}
        onOtherQueue={() => setQueueId(null)}
      />
    );
  } else {
    const blind = current?.blind ?? queue.blind;
    body = (
      <div className="review-main">
        <ReviewStage
          items={stageItems}
          onPainted={onPainted}
          controlsRef={zoomRef}
          testId="review-image"
          toolbar={
            current ? (
              <>
                <span className="review-stage-id mono" title={current.itemId}>
                  {current.itemId}
                </span>
                {/* What the queue asks of this item: on the image's bar, where there is room. */}
                <span className="review-stage-meta" data-testid="review-item-meta">
                  {itemQueueParts(queue, current.needed, state.buffer.length - 1).map((p) => (
                    <span key={p.text} title={p.title}>
                      {p.text}
                    </span>
                  ))}
                </span>
              </>
            ) : null
          }
          empty={
            <div className="stage-note review-stage-note" data-testid="review-loading">
              {phase === "error" ? (
                <span className="review-load-error">
                  Could not load the next items: {describe(state.loadError)}{" "}
                  <button type="button" className="button small" onClick={() => controller?.requestTopUp()}>
                    Try again
                  </button>
                </span>
              ) : phase === "saving" ? (
                "Saving…"
              ) : (
                "Loading the next items…"
              )}
            </div>
          }
        />
        <aside className={`review-panel${overrideMode ? " override" : ""}`} data-testid="review-panel">
          {current ? (
            <>
              <div className="review-panel-body">
                <header className="review-item-head">
                  <h2 className="review-item-id mono" data-testid="review-item-id" title={current.itemId}>
                    {current.itemId}
                  </h2>
                  <div
                    className="review-item-why small"
                    data-testid="review-item-why"
                    title={`${queue.name}: ${queueSummary(queue)}${blind ? "" : ` · score ${current.score.toFixed(3)}`}`}
                  >
                    {/* A blind queue hides the model: its score would tell the prediction's confidence. */}
                    {blind ? `blind · ${strategyText(queue.strategy).toLowerCase()} first` : scoreWords(queue.strategy, current.score)}
                  </div>
                </header>
                {blind ? (
                  <p className="review-blind small" data-testid="review-blind">
                    <strong>Blind queue.</strong> The model's prediction, the given label and other people's labels are
                    hidden — label what you see.
                  </p>
                ) : (
                  <>
                    {current.prediction ? (
                      // The given label sits in the model's title row (the bars tag it too).
                      <PredictionBars
                        prediction={current.prediction}
                        given={current.given}
                        aside={
                          <span className="review-given inline" data-testid="review-given" data-label={current.given ?? ""}>
                            <span className="normal muted">given</span>
                            <LabelChip label={current.given} colors={colors} />
                          </span>
                        }
                      />
                    ) : (
                      <>
                        <div className="review-given" data-testid="review-given" data-label={current.given ?? ""}>
                          <span className="section-title">Given label</span>
                          <LabelChip label={current.given} colors={colors} />
                        </div>
                        <p className="muted small">The run has no prediction for this item.</p>
                      </>
                    )}
                    {current.others.length > 0 && (
                      <section className="review-section">
                        <h3 className="section-title">Labels so far</h3>
                        <VoteList votes={current.others} colors={colors} />
                      </section>
                    )}
                  </>
                )}
                <section className="review-section">
                  <h3 className="section-title review-label-title">
                    <span>{overrideMode ? "Override with" : "Label"}</span>
                    {overrideMode && (
                      <span className="override-badge" data-testid="override-mode">
                        reason: {draft.reason ? draft.reason.replace(/_/g, " ") : "asked next"} · Esc cancels
                      </span>
                    )}
                  </h3>
                  <LabelPad
                    labels={labels}
                    override={overrideMode}
                    predicted={blind ? null : (current.prediction?.predicted ?? null)}
                    given={blind ? null : current.given}
                    onPick={(l) => labelItem(l, overrideMode, performance.now())}
                  />
                </section>
                <section className="review-section review-fields">
                  <label className="review-row">
                    <span className="review-row-label">
                      Reason <kbd>R</kbd>
                    </span>
                    <ReasonPicker
                      reasons={reasons}
                      value={draft.reason}
                      onChange={(reason) => setDraft({ ...draft, reason })}
                      onDone={focusScreen}
                      testId="reason-select"
                      selectRef={reasonRef}
                    />
                  </label>
                  <label className="review-row">
                    <span className="review-row-label">
                      Note <kbd>N</kbd>
                    </span>
                    <input
                      ref={noteRef}
                      type="text"
                      data-testid="note-input"
                      value={draft.note}
                      placeholder="Optional — Esc returns"
                      autoComplete="off"
                      onChange={(e) => setDraft({ ...draft, note: e.target.value })}
                      onKeyDown={(e) => {
                        if (e.key === "Enter") {
                          e.preventDefault();
                          focusScreen();
                        }
                      }}
                    />
                  </label>
                </section>
                <div className="review-actions">
                  <button
                    type="button"
                    className="button small"
                    data-testid="review-accept"
                    onMouseDown={keepFocus}
                    onClick={() => accept(performance.now())}
                    disabled={blind || !current.prediction?.predicted}
                    title="Label it as the model predicted"
                  >
                    Accept model <kbd>Enter</kbd>
                  </button>
                  <button type="button" className="button small" data-testid="review-skip" onMouseDown={keepFocus} onClick={() => act({ kind: "skip" }, performance.now())}>
                    Skip <kbd>S</kbd>
                  </button>
                  <button
                    type="button"
                    className="button small"
                    data-testid="review-flag"
                    onMouseDown={keepFocus}
                    onClick={() => act({ kind: "flag", flag: "unsure" }, performance.now())}
                    title="Flag as unsure and move on"
                  >
                    Unsure <kbd>F</kbd>
                  </button>
                  <button
                    type="button"
                    className="button small"
                    data-testid="review-flag-bad"
                    onMouseDown={keepFocus}
                    onClick={() => act({ kind: "flag", flag: "bad_input" }, performance.now())}
                    title="Flag as bad input (broken, unreadable, out of scope) and move on"
                  >
                    Bad input <kbd>⇧F</kbd>
                  </button>
                  {reviewer && (
                    <button
                      type="button"
                      className={`button small${overrideMode ? " pressed-override" : ""}`}
                      data-testid="override-toggle"
                      aria-pressed={overrideMode}
                      onMouseDown={keepFocus}
                      onClick={toggleOverride}
                      title="The next label overrides everyone's (needs a reason) — key: the letter O"
                    >
                      Override <kbd>O</kbd>
                    </button>
                  )}
                  <button
                    type="button"
                    className="button small ghost"
                    data-testid="review-undo"
                    onMouseDown={keepFocus}
                    onClick={() => undo(performance.now())}
                    disabled={state.entries.length === 0}
                    title="Undo your last action here; its item comes back first"
                  >
                    Undo <kbd>Ctrl+Z</kbd>
                  </button>
                </div>
              </div>
            </>
          ) : (
            <p className="muted review-panel-wait">{phase === "saving" ? "Saving…" : "Loading…"}</p>
          )}
        </aside>
      </div>
    );
  }

  return (
    <div className="review-screen" data-testid="review-screen" tabIndex={-1} ref={rootRef}>
      <header className="review-bar">
        <button type="button" className="button ghost small" data-testid="review-exit" onClick={onExit} title="Back to the items">
          ‹ Items
        </button>
        <h1 className="review-title">Review</h1>
        <span className="toolbar-divider" aria-hidden="true" />
        <AnnotatorPicker people={people} />
        <label className="review-field" title={queue ? queueSummary(queue) : undefined}>
          <span>Queue</span>
          <select
            data-testid="queue-select"
            className="queue-select"
            value={queue ? String(queue.id) : ""}
            onFocus={() => void refreshQueues()}
            onChange={(e) => {
              pickQueue(e.target.value);
              e.currentTarget.blur();
            }}
          >
            {!queue && (
              <option value="" disabled>
                {queues === null ? "Loading…" : queues.length ? "Choose a queue…" : "No queues yet"}
              </option>
            )}
            {(queues ?? []).map((q) => (
              <option key={q.id} value={String(q.id)}>
                {/* The open queue counts live, as the progress bar does; the others as last listed. */}
                {queueOptionText(q.id === queue?.id && counts ? { ...q, counts } : q)}
              </option>
            ))}
            <option value={NEW_QUEUE}>New queue…</option>
          </select>
        </label>
        <button
          type="button"
          className="button small review-new-queue"
          data-testid="queue-new"
          onMouseDown={keepFocus}
          onClick={() => setQueueDialog(true)}
          title="New queue…"
          aria-label="New queue…"
        >
          {/* A narrow window shows only the plus. */}
          <span aria-hidden="true">+</span>
          <span className="review-new-queue-text" aria-hidden="true">
            New queue…
          </span>
        </button>
        <div className="header-spacer" />
        {queue && annotator && (
          <div
            className="review-progress"
            data-testid="review-progress"
            data-done={counts?.done}
            data-total={counts?.total}
            data-mine={mine ?? undefined}
            title={`${queue.name}: ${queueSummary(queue)}. Pace ${progressLine.pace}: items you handled (labels, skips, flags) over the last 10 minutes of this session${
              fresh ? `; ${formatCount(fresh.lastHour)} labels in the last hour, ${formatCount(fresh.labeled)} in all` : ""
            }.`}
          >
            <span className="mini-progress" aria-hidden="true">
              {/* Under the done share, lighter: items waiting for more people (overlap). */}
              <span
                className="mini-progress-fill partial"
                style={{ width: `${donePercent(counts && { done: counts.done + counts.partial, total: counts.total })}%` }}
              />
              <span className="mini-progress-fill" style={{ width: `${donePercent(counts)}%` }} />
            </span>
            <span className="tabular">
              {progressLine.counts}
              {/* A narrow window drops the pace (it is in the tooltip). */}
              <span className="review-pace"> · {progressLine.pace}</span>
            </span>
          </div>
        )}
        {reviewer && (
          <button type="button" className="button small" data-testid="review-open-conflicts" onMouseDown={keepFocus} onClick={onOpenConflicts}>
            Conflicts
          </button>
        )}
        <button
          type="button"
          className={`button ghost icon${sheet ? " pressed" : ""}`}
          data-testid="shortcuts-button"
          onMouseDown={keepFocus}
          onClick={() => setSheet((s) => !s)}
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
        >
          ?
        </button>
      </header>

      <div className="review-body">{body}</div>

      {notice && (
        <div className={`review-notice ${notice.tone}`} role="status" data-testid="review-notice">
          {notice.text}
        </div>
      )}

      {sheet && <ShortcutSheet rows={rows} latencies={latencyLog()} onClose={() => setSheet(false)} />}

      {prompt && (
        <ReasonPrompt
          label={prompt.label}
          reasons={reasons}
          onCancel={() => setPrompt(null)}
          onPick={(reason) => {
            const d = { ...(currentRowid === null ? draft : draftOf(currentRowid)), reason };
            setDraft(d);
            setPrompt(null);
            act({ kind: "label", label: prompt.label, source: "override" }, performance.now(), d);
          }}
        />
      )}

      {queueDialog && (
        <QueueDialog
          annotators={people.list?.length ?? null}
          onClose={() => setQueueDialog(false)}
          onCreated={(q) => {
            setQueues((prev) => [...(prev ?? []).filter((x) => x.id !== q.id), q]);
            setQueueId(q.id);
            setQueueDialog(false);
          }}
        />
      )}
      {addingAnnotator && <AddAnnotatorDialog people={people} onClose={() => setAddingAnnotator(false)} />}
    </div>
  );
}

function describe(err: unknown): string {
  const e = normaliseError(err);
  return `${codeTitle(e.code)}: ${e.message}`;
}

function ChooseAnnotator({ people, onAdd }: { people: Annotators; onAdd: () => void }) {
  return (
    <div className="review-setup" data-testid="review-choose-annotator">
      <h2>Who is labeling?</h2>
      <p className="muted">Your labels, skips and pace are recorded under this name.</p>
      <div className="setup-list">
        {(people.list ?? []).map((a: AnnotatorDto) => (
          <button key={a.name} type="button" className="setup-choice" data-testid="annotator-choice" data-name={a.name} onClick={() => people.choose(a.name)}>
            <strong>{a.name}</strong>
            <span className="muted">{a.role}</span>
          </button>
        ))}
      </div>
      <button type="button" className="button primary" data-testid="review-add-annotator" onClick={onAdd}>
        Add annotator…
      </button>
    </div>
  );
}

function ChooseQueue({ queues, onPick, onNew }: { queues: QueueDto[] | null; onPick: (q: QueueDto) => void; onNew: () => void }) {
  return (
    <div className="review-setup" data-testid="review-choose-queue">
      <h2>Choose a queue</h2>
      <p className="muted">A queue ranks a run's items by how much they need a human.</p>
      <div className="setup-list">
        {(queues ?? []).map((q) => (
          <button key={q.id} type="button" className="setup-choice" data-testid="queue-choice" data-queue={q.id} onClick={() => onPick(q)}>
            <strong>{q.name}</strong>
            <span className="muted small">{queueSummary(q)}</span>
            <span className="tabular small">
              {formatCount(q.counts.done)} / {formatCount(q.counts.total)} done
            </span>
          </button>
        ))}
      </div>
      <button type="button" className="button primary" data-testid="review-choose-new-queue" onClick={onNew}>
        New queue…
      </button>
    </div>
  );
}

interface EmptyProps {
  queue: QueueDto;
  counts: QueueCounts | null;
  /** This annotator's progress in the queue (their own skips and flags); null until read. */
  own: Progress | null;
  canUndo: boolean;
  onRefresh: () => void;
  onUndo: () => void;
  onOtherQueue: () => void;
}

function ReviewEmpty({ queue, counts, own, canUndo, onRefresh, onUndo, onOtherQueue }: EmptyProps) {
  const c = counts;
  const rows: [string, number | undefined, string, string][] = [
    ["Done", c?.done, "enough labels, or a reviewer's override", "done"],
    ["Waiting for more people", c?.partial, "labeled, but the overlap asks for more annotators", "partial"],
    ["Claimed by others", c?.claimed, "on someone's screen right now", "claimed"],
    ["Not labeled yet", c?.untouched, "", "untouched"],
    // The annotator's own, not everyone's: what they can act on (undo, or ask about).
    ["You skipped", own?.mySkipped, "items of this queue you skipped (they are not handed to you again)", "my-skipped"],
    ["You flagged", own?.myFlagged, "items of this queue you flagged unsure or bad input", "my-flagged"],
  ];
  return (
    <div className="review-empty" data-testid="review-empty">
      <div className="review-empty-icon" aria-hidden="true">
        ✓
      </div>
      <h2>Nothing left for you in this queue</h2>
      <p className="muted">
        <strong>{queue.name}</strong> — {c ? `${formatCount(c.done)} of ${formatCount(c.total)} done.` : "…"} Items you
        labeled or skipped are not handed to you again; others free up when their claims lapse.
      </p>
      <dl className="review-counts tabular" data-testid="review-empty-counts">
        {rows.map(([name, n, hint, key]) => (
          <div key={name} className="review-count" title={hint || undefined} data-count={key}>
            <dt>{name}</dt>
            <dd>{n === undefined ? "…" : formatCount(n)}</dd>
          </div>
        ))}
      </dl>
      <div className="review-empty-actions">
        <button type="button" className="button" data-testid="review-refresh" onClick={onRefresh}>
          Check again
        </button>
        {canUndo && (
          <button type="button" className="button" onClick={onUndo}>
            Undo last <kbd>Ctrl+Z</kbd>
          </button>
        )}
        <button type="button" className="button" onClick={onOtherQueue}>
          Choose another queue
        </button>
      </div>
    </div>
  );
}
