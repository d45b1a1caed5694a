// Desktop end-to-end test of the Team screen (copies of one project exchanging event packs): the
// real app under Xvfb clones the demo project for a second annotator through the Team screen (the
// native folder dialog answered with xdotool), ana labels an item in the original and ben the
// same item differently in the clone (each project in its own app window, one after the other),
// each copy exports its pack through the save dialog and imports the other's through the open
// dialog — the preview first, then Import — and both then show the conflict on their Conflicts
// screen. Then both sync through a shared folder chosen in the Team screen, the clone by itself
// when it opens. Screenshots: team-empty, team-preview, team-after-import, team-shared,
// team-1024 (and the dialogs). Runs on its
// own X display (:95, or E2E_TEAM_DISPLAY) and tauri-driver port (TAURI_DRIVER_PORT + 20).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { By, until } from "selenium-webdriver";
import { nativeDialogs } from "./dialogs.mjs";
import { attrOf, repo, scratchDir, sleep, startDriver, textOf } from "./driver.mjs";

const appBin = process.env.ARBITER_APP ?? path.join(repo, "target/debug/arbiter-app");
const cliBin = process.env.ARBITER ?? path.join(repo, "target/debug/arbiter");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 20;
const tmp = fs.realpathSync(scratchDir("arbiter-team-"));
const original = path.join(tmp, "digits");
const clone = path.join(tmp, "clone-ben");
const packs = path.join(tmp, "packs");
const shared = path.join(tmp, "shared");

let harness;
let driver;
let dialogs;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
const gone = (id, ms = 10000) =>
  driver.wait(async () => (await driver.findElements(byId(id))).length === 0, ms, `[data-testid=${id}] should go`);
const cli = (...args) => execFileSync(cliBin, args, { encoding: "utf8" });

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `${name}.png`), await driver.takeScreenshot(), "base64");
}

/** Whether no process holds `project`'s window lock (util-linux's flock; a window holds it). */
function lockFree(project) {
  try {
    execFileSync("flock", ["--nonblock", path.join(project, ".arbiter-window.lock"), "true"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * The app on `project`, in a window of its own (the previous one is closed first). WebDriver's
 * quit returns before the closed app has exited, and an app still exiting holds its project's
 * window lock (measured: up to 100 ms after quit): reopening the same project then is refused
 * ("open in another Arbiter window"), so the lock is waited for first.
 */
async function openApp(project) {
  await driver?.quit().catch(() => {});
  const end = Date.now() + 30000;
  while (!lockFree(project)) {
    assert.ok(Date.now() < end, `${project} is still held by the window closed before`);
    await sleep(50);
  }
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 900 }).catch(() => {});
  await find("project-screen");
  await find("item-grid");
}

/** Picks an option of a <select> by value. */
async function choose(testId, value) {
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value} of ${testId}`);
  await option.click();
  await driver.wait(async () => (await attrOf(driver, testId, "value")) === value, 5000, `${testId} = ${value}`);
}

async function openTeam(as) {
  await (await find("team-button")).click();
  await find("team-screen");
  await driver.wait(async () => (await textOf(driver, "team-replica-id")).length > 30, 15000, "this copy's id");
  if (as) await choose("annotator-select", as);
}

async function closeTeam() {
  await (await find("team-back")).click();
  await gone("team-screen");
}

/** In Review, `who` labels the first item of the queue; returns its id and the label given. */
async function labelFirst(who, pickLabel, mine = 1) {
  await (await find("review-button")).click();
  await find("review-screen");
  const choice = await driver.findElements(By.css(`[data-testid="annotator-choice"][data-name="${who}"]`));
  if (choice.length) await choice[0].click();
  else await choose("annotator-select", who);
  const queue = await driver.wait(
    async () => (await driver.findElements(byId("queue-choice")))[0] ?? (await driver.findElements(byId("review-item-id")))[0] ?? null,
    15000,
    "a queue to choose or an item",
  );
  if ((await queue.getAttribute("data-testid")) === "queue-choice") await queue.click();
  const item = await driver.wait(
    () =>
      driver.executeScript(`
        const q = (id) => document.querySelector('[data-testid="' + id + '"]');
        const img = q("review-image");
        if (!q("review-item-id") || !img || !img.complete || !img.naturalWidth) return null;
        return { id: q("review-item-id").textContent, predicted: q("review-prediction")?.getAttribute("data-predicted") || null,
                 given: q("review-given")?.getAttribute("data-label") || null, mine: q("review-progress")?.getAttribute("data-mine") };`),
    20000,
    "the first item on screen",
  );
  const label = pickLabel(item.predicted ?? item.given);
  await driver.actions().sendKeys(label).perform();
  await driver.wait(async () => (await attrOf(driver, "review-progress", "data-mine")) === String(mine), 15000, `${who}'s label is counted`);
  await (await find("review-exit")).click();
  await gone("review-screen");
  return { id: item.id, label };
}

/** Export this copy's pack through the Team screen's save dialog; returns the file written. */
async function exportPack(name) {
  await (await find("team-export-button")).click();
  await dialogs.answerSaveInFolder("Export a pack", packs, `team-export-${name}`);
  const done = await find("team-export-done", 30000);
  const file = await done.getAttribute("data-file");
  assert.ok(Number(await done.getAttribute("data-events")) > 0, "the pack holds events");
  assert.equal(path.dirname(file), packs);
  assert.ok(fs.existsSync(file), `${file} was written`);
  return file;
}

/** Import `file` through the open dialog: the preview (checked), then Import. */
async function importPack(file, name, expected) {
  await (await find("team-import-choose")).click();
  await dialogs.answerWithPath("Import packs", file, `team-import-${name}`);
  const pack = await find("team-pack", 30000);
  assert.equal(await attrOf(driver, "team-import-preview", "data-testid"), "team-import-preview");
  assert.ok(Number(await pack.getAttribute("data-added")) >= expected.minAdded, "the preview counts new events");
  const conflicts = await driver.executeScript(
    `return document.querySelector('[data-testid="team-pack-row"][data-label="Conflicts"] dd')?.textContent`,
  );
  assert.equal(conflicts, "0 → 1", "the preview shows the conflict the pack makes");
  await sleep(200);
  if (expected.shot) await shot(expected.shot);
  await (await find("team-import-apply")).click();
  await find("team-import-done", 30000);
  await sleep(200);
}

/** The Conflicts screen lists `itemId` with both votes. */
async function seeConflict(itemId, votes) {
  await (await find("conflicts-button")).click();
  await find("conflicts-screen");
  const item = await driver.wait(until.elementLocated(By.css(`[data-testid="conflict-item"][data-item-id="${itemId}"]`)), 20000, `${itemId} in conflict`);
  const text = await item.getText();
  for (const [who, label] of votes) assert.match(text, new RegExp(`${who}[\\s\\S]*?${label}|${label}[\\s\\S]*?${who}`), `${who}'s vote ${label}`);
  assert.equal(await attrOf(driver, "conflicts-count", "data-count"), "1");
  return item;
}

before(async () => {
  execFileSync(path.join(repo, "scripts/demo-project.sh"), [original], { env: { ...process.env, ARBITER: cliBin }, stdio: "inherit" });
  cli("--project", original, "predict", "--model", "digits-cnn", "--dataset", "digits", "--device", "cpu");
  for (const [name, role] of [["ana", "annotator"], ["ben", "annotator"], ["lea", "lead"]]) {
    cli("--project", original, "annotators", "add", name, "--role", role);
  }
  // Every item for two people, so ana's and ben's first items are the same one.
  cli("--project", original, "queue", "--run", "1", "--strategy", "random", "--seed", "3", "--limit", "6", "--save", "pair", "--overlap-share", "1", "--overlap-k", "2");
  fs.mkdirSync(packs, { recursive: true });
  fs.mkdirSync(shared, { recursive: true });
  fs.mkdirSync(clone, { recursive: true });
  // GTK's list of recent files goes under XDG_DATA_HOME: a fresh one.
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_TEAM_DISPLAY ?? ":95", env: { XDG_DATA_HOME: path.join(tmp, "data") } });
  dialogs = nativeDialogs({ display: harness.display, appBin, shots });
});

after(async () => {
  await Promise.race([driver?.quit().catch(() => {}), sleep(15000)]);
  harness?.stop();
});

let annaItem;
let benItem;
let packA;
let packB;

test("the Team screen of a lone project: its ids, one copy, a lead clones it for ben through the folder dialog", { timeout: 240000 }, async () => {
  await openApp(original);
  await openTeam(null);
  // Nobody chosen yet: the lead-only parts (clone, import, serve, invite) say who may use them.
  assert.equal((await driver.findElements(byId("team-lead-only"))).length, 4);
  const rows = await driver.findElements(byId("team-contribution"));
  assert.equal(rows.length, 1, "one copy so far");
  assert.equal(await rows[0].getAttribute("data-this"), "true");
  await sleep(200);
  await shot("team-empty");
  await choose("annotator-select", "lea");
  await find("team-clone-button");
  await (await find("team-clone-button")).click();
  await dialogs.answerWithFolder("Choose a new or empty folder for the clone", clone, "team-clone");
  const done = await find("team-clone-done", 60000);
  assert.equal(await done.getAttribute("data-path"), clone);
  assert.ok(fs.existsSync(path.join(clone, "arbiter.db")), "the clone is a project");
  const status = JSON.parse(cli("--project", clone, "queues", "--json"));
  assert.ok(JSON.stringify(status).includes("pair"), "the clone holds the queue");
  await closeTeam();
});

test("ana labels an item in the original and exports its pack", { timeout: 240000 }, async () => {
  annaItem = await labelFirst("ana", (p) => p);
  assert.match(annaItem.label, /^[0-9]$/);
  await openTeam("ana");
  // An annotator exports her copy's pack; importing is for a lead.
  assert.equal((await driver.findElements(byId("team-import-choose"))).length, 0);
  packA = await exportPack("original");
  await closeTeam();
});

test("ben labels the same item differently in the clone, imports the original's pack (preview first) and sees the conflict", { timeout: 240000 }, async () => {
  await openApp(clone);
  benItem = await labelFirst("ben", (p) => String((Number(p) + 1) % 10));
  assert.equal(benItem.id, annaItem.id, "the same first item on both copies");
  assert.notEqual(benItem.label, annaItem.label);
  await openTeam("lea");
  await importPack(packA, "clone", { minAdded: 1, shot: "team-preview" });
  // Both copies' contributions now, this one marked.
  await driver.wait(async () => (await driver.findElements(byId("team-contribution"))).length === 2, 15000, "two copies contribute");
  await shot("team-after-import");
  packB = await exportPack("clone");
  await closeTeam();
  await seeConflict(annaItem.id, [["ana", annaItem.label], ["ben", benItem.label]]);
  await shot("team-clone-conflicts");
});

test("the original imports the clone's pack and shows the same conflict", { timeout: 240000 }, async () => {
  await openApp(original);
  await openTeam("lea");
  await importPack(packB, "original", { minAdded: 1 });
  await closeTeam();
  await seeConflict(annaItem.id, [["ana", annaItem.label], ["ben", benItem.label]]);
  await shot("team-original-conflicts");
  // The grid's status filter counts it too.
  await (await find("conflicts-exit")).click();
  await gone("conflicts-screen");
  await choose("status-filter", "conflict");
  await driver.wait(async () => Number(await attrOf(driver, "grid-count", "data-count")) === 1, 15000, "one conflict in the grid");
});

/** Choose the shared folder in the Team screen, keep it (sync on open) and sync now. */
async function shareAndSync(name) {
  await (await find("team-shared-choose")).click();
  await dialogs.answerWithFolder("Choose the shared folder", shared, `team-shared-${name}`);
  await driver
    .wait(async () => (await attrOf(driver, "team-shared-dir", "value")) === shared, 15000, "the folder chosen")
    .catch(async (e) => {
      // Say what the dialog answered instead (a path typed into GTK's dialog on a loaded machine).
      throw new Error(`${e.message}: the field holds ${JSON.stringify(await attrOf(driver, "team-shared-dir", "value"))}, not ${shared}`);
    });
  assert.equal(await driver.executeScript(`return document.querySelector('[data-testid="team-shared-on-open"]').checked`), true, "sync on open is ticked");
  await (await find("team-shared-save")).click();
  const sync = await find("team-sync-now");
  await driver.wait(async () => (await sync.isEnabled()) && /Syncs when the project opens/.test(await textOf(driver, "team-shared")), 15000, "the folder kept");
  await sync.click();
  await driver.wait(async () => /wrote a pack of|nothing new to write/.test(await textOf(driver, "team-sync-result")), 30000, "the sync's result");
  return textOf(driver, "team-sync-result");
}

test("both copies sync through a shared folder; the clone syncs by itself when it opens", { timeout: 300000 }, async () => {
  // A new label in the original, then its first sync: it writes its pack, nothing to import.
  await labelFirst("ana", (p) => p, 2);
  await openTeam("lea");
  const first = await shareAndSync("original");
  assert.match(first, /Nothing new from the others; wrote a pack of \d+ events?\./);
  await driver.wait(async () => (await driver.findElements(byId("team-folder-replica"))).length === 1, 15000, "one copy writes there");

  // The clone imports it (the new label among the events) and writes its own.
  await openApp(clone);
  await openTeam("lea");
  const second = await shareAndSync("clone");
  assert.match(second, /^1 pack imported \([1-9]\d* new events?\)/);
  await driver.wait(async () => (await driver.findElements(byId("team-folder-replica"))).length === 2, 15000, "two copies write there");
  await sleep(200);
  await shot("team-shared");

  // Opened again, the clone syncs by itself.
  await openApp(clone);
  await openTeam(null);
  await driver.wait(async () => /^Synced by itself: /.test(await textOf(driver, "team-sync-result")), 30000, "the sync on open");
  // The same screen in a small window: nothing cut.
  await driver.manage().window().setRect({ width: 1024, height: 700 });
  await sleep(400);
  await shot("team-1024");
  const overflow = await driver.executeScript(
    `return [...document.querySelectorAll('[data-testid="team-screen"] .dash-card')].filter((c) => c.scrollWidth > c.clientWidth + 1).length`,
  );
  assert.equal(overflow, 0, "no card is wider than its column");
});
