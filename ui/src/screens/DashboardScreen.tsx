import { useEffect, useMemo, useState, type ReactNode } from "react";
import type { AgreementPoint } from "../bindings/AgreementPoint";
import type { IpcError } from "../bindings/IpcError";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { ReasonDto } from "../bindings/ReasonDto";
import type { RunInfo } from "../bindings/RunInfo";
import { ChartCard } from "../components/charts/ChartCard";
import { CalibrationCard } from "../components/CalibrationCard";
import { GoldCard } from "../components/GoldCard";
import { IntervalBar } from "../components/IntervalBar";
import { useAnnotators } from "../components/reviewHooks";
import { AgreementTargetPanel } from "../components/AgreementTargetPanel";
import { GuidelinePeriodsCard } from "../components/GuidelinePeriodsCard";
import {
  activityOption,
  confusionOption,
  historyOption,
  kappaOption,
  perLabelOption,
  reasonsOption,
  reliabilityOption,
} from "../components/charts/options";
import { useOnProjectChanges } from "../components/projectChanges";
import * as ipc from "../ipc";
import {
  accuracyCsv,
  activityCsv,
  agreementCsv,
  annotatorsCsv,
  confusionCsv,
  historyCsv,
  kappaCsv,
  perLabelCsv,
  progressCsv,
  reasonsCsv,
  reliabilityCsv,
} from "../lib/chartCsv";
import { formatCount, plural } from "../lib/format";
import { codeTitle, normaliseError } from "../lib/ipcError";
import type { ModelQuality } from "../bindings/ModelQuality";
import type { ProjectReportDto } from "../bindings/ProjectReportDto";
import { own } from "../lib/report";
import {
  accuracyLines,
  activitySeries,
  annotatorRows,
  confusionData,
  formatPercent,
  formatStat,
  headlineFigures,
  historyScopes,
  historySeries,
  isSmallSample,
  kappaMatrix,
  nText,
  perLabelAgreement,
  progressParts,
  qualityItems,
  calibrationBasis,
  reasonFor,
  reasonsStack,
  reliabilityBins,
  reportEce,
  SMALL_SAMPLE,
  SMALL_SAMPLE_NOTE,
  throughput,
  worstLabels,
  type AnnotatorRow,
  type Figure,
} from "../lib/reportData";
import { runLabel } from "../lib/runs";
import "../dashboard.css";
import { DESKTOP_ONLY_WHY, DesktopOnly } from "../components/DesktopOnly";

interface Props {
  project: ProjectInfo;
  onBack: () => void;
  onExport: () => void;
}

interface Loaded {
  report: ProjectReportDto;
  history: AgreementPoint[];
  /** The run asked for (null = the latest finished one). */
  run: number | null;
}

/** Labels drawn at most in the per-label chart and the confusion matrix (the CSVs have all). */
const MAX_CHART_LABELS = 25;
const MAX_CONFUSION_LABELS = 30;

/** `<select>` value of "the latest finished run". */
const LATEST = "";

export function DashboardScreen({ project, onBack, onExport }: Props) {
  const [runs, setRuns] = useState<RunInfo[] | null>(null);
  const [reasons, setReasons] = useState<ReasonDto[]>([]);
  const [run, setRun] = useState<number | null>(null);
  const [data, setData] = useState<Loaded | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<IpcError | null>(null);
  const [token, setToken] = useState(0);
  // The person working here: the report's gold details are a lead's.
  const viewer = useAnnotators(project.path).name;
  // Events from other copies (a pack, the shared folder): the report again.
  useOnProjectChanges(() => setToken((t) => t + 1));

  useEffect(() => {
    let cancelled = false;
    ipc
      .listRuns()
      .then((r) => !cancelled && setRuns(r))
      .catch(() => !cancelled && setRuns([]));
    ipc
      .listReasons()
      .then((r) => !cancelled && setReasons(r))
      .catch(() => {});
    return () => {
      cancelled = true;
    };
  }, []);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    setError(null);
    (async () => {
      try {
        // Computing the report records a point in the history once labeling has moved on by 25
        // ratings since the last one: read the history after it.
        const report = await ipc.projectReport(run, viewer);
        const history = await ipc.agreementHistory();
        if (!cancelled) setData({ report, history, run });
      } catch (err) {
        if (!cancelled) setError(normaliseError(err));
      } finally {
        if (!cancelled) setLoading(false);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [run, token, viewer]);

  const report = data?.report ?? null;
  const shownRun = report?.model_quality ? (runs?.find((r) => r.run === report.model_quality!.run) ?? null) : null;

  return (
    <div className="dash-screen" data-testid="dashboard-screen" aria-busy={loading}>
      <header className="app-header">
        <button type="button" className="button small" data-testid="dashboard-back" onClick={onBack}>
          ← Items
        </button>
        <div className="header-title">
          <h1>Dashboard</h1>
          <span className="header-path" title={project.path}>
            {project.name}
          </span>
        </div>
        <div className="header-spacer" />
        {loading && data && <span className="muted small">Updating…</span>}
        <label className="toolbar-field">
          <span>Model run</span>
          <select
            data-testid="dash-run"
            className="dash-run"
            value={run === null ? LATEST : String(run)}
            onChange={(e) => setRun(e.target.value === LATEST ? null : Number(e.target.value))}
          >
            <option value={LATEST}>Latest finished run</option>
            {run !== null && !(runs ?? []).some((r) => r.run === run) && <option value={String(run)}>Run {run}</option>}
            {(runs ?? []).map((r) => (
              <option key={r.run} value={String(r.run)}>
                {runLabel(r)}
              </option>
            ))}
          </select>
        </label>
        <button type="button" className="button small" data-testid="dash-refresh" onClick={() => setToken((t) => t + 1)} disabled={loading}>
          Refresh
        </button>
        <DesktopOnly className="button small primary" testId="dash-export" label="Export dataset…" why={DESKTOP_ONLY_WHY.export}>
          <button type="button" className="button small primary" data-testid="dash-export" onClick={onExport}>
            Export dataset…
          </button>
        </DesktopOnly>
      </header>

      <div className="dash-scroll">
        {error && (
          <div className="form-error dash-error" role="alert" data-testid="dash-error" data-code={error.code}>
            <strong>Loading the report failed: {codeTitle(error.code)}</strong>
            <pre className="error-message">{error.message}</pre>
            <div>
              <button type="button" className="button small" onClick={() => setToken((t) => t + 1)}>
                Try again
              </button>
            </div>
          </div>
        )}
        {!report && loading && <div className="dash-loading muted">Computing the report…</div>}
        {report && (
          <Dashboard
            project={project}
            report={report}
            history={data!.history}
            reasons={reasons}
            run={shownRun}
            askedRun={data!.run}
            onChanged={() => setToken((t) => t + 1)}
          />
        )}
      </div>
    </div>
  );
}

function Dashboard({
  project,
  report,
  history,
  reasons,
  run,
  askedRun,
  onChanged,
}: {
  project: ProjectInfo;
  report: ProjectReportDto;
  history: AgreementPoint[];
  reasons: ReasonDto[];
  run: RunInfo | null;
  askedRun: number | null;
  /** The report must be fetched again (the scale changed). */
  onChanged: () => void;
}) {
  const a = report.agreement;
  const q = report.model_quality;
  const labelColors = useMemo(() => Object.fromEntries(project.labels.map((l) => [l.name, l.color])), [project.labels]);
  const descriptions = useMemo(() => Object.fromEntries(reasons.map((r) => [r.code, r.description])), [reasons]);

  const scopes = useMemo(() => historyScopes(history), [history]);
  const [scope, setScope] = useState("project");
  const activeScope = scopes.includes(scope) ? scope : (scopes[0] ?? "project");
  const points = useMemo(() => historySeries(history, activeScope), [history, activeScope]);

  const matrix = useMemo(() => kappaMatrix(a), [a]);
  const perLabel = useMemo(() => perLabelAgreement(a), [a]);
  const shownLabels = useMemo(() => worstLabels(perLabel, MAX_CHART_LABELS), [perLabel]);
  const stack = useMemo(() => reasonsStack(report.reasons_by_class), [report.reasons_by_class]);

  const historyDefined = points.some((p) => p.alpha !== null || p.fleiss !== null || p.ac1 !== null || p.percent !== null);
  const historyOpt = useMemo(() => (historyDefined ? historyOption(points) : null), [points, historyDefined]);
  const kappaOpt = useMemo(() => (matrix.names.length >= 2 ? kappaOption(matrix) : null), [matrix]);
  const perLabelOpt = useMemo(
    () => (shownLabels.rows.length ? perLabelOption(shownLabels.rows, labelColors) : null),
    [shownLabels, labelColors],
  );
  const confusion = useMemo(() => (q && q.labels.length ? confusionData(q, MAX_CONFUSION_LABELS) : null), [q]);
  const confusionOpt = useMemo(() => (confusion && confusion.total > 0 ? confusionOption(confusion) : null), [confusion]);
  const bins = useMemo(() => (q ? reliabilityBins(q) : []), [q]);
  const reliabilityOpt = useMemo(() => (bins.some((b) => b.items > 0) ? reliabilityOption(bins) : null), [bins]);
  const reasonsOpt = useMemo(() => (stack.classes.length ? reasonsOption(stack, descriptions) : null), [stack, descriptions]);
  const ece = q ? reportEce(q) : null;
  const eceItems = q ? qualityItems(q) : 0;
  const activity = useMemo(() => activitySeries(report.activity), [report.activity]);
  const activityOpt = useMemo(() => (activity ? activityOption(activity) : null), [activity]);

  const kappaHeight = Math.min(380, Math.max(220, 70 + matrix.names.length * 36));
  const perLabelHeight = Math.min(420, Math.max(160, 24 + shownLabels.rows.length * 28));
  const confusionHeight = Math.min(420, Math.max(240, 80 + (confusion?.labels.length ?? 0) * 38));
  const noModel = (
    <span>
      {askedRun === null
        ? "No finished model run yet. Run a model on a dataset and decide some labels to see its quality."
        : `Run ${askedRun} has no predictions on decided items yet.`}
    </span>
  );
  const modelTitle = q
    ? `Model quality · run ${q.run}${run ? ` · ${run.model} on ${run.dataset}` : ""}`
    : "Model quality";

  return (
    <div className="dash-grid">
      <h2 className="dash-section">Labeling</h2>
      <ProgressCard report={report} />
      <AnnotatorsCard report={report} />
      <GoldCard report={report} project={project} onChanged={onChanged} />
      <ChartCard
        title="Labels and decisions over time"
        subtitle={
          activity
            ? `Labels per ${activity.bucket} by annotator (bars) and decided items so far (line) · UTC · from the events' times`
            : "From the annotation events' times"
        }
        testId="chart-activity"
        className="wide"
        data={{
          "data-bucket": activity?.bucket ?? "",
          "data-labels": String(report.activity.labels.reduce((x, y) => x + y, 0)),
          "data-decided": String(report.activity.decided.at(-1) ?? 0),
        }}
        csv={activity ? () => activityCsv(report.activity) : null}
        option={activityOpt}
        height={250}
        empty="No labels yet."
      />

      <h2 className="dash-section">Agreement between annotators</h2>
      <AgreementCard report={report} project={project} onChanged={onChanged} />
      <GuidelinePeriodsCard periods={report.guideline_periods} schemaVersion={report.schema_version} />
      <ChartCard
        title="Agreement over time"
        subtitle={`A point per 25 new ratings, plotted against the ratings given · ${points.length ? plural(points.length, "point") : "no points yet"}`}
        testId="chart-agreement-history"
        data={{ "data-points": String(points.length), "data-ratings": points.map((p) => p.annotations).join(",") }}
        csv={() => historyCsv(history, activeScope)}
        option={historyOpt}
        height={230}
        empty={
          points.length === 0
            ? "No agreement recorded yet."
            : "Agreement was undefined every time it was recorded (no item with two or more ratings yet)."
        }
        controls={
          scopes.length > 1 ? (
            <select className="dash-scope" value={activeScope} onChange={(e) => setScope(e.target.value)} aria-label="Scope">
              {scopes.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          ) : null
        }
      />
      <ChartCard
        title="Pairwise Cohen's κ"
        subtitle={`Each pair of annotators on the items both rated (n); grey: fewer than ${SMALL_SAMPLE} items in common`}
        testId="chart-kappa-matrix"
        data={{ "data-pairs": JSON.stringify(a.cohen_kappa.map((k) => ({ a: k.a, b: k.b, kappa: k.kappa, items: k.items }))) }}
        csv={a.cohen_kappa.length ? () => kappaCsv(a) : null}
        option={kappaOpt}
        height={kappaHeight}
        empty={matrix.names.length < 2 ? "Needs two annotators who rated the same items." : undefined}
      />
      <ChartCard
        title="Per-label agreement"
        subtitle={
          `Krippendorff's α of each label against the rest · ${nText(a.items)} items${
            isSmallSample(a.items) ? ` — fewer than ${SMALL_SAMPLE}: greyed, read with care` : ""
          }${shownLabels.hidden ? ` · the ${shownLabels.rows.length} lowest of ${perLabel.length} labels (CSV: all)` : ""}`
        }
        testId="chart-per-label"
        csv={perLabel.length ? () => perLabelCsv(a) : null}
        option={perLabelOpt}
        height={perLabelHeight}
        empty="No ratings yet."
      />

      <h2 className="dash-section">{modelTitle}</h2>
      <AccuracyCard quality={q} empty={noModel} />
      <CalibrationCard project={project} run={q?.run ?? askedRun ?? run?.run ?? null} onChanged={onChanged} />
      <ChartCard
        title={`Reliability diagram · ECE ${ece === null ? "—" : formatStat(ece)}${q ? ` · ${nText(eceItems)}` : ""}`}
        subtitle={`Accuracy per confidence bin against the diagonal; bars below the dashed line = over-confident${
          q ? ` · ${calibrationBasis(q)}` : ""
        }${
          q && ece !== null && isSmallSample(eceItems) ? ` · fewer than ${SMALL_SAMPLE} items: the ECE says little yet` : ""
        }`}
        testId="chart-reliability"
        data={{ "data-ece": ece === null ? "" : String(ece), "data-ece-items": q ? String(eceItems) : "" }}
        csv={q ? () => reliabilityCsv(q) : null}
        option={reliabilityOpt}
        height={260}
        empty={q ? "No decided item has a prediction in this run." : noModel}
      />
      <ChartCard
        title="Confusion matrix"
        subtitle={`Rows: decided label · columns: the model's prediction · counts; shade = share of the row${
          confusion?.hidden ? ` · the ${confusion.labels.length} busiest of ${q!.labels.length} labels (CSV: all)` : ""
        }`}
        testId="chart-confusion"
        data={{ "data-total": String(confusion?.total ?? 0) }}
        csv={q ? () => confusionCsv(q) : null}
        option={confusionOpt}
        height={confusionHeight}
        empty={q ? "No decided item has a prediction in this run." : noModel}
      />
      <ChartCard
        title="Reasons by class"
        subtitle="Correction reasons given, by decided label"
        testId="chart-reasons"
        csv={stack.classes.length ? () => reasonsCsv(report.reasons_by_class) : null}
        option={reasonsOpt}
        height={260}
        empty="No reasons given yet."
      />
    </div>
  );
}

// ---------------------------------------------------------------- cards

function ProgressCard({ report }: { report: ProjectReportDto }) {
  const p = progressParts(report.progress);
  const t = throughput(report.annotators);
  const pct = (n: number) => (p.total > 0 ? `${(n / p.total) * 100}%` : "0%");
  const parts = [
    { key: "decided", label: "Decided", n: p.decided },
    { key: "conflicts", label: "Conflicts", n: p.conflicts },
    { key: "pending", label: "Waiting for votes", n: p.pending },
    { key: "untouched", label: "Not started", n: p.untouched },
  ];
  return (
    <ChartCard
      title="Progress"
      subtitle="Items of the newest version of each dataset"
      testId="dash-progress"
      className="dash-pair"
      data={{
        "data-done": String(report.progress.annotated),
        "data-total": String(p.total),
        "data-annotations": String(report.progress.annotations),
      }}
      csv={() => progressCsv(report)}
    >
      <div className="dash-progress-head">
        <span className="dash-big tabular">
          {formatCount(report.progress.annotated)} <span className="dash-of">/ {formatCount(p.total)}</span>
        </span>
        <span className="muted">items annotated{p.done !== null ? ` · ${formatPercent(p.done)}` : ""}</span>
      </div>
      <div className="stack-bar" role="img" aria-label="Progress by status">
        {parts.map((x) =>
          x.n > 0 ? <span key={x.key} className={`stack-seg seg-${x.key}`} style={{ width: pct(x.n) }} title={`${x.label}: ${formatCount(x.n)}`} /> : null,
        )}
      </div>
      <ul className="stack-legend">
        {parts.map((x) => (
          <li key={x.key}>
            <span className={`swatch seg-${x.key}`} aria-hidden="true" />
            {x.label} <strong className="tabular">{formatCount(x.n)}</strong>
          </li>
        ))}
      </ul>
      <div className="dash-stats">
        <div>
          <span className="dash-stat-value tabular">{formatCount(t.lastHour)}</span>
          <span className="dash-stat-label">labels in the last hour</span>
        </div>
        <div>
          <span className="dash-stat-value tabular">{t.active}</span>
          <span className="dash-stat-label">{t.active === 1 ? "annotator" : "annotators"} active in the last hour</span>
        </div>
        <div title="The median of the annotators' median seconds per label">
          <span className="dash-stat-value tabular">{t.medianSeconds === null ? "—" : `${t.medianSeconds.toFixed(1)} s`}</span>
          <span className="dash-stat-label">typical time per label</span>
        </div>
        <div>
          <span className="dash-stat-value tabular">{formatCount(report.progress.annotations)}</span>
          <span className="dash-stat-label">labels given in total</span>
        </div>
      </div>
    </ChartCard>
  );
}

function FigureTile({ f }: { f: Figure }) {
  const text = f.percent ? formatPercent(f.value) : formatStat(f.value);
  const iv = f.interval;
  const small = f.value !== null && isSmallSample(f.items);
  return (
    <div
      className={`figure${f.value === null ? " undefined" : ""}${small ? " small-sample" : ""}`}
      data-testid="dash-figure"
      data-figure={f.key}
      data-value={f.value === null ? "" : String(f.value)}
      data-items={String(f.items)}
      data-small={small ? "" : undefined}
      title={`${f.reason ? `${f.help}\n\nUndefined: ${f.reason}` : f.help}\n\nOver ${plural(f.items, "rated item")}.${small ? ` ${SMALL_SAMPLE_NOTE}` : ""}`}
    >
      <span className="figure-label">{f.label}</span>
      <span className="figure-value-row">
        <span className="figure-value tabular">{text}</span>
        <span className="figure-n">{nText(f.items)}</span>
        {small && <span className="few-tag">few items</span>}
      </span>
      {f.value === null ? (
        <span className="figure-reason">{f.reason}</span>
      ) : iv ? (
        <span className="figure-ci tabular">
          95% CI {f.percent ? `${formatPercent(iv.low)} – ${formatPercent(iv.high)}` : `${formatStat(iv.low)} – ${formatStat(iv.high)}`}
        </span>
      ) : null}
    </div>
  );
}

/** The label scale and, for a lead, the switch between nominal and ordinal. */
function ScaleControl({ report, project, onChanged }: { report: ProjectReportDto; project: ProjectInfo; onChanged: () => void }) {
  const people = useAnnotators(project.path);
  const me = people.current;
  const lead = me?.role === "lead";
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ordinal = report.ordinal_labels;
  const order = report.agreement.labels;
  const why = lead
    ? ordinal
      ? "Treat the labels as unordered categories"
      : "Rank the labels in the schema's order: weighted κ and ordinal α (interval α too when every label is a number)"
    : me
      ? `Only a lead can change the scale — ${me.name} is ${me.role === "annotator" ? "an" : "a"} ${me.role}. Choose a lead in Review's annotator list.`
      : "Only a lead can change the scale. Choose a lead in Review's annotator list.";
  const toggle = async () => {
    if (!me || !lead) return;
    setBusy(true);
    setError(null);
    try {
      await ipc.setOrdinalLabels(me.name, !ordinal);
      onChanged();
    } catch (err) {
      setError(normaliseError(err).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="dash-scale" data-testid="dash-scale" data-ordinal={String(ordinal)} data-scale={report.agreement.scale}>
      <span>
        Labels are{" "}
        <strong>{ordinal ? (report.agreement.scale === "interval" ? "ordinal (numeric)" : "ordinal") : "nominal (unordered)"}</strong>
        {ordinal && order.length > 1 && (
          <span className="muted" title="Scale order (the schema's order)">
            {" "}
            · {order.length > 6 ? `${order.slice(0, 3).join(" < ")} < … < ${order.at(-1)}` : order.join(" < ")}
          </span>
        )}
      </span>
      <button
        type="button"
        className="button small"
        data-testid="dash-scale-toggle"
        disabled={!lead || busy}
        title={why}
        onClick={() => void toggle()}
      >
        {ordinal ? "Mark nominal" : "Mark ordinal"}
      </button>
      {error && (
        <span className="form-error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

function AgreementCard({ report, project, onChanged }: { report: ProjectReportDto; project: ProjectInfo; onChanged: () => void }) {
  const a = report.agreement;
  const figures = headlineFigures(a);
  const alpha = a.krippendorff_alpha.nominal;
  const ordinal = a.scale !== "nominal";
  return (
    <ChartCard
      title="Agreement"
      subtitle={`${plural(a.items, "item")} · ${plural(a.annotators, "annotator")} · ${plural(a.ratings, "rating")}`}
      testId="dash-agreement"
      data={{
        "data-alpha": alpha === null ? "" : String(alpha),
        "data-items": String(a.items),
        "data-annotators": String(a.annotators),
      }}
      csv={() => agreementCsv(a)}
    >
      <ScaleControl report={report} project={project} onChanged={onChanged} />
      <AgreementTargetPanel verdict={report.target} projectPath={project.path} onChanged={onChanged} />
      <div className="figures">
        {figures.map((f) => (
          <FigureTile key={f.key} f={f} />
        ))}
      </div>
      {ordinal && (
        <p className="dash-note" data-testid="dash-ordinal">
          Ordinal labels: ordinal α{" "}
          <strong title={a.krippendorff_alpha.ordinal === null ? reasonFor(a, "krippendorff_alpha.ordinal") : undefined}>
            {formatStat(a.krippendorff_alpha.ordinal)}
          </strong>{" "}
          · interval α{" "}
          <strong title={a.krippendorff_alpha.interval === null ? reasonFor(a, "krippendorff_alpha.interval") : undefined}>
            {a.scale === "interval" ? formatStat(a.krippendorff_alpha.interval) : "— (labels are not numbers)"}
          </strong>
          {" "}· weighted κ per pair in the CSV of the κ matrix.
        </p>
      )}
      <p className="dash-note">
        Reading α: 0.8 or more is reliable; 0.667–0.8 allows no more than tentative conclusions (Krippendorff). AC1 holds up
        better than κ and α when one label dominates. Hover a figure for what it measures.
      </p>
      {a.intervals && (
        <p className="dash-note">
          Intervals: 95% bootstrap over items ({formatCount(a.intervals.resamples)} resamples, seed {a.intervals.seed}).
        </p>
      )}
    </ChartCard>
  );
}

function KappaBar({ row }: { row: AnnotatorRow }) {
  if (row.kappa === null) {
    return (
      <span className="kappa-undefined" title={row.kappaReason ?? undefined}>
        — <span className="muted">{row.kappaReason}</span>
      </span>
    );
  }
  const v = Math.max(-1, Math.min(1, row.kappa));
  const small = isSmallSample(row.kappaItems);
  return (
    <span
      className={`kappa-cell${small ? " small-sample" : ""}`}
      data-items={row.kappaItems}
      title={`${formatStat(row.kappa)} over ${plural(row.kappaItems, "item")} where the others had a majority${small ? `. ${SMALL_SAMPLE_NOTE}` : ""}`}
    >
      <span className="kappa-track" aria-hidden="true">
        <span className={`kappa-fill${v < 0 ? " negative" : ""}`} style={{ width: `${Math.abs(v) * 100}%` }} />
      </span>
      <span className="tabular">{formatStat(row.kappa)}</span>
      <span className="kappa-n tabular">n {formatCount(row.kappaItems)}</span>
    </span>
  );
}

function VsReviewers({ row }: { row: AnnotatorRow }) {
  const e = row.vsReviewers;
  if (e.accuracy === null) {
    return (
      <span className="muted" title="No item this annotator labeled was decided by a reviewer's override">
        —
      </span>
    );
  }
  return (
    <span
      title={`${formatCount(e.correct)} of ${plural(e.items, "reviewer-decided item")} match the reviewer's decision · 95% Wilson interval ${formatPercent(e.low)} – ${formatPercent(e.high)}`}
    >
      {formatPercent(e.accuracy, 0)} <span className="muted small">of {formatCount(e.items)}</span>
    </span>
  );
}

function AnnotatorsCard({ report }: { report: ProjectReportDto }) {
  const rows = annotatorRows(report);
  return (
    <ChartCard
      title="Annotators"
      subtitle="Pace, agreement with the others' majority (Cohen's κ), and accuracy against reviewer decisions (items a reviewer overrode; not a gold standard)"
      testId="dash-annotators"
      className="dash-pair"
      csv={rows.length ? () => annotatorsCsv(report) : null}
    >
      {rows.length === 0 ? (
        <div className="dash-empty">No annotators yet.</div>
      ) : (
        <div className="dash-table-wrap">
          <table className="data-table dash-table">
            <colgroup>
              <col className="name" />
              <col className="num" />
              <col className="num" />
              <col className="num" />
              <col className="kappa" />
              <col className="vs-rev" />
            </colgroup>
            <thead>
              <tr>
                <th>Annotator</th>
                <th className="num">Labels</th>
                <th className="num" title="Labels given in the last hour">
                  Last hour
                </th>
                <th className="num" title="Median seconds per label">
                  Median
                </th>
                <th>κ vs others</th>
                <th
                  className="num"
                  title="Over the items whose final label is a reviewer's override and that this annotator labeled: the share of the annotator's labels equal to the reviewer's decision, with a 95% Wilson interval. Reviewers see mostly hard or disputed items, so this is not accuracy on a gold set."
                >
                  vs reviewers
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.name} data-annotator={r.name}>
                  <td title={r.name}>
                    {r.name}
                    {r.role && r.role !== "annotator" && <span className="tag">{r.role}</span>}
                  </td>
                  <td className="num tabular">{formatCount(r.labels)}</td>
                  <td className="num tabular">{formatCount(r.lastHour)}</td>
                  <td className="num tabular">{r.medianSeconds === null ? "—" : `${r.medianSeconds.toFixed(1)} s`}</td>
                  <td>
                    <KappaBar row={r} />
                  </td>
                  <td className="num tabular" data-testid="vs-reviewers">
                    <VsReviewers row={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </ChartCard>
  );
}

function AccuracyCard({ quality, empty }: { quality: ModelQuality | null; empty: ReactNode }) {
  if (!quality) {
    return (
      <ChartCard title="Accuracy" testId="dash-accuracy" csv={null}>
        <div className="dash-empty">{empty}</div>
      </ChartCard>
    );
  }
  const [random, uncertainty, overall] = accuracyLines(quality);
  const r = random!.estimate;
  return (
    <ChartCard
      title="Accuracy"
      subtitle="Against the decided labels"
      testId="dash-accuracy"
      data={{ "data-accuracy": r.accuracy === null ? "" : String(r.accuracy) }}
      csv={() => accuracyCsv(quality)}
    >
      <div className="acc-main" data-testid="dash-accuracy-random" title={random!.note}>
        <div className="acc-head">
          <span className="acc-title">
            Random sample <span className="acc-badge ok">unbiased estimate</span>
          </span>
          <span className="dash-big tabular">{formatPercent(r.accuracy)}</span>
        </div>
        {r.accuracy === null ? (
          <p className="dash-note">{random!.reason} — review items from a random queue of this run to estimate accuracy.</p>
        ) : (
          <>
            <IntervalBar line={random!} />
            <p className="dash-note tabular">
              95% Wilson interval <strong>{formatPercent(r.low)} – {formatPercent(r.high)}</strong> · {formatCount(r.correct)} of{" "}
              {plural(r.items, "item")} correct
            </p>
          </>
        )}
      </div>
      {[uncertainty!, overall!].map((line) => (
        <div key={line.key} className="acc-other" data-testid={`dash-accuracy-${line.key}`}>
          <div className="acc-head">
            <span className="acc-title">
              {line.title} <span className="acc-badge warn">biased{line.key === "uncertainty" ? " by construction" : ""}</span>
            </span>
            <span className="acc-value tabular">
              {formatPercent(line.estimate.accuracy)}
              <span className="muted small"> · {plural(line.estimate.items, "item")}</span>
            </span>
          </div>
          <p className="dash-note">{line.estimate.accuracy === null ? line.reason : line.note}</p>
        </div>
      ))}
      <PerClassTable quality={quality} />
    </ChartCard>
  );
}

function PerClassTable({ quality }: { quality: ModelQuality }) {
  const labels = quality.labels.filter((l) => own(quality.per_class, l));
  if (labels.length === 0) return null;
  const cell = (v: number | null, why: string) => (
    <td className="num tabular" title={v === null ? why : undefined}>
      {v === null ? "—" : formatStat(v, 2)}
    </td>
  );
  return (
    <details className="acc-classes">
      <summary>Per class: precision, recall, F1</summary>
      <div className="dash-table-wrap short">
        <table className="data-table dash-table">
          <thead>
            <tr>
              <th>Label</th>
              <th className="num">Support</th>
              <th className="num">Precision</th>
              <th className="num">Recall</th>
              <th className="num">F1</th>
            </tr>
          </thead>
          <tbody>
            {labels.map((l) => {
              const s = own(quality.per_class, l)!;
              return (
                <tr key={l}>
                  <td title={l}>{l}</td>
                  <td className="num tabular">{formatCount(s.support)}</td>
                  {cell(s.precision, "the model never predicted this label on a decided item")}
                  {cell(s.recall, "no item was decided as this label")}
                  {cell(s.f1, "the class was neither predicted nor decided")}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </details>
  );
}
