//! The app's runtime state and the work behind each command, free of Tauri types so it can be
//! tested directly: the open project, the recent-projects list, image serving.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use arbiter_core::dataset::{self, ColumnChoice, ImportOptions};
use arbiter_core::items::{self, LabelFilter};
use arbiter_core::{media, schema, Project};

use crate::dto::*;

/// How many projects the start screen remembers.
const MAX_RECENT: usize = 12;

pub struct AppState {
    project: Mutex<Option<Project>>,
    /// Where `recent.json` lives (the platform's config folder for the app).
    config_dir: PathBuf,
    /// The running import's cancel flag, if one runs.
    import_cancel: Mutex<Option<Arc<AtomicBool>>>,
}

fn no_project() -> IpcError {
    IpcError::new(
        ErrorCode::NoProject,
        "no project is open; open or create one first",
    )
}

impl AppState {
    pub fn new(config_dir: PathBuf) -> Self {
        AppState {
            project: Mutex::new(None),
            config_dir,
            import_cancel: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Option<Project>> {
        // A panic while holding the lock leaves a usable project behind; keep going.
        self.project.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with_project<T>(
        &self,
        f: impl FnOnce(&Project) -> Result<T, IpcError>,
    ) -> Result<T, IpcError> {
        let guard = self.lock();
        let p = guard.as_ref().ok_or_else(no_project)?;
        f(p)
    }

    fn info(p: &Project) -> Result<ProjectInfo, IpcError> {
        let datasets = dataset::list(p.conn())?;
        let items = datasets
            .iter()
            .filter_map(|d| d.versions.first())
            .map(|v| v.items as u64)
            .sum();
        Ok(ProjectInfo {
            path: p.root().to_string_lossy().into_owned(),
            name: p.name()?,
            labels: schema::labels(p.conn())?
                .into_iter()
                .map(LabelInfo::from)
                .collect(),
            datasets: datasets.len() as u64,
            items,
        })
    }

    pub fn current(&self) -> Result<Option<ProjectInfo>, IpcError> {
        let guard = self.lock();
        guard.as_ref().map(Self::info).transpose()
    }

    pub fn open(&self, path: &Path) -> Result<ProjectInfo, IpcError> {
        let p = Project::open(path)?;
        let info = Self::info(&p)?;
        *self.lock() = Some(p);
        self.remember(&info);
        Ok(info)
    }

    pub fn create(&self, path: &Path, labels: &[String]) -> Result<ProjectInfo, IpcError> {
        let specs: Vec<schema::LabelSpec> = labels
            .iter()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .map(schema::LabelSpec::named)
            .collect();
        drop(Project::create(path, None, &specs)?);
        self.open(path)
    }

    pub fn close(&self) {
        *self.lock() = None;
    }

    fn recent_file(&self) -> PathBuf {
        self.config_dir.join("recent.json")
    }

    pub fn recent(&self) -> Vec<RecentProject> {
        let mut list: Vec<RecentProject> = std::fs::read(self.recent_file())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        for r in &mut list {
            r.exists = Path::new(&r.path)
                .join(arbiter_core::store::DB_FILE)
                .is_file();
        }
        list
    }

    /// Put a project first in the recent list (best effort: a read-only config folder only
    /// costs the list).
    fn remember(&self, info: &ProjectInfo) {
        let mut list = self.recent();
        list.retain(|r| r.path != info.path);
        list.insert(
            0,
            RecentProject {
                path: info.path.clone(),
                name: info.name.clone(),
                opened_at: now_rfc3339(),
                exists: true,
            },
        );
        list.truncate(MAX_RECENT);
        if std::fs::create_dir_all(&self.config_dir).is_ok() {
            if let Ok(json) = serde_json::to_vec_pretty(&list) {
                let tmp = self.recent_file().with_extension("json.tmp");
                if std::fs::write(&tmp, json).is_ok() {
                    let _ = std::fs::rename(&tmp, self.recent_file());
                }
            }
        }
    }

    pub fn datasets(&self) -> Result<Vec<DatasetInfo>, IpcError> {
        self.with_project(|p| {
            Ok(dataset::list(p.conn())?
                .into_iter()
                .map(DatasetInfo::from)
                .collect())
        })
    }

    pub fn label_counts(&self, version_id: i64) -> Result<Vec<LabelCount>, IpcError> {
        self.with_project(|p| {
            Ok(items::label_counts(p.conn(), version_id)?
                .into_iter()
                .map(|c| LabelCount {
                    label: c.label,
                    count: c.count,
                })
                .collect())
        })
    }

    pub fn items(&self, q: &ItemQuery) -> Result<ItemPage, IpcError> {
        let filter = match q.label.as_deref() {
            None => LabelFilter::All,
            Some("") => LabelFilter::Unlabeled,
            Some(l) => LabelFilter::Label(l.to_string()),
        };
        self.with_project(|p| {
            Ok(items::list(p.conn(), q.version_id, &filter, q.offset, q.limit.min(2000))?.into())
        })
    }

    pub fn item(&self, rowid: i64) -> Result<ItemDetail, IpcError> {
        let detail = self.with_project(|p| Ok(items::get(p.conn(), rowid)?))?;
        // Reading the image header happens outside the lock.
        Ok(detail.into())
    }

    /// Stop the running import, if any; returns whether one was running.
    pub fn cancel_import(&self) -> bool {
        let guard = self.import_cancel.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .map(|flag| flag.store(true, Ordering::Relaxed))
            .is_some()
    }

    /// Import on a connection of its own, so browsing goes on while it runs; one import at a
    /// time, cancellable with [`AppState::cancel_import`].
    pub fn import(
        &self,
        req: &ImportRequest,
        progress: &mut dyn FnMut(ImportProgress),
    ) -> Result<ImportSummary, IpcError> {
        let cancel = Arc::new(AtomicBool::new(false));
        {
            let mut slot = self.import_cancel.lock().unwrap_or_else(|e| e.into_inner());
            if slot.is_some() {
                return Err(IpcError::new(
                    ErrorCode::InvalidInput,
                    "an import is already running; wait for it or cancel it",
                ));
            }
            *slot = Some(cancel.clone());
        }
        let result = self.run_import(req, progress, &cancel);
        *self.import_cancel.lock().unwrap_or_else(|e| e.into_inner()) = None;
        result
    }

    fn run_import(
        &self,
        req: &ImportRequest,
        progress: &mut dyn FnMut(ImportProgress),
        cancel: &AtomicBool,
    ) -> Result<ImportSummary, IpcError> {
        let root = self.with_project(|p| Ok(p.root().to_path_buf()))?;
        let mut own = Project::open(&root)?;
        let blank = |s: &Option<String>| {
            s.as_ref()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let opts = ImportOptions {
            source: PathBuf::from(req.source.trim()),
            name: blank(&req.name),
            columns: ColumnChoice {
                id_col: blank(&req.id_col),
                path_col: blank(&req.path_col),
                label_col: blank(&req.label_col),
                features: req.features.clone().filter(|f| !f.is_empty()),
            },
        };
        if req.source.trim().is_empty() {
            return Err(IpcError::new(
                ErrorCode::InvalidInput,
                "choose a manifest file or an image folder to import",
            ));
        }
        let summary = dataset::import(&mut own, &opts, &mut |p| progress(p.into()), cancel)?;
        Ok(summary.into())
    }

    /// The image bytes for `scheme` (`thumb` or `media`) and an item rowid; decoding runs
    /// outside the lock.
    pub fn image(&self, scheme: &str, rowid: i64) -> Result<media::Encoded, IpcError> {
        let (file, cache) =
            self.with_project(|p| Ok((media::media_file(p.conn(), rowid)?, p.cache_dir())))?;
        Ok(match scheme {
            "thumb" => media::thumbnail(&file, &cache, THUMB_SIZE)?,
            _ => media::display_bytes(&file)?,
        })
    }
}

/// Thumbnail edge in pixels (the grid shows them at up to 160 px on HiDPI screens).
pub const THUMB_SIZE: u32 = 256;

fn now_rfc3339() -> String {
    // Seconds since the epoch rendered as RFC 3339 UTC without a date library.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = secs / 86_400;
    let (h, m, s) = ((secs % 86_400) / 3600, (secs % 3600) / 60, secs % 60);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[cfg(test)]
mod tests;
