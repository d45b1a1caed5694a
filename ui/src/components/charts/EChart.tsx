import { useEffect, useRef, type MutableRefObject } from "react";
import { init, type EChartsType } from "./echarts";
import type { ChartOption } from "./types";

interface Props {
  option: ChartOption;
  height: number;
  /** Accessible description of the chart. */
  label: string;
  /** Receives the ECharts instance (for the PNG export). */
  chartRef?: MutableRefObject<EChartsType | null>;
}

/** One ECharts instance on a canvas, resized with its box, replaced option on every change. */
export function EChart({ option, height, label, chartRef }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<EChartsType | null>(null);
  const optionRef = useRef(option);
  optionRef.current = option;

  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const instance = init(node, undefined, { renderer: "canvas" });
    instance.setOption(optionRef.current, { notMerge: true });
    chart.current = instance;
    if (chartRef) chartRef.current = instance;
    let frame = 0;
    const observer =
      typeof ResizeObserver === "undefined"
        ? null
        : new ResizeObserver(() => {
            cancelAnimationFrame(frame);
            frame = requestAnimationFrame(() => instance.resize());
          });
    observer?.observe(node);
    return () => {
      cancelAnimationFrame(frame);
      observer?.disconnect();
      instance.dispose();
      chart.current = null;
      if (chartRef && chartRef.current === instance) chartRef.current = null;
    };
  }, [chartRef]);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={el} className="echart" style={{ height }} role="img" aria-label={label} />;
}
