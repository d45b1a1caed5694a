// The real Arbiter app under Xvfb, driven through tauri-driver + WebKitWebDriver: the set-up
// shared by the end-to-end tests (app.test.mjs, layout.test.mjs, pickers.test.mjs) and the first-paint benchmark
// (bench-first-paint.mjs).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Builder, By, Key, until } from "selenium-webdriver";

export const repo = path.resolve(import.meta.dirname, "../..");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The kernel's log (dmesg), one line an entry; [] where it cannot be read. */
function kernelLog() {
  try {
    return execFileSync("dmesg", ["-T"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * A fresh temporary folder for one test file: removed when the file's tests all pass, kept (and
 * named on stderr) when one fails, so the project it left can be inspected. E2E_KEEP=1 keeps it.
 * When a test fails, the kernel's reports of crashed or killed processes since the file started
 * go to stderr too: a web process that crashed (WebDriver then says "session deleted because of
 * page crash or hang") leaves nothing else behind.
 */
export function scratchDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const logged = kernelLog().length;
  process.on("exit", (code) => {
    if (code === 0 && !process.env.E2E_KEEP) fs.rmSync(dir, { recursive: true, force: true });
    else console.error(`the test files are kept in ${dir}`);
    if (code !== 0) {
      const crashes = kernelLog()
        .slice(logged)
        .filter((l) => /segfault|traps:|general protection|Out of memory|Killed process/.test(l));
      for (const line of crashes) console.error(`kernel: ${line}`);
    }
  });
  return dir;
}

/**
 * An attribute (or, for "value", the current value) of the element with `data-testid=id`, read in
 * one round trip: null while there is none. Unlike a found element's `getAttribute`, a condition
 * polled with it cannot fail on an element React has replaced in the meantime.
 */
export const attrOf = (driver, id, name) =>
  driver.executeScript(
    `const el = document.querySelector('[data-testid="' + arguments[0] + '"]');
     return el === null ? null : arguments[1] === "value" ? el.value : el.getAttribute(arguments[1]);`,
    id,
    name,
  );

/** The visible text of the element with `data-testid=id` in one round trip ("" while there is none). */
export const textOf = (driver, id) =>
  driver.executeScript(`return document.querySelector('[data-testid="' + arguments[0] + '"]')?.innerText ?? "";`, id);

/**
 * Replaces a text field's content as a user does: select all, type. (WebDriver's `clear()` sets
 * the value without an input event, so a React re-render in between puts the old value back and
 * the keys typed next are appended to it.) Waits until the field holds `text`.
 */
export async function typeInto(driver, field, text) {
  await field.click();
  await driver.actions().keyDown(Key.CONTROL).sendKeys("a").keyUp(Key.CONTROL).perform();
  if (text === "") await field.sendKeys(Key.BACK_SPACE);
  else await field.sendKeys(text);
  await driver.wait(async () => (await field.getAttribute("value")) === text, 5000, `the field holds ${JSON.stringify(text)}`);
}

function tauriDriverPath() {
  const local = path.join(os.homedir(), ".cargo/bin/tauri-driver");
  return fs.existsSync(local) ? local : "tauri-driver";
}

/** Wait until something listens on 127.0.0.1:port (tauri-driver's /status would proxy to a
 * native driver that only starts with the session, so only the socket is checked). */
async function waitForPort(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const open = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => { s.end(); resolve(true); });
      s.on("error", () => resolve(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on port ${port} after ${ms} ms`);
}

/**
 * Start Xvfb (unless DISPLAY is set) and tauri-driver on `port`, with a fresh HOME and config
 * folder under `tmp` (recent projects) and the ONNX Runtime library where set-up put it.
 * `screen` is Xvfb's screen (WIDTHxHEIGHTxDEPTH): a window cannot grow past it.
 * Returns `{ session(args), stop(), display }`; `session` starts the app with `args` and returns a
 * selenium driver (retried: on a loaded machine WebKitWebDriver may not listen yet).
 */
export async function startDriver({ appBin, tmp, port, display = ":97", screen = "1400x900x24", env: extra = {} }) {
  const dataHome = process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local/share");
  const ortLib = process.env.ORT_DYLIB_PATH ?? path.join(dataHome, "arbiter/onnxruntime/1.31.1/libonnxruntime.so.1.31.1");
  const env = {
    ...process.env,
    HOME: path.join(tmp, "home"),
    XDG_CONFIG_HOME: path.join(tmp, "config"),
    XDG_DATA_HOME: dataHome,
    ORT_DYLIB_PATH: ortLib,
    // No session bus under Xvfb: GTK's settings stay in memory instead of warning on every change.
    GSETTINGS_BACKEND: "memory",
    ...extra,
  };
  let xvfb;
  if (!process.env.DISPLAY) {
    xvfb = spawn("Xvfb", [display, "-screen", "0", screen, "-nolisten", "tcp"], { stdio: "ignore" });
    env.DISPLAY = display;
    const sock = `/tmp/.X11-unix/X${display.slice(1)}`;
    for (let i = 0; i < 100 && !fs.existsSync(sock); i++) await sleep(50);
  }
  const tauriDriver = spawn(tauriDriverPath(), ["--port", String(port), "--native-port", String(port + 1)], {
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitForPort(port, 20000);
  const session = async (args) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await new Builder()
          .usingServer(`http://127.0.0.1:${port}/`)
          .withCapabilities({ browserName: "wry", "tauri:options": { application: appBin, args } })
          .build();
      } catch (e) {
        if (attempt >= 5) throw e;
        console.error(`session start failed (${e.message}); retrying (${attempt}/5)`);
        await sleep(2000 * attempt);
      }
    }
  };
  const stop = () => {
    tauriDriver.kill();
    xvfb?.kill();
  };
  return { session, stop, display: env.DISPLAY };
}

/** Picks `value` in the `<select data-testid=testId>` as a user does, and waits until it holds. */
export async function chooseOption(driver, testId, value) {
  const option = await driver.wait(until.elementLocated(By.css(`[data-testid="${testId}"] option[value="${value}"]`)), 10000, `option ${value}`);
  await option.click();
  await driver.wait(async () => (await attrOf(driver, testId, "value")) === value, 5000, `${testId} = ${value}`);
}

/** The window as `dir/NAME.png`. */
export async function saveShot(driver, dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.png`), await driver.takeScreenshot(), "base64");
}
