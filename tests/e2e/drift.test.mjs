// Drift in the real app: wine with a forest run whose auto-accept a lead applied (set up from
// the command line); the lead imports a second version of wine in the app, runs the model on it,
// opens the Drift screen, sees the verdict, the drifted columns and their overlaid histograms —
// and that the auto-accept is now stale — queues the drifted items and finds the queue on the
// Review screen. Screenshots in ./screenshots (drift-*.png).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { By, Key, until } from "selenium-webdriver";
import { attrOf, repo, scratchDir, sleep, startDriver, textOf, typeInto } from "./driver.mjs";

const cliBin = path.join(repo, "target/debug/arbiter");
const appBin = path.join(repo, "target/debug/arbiter-app");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 70;
const tmp = scratchDir("arbiter-e2e-drift-");
const project = path.join(tmp, "wine");
const wine = path.join(repo, "fixtures/tabular/wine.csv");
// The second version: new ids, seven of the thirteen features moved (a dataset drift).
const MOVED = ["alcohol", "malic_acid", "magnesium", "flavanoids", "color_intensity", "hue", "proline"];
const v2 = path.join(tmp, "v2", "wine.csv");

let harness;
let driver;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
const findAll = (id) => driver.findElements(byId(id));
const cli = (...a) => execFileSync(cliBin, ["--project", project, ...a], { encoding: "utf8" });

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `drift-${name}.png`), await driver.takeScreenshot(), "base64");
}

function writeSecondVersion() {
  const [header, ...rows] = fs.readFileSync(wine, "utf8").trim().split("\n");
  const names = header.split(",");
  const out = rows.map((line) =>
    line
      .split(",")
      .map((v, i) => (names[i] === "id" ? `v2_${v}` : MOVED.includes(names[i]) ? String(Number(v) * 1.3) : v))
      .join(","),
  );
  fs.mkdirSync(path.dirname(v2), { recursive: true });
  fs.writeFileSync(v2, [header, ...out].join("\n") + "\n");
}

before(async () => {
  execFileSync(cliBin, ["init", project]);
  cli("dataset", "import", wine, "--name", "wine");
  cli("model", "add", path.join(repo, "fixtures/models/wine_forest.onnx"), "--name", "forest");
  cli("predict", "--model", "forest", "--dataset", "wine");
  cli("annotators", "add", "lea", "--role", "lead");
  cli("annotators", "add", "ana");
  // A fair audit sample of run 1, labeled by ana with the given labels, and auto-accept on it.
  cli("queue", "--run", "1", "--strategy", "random", "--limit", "100", "--save", "audit", "--seed", "7");
  const [header, ...rows] = fs.readFileSync(wine, "utf8").trim().split("\n");
  const cols = header.split(",");
  const given = Object.fromEntries(rows.map((l) => l.split(",")).map((c) => [c[cols.indexOf("id")], c[cols.indexOf("label")]]));
  const audit = JSON.parse(cli("--json", "queue", "--run", "1", "--strategy", "random", "--limit", "100", "--seed", "7"));
  const ids = (audit.items ?? audit).map((e) => e.item_id);
  fs.writeFileSync(path.join(tmp, "audit.csv"), ["item_id,annotator,label", ...ids.map((id) => `${id},ana,${given[id]}`)].join("\n") + "\n");
  cli("annotations", "import", path.join(tmp, "audit.csv"));
  cli("autoaccept", "--run", "1", "--sample", "audit", "--risk", "0.1", "--delta", "0.1", "--apply", "--by", "lea");
  writeSecondVersion();
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":96" });
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 900 }).catch(() => {});
});

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

test("the lead imports a second version, sees the drifted columns and their histograms, the stale auto-accept, and queues the drifted items", async () => {
  await find("project-screen");
  // The second version, imported in the app: same file name, so the same dataset.
  await (await find("import-button")).click();
  await find("import-dialog");
  await typeInto(driver, await find("import-source"), v2);
  await (await find("import-submit")).click();
  await driver.wait(
    async () => JSON.parse(cli("--json", "dataset", "list")).some((d) => d.name === "wine" && d.versions.length === 2),
    30000,
    "wine@2 is imported",
  );
  await sleep(400);
  await shot("imported");
  if ((await findAll("import-dialog")).length) await driver.actions().sendKeys(Key.ESCAPE).perform();
  // The model on the new version (run 2), so its drifted items can be queued.
  cli("predict", "--model", "forest", "--dataset", "wine");

  await (await find("drift-button")).click();
  await find("drift-screen");
  await driver.wait(async () => (await attrOf(driver, "drift-reference", "value")) === "wine@1", 15000, "wine@1 is the reference");
  assert.equal(await attrOf(driver, "drift-current", "value"), "wine@2");
  const line = await find("drift-verdict-line", 30000);
  await driver.wait(async () => /of 13 columns drifted/.test(await line.getText()), 30000, "the verdict");
  assert.equal(await attrOf(driver, "drift-verdict", "data-drifted"), "true");
  const rows = await findAll("drift-row");
  assert.equal(rows.length, 13);
  const drifted = [];
  for (const r of rows) if ((await r.getAttribute("data-drifted")) === "true") drifted.push(await r.getAttribute("data-column"));
  for (const c of MOVED) assert.ok(drifted.includes(c), `${c} drifted (${drifted.join(", ")})`);
  assert.match(await line.getText(), new RegExp(`^${drifted.length} of 13 columns drifted`));
  // The auto-accept certified on run 1 (wine@1) is stale now, and the command line agrees.
  const stale = await find("drift-autoaccept-stale");
  assert.match(await stale.getText(), /Auto-accept on run 1 .* is stale/);
  assert.match(await stale.getText(), /dataset drift; drifted columns: .*alcohol/);
  const cert = JSON.parse(cli("--json", "autoaccept", "--run", "1", "--sample", "audit", "--risk", "0.1", "--delta", "0.1"));
  assert.equal(cert.stale?.reason, "dataset drift");
  // A drifted column's overlaid histogram.
  const proline = await driver.findElement(By.css('[data-testid="drift-row"][data-column="proline"]'));
  await driver.executeScript("arguments[0].scrollIntoView({block: 'center'})", proline);
  await sleep(200);
  await (await proline.findElement(By.css("td.drift-name"))).click();
  await driver.wait(async () => (await attrOf(driver, "drift-histogram", "data-column")) === "proline", 10000, "proline's histogram");
  await sleep(800);
  await shot("report");

  // Queue the drifted items: run 2's items least like wine@1 first.
  await (await find("drift-queue")).click();
  const name = await find("drift-queue-name");
  assert.equal(await name.getAttribute("value"), "drift wine@2");
  await sleep(200);
  await shot("queue-form");
  await (await find("drift-queue-save")).click();
  const done = await find("drift-queue-done", 60000);
  assert.match(await done.getText(), /Saved queue “drift wine@2”: 178 items of wine@2/);
  await sleep(300);
  await shot("queued");
  const saved = JSON.parse(cli("--json", "queues")).find((q) => q.queue.name === "drift wine@2");
  assert.deepEqual([saved?.queue.strategy, saved?.queue.run, saved?.counts.total], ["drift", 2, 178]);

  // The queue is there to work on, on the Review screen.
  await (await find("drift-back")).click();
  await find("project-screen");
  await (await find("review-button")).click();
  await find("review-screen");
  await (await driver.findElement(By.css('[data-testid="annotator-choice"][data-name="lea"]'))).click();
  const option = await driver.wait(
    until.elementLocated(By.xpath(`//select[@data-testid="queue-select"]/option[contains(., "drift wine@2")]`)),
    20000,
    "the drift queue is offered",
  );
  await option.click();
  // Its first item: the current row least like the reference.
  await driver.wait(async () => (await textOf(driver, "review-item-id")).startsWith("v2_wine_"), 20000, "the queue's first item");
  await sleep(400);
  await shot("review");
});
