/**
 * Dev mock of the Team commands (team_status, clone_project, export_pack, import_packs,
 * sync_folder, folder_status, shared_folder, set_shared_folder, pick_pack_path, pick_packs): this
 * copy and one other, a pack whose preview adds a conflict, a shared folder kept in memory.
 * `?packs=refused` makes every import refuse its pack.
 *
 * Serving browsers (start_serving, stop_serving, serving_status, invite_annotator, list_access,
 * revoke_access): `?serving` starts with the server running; a bind that is not ADDRESS:PORT is
 * refused (invalid_input), port 80 is "taken" (io); once serving, ana (2 tabs) and chen connect.
 */
import type { ErrorCode } from "../src/bindings/ErrorCode";
import type { FolderStatusDto } from "../src/bindings/FolderStatusDto";
import type { FolderSyncDto } from "../src/bindings/FolderSyncDto";
import type { PackImported } from "../src/bindings/PackImported";
import type { SharedFolderSetting } from "../src/bindings/SharedFolderSetting";
import type { TeamStatus } from "../src/bindings/TeamStatus";
import type { AccessDto } from "../src/bindings/AccessDto";
import type { InviteRequest } from "../src/bindings/InviteRequest";
import type { ServingDto } from "../src/bindings/ServingDto";

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
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const later = (ms: number) => new Date(Date.now() + ms).toISOString();
  const serveUrl = (bind: string) => `http://${bind.replace(/^0\.0\.0\.0:/, "192.168.1.20:")}`;
  let serving: ServingDto | null = params.has("serving")
    ? { url: serveUrl("0.0.0.0:8765"), bind: "0.0.0.0:8765", exposed: true, connected: [] }
    : null;
  let servingSince = Date.now() - 60_000;
  let access: AccessDto[] = [
    { annotator: "ana", role: "annotator", kind: "invite", createdAt: ago(86_400_000), expiresAt: later(6 * 86_400_000), status: "active", signedInAt: ago(80_000_000), lastUsedAt: ago(80_000_000) },
    { annotator: "ana", role: "annotator", kind: "session", createdAt: ago(80_000_000), expiresAt: later(6 * 86_400_000), status: "active", signedInAt: ago(80_000_000), lastUsedAt: ago(120_000) },
    { annotator: "chen", role: "reviewer", kind: "invite", createdAt: ago(3_600_000), expiresAt: later(11 * 3_600_000), status: "active", signedInAt: null, lastUsedAt: null },
    { annotator: "bo", role: "annotator", kind: "invite", createdAt: ago(9 * 86_400_000), expiresAt: ago(2 * 86_400_000), status: "expired", signedInAt: null, lastUsedAt: null },
  ];

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
    async start_serving(args) {
      await sleep(300);
      const bind = String(args?.bind ?? "");
      const m = /^(\d{1,3}(?:\.\d{1,3}){3}|localhost):(\d{1,5})$/.exec(bind);
      if (!m) throw err("invalid_input", `"${bind}" is not an address to serve on: give ADDRESS:PORT, e.g. 0.0.0.0:8765 (every network) or 127.0.0.1:8765 (this computer only)`);
      if (m[2] === "80") throw err("io", `cannot listen on ${bind}: Address already in use (os error 98); choose another port or stop what uses it`);
      serving ??= { url: serveUrl(bind), bind, exposed: !/^(127\.|localhost)/.test(bind), connected: [] };
      servingSince = Date.now();
      return serving;
    },
    async stop_serving() {
      await sleep(150);
      serving = null;
    },
    async serving_status() {
      await sleep(20);
      if (!serving) return null;
      const up = Date.now() - servingSince;
      const allowed = (name: string) => access.some((a) => a.annotator === name && a.status === "active");
      serving = {
        ...serving,
        connected: [
          ...(up > 3_000 ? [{ annotator: "ana", role: "annotator" as const, connections: 2 }] : []),
          ...(up > 6_000 ? [{ annotator: "chen", role: "reviewer" as const, connections: 1 }] : []),
        ].filter((c) => allowed(c.annotator)),
      };
      return serving;
    },
    async invite_annotator(args) {
      await sleep(120);
      const r = args?.request as InviteRequest;
      const m = /^(\d+)([mhdw])$/.exec(r.expires);
      if (!m) throw err("invalid_input", `expires "${r.expires}": a number and m, h, d or w (30m, 12h, 7d, 2w), up to 365d`);
      if (!/^[\p{L}\p{N}._-]{1,64}$/u.test(r.name)) throw err("invalid_input", `annotator name "${r.name}": letters, digits, ".", "_" or "-", at most 64`);
      const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as "m" | "h" | "d" | "w"];
      const token = `arb_${Array.from({ length: 43 }, () => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[Math.floor(Math.random() * 64)]).join("")}`;
      const expiresAt = later(Number(m[1]) * unit);
      const role = access.find((a) => a.annotator === r.name)?.role ?? r.role ?? "annotator";
      access = [...access, { annotator: r.name, role, kind: "invite", createdAt: new Date().toISOString(), expiresAt, status: "active", signedInAt: null, lastUsedAt: null }];
      return { annotator: r.name, role, url: `${r.url ?? "http://127.0.0.1:8765"}/signin#token=${token}`, token, expiresAt };
    },
    async list_access() {
      await sleep(30);
      return access;
    },
    async revoke_access(args) {
      await sleep(120);
      const name = String(args?.name ?? "");
      const mine = access.filter((a) => a.annotator === name && a.status === "active");
      if (!access.some((a) => a.annotator === name)) throw err("not_found", `no invitation or session for "${name}"`);
      access = access.map((a) => (a.annotator === name && a.status === "active" ? { ...a, status: "revoked" } : a));
      if (serving) serving = { ...serving, connected: serving.connected.filter((c) => c.annotator !== name) };
      return { annotator: name, invites: mine.filter((a) => a.kind === "invite").length, sessions: mine.filter((a) => a.kind === "session").length };
    },
    async pick_packs() {
      await sleep(300);
      return ["/home/ana/packs/pets-review-01a24a11-435d.pack"];
    },
  };
}
