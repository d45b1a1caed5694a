// Predictions made outside Arbiter in the real app: a lead imports a CSV of probabilities (as a
// PyTorch pipeline would write it) through "Import predictions…", sees it as a run in the grid,
// and builds a margin queue from it on the Review screen — with screenshots in ./screenshots
// (predictions-*.png). A refused file shows the row it names and imports nothing.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { attrOf, repo, scratchDir, sleep, startDriver, textOf, typeInto } from "./driver.mjs";

const cliBin = path.join(repo, "target/debug/arbiter");
const appBin = path.join(repo, "target/debug/arbiter-app");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 50;
const tmp = scratchDir("arbiter-e2e-pred-");
const project = path.join(tmp, "digits");
const good = path.join(tmp, "torch-preds.csv");
const bad = path.join(tmp, "broken-preds.csv");

let harness;
let driver;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
const cli = (...a) => execFileSync(cliBin, ["--project", project, ...a], { encoding: "utf8" });

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `predictions-${name}.png`), await driver.takeScreenshot(), "base64");
}

async function choose(testId, value) {
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value}`);
  await option.click();
  await driver.wait(async () => (await attrOf(driver, testId, "value")) === value, 5000, `${testId} = ${value}`);
}

before(async () => {
  execFileSync(cliBin, ["init", project]);
  cli("dataset", "import", path.join(repo, "fixtures/digits/manifest.csv"), "--name", "digits");
  cli("annotators", "add", "lea", "--role", "lead");
  // Probabilities for every digit from a seeded generator, with every tenth item uncertain
  // between two classes (a small margin), six decimals, each row summing to 1.
  const ids = fs
    .readFileSync(path.join(repo, "fixtures/digits/manifest.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(",")[0]);
  let x = 12345;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const rows = ["item_id," + Array.from({ length: 10 }, (_, k) => `p_${k}`).join(",")];
  ids.forEach((id, i) => {
    const top = i % 10;
    const p = Array(10).fill(0);
    if (i % 10 === 3) {
      p[top] = 0.46;
      p[(top + 1) % 10] = 0.44;
      for (let k = 0; k < 10; k++) if (p[k] === 0) p[k] = 0.1 / 8;
    } else {
      p[top] = 0.82 + rand() * 0.1;
      const rest = (1 - p[top]) / 9;
      for (let k = 0; k < 10; k++) if (k !== top) p[k] = rest;
    }
    const fixed = p.map((v) => Math.round(v * 1e6) / 1e6);
    fixed[9 === top ? 0 : 9] += 1 - fixed.reduce((a, b) => a + b, 0);
    rows.push(`${id},${fixed.map((v) => v.toFixed(6)).join(",")}`);
  });
  fs.writeFileSync(good, rows.join("\n") + "\n");
  fs.writeFileSync(bad, `item_id,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9\n${ids[0]},0.5,0.5,0,0,0,0,0,0,0,0\nnot_a_digit,1,0,0,0,0,0,0,0,0,0\n`);
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":96" });
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 860 }).catch(() => {});
});

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

async function importFile(file, name) {
  await (await find("import-predictions-button")).click();
  await find("predictions-dialog");
  await typeInto(driver, await find("predictions-file"), file);
  await typeInto(driver, await find("predictions-name"), name);
  await typeInto(driver, await find("predictions-version"), "resnet18-e40");
  await (await find("predictions-submit")).click();
}

test("a refused predictions file names its row and imports nothing", async () => {
  await find("project-screen");
  await importFile(bad, "broken");
  const error = await find("predictions-error");
  await driver.wait(async () => /not_a_digit/.test(await error.getText()), 15000, "the refusal");
  assert.match(await error.getText(), /row 2 \(line 3\): item "not_a_digit" is not in digits@1/);
  await sleep(300);
  await shot("refused");
  assert.equal(JSON.parse(cli("--json", "runs")).length, 0, "nothing imported");
  await (await driver.findElement(By.xpath("//div[@data-testid='predictions-dialog']//button[normalize-space()='Cancel']"))).click();
  await driver.wait(() => driver.executeScript(`return !document.querySelector('[data-testid="predictions-dialog"]')`), 5000, "closed");
});

test("a lead imports a CSV of predictions and builds a margin queue from them", async () => {
  await importFile(good, "torch-resnet");
  const summary = await find("predictions-summary", 60000);
  assert.match(await summary.getText(), /Run 1: 1,797 predictions of digits@1 as torch-resnet@1 \(probabilities\)/);
  // The grid shows the imported run's predictions.
  await driver.wait(async () => (await attrOf(driver, "run-select", "value")) === "1", 15000, "the imported run is shown");
  await driver.wait(async () => (await driver.findElements(By.css('[data-testid="grid-cell"][data-predicted="0"]'))).length > 0, 15000, "its predictions in the grid");
  await sleep(400);
  await shot("imported");
  // A margin queue over it, from the Review screen.
  await (await find("review-button")).click();
  await find("review-screen");
  await choose("annotator-select", "lea");
  await (await find("review-choose-new-queue")).click();
  await find("queue-dialog");
  await driver.wait(async () => (await attrOf(driver, "queue-run", "value")) === "1", 10000, "the imported run is offered");
  assert.match(await driver.executeScript(`return document.querySelector('[data-testid="queue-run"] option:checked')?.textContent ?? ""`), /torch-resnet/);
  await choose("queue-strategy", "margin");
  await typeInto(driver, await find("queue-limit"), "20");
  await typeInto(driver, await find("queue-overlap-share"), "0");
  await typeInto(driver, await find("queue-name"), "small-margins");
  await sleep(200);
  await shot("queue-dialog");
  await (await find("queue-create")).click();
  await driver.wait(() => driver.executeScript(`return !document.querySelector('[data-testid="queue-dialog"]')`), 20000, "the queue dialog closes");
  // The queue holds the twenty smallest margins: items whose index ends in 3.
  const queued = JSON.parse(cli("--json", "queue", "--run", "1", "--strategy", "margin", "--limit", "20"));
  const items = (queued.items ?? queued).map((e) => e.item_id);
  assert.equal(items.length, 20);
  const ids = fs.readFileSync(good, "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[0]);
  for (const id of items) assert.equal(ids.indexOf(id) % 10, 3, `${id} has a small margin`);
  const saved = JSON.parse(cli("--json", "queues")).find((q) => q.queue.name === "small-margins");
  assert.ok(saved, "the queue is saved");
  assert.deepEqual([saved.queue.strategy, saved.queue.run, saved.counts.total], ["margin", 1, 20]);
  await sleep(300);
  await shot("review");
});
