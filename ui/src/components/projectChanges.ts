/**
 * How many times events came in from other copies of the project (a pack imported, a shared-folder
 * sync) since the project screen opened: the screens open over it (Review, Conflicts, Dashboard)
 * read the project again when it changes, even while they stay open (the shared folder's timer).
 */
import { createContext, useContext, useEffect, useRef } from "react";

export const ProjectChanges = createContext(0);

/** Calls `reload` whenever events came in (not when the screen mounts: it reads the project then). */
export function useOnProjectChanges(reload: () => void) {
  const changes = useContext(ProjectChanges);
  const seen = useRef(changes);
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    if (changes === seen.current) return;
    seen.current = changes;
    latest.current();
  }, [changes]);
}
