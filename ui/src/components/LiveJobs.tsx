import { useEffect, useState } from "react";
import * as ipc from "../ipc";
import { formatCount } from "../lib/format";
import { applyJob, type Job } from "../lib/liveUpdates";

/**
 * In a browser on `arbiter serve`: the inference runs in progress on the serving machine (started
 * in the desktop app or with `arbiter predict`), each with its progress, from the live updates.
 * Nothing in the desktop app, which shows its own run.
 */
export function LiveJobs() {
  const [jobs, setJobs] = useState<Job[]>([]);
  useEffect(
    () =>
      ipc.onLiveUpdates((u) => {
        if (u.type === "job") setJobs((j) => applyJob(j, u));
      }),
    [],
  );
  if (jobs.length === 0) return null;
  return (
    <div className="live-jobs" data-testid="live-jobs" role="status">
      {jobs.map((j) => (
        <div key={`${j.kind}-${j.run}`} className="live-job" data-testid="live-job" data-run={j.run}>
          <span className="live-job-what">
            Running {j.model} on {j.dataset}
          </span>
          <progress value={j.done} max={Math.max(j.total, 1)} />
          <span className="live-job-count">
            {formatCount(j.done)} / {formatCount(j.total)}
            {j.failed > 0 ? ` · ${formatCount(j.failed)} failed` : ""}
          </span>
        </div>
      ))}
    </div>
  );
}
