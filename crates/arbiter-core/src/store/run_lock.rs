//! Locks that tell a running inference run from a dead one. While a process works on a run it
//! holds an exclusive OS lock on `.arbiter-cache/runs/<run>.lock`; the lock is released when the
//! process ends, however it ends (a SIGKILL included). So a run whose status is `running` but
//! whose lock can be taken belongs to a process that died: it is marked `interrupted` (and can
//! be resumed), and a second process cannot work on a run that is really running.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Held while a process works on a run; dropping it (or the process dying) releases it.
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
}

fn lock_path(root: &Path, run: i64) -> PathBuf {
    root.join(".arbiter-cache")
        .join("runs")
        .join(format!("{run}.lock"))
}

/// Try to take a run's lock: `Ok(None)` when another process holds it.
fn try_take(root: &Path, run: i64) -> Result<Option<RunLock>> {
    let path = lock_path(root, run);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    Ok(super::try_lock_file(&path)?.map(|file| RunLock { _file: file }))
}

/// Take run `run`'s lock for this process, or refuse: another process is working on it.
pub fn take(root: &Path, run: i64) -> Result<RunLock> {
    try_take(root, run)?.ok_or(Error::RunBusy(run))
}

/// Mark every `running` run whose lock nobody holds as `interrupted`: its process died.
pub(crate) fn recover(conn: &Connection, root: &Path) -> Result<()> {
    let running: Vec<i64> = conn
        .prepare("SELECT id FROM runs WHERE status = 'running'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for run in running {
        // Held for the update, so a process that starts on the run now waits for us.
        if let Some(_held) = try_take(root, run)? {
            conn.execute(
                "UPDATE runs SET status = 'interrupted' WHERE id = ?1 AND status = 'running'",
                [run],
            )?;
        }
    }
    Ok(())
}
