// Text items in the real app: a dataset imported with a text column shows snippets in the grid,
// the whole text (search highlighted) in the item view, and is labeled with the keyboard alone
// on the Review screen, the labels visible in the grid afterwards; a token model is added from
// the Add-model dialog with its tokenizer chosen — with screenshots in ./screenshots (text-*.png).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { attrOf, repo, scratchDir, sleep, startDriver, typeInto } from "./driver.mjs";

const cliBin = path.join(repo, "target/debug/arbiter");
const appBin = path.join(repo, "target/debug/arbiter-app");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 80;
const tmp = scratchDir("arbiter-e2e-text-");
const project = path.join(tmp, "docs");
const QUEUE_ITEMS = 6;

let harness;
let driver;
/** Label name → hotkey. */
let hotkeys = new Map();
/** Item id → the label pressed for it. */
const labeled = new Map();

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
const findAll = (id) => driver.findElements(byId(id));
const cli = (...a) => execFileSync(cliBin, ["--project", project, ...a], { encoding: "utf8" });
const press = (key) => driver.actions().sendKeys(key).perform();

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `text-${name}.png`), await driver.takeScreenshot(), "base64");
}

async function choose(testId, value) {
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value}`);
  await option.click();
  await driver.wait(async () => (await attrOf(driver, testId, "value")) === value, 5000, `${testId} = ${value}`);
}

before(async () => {
  execFileSync(cliBin, ["init", project]);
  cli("dataset", "import", path.join(repo, "fixtures/text/descr.csv"), "--text-col", "text", "--name", "descriptions");
  cli("model", "add", path.join(repo, "fixtures/text/tfidf_logreg.onnx"), "--name", "tfidf");
  cli("predict", "--model", "tfidf", "--dataset", "descriptions");
  cli("annotators", "add", "ana");
  hotkeys = new Map(JSON.parse(cli("--json", "labels")).labels.map((l) => [l.name, l.hotkey]));
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":96" });
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 860 }).catch(() => {});
});

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

test("the grid shows text snippets and the item view the whole text with the search highlighted", async () => {
  await find("project-screen");
  await find("cell-snippet", 30000);
  await sleep(400);
  await shot("grid");
  const first = () =>
    driver.executeScript(`return document.querySelector('[data-testid="grid-cell"][data-index="0"] [data-testid="cell-snippet"]')?.textContent ?? ""`);
  await driver.wait(async () => /20 newsgroups dataset/.test(await first()), 15000, "the first item's snippet");
  const search = await find("grid-search");
  await search.sendKeys("loader");
  // Every item whose text (or id) says "loader", whatever the case.
  const want = fs
    .readFileSync(path.join(repo, "fixtures/text/descr.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((r) => /loader/i.test(r.text) || /loader/i.test(r.id)).length;
  assert.ok(want >= 2);
  await driver.wait(
    async () => (await driver.executeScript(`return document.querySelectorAll('[data-testid="grid-cell"]').length`)) === want,
    15000,
    `the search matches the ${want} texts that say loader`,
  );
  await sleep(300);
  await shot("search");
  await (await driver.findElement(byId("grid-cell"))).click();
  const text = await find("item-text");
  await driver.wait(async () => (await text.getText()).length > 100, 10000, "the whole text");
  const marks = await text.findElements(By.css("mark"));
  assert.ok(marks.length >= 1, "the search term is highlighted");
  assert.equal((await marks[0].getText()).toLowerCase(), "loader");
  await sleep(300);
  await shot("item-view");
  await (await find("item-close")).click();
  await driver.wait(async () => (await findAll("item-view")).length === 0, 5000, "the item view closes");
  await typeInto(driver, search, "");
});

/** The review screen's state in one round trip. */
const snap = () =>
  driver.executeScript(`
    const q = (id) => document.querySelector('[data-testid="' + id + '"]');
    const p = q("review-progress");
    return {
      id: q("review-item-id")?.textContent ?? null,
      text: q("review-text")?.innerText ?? null,
      predicted: q("review-prediction")?.getAttribute("data-predicted") || null,
      mine: p ? Number(p.getAttribute("data-mine")) : null,
      empty: !!q("review-empty"),
    };`);

async function waitSnap(pred, what, ms = 15000) {
  let last;
  try {
    await driver.wait(async () => pred((last = await snap())), ms);
  } catch (e) {
    throw new Error(`${what}: last review state ${JSON.stringify(last)} (${e.message})`);
  }
  return last;
}

test("ana labels text items with the keyboard alone on the Review screen", async () => {
  await (await find("review-button")).click();
  await find("review-screen");
  await choose("annotator-select", "ana");
  await (await find("review-choose-new-queue")).click();
  await find("queue-dialog");
  await driver.wait(async () => ((await attrOf(driver, "queue-run", "value")) ?? "") !== "", 10000, "the run is offered");
  await typeInto(driver, await find("queue-limit"), String(QUEUE_ITEMS));
  await typeInto(driver, await find("queue-overlap-share"), "0");
  await typeInto(driver, await find("queue-name"), "texts");
  await (await find("queue-create")).click();
  await driver.wait(async () => (await findAll("queue-dialog")).length === 0, 20000, "the queue dialog closes");
  for (let i = 0; i < QUEUE_ITEMS; i++) {
    const s = await waitSnap((x) => x.id !== null && x.text !== null && x.text.length > 40 && x.mine === i, `item ${i + 1} on screen`);
    assert.ok(!labeled.has(s.id), `${s.id} is handed out once`);
    const label = s.predicted;
    assert.ok(hotkeys.has(label), `${s.id}: predicted ${label} has a hotkey`);
    if (i === 1) {
      await sleep(300);
      await shot("review");
    }
    labeled.set(s.id, label);
    await press(hotkeys.get(label));
    await waitSnap((x) => x.mine === i + 1 && (x.empty || x.id !== s.id), `after labeling ${s.id} the counter reads ${i + 1}`);
  }
  await waitSnap((x) => x.empty && x.mine === QUEUE_ITEMS, "the end of the queue");
  await shot("review-done");
  const decisions = JSON.parse(cli("--json", "decisions"));
  const list = decisions.decisions ?? decisions;
  assert.equal(list.filter((d) => d.status === "decided").length, QUEUE_ITEMS, JSON.stringify(list).slice(0, 400));
});

test("the labels are visible in the grid afterwards", async () => {
  await (await find("review-exit")).click();
  await driver.wait(async () => (await findAll("review-screen")).length === 0, 5000, "back to the items");
  for (const [id, label] of labeled) {
    const cell = await driver.wait(until.elementLocated(By.css(`[data-testid="grid-cell"][data-id="${id}"]`)), 20000, `cell ${id}`);
    await driver.wait(async () => (await cell.getAttribute("data-final")) === label, 15000, `${id} shows its final label ${label}`);
  }
  await sleep(300);
  await shot("grid-labeled");
});

test("a lead adds a token model from the Add-model dialog, its tokenizer chosen", async () => {
  // The transformer alone in a folder: no tokenizer.json beside it.
  const bare = path.join(tmp, "bare");
  fs.mkdirSync(bare, { recursive: true });
  fs.copyFileSync(path.join(repo, "fixtures/text/transformer/model.onnx"), path.join(bare, "model.onnx"));
  await (await find("add-model-button")).click();
  await find("add-model-dialog");
  await typeInto(driver, await find("model-file"), path.join(bare, "model.onnx"));
  await typeInto(driver, await find("model-name"), "wordpiece");
  await (await find("add-model-submit")).click();
  const error = await find("add-model-error", 60000);
  await driver.wait(async () => /there is no tokenizer/.test(await error.getText()), 30000, "the refusal");
  await sleep(300);
  await shot("add-model-no-tokenizer");
  await typeInto(driver, await find("model-tokenizer"), path.join(repo, "fixtures/text/transformer/tokenizer.json"));
  await sleep(200);
  await shot("add-model-tokenizer");
  await (await find("add-model-submit")).click();
  await driver.wait(async () => (await findAll("add-model-dialog")).length === 0, 60000, "the dialog closes once the model is added");
  const models = JSON.stringify(JSON.parse(cli("--json", "model", "list")));
  assert.match(models, /"wordpiece"/, models.slice(0, 400));
});
