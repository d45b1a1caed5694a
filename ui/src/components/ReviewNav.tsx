import { useEffect, useRef, useState } from "react";
import { createPortal } from "react-dom";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import { ConflictsScreen } from "../screens/ConflictsScreen";
import { ReviewScreen } from "../screens/ReviewScreen";

type View = "review" | "conflicts";

/**
 * The project header's Review and Conflicts buttons, and the two screens they open over the
 * project screen (which stays mounted underneath, so the grid is as it was on return).
 */
export function ReviewNav({ project, onClosed }: { project: ProjectInfo; onClosed?: () => void }) {
  const [view, setView] = useState<View | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const overlay = useRef<HTMLDivElement>(null);

  const open = (v: View) => (e: { currentTarget: HTMLElement }) => {
    opener.current = e.currentTarget;
    setView(v);
  };
  const close = () => {
    setView(null);
    onClosed?.();
    requestAnimationFrame(() => opener.current?.focus());
  };

  useEffect(() => {
    if (view) overlay.current?.querySelector<HTMLElement>(".review-screen")?.focus({ preventScroll: true });
  }, [view]);

  return (
    <>
      <button type="button" className="button" data-testid="review-button" onClick={open("review")}>
        Review
      </button>
      <button type="button" className="button" data-testid="conflicts-button" onClick={open("conflicts")}>
        Conflicts
      </button>
      {view &&
        createPortal(
          <div className="review-overlay" ref={overlay}>
            {view === "review" ? (
              <ReviewScreen project={project} onExit={close} onOpenConflicts={() => setView("conflicts")} />
            ) : (
              <ConflictsScreen project={project} onExit={close} onOpenReview={() => setView("review")} />
            )}
          </div>,
          document.body,
        )}
    </>
  );
}
