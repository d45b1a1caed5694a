// Answering the app's native GTK file and folder dialogs with xdotool, as a user would (Ctrl+L, a
// path, Enter), for the end-to-end tests under Xvfb (team.test.mjs; pickers.test.mjs holds the
// same steps with its freeze checks). Needs xdotool; ImageMagick's `import`, when installed,
// saves a screenshot of the whole screen with the dialog open.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { sleep } from "./driver.mjs";

const run = promisify(execFile);

/** How long a dialog may take to appear or to go (the machine may be loaded). */
export const DIALOG_MS = 30000;

/**
 * The dialog helpers for the app `appBin` on X display `display`; screenshots go to `shots`
 * (as dialog-NAME.png).
 */
export function nativeDialogs({ display, appBin, shots }) {
  const xEnv = () => ({ ...process.env, DISPLAY: display });
  const xdotool = async (...args) => (await run("xdotool", args, { env: xEnv(), timeout: 20000 })).stdout.trim();
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  async function screenShot(name) {
    fs.mkdirSync(shots, { recursive: true });
    await run("import", ["-window", "root", path.join(shots, `${name}.png`)], { env: xEnv() }).catch(() => {});
  }

  async function windowsTitled(title) {
    const out = await xdotool("search", "--onlyvisible", "--name", `^${escape(title)}$`).catch((e) => (e.code === 1 ? "" : Promise.reject(e)));
    return out.split("\n").filter(Boolean);
  }

  async function waitFor(cond, what, ms = DIALOG_MS) {
    const end = Date.now() + ms;
    for (;;) {
      const value = await cond();
      if (value) return value;
      if (Date.now() > end) throw new Error(`${what} (waited ${ms} ms)`);
      await sleep(100);
    }
  }

  async function dialogWindow(title, name) {
    const [win] = await waitFor(async () => {
      const wins = await windowsTitled(title);
      return wins.length ? wins : null;
    }, `the "${title}" dialog should appear`);
    await sleep(300);
    await screenShot(`dialog-${name}`);
    return win;
  }

  const dialogGone = (title, ms = DIALOG_MS) =>
    waitFor(async () => (await windowsTitled(title)).length === 0, `the "${title}" dialog should close`, ms);

  async function keys(win, ...args) {
    await xdotool("windowfocus", "--sync", win);
    await xdotool(...args);
  }

  /** GTK's completion pop-up: a visible window of the app named after the program. */
  async function completionOpen() {
    const out = await xdotool("search", "--onlyvisible", "--name", `^${escape(path.basename(appBin))}$`).catch((e) =>
      e.code === 1 ? "" : Promise.reject(e),
    );
    return out !== "";
  }

  /** Enter, until the dialog closes (GTK may leave an early Enter unanswered, or spend it on the
   * completion pop-up). */
  async function accept(title, win) {
    await sleep(300);
    await waitFor(async () => !(await completionOpen()), "the completion pop-up should close", 5000).catch(() => {});
    for (let attempt = 1; ; attempt++) {
      await keys(win, "key", "Return").catch((e) => (attempt === 1 ? Promise.reject(e) : undefined));
      try {
        return await dialogGone(title, attempt < 4 ? 5000 : DIALOG_MS);
      } catch (e) {
        if (attempt >= 4) throw e;
      }
    }
  }

  return {
    /** An open dialog answered with a file's full path. */
    async answerWithPath(title, target, name) {
      const win = await dialogWindow(title, name);
      await keys(win, "key", "alt+Home", "ctrl+l", "ctrl+a");
      await keys(win, "type", "--delay", "20", target);
      await accept(title, win);
    },
    /** A folder dialog answered with `folder` ("/" typed first, the path before it: GTK completes
     * the name before the cursor). */
    async answerWithFolder(title, folder, name) {
      const win = await dialogWindow(title, name);
      await keys(win, "key", "alt+Home", "ctrl+l", "ctrl+a", "slash", "Home");
      await keys(win, "type", "--delay", "20", folder);
      await accept(title, win);
    },
    /** A save dialog that suggests a name (selected): the folder typed before it. */
    async answerSaveInFolder(title, folder, name) {
      const win = await dialogWindow(title, name);
      await keys(win, "key", "Home");
      await keys(win, "type", "--delay", "20", `${folder}/`);
      await accept(title, win);
    },
  };
}
