//! Datasets: import a source (manifest or image folder) as a new dataset version after
//! validating everything, and list datasets and versions. A failed import writes nothing; the
//! same content imported again yields the existing version.

pub mod source;
pub(crate) mod text;
mod validate;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::schema::{self, LabelSpec};
use crate::store::{optional, Project};
use crate::time::NOW_SQL;
pub use source::{ColumnChoice, SourceKind, SourceTable, TextRow, MAX_TEXT_BYTES};
pub(crate) use validate::validate as validate_table;
pub use validate::Validated;

/// What to import and how to read it.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub source: PathBuf,
    /// Dataset name; default: the file's stem or the folder's name.
    pub name: Option<String>,
    pub columns: ColumnChoice,
    /// Take a first labeled import's labels as the schema even when there are more than
    /// [`MAX_LABELS_FROM_DATA`] of them (above it, a label column is usually something else,
    /// such as an id, so the import is refused unless asked).
    pub labels_from_data: bool,
}

/// The most distinct labels a first import turns into the schema without being asked
/// (ImageNet's 1,000 classes fit).
pub const MAX_LABELS_FROM_DATA: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStage {
    Reading,
    Validating,
    Hashing,
    Writing,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportProgress {
    pub stage: ImportStage,
    pub done: u64,
    pub total: u64,
}

/// The outcome, shaped as the CLI's JSON contract (`unchanged` added).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub dataset: String,
    pub version: i64,
    pub items: u64,
    pub labeled: u64,
    pub warnings: Vec<String>,
    /// True when the content equals the latest version's, so no new version was made.
    pub unchanged: bool,
}

/// How many rows are written per progress report / cancellation check.
const WRITE_CHUNK: usize = 20_000;

/// Import a source into the project: read, validate everything, then write one version in one
/// transaction. Any problem aborts before the first write. `cancel` is checked between stages
/// and chunks; a cancelled import writes nothing.
pub fn import(
    project: &mut Project,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<ImportSummary> {
    let check_cancel = || {
        if cancel.load(Ordering::Relaxed) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    };
    progress(ImportProgress {
        stage: ImportStage::Reading,
        done: 0,
        total: 0,
    });
    let table = source::read(&opts.source, &opts.columns)?;
    check_cancel()?;
    import_table(project, table, opts, progress, cancel)
}

/// Import a table already read (by [`source::read`], or built elsewhere, e.g. with
/// [`SourceTable::from_texts`]) as [`import`] does: validate everything, then write one version
/// in one transaction. `opts.source` and `opts.columns` are not used (the table carries its
/// source); `opts.name` defaults to the source's stem or folder name.
pub fn import_table(
    project: &mut Project,
    table: SourceTable,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(ImportProgress),
    cancel: &AtomicBool,
) -> Result<ImportSummary> {
    let check_cancel = || {
        if cancel.load(Ordering::Relaxed) {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    };
    let name = match &opts.name {
        Some(n) if n.trim().is_empty() => {
            return Err(Error::InvalidArgument("--name must not be empty".into()))
        }
        Some(n) => n.trim().to_string(),
        None => default_name(&table),
    };
    let schema_labels = schema::labels(project)?;
    let total = table.len() as u64;
    progress(ImportProgress {
        stage: ImportStage::Validating,
        done: 0,
        total,
    });
    let v = validate::validate(table, &schema_labels, progress, cancel)?;
    check_cancel()?;

    let conn = project.conn_mut();
    let existing: Option<(i64, i64, String)> = optional(conn.query_row(
        "SELECT d.id, v.version, v.content_hash FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id
         WHERE d.name = ?1 ORDER BY v.version DESC LIMIT 1",
        [&name],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    ))?;
    let mut warnings = v.table.warnings.clone();
    if let Some((_, version, hash)) = &existing {
        if *hash == v.content_hash {
            warnings.push(format!(
                "unchanged: the content equals version {version} of {name:?}; no new version was made"
            ));
            progress(ImportProgress {
                stage: ImportStage::Done,
                done: total,
                total,
            });
            return Ok(ImportSummary {
                dataset: name,
                version: *version,
                items: total,
                labeled: v.labeled as u64,
                warnings,
                unchanged: true,
            });
        }
    }

    if schema_labels.is_empty()
        && v.new_labels.len() > MAX_LABELS_FROM_DATA
        && !opts.labels_from_data
    {
        return Err(Error::InvalidSource {
            path: v.table.source.clone(),
            problems: vec![crate::error::Problem::general(format!(
                "the label column {:?} holds {} distinct values, and the project has no labels yet, so they would all become labels (e.g. {}); if it is not a label column name the right one with --label-col, or pass --labels-from-data to take them all",
                v.table.label_col.as_deref().unwrap_or("(folder names)"),
                v.new_labels.len(),
                v.new_labels.iter().take(3).map(String::as_str).collect::<Vec<_>>().join(", ")
            ))],
        });
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let dataset_id = existing.as_ref().map(|(id, _, _)| *id);
    let written = write_version(
        &tx,
        &name,
        dataset_id,
        &v,
        schema_labels.is_empty(),
        progress,
        &check_cancel,
    )?;
    warnings.extend(written.warnings);
    let version = written.version;
    check_cancel()?;
    tx.commit()?;
    progress(ImportProgress {
        stage: ImportStage::Done,
        done: total,
        total,
    });
    Ok(ImportSummary {
        dataset: name,
        version,
        items: total,
        labeled: v.labeled as u64,
        warnings,
        unchanged: false,
    })
}

/// A dataset version written by [`write_version`].
pub(crate) struct Written {
    pub version_id: i64,
    pub version: i64,
    /// The rowid of the version's first item; item `i` of the table is `first_rowid + i`.
    pub first_rowid: i64,
    pub warnings: Vec<String>,
}

/// Write a validated table as a new version of dataset `name` (`dataset_id` when it exists)
/// inside the caller's transaction: an empty schema (`schema_was_empty`) takes the table's
/// labels, then the version, its items and the audit entry.
pub(crate) fn write_version(
    tx: &Connection,
    name: &str,
    dataset_id: Option<i64>,
    v: &Validated,
    schema_was_empty: bool,
    progress: &mut dyn FnMut(ImportProgress),
    check_cancel: &dyn Fn() -> Result<()>,
) -> Result<Written> {
    let total = v.table.len() as u64;
    let mut warnings = Vec::new();
    // Labels: an empty schema is taken from the first labeled import.
    if schema_was_empty && !v.new_labels.is_empty() {
        let specs: Vec<LabelSpec> = v.new_labels.iter().map(LabelSpec::named).collect();
        schema::insert_labels(tx, &specs)?;
        warnings.push(format!(
            "the project had no labels; its schema is now taken from this import: {}",
            v.new_labels.join(", ")
        ));
    }
    let label_ids: HashMap<String, i64> = schema::labels_in(tx)?
        .into_iter()
        .map(|l| (l.name, l.id))
        .collect();
    let dataset_id = match dataset_id {
        Some(id) => id,
        None => {
            tx.execute(
                &format!("INSERT INTO datasets (name, created_at) VALUES (?1, {NOW_SQL})"),
                [name],
            )?;
            tx.last_insert_rowid()
        }
    };
    let version: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_versions WHERE dataset_id = ?1",
        [dataset_id],
        |r| r.get(0),
    )?;
    let first_rowid: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM items", [], |r| {
        r.get(0)
    })?;
    let t = &v.table;
    tx.execute(
        &format!(
            "INSERT INTO dataset_versions (dataset_id, version, content_hash, source, source_kind, root,
               id_col, path_col, label_col, feature_names, item_count, labeled_count, first_rowid,
               text_col, texts, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, {NOW_SQL})"
        ),
        rusqlite::params![
            dataset_id,
            version,
            v.content_hash,
            t.source.to_string_lossy(),
            t.kind.as_str(),
            t.root.to_string_lossy(),
            t.id_col,
            t.path_col,
            t.label_col,
            crate::store::json_text(&t.feature_names)?,
            total as i64,
            v.labeled as i64,
            first_rowid,
            t.text_col,
            t.texts.is_some(),
        ],
    )?;
    let version_id = tx.last_insert_rowid();
    {
        let mut stmt = tx.prepare(
            "INSERT INTO items (id, version_id, ext_id, path, media_hash, label_id, metadata, features)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        let mut text_stmt = tx.prepare("INSERT INTO item_texts (item_id, text) VALUES (?1, ?2)")?;
        let mut features = Vec::with_capacity(t.feature_names.len() * 8);
        for i in 0..t.len() {
            if i % WRITE_CHUNK == 0 {
                check_cancel()?;
                progress(ImportProgress {
                    stage: ImportStage::Writing,
                    done: i as u64,
                    total,
                });
            }
            let label_id = v.label(i).and_then(|l| label_ids.get(l).copied());
            features.clear();
            for col in &t.features {
                features.extend_from_slice(&col[i].to_le_bytes());
            }
            stmt.execute(rusqlite::params![
                first_rowid + i as i64,
                version_id,
                v.id(i),
                v.path(i),
                v.media_hashes.as_ref().map(|h| &h[i][..]),
                label_id,
                v.metadata_json(i),
                (!features.is_empty()).then_some(&features[..]),
            ])?;
            if let Some(text) = v.text(i) {
                text_stmt.execute(rusqlite::params![first_rowid + i as i64, text])?;
            }
        }
    }
    crate::audit::record(
        tx,
        "arbiter",
        "dataset.import",
        &serde_json::json!({
            "dataset": name,
            "version": version,
            "source": t.source.to_string_lossy(),
            "items": total,
            "labeled": v.labeled,
            "content_hash": v.content_hash,
        }),
    )?;
    Ok(Written {
        version_id,
        version,
        first_rowid,
        warnings,
    })
}

fn default_name(t: &SourceTable) -> String {
    let p = if matches!(t.kind, SourceKind::ImageFolder | SourceKind::TextFolder) {
        t.root.file_name()
    } else {
        t.source.file_stem()
    };
    p.map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dataset".into())
}

/// A dataset with its versions, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetInfo {
    pub id: i64,
    pub name: String,
    pub versions: Vec<VersionInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    pub id: i64,
    pub version: i64,
    pub content_hash: String,
    pub source: String,
    pub source_kind: String,
    pub root: String,
    pub items: i64,
    pub labeled: i64,
    pub feature_names: Vec<String>,
    /// The manifest's text column, for text items read from a manifest.
    pub text_col: Option<String>,
    /// The items are texts (a text column or a folder of `.txt` files).
    pub texts: bool,
    pub created_at: String,
}

/// Every dataset and its versions.
pub fn list(project: &crate::Project) -> Result<Vec<DatasetInfo>> {
    list_in(project.conn())
}

/// [`list`] on a connection or transaction the core already holds.
pub(crate) fn list_in(conn: &Connection) -> Result<Vec<DatasetInfo>> {
    let mut out: Vec<DatasetInfo> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.name, v.id, v.version, v.content_hash, v.source, v.source_kind, v.root,
                v.item_count, v.labeled_count, v.feature_names, v.created_at, v.text_col, v.texts
         FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id
         ORDER BY d.name, v.version DESC",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let features: String = r.get(10)?;
        let version = VersionInfo {
            id: r.get(2)?,
            version: r.get(3)?,
            content_hash: r.get(4)?,
            source: r.get(5)?,
            source_kind: r.get(6)?,
            root: r.get(7)?,
            items: r.get(8)?,
            labeled: r.get(9)?,
            feature_names: crate::store::from_json_column(&features, 10)?,
            created_at: r.get(11)?,
            text_col: r.get(12)?,
            texts: r.get(13)?,
        };
        match out.last_mut() {
            Some(d) if d.id == id => d.versions.push(version),
            _ => out.push(DatasetInfo {
                id,
                name: r.get(1)?,
                versions: vec![version],
            }),
        }
    }
    Ok(out)
}

/// One version by id.
pub(crate) fn version(conn: &Connection, version_id: i64) -> Result<VersionInfo> {
    list_in(conn)?
        .into_iter()
        .flat_map(|d| d.versions)
        .find(|v| v.id == version_id)
        .ok_or(Error::NotFound {
            what: "dataset version",
            name: version_id.to_string(),
        })
}

/// The version a command works on: `spec` (`NAME` or `NAME@N`) when given, else the latest
/// version of the project's only dataset; refused, naming the choices, when there are several.
pub fn resolve_or_only(project: &crate::Project, spec: Option<&str>) -> Result<VersionInfo> {
    resolve_or_only_in(project.conn(), spec)
}

/// [`resolve_or_only`] on a connection or transaction the core already holds.
pub(crate) fn resolve_or_only_in(conn: &Connection, spec: Option<&str>) -> Result<VersionInfo> {
    if let Some(s) = spec {
        return resolve_in(conn, s);
    }
    let list = list_in(conn)?;
    match list.as_slice() {
        [one] => resolve_in(conn, &one.name),
        [] => Err(Error::InvalidArgument(
            "the project has no datasets yet; import one with `arbiter dataset import SOURCE`"
                .into(),
        )),
        many => Err(Error::InvalidArgument(format!(
            "the project has {} datasets; pick one with --dataset ({})",
            many.len(),
            many.iter()
                .map(|d| d.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Resolve `NAME` (latest version) or `NAME@N` (version N) to a version id.
pub fn resolve(project: &crate::Project, spec: &str) -> Result<VersionInfo> {
    resolve_in(project.conn(), spec)
}

/// [`resolve`] on a connection or transaction the core already holds.
pub(crate) fn resolve_in(conn: &Connection, spec: &str) -> Result<VersionInfo> {
    let (name, wanted) = match spec.rsplit_once('@') {
        Some((n, v)) if v.parse::<i64>().is_ok() => (n, v.parse::<i64>().ok()),
        _ => (spec, None),
    };
    let datasets = list_in(conn)?;
    let d = datasets
        .into_iter()
        .find(|d| d.name == name)
        .ok_or_else(|| Error::NotFound {
            what: "dataset",
            name: format!("{name} (see `arbiter dataset list`)"),
        })?;
    let found = match wanted {
        Some(n) => d.versions.into_iter().find(|v| v.version == n),
        None => d.versions.into_iter().next(),
    };
    found.ok_or_else(|| Error::NotFound {
        what: "dataset version",
        name: spec.to_string(),
    })
}

#[cfg(test)]
mod tests;
