/**
 * Progress in the open queue (done / total and the pace), re-read after saves (throttled). One
 * feed per queue and annotator: reads can answer out of order; the feed applies only the newest
 * read's answer, and nothing once the queue or the annotator has changed (see ProgressFeed).
 */
import { useCallback, useEffect, useRef, useState, type Dispatch, type SetStateAction } from "react";
import type { Progress } from "../../bindings/Progress";
import type { QueueCounts } from "../../bindings/QueueCounts";
import type { QueueDto } from "../../bindings/QueueDto";
import { useReportError } from "../../components/ErrorBanner";
import * as ipc from "../../ipc";
import { pacePerHour, progressParts, recordedPace } from "../../lib/pace";
import { ProgressFeed } from "../../lib/progressFeed";
import type { ReviewController, SessionState } from "../../lib/reviewSession";

interface Args {
  queue: QueueDto | null;
  annotator: string | null;
  controller: ReviewController | null;
  entries: SessionState["entries"];
  /** Nothing left for this annotator: progress is read again at once. */
  exhausted: boolean;
  /** The queue list, whose entry for this queue takes the counts read (the picker shows them). */
  setQueues: Dispatch<SetStateAction<QueueDto[] | null>>;
}

export function useReviewProgress({ queue, annotator, controller, entries, exhausted, setQueues }: Args) {
  const report = useReportError();
  const [progress, setProgress] = useState<{ key: string; value: Progress } | null>(null);
  const progressQueue = queue?.id ?? null;
  const progressKey = progressQueue !== null && annotator !== null ? `${progressQueue}:${annotator}` : "";
  const progressFeed = useRef<ProgressFeed<Progress> | null>(null);
  useEffect(() => {
    if (progressQueue === null || annotator === null) return;
    const key = `${progressQueue}:${annotator}`;
    const feed = new ProgressFeed<Progress>({
      load: () => ipc.queueProgress(progressQueue, annotator),
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
  }, [progressQueue, annotator, report, setQueues]);
  /** Read the progress again after `delay` ms (reads asked for meanwhile make one). */
  const loadProgress = useCallback((delay = 0) => progressFeed.current?.request(delay), []);

  // The clock the pace is read against: ticks every 15 s (and an action moves it, see `now`).
  const [tickedAt, setTickedAt] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setTickedAt(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    if (exhausted) loadProgress(0);
  }, [exhausted, loadProgress]);

  // The progress read for this queue and annotator (null until it arrives, or when stale).
  const fresh = progress?.key === progressKey ? progress.value : null;
  const counts: QueueCounts | null = fresh?.counts ?? queue?.counts ?? null;
  const times = entries.map((e) => e.at);
  // Now: the last tick, or the last action when it came after (it re-renders the screen).
  const now = Math.max(tickedAt, times[times.length - 1] ?? 0);
  const rate = controller
    ? (pacePerHour(times, now, controller.startedAt) ?? (fresh ? recordedPace(fresh.lastHour, fresh.paceSeconds) : null))
    : null;
  const mine = fresh?.mine ?? null;
  return { fresh, counts, mine, line: progressParts(counts, rate, mine), loadProgress };
}

export type ReviewProgressState = ReturnType<typeof useReviewProgress>;
