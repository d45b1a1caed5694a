import { useEffect, useRef, useState, type ReactNode } from "react";
import { fileStem } from "../../lib/chartCsv";
import { chartPng, saveCsv, savePng } from "./download";
import { EChart } from "./EChart";
import type { EChartsType } from "./echarts";
import type { ChartOption } from "./types";

interface Props {
  title: string;
  /** One line under the title (also drawn into the PNG when `pngSubtitle` is not given). */
  subtitle?: string;
  pngSubtitle?: string;
  testId: string;
  /** Builds the CSV (on click); null = nothing to export. */
  csv: (() => string) | null;
  /** The chart; null shows `empty` instead. Leave undefined for a card without a chart. */
  option?: ChartOption | null;
  height?: number;
  empty?: ReactNode;
  /** Controls next to the title (e.g. a scope select). */
  controls?: ReactNode;
  /** Content of a card without a chart, or notes under the chart. */
  children?: ReactNode;
  className?: string;
  /** Extra attributes for the card (e.g. data-alpha). */
  data?: Record<`data-${string}`, string>;
}

/** A dashboard card: heading, CSV/PNG export buttons, a chart (or other content). */
export function ChartCard({
  title,
  subtitle,
  pngSubtitle,
  testId,
  csv,
  option,
  height = 240,
  empty,
  controls,
  children,
  className,
  data,
}: Props) {
  const chartRef = useRef<EChartsType | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const hasChart = option !== undefined;
  const stem = fileStem(title);

  useEffect(() => {
    if (!status) return;
    const t = setTimeout(() => setStatus(null), 5000);
    return () => clearTimeout(t);
  }, [status]);

  const onCsv = async () => {
    if (!csv) return;
    const copied = await saveCsv(`${stem}.csv`, csv());
    setStatus(`Saved ${stem}.csv to Downloads${copied ? " · copied to the clipboard" : ""}`);
  };
  const onPng = async () => {
    const chart = chartRef.current;
    if (!chart) return;
    savePng(`${stem}.png`, await chartPng(chart, title, pngSubtitle ?? subtitle));
    setStatus(`Saved ${stem}.png to Downloads`);
  };

  return (
    <section className={`dash-card${className ? ` ${className}` : ""}`} data-testid={testId} {...data}>
      <header className="dash-card-head">
        <div className="dash-card-titles">
          <h3>{title}</h3>
          {subtitle && <p className="dash-card-sub">{subtitle}</p>}
        </div>
        {controls}
        <div className="dash-card-actions">
          {status && (
            <span className="dash-card-status" role="status">
              {status}
            </span>
          )}
          <button
            type="button"
            className="button small ghost"
            data-testid="chart-csv"
            disabled={!csv}
            onClick={() => void onCsv()}
            title="Download the data as CSV (also copied to the clipboard)"
          >
            CSV
          </button>
          {hasChart && (
            <button
              type="button"
              className="button small ghost"
              data-testid="chart-png"
              disabled={!option}
              onClick={() => void onPng()}
              title="Download the chart as a PNG image"
            >
              PNG
            </button>
          )}
        </div>
      </header>
      {hasChart &&
        (option ? (
          <EChart option={option} height={height} label={title} chartRef={chartRef} />
        ) : (
          <div className="dash-empty" style={{ minHeight: Math.min(height, 160) }}>
            {empty ?? "No data yet."}
          </div>
        ))}
      {children}
    </section>
  );
}
