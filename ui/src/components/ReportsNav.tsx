import { lazy, Suspense } from "react";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { DESKTOP_ONLY_WHY } from "./DesktopOnly";
import { ProjectNav } from "./ProjectNav";
import { ScreenErrorBoundary } from "./ScreenErrorBoundary";

// Loaded on first use: the dashboard brings ECharts, which the item grid does not need.
const DashboardScreen = lazy(() => import("../screens/DashboardScreen").then((m) => ({ default: m.DashboardScreen })));
const CompareScreen = lazy(() => import("../screens/CompareScreen").then((m) => ({ default: m.CompareScreen })));
const DriftScreen = lazy(() => import("../screens/DriftScreen").then((m) => ({ default: m.DriftScreen })));
const ExportScreen = lazy(() => import("../screens/ExportScreen").then((m) => ({ default: m.ExportScreen })));

const BUTTONS = [
  { view: "dashboard", text: "Dashboard", testId: "dashboard-button" },
  { view: "compare", text: "Compare", testId: "compare-button" },
  { view: "drift", text: "Drift", testId: "drift-button" },
  { view: "export", text: "Export…", testId: "export-button", desktopOnly: DESKTOP_ONLY_WHY.export },
] as const;

interface Props {
  project: ProjectInfo;
  /** The dataset version shown in the grid (the export preselects it). */
  versionId: number | null;
}

/** The project header's Dashboard, Compare, Drift and Export buttons, and the screens they open. */
export function ReportsNav({ project, versionId }: Props) {
  return (
    <ProjectNav buttons={BUTTONS} overlayClass="report-overlay">
      {(view, { show, close }) => (
        <ScreenErrorBoundary
          key={view}
          what={view === "dashboard" ? "The dashboard" : view === "compare" ? "The compare screen" : view === "drift" ? "The drift screen" : "The export screen"}
          onBack={close}
        >
          <Suspense fallback={<div className="dash-loading muted">Loading…</div>}>
            {view === "dashboard" ? (
              <DashboardScreen project={project} onBack={close} onExport={() => show("export")} />
            ) : view === "compare" ? (
              <CompareScreen project={project} onBack={close} />
            ) : view === "drift" ? (
              <DriftScreen project={project} onBack={close} />
            ) : (
              <ExportScreen project={project} versionId={versionId} onBack={close} onDashboard={() => show("dashboard")} />
            )}
          </Suspense>
        </ScreenErrorBoundary>
      )}
    </ProjectNav>
  );
}
