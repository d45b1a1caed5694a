import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import type { IpcError } from "../bindings/IpcError";
import { codeTitle, normaliseError } from "../lib/ipcError";

interface BannerError extends IpcError {
  context: string | null;
  repeat: number;
}

type Report = (error: unknown, context?: string) => void;

const ReportContext = createContext<Report>(() => {});
const ClearContext = createContext<() => void>(() => {});

/** Reports an unexpected IPC error to the app-wide, dismissible error banner. */
export function useReportError(): Report {
  return useContext(ReportContext);
}

/** Takes the banner down (e.g. once a project opened, an earlier failure to open one is moot). */
export function useClearError(): () => void {
  return useContext(ClearContext);
}

export function ErrorProvider({ children }: { children: ReactNode }) {
  const [error, setError] = useState<BannerError | null>(null);
  const report = useCallback<Report>((raw, context) => {
    const e = normaliseError(raw);
    setError((prev) =>
      prev && prev.code === e.code && prev.message === e.message && prev.context === (context ?? null)
        ? { ...prev, repeat: prev.repeat + 1 }
        : { ...e, context: context ?? null, repeat: 1 },
    );
  }, []);
  const value = useMemo(() => report, [report]);
  const clear = useCallback(() => setError(null), []);
  return (
    <ReportContext.Provider value={value}>
      <ClearContext.Provider value={clear}>
        {children}
        {error && <ErrorBanner error={error} onDismiss={clear} />}
      </ClearContext.Provider>
    </ReportContext.Provider>
  );
}

function ErrorBanner({ error, onDismiss }: { error: BannerError; onDismiss: () => void }) {
  return (
    <div className="error-banner" role="alert" data-testid="error-banner" data-code={error.code}>
      <span className="error-banner-icon" aria-hidden="true">
        !
      </span>
      <div className="error-banner-text">
        <strong>
          {error.context ? `${error.context}: ` : ""}
          {codeTitle(error.code)}
          {error.repeat > 1 ? ` (×${error.repeat})` : ""}
        </strong>
        <span className="error-banner-message">{error.message}</span>
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss error" title="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
