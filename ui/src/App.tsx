import { useCallback, useEffect, useRef, useState } from "react";
import type { ProjectInfo } from "./bindings/ProjectInfo";
import { ErrorProvider, useClearError, useReportError } from "./components/ErrorBanner";
import * as ipc from "./ipc";
import { signinToken } from "./lib/signin";
import { ProjectScreen } from "./screens/ProjectScreen";
import { NoProjectScreen, SignedOutScreen } from "./screens/SignedOutScreen";
import { StartScreen } from "./screens/StartScreen";
import { DESKTOP_SESSION, SessionContext, useSession, type Session } from "./session";

type Phase = { kind: "loading" } | { kind: "start" } | { kind: "project"; project: ProjectInfo };

export function App() {
  return (
    <ErrorProvider>
      {ipc.transportKind() === "tauri" ? (
        <SessionContext.Provider value={DESKTOP_SESSION}>
          <Shell />
        </SessionContext.Provider>
      ) : (
        <HttpGate />
      )}
    </ErrorProvider>
  );
}

/**
 * A browser on `arbiter serve`: a sign-in link (`/signin#token=…`) is exchanged for a session
 * and taken out of the address bar; otherwise the cookie's session is asked for. Without one,
 * the signed-out screen.
 */
async function startHttpSession(): Promise<ipc.HttpSession> {
  const token = signinToken(window.location);
  if (token === null) return ipc.getSession();
  try {
    return await ipc.signIn(token);
  } finally {
    // Whatever the answer, the token leaves the address bar (and the history entry).
    window.history.replaceState(null, "", "/");
  }
}

type Gate =
  | { kind: "checking" }
  | { kind: "signedIn"; session: ipc.HttpSession }
  | { kind: "signedOut"; message: string | null; byUser: boolean };

function HttpGate() {
  const [gate, setGate] = useState<Gate>({ kind: "checking" });
  // One attempt per page: a sign-in link works once, and StrictMode runs effects twice.
  const attempt = useRef<{ promise: Promise<ipc.HttpSession>; withToken: boolean } | null>(null);

  useEffect(() => {
    attempt.current ??= { promise: startHttpSession(), withToken: signinToken(window.location) !== null };
    const { promise, withToken } = attempt.current;
    let cancelled = false;
    promise.then(
      (session) => {
        if (!cancelled) setGate({ kind: "signedIn", session });
      },
      (err: unknown) => {
        if (cancelled) return;
        const error = ipc.normaliseError(err);
        // No cookie is the ordinary signed-out state; a refused link or an unreachable server says why.
        const message = !withToken && error.code === "unauthorized" ? null : error.message;
        setGate({ kind: "signedOut", message, byUser: false });
      },
    );
    const unsubscribe = ipc.onSignedOut((error) => setGate({ kind: "signedOut", message: error.message, byUser: false }));
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, []);

  const signOut = useCallback(() => {
    ipc
      .signOut()
      .catch(() => {})
      .finally(() => setGate({ kind: "signedOut", message: null, byUser: true }));
  }, []);

  switch (gate.kind) {
    case "checking":
      return <div className="app-loading" aria-busy="true" />;
    case "signedOut":
      return <SignedOutScreen message={gate.message} signedOut={gate.byUser} />;
    case "signedIn": {
      const session: Session = { transport: "http", ...gate.session, signOut };
      return (
        <SessionContext.Provider value={session}>
          <Shell />
        </SessionContext.Provider>
      );
    }
  }
}

function Shell() {
  const session = useSession();
  const report = useReportError();
  const clearError = useClearError();
  const [phase, setPhase] = useState<Phase>({ kind: "loading" });
  const openedPath = phase.kind === "project" ? phase.project.path : null;

  useEffect(() => {
    let cancelled = false;
    ipc
      .currentProject()
      .then((project) => {
        if (!cancelled) setPhase(project ? { kind: "project", project } : { kind: "start" });
      })
      .catch((err) => {
        if (cancelled) return;
        report(err, "Startup");
        setPhase({ kind: "start" });
      });
    return () => {
      cancelled = true;
    };
  }, [report]);

  // An open project makes an earlier failure (to open another folder, say) moot: the banner goes,
  // and does not cover the project's header.
  useEffect(() => {
    if (openedPath !== null) clearError();
  }, [openedPath, clearError]);

  useEffect(() => {
    document.title = phase.kind === "project" ? `${phase.project.name} — Arbiter` : "Arbiter";
  }, [phase]);

  switch (phase.kind) {
    case "loading":
      return <div className="app-loading" aria-busy="true" />;
    case "start":
      // A server serves the project it was started with; a browser cannot open another.
      if (session.transport === "http") return <NoProjectScreen />;
      return <StartScreen onOpened={(project) => setPhase({ kind: "project", project })} />;
    case "project":
      return (
        <ProjectScreen
          key={phase.project.path}
          project={phase.project}
          onProjectChanged={(project) => setPhase({ kind: "project", project })}
          onClose={() => {
            setPhase({ kind: "start" });
            ipc.closeProject().catch((err) => report(err, "Closing project"));
          }}
        />
      );
  }
}
