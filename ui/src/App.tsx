import { useEffect, useState } from "react";
import type { ProjectInfo } from "./bindings/ProjectInfo";
import { ErrorProvider, useClearError, useReportError } from "./components/ErrorBanner";
import * as ipc from "./ipc";
import { ProjectScreen } from "./screens/ProjectScreen";
import { StartScreen } from "./screens/StartScreen";

type Phase = { kind: "loading" } | { kind: "start" } | { kind: "project"; project: ProjectInfo };

export function App() {
  return (
    <ErrorProvider>
      <Shell />
    </ErrorProvider>
  );
}

function Shell() {
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
