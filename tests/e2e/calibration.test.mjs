// Calibration and certified auto-accept in the real app: a lead fits the run's temperature on
// the audit queue (a random queue saved without a threshold, labeled by ana) from the
// Dashboard's calibration card, moves the risk slider to a certified level, applies
// auto-accept, and the export carries those items decided by "auto"; then saves a review queue
// ranked by calibrated confidence — with screenshots in ./screenshots (calibration-*.png).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { attrOf, repo, scratchDir, sleep, startDriver, textOf } from "./driver.mjs";

const cliBin = path.join(repo, "target/debug/arbiter");
const appBin = path.join(repo, "target/debug/arbiter-app");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 60;
const tmp = scratchDir("arbiter-e2e-cal-");
const project = path.join(tmp, "digits");

let harness;
let driver;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
const findAll = (id) => driver.findElements(byId(id));
const cli = (...a) => execFileSync(cliBin, ["--project", project, ...a], { encoding: "utf8" });

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `calibration-${name}.png`), await driver.takeScreenshot(), "base64");
}

async function choose(testId, value) {
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value}`);
  await option.click();
  await driver.wait(async () => (await attrOf(driver, testId, "value")) === value, 5000, `${testId} = ${value}`);
}

before(async () => {
  execFileSync(cliBin, ["init", project]);
  cli("dataset", "import", path.join(repo, "fixtures/digits/manifest.csv"), "--name", "digits");
  cli("model", "add", path.join(repo, "fixtures/models/digits_logits.onnx"), "--name", "cnn");
  cli("predict", "--model", "cnn", "--dataset", "digits");
  cli("annotators", "add", "lea", "--role", "lead");
  cli("annotators", "add", "ana");
  // The audit queue: 600 random items, labeled by ana with the dataset's labels.
  cli("queue", "--run", "1", "--strategy", "random", "--limit", "600", "--save", "audit", "--seed", "7");
  const given = Object.fromEntries(
    fs
      .readFileSync(path.join(repo, "fixtures/digits/manifest.csv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => [l.split(",")[0], l.split(",")[2]]),
  );
  const audit = JSON.parse(cli("--json", "queue", "--run", "1", "--strategy", "random", "--limit", "600", "--seed", "7"));
  const ids = (audit.items ?? audit).map((e) => e.item_id);
  assert.equal(ids.length, 600);
  fs.writeFileSync(path.join(tmp, "audit.csv"), ["item_id,annotator,label", ...ids.map((id) => `${id},ana,${given[id]}`)].join("\n") + "\n");
  cli("annotations", "import", path.join(tmp, "audit.csv"));
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":96" });
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 900 }).catch(() => {});
});

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

test("the lead calibrates on the audit queue, picks a risk on the slider and applies auto-accept; the export shows them decided by auto", async () => {
  await find("project-screen");
  await (await find("conflicts-button")).click();
  await find("conflicts-screen");
  await choose("annotator-select", "lea");
  await (await driver.findElement(By.xpath("//button[contains(., 'Items')]"))).click();
  await find("project-screen");
  await (await find("dashboard-button")).click();
  await find("dashboard-screen");
  const card = await find("dash-calibration");
  await driver.executeScript("arguments[0].scrollIntoView({block: 'start'})", card);
  await driver.wait(async () => (await attrOf(driver, "calibration-sample", "value")) === "audit", 15000, "the audit queue is the fair sample");
  await (await find("calibration-fit")).click();
  const fitted = await find("calibration-fitted", 30000);
  const t = Number(await fitted.getAttribute("data-temperature"));
  // The same T as the command line's calibrate (it fits the same sample).
  const cliFit = JSON.parse(cli("--json", "calibrate", "--run", "1", "--sample", "audit"));
  assert.ok(Math.abs(cliFit.temperature - t) < 1e-9, `${cliFit.temperature} vs ${t}`);
  await find("calibration-risk", 30000);
  // Slide to 5% risk (the fifth level): certified on this sample.
  const slider = await find("calibration-risk-slider");
  await driver.executeScript(
    `const s = arguments[0]; const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set; set.call(s, "4"); s.dispatchEvent(new Event("input", { bubbles: true })); s.dispatchEvent(new Event("change", { bubbles: true }));`,
    slider,
  );
  await driver.wait(async () => (await attrOf(driver, "calibration-risk", "data-risk")) === "0.05", 5000, "the slider at 5%");
  assert.equal(await attrOf(driver, "calibration-risk", "data-status"), "certified");
  assert.match(await textOf(driver, "calibration-risk-text"), /no longer needs a person; their error is at most/);
  await sleep(400);
  await shot("card");
  await (await find("calibration-apply")).click();
  const applied = await find("calibration-applied", 30000);
  const accepted = Number((await applied.getText()).match(/applied: ([\d,]+) items/)[1].replace(/,/g, ""));
  assert.ok(accepted > 0, await applied.getText());
  await sleep(300);
  await shot("applied");

  // The export: the items nobody labeled above the threshold are decided by "auto".
  const out = path.join(tmp, "export.jsonl");
  cli("export", "--out", out, "--allow-below-target");
  const rows = fs.readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const auto = rows.filter((r) => r.rule === "auto");
  assert.ok(auto.length > 0 && auto.length <= accepted, `${auto.length} rows decided by auto`);
  const again = JSON.parse(cli("--json", "queue", "--run", "1", "--strategy", "random", "--limit", "600", "--seed", "7"));
  const audited = new Set((again.items ?? again).map((e) => e.item_id));
  for (const r of auto) assert.ok(!audited.has(r.item_id), `${r.item_id}: a person's label wins`);
  const lineage = JSON.parse(fs.readFileSync(`${out}.lineage.json`, "utf8"));
  assert.ok(lineage.auto_accept, JSON.stringify(Object.keys(lineage)));
});

test("the lead saves a review queue ranked by calibrated confidence: the dialog counts by it and the queue keeps T", async () => {
  const t = JSON.parse(cli("--json", "runs")).find((r) => r.run === 1).temperature;
  assert.ok(t > 0, `run 1 is calibrated (T = ${t})`);
  await (await driver.findElement(By.xpath("//button[contains(., 'Items')]"))).click();
  await find("project-screen");
  await (await find("review-button")).click();
  await find("review-screen");
  await (await find("queue-new")).click();
  await find("queue-dialog");
  await driver.wait(async () => (await attrOf(driver, "queue-run", "value")) === "1", 10000, "run 1 is offered");
  const box = await find("queue-calibrated");
  await driver.wait(async () => await box.isEnabled(), 10000, "the calibrated choice is offered for a calibrated run");
  assert.equal(await textOf(driver, "queue-calibrated-text"), `Rank by calibrated confidence (T = ${t.toFixed(3)})`);
  await box.click();
  const threshold = await find("threshold-enabled");
  if (!(await threshold.isSelected())) await threshold.click();
  // The live count is the command line's calibrated count below the default 0.60.
  const want = JSON.parse(cli("--json", "queue", "--run", "1", "--strategy", "least-confidence", "--calibrated", "--threshold", "0.6")).length;
  await driver.wait(
    async () => (await textOf(driver, "threshold-count")).endsWith("below 0.60 calibrated confidence"),
    15000,
    "the count is of calibrated confidence",
  );
  assert.equal(Number(await attrOf(driver, "threshold-count", "data-below")), want);
  const name = await find("queue-name");
  await name.clear();
  await name.sendKeys("calibrated hard");
  await sleep(300);
  await shot("queue-dialog");
  await (await find("queue-create")).click();
  await driver.wait(async () => (await findAll("queue-dialog")).length === 0, 20000, "the queue dialog closes");
  const saved = JSON.parse(cli("--json", "queues")).find((q) => q.queue.name === "calibrated hard");
  assert.ok(saved, "the queue is saved");
  assert.equal(saved.queue.temperature, t);
  assert.equal(saved.counts.total, want);
});
