//! Where Arbiter writes what a user asked for (exports of the corrected dataset, predictions,
//! annotations): every destination is checked before anything is written, and written through
//! a hidden temporary beside it that is renamed into place only at the end — so a refusal, a
//! failure or a kill never leaves a half-written file, and never replaces a file the project
//! or its datasets live on.
//!
//! Refused destinations: the project's own files (`arbiter.db` and its journal, `models/`,
//! `.arbiter-cache/`, lock files), a dataset's manifest, any media file of an imported item,
//! anything inside an imported image folder, and anything that is not a regular file (a device
//! such as `/dev/stdout`, a pipe, a socket, a folder where a file is asked for). A symbolic
//! link is followed and its target checked and replaced, never the link itself.
//!
//! The temporary is `.NAME.tmp` beside `NAME` (a file, or a folder for image-folder exports),
//! held with an OS lock while it is written: a second export to the same place is refused,
//! and a temporary left by a killed export (nobody holds its lock) is removed by the next one.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::store::Project;

/// What is written at the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One file (a table, a lineage manifest).
    File,
    /// A new (or empty) folder of files (an image-folder export).
    Folder,
}

fn refuse(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!(
        "{}: {why}; choose another destination (nothing was written)",
        path.display()
    ))
}

/// `path` made absolute with symbolic links resolved as far as it exists: an existing path is
/// canonicalised (a link is followed to its target); a new one is its nearest existing
/// ancestor, canonicalised, joined with the rest (lexically, `..` refused).
fn resolve(path: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(path).map_err(|e| Error::io(path, e))?;
    if let Ok(meta) = std::fs::symlink_metadata(&abs) {
        if meta.file_type().is_symlink() && !abs.exists() {
            return Err(refuse(
                path,
                "is a symbolic link to something that does not exist",
            ));
        }
        // What it is, links followed: a pipe or a terminal (`/dev/stdout`) has no path of its
        // own to resolve to.
        if let Ok(target) = std::fs::metadata(&abs) {
            if !target.is_file() && !target.is_dir() {
                return Err(refuse(
                    path,
                    "is not a regular file (a device, pipe or socket); give the path of a file",
                ));
            }
        }
        return abs.canonicalize().map_err(|e| Error::io(path, e));
    }
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    let mut at = abs.as_path();
    loop {
        if at.exists() {
            if !rest.is_empty() && !at.is_dir() {
                return Err(refuse(at, "is a file, not a folder"));
            }
            let mut base = at.canonicalize().map_err(|e| Error::io(at, e))?;
            for part in rest.iter().rev() {
                base.push(part);
            }
            return Ok(base);
        }
        match (at.parent(), at.components().next_back()) {
            (Some(parent), Some(Component::Normal(name))) => {
                rest.push(name.to_os_string());
                at = parent;
            }
            _ => return Err(refuse(path, "cannot be resolved to a place on disk")),
        }
    }
}

/// Why `target` (resolved) must not be written, if it must not: the project's own files and
/// its datasets' sources.
fn protected(project: &Project, target: &Path, kind: Kind) -> Result<Option<String>> {
    let root = project.root();
    if target == root {
        return Ok(Some("is the project's own folder".into()));
    }
    if let Ok(rel) = target.strip_prefix(root) {
        let first = rel
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let own = first.starts_with(crate::store::DB_FILE)
            || first == "models"
            || first == ".arbiter-cache"
            || first.starts_with(".arbiter-");
        if own {
            return Ok(Some(format!(
                "is one of the project's own files ({first}); writing there would destroy the project"
            )));
        }
    }
    let conn = project.conn();
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.source, v.source_kind, v.root, d.name, v.version FROM dataset_versions v
         JOIN datasets d ON d.id = v.dataset_id",
    )?;
    let versions: Vec<(i64, String, String, String, String, i64)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, source, source_kind, vroot, name, version) in versions {
        let source = Path::new(&source);
        let same_source = source == target
            || source
                .canonicalize()
                .is_ok_and(|s| s == target || (kind == Kind::Folder && s.starts_with(target)));
        if same_source {
            return Ok(Some(format!(
                "is the source of dataset {name}@{version}; writing there would destroy it"
            )));
        }
        let vroot = Path::new(&vroot);
        let Ok(rel) = target.strip_prefix(vroot) else {
            continue;
        };
        if source_kind == "image_folder" {
            return Ok(Some(format!(
                "is inside the image folder of dataset {name}@{version} ({}); an export there would mix with its images",
                vroot.display()
            )));
        }
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let is_media: bool = conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM items WHERE version_id = ?1 AND (path = ?2 OR path LIKE ?3 ESCAPE '\\'))",
            )?
            .query_row(
                rusqlite::params![
                    id,
                    rel,
                    match kind {
                        // A folder must not hold (or be) any media file.
                        Kind::Folder => format!("{}/%", like_escape(&rel)),
                        Kind::File => "\u{0}".to_string(),
                    }
                ],
                |r| r.get(0),
            )?;
        if is_media {
            return Ok(Some(format!(
                "is a media file of dataset {name}@{version}; writing there would destroy it"
            )));
        }
    }
    Ok(None)
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Check `out` as a destination of `kind` for `project` (when there is one): returns the path
/// that will be written (symbolic links resolved). Nothing is written. `example` is a file name
/// to suggest when a folder is given where a file is wanted.
pub fn check(project: Option<&Project>, out: &Path, kind: Kind, example: &str) -> Result<PathBuf> {
    if out.as_os_str().is_empty() {
        return Err(Error::InvalidArgument(
            "--out: choose where to write".into(),
        ));
    }
    let target = resolve(out)?;
    if let Some(p) = project {
        if let Some(why) = protected(p, &target, kind)? {
            return Err(refuse(out, why));
        }
    }
    match std::fs::metadata(&target) {
        Ok(meta) => match kind {
            Kind::File if meta.is_dir() => {
                return Err(refuse(
                    out,
                    format!(
                        "is a folder; give a file name, such as {}",
                        out.join(example).display()
                    ),
                ))
            }
            Kind::File if !meta.is_file() => {
                return Err(refuse(
                    out,
                    "is not a regular file (a device, pipe or socket); give the path of a file",
                ))
            }
            Kind::Folder if !meta.is_dir() => {
                return Err(refuse(
                    out,
                    "is a file; export an image folder into a new or empty folder",
                ))
            }
            Kind::Folder => {
                let mut entries = std::fs::read_dir(&target).map_err(|e| Error::io(out, e))?;
                if entries.next().is_some() {
                    return Err(refuse(
                        out,
                        "the folder is not empty; export into a new or empty folder",
                    ));
                }
            }
            Kind::File => {}
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(out, e)),
    }
    if target.file_name().is_none() {
        return Err(refuse(out, "names no file"));
    }
    Ok(target)
}

/// `.NAME.tmp` beside `path`.
pub fn temp_beside(path: &Path) -> PathBuf {
    path.with_file_name(format!(
        ".{}.tmp",
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    ))
}

/// The lock file of a folder temporary (inside it; removed before the rename).
const FOLDER_LOCK: &str = ".arbiter-export.lock";

/// A destination being written: its temporary exists and is locked. [`Staged::commit`] renames
/// it into place; dropping it uncommitted removes the temporary and the folders it created.
#[derive(Debug)]
pub struct Staged {
    target: PathBuf,
    tmp: PathBuf,
    kind: Kind,
    lock: Option<std::fs::File>,
    /// Parent folders created for the destination, parents first.
    made: Vec<PathBuf>,
    /// Whether the temporary is ours (created and locked by us) to remove.
    owns_tmp: bool,
    committed: bool,
}

impl Staged {
    /// Check `out` (see [`check`]), remove a temporary a killed run left there, create missing
    /// parent folders and the locked temporary. Refused while another export writes there.
    pub fn begin(
        project: Option<&Project>,
        out: &Path,
        kind: Kind,
        example: &str,
    ) -> Result<Staged> {
        let target = check(project, out, kind, example)?;
        Staged::at(target, kind)
    }

    /// [`Staged::begin`] for a path already checked (a lineage beside a checked export).
    pub fn at(target: PathBuf, kind: Kind) -> Result<Staged> {
        let tmp = temp_beside(&target);
        let mut staged = Staged {
            target,
            tmp,
            kind,
            lock: None,
            made: Vec::new(),
            owns_tmp: false,
            committed: false,
        };
        if let Some(parent) = staged.target.parent().map(Path::to_path_buf) {
            staged.create_parents(&parent)?;
        }
        staged.clear_stale()?;
        let lock_path = match kind {
            Kind::File => staged.tmp.clone(),
            Kind::Folder => {
                std::fs::create_dir(&staged.tmp).map_err(|e| match e.kind() {
                    std::io::ErrorKind::AlreadyExists => busy(&staged.target),
                    _ => write_err(&staged.target, e),
                })?;
                staged.owns_tmp = true;
                staged.tmp.join(FOLDER_LOCK)
            }
        };
        // `create_new`: a temporary that appeared since the stale one was cleared belongs to
        // an export that just started; it is never truncated.
        let file = std::fs::OpenOptions::new()
            .create_new(true)
            .write(true)
            .read(true)
            .open(&lock_path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => busy(&staged.target),
                _ => write_err(&staged.target, e),
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(busy(&staged.target)),
            Err(std::fs::TryLockError::Error(e)) => return Err(write_err(&staged.target, e)),
        }
        staged.owns_tmp = true;
        staged.lock = Some(file);
        Ok(staged)
    }

    /// Missing folders up to `dir`, recorded so an unfinished export removes them again.
    fn create_parents(&mut self, dir: &Path) -> Result<()> {
        let mut missing = Vec::new();
        let mut at = Some(dir);
        while let Some(d) = at.filter(|d| !d.as_os_str().is_empty()) {
            if d.is_dir() {
                break;
            }
            if d.exists() {
                return Err(refuse(d, "is a file, not a folder"));
            }
            missing.push(d.to_path_buf());
            at = d.parent();
        }
        for d in missing.iter().rev() {
            std::fs::create_dir(d).map_err(|e| write_err(d, e))?;
            self.made.push(d.clone());
        }
        Ok(())
    }

    /// Remove a temporary nobody holds (left by a killed export); refuse if someone holds it.
    fn clear_stale(&self) -> Result<()> {
        let meta = match std::fs::symlink_metadata(&self.tmp) {
            Ok(m) => m,
            Err(_) => return Ok(()),
        };
        let lock_path = if meta.is_dir() {
            self.tmp.join(FOLDER_LOCK)
        } else {
            self.tmp.clone()
        };
        if let Ok(f) = std::fs::OpenOptions::new().write(true).open(&lock_path) {
            if let Err(std::fs::TryLockError::WouldBlock) = f.try_lock() {
                return Err(busy(&self.target));
            }
        }
        let removed = if meta.is_dir() {
            std::fs::remove_dir_all(&self.tmp)
        } else {
            std::fs::remove_file(&self.tmp)
        };
        removed.map_err(|e| write_err(&self.tmp, e))
    }

    /// The temporary to write into (a file, or a folder for [`Kind::Folder`]).
    pub fn tmp(&self) -> &Path {
        &self.tmp
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// For [`Kind::File`]: the temporary's open handle to write through.
    pub fn file(&self) -> Result<std::fs::File> {
        match &self.lock {
            Some(f) if self.kind == Kind::File => {
                f.try_clone().map_err(|e| write_err(&self.target, e))
            }
            _ => Err(Error::InvalidArgument(
                "a folder destination has no single file".into(),
            )),
        }
    }

    /// Move the finished temporary into place (replacing an existing file, or an empty folder).
    pub fn commit(mut self) -> Result<PathBuf> {
        if self.kind == Kind::Folder {
            // Best effort: a lock file left inside fails nothing (the lock is released when
            // `self.lock` drops) and only shows up in the finished folder.
            let _ = std::fs::remove_file(self.tmp.join(FOLDER_LOCK));
            if self.target.is_dir() {
                // Checked empty at the start; an empty folder is replaced by the rename.
                std::fs::remove_dir(&self.target).map_err(|e| write_err(&self.target, e))?;
            }
        }
        std::fs::rename(&self.tmp, &self.target).map_err(|e| write_err(&self.target, e))?;
        self.committed = true;
        self.lock = None;
        Ok(self.target.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if self.committed {
            return;
        }
        self.lock = None;
        // Best-effort clean-up after a failure (the failure is what is reported); a temporary
        // left behind is removed by the next write to the same target.
        if self.owns_tmp {
            let _ = match self.kind {
                Kind::File => std::fs::remove_file(&self.tmp),
                Kind::Folder => std::fs::remove_dir_all(&self.tmp),
            };
        }
        for d in self.made.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

fn busy(target: &Path) -> Error {
    Error::InvalidArgument(format!(
        "{}: another export is writing there right now; wait for it to finish or choose another destination",
        target.display()
    ))
}

/// A failed write: where, why, and that nothing was left behind.
pub fn write_err(path: &Path, e: std::io::Error) -> Error {
    let why = match e.kind() {
        std::io::ErrorKind::StorageFull => {
            "the disk is full; free some space and try again".to_string()
        }
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
            format!("cannot write there ({e}); choose a destination you can write to")
        }
        _ => format!("cannot write: {e}"),
    };
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(e.kind(), format!("{why}; nothing was left half-written")),
    }
}

#[cfg(test)]
mod tests;
