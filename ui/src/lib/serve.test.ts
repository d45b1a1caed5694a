import { describe, expect, it } from "vitest";
import type { AccessDto } from "../bindings/AccessDto";
import { accessByPerson, accessWhat, qrDrawing, revokeQuestion } from "./serve";

const access = (over: Partial<AccessDto> = {}): AccessDto => ({
  annotator: "ana",
  role: "annotator",
  kind: "invite",
  createdAt: "2026-12-06T08:00:00Z",
  expiresAt: "2026-12-13T08:00:00Z",
  status: "active",
  signedInAt: null,
  lastUsedAt: null,
  ...over,
});

describe("qrDrawing", () => {
  it("draws a version-sized square with its quiet zone and the three finder patterns", () => {
    const { size, path } = qrDrawing("http://192.168.1.20:8765/signin#token=arb_abc");
    // Versions are 21, 25, 29… modules wide; 4 modules of quiet zone each side.
    expect((size - 8 - 21) % 4).toBe(0);
    // The top-left finder pattern's first row is 7 dark modules, inside the quiet zone.
    expect(path.startsWith("M4 4h7v1h-7z")).toBe(true);
    expect(path).toMatch(new RegExp(`M${size - 4 - 7} 4h7v1h-7z`));
  });

  it("differs for different text", () => {
    expect(qrDrawing("http://a:8765").path).not.toBe(qrDrawing("http://b:8765").path);
  });
});

describe("access list", () => {
  it("groups by person, newest first, and counts what still works", () => {
    const people = accessByPerson([
      access({ annotator: "ben", status: "revoked" }),
      access({ kind: "invite", createdAt: "2026-12-06T08:00:00Z" }),
      access({ kind: "session", createdAt: "2026-12-06T09:00:00Z", signedInAt: "2026-12-06T09:00:00Z" }),
    ]);
    expect(people.map((p) => [p.annotator, p.active])).toEqual([
      ["ana", 2],
      ["ben", 0],
    ]);
    expect(people[0]!.rows.map((r) => r.kind)).toEqual(["session", "invite"]);
    expect(accessWhat("session")).toBe("Browser session");
    expect(accessWhat("invite")).toBe("Invitation");
  });

  it("asks what a revocation ends", () => {
    const [ana] = accessByPerson([access(), access({ kind: "session" }), access({ kind: "session" }), access({ status: "expired" })]);
    expect(revokeQuestion(ana!)).toContain("This ends 1 invitation and 2 browser sessions");
  });
});
