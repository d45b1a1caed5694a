//! Export of the corrected dataset for retraining, with lineage.
//!
//! One row per item of a dataset version, in source order: `item_id, path, given_label,
//! predicted, confidence, final_label, status, rule, deciders, reasons, flags, annotations,
//! item_agreement, first_annotated, last_annotated, label, label_source, notes[, split]`. Parquet (default), CSV, JSONL, or
//! an image folder (`<out>/<label>/<item>.<ext>`, or `<out>/<split>/<label>/<item>.<ext>` with
//! a validation share; hard links where possible, else copies; every name sanitised and
//! de-duplicated so nothing is written outside `<out>` and no file replaces another).
//!
//! The columns, over the item's live events (retracted events and retractions are ignored):
//! - `reasons`, `flags`: the distinct reason codes / flags (`bad_input`, `unsure`) of its
//!   events, sorted, joined with `;` (like `deciders`); empty when there are none.
//! - `annotations`: the number of label events, overrides included; skips, flags and
//!   retractions are not counted. `first_annotated`/`last_annotated` span every live event.
//! - `label`: the label to train on — the final label when the item is decided, else the
//!   given label; `label_source` says which (`decided`, `given`, or `none` when neither
//!   exists). An image folder files items by this same label.
//! - `notes`: every live event's note, oldest first, as `annotator: note`, joined with ` | `.
//! - `item_agreement`: over the annotators' own labels (each annotator's latest; a reviewer's
//!   override is not a vote): the share of agreeing pairs — 2 of 3 alike = 1/3; one vote counts
//!   as 1; no votes = empty. An override decides the final label but does not raise it.
//! - `predicted`/`confidence`: from [`Predictions`] — by default the newest finished run over
//!   the exported version (named in the summary and lineage); none with [`Predictions::None`].
//!
//! Filters are checked before anything is read or written: `min_agreement` in [0, 1], a
//! validation share in (0, 1), every excluded reason a reason code of the project. Excluding a
//! reason also excludes items flagged with the same code (`bad_input`). An image folder holds
//! the items that have media and a label (final, else given); the others are counted as
//! skipped (`no_media`, `no_label`) in the summary and the lineage, and `rows` counts files.
//!
//! The same project state and options give byte-identical data files: rows in item order,
//! no wall-clock time in the data (the time lives in the lineage file). The lineage manifest
//! goes to `PATH.lineage.json` beside a file, or `lineage.json` inside a folder, and the export
//! is recorded in the audit log. Missing parent folders of the destination are created (and
//! removed again if the export does not finish).
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
use crate::destination;
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

/// Which run's predictions fill the `predicted`/`confidence` columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Predictions {
    /// The newest finished (`done`) run over the exported dataset version — the one started
    /// last; no predictions if there is none.
    #[default]
    Newest,
    /// This run (it must be over the exported version; any status).
    Run(i64),
    /// No predictions.
    None,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub out: PathBuf,
    pub format: Format,
    /// NAME or NAME@VERSION; default the only dataset.
    pub dataset: Option<String>,
    /// Whose predictions go in the `predicted`/`confidence` columns.
    pub predictions: Predictions,
    pub only_decided: bool,
    /// Minimum per-item agreement, 0–1 (share of agreeing pairs among the annotators' own
    /// labels; one vote counts as 1; items without votes are left out).
    pub min_agreement: Option<f64>,
    /// Drop items whose events carry any of these reason codes, or a flag of the same code
    /// (e.g. bad_input). Every code must be one of the project's reasons.
    pub exclude_reasons: Vec<String>,
    /// Add a `split` column: this share (strictly between 0 and 1) of each final label (or
    /// given label when undecided) goes to `validation`, seeded.
    pub validation_share: Option<f64>,
    pub seed: u64,
}

/// The run whose predictions an export carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunUsed {
    pub run: i64,
    /// `NAME@VERSION`
    pub model: String,
    pub model_sha256: String,
    pub provider: String,
    pub status: String,
    /// `requested` (named by the caller) or `newest_finished` (the default).
    pub chosen: &'static str,
    #[serde(skip)]
    classes: Vec<String>,
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
    /// `decided`, `conflict`, `pending` or `unannotated`.
    pub status: &'static str,
    /// How a decided label was decided: `override`, `unanimous` or `majority`.
    pub rule: Option<&'static str>,
    pub deciders: Option<String>,
    pub reasons: Option<String>,
    pub flags: Option<String>,
    /// Live label events (overrides included; not skips, flags or retractions).
    pub annotations: i64,
    pub item_agreement: Option<f64>,
    pub first_annotated: Option<String>,
    pub last_annotated: Option<String>,
    /// The final label when decided, else the given label.
    pub label: Option<String>,
    /// Where `label` comes from: `decided`, `given` or `none`.
    pub label_source: &'static str,
    /// Every live event's note, oldest first, as `annotator: note`, joined with ` | `.
    pub notes: Option<String>,
    pub split: Option<String>,
    /// The media file's absolute path, for an image folder (`None` for the tables).
    #[serde(skip)]
    pub abs_path: Option<PathBuf>,
    /// The dataset root the media must stay inside, and its content hash at import (image
    /// folders: each file is checked before it is copied).
    #[serde(skip)]
    pub media_root: Option<PathBuf>,
    #[serde(skip)]
    pub media_hash: Option<[u8; 32]>,
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
    /// Rows written (files, for an image folder).
    pub rows: usize,
    /// Rows per final label ("(none)" when undecided); files per label folder (final label,
    /// else given) for an image folder.
    pub labels: BTreeMap<String, usize>,
    /// Selected items an image folder could not hold, by why: `no_media`, `no_label`.
    pub skipped: BTreeMap<String, usize>,
    /// Items each excluded reason code or flag left out (an item with two counts twice).
    pub excluded: BTreeMap<String, usize>,
    /// The run whose predictions were exported, if any.
    pub run: Option<RunUsed>,
    /// Where the predictions came from: `requested`, `newest_finished`, `none` (asked for
    /// none) or `no_finished_run` (the default found no finished run over the version).
    pub predictions: &'static str,
}

/// What an export would write, counted without writing anything — the figures its
/// [`ExportSummary`] will report: rows (files, for an image folder), per label, and what an
/// image folder leaves out. The app's live count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    pub rows: usize,
    pub labels: BTreeMap<String, usize>,
    pub skipped: BTreeMap<String, usize>,
    /// Items each excluded reason code or flag leaves out (an item with two counts twice).
    pub excluded: BTreeMap<String, usize>,
}

pub fn preview(project: &Project, opts: &ExportOptions) -> Result<Preview> {
    let sel = select_rows(project, opts, false, &mut |_| {}, &AtomicBool::new(false))?;
    let rows = sel.rows;
    Ok(match opts.format {
        Format::ImageFolder => {
            let plan = plan_imagefolder(&rows, &opts.out)?;
            Preview {
                rows: plan.files.len(),
                labels: plan.labels,
                skipped: plan.skipped,
                excluded: sel.excluded,
            }
        }
        _ => Preview {
            rows: rows.len(),
            labels: final_label_counts(&rows),
            skipped: BTreeMap::new(),
            excluded: sel.excluded,
        },
    })
}

/// Rows per final label, "(none)" for the undecided: a table export's label counts.
fn final_label_counts(rows: &[Row]) -> BTreeMap<String, usize> {
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        *labels
            .entry(r.final_label.clone().unwrap_or_else(|| "(none)".into()))
            .or_default() += 1;
    }
    labels
}

/// The rows an export would write.
pub fn rows(
    project: &Project,
    opts: &ExportOptions,
) -> Result<(crate::dataset::VersionInfo, Vec<Row>)> {
    let s = select_rows(project, opts, false, &mut |_| {}, &AtomicBool::new(false))?;
    Ok((s.version, s.rows))
}

/// The run [`Predictions`] names for a version: `(run, how)`, how as in
/// [`ExportSummary::predictions`]. The newest finished run is the one started last.
pub fn resolve_run(
    project: &Project,
    version_id: i64,
    choice: Predictions,
) -> Result<(Option<RunUsed>, &'static str)> {
    let conn = project.conn();
    let (run, chosen) = match choice {
        Predictions::None => return Ok((None, "none")),
        Predictions::Run(run) => {
            let v: i64 = conn
                .query_row("SELECT version_id FROM runs WHERE id = ?1", [run], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or(Error::NotFound {
                    what: "run",
                    name: run.to_string(),
                })?;
            if v != version_id {
                return Err(Error::InvalidArgument(format!(
                    "--run {run}: the run is over another dataset version; pick a run over the exported one, or leave --run out for the newest finished run"
                )));
            }
            (run, "requested")
        }
        Predictions::Newest => {
            let newest: Option<i64> = conn
                .query_row(
                    "SELECT id FROM runs WHERE version_id = ?1 AND status = 'done' ORDER BY id DESC LIMIT 1",
                    [version_id],
                    |r| r.get(0),
                )
                .optional()?;
            match newest {
                Some(run) => (run, "newest_finished"),
                None => return Ok((None, "no_finished_run")),
            }
        }
    };
    let (model_id, model, sha, provider, status): (i64, String, String, String, String) = conn
        .query_row(
            "SELECT m.id, m.name || '@' || m.version, m.sha256, r.provider, r.status FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?1",
            [run],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
    let classes = crate::model::get(conn, project.root(), model_id)?.classes;
    Ok((
        Some(RunUsed {
            run,
            model,
            model_sha256: sha,
            provider,
            status,
            chosen,
            classes,
        }),
        chosen,
    ))
}

/// The filters, checked before anything is read or written; returns the excluded codes
/// (trimmed, blanks dropped, duplicates removed, in the order given).
fn validate_filters(project: &Project, opts: &ExportOptions) -> Result<Vec<String>> {
    if let Some(m) = opts.min_agreement {
        if !(0.0..=1.0).contains(&m) {
            return Err(Error::InvalidArgument(format!(
                "--min-agreement {m}: must be between 0 and 1 (the share of an item's agreeing vote pairs, e.g. 0.8)"
            )));
        }
    }
    if let Some(s) = opts.validation_share {
        if !(s > 0.0 && s < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "--validation-share {s}: must be above 0 and below 1 (the share of each label that goes to validation, e.g. 0.2)"
            )));
        }
    }
    let known: Vec<String> = crate::schema::reasons(project.conn())?
        .into_iter()
        .map(|r| r.code)
        .collect();
    let mut codes: Vec<String> = Vec::new();
    for code in opts.exclude_reasons.iter().map(|c| c.trim()) {
        if code.is_empty() || codes.iter().any(|c| c == code) {
            continue;
        }
        if !known.iter().any(|k| k == code) {
            return Err(Error::InvalidArgument(format!(
                "--exclude-reasons {code:?}: not one of the project's reason codes ({}); nothing was exported",
                known.join(", ")
            )));
        }
        codes.push(code.to_string());
    }
    Ok(codes)
}

/// What the filters selected, with the run its predictions come from.
struct Selection {
    version: crate::dataset::VersionInfo,
    rows: Vec<Row>,
    /// Items left out per excluded reason code or flag (an item carrying two counts twice).
    excluded: BTreeMap<String, usize>,
    /// The version's ratings for agreement, as [`crate::metrics::project_ratings`] reads them
    /// (for the lineage; empty unless asked for).
    ratings: Vec<crate::metrics::agreement::Rating>,
    run: Option<RunUsed>,
    predictions: &'static str,
    exclude_reasons: Vec<String>,
}

/// Per item, from its live events (borrowed from them).
#[derive(Default)]
struct Meta<'a> {
    reasons: std::collections::BTreeSet<&'a str>,
    flags: std::collections::BTreeSet<&'a str>,
    labels: i64,
    first: Option<&'a str>,
    last: Option<&'a str>,
    /// (annotator, label) — each annotator's latest own (non-override) label.
    votes: Vec<(&'a str, &'a str)>,
    /// (annotator, note), oldest first.
    notes: Vec<(&'a str, &'a str)>,
}

fn select_rows(
    project: &Project,
    opts: &ExportOptions,
    with_ratings: bool,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<Selection> {
    let conn = project.conn();
    let version = crate::dataset::resolve_or_only(conn, opts.dataset.as_deref())?;
    let exclude = validate_filters(project, opts)?;
    let (run, how) = resolve_run(project, version.id, opts.predictions)?;
    let classes: &[String] = run.as_ref().map_or(&[], |r| r.classes.as_slice());
    progress(ExportProgress {
        stage: ExportStage::Deciding,
        done: 0,
        total: 0,
    });
    // The version's events, read once: decisions, per-item meta and the ratings come from them.
    let events = crate::annotate::list_version(conn, version.id)?;
    let decisions: HashMap<i64, decide::Decision> = decide::decisions_of(conn, &events)?
        .into_iter()
        .map(|d| (d.item, d))
        .collect();
    // Reasons, flags, label counts, own votes and times per item from the live events; and
    // the ratings for agreement (live labels that are not overrides, oldest first).
    let retracted: std::collections::HashSet<i64> =
        events.iter().filter_map(|e| e.retracts).collect();
    let mut meta: HashMap<i64, Meta> = HashMap::new();
    let mut ratings = Vec::new();
    for e in events
        .iter()
        .filter(|e| e.kind != "retract" && !retracted.contains(&e.id))
    {
        let m = meta.entry(e.item).or_default();
        if let Some(code) = &e.reason {
            m.reasons.insert(code);
        }
        if let Some(f) = &e.flag {
            m.flags.insert(f);
        }
        if let Some(n) = &e.note {
            m.notes.push((&e.annotator, n));
        }
        if e.kind == "label" {
            m.labels += 1;
            if let (Some(label), false) = (&e.label, e.source == "override") {
                match m.votes.iter_mut().find(|(a, _)| *a == e.annotator) {
                    Some(v) => v.1 = label,
                    None => m.votes.push((&e.annotator, label)),
                }
                if with_ratings {
                    ratings.push(crate::metrics::agreement::Rating {
                        item: e.item_id.clone(),
                        annotator: e.annotator.clone(),
                        label: label.clone(),
                    });
                }
            }
        }
        let at = e.created_at.as_str();
        if m.first.is_none_or(|f| at < f) {
            m.first = Some(at);
        }
        if m.last.is_none_or(|l| at > l) {
            m.last = Some(at);
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
    let mut excluded: BTreeMap<String, usize> = BTreeMap::new();
    let mut stmt = conn.prepare(
        "SELECT i.id, i.ext_id, i.path, l.name, p.predicted, p.confidence, i.media_hash FROM items i
         LEFT JOIN labels l ON l.id = i.label_id LEFT JOIN predictions p ON p.run_id = ?2 AND p.item_id = i.id
         WHERE i.version_id = ?1 ORDER BY i.id",
    )?;
    let root = PathBuf::from(&version.root);
    // Only an image folder reads the media files.
    let folder = opts.format == Format::ImageFolder;
    let mut q = stmt.query(rusqlite::params![version.id, run.as_ref().map(|r| r.run)])?;
    let joined = |set: &std::collections::BTreeSet<&str>| {
        (!set.is_empty()).then(|| set.iter().copied().collect::<Vec<_>>().join(";"))
    };
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
        if let Some(m) = m {
            let mut out_by = exclude
                .iter()
                .filter(|c| m.reasons.contains(c.as_str()) || m.flags.contains(c.as_str()))
                .peekable();
            if out_by.peek().is_some() {
                for c in out_by {
                    *excluded.entry(c.clone()).or_default() += 1;
                }
                continue;
            }
        }
        let agreement = m.and_then(|m| item_agreement(&m.votes));
        if let Some(min) = opts.min_agreement {
            if agreement.is_none_or(|a| a < min) {
                continue;
            }
        }
        let final_label = d
            .filter(|d| d.status == Status::Decided)
            .and_then(|d| d.label.clone());
        let (label, label_source) = match (&final_label, &given) {
            (Some(l), _) => (Some(l.clone()), "decided"),
            (None, Some(g)) => (Some(g.clone()), "given"),
            (None, None) => (None, "none"),
        };
        out.push(Row {
            label,
            label_source,
            notes: m.filter(|m| !m.notes.is_empty()).map(|m| {
                m.notes
                    .iter()
                    .map(|(who, n)| format!("{who}: {n}"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            }),
            item_id: ext_id,
            abs_path: path.as_ref().filter(|_| folder).map(|p| root.join(p)),
            media_root: folder.then(|| root.clone()),
            media_hash: if folder {
                r.get::<_, Option<Vec<u8>>>(6)?
                    .and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok())
            } else {
                None
            },
            path,
            given_label: given,
            predicted: predicted.and_then(|i| classes.get(i as usize).cloned()),
            confidence,
            final_label: d.and_then(|d| d.label.clone()),
            status: d.map_or("unannotated", |d| d.status.as_str()),
            rule: d.and_then(|d| d.rule).map(decide::How::as_str),
            deciders: d
                .filter(|d| !d.deciders.is_empty())
                .map(|d| d.deciders.join(";")),
            reasons: m.and_then(|m| joined(&m.reasons)),
            flags: m.and_then(|m| joined(&m.flags)),
            annotations: m.map_or(0, |m| m.labels),
            item_agreement: agreement,
            first_annotated: m.and_then(|m| m.first.map(String::from)),
            last_annotated: m.and_then(|m| m.last.map(String::from)),
            split: None,
        });
    }
    if let Some(share) = opts.validation_share {
        assign_splits(&mut out, share, opts.seed);
    }
    check(cancel)?;
    progress(ExportProgress {
        stage: ExportStage::Selecting,
        done: seen as u64,
        total,
    });
    Ok(Selection {
        version,
        rows: out,
        excluded,
        ratings,
        run,
        predictions: how,
        exclude_reasons: exclude,
    })
}

/// Share of agreeing pairs among `(annotator, label)` votes (1 for a single vote).
fn item_agreement(votes: &[(&str, &str)]) -> Option<f64> {
    match votes.len() {
        0 => None,
        1 => Some(1.0),
        n => {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for (_, label) in votes {
                *counts.entry(*label).or_default() += 1;
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
        let key = r.label.clone().unwrap_or_default();
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

/// Write the table into the staged temporary (renamed into place by the caller).
fn write_table(rows: &[Row], format: Format, staged: &destination::Staged) -> Result<()> {
    use polars::prelude::*;
    let s = |f: &dyn Fn(&Row) -> Option<&str>| rows.iter().map(f).collect::<Vec<_>>();
    let mut columns = vec![
        Column::new(
            "item_id".into(),
            rows.iter().map(|r| r.item_id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("path".into(), s(&|r| r.path.as_deref())),
        Column::new("given_label".into(), s(&|r| r.given_label.as_deref())),
        Column::new("predicted".into(), s(&|r| r.predicted.as_deref())),
        Column::new(
            "confidence".into(),
            rows.iter().map(|r| r.confidence).collect::<Vec<_>>(),
        ),
        Column::new("final_label".into(), s(&|r| r.final_label.as_deref())),
        Column::new(
            "status".into(),
            rows.iter().map(|r| r.status).collect::<Vec<_>>(),
        ),
        Column::new("rule".into(), s(&|r| r.rule)),
        Column::new("deciders".into(), s(&|r| r.deciders.as_deref())),
        Column::new("reasons".into(), s(&|r| r.reasons.as_deref())),
        Column::new("flags".into(), s(&|r| r.flags.as_deref())),
        Column::new(
            "annotations".into(),
            rows.iter().map(|r| r.annotations).collect::<Vec<_>>(),
        ),
        Column::new(
            "item_agreement".into(),
            rows.iter().map(|r| r.item_agreement).collect::<Vec<_>>(),
        ),
        Column::new(
            "first_annotated".into(),
            s(&|r| r.first_annotated.as_deref()),
        ),
        Column::new("last_annotated".into(), s(&|r| r.last_annotated.as_deref())),
        Column::new("label".into(), s(&|r| r.label.as_deref())),
        Column::new(
            "label_source".into(),
            rows.iter().map(|r| r.label_source).collect::<Vec<_>>(),
        ),
        Column::new("notes".into(), s(&|r| r.notes.as_deref())),
    ];
    if rows.iter().any(|r| r.split.is_some()) {
        columns.push(Column::new("split".into(), s(&|r| r.split.as_deref())));
    }
    let mut df = DataFrame::new(rows.len(), columns)
        .map_err(|e| Error::InvalidArgument(format!("building the table: {e}")))?;
    let format = match format {
        Format::Csv => crate::table::TableFormat::Csv,
        Format::Jsonl => crate::table::TableFormat::Jsonl,
        _ => crate::table::TableFormat::Parquet,
    };
    crate::table::write_staged(&mut df, format, staged)
}

/// Where an image folder's files go, and what it leaves out.
struct FolderPlan {
    /// `(source, target)` per file, in row order.
    files: Vec<(PathBuf, PathBuf)>,
    /// Label → its folder's name (sanitised; numbered where two labels sanitise alike).
    folders: BTreeMap<String, String>,
    /// Files per label.
    labels: BTreeMap<String, usize>,
    /// Rows left out, by why (`no_media`, `no_label`).
    skipped: BTreeMap<String, usize>,
}

/// `name`, or `name-2`, `name-3`, … (before the extension, if any): the first not in `used`
/// (compared case-insensitively, so names stay distinct on case-insensitive file systems).
fn unique_name(used: &mut std::collections::HashSet<String>, stem: &str, ext: &str) -> String {
    let with = |s: &str| {
        if ext.is_empty() {
            s.to_string()
        } else {
            format!("{s}.{ext}")
        }
    };
    let mut name = with(stem);
    let mut n = 1;
    while used.contains(&name.to_lowercase()) {
        n += 1;
        name = with(&format!("{stem}-{n}"));
    }
    used.insert(name.to_lowercase());
    name
}

/// The plan for every exported item with media and a label (final, else given):
/// `<root>[/<split>]/<label>/<item>.<ext>`, names sanitised and clashes numbered, every target
/// checked to stay inside `root`. Nothing is written.
fn plan_imagefolder(rows: &[Row], root: &Path) -> Result<FolderPlan> {
    let label_of = |r: &Row| r.label.clone();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    // Folder names for labels, assigned in label order so they do not depend on row order.
    let mut folders: BTreeMap<String, String> = BTreeMap::new();
    for r in rows {
        if let (Some(_), Some(label)) = (&r.abs_path, label_of(r)) {
            folders.entry(label).or_default();
        }
    }
    let split = rows.iter().any(|r| r.split.is_some());
    // Beside the label folders (without a split): the lineage file.
    let mut used_dirs: std::collections::HashSet<String> =
        ["lineage.json".to_string()].into_iter().collect();
    for (label, dir) in folders.iter_mut() {
        *dir = unique_name(&mut used_dirs, &safe_name(label), "");
    }
    let mut used: HashMap<PathBuf, std::collections::HashSet<String>> = HashMap::new();
    let mut files = Vec::new();
    let mut labels: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        let Some(src) = &r.abs_path else {
            *skipped.entry("no_media".into()).or_default() += 1;
            continue;
        };
        let Some(label) = label_of(r) else {
            *skipped.entry("no_label".into()).or_default() += 1;
            continue;
        };
        let ext = src
            .extension()
            .map(|e| safe_name(&e.to_string_lossy()))
            .unwrap_or_default();
        let mut dir = root.to_path_buf();
        if let Some(s) = &r.split {
            dir.push(safe_name(s));
        }
        dir.push(&folders[&label]);
        let stem = safe_name(&r.item_id.replace(['/', '\\'], "_"));
        let name = unique_name(used.entry(dir.clone()).or_default(), &stem, &ext);
        let target = dir.join(name);
        // Lexically inside the export root, component by component.
        let rel = target.strip_prefix(root).map_err(|_| {
            Error::InvalidArgument(format!("refusing to write outside {}", root.display()))
        })?;
        if rel.components().any(|c| !matches!(c, Component::Normal(_)))
            || rel.components().count() != if split { 3 } else { 2 }
        {
            return Err(Error::InvalidArgument(format!(
                "refusing to write {} outside {}",
                target.display(),
                root.display()
            )));
        }
        *labels.entry(label).or_default() += 1;
        files.push((src.clone(), target));
    }
    Ok(FolderPlan {
        files,
        folders,
        labels,
        skipped,
    })
}

/// Copy every planned file into the staged folder, reporting each and checking `cancel`
/// between files. Each file is read, checked against what was imported (its path still inside
/// the dataset root, its content hash unchanged) and written as a new file: never a link to
/// the source, so nothing done to the export can change the dataset.
fn write_imagefolder(
    rows: &[Row],
    staged: &destination::Staged,
    progress: &mut dyn FnMut(ExportProgress),
    cancel: &AtomicBool,
) -> Result<FolderPlan> {
    let root = staged.tmp().to_path_buf();
    let plan = plan_imagefolder(rows, &root)?;
    let total = plan.files.len() as u64;
    progress(ExportProgress {
        stage: ExportStage::Linking,
        done: 0,
        total,
    });
    let hashes: HashMap<&Path, (&Path, Option<[u8; 32]>)> = rows
        .iter()
        .filter_map(|r| {
            r.abs_path
                .as_deref()
                .map(|p| (p, (r.media_root.as_deref().unwrap_or(p), r.media_hash)))
        })
        .collect();
    for (i, (src, target)) in plan.files.iter().enumerate() {
        check(cancel)?;
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| destination::write_err(dir, e))?;
        }
        let (media_root, hash) = hashes
            .get(src.as_path())
            .copied()
            .unwrap_or((src.as_path(), None));
        let bytes = crate::media::read_verified(src, media_root, hash.as_ref())?;
        std::fs::write(target, &bytes).map_err(|e| destination::write_err(target, e))?;
        progress(ExportProgress {
            stage: ExportStage::Linking,
            done: i as u64 + 1,
            total,
        });
    }
    Ok(plan)
}

/// The saved queues over a version (over any of its runs), with their full policy.
fn queues_over(conn: &rusqlite::Connection, version_id: i64) -> Result<Vec<serde_json::Value>> {
    let mut stmt = conn.prepare(
        "SELECT q.id, q.name, q.run_id, q.other_run_id, q.strategy, q.threshold, q.seed, q.limit_n,
                q.overlap_share, q.overlap_k, q.blind, q.lease_seconds, q.created_at
         FROM queues q JOIN runs r ON r.id = q.run_id WHERE r.version_id = ?1 ORDER BY q.id",
    )?;
    let rows = stmt.query_map([version_id], |r| {
        Ok(serde_json::json!({
            "id": r.get::<_, i64>(0)?,
            "name": r.get::<_, String>(1)?,
            "run": r.get::<_, i64>(2)?,
            "other_run": r.get::<_, Option<i64>>(3)?,
            "strategy": r.get::<_, String>(4)?,
            "threshold": r.get::<_, Option<f64>>(5)?,
            "seed": r.get::<_, i64>(6)? as u64,
            "limit": r.get::<_, Option<i64>>(7)?,
            "overlap_share": r.get::<_, f64>(8)?,
            "overlap_k": r.get::<_, i64>(9)?,
            "blind": r.get::<_, bool>(10)?,
            "lease_seconds": r.get::<_, i64>(11)?,
            "created_at": r.get::<_, String>(12)?,
        }))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
    // Checked, and its temporary locked, before any work: a refused destination costs nothing.
    let kind = match opts.format {
        Format::ImageFolder => destination::Kind::Folder,
        _ => destination::Kind::File,
    };
    let example = format!("export.{}", opts.format.as_str());
    let staged = destination::Staged::begin(Some(project), &opts.out, kind, &example)?;
    let lineage_path = match opts.format {
        Format::ImageFolder => opts.out.join("lineage.json"),
        _ => PathBuf::from(format!("{}.lineage.json", opts.out.display())),
    };
    // Beside a table, the lineage is a file of its own, also replaced only at the end.
    let lineage_staged = match opts.format {
        Format::ImageFolder => None,
        _ => Some(destination::Staged::begin(
            Some(project),
            &lineage_path,
            destination::Kind::File,
            "export.lineage.json",
        )?),
    };
    let sel = select_rows(project, opts, true, progress, cancel)?;
    let (version, rows) = (&sel.version, &sel.rows);
    let (written, labels, skipped, folders) = match opts.format {
        Format::ImageFolder => {
            let plan = write_imagefolder(rows, &staged, progress, cancel)?;
            (
                plan.files.len(),
                plan.labels,
                plan.skipped,
                Some(plan.folders),
            )
        }
        f => {
            progress(ExportProgress {
                stage: ExportStage::Writing,
                done: 0,
                total: 0,
            });
            write_table(rows, f, &staged)?;
            (rows.len(), final_label_counts(rows), BTreeMap::new(), None)
        }
    };
    check(cancel)?;
    progress(ExportProgress {
        stage: ExportStage::Lineage,
        done: 0,
        total: 0,
    });
    let conn = project.conn();
    let dataset_name: String = conn.query_row(
        "SELECT d.name FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id WHERE v.id = ?1",
        [version.id],
        |r| r.get(0),
    )?;
    let agreement =
        crate::metrics::agreement::report_on(&sel.ratings, &crate::metrics::project_scale(conn)?);
    let now: String = conn.query_row(&format!("SELECT {}", crate::time::NOW_SQL), [], |r| {
        r.get(0)
    })?;
    let mut lineage = serde_json::json!({
        "arbiter_version": crate::VERSION,
        "exported_at": now,
        "project": project.name()?,
        "dataset": { "name": dataset_name, "version_id": version.id, "version": version.version, "content_hash": version.content_hash,
            "source": version.source, "root": version.root },
        "run": sel.run,
        "predictions": sel.predictions,
        "queues": queues_over(conn, version.id)?,
        "decision_rule": decide::rule(conn)?,
        "annotators": crate::annotate::annotators(conn)?,
        "agreement": agreement,
        "filters": {
            "only_decided": opts.only_decided, "min_agreement": opts.min_agreement, "exclude_reasons": sel.exclude_reasons,
            "validation_share": opts.validation_share, "seed": opts.seed, "excluded": sel.excluded,
        },
        "format": opts.format.as_str(),
        "rows": written,
        "labels": labels,
        "skipped": skipped,
    });
    if let Some(folders) = &folders {
        lineage["folders"] = serde_json::json!(folders);
    }
    let text = serde_json::to_string_pretty(&lineage).unwrap_or_default();
    // The last point a cancel is honoured: after it, the files are moved into place.
    check(cancel)?;
    match lineage_staged {
        Some(lineage) => {
            std::fs::write(lineage.tmp(), text)
                .map_err(|e| destination::write_err(&lineage_path, e))?;
            staged.commit()?;
            lineage.commit()?;
        }
        None => {
            let inside = staged.tmp().join("lineage.json");
            std::fs::write(&inside, text).map_err(|e| destination::write_err(&lineage_path, e))?;
            staged.commit()?;
        }
    }
    crate::audit::record(
        conn,
        "arbiter",
        "export",
        &serde_json::json!({ "out": opts.out.to_string_lossy(), "format": opts.format.as_str(), "rows": written,
            "skipped": skipped, "dataset_hash": version.content_hash, "run": sel.run.as_ref().map(|r| r.run),
            "predictions": sel.predictions }),
    )?;
    progress(ExportProgress {
        stage: ExportStage::Done,
        done: written as u64,
        total: written as u64,
    });
    Ok(ExportSummary {
        out: opts.out.clone(),
        lineage: lineage_path,
        format: opts.format.as_str().into(),
        rows: written,
        labels,
        skipped,
        excluded: sel.excluded.clone(),
        run: sel.run,
        predictions: sel.predictions,
    })
}

#[cfg(test)]
mod tests;
