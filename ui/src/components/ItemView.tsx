import { useEffect, useRef, useState } from "react";
import type { DecisionDto } from "../bindings/DecisionDto";
import type { ItemDetail } from "../bindings/ItemDetail";
import type { ItemPrediction } from "../bindings/ItemPrediction";
import type { ItemSummary } from "../bindings/ItemSummary";
import type { RunInfo } from "../bindings/RunInfo";
import * as ipc from "../ipc";
import { formatCount, formatDateTime, formatJsonValue, formatNumber, formatRelative } from "../lib/format";
import { codeTitle, normaliseError } from "../lib/ipcError";
import { cellStatus, decisionText, posteriorBars, STATUS_TEXT, voteSourceText } from "../lib/itemReview";
import { FALLBACK_LABEL_COLOR } from "../lib/labels";
import type { PageCache } from "../lib/pageCache";
import { runLabel } from "../lib/runs";
import { describeZoom, formatZoom, type Size } from "../lib/zoom";
import { useReportError } from "./ErrorBanner";
import { PredictionBars, PredictionError } from "./PredictionBars";
import { reasonText } from "./reviewHooks";
import { TextStage } from "./TextStage";
import { useZoom } from "./useZoom";

interface Props {
  cache: PageCache<ItemSummary>;
  index: number;
  labelColors: Map<string, string>;
  /** The run whose predictions the grid shows; the item's top classes are shown for it. */
  run?: RunInfo | null;
  /** The person working here (null: nobody chosen): what the item shows them. */
  viewer?: string | null;
  /** The grid's search: highlighted in a text item. */
  search?: string | null;
  onNavigate: (index: number) => void;
  onClose: () => void;
}

const FEATURE_PREVIEW = 200;

function isTextInput(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

export function ItemView({ cache, index, labelColors, run = null, viewer = null, search = null, onNavigate, onClose }: Props) {
  const report = useReportError();
  const total = cache.total ?? 0;
  const [summary, setSummary] = useState<ItemSummary | null>(() => cache.get(index) ?? null);
  const [detail, setDetail] = useState<ItemDetail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  // Image state is tagged with the rowid it belongs to, so a late event of the previous image is ignored.
  const [loaded, setLoaded] = useState<{ rowid: number; size: Size } | null>(null);
  const [failedRowid, setFailedRowid] = useState<number | null>(null);
  const [showAllFeatures, setShowAllFeatures] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);

  // Resolve index -> summary (maybe fetching its page) -> detail.
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const known = cache.get(index) ?? null;
    setSummary(known);
    setDetailError(null);
    setShowAllFeatures(false);
    setDetail((prev) => (prev && known && prev.rowid === known.rowid ? prev : null));
    (async () => {
      const s = known ?? (await cache.load(index)) ?? null;
      if (cancelled) return;
      if (!s) {
        setDetailError("This item is no longer available.");
        return;
      }
      setSummary(s);
      // Small delay so that holding an arrow key does not queue a detail request per item.
      await new Promise<void>((resolve) => (timer = setTimeout(resolve, known ? 60 : 0)));
      if (cancelled) return;
      const d = await ipc.getItem(s.rowid, viewer);
      if (!cancelled) setDetail(d);
    })().catch((err) => {
      if (cancelled) return;
      const e = normaliseError(err);
      setDetailError(`${codeTitle(e.code)}: ${e.message}`);
      if (e.code !== "not_found") report(e, "Loading item");
    });
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [cache, index, viewer, report]);

  const rowid = summary?.rowid ?? null;
  // Labels left out for this viewer (gold items' answers).
  const hidden = cache.labelsHidden || detail?.labelsHidden === true;
  const natural = loaded && loaded.rowid === rowid ? loaded.size : null;
  const imageFailed = rowid !== null && failedRowid === rowid;
  const zoom = useZoom(stageRef, natural);

  useEffect(() => {
    rootRef.current?.focus({ preventScroll: true });
  }, []);

  const canPrev = index > 0;
  const canNext = index + 1 < total;

  // Keyboard: Escape closes, Left/Right navigate, + - 0 1 zoom.
  const keys = useRef({ onClose, onNavigate, index, canPrev, canNext, zoom });
  keys.current = { onClose, onNavigate, index, canPrev, canNext, zoom };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isTextInput(e.target)) return;
      const k = keys.current;
      switch (e.key) {
        case "Escape":
          k.onClose();
          break;
        case "ArrowLeft":
          if (k.canPrev) k.onNavigate(k.index - 1);
          break;
        case "ArrowRight":
          if (k.canNext) k.onNavigate(k.index + 1);
          break;
        case "+":
        case "=":
          k.zoom.zoomIn();
          break;
        case "-":
        case "_":
          k.zoom.zoomOut();
          break;
        case "0":
          k.zoom.fitToView();
          break;
        case "1":
          k.zoom.actualSize();
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const label = detail?.label ?? summary?.label ?? null;
  const labelColor = label ? (labelColors.get(label) ?? FALLBACK_LABEL_COLOR) : null;
  const finalLabel = summary?.finalLabel ?? null;
  const width = detail?.width ?? natural?.width ?? null;
  const height = detail?.height ?? natural?.height ?? null;
  const hasMedia = summary?.hasMedia ?? false;
  const isText = !hasMedia && (summary?.snippet ?? null) !== null;
  const { view } = zoom;
  const metadata = detail ? Object.entries(detail.metadata ?? {}) : [];
  const features = detail?.features ?? [];
  const shownFeatures = showAllFeatures ? features : features.slice(0, FEATURE_PREVIEW);

  return (
    <div className="item-view" data-testid="item-view" role="dialog" aria-label="Item viewer" tabIndex={-1} ref={rootRef}>
      <section className="viewer">
        <div className="viewer-toolbar">
          <div className="toolbar-group">
            <button
              type="button"
              className="button ghost"
              disabled={!canPrev}
              onClick={() => onNavigate(index - 1)}
              title="Previous item (←)"
            >
              ‹ Prev
            </button>
            <button
              type="button"
              className="button ghost"
              disabled={!canNext}
              onClick={() => onNavigate(index + 1)}
              title="Next item (→)"
            >
              Next ›
            </button>
            <span className="viewer-position">
              {formatCount(index + 1)} / {formatCount(total)}
            </span>
          </div>
          {!isText && (
          <div className="toolbar-group zoom-group">
            <button
              type="button"
              className="button ghost icon"
              data-testid="zoom-out"
              onClick={zoom.zoomOut}
              disabled={!natural}
              title="Zoom out (−)"
              aria-label="Zoom out"
            >
              −
            </button>
            <span
              className="zoom-level"
              data-testid="zoom-level"
              data-scale={natural ? view.scale : undefined}
              title={natural ? describeZoom(view.scale) : undefined}
              aria-live="polite"
            >
              {natural ? formatZoom(view.scale) : "—"}
            </span>
            <button
              type="button"
              className="button ghost icon"
              data-testid="zoom-in"
              onClick={zoom.zoomIn}
              disabled={!natural}
              title="Zoom in (+)"
              aria-label="Zoom in"
            >
              +
            </button>
            <button
              type="button"
              className={`button ghost${zoom.fitted ? " pressed" : ""}`}
              data-testid="zoom-fit"
              onClick={zoom.fitToView}
              disabled={!natural}
              title="Fit to view (0)"
            >
              Fit
            </button>
            <button
              type="button"
              className="button ghost"
              onClick={zoom.actualSize}
              disabled={!natural}
              title="Actual size (1)"
            >
              1:1
            </button>
          </div>
          )}
          <div className="toolbar-group">
            <button type="button" className="button ghost" data-testid="item-close" onClick={onClose} title="Close (Esc)">
              Close <kbd>Esc</kbd>
            </button>
          </div>
        </div>
        <div className={`stage${zoom.dragging ? " dragging" : ""}`} ref={stageRef}>
          {rowid !== null && hasMedia && !imageFailed && (
            <img
              key={rowid}
              className="stage-image"
              data-testid="item-image"
              src={ipc.mediaUrl(rowid)}
              alt={summary?.id ?? ""}
              draggable={false}
              onLoad={(e) => {
                const img = e.currentTarget;
                setLoaded({ rowid, size: { width: img.naturalWidth || 1, height: img.naturalHeight || 1 } });
              }}
              onError={() => setFailedRowid(rowid)}
              style={
                natural
                  ? {
                      left: Math.round(view.x),
                      top: Math.round(view.y),
                      width: Math.max(1, Math.round(natural.width * view.scale)),
                      height: Math.max(1, Math.round(natural.height * view.scale)),
                    }
                  : { visibility: "hidden" }
              }
            />
          )}
          {isText && detail?.rowid === rowid && detail.text !== null && (
            <TextStage text={detail.text} highlight={search} testId="item-text" />
          )}
          {isText && !(detail?.rowid === rowid && detail.text !== null) && <div className="stage-note">Loading…</div>}
          {summary && !hasMedia && !isText && <div className="stage-note">This item has no image.</div>}
          {imageFailed && <div className="stage-note">The image could not be loaded.</div>}
          {!summary && !detailError && <div className="stage-note">Loading…</div>}
        </div>
      </section>

      <aside className="item-info">
        <header className="info-header">
          <h2 className="item-id" data-testid="item-id" title={summary?.id}>
            {summary?.id ?? "…"}
          </h2>
          <div className="item-labels">
            {finalLabel !== null && (
              <span className="label-chip final" data-testid="item-final" data-label={finalLabel} title="The decided (final) label">
                <span className="label-chip-kind">Final</span>
                <span className="dot" style={{ background: labelColors.get(finalLabel) ?? FALLBACK_LABEL_COLOR }} aria-hidden="true" />
                {finalLabel}
              </span>
            )}
            <span
              className={`label-chip${label ? "" : " unlabeled"}${finalLabel !== null && finalLabel !== label ? " replaced" : ""}`}
              data-testid="item-label"
              data-label={label ?? ""}
              title={hidden ? "Hidden while the project has gold items" : "The dataset's given label"}
            >
              {finalLabel !== null && <span className="label-chip-kind">Given</span>}
              {label && <span className="dot" style={{ background: labelColor ?? FALLBACK_LABEL_COLOR }} aria-hidden="true" />}
              {label ?? (hidden ? "Label hidden" : "Unlabeled")}
            </span>
          </div>
        </header>

        {detailError && (
          <div className="form-error" role="alert">
            {detailError}
          </div>
        )}

        {summary && hidden && (
          <p className="muted small item-hidden" data-testid="item-labels-hidden">
            This project has gold items, and a gold item’s label is its answer: labels and reviews are shown to reviewers
            and leads. Choose who is working here under “Annotator” (Review, Conflicts or Team).
          </p>
        )}
        {summary && !hidden && <ReviewSection summary={summary} labelColors={labelColors} />}

        {run && rowid !== null && <PredictionSection run={run} rowid={rowid} label={label} />}

        <dl className="props">
          <dt>Path</dt>
          <dd className="mono break" title={detail?.absPath ?? undefined}>
            {detail ? (detail.path ?? "—") : "…"}
          </dd>
          <dt>Size</dt>
          <dd>{width !== null && height !== null ? `${width} × ${height} px` : "—"}</dd>
          <dt>Row</dt>
          <dd className="mono">{rowid ?? "…"}</dd>
        </dl>

        <h3 className="section-title">Metadata</h3>
        <table className="kv-table" data-testid="item-metadata">
          <tbody>
            {metadata.map(([k, v]) => (
              <tr key={k}>
                <th scope="row" title={k}>
                  {k}
                </th>
                <td title={formatJsonValue(v)}>{formatJsonValue(v)}</td>
              </tr>
            ))}
            {detail && metadata.length === 0 && (
              <tr>
                <td colSpan={2} className="muted">
                  No metadata columns.
                </td>
              </tr>
            )}
          </tbody>
        </table>

        <h3 className="section-title">
          Features {detail && <span className="muted">({formatCount(features.length)})</span>}
        </h3>
        <table className="kv-table numeric" data-testid="item-features">
          <tbody>
            {shownFeatures.map(([name, value]) => (
              <tr key={name}>
                <th scope="row" title={name}>
                  {name}
                </th>
                <td>{formatNumber(value)}</td>
              </tr>
            ))}
            {detail && features.length === 0 && (
              <tr>
                <td colSpan={2} className="muted">
                  No features.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {features.length > shownFeatures.length && (
          <button type="button" className="button link" onClick={() => setShowAllFeatures(true)}>
            Show all {formatCount(features.length)} features
          </button>
        )}
      </aside>
    </div>
  );
}

type PredictionState =
  | { status: "loading" }
  | { status: "ok"; prediction: ItemPrediction | null }
  | { status: "error"; message: string };

/** The run's top classes for one item as horizontal bars. */
export function PredictionSection({ run, rowid, label }: { run: RunInfo; rowid: number; label: string | null }) {
  const report = useReportError();
  const [state, setState] = useState<{ key: string; value: PredictionState }>({ key: "", value: { status: "loading" } });
  const key = `${run.run}:${rowid}`;

  useEffect(() => {
    let cancelled = false;
    // Like the detail: a short delay so that holding an arrow key does not queue a request per item.
    const timer = setTimeout(() => {
      ipc
        .itemPrediction(run.run, rowid)
        .then((prediction) => !cancelled && setState({ key, value: { status: "ok", prediction } }))
        .catch((err) => {
          if (cancelled) return;
          const e = normaliseError(err);
          setState({ key, value: { status: "error", message: `${codeTitle(e.code)}: ${e.message}` } });
          if (e.code !== "not_found") report(e, "Loading the prediction");
        });
    }, 60);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key, run.run, rowid, report]);

  const value: PredictionState = state.key === key ? state.value : { status: "loading" };
  const prediction = value.status === "ok" ? value.prediction : null;
  const top = prediction?.top ?? [];
  const labelInTop = label === null || top.some(([c]) => c === label);

  return (
    <section className="prediction-section" data-testid="item-prediction" data-run={run.run}>
      <h3 className="section-title prediction-title">
        <span>Model</span>
        <span className="prediction-run" title={runLabel(run)}>
          Run {run.run} · {run.model}
        </span>
      </h3>
      {value.status === "loading" && <p className="muted small prediction-note">Loading…</p>}
      {value.status === "error" && (
        <div className="form-error" role="alert">
          {value.message}
        </div>
      )}
      {value.status === "ok" && prediction === null && (
        <p className="muted small prediction-note">This run has not predicted this item.</p>
      )}
      {prediction?.error && <PredictionError message={prediction.error} testId="item-prediction-error" />}
      {top.length > 0 && <PredictionBars top={top} predicted={prediction?.predicted ?? null} given={label} givenTag="label" explain />}
      {top.length > 0 && !labelInTop && (
        <p className="muted small prediction-note">
          The given label <strong>{label}</strong> is not among the {top.length} most probable classes.
        </p>
      )}
    </section>
  );
}

type DecisionState = { status: "loading" } | { status: "ok"; decision: DecisionDto } | { status: "error"; message: string };

/**
 * Where the item's review stands: the decision in words (final label, rule, deciders), a flag,
 * and each vote with its reason and note.
 */
export function ReviewSection({ summary, labelColors }: { summary: ItemSummary; labelColors: Map<string, string> }) {
  const report = useReportError();
  const { rowid } = summary;
  // Keyed by what the grid knows of the item, so a refreshed summary reloads the decision.
  const key = `${rowid}:${summary.review}:${summary.finalLabel}:${summary.flagged}`;
  const [state, setState] = useState<{ key: string; value: DecisionState }>({ key: "", value: { status: "loading" } });

  useEffect(() => {
    let cancelled = false;
    const timer = setTimeout(() => {
      ipc
        .getDecision(rowid)
        .then((decision) => !cancelled && setState({ key, value: { status: "ok", decision } }))
        .catch((err) => {
          if (cancelled) return;
          const e = normaliseError(err);
          setState({ key, value: { status: "error", message: `${codeTitle(e.code)}: ${e.message}` } });
          if (e.code !== "not_found") report(e, "Loading the review");
        });
    }, 60);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key, rowid, report]);

  const value: DecisionState = state.key === key ? state.value : { status: "loading" };
  const decision = value.status === "ok" ? value.decision : null;
  const status = cellStatus(summary.review);
  return (
    <section className="item-review" data-testid="item-review" data-status={summary.review ?? ""}>
      <h3 className="section-title item-review-title">
        <span>Review</span>
        {status ? (
          <span className={`review-status ${status}`}>{STATUS_TEXT[status]}</span>
        ) : (
          <span className="review-status none">{summary.flagged ? "Flagged only" : "Not annotated"}</span>
        )}
      </h3>
      {value.status === "error" && (
        <div className="form-error" role="alert">
          {value.message}
        </div>
      )}
      {value.status === "loading" && <p className="muted small">Loading…</p>}
      {decision && (decision.votes.length > 0 || decision.status !== "pending") && (
        <p className="item-decision small" data-testid="item-decision" data-status={decision.status} data-label={decision.label ?? ""}>
          {decisionText(decision)}
          {decision.decidedAt && (
            <span className="muted" title={formatDateTime(decision.decidedAt)}>
              {" "}
              · {formatRelative(decision.decidedAt)}
            </span>
          )}
        </p>
      )}
      {decision?.posterior && decision.posterior.length > 0 && (
        <div className="item-posterior" data-testid="item-posterior">
          <span className="section-title" title="The probability of each label given every annotator's estimated reliability (the Dawid–Skene decision rule)">
            By annotator quality
          </span>
          <PredictionBars
            top={posteriorBars(decision)}
            predicted={decision.status === "decided" ? decision.label : null}
            given={null}
            givenTag=""
            ariaLabel="Posterior probability of each label"
          />
        </div>
      )}
      {summary.flagged && (
        <p className="item-flag small" data-testid="item-flagged">
          <span aria-hidden="true">⚑</span> Flagged unsure or bad input{decision?.status === "decided" ? " — the decided label stands" : ""}.
        </p>
      )}
      {decision && decision.votes.length > 0 && (
        <ul className="item-votes">
          {decision.votes.map((v) => (
            <li key={v.annotation} className="item-vote" data-testid="item-vote" data-annotator={v.annotator} data-label={v.label}>
              <div className="item-vote-head">
                <span className="vote-who">{v.annotator}</span>
                <span className="label-chip">
                  <span className="dot" style={{ background: labelColors.get(v.label) ?? FALLBACK_LABEL_COLOR }} aria-hidden="true" />
                  {v.label}
                </span>
                {voteSourceText(v) && <span className="vote-source">{voteSourceText(v)}</span>}
                {v.reason && <span className="vote-reason">{reasonText(v.reason)}</span>}
                <span className="vote-time muted" title={formatDateTime(v.createdAt)}>
                  {formatRelative(v.createdAt)}
                </span>
              </div>
              {v.note && (
                <div className="item-vote-note" data-testid="item-vote-note">
                  “{v.note}”
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
