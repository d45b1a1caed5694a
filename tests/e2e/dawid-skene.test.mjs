// The Dawid–Skene decision rule in the real app: a lead switches the rule to "by annotator
// quality" in the Conflicts screen, the conflict the fit settles leaves the list, the one it
// cannot settle shows its posterior, and the settled item's Review section shows the posterior
// as bars — with screenshots in ./screenshots (dawid-skene-*.png).
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
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 20;
const tmp = scratchDir("arbiter-e2e-ds-");
const project = path.join(tmp, "digits");

let harness;
let driver;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `dawid-skene-${name}.png`), await driver.takeScreenshot(), "base64");
}

async function choose(testId, value) {
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value}`);
  await option.click();
  await driver.wait(async () => (await attrOf(driver, testId, "value")) === value, 5000, `${testId} = ${value}`);
}

before(async () => {
  const cli = (...a) => execFileSync(cliBin, ["--project", project, ...a], { encoding: "utf8" });
  execFileSync(cliBin, ["init", project]);
  cli("dataset", "import", path.join(repo, "fixtures/digits/manifest.csv"));
  // ana and cy agree on twenty items; ben contradicts them on most. On digit_0030 ana and ben
  // disagree alone (a conflict by majority; the fit trusts ana); on digit_0032 dee and eve, who
  // labeled nothing else, disagree (the fit cannot tell them apart).
  const rows = ["item_id,annotator,label"];
  for (let n = 40; n < 60; n++) {
    const id = `digit_${String(n).padStart(4, "0")}`;
    rows.push(`${id},ana,${n % 10}`, `${id},cy,${n % 10}`, `${id},ben,${n % 3 === 0 ? n % 10 : (n + 1) % 10}`);
  }
  rows.push("digit_0030,ana,0", "digit_0030,ben,6", "digit_0032,dee,2", "digit_0032,eve,3");
  fs.writeFileSync(path.join(tmp, "votes.csv"), rows.join("\n") + "\n");
  cli("annotations", "import", path.join(tmp, "votes.csv"));
  cli("annotators", "add", "lea", "--role", "lead");
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_DISPLAY ?? ":96" });
  driver = await harness.session(["--project", project]);
  await driver.manage().window().setRect({ width: 1360, height: 860 }).catch(() => {});
});

after(async () => {
  await driver?.quit().catch(() => {});
  harness?.stop();
});

test("a lead decides by annotator quality; the app shows the posteriors", async () => {
  await find("project-screen");
  await (await find("conflicts-button")).click();
  await find("conflicts-screen");
  const count = async () => attrOf(driver, "conflicts-count", "data-count");
  await driver.wait(async () => (await count()) === "2", 15000, "two conflicts by majority");
  await choose("annotator-select", "lea");
  await (await find("decision-rule-edit")).click();
  await choose("decision-rule-mode", "dawid-skene");
  await (await find("decision-rule-save")).click();
  await driver.wait(async () => (await textOf(driver, "decision-rule-text")).includes("Dawid–Skene"), 10000, "the rule reads Dawid–Skene");
  // The fit settles digit_0030 for ana's label; digit_0032 stays for a reviewer, with why.
  await driver.wait(async () => (await count()) === "1", 15000, "one conflict by annotator quality");
  assert.equal(await attrOf(driver, "conflict-item", "data-item-id"), "digit_0032");
  const posterior = await textOf(driver, "conflict-posterior");
  assert.match(posterior, /BY ANNOTATOR QUALITY/i);
  assert.match(posterior, /%/);
  await sleep(400);
  await shot("conflicts");
  await (await driver.findElement(By.xpath("//button[contains(., 'Items')]"))).click();
  await find("project-screen");
  const search = await find("grid-search");
  await search.sendKeys("digit_0030");
  await driver.wait(async () => Number(await attrOf(driver, "grid-count", "data-count")) === 1, 15000, "the search finds digit_0030");
  await driver.executeScript(`document.querySelector('[data-testid="grid-cell"][data-id="digit_0030"]').click()`);
  await find("item-posterior");
  assert.equal(await attrOf(driver, "item-decision", "data-label"), "0");
  assert.match(await textOf(driver, "item-decision"), /Decided “0” — by annotator quality over 2 votes, .*probable \(ana\)/);
  const bars = await driver.executeScript(
    `return [...document.querySelectorAll('[data-testid="item-posterior"] [data-testid="prob-bar"]')].map((b) => b.dataset.class)`,
  );
  assert.equal(bars[0], "0");
  await sleep(400);
  await shot("item");
});
