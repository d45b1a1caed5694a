/** The reason and note typed for an item: kept per item, restored when it comes back. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { EMPTY_DRAFT, type Draft } from "../../lib/reviewSession";

/**
 * The draft of the item on screen (`currentRowid`), and the drafts of the others of this session
 * (a new `session` — another queue or annotator — starts with none).
 */
export function useDrafts(currentRowid: number | null, session: unknown) {
  const drafts = useRef(new Map<number, Draft>());
  const [draft, setDraftState] = useState<Draft>(EMPTY_DRAFT);
  useLayoutEffect(() => {
    setDraftState(currentRowid === null ? EMPTY_DRAFT : (drafts.current.get(currentRowid) ?? EMPTY_DRAFT));
  }, [currentRowid]);
  // Drafts belong to one annotator's session.
  useEffect(() => {
    drafts.current.clear();
  }, [session]);

  /** Change the draft of the item on screen. */
  const setDraft = (d: Draft) => {
    setDraftState(d);
    if (currentRowid !== null) drafts.current.set(currentRowid, d);
  };
  /** The draft kept for an item (empty if none). */
  const draftOf = useCallback((rowid: number) => drafts.current.get(rowid) ?? EMPTY_DRAFT, []);
  /** Keep an item's draft for when it comes back (undo, a failed save); `onScreen` shows it now. */
  const keep = useCallback((rowid: number, d: Draft, onScreen = false) => {
    drafts.current.set(rowid, d);
    if (onScreen) setDraftState(d);
  }, []);
  /** An item acted on leaves its draft behind. */
  const drop = useCallback((rowid: number) => {
    drafts.current.delete(rowid);
  }, []);
  return { draft, setDraft, draftOf, keep, drop };
}

export type Drafts = ReturnType<typeof useDrafts>;
