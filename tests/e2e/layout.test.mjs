// Layout end-to-end test: the real app at 1024×700 and at 1920×1080, on a project with two
// annotators' labels, a reviewer's overrides (one resolving a conflict, with a note), a bad-input
// flag and conflicts (made with the CLI). Each main screen — the project grid with its filters,
// the item view's review, Review, Dashboard, Conflicts (open and resolved), Export — and the
// model, import and labels dialogs are
// measured in the page: the key controls must be fully visible (inside the viewport and every
// scrolling ancestor, not covered), and their text not cut (no ellipsis, no select narrower than
// its selected option, no placeholder wider than its input, no label wrapping). Screenshots go to
// ./screenshots/layout-<screen>-<w>x<h>.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { attrOf, repo, scratchDir, sleep, startDriver, typeInto } from "./driver.mjs";

const appBin = process.env.ARBITER_APP ?? path.join(repo, "target/debug/arbiter-app");
const cliBin = process.env.ARBITER ?? path.join(repo, "target/debug/arbiter");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444);
const tmp = scratchDir("arbiter-layout-");
const project = path.join(tmp, "digits");

const SIZES = [
  [1024, 700],
  [1920, 1080],
];

let harness;
let driver;

const byId = (id) => By.css(`[data-testid="${id}"]`);
/** The elements matching `locator`; WebKitWebDriver can fail a query with a stale element while
 * the DOM changes under it (a dialog closing): such a query counts as "not yet". */
async function located(locator) {
  try {
    return await driver.findElements(locator);
  } catch (e) {
    if (e.name === "StaleElementReferenceError") return null;
    throw e;
  }
}
const find = (id, ms = 20000) =>
  driver.wait(async () => (await located(byId(id)))?.[0] ?? false, ms, `no [data-testid=${id}]`);
const gone = (id, ms = 10000) =>
  driver.wait(async () => (await located(byId(id)))?.length === 0, ms, `[data-testid=${id}] should go`);

function cli(...args) {
  return execFileSync(cliBin, ["--project", project, ...args], { encoding: "utf8" });
}

/**
 * The digits demo, a run, three profiles (ana and ben annotate, rev reviews), a queue of 40 items
 * each for two people; ana and ben labeled the first 30 (disagreeing on every fifth), rev
 * overrode one: 10 items left for rev, conflicts to adjudicate, a reviewer in the tables.
 */
function prepareProject() {
  execFileSync(path.join(repo, "scripts/demo-project.sh"), [project], { env: { ...process.env, ARBITER: cliBin }, stdio: "inherit" });
  cli("predict", "--model", "digits-cnn", "--dataset", "digits");
  cli("annotators", "add", "ana");
  cli("annotators", "add", "ben");
  cli("annotators", "add", "rev", "--role", "reviewer");
  cli("annotators", "add", "lea", "--role", "lead");
  const queue = JSON.parse(cli("--json", "queue", "--run", "1", "--strategy", "least-confidence", "--limit", "40"));
  cli("queue", "--run", "1", "--strategy", "least-confidence", "--limit", "40", "--save", "review entry points", "--overlap-share", "1", "--overlap-k", "2");
  const rows = ["item_id,annotator,label"];
  queue.slice(0, 30).forEach((it, i) => {
    rows.push(`${it.item_id},ana,${it.given}`);
    rows.push(`${it.item_id},ben,${i % 5 === 2 ? (Number(it.given) + 1) % 10 : it.given}`);
  });
  const file = path.join(tmp, "labels.csv");
  fs.writeFileSync(file, rows.join("\n") + "\n");
  cli("annotations", "import", file);
  const overridden = queue[1];
  cli("annotate", "--annotator", "rev", "--override", "--reason", "model_wrong", "--label", String((Number(overridden.given) + 3) % 10), overridden.item_id);
  // A conflict (ana and ben disagree on every fifth item from the third) that rev resolves, with
  // a note; and a decided item ana flags as bad input.
  resolved = queue[2];
  cli("annotate", "--annotator", "rev", "--override", "--reason", "given_label_wrong", "--note", "the stroke at the top decides it", "--label", String(resolved.given), resolved.item_id);
  flagged = queue[5];
  cli("annotate", "--annotator", "ana", "--flag", "bad_input", flagged.item_id);
}

/** The conflict rev resolved, and the decided item ana flagged (set by prepareProject). */
let resolved;
let flagged;

/**
 * In the page: what is wrong with the elements matching each selector. `checks` maps a CSS
 * selector to options: `all` (every match, else the first), `scroll` (scroll it into view first:
 * the page may scroll to it), `oneLine` (its text must not wrap),
 * `minWidth` (px). Also reports anything on screen that scrolls sideways. Returns a list of
 * problems, each naming the selector.
 */
const MEASURE = `
const checks = arguments[0];
const vw = document.documentElement.clientWidth;
const vh = document.documentElement.clientHeight;
const problems = [];
const describe = (el) => {
  const id = el.getAttribute('data-testid');
  const text = (el.innerText || el.value || el.getAttribute('placeholder') || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
  return (id ? '[' + id + ']' : el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '')) + (text ? ' "' + text + '"' : '');
};
// The part of el's border box that the viewport and every clipping ancestor let through.
function visibleBox(el) {
  const r = el.getBoundingClientRect();
  let b = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
    const cs = getComputedStyle(p);
    if (cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
    const pr = p.getBoundingClientRect();
    const l = pr.left + p.clientLeft;
    const t = pr.top + p.clientTop;
    b = { left: Math.max(b.left, l), top: Math.max(b.top, t), right: Math.min(b.right, l + p.clientWidth), bottom: Math.min(b.bottom, t + p.clientHeight) };
  }
  return { left: Math.max(b.left, 0), top: Math.max(b.top, 0), right: Math.min(b.right, vw), bottom: Math.min(b.bottom, vh) };
}
// The width a select needs to show its selected option in full (the engine's own arrow and padding).
function selectNeeds(sel) {
  const clone = sel.cloneNode(false);
  const opt = sel.options[sel.selectedIndex];
  if (opt) clone.appendChild(opt.cloneNode(true));
  clone.style.cssText = 'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none;flex:none;left:0;top:0';
  sel.parentElement.appendChild(clone);
  const w = clone.getBoundingClientRect().width;
  clone.remove();
  return w;
}
const canvas = document.createElement('canvas').getContext('2d');
function textWidth(text, el) {
  const cs = getComputedStyle(el);
  canvas.font = cs.fontStyle + ' ' + cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily;
  return canvas.measureText(text).width;
}
function textCut(root) {
  const out = [];
  for (const el of [root, ...root.querySelectorAll('*')]) {
    if (el.tagName === 'SELECT') {
      const need = selectNeeds(el);
      if (need > el.getBoundingClientRect().width + 1) out.push(describe(el) + ': select ' + Math.round(el.getBoundingClientRect().width) + ' px wide, its option needs ' + Math.round(need));
      continue;
    }
    if (el.tagName === 'INPUT' && el.placeholder && el.value === '') {
      const cs = getComputedStyle(el);
      const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
      const need = textWidth(el.placeholder, el);
      if (need > room + 1) out.push(describe(el) + ': placeholder needs ' + Math.round(need) + ' px, has ' + Math.round(room));
      continue;
    }
    if (el.tagName === 'OPTION' || el.tagName === 'CANVAS' || el.tagName === 'svg' || el.clientWidth === 0) continue;
    const cs = getComputedStyle(el);
    const clips = cs.overflowX !== 'visible' || cs.textOverflow === 'ellipsis';
    const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!clips || !hasText) continue;
    // The laid-out text (an ellipsis is only painted: the text keeps its full width) against the
    // content box; scrollWidth alone is not reliable for table cells.
    const range = document.createRange();
    range.selectNodeContents(el);
    const text = range.getBoundingClientRect().width;
    const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    if (el.scrollWidth > el.clientWidth + 1 || text > room + 1) out.push(describe(el) + ': text cut (' + Math.round(Math.max(text, el.scrollWidth - el.clientWidth + room)) + ' px in ' + Math.round(room) + ')');
  }
  return out;
}
// Nothing on screen scrolls sideways (a stray scrollbar under a panel).
for (const el of document.querySelectorAll('body *')) {
  const cs = getComputedStyle(el);
  if ((cs.overflowX === 'auto' || cs.overflowX === 'scroll') && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && el.getClientRects().length) {
    problems.push(describe(el) + ': scrolls sideways (' + el.scrollWidth + ' px in ' + el.clientWidth + ')');
  }
}
for (const [selector, opts] of Object.entries(checks)) {
  const els = [...document.querySelectorAll(selector)];
  if (els.length === 0) {
    problems.push(selector + ': not on screen');
    continue;
  }
  for (const el of opts.all ? els : els.slice(0, 1)) {
    const name = selector + ' ' + describe(el);
    if (opts.scroll) el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    const r = el.getBoundingClientRect();
    if (r.width < (opts.minWidth ?? 1) || r.height < 1) {
      problems.push(name + ': ' + Math.round(r.width) + '×' + Math.round(r.height) + ' px');
      continue;
    }
    const v = visibleBox(el);
    if (v.left > r.left + 1 || v.top > r.top + 1 || v.right < r.right - 1 || v.bottom < r.bottom - 1) {
      problems.push(name + ': clipped — box ' + [r.left, r.top, r.right, r.bottom].map(Math.round) + ', visible ' + [v.left, v.top, v.right, v.bottom].map(Math.round) + ' (viewport ' + vw + '×' + vh + ')');
      continue;
    }
    const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
    if (hit && !el.contains(hit) && !hit.contains(el)) problems.push(name + ': covered by ' + describe(hit));
    for (const cut of textCut(el)) problems.push(name + ' → ' + cut);
    if (opts.oneLine) {
      const lh = parseFloat(getComputedStyle(el).lineHeight) || parseFloat(getComputedStyle(el).fontSize) * 1.4;
      if (el.getBoundingClientRect().height > lh * 1.5) problems.push(name + ': wraps (' + Math.round(el.getBoundingClientRect().height) + ' px high, line ' + Math.round(lh) + ')');
    }
  }
}
return problems;
`;

/** Measures now; the problems are asserted by `assertNone` once the screen is left again. */
async function measure(what, checks) {
  const problems = await driver.executeScript(MEASURE, checks);
  return problems.map((p) => `${what}: ${p}`);
}

function assertNone(problems) {
  assert.deepEqual(problems, [], `layout problems:\n  ${problems.join("\n  ")}`);
}

async function shot(name, [w, h]) {
  fs.mkdirSync(shots, { recursive: true });
  await sleep(300);
  const png = await driver.takeScreenshot();
  fs.writeFileSync(path.join(shots, `layout-${name}-${w}x${h}.png`), png, "base64");
}

/** Resizes the window until the page's viewport is exactly w×h (a window manager may add a frame). */
async function setViewport(w, h) {
  const inner = () => driver.executeScript("return [document.documentElement.clientWidth, window.innerHeight]");
  let [iw, ih] = [0, 0];
  for (let attempt = 0; attempt < 4; attempt++) {
    const rect = await driver.manage().window().getRect();
    [iw, ih] = await inner();
    if (iw === w && ih === h) return;
    await driver.manage().window().setRect({ x: 0, y: 0, width: rect.width + (w - iw), height: rect.height + (h - ih) });
    await driver.wait(async () => {
      const [a, b] = await inner();
      return a !== iw || b !== ih || (a === w && b === h);
    }, 3000).catch(() => {});
  }
  [iw, ih] = await inner();
  assert.deepEqual([iw, ih], [w, h], `the viewport should be ${w}×${h}`);
}

async function choose(testId, value) {
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value} of ${testId}`);
  await option.click();
}

before(async () => {
  prepareProject();
  harness = await startDriver({
    appBin,
    tmp,
    port,
    display: process.env.E2E_DISPLAY ?? ":97",
    screen: "1920x1080x24",
    env: { ARBITER_PROJECT: project },
  });
  driver = await harness.session(["--project", project]);
});

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

/** The project screen's toolbar and sidebar. */
const GRID = {
  '[data-testid="project-name"]': {},
  '[data-testid="import-button"]': {},
  '[data-testid="add-model-button"]': {},
  '[data-testid="review-button"]': {},
  '[data-testid="conflicts-button"]': {},
  '[data-testid="dashboard-button"]': {},
  '[data-testid="export-button"]': {},
  '[data-testid="run-button"]': {},
  '[data-testid="grid-count"]': {},
  '[data-testid="grid-search"]': {},
  '[data-testid="label-filter"]': {},
  '[data-testid="status-filter"]': {},
  '[data-testid="annotator-filter"]': {},
  '[data-testid="labels-edit"]': {},
  '[data-testid="run-select"]': {},
  '[data-testid="sort-select"]': {},
  '[data-testid="dataset-entry"]': {},
  '[data-testid="model-entry"]': {},
};

const REVIEW = {
  '[data-testid="review-exit"]': {},
  '[data-testid="annotator-select"]': {},
  '[data-testid="queue-select"]': {},
  '[data-testid="queue-new"]': {},
  '[data-testid="review-progress"]': {},
  '[data-testid="review-open-conflicts"]': {},
  '[data-testid="shortcuts-button"]': {},
  '[data-testid="review-image"]': {},
  '[data-testid="review-item-id"]': {},
  '[data-testid="review-item-why"]': {},
  '[data-testid="review-item-meta"]': {},
  // The panel's fields scroll (a reviewer sees the votes too); scrolled to, as focusing them by
  // their key does, they stop above the sticky actions, never behind them.
  '[data-testid="label-button"]': { all: true, scroll: true },
  '[data-testid="reason-select"]': { scroll: true },
  '[data-testid="note-input"]': { scroll: true },
  // The actions, without scrolling the panel.
  ".review-actions .button": { all: true },
};

const DASHBOARD_TOP = {
  '[data-testid="dashboard-back"]': {},
  '[data-testid="dash-run"]': {},
  '[data-testid="dash-refresh"]': {},
  '[data-testid="dash-export"]': {},
  '[data-testid="dash-figure"]': { all: true, scroll: true },
};

const ANNOTATORS = {
  '[data-testid="dash-annotators"] th': { all: true, scroll: true },
  '[data-testid="dash-annotators"] tr[data-annotator] td': { all: true, scroll: true },
  // The name column keeps room for a name.
  '[data-testid="dash-annotators"] tr[data-annotator] td:first-child': { all: true, minWidth: 80 },
};

const CONFLICTS = {
  '[data-testid="conflicts-exit"]': {},
  '[data-testid="conflicts-count"]': {},
  '[data-testid="conflicts-tab-open"]': {},
  '[data-testid="conflicts-tab-resolved"]': {},
  '[data-testid="conflicts-pair"]': {},
  '[data-testid="conflict-context"]': { all: true, scroll: true },
  '[data-testid="conflict-model"]': {},
  '[data-testid="conflicts-refresh"]': {},
  '[data-testid="conflicts-review"]': {},
  '[data-testid="conflict-item"]': { all: true, scroll: true },
  '[data-testid="conflict-vote"]': { all: true, scroll: true },
  '[data-testid="conflict-decide"] button': { all: true, scroll: true },
  '[data-testid="conflict-decide"] select': { scroll: true },
  '[data-testid="conflict-note"]': { scroll: true },
};

/**
 * In the page: the Override button's key cap and the "0" label's key cap, drawn in their own
 * fonts — how wide each glyph is (a monospace font draws O and 0 alike).
 */
const KEY_CAPS = `
const kbdOf = (el) => el && el.querySelector('kbd');
const o = kbdOf(document.querySelector('[data-testid="override-toggle"]'));
const zero = kbdOf(document.querySelector('[data-testid="label-button"][data-hotkey="0"]'));
if (!o || !zero) return null;
const ctx = document.createElement('canvas').getContext('2d');
const width = (el, text) => {
  const cs = getComputedStyle(el);
  ctx.font = cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily;
  return ctx.measureText(text).width;
};
return { o: o.textContent, zero: zero.textContent, oWidth: width(o, 'O'), zeroWidth: width(zero, '0') };
`;

const RESOLVED = {
  '[data-testid="conflict-item"]': { all: true, scroll: true },
  '[data-testid="conflict-resolution"]': { all: true, scroll: true },
  '[data-testid="conflict-resolved-detail"]': {},
};

const ITEM_VIEW = {
  '[data-testid="item-id"]': {},
  '[data-testid="item-final"]': {},
  '[data-testid="item-label"]': {},
  '[data-testid="item-review"]': {},
  '[data-testid="item-decision"]': {},
  '[data-testid="item-vote"]': { all: true },
  '[data-testid="item-close"]': {},
};

const LABELS = {
  '[data-testid="annotator-select"]': {},
  '[data-testid="label-row"]': { all: true, scroll: true },
  '[data-testid="label-hotkey"]': { all: true, scroll: true },
  '[data-testid="label-guideline"]': { all: true, scroll: true },
  '[data-testid="labels-new"]': { scroll: true },
  '[data-testid="labels-add"]': { scroll: true },
};

const EXPORT = {
  '[data-testid="export-back"]': {},
  '[data-testid="export-dataset"]': { scroll: true },
  '[data-testid="export-run"]': { scroll: true },
  '[data-testid="export-format"]': { scroll: true },
  '[data-testid="export-min-agreement"]': { scroll: true },
  '[data-testid="export-path"]': { scroll: true },
  '[data-testid="export-choose"]': { scroll: true },
  '[data-testid="export-submit"]': { scroll: true },
  '[data-testid="export-count"]': { scroll: true },
  '[data-testid="export-reason-removes"]': { scroll: true },
};

const ADD_MODEL = {
  '[data-testid="model-file"]': {},
  '[data-testid="model-name"]': {},
  '[data-testid="model-labels"]': {},
  '[data-testid="add-model-dialog"] .field-sub': { all: true, oneLine: true },
  '[data-testid="model-size"]': {},
  '[data-testid="model-scale"]': {},
  '[data-testid="model-mean"]': {},
  '[data-testid="model-std"]': {},
  '[data-testid="model-layout"]': {},
  '[data-testid="model-color"]': {},
  '[data-testid="model-output"]': {},
  '[data-testid="add-model-submit"]': { scroll: true },
};

const MODEL_DETAILS = {
  '[data-testid="model-inputs"] td': { all: true },
  '[data-testid="model-outputs"] td': { all: true },
  '[data-testid="model-preprocess"]': {},
  '[data-testid="model-run"]': { scroll: true },
};

const IMPORT = {
  '[data-testid="import-source"]': {},
  '[data-testid="import-submit"]': { scroll: true },
};

for (const size of SIZES) {
  const [w, h] = size;
  test(`the main screens at ${w}×${h}: nothing cut, the key controls in view`, async (t) => {
    await find("project-screen");
    await setViewport(w, h);

    await t.test("the project grid", async () => {
      const problems = [];
      await driver.wait(async () => (await driver.findElements(byId("grid-cell"))).length > 10, 20000, "grid cells");
      problems.push(...await measure(`grid ${w}×${h}`, GRID));
      await shot("grid", size);
      assertNone(problems);
    });

    await t.test("the grid's review filters and the item view's review", async () => {
      const problems = [];
      // Decided items alone, the overridden ones among them marked; the search narrows to one.
      await choose("status-filter", "decided");
      await driver.wait(async () => Number((await attrOf(driver, "grid-count", "data-count")) ?? NaN) < 1797, 15000, "fewer items");
      const search = await find("grid-search");
      await typeInto(driver, search, resolved.item_id);
      await driver.wait(async () => (await attrOf(driver, "grid-count", "data-count")) === "1", 15000, "one item found");
      const cell = await driver.wait(until.elementLocated(By.css(`[data-testid="grid-cell"][data-id="${resolved.item_id}"]`)), 15000, "the resolved item");
      assert.equal(await cell.getAttribute("data-review"), "decided");
      await shot("grid-filtered", size);
      problems.push(...await measure(`grid filtered ${w}×${h}`, { '[data-testid="clear-filters"]': {}, '[data-testid="grid-cell"]': {} }));
      await cell.click();
      await find("item-view");
      await driver.wait(async () => (await driver.findElements(byId("item-vote"))).length > 0, 15000, "the votes");
      await sleep(200);
      await shot("item-review", size);
      problems.push(...await measure(`item view ${w}×${h}`, ITEM_VIEW));
      await (await find("item-close")).click();
      await gone("item-view");
      await (await find("clear-filters")).click();
      await driver.wait(async () => (await attrOf(driver, "grid-count", "data-count")) === "1797", 15000, "every item again");
      assertNone(problems);
    });

    await t.test("model details and Add model", async () => {
      const problems = [];
      await (await find("model-entry")).click();
      await find("model-details");
      await sleep(200);
      await shot("model-details", size);
      problems.push(...await measure(`model details ${w}×${h}`, MODEL_DETAILS));
      await driver.actions().sendKeys(Key.ESCAPE).perform();
      await gone("model-details");
      await (await find("add-model-button")).click();
      await find("add-model-dialog");
      await driver.executeScript(`document.querySelector('[data-testid="model-advanced"]').open = true`);
      await sleep(200);
      await shot("add-model", size);
      problems.push(...await measure(`Add model ${w}×${h}`, ADD_MODEL));
      await driver.actions().sendKeys(Key.ESCAPE).perform();
      await gone("add-model-dialog");
      assertNone(problems);
    });

    await t.test("Import", async () => {
      const problems = [];
      await (await find("import-button")).click();
      await find("import-dialog");
      await sleep(200);
      await shot("import", size);
      problems.push(...await measure(`Import ${w}×${h}`, IMPORT));
      await driver.actions().sendKeys(Key.ESCAPE).perform();
      await gone("import-dialog");
      assertNone(problems);
    });

    await t.test("Review", async () => {
      const problems = [];
      await (await find("review-button")).click();
      await find("review-screen");
      const first = await Promise.race([find("review-choose-annotator").then(() => "who"), find("review-item-id").then(() => "item")]);
      if (first === "who") {
        await (await driver.findElement(By.css('[data-testid="annotator-choice"][data-name="rev"]'))).click();
        await (await find("queue-choice")).click();
      }
      await find("review-item-id");
      await driver.wait(() => driver.executeScript(`const i = document.querySelector('[data-testid="review-image"]'); return !!i && i.complete && i.naturalWidth > 0`), 20000, "the item's image");
      problems.push(...await measure(`Review ${w}×${h}`, REVIEW));
      // Override's key, the letter O, must not read as the digits schema's 0 key.
      const caps = await driver.executeScript(KEY_CAPS);
      assert.ok(caps, "the Override button and the 0 label show their keys");
      assert.deepEqual([caps.o, caps.zero], ["O", "0"]);
      if (caps.oWidth < caps.zeroWidth * 1.15) problems.push(`Review: the key caps O (${caps.oWidth.toFixed(1)} px) and 0 (${caps.zeroWidth.toFixed(1)} px) look alike`);
      await shot("review", size);
      await (await find("review-exit")).click();
      await gone("review-screen");
      assertNone(problems);
    });

    await t.test("Dashboard", async () => {
      const problems = [];
      await (await find("dashboard-button")).click();
      await find("dashboard-screen");
      await find("dash-annotators", 30000);
      await driver.wait(async () => (await driver.findElements(By.css('[data-testid="dash-annotators"] tr[data-annotator]'))).length === 4, 20000, "four annotators");
      await sleep(500);
      await shot("dashboard", size);
      problems.push(...await measure(`Dashboard ${w}×${h}`, DASHBOARD_TOP));
      problems.push(...await measure(`Dashboard annotators ${w}×${h}`, ANNOTATORS));
      await driver.executeScript(`document.querySelector('[data-testid="dash-annotators"]').scrollIntoView({ block: "start" })`);
      await shot("dashboard-annotators", size);
      await (await find("dashboard-back")).click();
      await gone("dashboard-screen");
      assertNone(problems);
    });

    await t.test("Conflicts", async () => {
      const problems = [];
      await (await find("conflicts-button")).click();
      await find("conflicts-screen");
      await driver.wait(async () => (await attrOf(driver, "conflicts-count", "data-count")) === "5", 15000, "five conflicts");
      problems.push(...await measure(`Conflicts ${w}×${h}`, CONFLICTS));
      await driver.executeScript("document.querySelector('[data-testid=\"conflict-item\"]').scrollIntoView({ block: 'nearest' })");
      await shot("conflicts", size);
      await (await find("conflicts-tab-resolved")).click();
      await driver.wait(async () => (await driver.findElements(byId("conflict-resolution"))).length === 1, 15000, "the resolved conflict");
      problems.push(...await measure(`Conflicts resolved ${w}×${h}`, RESOLVED));
      await shot("conflicts-resolved", size);
      await (await find("conflicts-tab-open")).click();
      await (await find("conflicts-exit")).click();
      await gone("conflicts-screen");
      assertNone(problems);
    });

    await t.test("Export", async () => {
      const problems = [];
      await (await find("export-button")).click();
      await find("export-screen");
      await choose("export-dataset", "digits@1");
      await driver.wait(async () => (await attrOf(driver, "export-count", "data-rows")) === "1797", 15000, "the row count");
      // Nothing is ticked; ticking bad_input says what it removes (ana's flag).
      const box = await driver.findElement(By.css('[data-testid="export-reason"][data-code="bad_input"]'));
      assert.equal(await box.isSelected(), false);
      await box.click();
      await driver.wait(async () => {
        const els = await driver.findElements(By.css('[data-testid="export-reason-removes"][data-code="bad_input"]'));
        return els.length === 1 && (await els[0].getAttribute("data-count")) === "1";
      }, 15000, "bad_input removes 1 item");
      await driver.executeScript(`document.querySelector('[data-testid="export-reason-removes"]').scrollIntoView({ block: "center" })`);
      await shot("export", size);
      problems.push(...await measure(`Export ${w}×${h}`, EXPORT));
      await box.click();
      await (await find("export-back")).click();
      await gone("export-screen");
      assertNone(problems);
    });

    await t.test("the labels editor", async () => {
      const problems = [];
      await (await find("labels-edit")).click();
      await find("labels-dialog");
      await choose("annotator-select", "lea");
      await sleep(200);
      await shot("labels", size);
      problems.push(...await measure(`Labels ${w}×${h}`, LABELS));
      await driver.actions().sendKeys(Key.ESCAPE).perform();
      await gone("labels-dialog");
      assertNone(problems);
    });
  });
}
