// Desktop end-to-end test of the app outliving its web process. WebKitGTK draws the UI in a
// separate web process, and that process can die: in one run of team.test.mjs it crashed in Mesa's
// software OpenGL (`swrast_dri.so`, on WebKit's compositor thread; the kernel logged a general
// protection fault) and WebDriver answered "session deleted because of page crash or hang". The
// window then kept the last frame it had drawn and answered nothing, for good. Here the web process
// is killed (SIGABRT, as a crash) while the Team screen is open: the window must come back by
// itself on the project grid (the app reloads the page). WebDriver's session dies with the web
// process, so the window is watched through screenshots of the X screen (ImageMagick's import and
// compare). Screenshots: recover-grid, recover-team, recover-after. Runs on the display and port
// of app.test.mjs (the files run one after the other).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { By, until } from "selenium-webdriver";
import { repo, scratchDir, sleep, startDriver, textOf } from "./driver.mjs";

const appBin = process.env.ARBITER_APP ?? path.join(repo, "target/debug/arbiter-app");
const cliBin = process.env.ARBITER ?? path.join(repo, "target/debug/arbiter");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const tmp = fs.realpathSync(scratchDir("arbiter-recover-"));
const project = path.join(tmp, "digits");

let harness;
let driver;

const find = (id, ms = 20000) => driver.wait(until.elementLocated(By.css(`[data-testid="${id}"]`)), ms, `no [data-testid=${id}]`);

/** The whole X screen saved as screenshots/NAME.png; returns the file. */
function screen(name) {
  fs.mkdirSync(shots, { recursive: true });
  const file = path.join(shots, `${name}.png`);
  execFileSync("import", ["-window", "root", file], { env: { ...process.env, DISPLAY: harness.display } });
  return file;
}

/** The share of pixels that differ between two screenshots (colours within 5 % count as equal). */
function difference(a, b) {
  let out;
  try {
    out = execFileSync("compare", ["-metric", "AE", "-fuzz", "5%", a, b, "null:"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    // compare exits with 1 when the images differ; the count is on stderr either way.
    if (e.status !== 1) throw e;
    out = e.stderr;
  }
  const [w, h] = execFileSync("identify", ["-format", "%w %h", a], { encoding: "utf8" }).split(" ").map(Number);
  return Number(String(out).trim().split(/\s/)[0]) / (w * h);
}

const read = (file) => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

/** The pid of the app's web process (a WebKitWebProcess descending from the app on `project`), or null. */
function webProcess() {
  const pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  const parent = new Map(pids.map((p) => [p, read(`/proc/${p}/stat`).replace(/^.*\) /s, "").split(" ")[1]]));
  const app = pids.find((p) => {
    const args = read(`/proc/${p}/cmdline`).split("\0");
    return path.basename(args[0]) === path.basename(appBin) && args.includes(project);
  });
  if (!app) return null;
  const descends = (p) => p === app || (p !== undefined && p !== "0" && p !== "1" && descends(parent.get(p)));
  return pids.find((p) => read(`/proc/${p}/comm`).startsWith("WebKitWebProces") && descends(parent.get(p))) ?? null;
}

before(async () => {
  execFileSync(path.join(repo, "scripts/demo-project.sh"), [project], { env: { ...process.env, ARBITER: cliBin }, stdio: "inherit" });
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":97" });
});

after(async () => {
  await Promise.race([driver?.quit().catch(() => {}), sleep(15000)]);
  harness?.stop();
});

test("the window comes back by itself on the project grid when its web process crashes", { timeout: 120000 }, async () => {
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 900 }).catch(() => {});
  await find("item-grid");
  // Every thumbnail in view drawn, then the picture of the grid.
  await driver.wait(
    () =>
      driver.executeScript(`const imgs = [...document.querySelectorAll('[data-testid="item-grid"] img')];
        return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);`),
    20000,
    "the grid's thumbnails",
  );
  await sleep(500);
  const grid = screen("recover-grid");

  await (await find("team-button")).click();
  await find("team-screen");
  await driver.wait(async () => (await textOf(driver, "team-replica-id")).length > 30, 15000, "this copy's id");
  await sleep(500);
  const team = screen("recover-team");
  assert.ok(difference(grid, team) > 0.05, "the Team screen looks unlike the grid");

  const crashed = webProcess();
  assert.ok(crashed, "the app's web process runs");
  process.kill(Number(crashed), "SIGABRT");

  // Back on the grid: a new web process, and the screen as it was before the Team screen opened.
  const end = Date.now() + 45000;
  let now;
  let left;
  for (;;) {
    await sleep(500);
    const web = webProcess();
    now = screen("recover-after");
    left = difference(grid, now);
    if (web && web !== crashed && left < 0.01) break;
    assert.ok(Date.now() < end, `the window should come back on the grid (web process ${web ?? "none"}, ${(left * 100).toFixed(1)} % of the screen unlike the grid, ${(difference(team, now) * 100).toFixed(1)} % unlike the dead Team screen)`);
  }
});
