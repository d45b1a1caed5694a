import type { ErrorCode } from "../bindings/ErrorCode";
import type { IpcError } from "../bindings/IpcError";

export const ERROR_CODES: readonly ErrorCode[] = [
  "no_project",
  "not_found",
  "invalid_input",
  "newer_schema",
  "project_locked",
  "read_only",
  "runtime",
  "io",
  "cancelled",
  "unauthorized",
  "forbidden",
  "rate_limited",
  "desktop_only",
  "below_target",
  "internal",
];

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && CODE_SET.has(value);
}

/** True for a value that already conforms to the contract's `IpcError`. */
export function isIpcError(value: unknown): value is IpcError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { code?: unknown; message?: unknown };
  return isErrorCode(v.code) && typeof v.message === "string";
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof Error) return value.message || value.name;
  if (typeof value === "object" && value !== null) {
    const msg = (value as { message?: unknown }).message;
    if (typeof msg === "string") return msg;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  if (value === undefined) return "Unknown error";
  return String(value);
}

/**
 * Turns anything an `invoke` can reject with into an `IpcError`.
 * A conforming `{code, message}` passes through unchanged (extra fields dropped);
 * everything else (plain strings from Tauri itself, `Error`s, unknown codes, ...)
 * becomes code `"internal"` with the best message we can find.
 */
export function normaliseError(value: unknown): IpcError {
  if (isIpcError(value)) return { code: value.code, message: value.message };
  return { code: "internal", message: describe(value) };
}

/** Human-readable context for an error code; the backend's message is always shown too. */
export function codeTitle(code: ErrorCode): string {
  switch (code) {
    case "no_project":
      return "No project is open";
    case "not_found":
      return "Not found";
    case "invalid_input":
      return "Invalid input";
    case "newer_schema":
      return "This project was created by a newer version of Arbiter";
    case "project_locked":
      return "This project is already open in another Arbiter window";
    case "read_only":
      return "This project cannot be changed here";
    case "runtime":
      return "ONNX Runtime cannot be used";
    case "io":
      return "File system error";
    case "cancelled":
      return "Cancelled";
    case "below_target":
      return "The agreement target is not met";
    case "unauthorized":
      return "Not signed in";
    case "forbidden":
      return "Not allowed for your role";
    case "rate_limited":
      return "Too many failed sign-ins from this address";
    case "desktop_only":
      return "Available in the desktop app only";
    case "internal":
      return "Unexpected error";
  }
}
