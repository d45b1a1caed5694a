import { describe, expect, it } from "vitest";
import { ERROR_CODES, codeTitle, isIpcError, normaliseError } from "./ipcError";

describe("normaliseError", () => {
  it("passes a conforming {code, message} through", () => {
    for (const code of ERROR_CODES) {
      expect(normaliseError({ code, message: `m-${code}` })).toEqual({ code, message: `m-${code}` });
    }
  });

  it("drops extra fields", () => {
    expect(normaliseError({ code: "io", message: "x", detail: 1 })).toEqual({ code: "io", message: "x" });
  });

  it("turns a plain string rejection (as Tauri itself sends) into internal", () => {
    expect(normaliseError("command foo not found")).toEqual({ code: "internal", message: "command foo not found" });
  });

  it("turns Error objects into internal with their message", () => {
    expect(normaliseError(new TypeError("boom"))).toEqual({ code: "internal", message: "boom" });
  });

  it("treats an unknown code as non-conforming but keeps the message", () => {
    expect(normaliseError({ code: "teapot", message: "short and stout" })).toEqual({
      code: "internal",
      message: "short and stout",
    });
  });

  it("treats a non-string message as non-conforming", () => {
    const e = normaliseError({ code: "io", message: 42 });
    expect(e.code).toBe("internal");
    expect(e.message).toContain("42");
  });

  it("handles null, undefined, numbers and message-less objects", () => {
    expect(normaliseError(undefined)).toEqual({ code: "internal", message: "Unknown error" });
    expect(normaliseError(null)).toEqual({ code: "internal", message: "null" });
    expect(normaliseError(7)).toEqual({ code: "internal", message: "7" });
    expect(normaliseError({ foo: "bar" })).toEqual({ code: "internal", message: '{"foo":"bar"}' });
  });

  it("is idempotent", () => {
    const once = normaliseError("x");
    expect(normaliseError(once)).toEqual(once);
  });
});

describe("isIpcError / codeTitle", () => {
  it("recognises only conforming errors", () => {
    expect(isIpcError({ code: "not_found", message: "" })).toBe(true);
    expect(isIpcError({ code: "nope", message: "" })).toBe(false);
    expect(isIpcError("not_found")).toBe(false);
  });

  it("has a title for every code", () => {
    for (const code of ERROR_CODES) expect(codeTitle(code).length).toBeGreaterThan(0);
  });
});
