import { useCallback, useEffect, useState } from "react";
import type { ProjectInfo } from "../bindings/ProjectInfo";
import type { RecentProject } from "../bindings/RecentProject";
import { useReportError } from "../components/ErrorBanner";
import { Logo } from "../components/Logo";
import { NewProjectDialog } from "../components/NewProjectDialog";
import * as ipc from "../ipc";
import { formatDateTime, formatRelative } from "../lib/format";
import { normaliseError } from "../lib/ipcError";

export function StartScreen({ onOpened }: { onOpened: (project: ProjectInfo) => void }) {
  const report = useReportError();
  const [recent, setRecent] = useState<RecentProject[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [newPath, setNewPath] = useState<string | null>(null);
  /** A folder the user tried to open that holds no project: offered to become one. */
  const [notProject, setNotProject] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    ipc
      .recentProjects()
      .then((list) => !cancelled && setRecent(list))
      .catch((err) => {
        if (cancelled) return;
        setRecent([]);
        report(err, "Loading recent projects");
      });
    return () => {
      cancelled = true;
    };
  }, [report]);

  const open = useCallback(
    async (path: string) => {
      setBusy(true);
      setNotProject(null);
      try {
        onOpened(await ipc.openProject(path));
      } catch (err) {
        // A folder without a project is not a failure to report: offer to make it one.
        if (normaliseError(err).code === "no_project") setNotProject(path);
        else report(err, "Opening project");
        setBusy(false);
      }
    },
    [onOpened, report],
  );

  const openViaDialog = async () => {
    try {
      const path = await ipc.pickFolder("Open Arbiter project");
      if (path) await open(path);
    } catch (err) {
      report(err, "Opening project");
    }
  };

  const newViaDialog = async () => {
    setNotProject(null);
    try {
      const path = await ipc.pickFolder("Choose a folder for the new project");
      if (path) setNewPath(path);
    } catch (err) {
      report(err, "New project");
    }
  };

  return (
    <div className="start-screen" data-testid="start-screen">
      <div className="start-card">
        <section className="start-intro">
          <div className="start-brand">
            <Logo size={40} />
            <div>
              <h1>Arbiter</h1>
              <p className="muted">Model review and human-in-the-loop labeling</p>
            </div>
          </div>
          <div className="start-actions">
            <button
              type="button"
              className="button primary large"
              data-testid="open-project"
              disabled={busy}
              onClick={openViaDialog}
            >
              Open project…
            </button>
            <button
              type="button"
              className="button large"
              data-testid="new-project"
              disabled={busy}
              onClick={newViaDialog}
            >
              New project…
            </button>
          </div>
          {notProject !== null && (
            <div className="start-offer" role="status" data-testid="not-a-project" data-path={notProject}>
              <strong>This folder is not an Arbiter project yet</strong>
              <span className="start-offer-path mono" title={notProject}>
                {notProject}
              </span>
              <div className="start-offer-actions">
                <button
                  type="button"
                  className="button primary small"
                  data-testid="create-here"
                  onClick={() => {
                    setNewPath(notProject);
                    setNotProject(null);
                  }}
                >
                  Create a project here…
                </button>
                <button type="button" className="button small" onClick={() => setNotProject(null)}>
                  Cancel
                </button>
              </div>
            </div>
          )}
          <p className="start-hint muted">
            A project is a folder holding your datasets, labels and review history. Everything stays on this machine.
          </p>
        </section>

        <section className="start-recent" aria-labelledby="recent-heading">
          <h2 id="recent-heading" className="section-title">
            Recent projects
          </h2>
          {recent === null ? (
            <p className="muted small">Loading…</p>
          ) : recent.length === 0 ? (
            <p className="empty-note">No recent projects yet.</p>
          ) : (
            <ul className="recent-list">
              {recent.map((r) => (
                <li key={r.path}>
                  <button
                    type="button"
                    className={`recent-entry${r.exists ? "" : " missing"}`}
                    data-testid="recent-project"
                    data-path={r.path}
                    disabled={busy || !r.exists}
                    title={r.exists ? r.path : `${r.path} (folder not found)`}
                    onClick={() => open(r.path)}
                  >
                    <span className="recent-name">
                      {r.name}
                      {!r.exists && <span className="tag">missing</span>}
                    </span>
                    <span className="recent-path">
                      <span className="ltr">{r.path}</span>
                    </span>
                    <span className="recent-time" title={formatDateTime(r.openedAt)}>
                      {formatRelative(r.openedAt)}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      {newPath !== null && (
        <NewProjectDialog path={newPath} onCancel={() => setNewPath(null)} onCreated={onOpened} />
      )}
    </div>
  );
}
