// Quality control in the real app, end to end: the lead marks gold items from the given labels on
// the Dashboard; two annotators work through `arbiter serve` (the annotator API) — a qualification
// queue of gold items, which ana passes and ben fails, then a queue serving gold, which only ana
// may claim from; the Dashboard shows each one's accuracy on gold with its interval and where they
// stand; with an agreement target the data cannot meet, the export is refused, then made with the
// explicit override — with screenshots in ./screenshots (quality-*.png).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { after, before, test } from "node:test";
import { By, until } from "selenium-webdriver";
import { attrOf, repo, scratchDir, sleep, startDriver, textOf } from "./driver.mjs";

const cliBin = path.join(repo, "target/debug/arbiter");
const appBin = path.join(repo, "target/debug/arbiter-app");
const shots = path.join(import.meta.dirname, "screenshots");
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 40;
const tmp = scratchDir("arbiter-e2e-quality-");
const project = path.join(tmp, "digits");
const cli = (...a) => execFileSync(cliBin, ["--project", project, ...a], { encoding: "utf8" });

let harness;
let driver;
let server;
let url;
const tokens = {};

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `quality-${name}.png`), await driver.takeScreenshot(), "base64");
}

/** One call of the annotator API as `who`; `{status, body}`. */
async function api(who, method, route, body) {
  const r = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** `who` labels every item queue `q` serves them, answering with `answer(item_id)`; how many. */
async function labelAll(who, q, answer) {
  let n = 0;
  for (;;) {
    const next = await api(who, "POST", `/api/v1/queues/${q}/next`, { n: 1 });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    const item = next.body.items[0];
    if (!item) return n;
    const saved = await api(who, "POST", "/api/v1/annotations", { item_id: item.item_id, queue: q, label: answer(item.item_id, n) });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    n += 1;
  }
}

before(async () => {
  execFileSync(cliBin, ["init", project]);
  cli("dataset", "import", path.join(repo, "fixtures/digits/manifest.csv"), "--name", "digits");
  cli("model", "add", path.join(repo, "fixtures/models/digits_logits.onnx"), "--name", "cnn");
  cli("predict", "--model", "cnn", "--dataset", "digits", "--device", "cpu");
  cli("annotators", "add", "lea", "--role", "lead");
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":96" });
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 900 }).catch(() => {});
});

after(async () => {
  server?.kill();
  await driver?.quit().catch(() => {});
  harness?.stop();
});

test("the lead marks gold on the Dashboard; a failed qualification bars ben; scores with intervals; the target gates the export", async () => {
  await find("project-screen");
  // The lead chooses who acts on this computer, then marks 2% of the given labels gold.
  await (await find("conflicts-button")).click();
  await find("conflicts-screen");
  await choose("annotator-select", "lea");
  await (await driver.findElement(By.xpath("//button[contains(., 'Items')]"))).click();
  await find("project-screen");
  await (await find("dashboard-button")).click();
  await find("dashboard-screen");
  const share = await find("gold-share");
  await share.clear();
  await share.sendKeys("2");
  await (await find("gold-mark-submit")).click();
  const done = await find("gold-mark-done");
  assert.match(await done.getText(), /^36 gold items marked in digits@1, of 1,797 candidates/);
  const answers = Object.fromEntries(JSON.parse(cli("--json", "gold", "list")).map((g) => [g.item_id, g.label]));
  assert.equal(Object.keys(answers).length, 36);

  // Queues: a qualification of five gold items, and one serving gold among its items.
  cli("queue", "--run", "1", "--strategy", "random", "--save", "qual", "--qualification", "--pass-accuracy", "0.8", "--pass-items", "5");
  cli("queue", "--run", "1", "--strategy", "margin", "--limit", "30", "--save", "work", "--gold-rate", "0.3", "--gold-warmup", "2");
  server = spawn(cliBin, ["--project", project, "--json", "serve", "--bind", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
  const first = await new Promise((resolve, reject) => {
    readline.createInterface({ input: server.stdout }).once("line", resolve);
    server.once("exit", (code) => reject(new Error(`arbiter serve exited with ${code}`)));
  });
  url = JSON.parse(first).url;
  for (const who of ["ana", "ben"]) tokens[who] = JSON.parse(cli("--json", "invite", who)).token;
  // Before qualifying, nobody claims from the work queue.
  const early = await api("ana", "POST", "/api/v1/queues/work/next", { n: 1 });
  assert.equal(early.status, 403, JSON.stringify(early.body));
  assert.match(early.body.message, /has not passed the qualification queue "qual" yet \(0 of 5/);
  // ana answers all five right; ben gets three of five wrong.
  assert.equal(await labelAll("ana", "qual", (id) => answers[id]), 5);
  const wrong = (l) => String((Number(l) + 1) % 10);
  assert.equal(await labelAll("ben", "qual", (id, n) => (n < 3 ? wrong(answers[id]) : answers[id])), 5);
  const barred = await api("ben", "POST", "/api/v1/queues/work/next", { n: 1 });
  assert.equal(barred.status, 403);
  assert.match(barred.body.message, /ben did not pass the qualification queue "qual" \(2 of 5 right, 80% needed\)/);
  // ana works through the work queue: gold comes blind among its items; she misses one gold item.
  let missed = 0;
  const labeled = await labelAll("ana", "work", (id) => {
    if (answers[id] !== undefined) {
      if (missed === 0) {
        missed += 1;
        return wrong(answers[id]);
      }
      return answers[id];
    }
    return "1";
  });
  assert.ok(labeled > 30, `${labeled} items: the queue's 30 and the gold among them`);
  const goldInWork = labeled - 30;

  // The Dashboard: accuracy on gold with intervals, and where each annotator stands.
  await (await find("dash-refresh")).click();
  await driver.wait(async () => (await driver.findElements(byId("gold-row"))).length === 2, 20000, "two annotators on gold");
  const rows = await driver.findElements(byId("gold-row"));
  const data = await Promise.all(
    rows.map(async (r) => [await r.getAttribute("data-annotator"), await r.getAttribute("textContent"), await r.getAttribute("data-low"), await r.getAttribute("data-high")]),
  );
  assert.equal(data[0][0], "ana");
  assert.match(data[0][1], new RegExp(`${5 + goldInWork - 1} / ${5 + goldInWork}`));
  assert.equal(data[1][0], "ben");
  assert.match(data[1][1], /2 \/ 5/);
  for (const [, , low, high] of data) assert.ok(Number(low) < Number(high), `${low} < ${high}: an interval is drawn`);
  const standing = await driver.findElements(byId("qualification-row"));
  const statuses = await Promise.all(standing.map(async (r) => [await r.getAttribute("data-annotator"), await r.getAttribute("data-status")]));
  // Annotators alone are listed; the lead is not held to a qualification.
  assert.deepEqual(statuses, [
    ["ana", "passed"],
    ["ben", "failed"],
  ]);
  // The lead sees which gold item ana missed.
  await (await find("gold-missed-toggle")).click();
  assert.match(await textOf(driver, "gold-missed"), /labeled \d, the answer is \d/);
  await driver.executeScript(`document.querySelector('[data-testid="dash-gold"]').scrollIntoView({block: "start"})`);
  await sleep(500);
  await shot("dashboard-gold");

  // Two more people disagree on five items; a target the data cannot meet.
  const extra = ["item_id,annotator,label"];
  for (let n = 100; n < 105; n++) extra.push(`digit_0${n},cy,1`, `digit_0${n},dee,${n % 2 ? 1 : 2}`);
  fs.writeFileSync(path.join(tmp, "extra.csv"), extra.join("\n") + "\n");
  cli("annotations", "import", path.join(tmp, "extra.csv"));
  cli("target", "set", "--statistic", "percent_agreement", "--min", "0.99");
  await (await find("dash-export")).click();
  await find("export-screen");
  await driver.wait(async () => (await attrOf(driver, "export-target", "data-status")) === "fail", 20000, "the target fails");
  const out = path.join(tmp, "export.csv");
  await choose("export-format", "csv");
  const dest = await find("export-path");
  await dest.clear();
  await dest.sendKeys(out);
  await (await find("export-submit")).click();
  const refused = await find("export-error");
  assert.equal(await refused.getAttribute("data-code"), "below_target");
  assert.ok(!fs.existsSync(out), "nothing written below the target");
  await sleep(300);
  await shot("export-refused");
  await (await find("export-allow-below-target")).click();
  await (await find("export-submit")).click();
  await find("export-done", 30000);
  assert.ok(fs.existsSync(out), "written with the override");
  const lineage = JSON.parse(fs.readFileSync(`${out}.lineage.json`, "utf8"));
  assert.equal(lineage.agreement_target.export, "allowed_below_target");
  await sleep(300);
  await shot("export-allowed");
});

async function choose(testId, value) {
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value}`);
  await option.click();
  await driver.wait(async () => (await attrOf(driver, testId, "value")) === value, 5000, `${testId} = ${value}`);
}

test("an annotator working in the app browses items without labels while the project has gold", async () => {
  await (await find("export-back")).click();
  await driver.wait(async () => (await driver.findElements(byId("export-screen"))).length === 0, 5000, "back to the items");
  await find("project-screen");
  assert.equal((await driver.findElements(byId("grid-labels-hidden"))).length, 0, "the lead sees the labels");
  await (await find("conflicts-button")).click();
  await find("conflicts-screen");
  await choose("annotator-select", "ana");
  await (await driver.findElement(By.xpath("//button[contains(., 'Items')]"))).click();
  await find("project-screen");
  await find("grid-labels-hidden");
  await driver.executeScript(`document.querySelector('[data-testid="grid-cell"]').click()`);
  await find("item-labels-hidden");
  assert.equal(await attrOf(driver, "item-label", "data-label"), "");
  assert.equal((await driver.findElements(byId("item-review"))).length, 0, "no review, no decision");
  await sleep(300);
  await shot("annotator-labels-hidden");
});
