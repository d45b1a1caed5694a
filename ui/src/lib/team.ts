/** The Team screen's words and numbers: replica ids, pack sizes, an import's preview, a sync. */

import type { FolderSyncDto } from "../bindings/FolderSyncDto";
import type { PackImported } from "../bindings/PackImported";
import type { SharedFolderSetting } from "../bindings/SharedFolderSetting";
import { formatCount, plural } from "./format";

/**
 * A replica id shortened to its first 8 and last 4 characters ("01a249e8…0bf02"): a UUIDv7 starts
 * with its time, so copies made the same day share the start; the end is random.
 */
export function shortReplica(id: string): string {
  return id.length <= 14 ? id : `${id.slice(0, 8)}…${id.slice(-4)}`;
}

/** "812 B", "14.2 KB", "3.1 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${formatCount(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** The file name a pack export suggests: the project's name and this copy's short id. */
export function suggestedPackName(project: string, replica: string): string {
  const safe = project.replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^-+|-+$/g, "") || "project";
  const id = replica.length <= 14 ? replica : `${replica.slice(0, 8)}-${replica.slice(-4)}`;
  return `${safe}-${id}.pack`;
}

/** The last part of a path ("/a/b/c.pack" → "c.pack"). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** One row of the import preview (or result) table: what a pack adds. */
export interface PackRow {
  label: string;
  value: string;
  /** Worth a look: new conflicts, renamed queues, events waiting. */
  notice?: boolean;
}

export function packRows(p: PackImported): PackRow[] {
  const rows: PackRow[] = [
    { label: "New events", value: formatCount(p.eventsAdded) },
    { label: "Already here", value: formatCount(p.eventsKnown) },
    { label: "Annotators added", value: formatCount(p.annotatorsAdded) },
    { label: "Queues added", value: formatCount(p.queuesAdded) },
    { label: "Runs added", value: formatCount(p.runsAdded) },
    { label: "Settings changed", value: formatCount(p.settingsAdded) },
    {
      label: "Conflicts",
      value:
        p.conflictsBefore === p.conflictsAfter
          ? `${formatCount(p.conflictsAfter)} (unchanged)`
          : `${formatCount(p.conflictsBefore)} → ${formatCount(p.conflictsAfter)}`,
      notice: p.conflictsAfter > p.conflictsBefore,
    },
  ];
  if (p.renamedQueues.length > 0) {
    rows.push({ label: "Queues renamed", value: p.renamedQueues.join(", "), notice: true });
  }
  if (p.pending > 0) {
    rows.push({ label: "Waiting for other events", value: formatCount(p.pending), notice: true });
  }
  return rows;
}

/** Whether a preview has anything to import. */
export function anythingNew(packs: readonly PackImported[]): boolean {
  return packs.some((p) => p.eventsAdded > 0);
}

/** "2 packs imported (31 new events), 1 refused; wrote a pack of 4 events." */
export function syncSummary(s: FolderSyncDto): string {
  const added = s.imported.reduce((n, p) => n + p.eventsAdded, 0);
  const parts: string[] = [];
  parts.push(
    s.imported.length === 0
      ? "Nothing new from the others"
      : `${plural(s.imported.length, "pack")} imported (${plural(added, "new event")})`,
  );
  if (s.refused.length > 0) parts.push(`${formatCount(s.refused.length)} refused`);
  const wrote = s.written ? `wrote a pack of ${plural(s.writtenEvents, "event")}` : "nothing new to write";
  return `${parts.join(", ")}; ${wrote}.`;
}

/** Whether a sync changed this copy (the other screens then read the project again). */
export function syncChanged(s: FolderSyncDto): boolean {
  return s.imported.some((p) => p.eventsAdded > 0);
}

/** The interval field: "" or "0" is off; else whole minutes from 1 to a day. */
export function parseEveryMinutes(text: string): { value: number } | { error: string } {
  const t = text.trim();
  if (t === "" || t === "0") return { value: 0 };
  if (!/^\d+$/.test(t)) return { error: "Whole minutes, or empty for never" };
  const n = Number(t);
  if (n < 1 || n > 1440) return { error: "From 1 to 1,440 minutes (a day)" };
  return { value: n };
}

/** "Syncs when the project opens and every 5 minutes", or what it does not do. */
export function scheduleText(s: SharedFolderSetting): string {
  if (!s.dir) return "No shared folder on this computer.";
  const when: string[] = [];
  if (s.onOpen) when.push("when the project opens");
  if (s.everyMinutes > 0) when.push(`every ${plural(s.everyMinutes, "minute")}`);
  return when.length === 0 ? "Syncs only when you press Sync now." : `Syncs ${when.join(" and ")}, and when you press Sync now.`;
}
