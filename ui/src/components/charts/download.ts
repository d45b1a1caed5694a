/**
 * Saving what a chart shows: a download link (`a.download`). Tauri's webview saves such downloads
 * to the user's Downloads folder (browsers do the same, or ask); CSV is also copied to the
 * clipboard as a fallback where a download does not go through.
 */
import type { EChartsType } from "./echarts";

function clickLink(href: string, filename: string) {
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** Downloads `text` as `filename` and copies it to the clipboard; whether the copy worked. */
export async function saveCsv(filename: string, text: string): Promise<boolean> {
  // A BOM so that spreadsheet programs read UTF-8 names correctly.
  const url = URL.createObjectURL(new Blob(["\ufeff", text], { type: "text/csv;charset=utf-8" }));
  clickLink(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("image"));
    img.src = src;
  });
}

/**
 * The chart as a PNG data URL (2× pixel ratio, white background) with `title` (and `subtitle`)
 * drawn above it, since the card's heading is HTML and not part of the canvas.
 */
export async function chartPng(chart: EChartsType, title: string, subtitle?: string): Promise<string> {
  const ratio = 2;
  const plain = chart.getDataURL({ type: "png", pixelRatio: ratio, backgroundColor: "#ffffff" });
  try {
    const img = await loadImage(plain);
    const pad = 12 * ratio;
    const head = (subtitle ? 44 : 28) * ratio;
    const canvas = document.createElement("canvas");
    canvas.width = img.width + 2 * pad;
    canvas.height = img.height + head + 2 * pad;
    const ctx = canvas.getContext("2d");
    if (!ctx) return plain;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const font = getComputedStyle(document.documentElement).getPropertyValue("--font") || "sans-serif";
    ctx.fillStyle = "#1b1f24";
    ctx.textBaseline = "top";
    ctx.font = `600 ${14 * ratio}px ${font}`;
    ctx.fillText(title, pad, pad);
    if (subtitle) {
      ctx.fillStyle = "#656d76";
      ctx.font = `${12 * ratio}px ${font}`;
      ctx.fillText(subtitle, pad, pad + 20 * ratio);
    }
    ctx.drawImage(img, pad, pad + head);
    return canvas.toDataURL("image/png");
  } catch {
    return plain;
  }
}

export function savePng(filename: string, dataUrl: string) {
  clickLink(dataUrl, filename);
}
