/** The review screen's keyboard: one window listener, which reads the latest render through a ref. */
import { useEffect, useRef } from "react";
import { keyInput, reviewKeyAction, type ReviewAction } from "../../lib/reviewKeys";

interface KeyState {
  hotkeys: Map<string, string>;
  overrideMode: boolean;
  /** The shortcut sheet is open: only the keys that close it act. */
  sheet: boolean;
  /** A dialog is open: no key acts. */
  blocked: boolean;
  /** Does what a key asks (`t0`: when it was pressed). */
  handle: (action: ReviewAction, t0: number) => void;
}

export function useReviewKeys(state: KeyState) {
  const live = useRef(state);
  live.current = state;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const L = live.current;
      if (e.defaultPrevented || L.blocked) return;
      const target = e.target as Element | null;
      if (target?.closest?.('[aria-modal="true"]')) return;
      const t0 = performance.now();
      const action = reviewKeyAction(keyInput(e), { hotkeys: L.hotkeys, overrideMode: L.overrideMode, sheetOpen: L.sheet });
      if (!action) return;
      if (L.sheet && action.type !== "toggleSheet" && action.type !== "closeSheet") return;
      e.preventDefault();
      L.handle(action, t0);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
}
