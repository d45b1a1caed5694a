// Label Studio in the real app: a lead imports a Label Studio JSON export (the fixture, in Label
// Studio's documented format) through "Import from Label Studio…", sees its dataset, annotators
// and runs, and exports it back as Label Studio tasks from the Export screen — with screenshots
// in ./screenshots (labelstudio-*.png). A Text project is refused with the task named.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { attrOf, chooseOption, repo, saveShot, scratchDir, sleep, startDriver, typeInto } from "./driver.mjs";

const cliBin = path.join(repo, "target/debug/arbiter");
const appBin = path.join(repo, "target/debug/arbiter-app");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 70;
const tmp = scratchDir("arbiter-e2e-ls-");
const project = path.join(tmp, "from-ls");
const fixture = (name) => path.join(repo, "fixtures/labelstudio", name);
const out = path.join(tmp, "tasks.json");

let harness;
let driver;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
const cli = (...a) => execFileSync(cliBin, ["--project", project, ...a], { encoding: "utf8" });

const shot = (name) => saveShot(driver, shots, `labelstudio-${name}`);
const choose = (testId, value) => chooseOption(driver, testId, value);

before(async () => {
  execFileSync(cliBin, ["init", project]);
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":71" });
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 860 }).catch(() => {});
});

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

async function importExport(file) {
  await (await find("import-labelstudio-button")).click();
  await find("labelstudio-dialog");
  await typeInto(driver, await find("labelstudio-file"), file);
  await typeInto(driver, await find("labelstudio-root"), path.join(repo, "fixtures/digits"));
  await (await find("labelstudio-submit")).click();
}

test("a Text classification export is refused with its task named", async () => {
  await find("project-screen");
  await importExport(fixture("text_classification.json"));
  const error = await find("labelstudio-error");
  await driver.wait(async () => /task 201/.test(await error.getText()), 15000, "the refusal");
  assert.match(await error.getText(), /task 201: data\.text: .*text items are not yet supported/);
  await sleep(300);
  await shot("refused");
  assert.equal(JSON.parse(cli("--json", "dataset", "list")).length, 0, "nothing imported");
  await (await driver.findElement(By.xpath("//div[@data-testid='labelstudio-dialog']//button[normalize-space()='Cancel']"))).click();
  await driver.wait(() => driver.executeScript(`return !document.querySelector('[data-testid="labelstudio-dialog"]')`), 5000, "closed");
});

test("a lead imports a Label Studio project and exports it back as tasks", async () => {
  await (await find("import-labelstudio-button")).click();
  await find("labelstudio-dialog");
  await typeInto(driver, await find("labelstudio-file"), fixture("image_classification.json"));
  await typeInto(driver, await find("labelstudio-root"), path.join(repo, "fixtures/digits"));
  await sleep(200);
  await shot("dialog");
  await (await find("labelstudio-submit")).click();
  const summary = await find("predictions-summary", 60000);
  assert.match(
    await summary.getText(),
    /image_classification@1: 4 items from Label Studio; 5 annotations by 3 annotators; run 1 \(digits-resnet-v1, 4 predictions\), run 2 \(digits-resnet-v2, 2 predictions\); 1 cancelled annotation left out\./,
  );
  await driver.wait(async () => (await driver.findElements(By.css('[data-testid="grid-cell"]'))).length === 4, 15000, "its four items in the grid");
  // The grid shows the newest imported run's predictions.
  await driver.wait(async () => (await attrOf(driver, "run-select", "value")) === "2", 15000, "run 2 is shown");
  await driver.wait(async () => (await driver.findElements(By.css('[data-testid="grid-cell"][data-predicted="5"]'))).length === 1, 15000, "its prediction of 102");
  await sleep(400);
  await shot("imported");
  const annotators = JSON.parse(cli("--json", "annotators", "list")).map((a) => a.name ?? a.annotator?.name);
  assert.deepEqual(annotators.sort(), ["ana@example.com", "ben@example.com", "labelstudio-user-3"]);
  // Back out as Label Studio tasks, with run 2's predictions.
  await (await find("export-button")).click();
  await find("export-screen");
  await choose("export-format", "labelstudio");
  await choose("export-run", "2");
  await typeInto(driver, await find("export-path"), out);
  await driver.wait(async () => (await attrOf(driver, "export-count", "data-rows")) === "4", 15000, "4 tasks will be written");
  await sleep(300);
  await shot("export");
  await (await find("export-submit")).click();
  const done = await find("export-done", 60000);
  assert.equal(await done.getAttribute("data-rows"), "4");
  const tasks = JSON.parse(fs.readFileSync(out, "utf8"));
  assert.equal(tasks.length, 4);
  assert.equal(tasks[1].predictions[0].model_version, "digits-resnet-v2");
  assert.equal(tasks[0].annotations.length, 2);
  await sleep(300);
  await shot("exported");
});
