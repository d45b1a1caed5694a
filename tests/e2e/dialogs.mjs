// Answering the app's native GTK file and folder dialogs with xdotool, as a user would (Ctrl+L, a
// path, Enter), for the end-to-end tests under Xvfb (team.test.mjs, pickers.test.mjs). Needs xdotool; ImageMagick's `import`, when installed,
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

  /** Wait for the native dialog titled `title` (a freeze shows here: it never appears) and save
   * a screenshot of it. Returns its X window id. */
  async function dialogWindow(title, name) {
    const [win] = await waitFor(async () => {
      const wins = await windowsTitled(title);
      return wins.length ? wins : null;
    }, `the "${title}" dialog should appear`);
    // The dialog lists its folder asynchronously; let it draw before the picture is taken.
    await sleep(300);
    await screenShot(`dialog-${name}`);
    return win;
  }

  const dialogGone = (title, ms = DIALOG_MS) =>
    waitFor(async () => (await windowsTitled(title)).length === 0, `the "${title}" dialog should close`, ms);

  /** Keys typed into the dialog as a user would (XTEST), once it has the keyboard focus: focusing
   * fails when the window has gone, so that no key ever lands in the app. */
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

  /** Enter, until the dialog closes. GTK takes a moment over typed text (its completion and
   * location timers run 100–150 ms after the last key) and an Enter within it can go unanswered;
   * while the completion pop-up is open an Enter only closes the pop-up. So the pop-up is given
   * time to close (it does once the typed name matches one entry), and Enter is pressed again
   * while the dialog stays. */
  async function accept(title, win) {
    await sleep(300);
    await waitFor(async () => !(await completionOpen()), "the completion pop-up should close", 5000).catch(() => {});
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) console.log(`  (Enter again in "${title}", attempt ${attempt})`);
      // After the first Enter the window may have gone: then there is nothing to send.
      await keys(win, "key", "Return").catch((e) => (attempt === 1 ? Promise.reject(e) : undefined));
      try {
        return await dialogGone(title, attempt < 4 ? 5000 : DIALOG_MS);
      } catch (e) {
        if (attempt >= 4) throw e;
      }
    }
  }

  return {
    screenShot,
    /** An open or folder dialog answered with `target` as a user would type it: Alt+Home leaves
     * GTK's "Recent" view (which answers with its own selection, not with a typed path) for the
     * home folder, Ctrl+L opens the location bar, the path is typed, Enter accepts. */
    async answerWithPath(title, target, name) {
      const win = await dialogWindow(title, name);
      await keys(win, "key", "alt+Home", "ctrl+l", "ctrl+a");
      await keys(win, "type", "--delay", "20", target);
      await accept(title, win);
    },
    /** A folder dialog answered with `folder`, typed as "folder/" (the dialog then answers with
     * that folder as it stands). The "/" is typed first and the path before it: GTK's location bar
     * completes the name before the cursor, and "folder/" with the cursor at its end could become
     * "folder/only-sub-folder/". */
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
    /** A dialog cancelled with Escape. */
    async cancel(title, name) {
      const win = await dialogWindow(title, name);
      await keys(win, "key", "Escape");
      await dialogGone(title);
    },
  };
}
