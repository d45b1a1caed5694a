import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { ScreenErrorBoundary } from "./ScreenErrorBoundary";

// Loaded on first use: the dashboard brings ECharts, which the item grid does not need.
const DashboardScreen = lazy(() => import("../screens/DashboardScreen").then((m) => ({ default: m.DashboardScreen })));
const ExportScreen = lazy(() => import("../screens/ExportScreen").then((m) => ({ default: m.ExportScreen })));

type View = "dashboard" | "export";

interface Props {
  project: ProjectInfo;
  /** The dataset version shown in the grid (the export preselects it). */
  versionId: number | null;
}

/**
 * The project header's Dashboard and Export buttons, and the two screens they open over the
 * project screen (which stays mounted underneath, so the grid is as it was on return).
 */
export function ReportsNav({ project, versionId }: Props) {
  const [view, setView] = useState<View | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const overlay = useRef<HTMLDivElement>(null);

  const open = (v: View) => (e: { currentTarget: HTMLElement }) => {
    opener.current = e.currentTarget;
    setView(v);
  };
  const close = () => {
    setView(null);
    requestAnimationFrame(() => opener.current?.focus());
  };

  useEffect(() => {
    if (view) overlay.current?.focus();
  }, [view]);

  return (
    <>
      <button type="button" className="button" data-testid="dashboard-button" onClick={open("dashboard")}>
        Dashboard
      </button>
      <button type="button" className="button" data-testid="export-button" onClick={open("export")}>
        Export…
      </button>
      {view &&
        createPortal(
          <div className="report-overlay" ref={overlay} tabIndex={-1}>
            <ScreenErrorBoundary key={view} what={view === "dashboard" ? "The dashboard" : "The export screen"} onBack={close}>
              <Suspense fallback={<div className="dash-loading muted">Loading…</div>}>
                {view === "dashboard" ? (
                  <DashboardScreen project={project} onBack={close} onExport={() => setView("export")} />
                ) : (
                  <ExportScreen project={project} versionId={versionId} onBack={close} onDashboard={() => setView("dashboard")} />
                )}
              </Suspense>
            </ScreenErrorBoundary>
          </div>,
          document.body,
        )}
    </>
  );
}
