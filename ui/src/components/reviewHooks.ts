import { useCallback, useEffect, useMemo, useState } from "react";
import type { AnnotatorDto } from "../bindings/AnnotatorDto";
import type { ReasonDto } from "../bindings/ReasonDto";
import type { Role } from "../bindings/Role";
import { usePersistentState } from "../hooks";
import * as ipc from "../ipc";
import { useSession } from "../session";
import { useReportError } from "./ErrorBanner";

export const ROLES: readonly Role[] = ["annotator", "reviewer", "lead"];

/** Reviewers and leads may override (and decide conflicts). */
export function canOverride(a: AnnotatorDto | null | undefined): boolean {
  return a?.role === "reviewer" || a?.role === "lead";
}

export interface Annotators {
  list: AnnotatorDto[] | null;
  /** The chosen annotator's name (remembered per project). */
  name: string | null;
  current: AnnotatorDto | null;
  choose: (name: string | null) => void;
  add: (name: string, role: Role) => Promise<AnnotatorDto>;
  refresh: () => Promise<void>;
}

/**
 * The annotator profiles and who is labeling on this computer (shared by Review and Conflicts).
 * In a browser on `arbiter serve` that is the signed-in person, whom nothing on screen changes
 * (the server lets a caller act only as themself).
 */
export function useAnnotators(projectPath: string): Annotators {
  const report = useReportError();
  const session = useSession();
  const [list, setList] = useState<AnnotatorDto[] | null>(null);
  const [chosen, chooseOnThisComputer] = usePersistentState<string | null>(`arbiter.annotator:${projectPath}`, null);
  const sessionName = session.transport === "http" ? session.annotator : null;
  const sessionRole = session.transport === "http" ? session.role : null;
  const signedIn = useMemo<AnnotatorDto | null>(
    () => (sessionName !== null && sessionRole !== null ? { name: sessionName, role: sessionRole } : null),
    [sessionName, sessionRole],
  );
  const name = signedIn ? signedIn.name : chosen;
  const fixed = signedIn !== null;
  const choose = useCallback(
    (n: string | null) => {
      if (!fixed) chooseOnThisComputer(n);
    },
    [fixed, chooseOnThisComputer],
  );

  const refresh = useCallback(async () => {
    try {
      setList(await ipc.listAnnotators());
    } catch (err) {
      report(err, "Loading annotators");
      setList((prev) => prev ?? []);
    }
  }, [report]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const add = useCallback(
    async (n: string, role: Role) => {
      const a = await ipc.addAnnotator(n, role);
      setList((prev) => [...(prev ?? []).filter((x) => x.name !== a.name), a]);
      choose(a.name);
      return a;
    },
    [choose],
  );

  // The session's role is the server's word, before the list has loaded too.
  const current = signedIn ?? list?.find((a) => a.name === name) ?? null;
  return { list, name, current, choose, add, refresh };
}

/** The project's correction reasons (empty until loaded). */
export function useReasons(): ReasonDto[] {
  const report = useReportError();
  const [reasons, setReasons] = useState<ReasonDto[]>([]);
  useEffect(() => {
    let cancelled = false;
    ipc
      .listReasons()
      .then((r) => !cancelled && setReasons(r))
      .catch((err) => !cancelled && report(err, "Loading reasons"));
    return () => {
      cancelled = true;
    };
  }, [report]);
  return reasons;
}

/** "model_wrong" → "model wrong". */
export function reasonText(code: string): string {
  return code.replace(/_/g, " ");
}
