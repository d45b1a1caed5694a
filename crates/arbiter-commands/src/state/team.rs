//! The Team screen's work (issue 14): this replica's ids and contributions, a clone for another
//! annotator, pack export and import (a dry run first: the preview), the shared folder's sync
//! and status, and this computer's shared-folder setting per project (`team.json` beside
//! `recent.json` in the app's config folder).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arbiter_core::sync;

use super::{no_project, AppState};
use crate::dto::*;

/// The longest interval between automatic shared-folder syncs (a day).
const MAX_EVERY_MINUTES: u32 = 24 * 60;

fn invalid(message: impl Into<String>) -> IpcError {
    IpcError::new(ErrorCode::InvalidInput, message)
}

impl AppState {
    pub fn team_status(&self) -> Result<TeamStatus, IpcError> {
        self.with_project(|p| Ok(TeamStatus::new(sync::status(p)?, sync::contributions(p)?)))
    }

    /// A replica of the open project in `dest` (a new or empty folder) for another annotator;
    /// made from a consistent copy of the database, so the project stays open meanwhile.
    pub fn clone_project(&self, r: &CloneRequest) -> Result<ClonedDto, IpcError> {
        let dest = r.dest.trim();
        if dest.is_empty() {
            return Err(invalid("choose a new or empty folder for the clone"));
        }
        let root = self.with_project(|p| Ok(p.root().to_path_buf()))?;
        let opts = sync::clone::CloneOptions {
            media: r.media.into(),
            queues: r
                .queues
                .iter()
                .map(|q| q.trim().to_string())
                .filter(|q| !q.is_empty())
                .collect(),
        };
        Ok(sync::clone::clone(&root, Path::new(dest), &opts)?.into())
    }

    /// A pack of every event this replica holds beyond `since` (what `arbiter sync status
    /// --json` printed on the other replica, or `REPLICA:N,…`; blank: every event) to `out`.
    pub fn export_pack(&self, out: &str, since: Option<&str>) -> Result<PackExported, IpcError> {
        let out = out.trim();
        if out.is_empty() {
            return Err(invalid("choose where to write the pack"));
        }
        let since = since
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(sync::parse_stamp)
            .transpose()?;
        self.with_project(|p| Ok(sync::export(p, Path::new(out), since.as_ref())?.into()))
    }

    /// Import packs, each all-or-nothing; `dry_run` is the preview and writes nothing.
    pub fn import_packs(
        &self,
        files: &[String],
        dry_run: bool,
    ) -> Result<Vec<PackImported>, IpcError> {
        let files: Vec<PathBuf> = files
            .iter()
            .map(|f| f.trim())
            .filter(|f| !f.is_empty())
            .map(PathBuf::from)
            .collect();
        if files.is_empty() {
            return Err(invalid("choose the pack files to import"));
        }
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(sync::import(p, &files, dry_run)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Import the other replicas' new packs from the shared folder, then write this one's.
    pub fn sync_folder(&self, dir: &str) -> Result<FolderSyncDto, IpcError> {
        let dir = dir.trim();
        if dir.is_empty() {
            return Err(invalid("choose the shared folder first"));
        }
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(sync::folder::sync_folder(p, Path::new(dir))?.into())
    }

    pub fn folder_status(&self, dir: &str) -> Result<FolderStatusDto, IpcError> {
        self.with_project(|p| Ok(sync::folder::folder_status(p, Path::new(dir.trim()))?.into()))
    }

    fn team_file(&self) -> PathBuf {
        self.config_dir.join("team.json")
    }

    fn team_settings(&self) -> BTreeMap<String, SharedFolderSetting> {
        std::fs::read(self.team_file())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn project_key(&self) -> Result<String, IpcError> {
        self.with_project(|p| Ok(p.root().to_string_lossy().into_owned()))
    }

    /// This computer's shared folder for the open project (none set: no folder, no sync).
    pub fn shared_folder(&self) -> Result<SharedFolderSetting, IpcError> {
        let key = self.project_key()?;
        Ok(self.team_settings().remove(&key).unwrap_or_default())
    }

    /// Keep the shared folder for the open project, checked first (it must exist and must not
    /// hold the project); a blank folder forgets it.
    pub fn set_shared_folder(
        &self,
        s: &SharedFolderSetting,
    ) -> Result<SharedFolderSetting, IpcError> {
        let key = self.project_key()?;
        let dir = s
            .dir
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(String::from);
        if s.every_minutes > MAX_EVERY_MINUTES {
            return Err(invalid(format!(
                "every {} minutes: give at most {MAX_EVERY_MINUTES} (a day), or 0 to sync only when asked",
                s.every_minutes
            )));
        }
        let setting = match dir {
            Some(d) => {
                // The same checks a sync makes: an existing folder, not holding the project.
                let canonical = self.folder_status(&d)?.dir;
                SharedFolderSetting {
                    dir: Some(canonical),
                    on_open: s.on_open,
                    every_minutes: s.every_minutes,
                }
            }
            None => SharedFolderSetting::default(),
        };
        let mut all = self.team_settings();
        if setting.dir.is_some() {
            all.insert(key, setting.clone());
        } else {
            all.remove(&key);
        }
        std::fs::create_dir_all(&self.config_dir).map_err(|e| {
            IpcError::new(ErrorCode::Io, format!("{}: {e}", self.config_dir.display()))
        })?;
        let json = serde_json::to_vec_pretty(&all)
            .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))?;
        let tmp = self.team_file().with_extension("json.tmp");
        std::fs::write(&tmp, json)
            .and_then(|()| std::fs::rename(&tmp, self.team_file()))
            .map_err(|e| {
                IpcError::new(
                    ErrorCode::Io,
                    format!(
                        "{}: cannot keep the setting ({e})",
                        self.team_file().display()
                    ),
                )
            })?;
        Ok(setting)
    }
}

#[cfg(test)]
#[path = "team_tests.rs"]
mod tests;
