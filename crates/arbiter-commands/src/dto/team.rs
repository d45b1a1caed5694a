//! The Team screen's types (issue 14: replicas of one project exchanging event packs): this
//! replica's ids and stamp, each replica's contribution, a clone, pack export and import (the
//! import's dry run is the preview), the shared folder's sync and status, and the app's own
//! per-project shared-folder setting.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use arbiter_core::sync;

fn text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// This replica: the project's id, its own id, how far it holds each replica's events, and
/// what each replica contributed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TeamStatus {
    pub project_id: String,
    pub replica_id: String,
    /// `REPLICA:N,…`: what another replica pastes as "since" to export only what this one lacks.
    pub stamp: String,
    /// Events held that wait for another that has not arrived (a retraction before its event).
    #[ts(type = "number")]
    pub pending: i64,
    pub contributions: Vec<ContributionDto>,
}

impl TeamStatus {
    pub fn new(s: sync::Status, contributions: Vec<sync::Contribution>) -> Self {
        TeamStatus {
            project_id: s.project_id,
            replica_id: s.replica_id,
            stamp: s
                .stamp
                .iter()
                .map(|(r, n)| format!("{r}:{n}"))
                .collect::<Vec<_>>()
                .join(","),
            pending: s.pending,
            contributions: contributions.into_iter().map(Into::into).collect(),
        }
    }
}

/// The events made on one replica that this one holds.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContributionDto {
    pub replica: String,
    pub this_replica: bool,
    #[ts(type = "number")]
    pub events: i64,
    #[ts(type = "number")]
    pub annotations: i64,
    pub annotators: Vec<String>,
    /// RFC 3339, the newest annotation made there.
    pub last_at: Option<String>,
}

impl From<sync::Contribution> for ContributionDto {
    fn from(c: sync::Contribution) -> Self {
        ContributionDto {
            replica: c.replica,
            this_replica: c.this_replica,
            events: c.events,
            annotations: c.annotations,
            annotators: c.annotators,
            last_at: c.last_at,
        }
    }
}

/// Where a clone reads its media: where the project reads them (`keep`), or copied inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CloneMedia {
    Keep,
    Copy,
}

impl From<CloneMedia> for sync::clone::Media {
    fn from(m: CloneMedia) -> Self {
        match m {
            CloneMedia::Keep => sync::clone::Media::Keep,
            CloneMedia::Copy => sync::clone::Media::Copy,
        }
    }
}

impl From<sync::clone::Media> for CloneMedia {
    fn from(m: sync::clone::Media) -> Self {
        match m {
            sync::clone::Media::Keep => CloneMedia::Keep,
            sync::clone::Media::Copy => CloneMedia::Copy,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CloneRequest {
    /// A new or empty folder.
    pub dest: String,
    pub media: CloneMedia,
    /// With `copy`: copy only these queues' items' media (empty: every item's).
    pub queues: Vec<String>,
}

/// What a clone made.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClonedDto {
    pub path: String,
    pub project_id: String,
    pub replica_id: String,
    pub source_replica: String,
    pub media: CloneMedia,
    #[ts(type = "number")]
    pub media_files: u64,
    #[ts(type = "number")]
    pub media_bytes: u64,
}

impl From<sync::clone::Cloned> for ClonedDto {
    fn from(c: sync::clone::Cloned) -> Self {
        ClonedDto {
            path: text(&c.path),
            project_id: c.project_id,
            replica_id: c.replica_id,
            source_replica: c.source_replica,
            media: c.media.into(),
            media_files: c.media_files,
            media_bytes: c.media_bytes,
        }
    }
}

/// What a pack export wrote.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackExported {
    pub file: String,
    /// The folder to open afterwards.
    pub folder: String,
    #[ts(type = "number")]
    pub events: u64,
    #[ts(type = "number")]
    pub bytes: u64,
}

impl From<sync::Exported> for PackExported {
    fn from(e: sync::Exported) -> Self {
        PackExported {
            folder: e.file.parent().map(text).unwrap_or_default(),
            file: text(&e.file),
            events: e.events,
            bytes: e.bytes,
        }
    }
}

/// What importing one pack added (or, in a preview, would add).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PackImported {
    pub file: String,
    pub source_replica: String,
    #[ts(type = "number")]
    pub events_added: u64,
    #[ts(type = "number")]
    pub events_known: u64,
    #[ts(type = "number")]
    pub annotators_added: u64,
    #[ts(type = "number")]
    pub queues_added: u64,
    #[ts(type = "number")]
    pub runs_added: u64,
    #[ts(type = "number")]
    pub settings_added: u64,
    /// Items in conflict before and after.
    #[ts(type = "number")]
    pub conflicts_before: u64,
    #[ts(type = "number")]
    pub conflicts_after: u64,
    #[ts(type = "number")]
    pub pending: u64,
    /// Queues renamed because two replicas saved different queues under one name.
    pub renamed_queues: Vec<String>,
    /// A preview: nothing was written.
    pub dry_run: bool,
}

impl From<sync::Imported> for PackImported {
    fn from(i: sync::Imported) -> Self {
        PackImported {
            file: text(&i.file),
            source_replica: i.source_replica,
            events_added: i.events_added,
            events_known: i.events_known,
            annotators_added: i.annotators_added,
            queues_added: i.queues_added,
            runs_added: i.runs_added,
            settings_added: i.settings_added,
            conflicts_before: i.conflicts_before,
            conflicts_after: i.conflicts_after,
            pending: i.pending,
            renamed_queues: i.renamed_queues,
            dry_run: i.dry_run,
        }
    }
}

/// A pack of the shared folder that could not be imported (retried at the next sync).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RefusedPack {
    pub file: String,
    /// Why, naming what to do.
    pub error: String,
}

/// What one shared-folder sync did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FolderSyncDto {
    pub dir: String,
    pub imported: Vec<PackImported>,
    pub refused: Vec<RefusedPack>,
    /// The pack this replica wrote, if it had new events.
    pub written: Option<String>,
    #[ts(type = "number")]
    pub written_events: u64,
}

impl From<sync::folder::FolderSync> for FolderSyncDto {
    fn from(s: sync::folder::FolderSync) -> Self {
        FolderSyncDto {
            dir: text(&s.dir),
            imported: s.imported.into_iter().map(Into::into).collect(),
            refused: s
                .refused
                .into_iter()
                .map(|r| RefusedPack {
                    file: text(&r.file),
                    error: r.error,
                })
                .collect(),
            written: s.written.as_deref().map(text),
            written_events: s.written_events,
        }
    }
}

/// One replica writing into the shared folder, as this replica knows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FolderReplicaDto {
    pub replica: String,
    pub this_replica: bool,
    /// Its packs in the folder.
    #[ts(type = "number")]
    pub packs: u64,
    /// Imported here (or, for this replica, written).
    #[ts(type = "number")]
    pub imported: u64,
    #[ts(type = "number")]
    pub refused: u64,
    #[ts(type = "number")]
    pub events: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FolderStatusDto {
    pub dir: String,
    /// RFC 3339.
    pub last_sync: Option<String>,
    pub last_error: Option<String>,
    pub replicas: Vec<FolderReplicaDto>,
}

impl From<sync::folder::FolderStatus> for FolderStatusDto {
    fn from(s: sync::folder::FolderStatus) -> Self {
        FolderStatusDto {
            dir: text(&s.dir),
            last_sync: s.last_sync,
            last_error: s.last_error,
            replicas: s
                .replicas
                .into_iter()
                .map(|r| FolderReplicaDto {
                    replica: r.replica,
                    this_replica: r.this_replica,
                    packs: r.packs,
                    imported: r.imported,
                    refused: r.refused,
                    events: r.events,
                })
                .collect(),
        }
    }
}

/// This computer's shared folder for a project (kept in the app's config, per project folder):
/// the app syncs with it when the project opens (`on_open`) and every `every_minutes` (0: never
/// by itself).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SharedFolderSetting {
    pub dir: Option<String>,
    pub on_open: bool,
    pub every_minutes: u32,
}

/// Calls `$m!(TeamStatus, …)` with every type above (the bindings list them from here).
macro_rules! with_team_types {
    ($m:ident) => {
        $m!(
            TeamStatus,
            ContributionDto,
            CloneMedia,
            CloneRequest,
            ClonedDto,
            PackExported,
            PackImported,
            RefusedPack,
            FolderSyncDto,
            FolderReplicaDto,
            FolderStatusDto,
            SharedFolderSetting
        )
    };
}
pub(crate) use with_team_types;
