import { useCallback, useEffect, useState } from "react";
import type { GoldItemDto } from "../bindings/GoldItemDto";
import type { GoldSource } from "../bindings/GoldSource";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { ProjectReportDto } from "../bindings/ProjectReportDto";
import type { QualificationDto } from "../bindings/QualificationDto";
import * as ipc from "../ipc";
import { normaliseError } from "../lib/ipcError";
import { useAnnotators } from "./reviewHooks";
import { formatCount, plural } from "../lib/format";
import { goldCsv, goldRows } from "../lib/gold";
import { formatPercent } from "../lib/reportData";
import { ChartCard } from "./charts/ChartCard";
import { IntervalBar } from "./IntervalBar";

/**
 * The Dashboard's gold card: per annotator, accuracy on the gold items they labeled with its 95%
 * Wilson interval drawn; a lead opens an annotator's row to see the gold items they missed (the
 * answers never reach anyone else: their report leaves them out).
 */
export function GoldCard({
  report,
  project,
  onChanged,
}: {
  report: ProjectReportDto;
  project: ProjectInfo;
  onChanged: () => void;
}) {
  const rows = goldRows(report);
  const [open, setOpen] = useState<string | null>(null);
  const people = useAnnotators(project.path);
  const me = people.current;
  const lead = me?.role === "lead" ? me.name : null;
  const [quals, setQuals] = useState<QualificationDto[]>([]);
  const [error, setError] = useState<string | null>(null);
  const loadQuals = useCallback(() => {
    ipc
      .listQualifications()
      .then(setQuals)
      .catch((err) => setError(normaliseError(err).message));
  }, []);
  useEffect(loadQuals, [loadQuals, report]);
  const reset = async (q: QualificationDto) => {
    if (!lead) return;
    setError(null);
    try {
      await ipc.resetQualification(q.queue, q.annotator, lead);
      loadQuals();
    } catch (err) {
      setError(normaliseError(err).message);
    }
  };
  return (
    <ChartCard
      title="Gold items"
      subtitle="Accuracy on the gold items each annotator labeled (their latest label), with a 95% Wilson interval: a few gold items give a wide interval"
      testId="dash-gold"
      className="wide"
      csv={rows.length ? () => goldCsv(rows) : null}
    >
      {lead && <MarkGold lead={lead} onDone={onChanged} />}
      {lead && <GoldList lead={lead} report={report} onChanged={onChanged} />}
      {rows.length === 0 ? (
        <div className="dash-empty" data-testid="dash-gold-empty">
          No annotator has labeled a gold item yet. A lead marks gold items here or with <code>arbiter gold add</code>.
        </div>
      ) : (
        <div className="dash-table-wrap">
          <table className="data-table dash-table">
            <thead>
              <tr>
                <th>Annotator</th>
                <th className="num">Gold items</th>
                <th className="num">Accuracy</th>
                <th>95% interval</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const missed = r.missed;
                const expanded = open === r.name && missed !== null;
                return [
                  <tr
                    key={r.name}
                    data-testid="gold-row"
                    data-annotator={r.name}
                    data-accuracy={r.estimate.accuracy ?? ""}
                    data-low={r.estimate.low ?? ""}
                    data-high={r.estimate.high ?? ""}
                  >
                    <td>
                      {missed !== null && missed.length > 0 ? (
                        <button
                          type="button"
                          className="button link gold-toggle"
                          data-testid="gold-missed-toggle"
                          aria-expanded={expanded}
                          onClick={() => setOpen(expanded ? null : r.name)}
                        >
                          {r.name} · {plural(missed.length, "missed item")}
                        </button>
                      ) : (
                        r.name
                      )}
                    </td>
                    <td className="num tabular">
                      {formatCount(r.estimate.correct)} / {formatCount(r.estimate.items)}
                    </td>
                    <td className="num tabular">{formatPercent(r.estimate.accuracy)}</td>
                    <td>
                      <IntervalBar line={r} />
                      <span className="muted tabular">
                        {formatPercent(r.estimate.low)} – {formatPercent(r.estimate.high)}
                      </span>
                    </td>
                  </tr>,
                  expanded ? (
                    <tr key={`${r.name}-missed`} className="gold-missed" data-testid="gold-missed">
                      <td colSpan={4}>
                        <ul>
                          {missed.map((m) => (
                            <li key={m.item_id} data-item-id={m.item_id}>
                              <span className="mono">{m.item_id}</span>: labeled <b>{m.given}</b>, the answer is{" "}
                              <b>{m.gold}</b>
                            </li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  ) : null,
                ];
              })}
            </tbody>
          </table>
        </div>
      )}
      {quals.length > 0 && (
        <div className="dash-table-wrap">
          <table className="data-table dash-table" data-testid="dash-qualifications">
            <thead>
              <tr>
                <th>Qualification</th>
                <th>Annotator</th>
                <th>Standing</th>
                <th className="num">Right</th>
                {lead && <th />}
              </tr>
            </thead>
            <tbody>
              {quals.map((q) => (
                <tr key={`${q.queue}-${q.annotator}`} data-testid="qualification-row" data-annotator={q.annotator} data-status={q.status}>
                  <td>{q.queue}</td>
                  <td>{q.annotator}</td>
                  <td>
                    <span className={`qual-badge ${q.status}`}>{q.status}</span>{" "}
                    <span className="muted">
                      {q.labeled} of {q.passItems} labeled · {Math.round(q.passAccuracy * 100)}% to pass
                    </span>
                  </td>
                  <td className="num tabular">{q.labeled === 0 ? "—" : `${q.correct} / ${q.labeled}`}</td>
                  {lead && (
                    <td>
                      {q.status !== "pending" && (
                        <button type="button" className="button small" data-testid="qualification-reset" onClick={() => void reset(q)}>
                          Let retake
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error && (
        <div className="form-error" data-testid="dash-gold-error">
          {error}
        </div>
      )}
    </ChartCard>
  );
}

/** A lead's list of the gold items and their answers, each removable (recorded). */
function GoldList({ lead, report, onChanged }: { lead: string; report: ProjectReportDto; onChanged: () => void }) {
  const [items, setItems] = useState<GoldItemDto[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    ipc
      .listGold(null)
      .then((g) => live && setItems(g))
      .catch((err) => live && setError(normaliseError(err).message));
    return () => {
      live = false;
    };
  }, [report]);
  if (!items || items.length === 0) return error ? <div className="form-error">{error}</div> : null;
  const remove = async (g: GoldItemDto) => {
    setError(null);
    try {
      await ipc.removeGold([g.itemId], g.dataset, lead);
      setItems((all) => (all ?? []).filter((x) => !(x.itemId === g.itemId && x.dataset === g.dataset)));
      onChanged();
    } catch (err) {
      setError(normaliseError(err).message);
    }
  };
  return (
    <details className="gold-list" data-testid="gold-list">
      <summary>
        {formatCount(items.length)} gold {items.length === 1 ? "item" : "items"} and their answers
      </summary>
      <div className="dash-table-wrap gold-list-wrap">
        <table className="data-table dash-table">
          <thead>
            <tr>
              <th>Item</th>
              <th>Dataset</th>
              <th>Answer</th>
              <th>Added by</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((g) => (
              <tr key={`${g.dataset}/${g.itemId}`} data-testid="gold-item" data-item-id={g.itemId}>
                <td className="mono">{g.itemId}</td>
                <td>{g.dataset}</td>
                <td>{g.label}</td>
                <td>{g.addedBy}</td>
                <td>
                  <button type="button" className="button small" data-testid="gold-remove" onClick={() => void remove(g)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {error && <div className="form-error">{error}</div>}
    </details>
  );
}

/** A lead marks gold items: a stratified, seeded share of the given (or decided) labels. */
function MarkGold({ lead, onDone }: { lead: string; onDone: () => void }) {
  const [source, setSource] = useState<GoldSource>("given");
  const [percent, setPercent] = useState("5");
  const [seed, setSeed] = useState("1");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const submit = async () => {
    const share = Number(percent) / 100;
    if (!(share > 0 && share <= 1)) {
      setMessage({ text: "Give a share between 0 and 100%.", error: true });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const r = await ipc.addGold({ source, dataset: null, share, count: null, seed: Number(seed) || 0 }, lead);
      setMessage({
        text: `${formatCount(r.added)} gold ${r.added === 1 ? "item" : "items"} marked in ${r.dataset}${r.unchanged ? ` (${formatCount(r.unchanged)} already gold)` : ""}, of ${formatCount(r.candidates)} candidates.`,
        error: false,
      });
      onDone();
    } catch (err) {
      setMessage({ text: normaliseError(err).message, error: true });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="gold-mark" data-testid="gold-mark">
      <span>Mark gold:</span>
      <select value={source} data-testid="gold-source" onChange={(e) => setSource(e.target.value as GoldSource)} aria-label="Answers from">
        <option value="given">given labels</option>
        <option value="decisions">decided labels</option>
      </select>
      <input
        type="number"
        min={0.1}
        max={100}
        step={0.1}
        value={percent}
        data-testid="gold-share"
        aria-label="Share of the items, percent"
        onChange={(e) => setPercent(e.target.value)}
      />
      <span className="muted">% of items, seed</span>
      <input type="number" value={seed} data-testid="gold-seed" aria-label="Seed" onChange={(e) => setSeed(e.target.value)} />
      <button type="button" className="button small" data-testid="gold-mark-submit" disabled={busy} onClick={() => void submit()}>
        Mark
      </button>
      {message && (
        <span className={message.error ? "form-error" : "muted"} data-testid={message.error ? "gold-mark-error" : "gold-mark-done"}>
          {message.text}
        </span>
      )}
    </div>
  );
}
