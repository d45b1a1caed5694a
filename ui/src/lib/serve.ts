/** "Label in a browser" (Team screen): a QR code's drawing, the access list grouped by person. */

// uqr: a small QR encoder with no side effects on load. (The `qrcode` package assigns `toString`
// on its modules' exports, which the desktop app's frozen Object.prototype refuses.)
import { encode as qrEncode } from "uqr";
import type { AccessDto } from "../bindings/AccessDto";

/** The address the app's server binds by default: every network of this computer. */
export const DEFAULT_BIND = "0.0.0.0:8765";

/** How long an invitation lasts by default. */
export const DEFAULT_EXPIRES = "7d";

/**
 * A QR code of `text` as one SVG path of unit squares (with a 4-module quiet zone): `size` is the
 * drawing's width and height in modules, `path` its `d`.
 */
export function qrDrawing(text: string): { size: number; path: string } {
  const { data } = qrEncode(text, { ecc: "M", border: 0 });
  const n = data.length;
  const quiet = 4;
  let path = "";
  for (let row = 0; row < n; row++) {
    const line = data[row] ?? [];
    let col = 0;
    while (col < n) {
      if (!line[col]) {
        col++;
        continue;
      }
      // One horizontal run of dark modules: a single rectangle.
      let end = col;
      while (end < n && line[end]) end++;
      path += `M${col + quiet} ${row + quiet}h${end - col}v1h${col - end}z`;
      col = end;
    }
  }
  return { size: n + 2 * quiet, path };
}

/** What a row of the access list is: an invitation (its sign-in link / token) or a browser session. */
export function accessWhat(kind: string): string {
  return kind === "session" ? "Browser session" : "Invitation";
}

/** One person of the access list: their invitations and sessions, newest first. */
export interface PersonAccess {
  annotator: string;
  rows: AccessDto[];
  /** Something of theirs still works (Revoke ends it). */
  active: number;
}

/** The access list by person (alphabetical), each person's rows newest first. */
export function accessByPerson(list: readonly AccessDto[]): PersonAccess[] {
  const people = new Map<string, AccessDto[]>();
  for (const a of list) {
    const rows = people.get(a.annotator) ?? [];
    rows.push(a);
    people.set(a.annotator, rows);
  }
  return [...people.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([annotator, rows]) => ({
      annotator,
      rows: [...rows].sort((x, y) => y.createdAt.localeCompare(x.createdAt)),
      active: rows.filter((r) => r.status === "active").length,
    }));
}

/** "ana's invitation and session end" — what Revoke will do, asked before it does. */
export function revokeQuestion(p: PersonAccess): string {
  const invites = p.rows.filter((r) => r.status === "active" && r.kind !== "session").length;
  const sessions = p.rows.filter((r) => r.status === "active" && r.kind === "session").length;
  const parts: string[] = [];
  if (invites) parts.push(invites === 1 ? "1 invitation" : `${invites} invitations`);
  if (sessions) parts.push(sessions === 1 ? "1 browser session" : `${sessions} browser sessions`);
  const what = parts.length ? parts.join(" and ") : "nothing active";
  return `Revoke ${p.annotator}’s access? This ends ${what}: their links and tokens stop working and open tabs are signed out.`;
}
