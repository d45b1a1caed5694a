//! Export of the corrected dataset for retraining, with lineage.
//!
//! One row per item of a dataset version, in source order: `item_id, path, given_label,
//! predicted, confidence, final_label, status, rule, deciders, reasons, flags, annotations,
//! item_agreement, first_annotated, last_annotated, label, label_source, notes[, split]`. Parquet (default), CSV, JSONL, or
//! an image folder (`<out>/<label>/<item>.<ext>`, or `<out>/<split>/<label>/<item>.<ext>` with
//! a validation share; hard links where possible, else copies; every name sanitised and
//! de-duplicated so nothing is written outside `<out>` and no file replaces another), or Label
//! Studio tasks (`labelstudio.rs`). A table with a validation share also goes out as one file
//! per split beside it (`NAME.train.EXT`, `NAME.validation.EXT`): Hugging Face `datasets`
//! names every row of a single file `train`.
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
//! The project's agreement target ([`crate::metrics::target`]) is checked first: unless it
//! passes, the export is refused with [`Error::BelowTarget`] before anything is written, or,
//! with [`ExportOptions::allow_below_target`], goes ahead with the lineage's
//! `agreement_target.export` saying `allowed_below_target` (`met` when it passed).
//!
//! [`export_with_progress`] reports its stages and can be cancelled between stages, every
//! [`SELECT_CHUNK`] items and between files; a cancelled (or failed) export leaves nothing
//! behind: tables and their lineage are written to hidden temporary files and renamed only at
//! the end, and an image folder's files and folders are removed again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::destination;
use crate::error::{Error, Result};
use crate::store::Project;

mod imagefolder;
pub mod labelstudio;
mod lineage;
mod rows;
mod table;

pub use imagefolder::safe_name;
use imagefolder::{plan_imagefolder, write_imagefolder};
use rows::{final_label_counts, select_rows};
pub use rows::{resolve_run, rows, Row, RunUsed};
use table::write_table;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv,
    Jsonl,
    ImageFolder,
    /// Label Studio tasks (JSON), see [`labelstudio`].
    LabelStudio,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            "jsonl" => Ok(Format::Jsonl),
            "imagefolder" => Ok(Format::ImageFolder),
            "labelstudio" => Ok(Format::LabelStudio),
            o => Err(Error::InvalidArgument(format!(
                "--format {o:?}: use parquet, csv, jsonl, imagefolder or labelstudio"
            ))),
        }
    }
    /// The table format a file name asks for (`.csv`, `.jsonl`/`.ndjson`, `.parquet`), Parquet
    /// when it asks for none.
    pub fn for_path(path: &std::path::Path) -> Format {
        match crate::table::TableFormat::of_path(path) {
            Some(crate::table::TableFormat::Csv) => Format::Csv,
            Some(crate::table::TableFormat::Jsonl) => Format::Jsonl,
            _ => Format::Parquet,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::ImageFolder => "imagefolder",
            Format::LabelStudio => "labelstudio",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Format> {
        Format::parse(s)
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
    /// Export even when the project's agreement target is not met (`--allow-below-target`);
    /// otherwise such an export is refused with [`Error::BelowTarget`].
    pub allow_below_target: bool,
}

/// The agreement target as an export met it (or was allowed past it), for the summary and the
/// lineage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetGate {
    #[serde(flatten)]
    pub verdict: crate::metrics::target::Verdict,
    /// Which way the export went: `met` (the target passed) or `allowed_below_target` (it
    /// failed or could not be checked, and the export was allowed explicitly).
    pub export: &'static str,
}

/// Check the project's agreement target before an export: `None` when no target is set; an
/// error naming the target, figure and interval when it is not met and not allowed.
pub fn gate(project: &Project, allow_below_target: bool) -> Result<Option<TargetGate>> {
    use crate::metrics::target::{self, Status};
    let Some(verdict) = target::verdict(project)? else {
        return Ok(None);
    };
    let export = match verdict.status {
        Status::Pass => "met",
        _ if allow_below_target => "allowed_below_target",
        _ => {
            return Err(Error::BelowTarget(format!(
                "export refused: the agreement target is not met — {}. Nothing was written. Label more (or resolve disagreements), change the target with `arbiter target set`, or export anyway with --allow-below-target (recorded in the lineage)",
                verdict.describe()
            )))
        }
    };
    Ok(Some(TargetGate { verdict, export }))
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
    /// The agreement target and which way the export went (null when no target is set).
    pub target: Option<TargetGate>,
    /// A table exported with a validation share: one more file per split
    /// (`NAME.train.EXT`, `NAME.validation.EXT`), empty otherwise.
    pub split_files: Vec<PathBuf>,
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
    /// The agreement target checked now (null when none is set): an export refuses unless it
    /// passes or is allowed explicitly.
    pub target: Option<crate::metrics::target::Verdict>,
}

pub fn preview(project: &Project, opts: &ExportOptions) -> Result<Preview> {
    let sel = select_rows(project, opts, false, &mut |_| {}, &AtomicBool::new(false))?;
    let rows = sel.rows;
    let target = crate::metrics::target::verdict(project)?;
    Ok(match opts.format {
        Format::ImageFolder => {
            let plan = plan_imagefolder(&rows, &opts.out)?;
            Preview {
                rows: plan.files.len(),
                labels: plan.labels,
                skipped: plan.skipped,
                excluded: sel.excluded,
                target,
            }
        }
        _ => Preview {
            rows: rows.len(),
            labels: final_label_counts(&rows),
            skipped: BTreeMap::new(),
            excluded: sel.excluded,
            target,
        },
    })
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
    // The agreement target first: a refused export writes nothing, not even a temporary.
    let target = gate(project, opts.allow_below_target)?;
    // Checked, and its temporary locked, before any work: a refused destination costs nothing.
    let kind = match opts.format {
        Format::ImageFolder => destination::Kind::Folder,
        _ => destination::Kind::File,
    };
    let example = match opts.format {
        Format::LabelStudio => "tasks.json".to_string(),
        f => format!("export.{}", f.as_str()),
    };
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
    // With a validation share, a table also goes out as one file per split (`NAME.train.EXT`,
    // `NAME.validation.EXT` beside it), so that Hugging Face `datasets` loads the splits as
    // splits (`data_files={"train": …, "validation": …}`); one file would load whole as `train`.
    let split_staged: Vec<(&str, destination::Staged)> = match (opts.format, opts.validation_share)
    {
        (Format::Parquet | Format::Csv | Format::Jsonl, Some(_)) => SPLITS
            .iter()
            .map(|split| {
                let path = split_path(&opts.out, split);
                destination::Staged::begin(
                    Some(project),
                    &path,
                    destination::Kind::File,
                    &format!("export.{split}.{}", opts.format.as_str()),
                )
                .map(|s| (*split, s))
            })
            .collect::<Result<_>>()?,
        _ => Vec::new(),
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
            if f == Format::LabelStudio {
                labelstudio::write_tasks(
                    project,
                    version.id,
                    rows,
                    sel.run.as_ref(),
                    staged.tmp(),
                )?;
            } else {
                write_table(rows, version.texts, f, &staged)?;
            }
            for (split, staged) in &split_staged {
                let part: Vec<Row> = rows
                    .iter()
                    .filter(|r| r.split.as_deref() == Some(*split))
                    .cloned()
                    .collect();
                write_table(&part, version.texts, f, staged)?;
            }
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
    let text = lineage::manifest(
        project,
        opts,
        &sel,
        lineage::Written {
            rows: written,
            labels: &labels,
            skipped: &skipped,
            folders: folders.as_ref(),
            target: target.as_ref(),
        },
    )?;
    // The last point a cancel is honoured: after it, the files are moved into place.
    check(cancel)?;
    let split_files: Vec<PathBuf> = split_staged
        .iter()
        .map(|(split, _)| split_path(&opts.out, split))
        .collect();
    for (_, s) in split_staged {
        s.commit()?;
    }
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
            "predictions": sel.predictions,
            "target": target.as_ref().map(|t| serde_json::json!({ "status": t.verdict.status, "compared": t.verdict.compared, "export": t.export })) }),
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
        target,
        split_files,
    })
}

/// The splits a validation share makes, as the `split` column names them.
const SPLITS: [&str; 2] = ["train", "validation"];

/// Where a table's split goes: `NAME.SPLIT.EXT` beside `out` (`data.parquet` →
/// `data.train.parquet`).
pub fn split_path(out: &std::path::Path, split: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}.{split}.{ext}"),
        _ => format!("{name}.{split}"),
    };
    out.with_file_name(file)
}

#[cfg(test)]
mod tests;
