/**
 * Dev mock of the Team commands (team_status, clone_project, export_pack, import_packs,
 * sync_folder, folder_status, shared_folder, set_shared_folder, pick_pack_path, pick_packs): this
 * copy and one other, a pack whose preview adds a conflict, a shared folder kept in memory.
 * `?packs=refused` makes every import refuse its pack.
 */
import type { ErrorCode } from "../src/bindings/ErrorCode";
import type { FolderStatusDto } from "../src/bindings/FolderStatusDto";
import type { FolderSyncDto } from "../src/bindings/FolderSyncDto";
import type { PackImported } from "../src/bindings/PackImported";
import type { SharedFolderSetting } from "../src/bindings/SharedFolderSetting";
import type { TeamStatus } from "../src/bindings/TeamStatus";

type Args = Record<string, unknown> | undefined;

interface Deps {
  sleep: (ms: number) => Promise<unknown>;
  err: (code: ErrorCode, message: string) => unknown;
}

const ME = "01a249db-dfff-759b-87dd-b1fc9ff6c184";
const BEN = "01a24a11-e099-761f-ab62-87a29ae4435d";

export function teamHandlers({ sleep, err }: Deps): Record<string, (args: Args) => Promise<unknown>> {
  const params = new URLSearchParams(globalThis.location?.search ?? "");
  let imported = false;
  let setting: SharedFolderSetting = { dir: null, onOpen: true, everyMinutes: 0 };
  let lastSync: string | null = null;

  const pack = (file: string, dryRun: boolean): PackImported => ({
    file,
    sourceReplica: BEN,
    eventsAdded: imported ? 0 : 42,
    eventsKnown: imported ? 180 : 138,
    annotatorsAdded: imported ? 0 : 1,
    queuesAdded: 0,
    runsAdded: 0,
    settingsAdded: 0,
    conflictsBefore: 3,
    conflictsAfter: imported ? 3 : 5,
    pending: 0,
    renamedQueues: [],
    dryRun,
  });

  return {
    async team_status(): Promise<TeamStatus> {
      await sleep(40);
      return {
        projectId: "01a249db-0000-7000-8000-00000000c0de",
        replicaId: ME,
        stamp: imported ? `${ME}:138,${BEN}:42` : `${ME}:138`,
        pending: 0,
        contributions: [
          { replica: ME, thisReplica: true, events: 138, annotations: 120, annotators: ["ana", "chen"], lastAt: new Date(Date.now() - 600_000).toISOString() },
          ...(imported ? [{ replica: BEN, thisReplica: false, events: 42, annotations: 40, annotators: ["bo"], lastAt: new Date(Date.now() - 3_600_000).toISOString() }] : []),
        ],
      };
    },
    async clone_project(args) {
      await sleep(700);
      const r = args?.request as { dest: string; media: "keep" | "copy" };
      return { path: r.dest, projectId: "01a249db-0000-7000-8000-00000000c0de", replicaId: BEN, sourceReplica: ME, media: r.media, mediaFiles: r.media === "copy" ? 1797 : 0, mediaBytes: r.media === "copy" ? 2_400_000 : 0 };
    },
    async export_pack(args) {
      await sleep(300);
      const out = String(args?.out ?? "");
      return { file: out, folder: out.split("/").slice(0, -1).join("/"), events: args?.since ? 12 : 138, bytes: 18_400 };
    },
    async import_packs(args) {
      await sleep(400);
      const files = (args?.files as string[]) ?? [];
      if (params.get("packs") === "refused") {
        throw err("invalid_input", `${files[0]}: a pack of another project (01a2…); import packs of this project only (nothing was imported)`);
      }
      const out = files.map((f) => pack(f, !!args?.dryRun));
      if (!args?.dryRun) imported = true;
      return out;
    },
    async shared_folder() {
      await sleep(20);
      return setting;
    },
    async set_shared_folder(args) {
      await sleep(60);
      const s = args?.setting as SharedFolderSetting;
      setting = s.dir?.trim() ? { ...s, dir: s.dir.trim() } : { dir: null, onOpen: false, everyMinutes: 0 };
      return setting;
    },
    async sync_folder(args): Promise<FolderSyncDto> {
      await sleep(500);
      lastSync = new Date().toISOString();
      const dir = String(args?.dir ?? "");
      const result: FolderSyncDto = { dir, imported: imported ? [] : [pack(`${dir}/${BEN}/000001.pack`, false)], refused: [], written: `${dir}/${ME}/000001.pack`, writtenEvents: 138 };
      imported = true;
      return result;
    },
    async folder_status(args): Promise<FolderStatusDto> {
      await sleep(40);
      return {
        dir: String(args?.dir ?? ""),
        lastSync,
        lastError: null,
        replicas: lastSync
          ? [
              { replica: ME, thisReplica: true, packs: 1, imported: 1, refused: 0, events: 138 },
              { replica: BEN, thisReplica: false, packs: 1, imported: 1, refused: 0, events: 42 },
            ]
          : [],
      };
    },
    async pick_pack_path(args) {
      await sleep(300);
      return `/home/ana/packs/${String(args?.suggested ?? "team.pack")}`;
    },
    async pick_packs() {
      await sleep(300);
      return ["/home/ana/packs/pets-review-01a24a11-435d.pack"];
    },
  };
}
