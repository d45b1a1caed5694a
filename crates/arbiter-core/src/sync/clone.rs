//! `arbiter clone`: a replica of a project for another machine — the same project id, a new
//! replica id, and everything the project holds (schema, dataset versions and their items,
//! models, runs and predictions, queues, events). With `--media copy` the media go inside the
//! new folder (only the items of the named queues, when some are named: a hand-out for one
//! annotator), so it can be carried to a machine without the original paths.

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::store::{Project, DB_FILE};

/// Where a clone's media are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Media {
    /// The clone reads the media where the source does (the same machine, or the same paths).
    Keep,
    /// The media are copied into the clone's `media/` folder.
    Copy,
}

impl std::str::FromStr for Media {
    type Err = Error;
    fn from_str(s: &str) -> Result<Media> {
        match s.trim() {
            "keep" => Ok(Media::Keep),
            "copy" => Ok(Media::Copy),
            o => Err(Error::InvalidArgument(format!(
                "media {o:?}: use keep (read the media where they are) or copy (copy them into the clone)"
            ))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CloneOptions {
    pub media: Media,
    /// Copy only the media of these queues' items (with `Media::Copy`); empty: every item's.
    pub queues: Vec<String>,
}

/// What a clone made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cloned {
    pub path: PathBuf,
    pub project_id: String,
    pub replica_id: String,
    pub source_replica: String,
    pub media: Media,
    pub media_files: u64,
    pub media_bytes: u64,
}

/// The folder a version's media are copied to, inside the project ('/' separated).
fn media_folder(dataset: &str, version: i64) -> String {
    let safe: String = dataset
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("media/{safe}/v{version}")
}

/// Make a replica of `src` in `dst` (a new or empty folder).
pub fn clone(src: &Path, dst: &Path, opts: &CloneOptions) -> Result<Cloned> {
    let source = Project::open(src)?;
    let src_root = source.root().to_path_buf();
    let from = crate::identity::identity_in(source.conn())?;
    // The queues are checked before anything is made.
    let mut queue_ids = Vec::new();
    for q in &opts.queues {
        queue_ids.push(crate::review::find(&source, q)?.id);
    }
    if !opts.queues.is_empty() && opts.media != Media::Copy {
        return Err(Error::InvalidArgument(
            "queues choose which media to copy into the clone: choose them only when the media are copied".into(),
        ));
    }
    let existed = dst.exists();
    if existed {
        let meta = std::fs::metadata(dst).map_err(|e| Error::io(dst, e))?;
        if !meta.is_dir() {
            return Err(Error::InvalidArgument(format!(
                "{}: is a file; clone into a new or empty folder (nothing was written)",
                dst.display()
            )));
        }
        let mut entries = std::fs::read_dir(dst).map_err(|e| Error::io(dst, e))?;
        if entries.next().is_some() {
            return Err(Error::InvalidArgument(format!(
                "{}: the folder is not empty; clone into a new or empty folder (nothing was written)",
                dst.display()
            )));
        }
    }
    std::fs::create_dir_all(dst).map_err(|e| Error::io(dst, e))?;
    let root = dst.canonicalize().map_err(|e| Error::io(dst, e))?;
    if root == src_root {
        return Err(Error::InvalidArgument(
            "the clone must go to another folder than the project".into(),
        ));
    }
    let result = build(&source, &root, &queue_ids, opts);
    match result {
        Ok((files, bytes)) => {
            let made = Project::open(&root)?;
            let id = crate::identity::identity_in(made.conn())?;
            Ok(Cloned {
                path: root,
                project_id: id.project_id,
                replica_id: id.replica_id,
                source_replica: from.replica_id,
                media: opts.media,
                media_files: files,
                media_bytes: bytes,
            })
        }
        Err(e) => {
            // Nothing half-made stays behind: what this clone created goes.
            if existed {
                if let Ok(entries) = std::fs::read_dir(&root) {
                    for entry in entries.flatten() {
                        let p = entry.path();
                        let _ = if p.is_dir() {
                            std::fs::remove_dir_all(&p)
                        } else {
                            std::fs::remove_file(&p)
                        };
                    }
                }
            } else {
                let _ = std::fs::remove_dir_all(&root);
            }
            Err(e)
        }
    }
}

fn build(source: &Project, root: &Path, queues: &[i64], opts: &CloneOptions) -> Result<(u64, u64)> {
    let tmp = root.join(format!(".{DB_FILE}.cloning"));
    // A consistent copy of the database, as of one moment (other writers may go on).
    source
        .conn()
        .execute("VACUUM INTO ?1", [tmp.display().to_string()])?;
    // The model files (runs can be resumed and models run on the clone).
    let models = source.root().join("models");
    if models.is_dir() {
        let to = root.join("models");
        std::fs::create_dir_all(&to).map_err(|e| Error::io(&to, e))?;
        for entry in std::fs::read_dir(&models).map_err(|e| Error::io(&models, e))? {
            let entry = entry.map_err(|e| Error::io(&models, e))?;
            if entry.path().is_file() {
                let target = to.join(entry.file_name());
                std::fs::copy(entry.path(), &target).map_err(|e| Error::io(&target, e))?;
            }
        }
    }
    let mut conn = Connection::open(&tmp)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let tx = conn.transaction()?;
    // Leases and shared-folder bookkeeping belong to the machine they were made on.
    tx.execute_batch(
        "DELETE FROM claims; DELETE FROM sync_folder_packs; DELETE FROM sync_folders;",
    )?;
    crate::identity::renew(
        &tx,
        &crate::identity::file_key(&tmp),
        "a clone made by `arbiter clone`",
    )?;
    let (files, bytes) = match opts.media {
        Media::Keep => (0, 0),
        Media::Copy => copy_media(&tx, root, queues)?,
    };
    crate::audit::record(
        &tx,
        "arbiter",
        "project.clone",
        &serde_json::json!({ "from": source.root().display().to_string(), "media": opts.media,
            "media_files": files, "queues": queues }),
    )?;
    tx.commit()?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    drop(conn);
    let db = root.join(DB_FILE);
    std::fs::rename(&tmp, &db).map_err(|e| Error::io(&db, e))?;
    Ok((files, bytes))
}

/// Copy the media of every item (or of the queues' items) into `root/media/…`, each checked
/// against the hash recorded at import, and point their versions there.
fn copy_media(conn: &Connection, root: &Path, queues: &[i64]) -> Result<(u64, u64)> {
    let versions: Vec<(i64, String, i64, String)> = conn
        .prepare(
            "SELECT v.id, d.name, v.version, v.root FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id ORDER BY v.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let (mut files, mut bytes) = (0u64, 0u64);
    for (version, dataset, number, old_root) in versions {
        let mut stmt = conn.prepare(
            "SELECT i.path, i.media_hash FROM items i WHERE i.version_id = ?1 AND i.path IS NOT NULL
               AND (?2 = 0 OR i.id IN (SELECT item_id FROM queue_items WHERE queue_id IN (SELECT value FROM json_each(?3))))
             ORDER BY i.id",
        )?;
        let items: Vec<(String, Option<Vec<u8>>)> = stmt
            .query_map(
                rusqlite::params![
                    version,
                    !queues.is_empty(),
                    serde_json::json!(queues).to_string()
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<rusqlite::Result<_>>()?;
        if items.is_empty() {
            continue;
        }
        let rel = media_folder(&dataset, number);
        let new_root = root.join(&rel);
        let old_root = PathBuf::from(old_root);
        let old_canonical = old_root
            .canonicalize()
            .map_err(|e| Error::io(&old_root, e))?;
        for (path, hash) in items {
            let from = old_root.join(&path);
            let hash: Option<[u8; 32]> = hash.and_then(|h| h.try_into().ok());
            let data = crate::media::read_verified(&from, &old_canonical, hash.as_ref())?;
            let to = new_root.join(&path);
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            std::fs::write(&to, &data).map_err(|e| Error::io(&to, e))?;
            files += 1;
            bytes += data.len() as u64;
        }
        conn.execute(
            "UPDATE dataset_versions SET root = ?2, media_in_project = ?3 WHERE id = ?1",
            rusqlite::params![version, new_root.display().to_string(), rel],
        )?;
    }
    Ok((files, bytes))
}
