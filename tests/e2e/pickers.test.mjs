// Desktop end-to-end test of every native file and folder picker: the real app under Xvfb
// (tauri-driver + WebKitWebDriver) clicks each picker button — the start screen's Open project…
// and New project…, Import's Choose file… and Choose folder…, Add model's two Choose… buttons,
// Export's Choose destination… (a file, and a folder for an image-folder export) — and answers
// the real GTK dialog with xdotool as a user would (Ctrl+L, a path, Enter), then checks that the
// app received the path and still responds. One dialog is cancelled with Escape.
// Needs xdotool; with ImageMagick's `import` it also saves screenshots of the whole screen with
// the dialog open (tests/e2e/screenshots/dialog-*.png). Runs on its own X display (:96, or
// E2E_PICKERS_DISPLAY) and tauri-driver port (TAURI_DRIVER_PORT + 10).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { By, Key, until } from "selenium-webdriver";
import { DIALOG_MS, nativeDialogs } from "./dialogs.mjs";
import { repo, scratchDir, sleep, startDriver, textOf } from "./driver.mjs";

const appBin = process.env.ARBITER_APP ?? path.join(repo, "target/debug/arbiter-app");
const cliBin = process.env.ARBITER ?? path.join(repo, "target/debug/arbiter");
const shots = path.join(import.meta.dirname, "screenshots");
// Its own port and display, so that it never meets app.test.mjs's.
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444) + 10;
const tmp = scratchDir("arbiter-pickers-");
/** What the dialogs are answered with. */
const demo = path.join(tmp, "digits");
const fresh = path.join(tmp, "fresh");
const inputs = path.join(tmp, "inputs");
const manifest = path.join(inputs, "manifest.csv");
const imageDir = path.join(inputs, "pictures");
const modelFile = path.join(inputs, "model.onnx");
const labelsFile = path.join(inputs, "classes.txt");
const exportDir = path.join(tmp, "exports");

let harness;
let driver;

const byId = (id) => By.css(`[data-testid="${id}"]`);
const find = (id, ms = 20000) => driver.wait(until.elementLocated(byId(id)), ms, `no [data-testid=${id}]`);
const byXpath = (xpath, what, ms = 20000) => driver.wait(until.elementLocated(By.xpath(xpath)), ms, what);
/** A button inside the element with this test id, by its text. */
const buttonIn = (id, text) =>
  byXpath(`//*[@data-testid="${id}"]//button[normalize-space()="${text}"]`, `no "${text}" button in [data-testid=${id}]`);

async function shot(name) {
  fs.mkdirSync(shots, { recursive: true });
  fs.writeFileSync(path.join(shots, `${name}.png`), await driver.takeScreenshot(), "base64");
}

/** The native dialogs, answered as a user would (dialogs.mjs); set up once the display runs. */
let dialogs;
/** The whole X screen (the GTK dialog is not part of the webview's screenshot), if ImageMagick is
 * installed; nothing depends on it. */
const screenShot = (name) => dialogs.screenShot(name);
const answerWithPath = (...args) => dialogs.answerWithPath(...args);
const answerWithFolder = (...args) => dialogs.answerWithFolder(...args);

/** The app still responds: a script round trip through the webview, and this element is there. */
async function responds(id) {
  assert.equal(await driver.executeScript("return 1 + 1"), 2);
  await find(id, 10000);
}

/** A test that, when it fails, leaves screenshots of the webview and of the whole screen
 * (failed-<number>-*.png) to show where it stopped. */
let failures = 0;
/** Set once the app stopped answering: every later test then fails at once instead of waiting. */
let frozen = null;
function pickerTest(name, fn) {
  test(name, { timeout: 180000 }, async () => {
    if (frozen) throw new Error(`the app froze in an earlier test (${frozen})`);
    try {
      await fn();
    } catch (e) {
      const n = ++failures;
      await screenShot(`pickers-failed-${n}-screen`);
      // Does the app still answer? A frozen one would hold every later test until its timeout.
      const answers = await Promise.race([shot(`pickers-failed-${n}-webview`).then(() => true, () => true), sleep(10000).then(() => false)]);
      if (!answers) frozen ??= `no answer to WebDriver after: ${e.message}`;
      throw e;
    }
  });
}

/** Click a button that opens a native dialog. An app whose dialog blocks its main thread never
 * answers the click (nor anything after it): that fails here, within DIALOG_MS. */
async function clickPicker(button, what) {
  const click = button.click().then(() => true);
  click.catch(() => {}); // a late failure (the session ending) is no news
  const answered = await Promise.race([click, sleep(DIALOG_MS).then(() => false)]);
  if (!answered) {
    frozen = `no answer to a click on ${what} within ${DIALOG_MS} ms`;
    throw new Error(`the app froze: ${frozen}`);
  }
}

async function fieldValue(id, value) {
  const field = await find(id);
  await driver.wait(async () => (await field.getAttribute("value")) === value, DIALOG_MS, `[data-testid=${id}] should read ${value}`);
}

before(async () => {
  // A project with one dataset (the 8×8 digits).
  execFileSync(cliBin, ["init", demo, "--name", "digits"], { stdio: "inherit" });
  execFileSync(cliBin, ["--project", demo, "dataset", "import", path.join(repo, "fixtures/digits/manifest.csv"), "--name", "digits"], { stdio: "inherit" });
  for (const dir of [fresh, imageDir, exportDir]) fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(repo, "fixtures/digits/manifest.csv"), manifest);
  fs.copyFileSync(path.join(repo, "fixtures/models/digits_logits.onnx"), modelFile);
  fs.writeFileSync(labelsFile, "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
  // GTK's list of recent files goes under XDG_DATA_HOME: a fresh one, not the user's.
  const env = { XDG_DATA_HOME: path.join(tmp, "data") };
  harness = await startDriver({ appBin, tmp, port, display: process.env.E2E_PICKERS_DISPLAY ?? ":96", env });
  dialogs = nativeDialogs({ display: harness.display, appBin, shots });
  // No project: the app starts on the start screen.
  driver = await harness.session([]);
  await driver.manage().window().setRect({ width: 1360, height: 860 }).catch(() => {});
});

after(async () => {
  // A frozen app would hold quit forever: give it a bounded time, then stop everything.
  await Promise.race([driver?.quit().catch(() => {}), sleep(15000)]);
  harness?.stop();
});

pickerTest("New project…: the folder chosen in the dialog becomes the new project", async () => {
  await find("start-screen");
  await clickPicker(await find("new-project"), "New project…");
  await answerWithFolder("Choose a folder for the new project", fresh, "new-project");
  const box = await byXpath(`//div[contains(@class,"path-box")]`, "the new-project form shows the folder");
  await driver.wait(async () => (await box.getText()) === fresh, DIALOG_MS, `the new-project form should show ${fresh}`);
  await shot("pickers-new-project");
  await (await byXpath(`//form[@id="new-project-form"]//input[@type="text"]`, "labels field")).sendKeys("cat, dog");
  await (await byXpath(`//form[@id="new-project-form"]//button[@type="submit"]`, "create button")).click();
  await find("project-screen");
  await driver.wait(async () => (await textOf(driver, "project-name")) === "fresh", 10000, "the new project is open");
  await (await byXpath(`//button[normalize-space()="Close project"]`, "close project")).click();
  await find("start-screen");
});

pickerTest("Open project… cancelled with Escape returns nothing and leaves the app responsive", async () => {
  await clickPicker(await find("open-project"), "Open project…");
  await dialogs.cancel("Open Arbiter project", "open-project-cancel");
  await responds("start-screen");
  assert.equal((await driver.findElements(byId("error-banner"))).length, 0, "no error after a cancelled dialog");
  // The start screen works on: the project created above is listed, Open project… is enabled
  // (the next test opens the dialog again).
  const recent = await find("recent-project");
  assert.equal(await recent.getAttribute("data-path"), fresh);
  assert.equal(await (await find("open-project")).isEnabled(), true);
});

pickerTest("Open project…: the folder chosen in the dialog opens", async () => {
  await clickPicker(await find("open-project"), "Open project…");
  await answerWithFolder("Open Arbiter project", demo, "open-project");
  await find("project-screen");
  await driver.wait(async () => (await textOf(driver, "project-name")) === "digits", DIALOG_MS, "the demo project opens");
  await responds("item-grid");
});

pickerTest("Import: Choose file… and Choose folder… fill in the source", async () => {
  await (await find("import-button")).click();
  await find("import-dialog");
  await clickPicker(await buttonIn("import-dialog", "Choose file…"), "Import's Choose file…");
  await answerWithPath("Choose a data file", manifest, "import-file");
  await fieldValue("import-source", manifest);
  await clickPicker(await buttonIn("import-dialog", "Choose folder…"), "Import's Choose folder…");
  await answerWithFolder("Choose a data folder", imageDir, "import-folder");
  await fieldValue("import-source", imageDir);
  await shot("pickers-import");
  await driver.actions().sendKeys(Key.ESCAPE).perform();
  await driver.wait(async () => (await driver.findElements(byId("import-dialog"))).length === 0, 10000, "the import dialog closes");
  await responds("project-screen");
});

pickerTest("Add model: both Choose… buttons fill in the model and the labels file", async () => {
  await (await find("add-model-button")).click();
  await find("add-model-dialog");
  await clickPicker(await byXpath(`//*[@data-testid="model-file"]/following-sibling::button`, "the model's Choose… button"), "the model's Choose…");
  await answerWithPath("Choose an ONNX model", modelFile, "model-file");
  await fieldValue("model-file", modelFile);
  await clickPicker(await byXpath(`//*[@data-testid="model-labels"]/following-sibling::button`, "the labels file's Choose… button"), "the labels file's Choose…");
  await answerWithPath("Choose a labels file (one class per line, or JSON)", labelsFile, "model-labels");
  await fieldValue("model-labels", labelsFile);
  await shot("pickers-add-model");
  await driver.actions().sendKeys(Key.ESCAPE).perform();
  await driver.wait(async () => (await driver.findElements(byId("add-model-dialog"))).length === 0, 10000, "the add-model dialog closes");
  await responds("project-screen");
});

/** Picks an option of a <select> by value. */
async function choose(testId, value) {
  const select = await find(testId);
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value}`);
  await option.click();
  await driver.wait(async () => (await select.getAttribute("value")) === value, 5000, `${testId} = ${value}`);
}

pickerTest("Export: Choose destination… keeps the suggested file name, and picks a folder for an image folder", async () => {
  await (await find("export-button")).click();
  await find("export-screen");
  await choose("export-format", "csv");
  await clickPicker(await find("export-choose"), "Export's Choose destination…");
  // The save dialog suggests export.csv with the name selected: Home, then only the folder is typed.
  await dialogs.answerSaveInFolder("Export the corrected dataset", exportDir, "export-file");
  await fieldValue("export-path", path.join(exportDir, "export.csv"));
  await shot("pickers-export");

  const newFolder = path.join(exportDir, "images");
  fs.mkdirSync(newFolder);
  await choose("export-format", "imagefolder");
  await clickPicker(await find("export-choose"), "Export's Choose destination…");
  await answerWithFolder("Export into a new folder", newFolder, "export-folder");
  await fieldValue("export-path", newFolder);
  await responds("export-screen");
});
