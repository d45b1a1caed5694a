/** Asks before an export replaces a file that is already there: Replace, or Keep it. */
import type { ReactNode } from "react";

export function ReplaceConfirm({
  path,
  what = "",
  testId,
  onReplace,
  onKeep,
}: {
  path: string;
  /** What else goes with the file (e.g. its lineage), after "replaces it". */
  what?: ReactNode;
  testId: string;
  onReplace: () => void;
  onKeep: () => void;
}) {
  return (
    <div className="notice warn flat export-replace" role="alertdialog" aria-label="Replace the file?" data-testid={testId}>
      <div className="notice-body">
        <strong>Replace the existing file?</strong>
        <p className="small">
          <span className="mono break">{path}</span> is already there. Exporting replaces it{what}.
        </p>
        <div className="export-actions">
          <button type="button" className="button danger" data-testid={`${testId}-confirm`} autoFocus onClick={onReplace}>
            Replace
          </button>
          <button type="button" className="button" data-testid={`${testId}-cancel`} onClick={onKeep}>
            Keep it
          </button>
        </div>
      </div>
    </div>
  );
}
