import { useState, type ReactNode } from "react";
import { useDesktop } from "../session";

/** What to say when a browser on `arbiter serve` reaches for something only the desktop app does. */
export const DESKTOP_ONLY_WHY = {
  import: "Importing a dataset reads files on the machine that holds the project: use the Arbiter desktop app there.",
  addModel: "Registering a model reads its file on the machine that holds the project: use the Arbiter desktop app there.",
  importPredictions:
    "Importing predictions reads a file on the machine that holds the project: use the Arbiter desktop app there, or `arbiter predictions import`.",
  importLabelStudio:
    "Importing a Label Studio export reads files on the machine that holds the project: use the Arbiter desktop app there, or `arbiter import-labelstudio`.",
  run: "Models run in the Arbiter desktop app, on the machine that holds the project.",
  export: "Exports are written on the machine that holds the project: use the Arbiter desktop app there (or arbiter export).",
  team: "Copies of the project, event packs, the shared folder and labeling in a browser (the server, invitations) are managed in the Arbiter desktop app.",
} as const;

interface Props {
  /** The button as the desktop app shows it. */
  children: ReactNode;
  /** Its look and test id over HTTP, where it explains instead of acting. */
  className: string;
  testId: string;
  label: ReactNode;
  why: string;
}

/**
 * In the desktop app, `children`. In a browser on `arbiter serve`, a dimmed button with the same
 * label that, when clicked, says why it needs the desktop app (no request, no error).
 */
export function DesktopOnly({ children, className, testId, label, why }: Props) {
  const desktop = useDesktop();
  const [open, setOpen] = useState(false);
  if (desktop) return <>{children}</>;
  return (
    <span className="desktop-only">
      <button
        type="button"
        className={`${className} desktop-only-button`}
        data-testid={testId}
        data-desktop-only="true"
        aria-disabled="true"
        aria-expanded={open}
        title={why}
        onClick={() => setOpen((o) => !o)}
        onBlur={() => setOpen(false)}
      >
        {label}
      </button>
      {open && (
        <span className="desktop-only-note" role="note" data-testid="desktop-only-note">
          <strong>Desktop app only.</strong> {why}
        </span>
      )}
    </span>
  );
}
