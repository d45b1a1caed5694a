import { lazy, Suspense } from "react";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { DESKTOP_ONLY_WHY } from "./DesktopOnly";
import { ProjectNav } from "./ProjectNav";
import { ScreenErrorBoundary } from "./ScreenErrorBoundary";
import type { SharedFolder } from "./useSharedFolder";

const TeamScreen = lazy(() => import("../screens/TeamScreen").then((m) => ({ default: m.TeamScreen })));

/** The button says so when the shared folder's last sync failed or refused a pack. */
function buttons(shared: SharedFolder) {
  const last = shared.last;
  const trouble = last?.kind === "failed" || (last?.kind === "done" && last.result.refused.length > 0);
  return [{ view: "team", text: trouble ? "Team ⚠" : "Team", testId: "team-button", desktopOnly: DESKTOP_ONLY_WHY.team }] as const;
}

interface Props {
  project: ProjectInfo;
  shared: SharedFolder;
  /** Events were imported: the grid and the lists read the project again. */
  onChanged: () => void;
}

/** The project header's Team button and the screen it opens (copies of the project, packs). */
export function TeamNav({ project, shared, onChanged }: Props) {
  return (
    <ProjectNav buttons={buttons(shared)} overlayClass="report-overlay" onClosed={onChanged}>
      {(_view, { close }) => (
        <ScreenErrorBoundary what="The team screen" onBack={close}>
          <Suspense fallback={<div className="dash-loading muted">Loading…</div>}>
            <TeamScreen project={project} shared={shared} onBack={close} onChanged={onChanged} />
          </Suspense>
        </ScreenErrorBoundary>
      )}
    </ProjectNav>
  );
}
