// End-to-end test of `arbiter serve` with a real browser: Debian's Chromium (through
// chromedriver, headless) opens an invitation's sign-in link, signs in as ana, and labels 10 items
// of a saved queue with the keyboard; the lead's desktop app (through tauri-driver, the project
// open beside the server) then shows ana's 10 labels on its Dashboard. Then the lead serves the
// project from the app's own Team screen and invites ben there; Chromium opens ben's link and is
// signed in as ben, and the Team screen lists him as connected. Screenshots: serve-signed-in,
// serve-review, serve-signed-out, serve-dashboard, serve-team. The servers listen on free loopback
// ports; the app runs on its own X display (:93, or E2E_SERVE_DISPLAY) and tauri-driver port
// (TAURI_DRIVER_PORT + 30).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import net from "node:net";
import readline from "node:readline";
import { Builder, By, until } from "selenium-webdriver";
import chrome from "selenium-webdriver/chrome.js";
import { attrOf, repo, scratchDir, sleep, startDriver } from "./driver.mjs";

const appBin = process.env.ARBITER_APP ?? path.join(repo, "target/debug/arbiter-app");
const cliBin = process.env.ARBITER ?? path.join(repo, "target/debug/arbiter");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 30;
/** A port nobody listens on now (the system picks it). */
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port: p } = s.address();
      s.close(() => resolve(p));
    });
  });
const tmp = fs.realpathSync(scratchDir("arbiter-serve-"));
const project = path.join(tmp, "digits");
const cli = (...args) => execFileSync(cliBin, args, { encoding: "utf8" });

let server;
let browser;
let harness;
let app;
let link;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (d, id, ms = 20000) => d.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);

async function shot(d, name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `${name}.png`), await d.takeScreenshot(), "base64");
}

/** ana's label events in the project, read with the CLI. */
function anasLabels() {
  const out = path.join(tmp, `events-${Date.now()}.jsonl`);
  cli("--project", project, "annotations", "export", "--out", out);
  return fs
    .readFileSync(out, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((e) => e.annotator === "ana" && e.kind === "label");
}

before(async () => {
  execFileSync(path.join(repo, "scripts/demo-project.sh"), [project], { env: { ...process.env, ARBITER: cliBin }, stdio: "inherit" });
  cli("--project", project, "predict", "--model", "digits-cnn", "--dataset", "digits", "--device", "cpu");
  cli("--project", project, "annotators", "add", "lea", "--role", "lead");
  cli("--project", project, "queue", "--run", "1", "--strategy", "least-confidence", "--limit", "40", "--save", "round1");
  // The server on a port the system picks; the invitation names the address it printed.
  server = spawn(cliBin, ["--project", project, "--json", "serve", "--bind", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: server.stdout });
    lines.once("line", resolve);
    server.once("exit", (code) => reject(new Error(`arbiter serve exited with ${code}`)));
  });
  const url = JSON.parse(first).url;
  assert.match(url ?? "", /^http:\/\/127\.0\.0\.1:\d+$/, `arbiter serve started: ${first}`);
  link = JSON.parse(cli("--project", project, "--json", "invite", "ana", "--url", url)).url;
  const options = new chrome.Options()
    .setChromeBinaryPath(process.env.CHROMIUM ?? "/usr/bin/chromium")
    .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1360,900", `--user-data-dir=${path.join(tmp, "chromium")}`);
  browser = await new Builder()
    .forBrowser("chrome")
    .setChromeOptions(options)
    .setChromeService(new chrome.ServiceBuilder(process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver"))
    .build();
});

after(async () => {
  await Promise.race([browser?.quit().catch(() => {}), sleep(10000)]);
  await Promise.race([app?.quit().catch(() => {}), sleep(15000)]);
  harness?.stop();
  server?.kill("SIGTERM");
});

test("an annotator signs in with the invitation's link in Chromium and labels 10 items with the keyboard", { timeout: 240000 }, async () => {
  await browser.get(link);
  await find(browser, "project-screen", 30000);
  // The token left the address bar; the signed-in person is fixed.
  assert.equal(new URL(await browser.getCurrentUrl()).hash, "");
  const me = await find(browser, "session-badge");
  assert.equal(await me.getAttribute("data-annotator"), "ana");
  await find(browser, "item-grid");
  await sleep(300);
  await shot(browser, "serve-signed-in");
  await (await find(browser, "review-button")).click();
  await find(browser, "review-screen");
  // Nobody to choose: the screen labels as the signed-in person.
  assert.equal(await attrOf(browser, "annotator-signed-in", "data-annotator"), "ana");
  assert.equal((await browser.findElements(byId("annotator-select"))).length, 0);
  const choice = await browser.wait(
    async () => (await browser.findElements(byId("queue-choice")))[0] ?? (await browser.findElements(byId("review-item-id")))[0] ?? null,
    20000,
    "a queue to choose or an item",
  );
  if ((await choice.getAttribute("data-testid")) === "queue-choice") await choice.click();
  const labeled = [];
  for (let n = 1; n <= 10; n++) {
    const item = await browser.wait(
      () =>
        browser.executeScript(`
          const q = (id) => document.querySelector('[data-testid="' + id + '"]');
          const img = q("review-image");
          if (!q("review-item-id") || !img || !img.complete || !img.naturalWidth) return null;
          return { id: q("review-item-id").textContent, predicted: q("review-prediction")?.getAttribute("data-predicted") || "0" };`),
      20000,
      `item ${n} on screen, its image loaded over HTTP`,
    );
    assert.ok(!labeled.includes(item.id), `a new item each time (${item.id})`);
    labeled.push(item.id);
    if (n === 10) await shot(browser, "serve-review");
    // The model's guess as the label: its digit is its hotkey.
    await browser.actions().sendKeys(item.predicted).perform();
    await browser.wait(async () => (await attrOf(browser, "review-progress", "data-mine")) === String(n), 15000, `label ${n} counted`);
  }
  const stored = anasLabels();
  assert.equal(stored.length, 10, "ten labels in the project");
  assert.deepEqual(new Set(stored.map((e) => e.item_id)), new Set(labeled));
  await (await find(browser, "review-exit")).click();
  // Signing out ends the session: the page says so.
  await (await find(browser, "sign-out")).click();
  await find(browser, "signed-out-screen");
  await shot(browser, "serve-signed-out");
  await browser.navigate().refresh();
  await find(browser, "signed-out-screen");
});

test("the lead's desktop app, open beside the server, shows ana's 10 labels on its Dashboard", { timeout: 240000 }, async () => {
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_SERVE_DISPLAY ?? ":93" });
  app = await harness.session(["--project", project]);
  await app.manage().window().setRect({ width: 1360, height: 900 }).catch(() => {});
  await find(app, "project-screen", 30000);
  await (await find(app, "dashboard-button")).click();
  await find(app, "dashboard-screen");
  const row = await app.wait(until.elementLocated(By.css('[data-testid="dash-annotators"] tr[data-annotator="ana"]')), 30000, "ana on the dashboard");
  await app.executeScript("arguments[0].scrollIntoView({block: 'center'})", row);
  const texts = await app.executeScript("return [...arguments[0].querySelectorAll('td')].map((c) => c.textContent.trim())", row);
  assert.ok(texts.includes("10"), `ana's row shows her 10 labels: ${texts.join(" | ")}`);
  await sleep(300);
  await shot(app, "serve-dashboard");
});

test("the lead serves from the app's Team screen and invites ben, whose link signs Chromium in", { timeout: 240000 }, async () => {
  await (await find(app, "dashboard-back")).click();
  await app.wait(async () => (await app.findElements(byId("dashboard-screen"))).length === 0, 10000, "back to the items");
  await (await find(app, "team-button")).click();
  await find(app, "team-screen");
  const lead = await app.wait(until.elementLocated(By.css('[data-testid="annotator-select"] option[value="lea"]')), 20000, "lea to choose");
  await lead.click();
  const bind = await find(app, "serve-bind");
  await app.executeScript("arguments[0].scrollIntoView({block: 'center'})", bind);
  await bind.click();
  await app.actions().keyDown("\uE009").sendKeys("a").keyUp("\uE009").perform();
  const appServePort = await freePort();
  await bind.sendKeys(`127.0.0.1:${appServePort}`);
  await (await find(app, "serve-start")).click();
  const url = await (await find(app, "serve-url", 30000)).getAttribute("value");
  assert.equal(url, `http://127.0.0.1:${appServePort}`);
  const name = await find(app, "invite-name");
  await name.sendKeys("ben");
  await (await find(app, "invite-submit")).click();
  const benLink = await (await find(app, "invite-link", 30000)).getAttribute("value");
  assert.ok(benLink.startsWith(`${url}/signin#token=arb_`), benLink);
  // Ben's browser: signed in through the app's own server, as ben.
  await browser.get(benLink);
  await find(browser, "project-screen", 30000);
  assert.equal(await attrOf(browser, "session-badge", "data-annotator"), "ben");
  // The Team screen sees him connected (it asks every 2 s).
  await app.wait(until.elementLocated(By.css('[data-testid="serve-connected"][data-annotator="ben"]')), 20000, "ben connected");
  const running = await find(app, "serve-running");
  await app.executeScript("arguments[0].scrollIntoView({block: 'start'})", running);
  await sleep(300);
  await shot(app, "serve-team");
  await (await find(app, "serve-stop")).click();
  await find(app, "serve-start", 20000);
});
