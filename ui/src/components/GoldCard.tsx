import { useState } from "react";
import type { ProjectReportDto } from "../bindings/ProjectReportDto";
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
export function GoldCard({ report }: { report: ProjectReportDto }) {
  const rows = goldRows(report);
  const [open, setOpen] = useState<string | null>(null);
  return (
    <ChartCard
      title="Gold items"
      subtitle="Accuracy on the gold items each annotator labeled (their latest label), with a 95% Wilson interval: a few gold items give a wide interval"
      testId="dash-gold"
      className="dash-pair"
      csv={rows.length ? () => goldCsv(rows) : null}
    >
      {rows.length === 0 ? (
        <div className="dash-empty" data-testid="dash-gold-empty">
          No annotator has labeled a gold item yet. A lead marks gold items with <code>arbiter gold add</code>.
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
    </ChartCard>
  );
}
