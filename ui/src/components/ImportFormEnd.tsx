/** The end of an import dialog's form: why nothing was imported (if so), Cancel and Import. */

export interface ImportFailure {
  title: string;
  message: string;
}

interface Props {
  error: ImportFailure | null;
  busy: boolean;
  onClose: () => void;
  /** Prefix of the test ids: `${testId}-error`, `${testId}-submit`. */
  testId: string;
}

export function ImportFormEnd({ error, busy, onClose, testId }: Props) {
  return (
    <>
      {error && (
        <div className="form-error" role="alert">
          <strong>{error.title}</strong>
          <pre className="error-message" data-testid={`${testId}-error`}>
            {error.message}
          </pre>
        </div>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button primary" data-testid={`${testId}-submit`} disabled={busy}>
          {busy ? "Checking and importing…" : "Import"}
        </button>
      </div>
    </>
  );
}
