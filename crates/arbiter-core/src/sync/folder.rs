//! Sync through a shared folder (a network drive, a synced folder): each replica writes only
//! its own pack files, `DIR/<replica id>/NNNNNN.pack` (written under a temporary name and
//! renamed, so a reader never sees half a pack), and imports the others' packs it has not
//! imported yet. The project's database never lives in the shared folder: SQLite over a
//! network file system corrupts.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::Project;

use super::{Imported, Stamp};

/// What one `sync folder` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderSync {
    pub dir: PathBuf,
    pub imported: Vec<Imported>,
    /// Packs that could not be imported (yet): the file and why. Retried at the next sync.
    pub refused: Vec<Refused>,
    /// The pack this replica wrote, if it had new events.
    pub written: Option<PathBuf>,
    pub written_events: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refused {
    pub file: PathBuf,
    pub error: String,
}

/// The state of a shared folder as this replica knows it, for the Team screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderStatus {
    pub dir: PathBuf,
    pub last_sync: Option<String>,
    pub last_error: Option<String>,
    /// Per replica writing there: its packs in the folder, and how many this replica imported
    /// (or wrote), refused.
    pub replicas: Vec<FolderReplica>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FolderReplica {
    pub replica: String,
    pub this_replica: bool,
    pub packs: u64,
    pub imported: u64,
    pub refused: u64,
    pub events: i64,
}

fn is_pack_name(name: &str) -> Option<i64> {
    let n = name.strip_suffix(".pack")?;
    (n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()))
        .then(|| n.parse().ok())
        .flatten()
}

fn check_dir(project: &Project, dir: &Path) -> Result<PathBuf> {
    if !dir.is_dir() {
        return Err(Error::InvalidArgument(format!(
            "{}: no such folder; create the shared folder first (every replica of the team points at the same one)",
            dir.display()
        )));
    }
    let dir = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    if project.root().starts_with(&dir) {
        return Err(Error::InvalidArgument(format!(
            "{}: the project ({}) is inside this folder; its database must never live in a shared folder (SQLite over a network or synced folder corrupts) — keep the project elsewhere and share only the packs",
            dir.display(),
            project.root().display()
        )));
    }
    Ok(dir)
}

/// The packs in `dir/<replica>/`, in order.
fn packs_of(dir: &Path) -> Result<Vec<(i64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = is_pack_name(&name) {
            out.push((n, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

fn replica_dirs(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && uuid::Uuid::parse_str(&name).is_ok() {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Import the other replicas' new packs from `dir`, then write this replica's new events as
/// its next pack there.
pub fn sync_folder(project: &mut Project, dir: &Path) -> Result<FolderSync> {
    let dir = check_dir(project, dir)?;
    let key = dir.display().to_string();
    let me = crate::identity::identity_in(project.conn())?.replica_id;
    project.conn().execute(
        "INSERT OR IGNORE INTO sync_folders (dir) VALUES (?1)",
        [&key],
    )?;
    // The packs not imported yet, per replica in order.
    let mut todo: Vec<(String, Vec<(i64, PathBuf)>)> = Vec::new();
    for (replica, sub) in replica_dirs(&dir)? {
        if replica == me {
            continue;
        }
        let mut packs = Vec::new();
        for (n, path) in packs_of(&sub)? {
            let done: bool = project.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM sync_folder_packs WHERE dir = ?1 AND replica = ?2 AND pack = ?3 AND status = 'imported')",
                rusqlite::params![key, replica, n],
                |r| r.get(0),
            )?;
            if !done {
                packs.push((n, path));
            }
        }
        if !packs.is_empty() {
            todo.push((replica, packs));
        }
    }
    let mut imported = Vec::new();
    let mut published = Stamp::new();
    let mut last_error: std::collections::BTreeMap<(String, i64), (PathBuf, String)> =
        std::collections::BTreeMap::new();
    // Packs may need one another (a queue saved on one replica, labeled on another): import
    // what can be, and go round again while that makes progress.
    loop {
        let mut progress = false;
        for (replica, packs) in &mut todo {
            while let Some((n, path)) = packs.first().cloned() {
                let result = super::check_pack(&path).and_then(|p| {
                    let own = p.header.ranges.get(replica.as_str()).map(|r| r.1);
                    super::import_checked(project.conn_mut(), &p, false).map(|i| (i, own))
                });
                match result {
                    Ok((i, own)) => {
                        // The folder holds that replica's events up to here (its own pack):
                        // this replica's packs need not carry them again.
                        if let Some(to) = own {
                            let e = published.entry(replica.clone()).or_insert(0);
                            *e = (*e).max(to);
                        }
                        project.conn().execute(
                            &format!("INSERT OR REPLACE INTO sync_folder_packs (dir, replica, pack, status, events, at) VALUES (?1, ?2, ?3, 'imported', ?4, {})", crate::store::NOW_SQL),
                            rusqlite::params![key, &*replica, n, i.events_added as i64],
                        )?;
                        last_error.remove(&(replica.clone(), n));
                        imported.push(i);
                        packs.remove(0);
                        progress = true;
                    }
                    Err(e @ (Error::Pack { .. } | Error::Io { .. })) => {
                        last_error.insert((replica.clone(), n), (path.clone(), e.to_string()));
                        break;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        if !progress {
            break;
        }
    }
    let mut refused = Vec::new();
    for ((replica, n), (file, error)) in last_error {
        project.conn().execute(
            &format!("INSERT OR REPLACE INTO sync_folder_packs (dir, replica, pack, status, error, at) VALUES (?1, ?2, ?3, 'refused', ?4, {})", crate::store::NOW_SQL),
            rusqlite::params![key, replica, n, error],
        )?;
        refused.push(Refused { file, error });
    }
    // This replica's new events, as its next pack.
    let (written_json, next): (String, i64) = project.conn().query_row(
        "SELECT written, next_pack FROM sync_folders WHERE dir = ?1",
        [&key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // What the folder already holds: what this replica's packs reached, and each other
    // replica's own events up to its packs imported here.
    let mut written: Stamp = serde_json::from_str(&written_json).unwrap_or_default();
    for (r, to) in published {
        let e = written.entry(r).or_insert(0);
        *e = (*e).max(to);
    }
    project.conn().execute(
        "UPDATE sync_folders SET written = ?2 WHERE dir = ?1",
        rusqlite::params![key, serde_json::json!(written).to_string()],
    )?;
    let now = super::status(project)?.stamp;
    let mut out_file = None;
    let mut written_events = 0;
    if now
        .iter()
        .any(|(r, n)| *n > written.get(r).copied().unwrap_or(0))
    {
        let (header, body) = super::build(project.conn(), &written)?;
        let sub = dir.join(&me);
        std::fs::create_dir_all(&sub).map_err(|e| Error::io(&sub, e))?;
        // The next free number (a pack left by a copy of this replica's bookkeeping is never
        // overwritten).
        let mut n = next;
        while sub.join(format!("{n:06}.pack")).exists() {
            n += 1;
        }
        let target = sub.join(format!("{n:06}.pack"));
        // Under a temporary name (`.NNNNNN.pack.tmp`), renamed into place: a reader never sees
        // half a pack.
        super::write_staged(
            crate::destination::Staged::at(target.clone(), crate::destination::Kind::File)?,
            &header,
            &body,
        )?;
        written_events = header.counts.events();
        project.conn().execute(
            &format!("INSERT OR REPLACE INTO sync_folder_packs (dir, replica, pack, status, events, at) VALUES (?1, ?2, ?3, 'written', ?4, {})", crate::store::NOW_SQL),
            rusqlite::params![key, me, n, written_events as i64],
        )?;
        project.conn().execute(
            "UPDATE sync_folders SET written = ?2, next_pack = ?3 WHERE dir = ?1",
            rusqlite::params![key, serde_json::json!(now).to_string(), n + 1],
        )?;
        out_file = Some(target);
    }
    project.conn().execute(
        &format!(
            "UPDATE sync_folders SET last_sync = {}, last_error = ?2 WHERE dir = ?1",
            crate::store::NOW_SQL
        ),
        rusqlite::params![
            key,
            refused
                .first()
                .map(|r: &Refused| format!("{}: {}", r.file.display(), r.error))
        ],
    )?;
    Ok(FolderSync {
        dir,
        imported,
        refused,
        written: out_file,
        written_events,
    })
}

/// What this replica knows of a shared folder.
pub fn folder_status(project: &Project, dir: &Path) -> Result<FolderStatus> {
    let dir = check_dir(project, dir)?;
    let key = dir.display().to_string();
    let me = crate::identity::identity_in(project.conn())?.replica_id;
    let (last_sync, last_error): (Option<String>, Option<String>) = project
        .conn()
        .query_row(
            "SELECT last_sync, last_error FROM sync_folders WHERE dir = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap_or((None, None));
    let mut replicas = Vec::new();
    for (replica, sub) in replica_dirs(&dir)? {
        let packs = packs_of(&sub)?.len() as u64;
        let (imported, refused, events): (i64, i64, i64) = project.conn().query_row(
            "SELECT COALESCE(SUM(status IN ('imported', 'written')), 0), COALESCE(SUM(status = 'refused'), 0), COALESCE(SUM(events), 0)
             FROM sync_folder_packs WHERE dir = ?1 AND replica = ?2",
            rusqlite::params![key, replica],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        replicas.push(FolderReplica {
            this_replica: replica == me,
            replica,
            packs,
            imported: imported as u64,
            refused: refused as u64,
            events,
        });
    }
    Ok(FolderStatus {
        dir,
        last_sync,
        last_error,
        replicas,
    })
}
