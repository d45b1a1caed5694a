import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PackImported } from "../bindings/PackImported";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { AccessDto } from "../bindings/AccessDto";
import type { ServingDto } from "../bindings/ServingDto";
import type { SharedFolder } from "../components/useSharedFolder";
import type * as Ipc from "../ipc";
import type { Session } from "../session";

const teamStatus = vi.fn();
const pickPacks = vi.fn();
const importPacks = vi.fn();
const pickPackPath = vi.fn();
const exportPack = vi.fn();
const pickFolder = vi.fn();
const cloneProject = vi.fn();
const folderStatus = vi.fn();
// Label in a browser.
const startServing = vi.fn<typeof Ipc.startServing>();
const stopServing = vi.fn<typeof Ipc.stopServing>();
const servingStatus = vi.fn<typeof Ipc.servingStatus>();
const inviteAnnotator = vi.fn<typeof Ipc.inviteAnnotator>();
const listAccess = vi.fn<typeof Ipc.listAccess>();
const revokeAccess = vi.fn<typeof Ipc.revokeAccess>();
vi.mock("../ipc", () => ({
  startServing: (bind: string) => startServing(bind),
  stopServing: () => stopServing(),
  servingStatus: () => servingStatus(),
  inviteAnnotator: (r: Parameters<typeof Ipc.inviteAnnotator>[0]) => inviteAnnotator(r),
  listAccess: () => listAccess(),
  revokeAccess: (name: string) => revokeAccess(name),
  teamStatus: () => teamStatus(),
  listAnnotators: async () => [
    { name: "ana", role: "annotator" },
    { name: "lea", role: "lead" },
  ],
  addAnnotator: vi.fn(),
  listQueues: async () => [],
  pickPacks: () => pickPacks(),
  importPacks: (files: string[], dryRun: boolean) => importPacks(files, dryRun),
  pickPackPath: (s: string) => pickPackPath(s),
  exportPack: (out: string, since: string | null) => exportPack(out, since),
  pickFolder: (t: string) => pickFolder(t),
  cloneProject: (r: unknown) => cloneProject(r),
  folderStatus: (d: string) => folderStatus(d),
  openFolder: async () => {},
}));

const { TeamScreen } = await import("./TeamScreen");
const { ErrorProvider } = await import("../components/ErrorBanner");
const { DESKTOP_SESSION, SessionContext } = await import("../session");

const PROJECT: ProjectInfo = { path: "/p", name: "digits", datasets: 1, items: 3, labels: [] };
const ME = "01a249db-dfff-759b-87dd-b1fc9ff6c184";
const OTHER = "01a249db-e099-761f-ab62-87a29ae4435d";

const preview = (over: Partial<PackImported> = {}): PackImported => ({
  file: "/packs/ben.pack",
  sourceReplica: OTHER,
  eventsAdded: 3,
  eventsKnown: 14,
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

const noFolder = (over: Partial<SharedFolder> = {}): SharedFolder => ({
  setting: { dir: null, onOpen: false, everyMinutes: 0 },
  save: vi.fn(),
  sync: vi.fn(),
  syncing: false,
  last: null,
  ...over,
});

beforeEach(() => {
  localStorage.clear();
  for (const f of [teamStatus, pickPacks, importPacks, pickPackPath, exportPack, pickFolder, cloneProject, folderStatus]) f.mockReset();
  for (const f of [startServing, stopServing, servingStatus, inviteAnnotator, listAccess, revokeAccess]) f.mockReset();
  servingStatus.mockResolvedValue(null);
  listAccess.mockResolvedValue([]);
  teamStatus.mockResolvedValue({
    projectId: "01a249db-0000-7000-8000-000000000001",
    replicaId: ME,
    stamp: `${ME}:14,${OTHER}:1`,
    pending: 0,
    contributions: [
      { replica: ME, thisReplica: true, events: 14, annotations: 1, annotators: ["ana"], lastAt: "2026-12-06T05:00:00Z" },
      { replica: OTHER, thisReplica: false, events: 1, annotations: 1, annotators: ["ben"], lastAt: null },
    ],
  });
});
afterEach(cleanup);

async function flush() {
  await act(async () => {
    for (let i = 0; i < 6; i++) await Promise.resolve();
  });
}

async function mount(as: string | null, shared = noFolder(), onChanged = vi.fn(), session: Session = DESKTOP_SESSION) {
  if (as) localStorage.setItem("arbiter.annotator:/p", JSON.stringify(as));
  render(
    <SessionContext.Provider value={session}>
      <ErrorProvider>
        <TeamScreen project={PROJECT} shared={shared} onBack={() => {}} onChanged={onChanged} />
      </ErrorProvider>
    </SessionContext.Provider>,
  );
  await flush();
  return onChanged;
}

const rowValue = (label: string) =>
  document.querySelector(`[data-testid="team-pack-row"][data-label="${label}"] dd`)?.textContent;

describe("TeamScreen", () => {
  it("shows this copy's ids and each copy's contribution, this copy marked", async () => {
    await mount("ana");
    expect(screen.getByTestId("team-replica-id").textContent).toBe(ME);
    expect(screen.getByTestId("team-stamp").textContent).toBe(`${ME}:14,${OTHER}:1`);
    const rows = screen.getAllByTestId("team-contribution");
    expect(rows.map((r) => r.getAttribute("data-this"))).toEqual(["true", "false"]);
    expect(rows[0]!.textContent).toContain("this copy");
    expect(rows[1]!.textContent).toContain("ben");
  });

  it("lets an annotator export a pack but not import or clone", async () => {
    await mount("ana");
    expect(screen.getAllByTestId("team-lead-only").map((e) => e.textContent)).toEqual([
      expect.stringContaining("Only a lead imports packs — ana is an annotator"),
      expect.stringContaining("Only a lead clones the project — ana is an annotator"),
      expect.stringContaining("Only a lead starts the server — ana is an annotator"),
      expect.stringContaining("Only a lead invites people — ana is an annotator"),
    ]);
    expect(screen.queryByTestId("team-import-choose")).toBeNull();
    expect(screen.queryByTestId("team-clone-button")).toBeNull();
    pickPackPath.mockResolvedValue("/out/digits.pack");
    exportPack.mockResolvedValue({ file: "/out/digits.pack", folder: "/out", events: 15, bytes: 2048 });
    fireEvent.change(screen.getByTestId("team-since"), { target: { value: `${OTHER}:1` } });
    fireEvent.click(screen.getByTestId("team-export-button"));
    await flush();
    expect(pickPackPath).toHaveBeenCalledWith("digits-01a249db-c184.pack");
    expect(exportPack).toHaveBeenCalledWith("/out/digits.pack", `${OTHER}:1`);
    expect(screen.getByTestId("team-export-done").textContent).toContain("Wrote 15 events (2.0 KB) to digits.pack");
  });

  it("previews an import (nothing written), then imports it and tells the other screens", async () => {
    const onChanged = await mount("lea");
    pickPacks.mockResolvedValue(["/packs/ben.pack"]);
    importPacks.mockImplementation(async (_files: string[], dryRun: boolean) => [preview({ dryRun })]);
    fireEvent.click(screen.getByTestId("team-import-choose"));
    await flush();
    expect(importPacks).toHaveBeenCalledTimes(1);
    expect(importPacks).toHaveBeenLastCalledWith(["/packs/ben.pack"], true);
    expect(screen.getByTestId("team-import-preview").textContent).toContain("Preview — nothing is written");
    expect(rowValue("New events")).toBe("3");
    expect(rowValue("Already here")).toBe("14");
    expect(rowValue("Annotators added")).toBe("1");
    expect(rowValue("Conflicts")).toBe("0 → 1");
    expect(onChanged).not.toHaveBeenCalled();
    const apply = screen.getByTestId("team-import-apply") as HTMLButtonElement;
    expect(apply.disabled).toBe(false);
    expect(apply.textContent).toBe("Import 1 pack");
    fireEvent.click(apply);
    await flush();
    expect(importPacks).toHaveBeenLastCalledWith(["/packs/ben.pack"], false);
    expect(screen.getByTestId("team-import-done").textContent).toContain("Imported 1 pack: 3 new events");
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("offers no Import when the packs hold nothing new", async () => {
    await mount("lea");
    pickPacks.mockResolvedValue(["/packs/old.pack"]);
    importPacks.mockResolvedValue([preview({ eventsAdded: 0, eventsKnown: 17, conflictsAfter: 0 })]);
    fireEvent.click(screen.getByTestId("team-import-choose"));
    await flush();
    expect((screen.getByTestId("team-import-apply") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByTestId("team-import-preview").textContent).toContain("this copy already holds every event");
  });

  it("shows a refused pack with its message, and a cancelled dialog does nothing", async () => {
    await mount("lea");
    pickPacks.mockResolvedValue([]);
    fireEvent.click(screen.getByTestId("team-import-choose"));
    await flush();
    expect(importPacks).not.toHaveBeenCalled();
    pickPacks.mockResolvedValue(["/packs/foreign.pack"]);
    importPacks.mockRejectedValue({
      code: "invalid_input",
      message: "/packs/foreign.pack: a pack of another project (…); import packs of this project only",
    });
    fireEvent.click(screen.getByTestId("team-import-choose"));
    await flush();
    const box = screen.getByTestId("team-import-error");
    expect(box.getAttribute("data-code")).toBe("invalid_input");
    expect(box.textContent).toContain("Refused — ");
    expect(box.textContent).toContain("import packs of this project only");
    expect(screen.queryByTestId("team-import-apply")).toBeNull();
  });

  it("after a refusal among several packs, the screens still read the project again (the packs before it are in)", async () => {
    const onChanged = await mount("lea");
    pickPacks.mockResolvedValue(["/packs/a.pack", "/packs/b.pack"]);
    importPacks.mockImplementation(async (files: string[], dryRun: boolean) => {
      if (!dryRun) throw { code: "invalid_input", message: "/packs/b.pack: damaged (its body does not match its checksum); export it again" };
      return files.map((file) => preview({ file }));
    });
    fireEvent.click(screen.getByTestId("team-import-choose"));
    await flush();
    expect(screen.getAllByTestId("team-pack")).toHaveLength(2);
    expect(screen.getByTestId("team-import-preview").textContent).toContain("Each pack is previewed on its own");
    fireEvent.click(screen.getByTestId("team-import-apply"));
    await flush();
    expect(screen.getByTestId("team-import-error").textContent).toContain("Refused (the packs before it, if any, were imported) — ");
    expect(screen.getByTestId("team-import-error").textContent).toContain("export it again");
    expect(onChanged).toHaveBeenCalledTimes(1);
  });

  it("clones into the folder chosen, copying only the media asked for", async () => {
    await mount("lea");
    pickFolder.mockResolvedValue("/clones/ben");
    cloneProject.mockResolvedValue({ path: "/clones/ben", projectId: "p", replicaId: OTHER, sourceReplica: ME, media: "copy", mediaFiles: 12, mediaBytes: 4096 });
    fireEvent.click(screen.getByTestId("team-clone-copy"));
    fireEvent.click(screen.getByTestId("team-clone-button"));
    await flush();
    expect(cloneProject).toHaveBeenCalledWith({ dest: "/clones/ben", media: "copy", queues: [] });
    expect(screen.getByTestId("team-clone-done").textContent).toContain("12 media files copied (4.0 KB)");
  });

  it("keeps Sync now off until a folder is saved, and shows refused packs of a sync with their message", async () => {
    await mount("ana");
    expect((screen.getByTestId("team-sync-now") as HTMLButtonElement).disabled).toBe(true);
    cleanup();
    folderStatus.mockResolvedValue({ dir: "/s", lastSync: "2026-12-06T05:00:00Z", lastError: null, replicas: [{ replica: ME, thisReplica: true, packs: 2, imported: 2, refused: 0, events: 14 }, { replica: OTHER, thisReplica: false, packs: 1, imported: 0, refused: 1, events: 0 }] });
    const shared = noFolder({
      setting: { dir: "/s", onOpen: true, everyMinutes: 5 },
      last: {
        kind: "done",
        auto: true,
        result: { dir: "/s", imported: [], refused: [{ file: "/s/x/000001.pack", error: "written by a newer Arbiter; update this one" }], written: null, writtenEvents: 0 },
      },
    });
    await mount("ana", shared);
    await flush();
    expect((screen.getByTestId("team-sync-now") as HTMLButtonElement).disabled).toBe(false);
    expect(screen.getByTestId("team-sync-result").textContent).toContain("Synced by itself: Nothing new from the others, 1 refused");
    expect(screen.getByTestId("team-sync-refused").textContent).toContain("000001.pack — written by a newer Arbiter; update this one");
    expect(screen.getAllByTestId("team-folder-replica")).toHaveLength(2);
    expect(screen.getByTestId("team-shared").textContent).toContain("Syncs when the project opens and every 5 minutes");
    // Editing the folder asks to save before syncing.
    fireEvent.change(screen.getByTestId("team-shared-dir"), { target: { value: "/elsewhere" } });
    expect((screen.getByTestId("team-sync-now") as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId("team-shared-save") as HTMLButtonElement).disabled).toBe(false);
  });
});

const SERVING: ServingDto = {
  url: "http://192.168.1.20:8765",
  bind: "0.0.0.0:8765",
  exposed: true,
  connected: [
    { annotator: "ana", role: "annotator", connections: 2 },
    { annotator: "chen", role: "reviewer", connections: 1 },
  ],
};

const access = (over: Partial<AccessDto> = {}): AccessDto => ({
  annotator: "ana",
  role: "annotator",
  kind: "invite",
  createdAt: "2026-12-06T08:00:00Z",
  expiresAt: "2099-12-13T08:00:00Z",
  status: "active",
  signedInAt: null,
  lastUsedAt: null,
  ...over,
});

const serve = () => screen.getByTestId("team-serve");

describe("TeamScreen — label in a browser", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows the server's message when an address is refused", async () => {
    await mount("lea");
    expect((screen.getByTestId("serve-bind") as HTMLInputElement).value).toBe("0.0.0.0:8765");
    startServing.mockRejectedValue({ code: "invalid_input", message: '"0.0.0.0" is not an address to serve on: give ADDRESS:PORT' });
    fireEvent.change(screen.getByTestId("serve-bind"), { target: { value: "0.0.0.0" } });
    fireEvent.click(screen.getByTestId("serve-start"));
    await flush();
    expect(startServing).toHaveBeenCalledWith("0.0.0.0");
    const box = screen.getByTestId("serve-error");
    expect(box.getAttribute("data-code")).toBe("invalid_input");
    expect(box.textContent).toContain("Not started — ");
    expect(box.textContent).toContain("give ADDRESS:PORT");
    expect(screen.queryByTestId("serve-url")).toBeNull();
    expect(screen.getByTestId("serve-start")).toBeTruthy();
  });

  it("starts serving: the link with its QR code, the warning when exposed, who is connected (polled); then stops", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    await mount("lea");
    startServing.mockResolvedValue({ ...SERVING, connected: [] });
    fireEvent.click(screen.getByTestId("serve-start"));
    await flush();
    expect(startServing).toHaveBeenCalledWith("0.0.0.0:8765");
    expect((screen.getByTestId("serve-url") as HTMLInputElement).value).toBe("http://192.168.1.20:8765");
    const qr = screen.getByTestId("serve-qr");
    expect(qr.getAttribute("data-text")).toBe("http://192.168.1.20:8765");
    expect(qr.querySelector("path")?.getAttribute("d")).toMatch(/^M4 4h7v1h-7z/);
    expect(screen.getByTestId("serve-exposed").textContent).toContain("arbiter serve --tls-self-signed");
    expect(screen.getByTestId("serve-nobody")).toBeTruthy();
    expect(screen.queryByTestId("serve-bind")).toBeNull();

    // Someone signs in: the next poll shows them.
    servingStatus.mockResolvedValue(SERVING);
    const calls = servingStatus.mock.calls.length;
    await act(async () => {
      vi.advanceTimersByTime(2000);
    });
    await flush();
    expect(servingStatus.mock.calls.length).toBe(calls + 1);
    const rows = screen.getAllByTestId("serve-connected");
    expect(rows.map((r) => r.getAttribute("data-annotator"))).toEqual(["ana", "chen"]);
    expect(rows[0]!.textContent).toContain("annotator");
    expect(rows[0]!.textContent).toContain("2 tabs");
    expect(rows[1]!.textContent).toContain("1 tab");

    stopServing.mockResolvedValue();
    servingStatus.mockResolvedValue(null);
    fireEvent.click(screen.getByTestId("serve-stop"));
    await flush();
    expect(stopServing).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("serve-url")).toBeNull();
    expect(screen.queryByTestId("serve-exposed")).toBeNull();
    expect(screen.getByTestId("serve-start")).toBeTruthy();
  });

  it("warns of nothing when serving this computer only", async () => {
    servingStatus.mockResolvedValue({ url: "http://127.0.0.1:8765", bind: "127.0.0.1:8765", exposed: false, connected: [] });
    await mount("lea");
    expect((screen.getByTestId("serve-url") as HTMLInputElement).value).toBe("http://127.0.0.1:8765");
    expect(screen.queryByTestId("serve-exposed")).toBeNull();
  });

  it("invites with the running server's link: the sign-in link and token shown once, and the list read again", async () => {
    servingStatus.mockResolvedValue(SERVING);
    await mount("lea");
    expect(listAccess).toHaveBeenCalledTimes(1);
    inviteAnnotator.mockResolvedValue({
      annotator: "ben",
      role: "reviewer",
      url: "http://192.168.1.20:8765/signin#token=arb_secret",
      token: "arb_secret",
      expiresAt: "2026-12-06T22:00:00Z",
    });
    listAccess.mockResolvedValue([access({ annotator: "ben", role: "reviewer" })]);
    fireEvent.change(screen.getByTestId("invite-name"), { target: { value: " ben " } });
    fireEvent.change(screen.getByTestId("invite-role"), { target: { value: "reviewer" } });
    expect((screen.getByTestId("invite-expires") as HTMLInputElement).value).toBe("7d");
    fireEvent.change(screen.getByTestId("invite-expires"), { target: { value: "12h" } });
    fireEvent.click(screen.getByTestId("invite-submit"));
    await flush();
    expect(inviteAnnotator).toHaveBeenCalledWith({ name: "ben", role: "reviewer", expires: "12h", url: "http://192.168.1.20:8765" });
    expect((screen.getByTestId("invite-link") as HTMLInputElement).value).toBe("http://192.168.1.20:8765/signin#token=arb_secret");
    expect(screen.getByTestId("invite-qr").getAttribute("data-text")).toBe("http://192.168.1.20:8765/signin#token=arb_secret");
    expect((screen.getByTestId("invite-token") as HTMLInputElement).value).toBe("arb_secret");
    expect(screen.getByTestId("invite-done").textContent).toContain("Shown only now — send it privately");
    expect(listAccess).toHaveBeenCalledTimes(2);
    const rows = screen.getAllByTestId("access-row");
    expect(rows.map((r) => [r.getAttribute("data-annotator"), r.getAttribute("data-status")])).toEqual([["ben", "active"]]);
    // Once: hidden, it is gone for good (the project keeps only its hash).
    fireEvent.click(screen.getByTestId("invite-dismiss"));
    expect(screen.queryByTestId("invite-token")).toBeNull();
    expect(document.body.textContent).not.toContain("arb_secret");
  });

  it("invites without a server with the server's default link, and shows a refusal's message", async () => {
    await mount("lea");
    inviteAnnotator.mockRejectedValue({ code: "invalid_input", message: 'expires "soon": a number and m, h, d or w (30m, 12h, 7d, 2w)' });
    fireEvent.change(screen.getByTestId("invite-name"), { target: { value: "ben" } });
    fireEvent.change(screen.getByTestId("invite-expires"), { target: { value: "soon" } });
    fireEvent.click(screen.getByTestId("invite-submit"));
    await flush();
    expect(inviteAnnotator).toHaveBeenCalledWith({ name: "ben", role: "annotator", expires: "soon", url: null });
    const box = screen.getByTestId("invite-error");
    expect(box.textContent).toContain("Not invited — ");
    expect(box.textContent).toContain('expires "soon"');
    expect(screen.queryByTestId("invite-token")).toBeNull();
    expect(listAccess).toHaveBeenCalledTimes(1);
  });

  it("lists access by person and revokes only after confirming", async () => {
    listAccess.mockResolvedValue([
      access({ kind: "invite" }),
      access({ kind: "session", createdAt: "2026-12-06T09:00:00Z", signedInAt: "2026-12-06T09:00:00Z", lastUsedAt: "2026-12-06T09:30:00Z" }),
      access({ annotator: "bo", status: "expired", expiresAt: "2026-12-01T00:00:00Z" }),
    ]);
    await mount("lea");
    const rows = screen.getAllByTestId("access-row");
    expect(rows.map((r) => [r.getAttribute("data-annotator"), r.getAttribute("data-kind"), r.getAttribute("data-status")])).toEqual([
      ["ana", "session", "active"],
      ["ana", "invite", "active"],
      ["bo", "invite", "expired"],
    ]);
    expect(rows[0]!.textContent).toContain("Browser session");
    expect(rows[1]!.textContent).toContain("never");
    // Revoke per person, only for someone with something still active.
    const buttons = screen.getAllByTestId("access-revoke");
    expect(buttons.map((b) => b.getAttribute("data-annotator"))).toEqual(["ana"]);

    fireEvent.click(buttons[0]!);
    expect(revokeAccess).not.toHaveBeenCalled();
    expect(screen.getByTestId("access-revoke-ask").textContent).toContain("Revoke ana’s access? This ends 1 invitation and 1 browser session");
    fireEvent.click(screen.getByTestId("access-revoke-cancel"));
    expect(screen.queryByTestId("access-revoke-ask")).toBeNull();
    expect(revokeAccess).not.toHaveBeenCalled();

    revokeAccess.mockResolvedValue({ annotator: "ana", invites: 1, sessions: 1 });
    listAccess.mockResolvedValue([access({ status: "revoked" }), access({ annotator: "bo", status: "expired" })]);
    fireEvent.click(screen.getByTestId("access-revoke"));
    fireEvent.click(screen.getByTestId("access-revoke-confirm"));
    await flush();
    expect(revokeAccess).toHaveBeenCalledWith("ana");
    expect(listAccess).toHaveBeenCalledTimes(2);
    expect(screen.getByTestId("access-revoked").textContent).toContain("Revoked ana: 1 invitation and 1 session ended.");
    expect(screen.getAllByTestId("access-row").map((r) => r.getAttribute("data-status"))).toEqual(["revoked", "expired"]);
    expect(screen.queryByTestId("access-revoke")).toBeNull();
  });

  it("keeps starting, stopping, inviting and revoking for a lead; others see the server and the list", async () => {
    servingStatus.mockResolvedValue(SERVING);
    listAccess.mockResolvedValue([access()]);
    await mount("ana");
    const leadOnly = within(serve()).getAllByTestId("team-lead-only").map((e) => e.textContent);
    expect(leadOnly).toEqual([expect.stringContaining("Only a lead invites people — ana is an annotator")]);
    expect(screen.queryByTestId("serve-stop")).toBeNull();
    expect(screen.queryByTestId("invite-name")).toBeNull();
    expect(screen.queryByTestId("access-revoke")).toBeNull();
    expect((screen.getByTestId("serve-url") as HTMLInputElement).value).toBe(SERVING.url);
    expect(screen.getAllByTestId("serve-connected")).toHaveLength(2);
    expect(screen.getAllByTestId("access-row")).toHaveLength(1);
    cleanup();
    localStorage.clear();
    servingStatus.mockResolvedValue(null);
    await mount(null);
    expect(within(serve()).getAllByTestId("team-lead-only").map((e) => e.textContent)).toEqual([
      expect.stringContaining("Only a lead starts the server. Choose who is working here"),
      expect.stringContaining("Only a lead invites people. Choose who is working here"),
    ]);
    expect(screen.queryByTestId("serve-start")).toBeNull();
  });

  it("in a browser on `arbiter serve`, shows only a note that the lead serves from the desktop app", async () => {
    await mount("lea", noFolder(), vi.fn(), { transport: "http", annotator: "lea", role: "lead", signOut: () => {} });
    expect(serve().textContent).toContain("Label in a browser");
    expect(screen.getByTestId("serve-browser-note").textContent).toContain("from the Arbiter desktop app");
    for (const id of ["serve-bind", "serve-start", "invite-name", "access-card"]) expect(screen.queryByTestId(id)).toBeNull();
    expect(servingStatus).not.toHaveBeenCalled();
    expect(listAccess).not.toHaveBeenCalled();
  });
});
