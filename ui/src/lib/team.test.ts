import { describe, expect, it } from "vitest";
import type { PackImported } from "../bindings/PackImported";
import {
  anythingNew,
  baseName,
  formatBytes,
  packRows,
  parseEveryMinutes,
  scheduleText,
  shortReplica,
  suggestedPackName,
  syncChanged,
  syncSummary,
} from "./team";

export const pack = (over: Partial<PackImported> = {}): PackImported => ({
  file: "/packs/b.pack",
  sourceReplica: "01a249db-e099-761f-ab62-87a29ae4435d",
  eventsAdded: 3,
  eventsKnown: 12,
  annotatorsAdded: 1,
  queuesAdded: 0,
  runsAdded: 0,
  settingsAdded: 0,
  conflictsBefore: 0,
  conflictsAfter: 1,
  pending: 0,
  renamedQueues: [],
  dryRun: true,
  ...over,
});

describe("team helpers", () => {
  it("shortens replica ids and names packs after the project and the copy", () => {
    expect(shortReplica("01a249db-e099-761f-ab62-87a29ae4435d")).toBe("01a249db…435d");
    expect(shortReplica("r1")).toBe("r1");
    expect(suggestedPackName("street photos", "01a249db-e099-761f-ab62-87a29ae4435d")).toBe("street-photos-01a249db-435d.pack");
    expect(suggestedPackName("///", "0a-1b-2c")).toBe("project-0a-1b-2c.pack");
    expect(baseName("/a/b/c.pack")).toBe("c.pack");
  });

  it("formats sizes", () => {
    expect(formatBytes(812)).toBe("812 B");
    expect(formatBytes(14540)).toBe("14.2 KB");
    expect(formatBytes(3.1 * 1024 * 1024)).toBe("3.1 MB");
  });

  it("lists what a pack adds, marking new conflicts, renamed queues and waiting events", () => {
    const rows = packRows(pack());
    expect(rows.map((r) => [r.label, r.value])).toEqual([
      ["New events", "3"],
      ["Already here", "12"],
      ["Annotators added", "1"],
      ["Queues added", "0"],
      ["Runs added", "0"],
      ["Settings changed", "0"],
      ["Conflicts", "0 → 1"],
    ]);
    expect(rows.find((r) => r.label === "Conflicts")?.notice).toBe(true);
    const more = packRows(pack({ conflictsBefore: 2, conflictsAfter: 2, renamedQueues: ["street (from b)"], pending: 4 }));
    expect(more.find((r) => r.label === "Conflicts")?.value).toBe("2 (unchanged)");
    expect(more.slice(-2).map((r) => [r.label, r.value, r.notice])).toEqual([
      ["Queues renamed", "street (from b)", true],
      ["Waiting for other events", "4", true],
    ]);
    expect(anythingNew([pack({ eventsAdded: 0 })])).toBe(false);
    expect(anythingNew([pack({ eventsAdded: 0 }), pack()])).toBe(true);
  });

  it("sums up a shared-folder sync", () => {
    const s = { dir: "/s", imported: [pack({ eventsAdded: 30 }), pack({ eventsAdded: 1 })], refused: [{ file: "/s/x.pack", error: "bad" }], written: "/s/me/000002.pack", writtenEvents: 4 };
    expect(syncSummary(s)).toBe("2 packs imported (31 new events), 1 refused; wrote a pack of 4 events.");
    expect(syncChanged(s)).toBe(true);
    const quiet = { dir: "/s", imported: [], refused: [], written: null, writtenEvents: 0 };
    expect(syncSummary(quiet)).toBe("Nothing new from the others; nothing new to write.");
    expect(syncChanged(quiet)).toBe(false);
  });

  it("reads the sync interval and says when the app syncs", () => {
    expect(parseEveryMinutes("")).toEqual({ value: 0 });
    expect(parseEveryMinutes(" 15 ")).toEqual({ value: 15 });
    expect(parseEveryMinutes("1.5")).toEqual({ error: "Whole minutes, or empty for never" });
    expect(parseEveryMinutes("2000")).toEqual({ error: "From 1 to 1,440 minutes (a day)" });
    expect(scheduleText({ dir: null, onOpen: true, everyMinutes: 5 })).toBe("No shared folder on this computer.");
    expect(scheduleText({ dir: "/s", onOpen: true, everyMinutes: 5 })).toBe(
      "Syncs when the project opens and every 5 minutes, and when you press Sync now.",
    );
    expect(scheduleText({ dir: "/s", onOpen: false, everyMinutes: 0 })).toBe("Syncs only when you press Sync now.");
  });
});
