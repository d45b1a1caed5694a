// Desktop end-to-end test: the real Arbiter app under Xvfb, driven through tauri-driver and
// WebKitWebDriver as a user would — open the demo project, see the grid, open an item, zoom,
// filter, run the model, import (a bad manifest, then a good folder), then the loop: a review
// queue with overlap, two annotators labeling with the keyboard (undo and a note included), the
// dashboard's agreement figures, the conflicts (the model's view beside the votes, a reviewer's
// decision and the resolved history), the grid's status filter and an item's final label with
// its note, and an export (nothing left out by default) with its lineage — with screenshots in
// ./screenshots.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { attrOf, repo, scratchDir, sleep, startDriver, textOf, typeInto } from "./driver.mjs";

const appBin = process.env.ARBITER_APP ?? path.join(repo, "target/debug/arbiter-app");
const cliBin = process.env.ARBITER ?? path.join(repo, "target/debug/arbiter");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const tmp = scratchDir("arbiter-e2e-");
const demo = path.join(tmp, "digits");

let harness;
let driver;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
/** Every element with this test id. WebKitWebDriver can fail a query with a stale element when
 * the DOM changes under it (a dialog closing); such a query is asked again. */
async function findAll(id) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await driver.findElements(byId(id));
    } catch (e) {
      if (e.name !== "StaleElementReferenceError" || attempt >= 10) throw e;
      await sleep(50);
    }
  }
}

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  const png = await driver.takeScreenshot();
  fs.writeFileSync(path.join(shots, `${name}.png`), png, "base64");
}

before(async () => {
  execFileSync(path.join(repo, "scripts/demo-project.sh"), [demo], { env: { ...process.env, ARBITER: cliBin }, stdio: "inherit" });
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":97", env: { ARBITER_PROJECT: demo } });
  driver = await harness.session(["--project", demo]);
  await driver.manage().window().setRect({ width: 1360, height: 860 }).catch(() => {});
  // The app's IPC goes over fetch: `holdNextProgressRead` holds back the answer to its next
  // progress read, as a loaded machine may (each command runs on its own backend thread).
  await driver.executeScript(`
    const real = window.fetch.bind(window);
    window.fetch = (input, init) => {
      const answer = real(input, init);
      const url = typeof input === "string" ? input : input.url;
      const ms = window.__e2eHoldProgressMs;
      if (!ms || !String(url).includes("queue_progress")) return answer;
      window.__e2eHoldProgressMs = 0;
      return answer.then((r) => new Promise((resolve) => setTimeout(() => resolve(r), ms)));
    };`);
});

const holdNextProgressRead = (ms) => driver.executeScript("window.__e2eHoldProgressMs = arguments[0]", ms);

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

/** An attribute of every grid cell, in order, read in one round trip (no stale elements while the grid re-renders). */
const cellAttrs = (name) =>
  driver.executeScript(`return [...document.querySelectorAll('[data-testid="grid-cell"]')].map((c) => c.getAttribute(arguments[0]))`, name);

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
  // The scale itself (the text reads "×80" for a tiny image, "100%" at 1:1).
  const zoom = async () => Number(await (await find("zoom-level")).getAttribute("data-scale"));
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
  await driver.wait(async () => /179/.test(await textOf(driver, "grid-count")), 10000, "179 sevens");
  await driver.wait(
    async () => (await cellAttrs("data-id"))[0] === "digit_0007",
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
      const predicted = await cellAttrs("data-predicted");
      return predicted.length >= 10 && predicted.slice(0, 10).every((p) => p !== null && p !== "");
    },
    20000,
    "predictions on the thumbnails",
  );
  // Least confident first.
  const sort = await find("sort-select");
  await sort.findElement(By.css('option[value="confidence_asc"]')).click();
  await driver.wait(
    async () => {
      const conf = (await cellAttrs("data-confidence")).slice(0, 8).map(Number);
      return conf.length === 8 && conf.every((c, i) => i === 0 || conf[i - 1] <= c) && conf[0] < 0.9;
    },
    20000,
    "sorted by confidence, least first",
  );
  await sleep(300);
  await shot("grid-predictions");
  (await findAll("grid-cell"))[0].click();
  await find("item-prediction");
  // The section shows "Loading…" until the prediction is read: wait for its bars.
  const probs = await driver.wait(
    async () => {
      const p = await driver.executeScript(
        `return [...document.querySelectorAll('[data-testid="prob-bar"]')].map((b) => Number(b.getAttribute("data-probability")))`,
      );
      return p.length > 0 ? p : false;
    },
    15000,
    "the item's top-k bars",
  );
  assert.ok(probs.length >= 2 && probs.length <= 10, `top-k bars: ${probs.length}`);
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
  await typeInto(driver, source, bad);
  await (await find("import-submit")).click();
  const error = await find("import-error");
  await driver.wait(async () => (await error.getText()).includes("duplicate id"), 10000, "error shown");
  const text = await error.getText();
  assert.match(text, /row 3 \(line 4\)/);
  assert.match(text, /bad\.csv/);
  await shot("import-error");
  // Nothing was written: still one dataset.
  assert.equal((await findAll("dataset-entry")).length, 1);

  await typeInto(driver, source, path.join(repo, "fixtures/digits-unlabeled"));
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

// ---------------------------------------------------------------- the review loop

/** One queue of QUEUE_ITEMS items, every one for 2 annotators (overlap 100 %, k = 2). */
const QUEUE_ITEMS = 24;
const QUEUE_NAME = "e2e overlap";
/** Item id → label given by ana / ben. */
const labelsA = new Map();
const labelsB = new Map();
/** The item ana labels with a note (ben agrees with her on it), and the note. */
let notedId = null;
const NOTE = "could be 8";
/** The conflict a reviewer decides in the Conflicts screen, and the label and reason given. */
let resolvedId = null;
let resolvedLabel = null;

/** The review screen's state in one round trip (no stale elements while it re-renders). */
const reviewSnap = () =>
  driver.executeScript(`
    const q = (id) => document.querySelector('[data-testid="' + id + '"]');
    const p = q("review-progress");
    const img = q("review-image");
    const num = (v) => (v === null || v === undefined || v === "" ? null : Number(v));
    return {
      id: q("review-item-id")?.textContent ?? null,
      predicted: q("review-prediction")?.getAttribute("data-predicted") || null,
      given: q("review-given")?.getAttribute("data-label") || null,
      mine: num(p?.getAttribute("data-mine")),
      done: num(p?.getAttribute("data-done")),
      total: num(p?.getAttribute("data-total")),
      empty: !!q("review-empty"),
      shown: !!(img && img.complete && img.naturalWidth > 0),
      others: !!q("review-others"),
      blind: !!q("review-blind"),
    };`);

async function waitSnap(pred, what, ms = 15000) {
  let last;
  try {
    await driver.wait(async () => pred((last = await reviewSnap())), ms);
  } catch (e) {
    throw new Error(`${what}: last review state ${JSON.stringify(last)} (${e.message})`);
  }
  return last;
}

/** Presses one key on the review screen (no element clicked: the keyboard alone). */
const press = (key) => driver.actions().sendKeys(key).perform();
const pressCtrlZ = () => driver.actions().keyDown(Key.CONTROL).sendKeys("z").keyUp(Key.CONTROL).perform();

/** Picks an option of a <select> by value (WebKitWebDriver fires change on the option click). */
async function choose(testId, value) {
  await find(testId);
  const option = await driver.wait(
    until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)),
    10000,
    `option ${value} of ${testId}`,
  );
  await option.click();
  await driver.wait(async () => (await attrOf(driver, testId, "value")) === value || value === "__add__", 5000, `${testId} = ${value}`);
}

async function addAnnotator(name) {
  await find("annotator-dialog");
  const field = await find("annotator-name");
  await field.sendKeys(name);
  await (await find("annotator-create")).click();
  await driver.wait(async () => (await findAll("annotator-dialog")).length === 0, 10000, "the annotator dialog closes");
  await driver.wait(async () => (await attrOf(driver, "annotator-select", "value")) === name, 10000, `${name} is labeling`);
}

/**
 * Labels the item on screen with `label` by its hotkey and waits for the next item (or the end of
 * the queue) and for the progress counter to count it.
 */
async function labelCurrent(label, expect) {
  const before = await waitSnap((s) => s.id !== null && s.shown, "an item on screen");
  await press(label);
  return waitSnap(
    (s) => (s.empty || (s.id !== null && s.id !== before.id)) && s.mine === expect.mine && (expect.done === undefined || s.done === expect.done),
    `after labeling ${before.id} “${label}” the counter should read ${JSON.stringify(expect)}`,
  );
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

test("review: a queue with overlap from the app, annotator ana labels with the keyboard alone, Ctrl+Z undoes", async () => {
  await (await find("review-button")).click();
  await find("review-screen");
  // A fresh project has no annotator profiles: the screen asks who is labeling.
  await find("review-choose-annotator");
  await (await find("review-add-annotator")).click();
  await addAnnotator("ana");
  // No queue yet: make one on the demo run, every item for two people.
  await find("review-choose-queue");
  await (await find("review-choose-new-queue")).click();
  await find("queue-dialog");
  await driver.wait(async () => ((await attrOf(driver, "queue-run", "value")) ?? "") !== "", 10000, "the demo run is offered");
  assert.match(await driver.executeScript(`return document.querySelector('[data-testid="queue-run"] option:checked')?.textContent ?? ""`), /digits-cnn/);
  const fill = async (id, text) => {
    const el = await find(id);
    await typeInto(driver, el, text);
  };
  await fill("queue-limit", String(QUEUE_ITEMS));
  await fill("queue-overlap-share", "100");
  await fill("queue-overlap-k", "2");
  await fill("queue-name", QUEUE_NAME);
  // Ana is the only annotator so far: the dialog says each item waits for a second person.
  assert.match(await textOf(driver, "queue-overlap-warning"), /1 annotator so far: each overlap item stays open until 2 people/);
  await driver.wait(async () => /of 1,?797 items|1,?797 predicted/.test(await textOf(driver, "threshold-count")), 10000, "the live count");
  await sleep(200);
  await shot("queue-dialog");
  await (await find("queue-create")).click();
  await driver.wait(async () => (await findAll("queue-dialog")).length === 0, 20000, "the queue dialog closes");
  const select = await find("queue-select");
  assert.match(await (await select.findElement(By.css("option:checked"))).getText(), new RegExp(`${QUEUE_NAME} \\(0 / ${QUEUE_ITEMS}\\)`));

  const first = await waitSnap((s) => s.id !== null && s.shown && s.mine === 0, "the first item with the counter at 0", 20000);
  assert.equal(first.total, QUEUE_ITEMS);
  await driver.executeScript("window.__arbiterLatencies = []");

  let mine = 0;
  let undone = false;
  for (let i = 0; i < QUEUE_ITEMS; i++) {
    const s = await waitSnap((x) => x.id !== null && x.shown, `item ${i + 1} on screen`);
    assert.ok(!labelsA.has(s.id), `${s.id} is handed to ana once`);
    const label = s.predicted ?? s.given;
    assert.match(label ?? "", /^[0-9]$/, `${s.id} has a digit to label with`);
    if (i === 5) {
      await sleep(300);
      await shot("review");
    }
    labelsA.set(s.id, label);
    if (i === 3) {
      // A note first (N, type, Esc back to the item), then the label: the note goes with it.
      notedId = s.id;
      await press("n");
      await driver.wait(async () => (await driver.executeScript("return document.activeElement?.dataset?.testid")) === "note-input", 5000, "the note field has the focus");
      await driver.actions().sendKeys(NOTE).perform();
      await press(Key.ESCAPE);
      await driver.wait(async () => (await driver.executeScript("return document.activeElement?.dataset?.testid")) === "review-screen", 5000, "back on the item");
    }
    const after = await labelCurrent(label, { mine: ++mine, done: 0 });
    if (i === 11 && !undone) {
      undone = true;
      // Undo the last label: its item comes back first and the counter goes down.
      await pressCtrlZ();
      const back = await waitSnap((x) => x.id === s.id && x.mine === mine - 1, `Ctrl+Z brings ${s.id} back with the counter at ${mine - 1}`);
      assert.equal(back.done, 0);
      mine--;
      labelsA.delete(s.id);
      i--;
      continue;
    }
    if (i === QUEUE_ITEMS - 1) assert.ok(after.empty, "the queue is exhausted for ana");
  }
  // Every item now waits for its second annotator.
  const end = await waitSnap((s) => s.empty && s.mine === QUEUE_ITEMS, "the end of the queue");
  assert.equal(end.done, 0);
  assert.equal(labelsA.size, QUEUE_ITEMS);
  assert.match(await (await find("review-progress")).getText(), new RegExp(`${QUEUE_ITEMS} by you · 0 / ${QUEUE_ITEMS} done`));
  await shot("review-empty");

  const lat = await driver.executeScript("return (window.__arbiterLatencies || []).slice()");
  assert.ok(lat.length >= QUEUE_ITEMS - 1, `a next-item latency per transition, got ${lat.length}`);
  console.log(
    `next-item latency (keydown → next image painted, ana, ${lat.length} transitions incl. one undo): ` +
      `p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms`,
  );
});

test("review: annotator ben labels the same items (four differently) through the annotator switcher", async () => {
  await choose("annotator-select", "__add__");
  await addAnnotator("ben");
  await driver.executeScript("window.__arbiterLatencies = []");
  let n = 0;
  // Four disagreements (every sixth item from the third), never on the item ana noted: one owed
  // there goes to the next item.
  let owed = 0;
  /** Ben's label for the item on screen. */
  const labelFor = (s) => {
    const a = labelsA.get(s.id);
    assert.ok(a !== undefined, `${s.id} is one ana labeled`);
    assert.ok(!labelsB.has(s.id), `${s.id} is handed to ben once`);
    if (n % 6 === 2) owed++;
    const disagree = owed > 0 && s.id !== notedId;
    if (disagree) owed--;
    const label = disagree ? String((Number(a) + 1) % 10) : a;
    labelsB.set(s.id, label);
    n++;
    return label;
  };
  // The first three at a steady pace without waiting for the counter, with the answer to the
  // first progress read held back 4 s: reads overlap and the oldest answers last. The counter must
  // reach 3 and stay there (an app that applies every answer as it comes goes back to 1 and
  // stays there, as happened on a loaded machine).
  await waitSnap((x) => x.id !== null && x.shown && x.mine === 0, "ben's first item", 20000);
  await holdNextProgressRead(4000);
  while (n < 3) {
    const s = await waitSnap((x) => x.id !== null && x.shown, `ben's item ${n + 1}`);
    await press(labelFor(s));
    await waitSnap((x) => x.id !== null && x.id !== s.id, `the item after ${s.id}`);
    await sleep(1000);
  }
  await waitSnap((x) => x.mine === 3 && x.done === 3, "the counter counts ben's first three labels");
  await sleep(4500);
  while (n < QUEUE_ITEMS) {
    const s = await waitSnap((x) => x.id !== null && x.shown && x.mine === n, `ben's item ${n + 1}`, 20000);
    // Ana labeled every one of these, but an annotator never sees another's label on an item
    // that still waits for votes: the second vote stays independent.
    assert.equal(s.others, false, `${s.id}: ben is not shown ana's label`);
    const label = labelFor(s);
    // An item is done once both have labeled it.
    await labelCurrent(label, { mine: n, done: n });
  }
  await waitSnap((s) => s.empty && s.done === QUEUE_ITEMS, "ben reaches the end of the queue");
  const lat = await driver.executeScript("return (window.__arbiterLatencies || []).slice()");
  console.log(
    `next-item latency (ben, ${lat.length} transitions): p50 ${percentile(lat, 50).toFixed(1)} ms, p95 ${percentile(lat, 95).toFixed(1)} ms, max ${Math.max(...lat).toFixed(1)} ms`,
  );
  await (await find("review-exit")).click();
  await driver.wait(async () => (await findAll("review-screen")).length === 0, 5000, "back to the items");
});

/** Cohen's κ and Krippendorff's nominal α of two complete raters, computed here from the labels given. */
function expectedAgreement(a, b) {
  const ids = [...a.keys()];
  const n = ids.length;
  const agree = ids.filter((id) => a.get(id) === b.get(id)).length;
  const count = (m) => {
    const c = new Map();
    for (const id of ids) c.set(m.get(id), (c.get(m.get(id)) ?? 0) + 1);
    return c;
  };
  const ca = count(a);
  const cb = count(b);
  const labels = new Set([...ca.keys(), ...cb.keys()]);
  let pe = 0;
  for (const l of labels) pe += ((ca.get(l) ?? 0) / n) * ((cb.get(l) ?? 0) / n);
  const po = agree / n;
  // α from the coincidence matrix: each unit of two values adds (x,y) and (y,x).
  const values = 2 * n;
  const nc = new Map();
  for (const l of labels) nc.set(l, (ca.get(l) ?? 0) + (cb.get(l) ?? 0));
  const disagreeing = 2 * (n - agree);
  let expected = 0;
  for (const x of labels) for (const y of labels) if (x !== y) expected += nc.get(x) * nc.get(y);
  return { percent: po, kappa: (po - pe) / (1 - pe), alpha: 1 - ((values - 1) * disagreeing) / expected, agree, n };
}

const near = (actual, expected, what) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: shown ${actual}, expected ${expected}`);

test("dashboard: agreement between the two annotators, their kappa and the confusion matrix", async () => {
  const want = expectedAgreement(labelsA, labelsB);
  assert.equal(want.n - want.agree, 4);
  await (await find("dashboard-button")).click();
  await find("dashboard-screen");
  const card = await find("dash-agreement", 30000);
  assert.equal(await card.getAttribute("data-annotators"), "2");
  assert.equal(await card.getAttribute("data-items"), String(QUEUE_ITEMS));
  const figure = async (key) => {
    const el = await driver.findElement(By.css(`[data-testid="dash-figure"][data-figure="${key}"]`));
    const v = await el.getAttribute("data-value");
    assert.notEqual(v, "", `${key} is defined`);
    return { value: Number(v), text: await el.findElement(By.css(".figure-value")).getText() };
  };
  const percent = await figure("percent");
  near(percent.value, want.percent, "percent agreement");
  assert.match(percent.text, /83(\.3)?\s?%/);
  const alpha = await figure("alpha");
  near(alpha.value, want.alpha, "Krippendorff's alpha");
  assert.ok(alpha.value > 0 && alpha.value < 1);
  assert.match(alpha.text, /^0\.\d+$/);
  // Pairwise Cohen's κ: one pair, on all the items, drawn as a matrix.
  const kappaCard = await find("chart-kappa-matrix");
  const pairs = JSON.parse(await kappaCard.getAttribute("data-pairs"));
  assert.equal(pairs.length, 1);
  assert.deepEqual([pairs[0].a, pairs[0].b].sort(), ["ana", "ben"]);
  assert.equal(pairs[0].items, QUEUE_ITEMS);
  near(pairs[0].kappa, want.kappa, "Cohen's kappa");
  await driver.wait(async () => (await kappaCard.findElements(By.css("canvas"))).length > 0, 10000, "the kappa matrix is drawn");
  // Both annotators in the table.
  for (const who of ["ana", "ben"]) {
    const cells = await driver.executeScript(
      `return [...document.querySelectorAll('[data-testid="dash-annotators"] tr[data-annotator="${who}"] td')].map((td) => td.textContent.trim())`,
    );
    assert.ok(cells.length >= 2, `a row for ${who}`);
    assert.equal(cells[1], String(QUEUE_ITEMS), `${who}'s labels`);
  }
  // Agreement over time: a point recorded with this report, at the 48 ratings given.
  const history = await find("chart-agreement-history");
  assert.equal(await history.getAttribute("data-ratings"), String(2 * QUEUE_ITEMS));
  const progress = await find("dash-progress");
  assert.equal(await progress.getAttribute("data-done"), String(QUEUE_ITEMS));
  // Labels given: ana's 24 and ben's 24 (the label ana undid is not one).
  assert.equal(await progress.getAttribute("data-annotations"), String(2 * QUEUE_ITEMS));
  // Labels and decisions over time, from the events' own times (all within this hour).
  const activity = await find("chart-activity");
  assert.equal(await activity.getAttribute("data-bucket"), "hour");
  assert.equal(await activity.getAttribute("data-labels"), String(2 * QUEUE_ITEMS));
  assert.equal(await activity.getAttribute("data-decided"), String(want.agree));
  await driver.wait(async () => (await activity.findElements(By.css("canvas"))).length > 0, 10000, "the activity chart is drawn");
  // The model against the decided labels: the agreeing items are decided, the others conflict.
  const confusion = await find("chart-confusion");
  assert.equal(await confusion.getAttribute("data-total"), String(want.agree));
  await driver.wait(async () => (await confusion.findElements(By.css("canvas"))).length > 0, 10000, "the confusion matrix is drawn");
  await sleep(600);
  await shot("dashboard");
  await driver.executeScript("arguments[0].scrollIntoView({ block: 'start' })", await find("chart-confusion"));
  await sleep(400);
  await shot("dashboard-model");
  await (await find("dashboard-back")).click();
  await driver.wait(async () => (await findAll("dashboard-screen")).length === 0, 5000, "back to the items");
});

test("conflicts: the four items ana and ben disagree on", async () => {
  await (await find("conflicts-button")).click();
  await find("conflicts-screen");
  const count = await find("conflicts-count");
  await driver.wait(async () => (await count.getAttribute("data-count")) === "4", 15000, "four conflicts");
  const items = await findAll("conflict-item");
  assert.equal(items.length, 4);
  const disagreed = [...labelsA.keys()].filter((id) => labelsA.get(id) !== labelsB.get(id)).sort();
  const shown = (await Promise.all(items.map((i) => i.getAttribute("data-item-id")))).sort();
  assert.deepEqual(shown, disagreed);
  // Each lists both votes, and beside them the dataset's given label and the model's prediction.
  const votes = await items[0].findElements(By.css('[data-testid="conflict-vote"]'));
  assert.deepEqual((await Promise.all(votes.map((v) => v.getAttribute("data-annotator")))).sort(), ["ana", "ben"]);
  for (const item of items) {
    const context = await item.findElement(By.css('[data-testid="conflict-context"]'));
    assert.match(await context.getAttribute("data-given"), /^[0-9]$/, "the given label");
    assert.match(await context.getAttribute("data-predicted"), /^[0-9]$/, "the run's prediction");
    assert.match(await context.getText(), /given [0-9] · model [0-9] · (\d+%|[<>]\d+%)/);
  }
  assert.match(await (await find("conflict-model")).getText(), /GIVEN LABEL[\s\S]*MODEL[\s\S]*run \d+/i);
  await sleep(300);
  await shot("conflicts");

  // A reviewer decides the first conflict (with a reason): it leaves the open list for the history.
  await choose("annotator-select", "__add__");
  await find("annotator-dialog");
  await (await find("annotator-name")).sendKeys("rev");
  await (await driver.findElement(By.css('[data-testid="annotator-role"] option[value="reviewer"]'))).click();
  await (await find("annotator-create")).click();
  await driver.wait(async () => (await findAll("annotator-dialog")).length === 0, 10000, "the annotator dialog closes");
  await driver.wait(async () => (await attrOf(driver, "annotator-select", "value")) === "rev", 10000, "rev is deciding");
  const first = (await findAll("conflict-item"))[0];
  resolvedId = await first.getAttribute("data-item-id");
  resolvedLabel = labelsA.get(resolvedId);
  await choose("conflict-reason", "given_label_wrong");
  await press(resolvedLabel);
  await driver.wait(async () => (await count.getAttribute("data-count")) === "3", 15000, "three conflicts left");
  const tab = await find("conflicts-tab-resolved");
  await driver.wait(async () => (await tab.getAttribute("data-count")) === "1", 15000, "one resolved conflict");
  await tab.click();
  const resolved = await driver.wait(until.elementLocated(By.css(`[data-testid="conflict-item"][data-item-id="${resolvedId}"]`)), 15000, "the decided conflict in the history");
  const resolution = await resolved.findElement(By.css('[data-testid="conflict-resolution"]'));
  assert.equal(await resolution.getAttribute("data-label"), resolvedLabel);
  assert.match(await resolution.getText(), /by rev/);
  assert.match(await (await find("conflict-resolved-detail")).getText(), /given label wrong/);
  assert.equal((await findAll("conflict-decide")).length, 0, "the history decides nothing");
  await sleep(300);
  await shot("conflicts-resolved");
  await (await find("conflicts-exit")).click();
  await driver.wait(async () => (await findAll("conflicts-screen")).length === 0, 5000, "back to the items");
});

test("grid: the status filter, and an item's final label with its note in the item view", async () => {
  const agreed = [...labelsA.keys()].filter((id) => labelsA.get(id) === labelsB.get(id));
  assert.ok(agreed.includes(notedId), "ben agreed with ana on the noted item");
  // One round trip: the count's element is replaced as the grid re-renders (a stale element
  // between a find and a read, seen on a loaded machine).
  const gridCount = async () => Number((await attrOf(driver, "grid-count", "data-count")) ?? NaN);
  // The import above left the new folder dataset on screen: back to the digits.
  await (await driver.findElement(By.css('[data-testid="dataset-entry"][data-name="digits"]'))).click();
  await driver.wait(async () => (await gridCount()) === 1797, 15000, "the digits");
  await choose("status-filter", "conflict");
  await driver.wait(async () => (await gridCount()) === 3, 15000, "three conflicts in the grid");
  await choose("status-filter", "decided");
  // The agreed items and the one the reviewer decided.
  await driver.wait(async () => (await gridCount()) === agreed.length + 1, 15000, `${agreed.length + 1} decided items`);
  const reviews = await driver.executeScript(
    `return [...document.querySelectorAll('[data-testid="grid-cell"]')].map((c) => c.getAttribute("data-review"))`,
  );
  assert.ok(reviews.length > 0 && reviews.every((r) => r === "decided"), `every cell decided: ${reviews}`);
  const search = await find("grid-search");
  await search.sendKeys(notedId);
  await driver.wait(async () => (await gridCount()) === 1, 15000, "the search finds the noted item");
  const cell = await driver.wait(until.elementLocated(By.css(`[data-testid="grid-cell"][data-id="${notedId}"]`)), 15000);
  assert.equal(await cell.getAttribute("data-final"), labelsA.get(notedId));
  await sleep(300);
  await shot("grid-decided");
  await cell.click();
  await find("item-view");
  const final = await find("item-final");
  assert.equal(await final.getAttribute("data-label"), labelsA.get(notedId));
  const note = await find("item-vote-note", 15000);
  assert.equal(await note.getText(), `“${NOTE}”`);
  const decision = await find("item-decision");
  assert.equal(await decision.getAttribute("data-status"), "decided");
  assert.match(await decision.getText(), /Decided “[0-9]” — all 2 votes agree \(ana, ben\)/);
  const voters = await Promise.all((await findAll("item-vote")).map((v) => v.getAttribute("data-annotator")));
  assert.deepEqual(voters.sort(), ["ana", "ben"]);
  await sleep(300);
  await shot("item-review");
  await (await find("item-close")).click();
  await driver.wait(async () => (await findAll("item-view")).length === 0, 5000, "the item view closes");
  await (await find("clear-filters")).click();
  await driver.wait(async () => (await gridCount()) === 1797, 15000, "every item again");
});

/** A small CSV reader (quoted fields with commas and doubled quotes). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field); rows.push(row); row = []; field = ""; }
    else if (c !== "\r") field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

test("export: the corrected dataset from the app, with its lineage, and the annotation events", async () => {
  const out = path.join(tmp, "exports", "digits-corrected.csv");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await (await find("export-button")).click();
  await find("export-screen");
  await choose("export-dataset", "digits@1");
  const runSelect = await find("export-run");
  const runValue = await driver.wait(async () => {
    for (const o of await runSelect.findElements(By.css("option"))) {
      if ((await o.getText()).includes("digits-cnn")) return o.getAttribute("value");
    }
    return false;
  }, 10000, "the demo run is offered");
  // The newest finished run over the version is preselected (the CLI's default without --run).
  await driver.wait(async () => (await attrOf(driver, "export-run", "value")) === runValue, 5000, "the demo run is preselected");
  // Nothing is left out by default; a ticked reason says how many items it removes.
  const reasons = await findAll("export-reason");
  assert.ok(reasons.length > 0);
  for (const r of reasons) assert.equal(await r.isSelected(), false, `${await r.getAttribute("data-code")} is not pre-ticked`);
  const given = await driver.findElement(By.css('[data-testid="export-reason"][data-code="given_label_wrong"]'));
  await given.click();
  await driver.wait(async () => {
    const els = await driver.findElements(By.css('[data-testid="export-reason-removes"][data-code="given_label_wrong"]'));
    return els.length === 1 && (await els[0].getAttribute("data-count")) === "1";
  }, 15000, "given_label_wrong removes the item the reviewer decided");
  await driver.wait(async () => (await attrOf(driver, "export-count", "data-rows")) === "1796", 15000, "1,796 rows");
  await driver.executeScript(`document.querySelector('[data-testid="export-reason-removes"]').scrollIntoView({ block: "center" })`);
  await sleep(300);
  await shot("export-reasons");
  await given.click();
  await choose("export-format", "csv");
  const dest = await find("export-path");
  await typeInto(driver, dest, out);
  await driver.wait(async () => (await attrOf(driver, "export-count", "data-rows")) === "1797", 15000, "1,797 rows will be written");
  await (await find("export-submit")).click();
  const done = await find("export-done", 60000);
  assert.equal(await done.getAttribute("data-rows"), "1797");
  assert.equal(await (await find("export-out")).getText(), out);
  assert.equal(await (await find("export-lineage")).getText(), `${out}.lineage.json`);
  await sleep(300);
  await shot("export");

  // The file: one row per item, the decided labels are the agreed ones.
  const rows = parseCsv(fs.readFileSync(out, "utf8"));
  const header = rows.shift();
  assert.equal(rows.length, 1797);
  const col = (name) => {
    const i = header.indexOf(name);
    assert.ok(i >= 0, `column ${name} in ${header}`);
    return i;
  };
  const [idCol, finalCol, predCol] = [col("item_id"), col("final_label"), col("predicted")];
  col("flags");
  assert.ok(header.indexOf("flags") === header.indexOf("reasons") + 1, `flags after reasons in ${header}`);
  const decided = rows.filter((r) => r[finalCol] !== "");
  const agreed = [...labelsA.keys()].filter((id) => labelsA.get(id) === labelsB.get(id));
  // The agreed items, and the conflict the reviewer decided (with ana's label).
  assert.equal(decided.length, agreed.length + 1);
  for (const r of decided) assert.equal(r[finalCol], labelsA.get(r[idCol]), `final label of ${r[idCol]}`);
  assert.ok(decided.some((r) => r[idCol] === resolvedId), "the reviewer's decision is exported");
  // The noted item carries ana's note.
  const noted = rows.find((r) => r[idCol] === notedId);
  assert.equal(noted[col("notes")], `ana: ${NOTE}`);
  assert.equal(noted[col("label_source")], "decided");
  assert.ok(rows.every((r) => /^[0-9]$/.test(r[predCol])), "every row carries the run's prediction");

  // The lineage: the model's sha256, the dataset version's hash, the queue policy, the rows.
  const lineage = JSON.parse(fs.readFileSync(`${out}.lineage.json`, "utf8"));
  const sha = crypto.createHash("sha256").update(fs.readFileSync(path.join(repo, "fixtures/models/digits_logits.onnx"))).digest("hex");
  assert.equal(lineage.run.model_sha256, sha);
  assert.equal(lineage.run.model, "digits-cnn@1");
  const datasets = JSON.parse(execFileSync(cliBin, ["--project", demo, "--json", "dataset", "list"], { encoding: "utf8" }));
  const version = datasets.find((d) => d.name === "digits").versions[0];
  assert.equal(lineage.dataset.content_hash, version.content_hash);
  assert.match(lineage.dataset.content_hash, /^[0-9a-f]{16,}$/);
  assert.equal(lineage.rows, 1797);
  assert.equal(lineage.format, "csv");
  const queue = lineage.queues.find((q) => q.name === QUEUE_NAME);
  assert.ok(queue, `the queue is in the lineage: ${JSON.stringify(lineage.queues)}`);
  assert.equal(queue.overlap_k, 2);
  assert.equal(queue.overlap_share, 1);
  assert.ok("limit" in queue && "other_run" in queue, `the full policy: ${JSON.stringify(queue)}`);
  assert.equal(lineage.run.run, Number(runValue));
  assert.equal(lineage.dataset.name, "digits");
  assert.ok(lineage.dataset.root, "the dataset root is recorded");
  assert.deepEqual(lineage.annotators.map((a) => a.name ?? a).sort(), ["ana", "ben", "rev"]);

  // The annotation events, the audit trail behind the file: what `arbiter annotations export` writes.
  const events = path.join(tmp, "exports", "events.jsonl");
  await choose("events-format", "jsonl");
  await typeInto(driver, await find("events-path"), events);
  await (await find("events-submit")).click();
  const wrote = await find("events-done", 30000);
  await driver.executeScript(`document.querySelector('[data-testid="events-done"]').scrollIntoView({ block: "center" })`);
  await sleep(300);
  await shot("export-events");
  const lines = fs.readFileSync(events, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(await wrote.getAttribute("data-events"), String(lines.length));
  for (const [id, label] of labelsA) {
    assert.ok(lines.some((e) => e.annotator === "ana" && e.kind === "label" && e.item_id === id && e.label === label), `ana's ${label} on ${id}`);
  }
  assert.ok(lines.some((e) => e.annotator === "ana" && e.note === NOTE), "ana's note");
  assert.ok(lines.some((e) => e.retracts !== null), "the undo is an event of its own");
  const viaCli = path.join(tmp, "exports", "events-cli.jsonl");
  execFileSync(cliBin, ["--project", demo, "annotations", "export", "--out", viaCli]);
  assert.equal(fs.readFileSync(events, "utf8"), fs.readFileSync(viaCli, "utf8"), "the app writes what the CLI writes");

  await (await find("export-back")).click();
  await driver.wait(async () => (await findAll("export-screen")).length === 0, 5000, "back to the items");
});

test("review: a blind pass over items already labeled has everything to label, with neither the model nor others' labels", async () => {
  const BLIND = "e2e blind pass";
  const ITEMS = 5;
  await (await find("review-button")).click();
  await find("review-screen");
  // A third annotator, who has labeled none of them (an annotator never gets an item twice).
  await choose("annotator-select", "__add__");
  await addAnnotator("cy");
  await (await find("queue-new")).click();
  await find("queue-dialog");
  await driver.wait(async () => ((await attrOf(driver, "queue-run", "value")) ?? "") !== "", 10000, "the demo run is offered");
  // The same ranking as the overlap queue: its first items are the ones ana and ben labeled.
  await typeInto(driver, await find("queue-limit"), String(ITEMS));
  await typeInto(driver, await find("queue-overlap-share"), "0");
  await typeInto(driver, await find("queue-name"), BLIND);
  const blind = await find("queue-blind");
  if (!(await blind.isSelected())) await blind.click();
  await driver.wait(async () => (await driver.executeScript(`return document.querySelector('[data-testid="queue-blind"]')?.checked === true`)), 5000, "blind ticked");
  await (await find("queue-create")).click();
  await driver.wait(async () => (await findAll("queue-dialog")).length === 0, 20000, "the queue dialog closes");
  // A blind queue counts only the votes given through it: ana's and ben's do not close its
  // items (it used to open "5 / 5 done" with nothing to label). Only an override closes an item
  // in every queue: the conflict the reviewer decided, if the ranking put it among these five.
  let picked = "";
  await driver
    .wait(async () => {
      picked = await driver.executeScript(`return document.querySelector('[data-testid="queue-select"] option:checked')?.textContent ?? ""`);
      return new RegExp(`${BLIND} \\([01] / ${ITEMS}\\)`).test(picked);
    }, 10000)
    .catch((e) => {
      throw new Error(`the blind queue opens with its items open: the picker reads "${picked}" (${e.message})`);
    });
  const closed = Number(/\((\d) \//.exec(picked)?.[1]);
  for (let i = closed; i < ITEMS; i++) {
    const s = await waitSnap((x) => x.id !== null && x.shown && x.done === i, `blind item ${i + 1}`, 20000);
    assert.ok(labelsA.has(s.id), `${s.id} is one the overlap queue had labeled`);
    assert.notEqual(s.id, resolvedId, "the decided item is closed everywhere");
    // Blind: no prediction, no given label, no one's votes; the panel says why.
    assert.deepEqual(
      { predicted: s.predicted, given: s.given, others: s.others, blind: s.blind },
      { predicted: null, given: null, others: false, blind: true },
      `${s.id} is shown blind`,
    );
    if (i === closed) {
      await sleep(300);
      await shot("review-blind");
    }
    await labelCurrent(labelsA.get(s.id), { mine: i + 1 - closed, done: i + 1 });
  }
  await waitSnap((x) => x.empty && x.done === ITEMS, "the blind pass is done");
  await (await find("review-exit")).click();
  await driver.wait(async () => (await findAll("review-screen")).length === 0, 5000, "back to the items");
});
