import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { DecisionDto } from "../bindings/DecisionDto";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { AnnotatorPicker } from "../components/AnnotatorPicker";
import { DecisionRulePanel } from "../components/DecisionRulePanel";
import { useReportError } from "../components/ErrorBanner";
import { LabelPad, ReasonPicker, VoteCard } from "../components/ReviewParts";
import { canOverride, useAnnotators, useReasons } from "../components/reviewHooks";
import { ReviewStage } from "../components/ReviewStage";
import * as ipc from "../ipc";
import { formatCount } from "../lib/format";
import { labelColorMap } from "../lib/labels";
import { ItemTimer } from "../lib/pace";
import { conflictKeyAction, hotkeyMap, keyTarget, type ConflictAction } from "../lib/reviewKeys";
import { sharedSerial } from "../lib/reviewSession";
import "../review.css";

interface Props {
  project: ProjectInfo;
  onExit: () => void;
  onOpenReview: () => void;
}

interface Decided {
  decision: DecisionDto;
  index: number;
  label: string;
  /** The override's annotation id once saved; "failed" when the save failed. */
  annotation: number | null | "failed";
}

/** "cat ×2 · dog ×1": the labels given and how many people gave each (most first). */
export function voteTally(d: DecisionDto): string {
  const counts = new Map<string, number>();
  for (const v of d.votes) counts.set(v.label, (counts.get(v.label) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([l, n]) => `${l} ×${n}`)
    .join(" · ");
}

export function ConflictsScreen({ project, onExit, onOpenReview }: Props) {
  const report = useReportError();
  const people = useAnnotators(project.path);
  const reasons = useReasons();
  const [conflicts, setConflicts] = useState<DecisionDto[] | null>(null);
  const [active, setActive] = useState(0);
  // Deciding between annotators corrects no model: no reason unless the reviewer picks one.
  const [reason, setReason] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const decided = useRef<Decided[]>([]);
  const [undoable, setUndoable] = useState(0);
  const rootRef = useRef<HTMLDivElement>(null);
  const reasonRef = useRef<HTMLSelectElement>(null);
  const noteRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLDivElement>(null);

  const labels = useMemo(() => [...project.labels].sort((a, b) => a.position - b.position), [project.labels]);
  const colors = useMemo(() => labelColorMap(project.labels), [project.labels]);
  const hotkeys = useMemo(() => hotkeyMap(labels), [labels]);
  const me = people.current;
  const reviewer = canOverride(me);

  const load = useCallback(async () => {
    try {
      const list = (await ipc.listConflicts()).map((c) => c.decision);
      setConflicts(list);
      setActive((a) => Math.min(a, Math.max(0, list.length - 1)));
    } catch (err) {
      report(err, "Loading conflicts");
      setConflicts((prev) => prev ?? []);
    }
  }, [report]);
  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), 4000);
    return () => clearTimeout(t);
  }, [notice]);

  const list = conflicts ?? [];
  const index = Math.min(active, Math.max(0, list.length - 1));
  const current = list[index] ?? null;
  const rowid = current?.rowid ?? null;

  const timer = useRef(new ItemTimer());
  useLayoutEffect(() => {
    timer.current.show(rowid);
    setReason(null);
    setNote("");
  }, [rowid]);

  // Keep the selected row in view.
  useEffect(() => {
    listRef.current
      ?.querySelector<HTMLElement>(`[data-rowid="${rowid}"]`)
      ?.scrollIntoView?.({ block: "nearest" });
  }, [rowid]);

  const focusScreen = useCallback(() => {
    const activeEl = document.activeElement as HTMLElement | null;
    if (activeEl && activeEl !== rootRef.current && rootRef.current?.contains(activeEl)) activeEl.blur();
    rootRef.current?.focus({ preventScroll: true });
  }, []);
  useEffect(() => focusScreen(), [focusScreen]);

  const decide = (label: string) => {
    if (!current || !me) return;
    if (!reviewer) {
      setNotice(`Only reviewers and leads decide conflicts — ${me.name} is an ${me.role}.`);
      return;
    }
    const d = current;
    const at = index;
    const entry: Decided = { decision: d, index: at, label, annotation: null };
    decided.current.push(entry);
    setUndoable(decided.current.length);
    setConflicts((prev) => (prev ?? []).filter((x) => x.rowid !== d.rowid));
    const request = {
      rowid: d.rowid,
      annotator: me.name,
      kind: "label",
      label,
      flag: null,
      reason,
      note: note.trim() || null,
      seconds: timer.current.seconds(),
      predictionShown: false,
      source: "override",
      queue: null,
      run: null,
    };
    if (rootRef.current?.contains(document.activeElement) && document.activeElement !== rootRef.current) focusScreen();
    void sharedSerial.run(async () => {
      try {
        const r = await ipc.annotate(request);
        entry.annotation = r.annotation;
        if (r.decision.status !== "decided") {
          setNotice(`${d.itemId} is still ${r.decision.status} — check the decision rule above.`);
        }
      } catch (err) {
        entry.annotation = "failed";
        decided.current = decided.current.filter((x) => x !== entry);
        setUndoable(decided.current.length);
        setConflicts((prev) => insertAt(prev ?? [], d, at));
        setActive(at);
        report(err, `Deciding ${d.itemId} failed — it is back in the list`);
      }
    });
  };

  const undo = () => {
    const entry = decided.current.pop();
    setUndoable(decided.current.length);
    if (!entry || !me) {
      setNotice("Nothing to undo here.");
      return;
    }
    const { decision: d, index: at } = entry;
    setConflicts((prev) => insertAt(prev ?? [], d, at));
    setActive(at);
    setNotice(`Undone — ${d.itemId} (“${entry.label}”) is back.`);
    void sharedSerial.run(async () => {
      if (entry.annotation === "failed") return;
      try {
        const retracted = await ipc.undo(me.name, null);
        if (retracted !== entry.annotation) {
          report(
            {
              code: "internal",
              message: `undo retracted event ${retracted} but this screen expected ${entry.annotation} — was ${me.name} working in another window?`,
            },
            "Undo",
          );
        }
        const fresh = await ipc.getDecision(d.rowid);
        setConflicts((prev) => (prev ?? []).map((x) => (x.rowid === d.rowid ? fresh : x)));
      } catch (err) {
        decided.current.push(entry);
        setUndoable(decided.current.length);
        setConflicts((prev) => (prev ?? []).filter((x) => x.rowid !== d.rowid));
        report(err, `Undo failed — ${d.itemId} stays decided`);
      }
    });
  };

  const handle = (a: ConflictAction) => {
    switch (a.type) {
      case "decide":
        decide(a.label);
        return;
      case "next":
        setActive(Math.min(list.length - 1, index + 1));
        return;
      case "previous":
        setActive(Math.max(0, index - 1));
        return;
      case "undo":
        undo();
        return;
      case "focusReason":
        reasonRef.current?.focus();
        return;
      case "focusNote":
        noteRef.current?.focus();
        return;
      case "blurField":
        focusScreen();
        return;
    }
  };

  const live = useRef({ handle, hotkeys });
  live.current = { handle, hotkeys };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if ((e.target as Element | null)?.closest?.('[aria-modal="true"]')) return;
      const action = conflictKeyAction(
        {
          key: e.key,
          ctrlKey: e.ctrlKey,
          metaKey: e.metaKey,
          altKey: e.altKey,
          shiftKey: e.shiftKey,
          repeat: e.repeat,
          target: keyTarget(e.target),
        },
        live.current.hotkeys,
      );
      if (!action) return;
      e.preventDefault();
      live.current.handle(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const stageItems = useMemo(
    () => list.slice(index, index + 3).map((d) => ({ rowid: d.rowid, alt: d.itemId })),
    [list, index],
  );

  return (
    <div className="review-screen conflicts-screen" data-testid="conflicts-screen" tabIndex={-1} ref={rootRef}>
      <header className="review-bar">
        <button type="button" className="button ghost small" data-testid="conflicts-exit" onClick={onExit} title="Back to the items">
          ‹ Items
        </button>
        <h1 className="review-title">Conflicts</h1>
        <span className="chip tabular" data-testid="conflicts-count" data-count={conflicts?.length ?? ""}>
          {conflicts === null ? "…" : formatCount(conflicts.length)}
        </span>
        <span className="toolbar-divider" aria-hidden="true" />
        <AnnotatorPicker people={people} />
        <div className="header-spacer" />
        <button type="button" className="button small" data-testid="conflicts-refresh" onClick={() => void load()}>
          Refresh
        </button>
        <button type="button" className="button small" data-testid="conflicts-review" onClick={onOpenReview}>
          Review queue
        </button>
      </header>

      {!reviewer && (
        <div className="notice warn conflicts-role" role="status" data-testid="conflicts-role-note">
          <div className="notice-body">
            {me ? (
              <>
                <strong>{me.name}</strong> is an {me.role}: only reviewers and leads can decide conflicts. Pick a reviewer
                in the Annotator list (or add one) to decide; you can still look.
              </>
            ) : (
              <>Choose who you are in the Annotator list: only reviewers and leads can decide conflicts.</>
            )}
          </div>
        </div>
      )}

      <DecisionRulePanel me={me} onChanged={() => void load()} />

      {conflicts !== null && conflicts.length === 0 ? (
        <div className="review-empty" data-testid="conflicts-empty">
          <div className="review-empty-icon" aria-hidden="true">
            ✓
          </div>
          <h2>No conflicts</h2>
          <p className="muted">Every item with several labels agrees by the project's rule, or a reviewer decided it.</p>
          {undoable > 0 && (
            <button type="button" className="button" onClick={undo}>
              Undo last decision <kbd>Ctrl+Z</kbd>
            </button>
          )}
        </div>
      ) : (
        <div className="conflicts-body">
          <div className="conflict-list" ref={listRef} role="listbox" aria-label="Conflicting items">
            {conflicts === null && <p className="muted conflict-loading">Loading…</p>}
            {list.map((d, i) => (
              <div
                key={d.rowid}
                role="option"
                aria-selected={i === index}
                className={`conflict-item${i === index ? " active" : ""}`}
                data-testid="conflict-item"
                data-rowid={d.rowid}
                data-item-id={d.itemId}
                onClick={() => {
                  setActive(i);
                  focusScreen();
                }}
              >
                <img className="conflict-thumb" src={ipc.thumbUrl(d.rowid)} alt="" loading="lazy" draggable={false} />
                <div className="conflict-head">
                  <span className="conflict-id mono" title={d.itemId}>
                    {d.itemId}
                  </span>
                  <span className="muted small">{voteTally(d)}</span>
                </div>
                <div className="conflict-votes">
                  {d.votes.map((v) => (
                    <VoteCard key={v.annotation} vote={v} colors={colors} />
                  ))}
                </div>
              </div>
            ))}
          </div>

          <div className="conflict-detail">
            <ReviewStage
              items={stageItems}
              testId="conflict-image"
              idPrefix="conflict"
              toolbar={current ? <span className="review-stage-id mono">{current.itemId}</span> : null}
              empty={<div className="stage-note">{conflicts === null ? "Loading…" : ""}</div>}
            />
            <div className="conflict-decide" data-testid="conflict-decide">
              <div className="conflict-fields">
                <label className="review-row">
                  <span className="review-row-label">
                    Reason <kbd>R</kbd>
                  </span>
                  <ReasonPicker
                    reasons={reasons}
                    value={reason}
                    onChange={(r) => setReason(r)}
                    onDone={focusScreen}
                    testId="conflict-reason"
                    selectRef={reasonRef}
                    emptyText="No reason"
                  />
                </label>
                <label className="review-row">
                  <span className="review-row-label">
                    Note <kbd>N</kbd>
                  </span>
                  <input
                    ref={noteRef}
                    type="text"
                    data-testid="conflict-note"
                    value={note}
                    placeholder="Optional — Esc returns"
                    autoComplete="off"
                    onChange={(e) => setNote(e.target.value)}
                    onKeyDown={(e) => {
                      if (e.key === "Enter") {
                        e.preventDefault();
                        focusScreen();
                      }
                    }}
                  />
                </label>
              </div>
              <LabelPad labels={labels} onPick={decide} disabled={!reviewer || !current} override />
              <p className="muted small conflict-hint">
                A label's key decides <strong>{current?.itemId ?? "the selected item"}</strong> as a reviewer's decision (
                {reason ? `reason: ${reason}` : "no reason"}); the next conflict follows. <kbd>↑</kbd>
                <kbd>↓</kbd> move, <kbd>Ctrl+Z</kbd> undoes{undoable > 0 ? ` (${undoable})` : ""}.
              </p>
            </div>
          </div>
        </div>
      )}

      {notice && (
        <div className="review-notice info" role="status" data-testid="conflicts-notice">
          {notice}
        </div>
      )}
    </div>
  );
}

function insertAt<T extends { rowid: number }>(list: T[], item: T, at: number): T[] {
  const rest = list.filter((x) => x.rowid !== item.rowid);
  const i = Math.max(0, Math.min(at, rest.length));
  return [...rest.slice(0, i), item, ...rest.slice(i)];
}
