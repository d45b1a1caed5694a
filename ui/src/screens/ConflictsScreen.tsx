import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { AnnotateRequest } from "../bindings/AnnotateRequest";
import type { ConflictDto } from "../bindings/ConflictDto";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { AnnotatorPicker } from "../components/AnnotatorPicker";
import { DecisionRulePanel } from "../components/DecisionRulePanel";
import { EscalationsPanel } from "../components/EscalationsPanel";
import { useReportError } from "../components/ErrorBanner";
import { LabelChip, LabelPad, ReasonNoteFields, VoteCard } from "../components/ReviewParts";
import { canOverride, reasonText, useAnnotators, useReasons } from "../components/reviewHooks";
import { ReviewStage } from "../components/ReviewStage";
import { useOnProjectChanges } from "../components/projectChanges";
import * as ipc from "../ipc";
import { labelPairs, modelText, pairKey, voteTally, withPair } from "../lib/conflicts";
import { formatCount, formatDateTime, formatRelative } from "../lib/format";
import { labelColorMap } from "../lib/labels";
import { posteriorBars } from "../lib/itemReview";
import { formatConfidence, formatProbability } from "../lib/predictions";
import { ItemTimer } from "../lib/pace";
import { conflictKeyAction, hotkeyMap, keyInput, type ConflictAction } from "../lib/reviewKeys";
import { sharedSerial } from "../lib/reviewSession";
import "../review.css";

interface Props {
  project: ProjectInfo;
  onExit: () => void;
  onOpenReview: () => void;
}

interface Decided {
  conflict: ConflictDto;
  index: number;
  label: string;
  /** The override's annotation id once saved; "failed" when the save failed. */
  annotation: number | null | "failed";
}

/** Open conflicts (to decide) or the resolved ones (the history of reviewers' decisions). */
type Tab = "open" | "resolved" | "escalated";

export function ConflictsScreen({ project, onExit, onOpenReview }: Props) {
  const report = useReportError();
  const people = useAnnotators(project.path);
  const reasons = useReasons();
  const [conflicts, setConflicts] = useState<ConflictDto[] | null>(null);
  const [resolved, setResolved] = useState<ConflictDto[] | null>(null);
  const [tab, setTab] = useState<Tab>("open");
  /** Only conflicts between these labels ("3 vs 8"); null = all. */
  const [pair, setPair] = useState<string | null>(null);
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

  const loadResolved = useCallback(async () => {
    try {
      setResolved(await ipc.listConflicts(true));
    } catch (err) {
      report(err, "Loading resolved conflicts");
      setResolved((prev) => prev ?? []);
    }
  }, [report]);
  const load = useCallback(async () => {
    void loadResolved();
    try {
      const list = await ipc.listConflicts(false);
      setConflicts(list);
      setActive((a) => Math.min(a, Math.max(0, list.length - 1)));
    } catch (err) {
      report(err, "Loading conflicts");
      setConflicts((prev) => prev ?? []);
    }
  }, [report, loadResolved]);
  useEffect(() => {
    void load();
  }, [load]);
  // Events from other copies (a pack, the shared folder) can make or settle conflicts.
  useOnProjectChanges(() => void load());

  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice(null), 4000);
    return () => clearTimeout(t);
  }, [notice]);

  const source = tab === "open" ? conflicts : resolved;
  const pairs = useMemo(() => labelPairs(source ?? []), [source]);
  // A pair that no longer has a conflict (all decided) shows the whole list again.
  const activePair = pair !== null && pairs.some((p) => p.key === pair) ? pair : null;
  const list = useMemo(() => withPair(source ?? [], activePair), [source, activePair]);
  const index = Math.min(active, Math.max(0, list.length - 1));
  const current = list[index] ?? null;
  const rowid = current?.decision.rowid ?? null;
  const deciding = tab === "open";

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
    if (!deciding) {
      setNotice("This conflict is resolved already — the Open tab lists the ones to decide.");
      return;
    }
    if (!reviewer) {
      setNotice(`Only reviewers and leads decide conflicts — ${me.name} is an ${me.role}.`);
      return;
    }
    const c = current;
    const d = c.decision;
    // Where it sits in the whole open list (the pair filter may hide some).
    const at = Math.max(0, (conflicts ?? []).findIndex((x) => x.decision.rowid === d.rowid));
    const entry: Decided = { conflict: c, index: at, label, annotation: null };
    decided.current.push(entry);
    setUndoable(decided.current.length);
    setConflicts((prev) => (prev ?? []).filter((x) => x.decision.rowid !== d.rowid));
    const request: AnnotateRequest = {
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
        void loadResolved();
      } catch (err) {
        entry.annotation = "failed";
        decided.current = decided.current.filter((x) => x !== entry);
        setUndoable(decided.current.length);
        setConflicts((prev) => insertAt(prev ?? [], c, at));
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
    const { conflict: c, index: at } = entry;
    const d = c.decision;
    setTab("open");
    setPair(null);
    setConflicts((prev) => insertAt(prev ?? [], c, at));
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
        setConflicts((prev) => (prev ?? []).map((x) => (x.decision.rowid === d.rowid ? { ...x, decision: fresh } : x)));
        void loadResolved();
      } catch (err) {
        decided.current.push(entry);
        setUndoable(decided.current.length);
        setConflicts((prev) => (prev ?? []).filter((x) => x.decision.rowid !== d.rowid));
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

  const live = useRef({ handle, hotkeys, tab });
  live.current = { handle, hotkeys, tab };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if ((e.target as Element | null)?.closest?.('[aria-modal="true"]')) return;
      // The Escalated tab has its own buttons and fields; the conflict keys do not apply.
      if (live.current.tab === "escalated") return;
      const action = conflictKeyAction(keyInput(e), live.current.hotkeys);
      if (!action) return;
      e.preventDefault();
      live.current.handle(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const stageItems = useMemo(
    () => list.slice(index, index + 3).map((c) => ({ rowid: c.decision.rowid, alt: c.decision.itemId, text: c.text })),
    [list, index],
  );

  const switchTab = (t: Tab) => {
    setTab(t);
    setPair(null);
    setActive(0);
    if (t === "resolved") void loadResolved();
  };

  const empty = source !== null && source.length === 0;
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
        <div className="segmented" role="tablist" aria-label="Which conflicts">
          <button
            type="button"
            role="tab"
            aria-selected={tab === "open"}
            className={tab === "open" ? "selected" : undefined}
            data-testid="conflicts-tab-open"
            onClick={() => switchTab("open")}
          >
            Open
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === "resolved"}
            className={tab === "resolved" ? "selected" : undefined}
            data-testid="conflicts-tab-resolved"
            data-count={resolved?.length ?? ""}
            onClick={() => switchTab("resolved")}
            title="Conflicts a reviewer or lead decided, most recent first"
          >
            Resolved{resolved && resolved.length > 0 ? ` ${formatCount(resolved.length)}` : ""}
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === "escalated"}
            className={tab === "escalated" ? "selected" : undefined}
            data-testid="conflicts-tab-escalated"
            onClick={() => switchTab("escalated")}
            title="Items flagged unsure or bad input, and conflicts: accept, override or send back with a note"
          >
            Escalated
          </button>
        </div>
        <label className="review-field" title="Only the conflicts between these labels">
          <span>Labels</span>
          <select
            data-testid="conflicts-pair"
            value={activePair ?? ""}
            onChange={(e) => {
              setPair(e.target.value === "" ? null : e.target.value);
              setActive(0);
              e.currentTarget.blur();
            }}
            disabled={pairs.length === 0}
          >
            <option value="">All label pairs</option>
            {pairs.map((p) => (
              <option key={p.key} value={p.key}>
                {p.key} ({formatCount(p.count)})
              </option>
            ))}
          </select>
        </label>
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

      {!reviewer && deciding && (
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

      {tab === "escalated" ? (
        <EscalationsPanel me={me} labels={labels} reasons={reasons} colors={colors} />
      ) : empty ? (
        <div className="review-empty" data-testid="conflicts-empty">
          <div className="review-empty-icon" aria-hidden="true">
            ✓
          </div>
          {deciding ? (
            <>
              <h2>No conflicts</h2>
              <p className="muted">Every item with several labels agrees by the project's rule, or a reviewer decided it.</p>
            </>
          ) : (
            <>
              <h2>No resolved conflicts yet</h2>
              <p className="muted">Conflicts a reviewer or lead decides are kept here, most recent first.</p>
            </>
          )}
          {undoable > 0 && (
            <button type="button" className="button" onClick={undo}>
              Undo last decision <kbd>Ctrl+Z</kbd>
            </button>
          )}
        </div>
      ) : (
        <div className="conflicts-body">
          <div className="conflict-list" ref={listRef} role="listbox" aria-label={deciding ? "Conflicting items" : "Resolved conflicts"}>
            {source === null && <p className="muted conflict-loading">Loading…</p>}
            {list.map((c, i) => (
              <ConflictRow
                key={c.decision.rowid}
                conflict={c}
                active={i === index}
                resolved={!deciding}
                colors={colors}
                onSelect={() => {
                  setActive(i);
                  focusScreen();
                }}
              />
            ))}
          </div>

          <div className="conflict-detail">
            <ReviewStage
              items={stageItems}
              testId="conflict-image"
              idPrefix="conflict"
              toolbar={current ? <span className="review-stage-id mono">{current.decision.itemId}</span> : null}
              empty={<div className="stage-note">{source === null ? "Loading…" : ""}</div>}
            />
            {current && <ConflictContext conflict={current} colors={colors} />}
            {deciding ? (
              <div className="conflict-decide" data-testid="conflict-decide">
                <div className="conflict-fields">
                  <ReasonNoteFields
                    reasons={reasons}
                    reason={reason}
                    note={note}
                    onReason={setReason}
                    onNote={setNote}
                    onDone={focusScreen}
                    reasonTestId="conflict-reason"
                    noteTestId="conflict-note"
                    reasonRef={reasonRef}
                    noteRef={noteRef}
                  />
                </div>
                <LabelPad
                  labels={labels}
                  onPick={decide}
                  disabled={!reviewer || !current}
                  override
                  predicted={current?.predicted ?? null}
                  given={current?.given ?? null}
                />
                <p className="muted small conflict-hint">
                  A label's key decides <strong>{current?.decision.itemId ?? "the selected item"}</strong> as a reviewer's
                  decision ({reason ? `reason: ${reason}` : "no reason"}); the next conflict follows. <kbd>↑</kbd>
                  <kbd>↓</kbd> move, <kbd>Ctrl+Z</kbd> undoes{undoable > 0 ? ` (${undoable})` : ""}.
                </p>
              </div>
            ) : (
              current && <Resolution conflict={current} colors={colors} />
            )}
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

/** One conflict in the list: its votes side by side, what the data and the model say, and (resolved) the decision. */
function ConflictRow({
  conflict: c,
  active,
  resolved,
  colors,
  onSelect,
}: {
  conflict: ConflictDto;
  active: boolean;
  resolved: boolean;
  colors: Map<string, string>;
  onSelect: () => void;
}) {
  const d = c.decision;
  return (
    <div
      role="option"
      aria-selected={active}
      className={`conflict-item${active ? " active" : ""}`}
      data-testid="conflict-item"
      data-rowid={d.rowid}
      data-item-id={d.itemId}
      data-pair={pairKey(c.votes)}
      onClick={onSelect}
    >
      <img className="conflict-thumb" src={ipc.thumbUrl(d.rowid)} alt="" loading="lazy" draggable={false} />
      <div className="conflict-head">
        <span className="conflict-id mono" title={d.itemId}>
          {d.itemId}
        </span>
        <span className="muted small">{voteTally(c.votes)}</span>
        <span
          className="conflict-context-line small"
          data-testid="conflict-context"
          data-given={c.given ?? ""}
          data-predicted={c.predicted ?? ""}
          title={c.run === null ? "No finished run over this item's dataset version" : `The newest finished run: run ${c.run}`}
        >
          <span className="muted">given</span> {c.given ?? "—"} <span className="muted">· model</span> {modelText(c)}
        </span>
      </div>
      <div className="conflict-votes">
        {c.votes.map((v) => (
          <VoteCard key={v.annotation} vote={v} colors={colors} />
        ))}
      </div>
      {resolved && d.label !== null && (
        <div className="conflict-resolution small" data-testid="conflict-resolution" data-label={d.label}>
          <span className="resolution-mark" aria-hidden="true">
            ✓
          </span>{" "}
          Decided <LabelChip label={d.label} colors={colors} /> by {d.deciders.join(", ") || "a reviewer"}
          {d.decidedAt && (
            <span className="muted" title={formatDateTime(d.decidedAt)}>
              {" "}
              · {formatRelative(d.decidedAt)}
            </span>
          )}
        </div>
      )}
    </div>
  );
}

/** What a reviewer weighs beside the votes: the dataset's given label and the model's prediction. */
function ConflictContext({ conflict: c, colors }: { conflict: ConflictDto; colors: Map<string, string> }) {
  return (
    <div className="conflict-context" data-testid="conflict-model">
      <span className="conflict-context-item">
        <span className="section-title">Given label</span>
        <LabelChip label={c.given} colors={colors} />
      </span>
      <span className="conflict-context-item" title={c.run === null ? "No finished run over this item's dataset version" : `Run ${c.run}`}>
        <span className="section-title">Model</span>
        {c.predicted !== null ? (
          <>
            <LabelChip label={c.predicted} colors={colors} />
            {c.confidence !== null && <span className="tabular">{formatConfidence(c.confidence)}</span>}
            <span className="muted small">run {c.run}</span>
          </>
        ) : (
          <span className="muted small">{modelText(c)}</span>
        )}
      </span>
      {c.decision.posterior && c.decision.posterior.length > 0 && (
        <span
          className="conflict-context-item"
          data-testid="conflict-posterior"
          title="The probability of each label given every annotator's estimated reliability (the Dawid–Skene decision rule)"
        >
          <span className="section-title">By annotator quality</span>
          {posteriorBars(c.decision, 2).map(([label, p]) => (
            <span key={label} className="conflict-posterior-entry">
              <LabelChip label={label} colors={colors} />
              <span className="tabular">{formatProbability(p)}</span>
            </span>
          ))}
        </span>
      )}
    </div>
  );
}

/** A resolved conflict's decision: the reviewer's label, reason and note (read-only). */
function Resolution({ conflict: c, colors }: { conflict: ConflictDto; colors: Map<string, string> }) {
  const d = c.decision;
  const override = d.votes.find((v) => v.source === "override") ?? d.votes[0] ?? null;
  return (
    <div className="conflict-decide resolved" data-testid="conflict-resolved-detail">
      <p className="conflict-resolved-line">
        <strong>Decided</strong> <LabelChip label={d.label} colors={colors} /> by {d.deciders.join(", ") || "a reviewer"}
        {d.decidedAt && <span className="muted"> · {formatDateTime(d.decidedAt)}</span>}
      </p>
      {override && (override.reason || override.note) && (
        <p className="small">
          {override.reason && <span className="vote-reason">{reasonText(override.reason)}</span>}
          {override.note && <span className="vote-note"> “{override.note}”</span>}
        </p>
      )}
      <p className="muted small conflict-hint">
        Resolved conflicts are kept for the record. To change a decision, label the item again as a reviewer in Review (an
        override replaces the earlier one). <kbd>↑</kbd>
        <kbd>↓</kbd> move.
      </p>
    </div>
  );
}

function insertAt(list: ConflictDto[], item: ConflictDto, at: number): ConflictDto[] {
  const rest = list.filter((x) => x.decision.rowid !== item.decision.rowid);
  const i = Math.max(0, Math.min(at, rest.length));
  return [...rest.slice(0, i), item, ...rest.slice(i)];
}
