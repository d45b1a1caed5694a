/** A backend error in a form or panel: its code's title (after `prefix`, if any) and its message. */
import type { IpcError } from "../bindings/IpcError";
import { codeTitle } from "../lib/ipcError";

export function IpcErrorBox({ error, testId, prefix = "" }: { error: IpcError; testId: string; prefix?: string }) {
  return (
    <div className="form-error" role="alert" data-testid={testId} data-code={error.code}>
      <strong>
        {prefix}
        {codeTitle(error.code)}
      </strong>
      <pre className="error-message">{error.message}</pre>
    </div>
  );
}
