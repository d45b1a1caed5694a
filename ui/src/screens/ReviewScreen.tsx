/**
 * The review screen: one queue, one annotator, one item at a time. It composes the session
 * (review/useReviewSession), the drafts (review/useDrafts), the progress (review/useReviewProgress),
 * the actions (review/useReviewActions) and keys (review/useReviewKeys), the queue picker, the side
 * panel and the set-up and empty views.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { QueueDto } from "../bindings/QueueDto";
import type { GuidelinesDto } from "../bindings/GuidelinesDto";
import { AddAnnotatorDialog, AnnotatorPicker } from "../components/AnnotatorPicker";
import { useReportError } from "../components/ErrorBanner";
import { QueueDialog } from "../components/QueueDialog";
import { keepFocus, ReasonPrompt, ShortcutSheet } from "../components/ReviewParts";
import { canOverride, useAnnotators, useReasons } from "../components/reviewHooks";
import { ReviewStage } from "../components/ReviewStage";
import type { ZoomControls } from "../components/useZoom";
import { usePersistentState } from "../hooks";
import { useOnProjectChanges } from "../components/projectChanges";
import * as ipc from "../ipc";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { latencyLog } from "../lib/latency";
import { labelColorMap } from "../lib/labels";
import { itemQueueParts } from "../lib/queueForm";
import { hotkeyMap, shortcutRows, type ReviewAction } from "../lib/reviewKeys";
import { sessionPhase, type ReviewEvent } from "../lib/reviewSession";
import { QueuePicker } from "./review/QueuePicker";
import { ReviewPanel } from "./review/ReviewPanel";
import { ReviewProgress } from "./review/ReviewProgress";
import { ChooseAnnotator, ChooseQueue, ReviewEmpty, ReviewLoading } from "./review/ReviewSetup";
import { useDrafts } from "./review/useDrafts";
import { useNotice } from "./review/useNotice";
import { useReviewActions } from "./review/useReviewActions";
import { useReviewKeys } from "./review/useReviewKeys";
import { useReviewProgress } from "./review/useReviewProgress";
import { useClaimRenewal, useReviewSession } from "./review/useReviewSession";
import { useSession } from "../session";
import "../review.css";

export { PREFETCH } from "./review/useReviewSession";

interface Props {
  project: ProjectInfo;
  onExit: () => void;
  onOpenConflicts: () => void;
}

export function ReviewScreen({ project, onExit, onOpenConflicts }: Props) {
  const report = useReportError();
  const people = useAnnotators(project.path);
  const reasons = useReasons();
  const [queues, setQueues] = useState<QueueDto[] | null>(null);
  const [queueId, setQueueId] = usePersistentState<number | null>(`arbiter.queue:${project.path}`, null);
  const [queueDialog, setQueueDialog] = useState(false);
  const session = useSession();
  // Over HTTP the server lets only a lead create queues; the desktop app offers it to anyone.
  const newQueue = session.transport === "tauri" || session.role === "lead" ? () => setQueueDialog(true) : null;
  const [addingAnnotator, setAddingAnnotator] = useState(false);
  const [sheet, setSheet] = useState(false);
  const [overrideMode, setOverrideMode] = useState(false);
  const [prompt, setPrompt] = useState<{ label: string } | null>(null);
  const { notice, flash } = useNotice();
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
  // The labels' guidelines and examples, shown beside the label pad.
  const [guidelines, setGuidelines] = useState<GuidelinesDto | null>(null);
  const refreshGuidelines = useCallback(async () => {
    try {
      setGuidelines(await ipc.getGuidelines());
    } catch (err) {
      report(err, "Loading the guidelines");
    }
  }, [report]);
  useEffect(() => {
    void refreshGuidelines();
  }, [refreshGuidelines]);
  // Queues (and their counts), and guidelines, may come with events from other copies.
  useOnProjectChanges(() => {
    void refreshQueues();
    void refreshGuidelines();
  });

  const queue = queues?.find((q) => q.id === queueId) ?? null;
  const annotator = people.current;
  const reviewer = canOverride(annotator);

  // ------------------------------------------------------------ the session
  const onEventRef = useRef<(e: ReviewEvent) => void>(() => {});
  const { controller, state } = useReviewSession(queue?.id ?? null, queue?.run ?? null, annotator?.name ?? null, onEventRef);
  const current = state.buffer[0] ?? null;
  const currentRowid = current?.rowid ?? null;
  const phase = sessionPhase(state);
  const exhausted = phase === "empty";

  const drafts = useDrafts(currentRowid, controller);
  const { draft, setDraft, draftOf } = drafts;
  // A new item starts out of override mode, with no reason asked.
  useLayoutEffect(() => {
    setOverrideMode(false);
    setPrompt(null);
  }, [currentRowid]);

  const progress = useReviewProgress({
    queue,
    annotator: annotator?.name ?? null,
    controller,
    entries: state.entries,
    exhausted,
    setQueues,
  });
  const { counts, loadProgress } = progress;
  useClaimRenewal(controller, exhausted);

  // ------------------------------------------------------------ actions
  const focusScreen = useCallback(() => {
    const active = document.activeElement as HTMLElement | null;
    if (active && active !== rootRef.current && rootRef.current?.contains(active)) active.blur();
    rootRef.current?.focus({ preventScroll: true });
  }, []);
  useEffect(() => {
    focusScreen();
  }, [focusScreen]);

  const actions = useReviewActions({
    controller,
    currentRowid,
    onEventRef,
    exhausted,
    failed: phase === "error",
    annotator,
    reviewer,
    labelNames,
    drafts,
    flash,
    loadProgress,
    askReason: (label) => setPrompt({ label }),
    setOverrideMode,
    rootRef,
    focusScreen,
  });
  const { act, undo } = actions;

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
        zoomRef.current?.fitToView();
        return;
      case "undo":
        undo(t0);
        return;
    }
    if (!current) return;
    switch (a.type) {
      case "label":
        actions.label(a.label, a.override, t0);
        return;
      case "accept":
        actions.accept(t0);
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
        actions.toggleOverride();
        return;
    }
  };

  const dialogsOpen = queueDialog || addingAnnotator || prompt !== null;
  useReviewKeys({ hotkeys, overrideMode, sheet, blocked: dialogsOpen, handle });

  // Back to the screen after a dialog closes (the dialog gives focus back to whatever had it).
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
  const stageItems = useMemo(() => state.buffer.map((i) => ({ rowid: i.rowid, alt: i.itemId, text: i.text })), [state.buffer]);
  const rows = useMemo(() => shortcutRows(labels, reviewer), [labels, reviewer]);

  let body;
  if (people.list === null || (annotator && !queue && queues === null)) {
    // Until the annotators (and queues) are read, a remembered choice cannot be told from none:
    // asking "Who is labeling?" then would flash the wrong screen (and take a click meant for it).
    body = <ReviewLoading />;
  } else if (!annotator) {
    body = <ChooseAnnotator people={people} onAdd={() => setAddingAnnotator(true)} />;
  } else if (!queue) {
    body = <ChooseQueue queues={queues} onPick={(q) => setQueueId(q.id)} onNew={newQueue} />;
  } else if (exhausted) {
    body = (
      <ReviewEmpty
        queue={queue}
        counts={counts}
        own={progress.fresh}
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
    body = (
      <div className="review-main">
        <ReviewStage
          items={stageItems}
          onPainted={actions.onPainted}
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
        <ReviewPanel
          queue={queue}
          current={current}
          phase={phase}
          blind={current?.blind ?? queue.blind}
          overrideMode={overrideMode}
          reviewer={reviewer}
          canUndo={state.entries.length > 0}
          labels={labels}
          colors={colors}
          reasons={reasons}
          guidelines={guidelines}
          draft={draft}
          setDraft={setDraft}
          focusScreen={focusScreen}
          reasonRef={reasonRef}
          noteRef={noteRef}
          on={{
            label: (l, t0) => actions.label(l, overrideMode, t0),
            accept: actions.accept,
            skipItem: (t0) => act({ kind: "skip" }, t0),
            flag: (flag, t0) => act({ kind: "flag", flag }, t0),
            toggleOverride: actions.toggleOverride,
            undo,
          }}
        />
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
        <QueuePicker
          queues={queues}
          queue={queue}
          counts={counts}
          onRefresh={() => void refreshQueues()}
          onPick={setQueueId}
          onNew={newQueue}
        />
        <div className="header-spacer" />
        {queue && annotator && <ReviewProgress queue={queue} progress={progress} />}
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
          names={people.list?.map((a) => a.name) ?? null}
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
