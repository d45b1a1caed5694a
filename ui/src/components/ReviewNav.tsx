import type { ProjectInfo } from "../bindings/ProjectInfo";
import { ConflictsScreen } from "../screens/ConflictsScreen";
import { ReviewScreen } from "../screens/ReviewScreen";
import { ProjectNav } from "./ProjectNav";

const BUTTONS = [
  { view: "review", text: "Review", testId: "review-button" },
  { view: "conflicts", text: "Conflicts", testId: "conflicts-button" },
] as const;

/** The project header's Review and Conflicts buttons, and the two screens they open. */
export function ReviewNav({ project, onClosed }: { project: ProjectInfo; onClosed?: () => void }) {
  return (
    <ProjectNav buttons={BUTTONS} overlayClass="review-overlay" focusInside=".review-screen" onClosed={onClosed}>
      {(view, { show, close }) =>
        view === "review" ? (
          <ReviewScreen project={project} onExit={close} onOpenConflicts={() => show("conflicts")} />
        ) : (
          <ConflictsScreen project={project} onExit={close} onOpenReview={() => show("review")} />
        )
      }
    </ProjectNav>
  );
}
