// Desktop end-to-end test: the real Arbiter app under Xvfb, driven through tauri-driver and
// WebKitWebDriver as a user would — open the demo project, see the grid, open an item, zoom,
// filter, import (a bad manifest, then a good folder) — with screenshots in ./screenshots.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Builder, By, Key, until } from "selenium-webdriver";

const repo = path.resolve(import.meta.dirname, "../..");
const appBin = process.env.ARBITER_APP ?? path.join(repo, "target/debug/arbiter-app");
const cliBin = process.env.ARBITER ?? path.join(repo, "target/debug/arbiter");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "arbiter-e2e-"));
const demo = path.join(tmp, "digits");

let xvfb;
let tauriDriver;
let driver;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tauriDriverPath() {
  const local = path.join(os.homedir(), ".cargo/bin/tauri-driver");
  return fs.existsSync(local) ? local : "tauri-driver";
}

/** Wait until something listens on 127.0.0.1:port (tauri-driver's /status would proxy to a
 * native driver that only starts with the session, so only the socket is checked). */
async function waitForPort(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const open = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on port ${port} after ${ms} ms`);
}

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
const findAll = (id) => driver.findElements(byId(id));

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  const png = await driver.takeScreenshot();
  fs.writeFileSync(path.join(shots, `${name}.png`), png, "base64");
}

before(async () => {
  execFileSync(path.join(repo, "scripts/demo-project.sh"), [demo], { env: { ...process.env, ARBITER: cliBin }, stdio: "inherit" });
  // A fresh config folder (recent projects) for the app; the ONNX Runtime library stays where
  // set-up put it for the real user.
  const dataHome = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local/share");
  const ortLib = process.env.ORT_DYLIB_PATH ?? path.join(dataHome, "arbiter/onnxruntime/1.31.1/libonnxruntime.so.1.31.1");
  const env = {
    ...process.env,
    HOME: path.join(tmp, "home"),
    XDG_CONFIG_HOME: path.join(tmp, "config"),
    XDG_DATA_HOME: dataHome,
    ORT_DYLIB_PATH: ortLib,
    ARBITER_PROJECT: demo,
  };
  if (!process.env.DISPLAY) {
    const display = ":97";
    xvfb = spawn("Xvfb", [display, "-screen", "0", "1400x900x24", "-nolisten", "tcp"], { stdio: "ignore" });
    env.DISPLAY = display;
    const sock = `/tmp/.X11-unix/X${display.slice(1)}`;
    for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await sleep(50);
  }
  tauriDriver = spawn(tauriDriverPath(), ["--port", String(port), "--native-port", String(port + 1)], { env, stdio: ["ignore", "inherit", "inherit"] });
  await waitForPort(port, 20000);
  // tauri-driver starts WebKitWebDriver on the first session request and proxies to it; on a
  // loaded machine that driver may not listen yet, and the request fails with a reset. Retry.
  for (let attempt = 1; ; attempt++) {
    try {
      driver = await new Builder()
        .usingServer(`http://127.0.0.1:${port}/`)
        .withCapabilities({ browserName: "wry", "tauri:options": { application: appBin, args: ["--project", demo] } })
        .build();
      break;
    } catch (e) {
      if (attempt >= 5) throw e;
      console.error(`session start failed (${e.message}); retrying (${attempt}/5)`);
      await sleep(2000 * attempt);
    }
  }
  await driver.manage().window().setRect({ width: 1360, height: 860 }).catch(() => {});
});

after(async () => {
  await driver?.quit().catch(() => {});
  tauriDriver?.kill();
  xvfb?.kill();
});

test("the app opens the demo project and shows the item grid with thumbnails", async () => {
  await find("project-screen");
  assert.equal(await (await find("project-name")).getText(), "digits");
  const entry = await find("dataset-entry");
  assert.equal(await entry.getAttribute("data-name"), "digits");
  await find("item-grid");
  await driver.wait(async () => (await findAll("grid-cell")).length > 20, 20000, "grid cells");
  assert.match(await (await find("grid-count")).getText(), /1,?797/);
  // Thumbnails come through the thumb:// protocol and decode (8×8 digits).
  await driver.wait(
    () => driver.executeScript(`return [...document.querySelectorAll('[data-testid="grid-cell"] img')].filter(i => i.complete && i.naturalWidth === 8).length`).then((n) => n >= 10),
    20000,
    "thumbnails should load",
  );
  const first = (await findAll("grid-cell"))[0];
  assert.equal(await first.getAttribute("data-id"), "digit_0000");
  await sleep(300);
  await shot("grid");
});

test("clicking a cell opens the item view with crisp pixels, metadata and zoom", async () => {
  const cell = await driver.wait(until.elementLocated(By.css('[data-testid="grid-cell"][data-id="digit_0003"]')), 20000);
  await cell.click();
  await find("item-view");
  assert.equal(await (await find("item-id")).getText(), "digit_0003");
  assert.match(await (await find("item-label")).getText(), /\b3\b/);
  const img = await find("item-image");
  await driver.wait(() => driver.executeScript("return arguments[0].complete && arguments[0].naturalWidth", img).then((w) => w === 8), 20000, "full image");
  const rendering = await driver.executeScript("return getComputedStyle(arguments[0]).imageRendering", img);
  assert.ok(["pixelated", "crisp-edges", "-webkit-optimize-contrast"].includes(rendering), `image-rendering is ${rendering}`);
  const zoom = async () => parseFloat((await (await find("zoom-level")).getText()).replace(/[^0-9.]/g, ""));
  const before = await zoom();
  await (await find("zoom-in")).click();
  await driver.wait(async () => (await zoom()) > before, 5000, "zoom in");
  const rect = await img.getRect();
  assert.ok(rect.width >= 8 * 10, `an 8-pixel image should be shown large, got ${rect.width}px`);
  await sleep(200);
  await shot("item-view");
  await (await find("item-close")).click();
  await driver.wait(async () => (await findAll("item-view")).length === 0, 5000, "item view closes");
});

test("the label filter narrows the grid", async () => {
  const select = await find("label-filter");
  await select.click();
  const option = await select.findElement(By.css('option[value="7"]'));
  await option.click();
  await driver.wait(async () => /179/.test(await (await find("grid-count")).getText()), 10000, "179 sevens");
  await driver.wait(
    async () => {
      const cells = await findAll("grid-cell");
      if (cells.length === 0) return false;
      const ids = await Promise.all(cells.slice(0, 5).map((c) => c.getAttribute("data-id")));
      return ids[0] === "digit_0007";
    },
    10000,
    "first seven",
  );
});

test("a run on the demo project: progress, provider, notice, then predictions in the grid and the item view", async () => {
  // Back to every item.
  const filter = await find("label-filter");
  await filter.findElement(By.css('option[value="__all__"]')).click();
  await (await find("run-button")).click();
  await find("run-dialog");
  const model = await find("run-model");
  await driver.wait(async () => (await model.findElements(By.css('option[value="digits-cnn@1"]'))).length === 1, 10000, "the demo model is offered");
  await model.findElement(By.css('option[value="digits-cnn@1"]')).click();
  await (await find("run-start")).click();
  const summary = await find("run-summary", 60000);
  assert.match(await summary.getText(), /1,?797/);
  assert.equal(await (await find("run-provider")).getText(), "CPUExecutionProvider");
  assert.match(await (await find("run-notice")).getText(), /CUDA is not available.*running on CPU/s);
  await shot("run-done");
  await driver.actions().sendKeys(Key.ESCAPE).perform();
  await driver.wait(async () => (await findAll("run-dialog")).length === 0, 5000, "the run dialog closes");
  // The grid shows the run: every visible cell carries a prediction and a confidence.
  await driver.wait(
    async () => {
      const cells = await findAll("grid-cell");
      if (cells.length < 10) return false;
      const predicted = await Promise.all(cells.slice(0, 10).map((c) => c.getAttribute("data-predicted")));
      return predicted.every((p) => p !== null && p !== "");
    },
    20000,
    "predictions on the thumbnails",
  );
  // Least confident first.
  const sort = await find("sort-select");
  await sort.findElement(By.css('option[value="confidence_asc"]')).click();
  await driver.wait(
    async () => {
      const cells = await findAll("grid-cell");
      const conf = (await Promise.all(cells.slice(0, 8).map((c) => c.getAttribute("data-confidence")))).map(Number);
      return conf.length === 8 && conf.every((c, i) => i === 0 || conf[i - 1] <= c) && conf[0] < 0.9;
    },
    20000,
    "sorted by confidence, least first",
  );
  await sleep(300);
  await shot("grid-predictions");
  (await findAll("grid-cell"))[0].click();
  await find("item-prediction");
  const bars = await findAll("prob-bar");
  assert.ok(bars.length >= 2 && bars.length <= 10, `top-k bars: ${bars.length}`);
  const probs = (await Promise.all(bars.map((b) => b.getAttribute("data-probability")))).map(Number);
  assert.ok(probs.every((p, i) => i === 0 || probs[i - 1] >= p), `bars most probable first: ${probs}`);
  await sleep(200);
  await shot("item-prediction");
  await (await find("item-close")).click();
});

test("import: a bad manifest is refused naming the row; an image folder imports", async () => {
  const bad = path.join(tmp, "bad.csv");
  fs.writeFileSync(bad, "id,label\na,3\nb,3\na,4\n");
  await (await find("import-button")).click();
  await find("import-dialog");
  const source = await find("import-source");
  await source.clear();
  await source.sendKeys(bad);
  await (await find("import-submit")).click();
  const error = await find("import-error");
  await driver.wait(async () => (await error.getText()).includes("duplicate id"), 10000, "error shown");
  const text = await error.getText();
  assert.match(text, /row 3 \(line 4\)/);
  assert.match(text, /bad\.csv/);
  await shot("import-error");
  // Nothing was written: still one dataset.
  assert.equal((await findAll("dataset-entry")).length, 1);

  await source.clear();
  await source.sendKeys(path.join(repo, "fixtures/digits-unlabeled"));
  await (await find("import-submit")).click();
  await driver.wait(
    async () => {
      const entries = await findAll("dataset-entry");
      const names = await Promise.all(entries.map((e) => e.getAttribute("data-name")));
      return names.includes("digits-unlabeled");
    },
    20000,
    "the new dataset appears",
  );
  await shot("import-done");
  const dialogs = await findAll("import-dialog");
  if (dialogs.length) await driver.actions().sendKeys(Key.ESCAPE).perform();
});
