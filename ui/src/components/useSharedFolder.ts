/**
 * This computer's shared folder for the open project (kept by the app, per project): synced when
 * the project opens and every N minutes when the setting says so, and on demand (Sync now). Lives
 * in the project screen, so the timer runs whichever screen is open; a sync that brought new
 * events calls `onChanged` (the screens read the project again).
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { FolderSyncDto } from "../bindings/FolderSyncDto";
import type { IpcError } from "../bindings/IpcError";
import type { SharedFolderSetting } from "../bindings/SharedFolderSetting";
import * as ipc from "../ipc";
import { normaliseError } from "../lib/ipcError";
import { syncChanged } from "../lib/team";
import { useDesktop } from "../session";

export type LastSync =
  | { kind: "done"; result: FolderSyncDto; auto: boolean }
  | { kind: "failed"; error: IpcError; auto: boolean };

export interface SharedFolder {
  /** null until read. */
  setting: SharedFolderSetting | null;
  save: (setting: SharedFolderSetting) => Promise<SharedFolderSetting>;
  /** Sync now (rejects with the error, which `last` also holds). */
  sync: () => Promise<FolderSyncDto>;
  syncing: boolean;
  last: LastSync | null;
}

/** What a browser on `arbiter serve` has: the shared folder belongs to the machine that serves. */
const NO_FOLDER: SharedFolderSetting = { dir: null, onOpen: false, everyMinutes: 0 };

export function useSharedFolder(onChanged: () => void): SharedFolder {
  // Over HTTP the browser neither reads the server's setting nor syncs on open or on a timer:
  // every open tab would otherwise sync the server's folder.
  const desktop = useDesktop();
  const [setting, setSetting] = useState<SharedFolderSetting | null>(desktop ? null : NO_FOLDER);
  const [syncing, setSyncing] = useState(false);
  const [last, setLast] = useState<LastSync | null>(null);
  const changed = useRef(onChanged);
  changed.current = onChanged;
  const running = useRef(false);

  const run = useCallback(async (dir: string, auto: boolean) => {
    running.current = true;
    setSyncing(true);
    try {
      const result = await ipc.syncFolder(dir);
      setLast({ kind: "done", result, auto });
      if (syncChanged(result)) changed.current();
      return result;
    } catch (err) {
      const error = normaliseError(err);
      setLast({ kind: "failed", error, auto });
      throw error;
    } finally {
      running.current = false;
      setSyncing(false);
    }
  }, []);

  // The setting, then the sync on open.
  useEffect(() => {
    if (!desktop) return;
    let cancelled = false;
    ipc
      .sharedFolder()
      .then((s) => {
        if (cancelled) return;
        setSetting(s);
        if (s.dir && s.onOpen) run(s.dir, true).catch(() => {});
      })
      .catch(() => !cancelled && setSetting({ dir: null, onOpen: false, everyMinutes: 0 }));
    return () => {
      cancelled = true;
    };
  }, [run, desktop]);

  // The timer (skipped while a sync runs).
  const dir = setting?.dir ?? null;
  const every = setting?.everyMinutes ?? 0;
  useEffect(() => {
    if (!dir || every <= 0) return;
    const timer = setInterval(() => {
      if (!running.current) run(dir, true).catch(() => {});
    }, every * 60_000);
    return () => clearInterval(timer);
  }, [dir, every, run]);

  const save = useCallback(async (next: SharedFolderSetting) => {
    const kept = await ipc.setSharedFolder(next);
    setSetting(kept);
    return kept;
  }, []);

  const sync = useCallback(() => {
    if (!dir) return Promise.reject(normaliseError({ code: "invalid_input", message: "choose the shared folder first" }));
    return run(dir, false);
  }, [dir, run]);

  return { setting, save, sync, syncing, last };
}
