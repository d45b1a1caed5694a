// Label Studio in the real app: a lead imports a Label Studio JSON export (the fixture, in Label
// Studio's documented format) through "Import from Label Studio…", sees its dataset, annotators
// and runs, and exports it back as Label Studio tasks from the Export screen — with screenshots
// in ./screenshots (labelstudio-*.png). An export whose images are not in the folder given is
// refused with the task named; a Text classification export becomes text items.
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
  // The labels of both fixtures: the image project's digits and the text project's sentiments.
  execFileSync(cliBin, ["init", project, "--labels", "3,5,8,negative,positive"]);
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":71" });
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 860 }).catch(() => {});
});

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

async function importExport(file, root) {
  await (await find("import-labelstudio-button")).click();
  await find("labelstudio-dialog");
  await typeInto(driver, await find("labelstudio-file"), file);
  if (root) await typeInto(driver, await find("labelstudio-root"), root);
  await (await find("labelstudio-submit")).click();
}

test("an export whose images are not in the folder given is refused with its task named", async () => {
  await find("project-screen");
  // The fixtures folder, not the digits folder the tasks' paths are relative to.
  await importExport(fixture("image_classification.json"), path.join(repo, "fixtures"));
  const error = await find("labelstudio-error");
  await driver.wait(async () => /task 101/.test(await error.getText()), 15000, "the refusal");
  assert.match(await error.getText(), /task 101: data\.image: media file "images\/3\/digit_0003\.png" not found/);
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

test("a Text classification export becomes text items, with its annotators and run", async () => {
  // Back from the Export screen the previous test ends on.
  await (await find("export-back")).click();
  await driver.wait(async () => (await driver.findElements(byId("export-screen"))).length === 0, 10000, "back to the project");
  // No images folder: the texts are in the export.
  await importExport(fixture("text_classification.json"));
  const summary = await find("predictions-summary", 60000);
  await driver.wait(async () => /text_classification@1/.test(await summary.getText()), 30000, "the text import's summary");
  assert.match(
    await summary.getText(),
    /text_classification@1: 2 items from Label Studio; 2 annotations by 2 annotators; run 3 \(sentiment-v1, 1 prediction\)\./,
  );
  await driver.wait(async () => (await driver.findElements(By.css('[data-testid="grid-cell"]'))).length === 2, 15000, "its two texts in the grid");
  const snippets = () =>
    driver.executeScript(`return [...document.querySelectorAll('[data-testid="grid-cell"] [data-testid="cell-snippet"]')].map((e) => e.textContent).join(" | ")`);
  await driver.wait(
    async () => {
      const shown = await snippets();
      return shown.includes("battery lasts two days") && shown.includes("support never answered");
    },
    15000,
    "both texts shown",
  );
  await sleep(400);
  await shot("text-imported");
  const datasets = JSON.parse(cli("--json", "dataset", "list"));
  const texts = datasets.find((d) => d.name === "text_classification");
  assert.equal(texts?.versions?.[0]?.texts, true, JSON.stringify(datasets));
});
