//! Export of the corrected dataset for retraining, with lineage.
//!
//! One row per item of a dataset version, in source order: `item_id, path, given_label,
//! predicted, confidence, final_label, status, rule, deciders, reasons, annotations,
//! item_agreement, first_annotated, last_annotated[, split]`. Parquet (default), CSV, JSONL, or
//! an image folder (`<out>/<final label>/<item>.<ext>`, hard links where possible, else
//! copies; every name sanitised so nothing is written outside `<out>`).
//!
//! The same project state and options give byte-identical data files: rows in item order,
//! no wall-clock time in the data (the time lives in the lineage file). The lineage manifest
//! goes to `PATH.lineage.json` beside a file, or `lineage.json` inside a folder, and the export
//! is recorded in the audit log.
//!
//! [`export_with_progress`] reports its stages and can be cancelled between stages, every
//! [`SELECT_CHUNK`] items and between files; a cancelled (or failed) export leaves nothing
//! behind: tables and their lineage are written to hidden temporary files and renamed only at
//! the end, and an image folder's files and folders are removed again.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::decide::{self, Status};
use crate::error::{Error, Result};
use crate::queue::splitmix64;
use crate::store::Project;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    Jsonl,
    ImageFolder,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::Jsonl),
            "imagefolder" => Ok(Format::ImageFolder),
            o => Err(Error::InvalidArgument(format!(
                "--format {o:?}: use parquet, csv, jsonl or imagefolder"
            ))),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::ImageFolder => "imagefolder",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub out: PathBuf,
    pub format: Format,
    /// NAME or NAME@VERSION; default the only dataset.
    pub dataset: Option<String>,
    /// The run whose predictions go in the `predicted`/`confidence` columns.
    pub run: Option<i64>,
    pub only_decided: bool,
    /// Minimum per-item agreement (share of agreeing vote pairs; items with one vote count as 1).
    pub min_agreement: Option<f64>,
    /// Drop items whose annotations carry any of these reason codes (e.g. bad_input).
    pub exclude_reasons: Vec<String>,
    /// Add a `split` column: this share of each final label (or given label when undecided)
    /// goes to `validation`, seeded.
    pub validation_share: Option<f64>,
    pub seed: u64,
}

/// One exported row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub item_id: String,
    pub path: Option<String>,
    pub given_label: Option<String>,
    pub predicted: Option<String>,
    pub confidence: Option<f64>,
    pub final_label: Option<String>,
    pub status: String,
    pub rule: Option<String>,
    pub deciders: Option<String>,
    pub reasons: Option<String>,
    pub annotations: i64,
    pub item_agreement: Option<f64>,
    pub first_annotated: Option<String>,
    pub last_annotated: Option<String>,
    pub split: Option<String>,
    #[serde(skip)]
    pub abs_path: Option<PathBuf>,
}

/// Where an export is. `done`/`total` count items (`Selecting`) or files (`Linking`); both are 0
/// where no count exists (`Deciding`, `Writing`: polars writes the table in one call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportStage {
    /// Computing every item's decision from the annotation events.
    Deciding,
    /// Reading the version's items and applying the filters.
    Selecting,
    /// Writing the table file (parquet/csv/jsonl).
    Writing,
    /// Hard-linking (or copying) the image folder's files.
    Linking,
    /// Writing the lineage manifest and the audit entry.
    Lineage,
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ExportProgress {
    pub stage: ExportStage,
    pub done: u64,
    pub total: u64,
}

/// How many items are read per progress report / cancellation check.
pub const SELECT_CHUNK: usize = 20_000;

fn check(cancel: &AtomicBool) -> Result<()> {
    if cancel.load(Ordering::Relaxed) {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    pub out: PathBuf,
    pub lineage: PathBuf,
    pub format: String,
    pub rows: usize,
    pub labels: BTreeMap<String, usize>,
}

/// The rows an export would write (also what the app's live count shows).
pub fn rows(
    project: &Project,
    opts: &ExportOptions,
) -> Result<(crate::dataset::VersionInfo, Vec<Row>)> {
    select_rows(project, opts, &mut |_| {}, &AtomicBool::new(false))
}

fn select_rows(
    project: &Project,
    opts: &ExportOptions,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<(crate::dataset::VersionInfo, Vec<Row>)> {
    let conn = project.conn();
    let version = crate::dataset::resolve_or_only(conn, opts.dataset.as_deref())?;
    let classes = match opts.run {
        Some(run) => {
            let (model_id, v): (i64, i64) = conn
                .query_row(
                    "SELECT model_id, version_id FROM runs WHERE id = ?1",
                    [run],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or(Error::NotFound {
                    what: "run",
                    name: run.to_string(),
                })?;
            if v != version.id {
                return Err(Error::InvalidArgument(format!(
                    "run {run} is over another dataset version"
                )));
            }
            crate::model::get(conn, project.root(), model_id)?.classes
        }
        None => Vec::new(),
    };
    progress(ExportProgress {
        stage: ExportStage::Deciding,
        done: 0,
        total: 0,
    });
    let decisions: HashMap<i64, decide::Decision> = decide::decisions(conn, Some(version.id))?
        .into_iter()
        .map(|d| (d.item, d))
        .collect();
    // Reasons, counts and times per item from the live events.
    let mut meta: HashMap<i64, (Vec<String>, i64, String, String)> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT a.item_id, r.code, a.created_at FROM annotations a JOIN items i ON i.id = a.item_id
             LEFT JOIN reasons r ON r.id = a.reason_id
             WHERE i.version_id = ?1 AND a.kind != 'retract' AND NOT EXISTS (SELECT 1 FROM annotations x WHERE x.retracts = a.id)
             ORDER BY a.id",
        )?;
        let mut q = stmt.query([version.id])?;
        while let Some(r) = q.next()? {
            let (item, reason, at): (i64, Option<String>, String) =
                (r.get(0)?, r.get(1)?, r.get(2)?);
            let e = meta
                .entry(item)
                .or_insert_with(|| (Vec::new(), 0, at.clone(), at.clone()));
            if let Some(code) = reason {
                if !e.0.contains(&code) {
                    e.0.push(code);
                }
            }
            e.1 += 1;
            if at < e.2 {
                e.2 = at.clone();
            }
            if at > e.3 {
                e.3 = at;
            }
        }
    }
    check(cancel)?;
    let total = version.items.max(0) as u64;
    progress(ExportProgress {
        stage: ExportStage::Selecting,
        done: 0,
        total,
    });
    let mut seen = 0usize;
    let mut out = Vec::with_capacity(version.items as usize);
    let mut stmt = conn.prepare(
        "SELECT i.id, i.ext_id, i.path, l.name, p.predicted, p.confidence FROM items i
         LEFT JOIN labels l ON l.id = i.label_id LEFT JOIN predictions p ON p.run_id = ?2 AND p.item_id = i.id
         WHERE i.version_id = ?1 ORDER BY i.id",
    )?;
    let root = PathBuf::from(&version.root);
    let mut q = stmt.query(rusqlite::params![version.id, opts.run])?;
    while let Some(r) = q.next()? {
        seen += 1;
        if seen.is_multiple_of(SELECT_CHUNK) {
            check(cancel)?;
            progress(ExportProgress {
                stage: ExportStage::Selecting,
                done: seen as u64,
                total,
            });
        }
        let (item, ext_id, path, given, predicted, confidence): (
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<f64>,
        ) = (
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        );
        let d = decisions.get(&item);
        let m = meta.get(&item);
        if opts.only_decided && d.is_none_or(|d| d.status != Status::Decided) {
            continue;
        }
        let reasons: Vec<String> = m.map(|m| m.0.clone()).unwrap_or_default();
        if reasons.iter().any(|r| opts.exclude_reasons.contains(r)) {
            continue;
        }
        let agreement = d.and_then(|d| item_agreement(&d.votes));
        if let Some(min) = opts.min_agreement {
            if agreement.is_none_or(|a| a < min) {
                continue;
            }
        }
        out.push(Row {
            item_id: ext_id,
            abs_path: path.as_ref().map(|p| root.join(p)),
            path,
            given_label: given,
            predicted: predicted.and_then(|i| classes.get(i as usize).cloned()),
            confidence,
            final_label: d.and_then(|d| d.label.clone()),
            status: d.map_or("unannotated".to_string(), |d| {
                serde_json::to_value(d.status)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            }),
            rule: d
                .and_then(|d| d.rule)
                .and_then(|r| serde_json::to_value(r).ok())
                .and_then(|v| v.as_str().map(String::from)),
            deciders: d
                .filter(|d| !d.deciders.is_empty())
                .map(|d| d.deciders.join(";")),
            reasons: (!reasons.is_empty()).then(|| reasons.join(";")),
            annotations: m.map_or(0, |m| m.1),
            item_agreement: agreement,
            first_annotated: m.map(|m| m.2.clone()),
            last_annotated: m.map(|m| m.3.clone()),
            split: None,
        });
    }
    if let Some(share) = opts.validation_share {
        if !(0.0..=1.0).contains(&share) {
            return Err(Error::InvalidArgument(
                "--validation-share must be between 0 and 1".into(),
            ));
        }
        assign_splits(&mut out, share, opts.seed);
    }
    check(cancel)?;
    progress(ExportProgress {
        stage: ExportStage::Selecting,
        done: seen as u64,
        total,
    });
    Ok((version, out))
}

/// Share of agreeing vote pairs (1 for a single vote).
fn item_agreement(votes: &[decide::Vote]) -> Option<f64> {
    match votes.len() {
        0 => None,
        1 => Some(1.0),
        n => {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for v in votes {
                *counts.entry(v.label.as_str()).or_default() += 1;
            }
            let agree: usize = counts.values().map(|c| c * (c - 1) / 2).sum();
            Some(agree as f64 / (n * (n - 1) / 2) as f64)
        }
    }
}

/// Stratified by final label (or given label): within each stratum, items ordered by a seeded
/// hash; the first round(share × n) go to validation.
fn assign_splits(rows: &mut [Row], share: f64, seed: u64) {
    let mut strata: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        let key = r
            .final_label
            .clone()
            .or(r.given_label.clone())
            .unwrap_or_default();
        strata.entry(key).or_default().push(i);
    }
    for idx in strata.values_mut() {
        idx.sort_by_cached_key(|&i| (splitmix64(seed ^ splitmix64(fnv(&rows[i].item_id))), i));
        let n_val = (share * idx.len() as f64).round() as usize;
        for (k, &i) in idx.iter().enumerate() {
            rows[i].split = Some(if k < n_val { "validation" } else { "train" }.to_string());
        }
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A path component safe on every platform: no separators, no `..`, no control characters,
/// no reserved names, bounded length.
pub fn safe_name(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    out = out.trim().trim_matches('.').to_string();
    if out.is_empty() {
        out = "_".into();
    }
    let upper = out.to_uppercase();
    let stem = upper.split('.').next().unwrap_or("");
    if [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "LPT1", "LPT2", "LPT3",
    ]
    .contains(&stem)
    {
        out = format!("_{out}");
    }
    out.chars().take(120).collect()
}

/// What an export has put on disk so far, removed again unless [`Undo::keep`] is called: a
/// cancelled or failed export leaves nothing behind. Folders are removed only when empty.
#[derive(Default)]
struct Undo {
    files: Vec<PathBuf>,
    /// In creation order (parents first).
    dirs: Vec<PathBuf>,
    kept: bool,
}

impl Undo {
    fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for Undo {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        for f in &self.files {
            let _ = std::fs::remove_file(f);
        }
        for d in self.dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// `.NAME.tmp` beside `path`.
fn temp_beside(path: &Path) -> PathBuf {
    path.with_file_name(format!(
        ".{}.tmp",
        path.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    ))
}

/// Write the table to `tmp` (the caller renames it into place).
fn write_table(rows: &[Row], format: Format, out: &Path, tmp: &Path) -> Result<()> {
    use polars::prelude::*;
    let s = |f: &dyn Fn(&Row) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let mut columns = vec![
        Column::new(
            "item_id".into(),
            rows.iter().map(|r| r.item_id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("path".into(), s(&|r| r.path.clone())),
        Column::new("given_label".into(), s(&|r| r.given_label.clone())),
        Column::new("predicted".into(), s(&|r| r.predicted.clone())),
        Column::new(
            "confidence".into(),
            rows.iter().map(|r| r.confidence).collect::<Vec<_>>(),
        ),
        Column::new("final_label".into(), s(&|r| r.final_label.clone())),
        Column::new(
            "status".into(),
            rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("rule".into(), s(&|r| r.rule.clone())),
        Column::new("deciders".into(), s(&|r| r.deciders.clone())),
        Column::new("reasons".into(), s(&|r| r.reasons.clone())),
        Column::new(
            "annotations".into(),
            rows.iter().map(|r| r.annotations).collect::<Vec<_>>(),
        ),
        Column::new(
            "item_agreement".into(),
            rows.iter().map(|r| r.item_agreement).collect::<Vec<_>>(),
        ),
        Column::new("first_annotated".into(), s(&|r| r.first_annotated.clone())),
        Column::new("last_annotated".into(), s(&|r| r.last_annotated.clone())),
    ];
    if rows.iter().any(|r| r.split.is_some()) {
        columns.push(Column::new("split".into(), s(&|r| r.split.clone())));
    }
    let mut df = DataFrame::new(rows.len(), columns)
        .map_err(|e| Error::InvalidArgument(format!("building the table: {e}")))?;
    let mut write = || -> std::result::Result<(), String> {
        let file = std::fs::File::create(tmp).map_err(|e| e.to_string())?;
        match format {
            Format::Csv => CsvWriter::new(file)
                .finish(&mut df)
                .map_err(|e| e.to_string()),
            Format::Parquet => ParquetWriter::new(file)
                .finish(&mut df)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            _ => JsonWriter::new(file)
                .with_json_format(JsonFormat::JsonLines)
                .finish(&mut df)
                .map_err(|e| e.to_string()),
        }
    };
    write().map_err(|e| Error::Read {
        path: out.to_path_buf(),
        message: format!("cannot write: {e}"),
    })
}

/// `(source, target)` for every exported item with media and a label (final, else given):
/// `<root>/<label>/<item>.<ext>`, names sanitised and clashes numbered, every target checked to
/// stay inside `root`. Nothing is written.
fn plan_imagefolder(rows: &[Row], root: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let mut used: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut plan = Vec::new();
    for r in rows {
        let (Some(src), Some(label)) = (
            &r.abs_path,
            r.final_label.as_ref().or(r.given_label.as_ref()),
        ) else {
            continue;
        };
        let ext = src
            .extension()
            .map(|e| safe_name(&e.to_string_lossy()))
            .unwrap_or_default();
        let dir = root.join(safe_name(label));
        let stem = safe_name(&r.item_id.replace(['/', '\\'], "_"));
        let mut target = dir.join(if ext.is_empty() {
            stem.clone()
        } else {
            format!("{stem}.{ext}")
        });
        let mut n = 1;
        while used.contains(&target) || target.exists() {
            n += 1;
            target = dir.join(if ext.is_empty() {
                format!("{stem}-{n}")
            } else {
                format!("{stem}-{n}.{ext}")
            });
        }
        // Lexically inside the export root, component by component.
        let rel = target.strip_prefix(root).map_err(|_| {
            Error::InvalidArgument(format!("refusing to write outside {}", root.display()))
        })?;
        if rel.components().any(|c| !matches!(c, Component::Normal(_)))
            || rel.components().count() != 2
        {
            return Err(Error::InvalidArgument(format!(
                "refusing to write {} outside {}",
                target.display(),
                root.display()
            )));
        }
        used.insert(target.clone());
        plan.push((src.clone(), target));
    }
    Ok(plan)
}

/// Create `out` (and missing parents, recorded in `undo`), then link or copy every planned
/// file, reporting each and checking `cancel` between files. Returns the canonical root.
fn write_imagefolder(
    rows: &[Row],
    out: &Path,
    undo: &mut Undo,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<PathBuf> {
    let mut missing = Vec::new();
    let mut at = Some(out);
    while let Some(d) = at.filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        missing.push(d.to_path_buf());
        at = d.parent();
    }
    for d in missing.iter().rev() {
        std::fs::create_dir(d).map_err(|e| Error::io(d, e))?;
        undo.dirs.push(d.clone());
    }
    let root = out.canonicalize().map_err(|e| Error::io(out, e))?;
    let plan = plan_imagefolder(rows, &root)?;
    let total = plan.len() as u64;
    progress(ExportProgress {
        stage: ExportStage::Linking,
        done: 0,
        total,
    });
    for (i, (src, target)) in plan.iter().enumerate() {
        check(cancel)?;
        if let Some(dir) = target.parent() {
            if !dir.exists() {
                std::fs::create_dir(dir).map_err(|e| Error::io(dir, e))?;
                undo.dirs.push(dir.to_path_buf());
            }
        }
        undo.files.push(target.clone());
        if std::fs::hard_link(src, target).is_err() {
            std::fs::copy(src, target).map_err(|e| Error::io(target, e))?;
        }
        progress(ExportProgress {
            stage: ExportStage::Linking,
            done: i as u64 + 1,
            total,
        });
    }
    Ok(root)
}

/// [`export_with_progress`] without progress reports, never cancelled.
pub fn export(project: &Project, opts: &ExportOptions) -> Result<ExportSummary> {
    export_with_progress(project, opts, &mut |_| {}, &AtomicBool::new(false))
}

/// Write the export and its lineage, and record it in the audit log. `cancel` is checked
/// between stages, every [`SELECT_CHUNK`] items and between files; a cancelled export returns
/// [`Error::Cancelled`] and leaves nothing behind: no data, no lineage, no audit entry. (A
/// cancel that arrives while the lineage is being written is too late and is ignored.)
pub fn export_with_progress(
    project: &Project,
    opts: &ExportOptions,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<ExportSummary> {
    check(cancel)?;
    if opts.format == Format::ImageFolder
        && opts.out.exists()
        && std::fs::read_dir(&opts.out)
            .map(|mut d| d.next().is_some())
            .unwrap_or(false)
    {
        return Err(Error::InvalidArgument(format!(
            "{}: the folder is not empty; export into a new or empty folder",
            opts.out.display()
        )));
    }
    let (version, rows) = select_rows(project, opts, progress, cancel)?;
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    for r in &rows {
        *labels
            .entry(r.final_label.clone().unwrap_or_else(|| "(none)".into()))
            .or_default() += 1;
    }
    let mut undo = Undo::default();
    // A table's temporary file, renamed into place at the end.
    let mut table_tmp: Option<PathBuf> = None;
    let lineage_path = match opts.format {
        Format::ImageFolder => {
            write_imagefolder(&rows, &opts.out, &mut undo, progress, cancel)?;
            opts.out.join("lineage.json")
        }
        f => {
            progress(ExportProgress {
                stage: ExportStage::Writing,
                done: 0,
                total: 0,
            });
            let tmp = temp_beside(&opts.out);
            undo.files.push(tmp.clone());
            write_table(&rows, f, &opts.out, &tmp)?;
            table_tmp = Some(tmp);
            PathBuf::from(format!("{}.lineage.json", opts.out.display()))
        }
    };
    check(cancel)?;
    progress(ExportProgress {
        stage: ExportStage::Lineage,
        done: 0,
        total: 0,
    });
    let conn = project.conn();
    let run = match opts.run {
        Some(run) => {
            let (model, sha, provider): (String, String, String) = conn.query_row(
                "SELECT m.name || '@' || m.version, m.sha256, r.provider FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?1",
                [run],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            serde_json::json!({ "run": run, "model": model, "model_sha256": sha, "provider": provider })
        }
        None => serde_json::Value::Null,
    };
    let queues: Vec<serde_json::Value> = crate::review::list(conn)?
        .into_iter()
        .map(|q| serde_json::json!({ "name": q.name, "strategy": q.strategy, "threshold": q.threshold, "seed": q.seed,
            "overlap_share": q.overlap_share, "overlap_k": q.overlap_k, "blind": q.blind, "run": q.run }))
        .collect();
    let ratings = crate::metrics::project_ratings(conn, Some(version.id))?;
    let agreement = crate::metrics::agreement::report(&ratings);
    let now: String = conn.query_row(&format!("SELECT {}", crate::store::NOW_SQL), [], |r| {
        r.get(0)
    })?;
    let lineage = serde_json::json!({
        "arbiter_version": crate::VERSION,
        "exported_at": now,
        "project": project.name()?,
        "dataset": { "version_id": version.id, "version": version.version, "content_hash": version.content_hash, "source": version.source },
        "run": run,
        "queues": queues,
        "decision_rule": decide::rule(conn)?,
        "annotators": crate::annotate::annotators(conn)?,
        "agreement": agreement,
        "filters": {
            "only_decided": opts.only_decided, "min_agreement": opts.min_agreement, "exclude_reasons": opts.exclude_reasons,
            "validation_share": opts.validation_share, "seed": opts.seed,
        },
        "format": opts.format.as_str(),
        "rows": rows.len(),
        "labels": labels,
    });
    let text = serde_json::to_string_pretty(&lineage).unwrap_or_default();
    // The last point a cancel is honoured: after it, the files are moved into place.
    check(cancel)?;
    match &table_tmp {
        Some(tmp) => {
            // Beside an existing file, so the lineage too is replaced only at the end.
            let lineage_tmp = temp_beside(&lineage_path);
            undo.files.push(lineage_tmp.clone());
            std::fs::write(&lineage_tmp, text).map_err(|e| Error::io(&lineage_path, e))?;
            std::fs::rename(tmp, &opts.out).map_err(|e| Error::io(&opts.out, e))?;
            std::fs::rename(&lineage_tmp, &lineage_path)
                .map_err(|e| Error::io(&lineage_path, e))?;
        }
        None => {
            undo.files.push(lineage_path.clone());
            std::fs::write(&lineage_path, text).map_err(|e| Error::io(&lineage_path, e))?;
        }
    }
    crate::audit::record(
        conn,
        "arbiter",
        "export",
        &serde_json::json!({ "out": opts.out.to_string_lossy(), "format": opts.format.as_str(), "rows": rows.len(),
            "dataset_hash": version.content_hash, "run": opts.run }),
    )?;
    undo.keep();
    progress(ExportProgress {
        stage: ExportStage::Done,
        done: rows.len() as u64,
        total: rows.len() as u64,
    });
    Ok(ExportSummary {
        out: opts.out.clone(),
        lineage: lineage_path,
        format: opts.format.as_str().into(),
        rows: rows.len(),
        labels,
    })
}

#[cfg(test)]
mod tests;
