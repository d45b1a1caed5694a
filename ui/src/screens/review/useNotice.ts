/** The review screen's passing notice (a status line that goes by itself). */
import { useCallback, useEffect, useState } from "react";

export interface Notice {
  id: number;
  text: string;
  tone: "info" | "warn";
}

/** The notice on screen and `flash` to show one: info for 3.5 s, a warning for 6 s. */
export function useNotice() {
  const [notice, setNotice] = useState<Notice | null>(null);
  const flash = useCallback((text: string, tone: Notice["tone"] = "info") => {
    setNotice({ id: Date.now() + Math.random(), text, tone });
  }, []);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setNotice((n) => (n?.id === notice.id ? null : n)), notice.tone === "warn" ? 6000 : 3500);
    return () => clearTimeout(t);
  }, [notice]);
  return { notice, flash };
}

export type Flash = ReturnType<typeof useNotice>["flash"];
