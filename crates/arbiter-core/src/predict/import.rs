//! `arbiter predictions import`: predictions made outside Arbiter (PyTorch, JAX, a hosted
//! model, …) become a run like any other — provider `imported`, the file's SHA-256 and column
//! mapping as provenance — so queues, calibration, compare, drift and export work on them.
//!
//! A file (.csv/.tsv, .parquet, .jsonl) has an `item_id` column and one of:
//! - `p_<class>` for every class of the schema (a full probability vector),
//! - `logits_<class>` for every class (softmax is taken),
//! - `predicted` and `confidence`: the other classes share `1 − confidence` equally (the
//!   least committal vector the two columns allow; margin and entropy follow from it);
//!
//! and optionally `model_sha256` (one value for the file), `created_at` (RFC 3339: the run
//! spans the earliest to the latest) and `error` (a row the other side could not predict, kept
//! as a failed item with its reason). `arbiter predictions export` writes files of this shape. Everything is checked before anything is written, and
//! the run is written in one transaction: unknown or duplicate items, classes not in the
//! schema, rows that do not sum to 1 within 1e-3 (`normalize` rescales them), NaN and
//! infinities, missing values, a column set that is not one of the above — each named by row.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::dataset::source::{read_frame, SourceKind};
use crate::error::{Error, Problem, Result};
use crate::model::{ImportedFrom, InputKind, OutputKind, OutputSpec, Preprocess};
use crate::store::Project;
use crate::time::NOW_SQL;

use super::scores::{stored_columns, Stored};

/// How far a probability row's sum may be from 1.
pub const SUM_TOLERANCE: f64 = 1e-3;

/// Stop collecting problems after this many (the message lists the first few).
const MAX_PROBLEMS: usize = 1000;

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub file: PathBuf,
    /// The model's name in Arbiter (a new version of it if the name is taken).
    pub name: String,
    /// The model's own version label (a tag, a commit), kept as provenance.
    pub version: Option<String>,
    /// `NAME[@VERSION]`: the dataset version predicted; default the only dataset, latest.
    pub dataset: Option<String>,
    /// Rescale probability rows that do not sum to 1 instead of refusing them.
    pub normalize: bool,
}

/// What an import made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imported {
    pub run: i64,
    pub model: String,
    pub model_version: i64,
    pub dataset: String,
    pub dataset_version: i64,
    /// Rows imported (one prediction each).
    pub rows: u64,
    /// Rows the file marks failed (an `error` value): stored as failed items, with the reason.
    pub failed: u64,
    /// Items of the dataset version without a prediction in the file.
    pub items_without: u64,
    /// `probabilities`, `logits` or `predicted_confidence`.
    pub columns: String,
    /// Probability rows rescaled to sum to 1 (with `normalize`).
    pub normalized: u64,
    pub file_sha256: String,
    /// Columns the file had that an import does not read.
    pub ignored_columns: Vec<String>,
}

/// The page cache (KiB) while the scores index is built again: the size of the sorted runs
/// SQLite's sorter hands to its worker threads.
const SORT_RUN_KIB: i64 = 16_384;

/// Rows checked per parallel task.
const CHECK_CHUNK: usize = 16_384;

/// A row whose id is not an item of the version.
const NO_ITEM: u32 = u32::MAX;

/// A chunk of rows checked: its rows, its problems (in row order; it stops at the first row
/// that starts with `MAX_PROBLEMS` of them), the rows rescaled and the `created_at` span.
#[derive(Default)]
struct Checked {
    rows: Vec<Row>,
    problems: Vec<Problem>,
    normalized: u64,
    span: Option<((i64, i64), (i64, i64))>,
}

/// A dataset version's items, found by their ids: the ids in one buffer (no string per item),
/// each item's row id and its given label's class.
struct VersionItems {
    text: String,
    ends: Vec<usize>,
    items: Vec<(i64, Option<usize>)>,
}

impl VersionItems {
    fn read(
        conn: &rusqlite::Connection,
        version: i64,
        class_of: &HashMap<&str, usize>,
    ) -> Result<VersionItems> {
        let mut out = VersionItems {
            text: String::new(),
            ends: Vec::new(),
            items: Vec::new(),
        };
        let mut stmt = conn.prepare(
            "SELECT i.ext_id, i.id, l.name FROM items i LEFT JOIN labels l ON l.id = i.label_id WHERE i.version_id = ?1",
        )?;
        let mut rows = stmt.query([version])?;
        while let Some(r) = rows.next()? {
            let sql = |e: rusqlite::types::FromSqlError| Error::from(rusqlite::Error::from(e));
            out.text.push_str(r.get_ref(0)?.as_str().map_err(sql)?);
            out.ends.push(out.text.len());
            let label = r.get_ref(2)?.as_str_or_null().map_err(sql)?;
            out.items
                .push((r.get(1)?, label.and_then(|l| class_of.get(l).copied())));
        }
        Ok(out)
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    /// The item at `i`: its row id and its given label's class.
    fn item(&self, i: u32) -> (i64, Option<usize>) {
        self.items[i as usize]
    }

    /// Each item's position, by its id.
    fn index(&self) -> HashMap<&str, u32> {
        let mut at = HashMap::with_capacity(self.len());
        let mut start = 0;
        for (i, &end) in self.ends.iter().enumerate() {
            at.insert(&self.text[start..end], i as u32);
            start = end;
        }
        at
    }
}

/// What a thread reading `path` returned (a panic as an error naming the file).
fn joined<T>(r: std::thread::Result<Result<T>>, path: &Path) -> Result<T> {
    r.unwrap_or_else(|_| {
        Err(Error::Runtime(format!(
            "reading {} stopped unexpectedly (a bug in Arbiter: please report it)",
            path.display()
        )))
    })
}

/// For each row, the row (1-based) that first gave its item when it gives it again, else 0:
/// `found` is each row's item (or [`NO_ITEM`]), of `items`; ids that are not items are
/// compared as text (`id_at`, empty for none).
fn repeats<'a>(found: &[u32], items: usize, id_at: impl Fn(usize) -> &'a str) -> Vec<u32> {
    let mut first = vec![0u32; items];
    let mut unknown: HashMap<&str, u32> = HashMap::new();
    let mut again = Vec::with_capacity(found.len());
    for (row, &f) in found.iter().enumerate() {
        let slot = if f != NO_ITEM {
            &mut first[f as usize]
        } else {
            let id = id_at(row);
            if id.is_empty() {
                again.push(0);
                continue;
            }
            unknown.entry(id).or_insert(0)
        };
        if *slot == 0 {
            *slot = row as u32 + 1;
            again.push(0);
        } else {
            again.push(*slot);
        }
    }
    again
}

/// A checked row: the item, its given label's class, and the probability vector — or why the
/// other side could not predict the item.
type Row = (i64, Option<usize>, std::result::Result<Vec<f32>, String>);

/// Which columns carry the prediction.
enum Shape {
    /// `p_<class>` / `logits_<class>` columns, in class order.
    Vector {
        logits: bool,
        cols: Vec<String>,
    },
    Top,
}

fn invalid(path: &Path, problems: Vec<Problem>) -> Error {
    Error::InvalidPredictions {
        path: path.to_path_buf(),
        problems,
    }
}

/// Import a predictions file as a run; nothing is written unless every row is valid.
pub fn import(project: &mut Project, opts: &ImportOptions) -> Result<Imported> {
    let path = std::path::absolute(&opts.file).map_err(|e| Error::io(&opts.file, e))?;
    let name = opts.name.trim();
    if name.is_empty() {
        return Err(Error::InvalidArgument(
            "--name: give the model a name (how runs and queues will show it)".into(),
        ));
    }
    let kind = SourceKind::detect(&path)?;
    if kind == SourceKind::ImageFolder {
        return Err(Error::Read {
            path,
            message: "a folder: give a predictions file (.csv, .tsv, .parquet or .jsonl)".into(),
        });
    }
    let conn = project.conn();
    let version = crate::dataset::resolve_or_only_in(conn, opts.dataset.as_deref())?;
    let dataset: String = conn.query_row(
        "SELECT d.name FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id WHERE v.id = ?1",
        [version.id],
        |r| r.get(0),
    )?;
    let classes: Vec<String> = crate::schema::labels_in(conn)?
        .into_iter()
        .map(|l| l.name)
        .collect();
    if classes.is_empty() {
        return Err(Error::InvalidArgument(
            "the project has no labels yet: predictions name classes of the label schema — add labels (`arbiter labels`) or import a labeled dataset first".into(),
        ));
    }
    let text_cols = [
        "item_id",
        "predicted",
        "model_sha256",
        "created_at",
        "error",
    ];
    // The file is hashed and parsed on other threads while this one reads the version's items
    // (the database connection stays on this thread).
    let class_of: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let (file_sha256, df, items) = std::thread::scope(|s| {
        let sha = s.spawn(|| -> Result<String> {
            let mut f = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
            let mut hasher = Sha256::new();
            std::io::copy(&mut f, &mut hasher).map_err(|e| Error::io(&path, e))?;
            Ok(format!("{:x}", hasher.finalize()))
        });
        let df = s.spawn(|| read_frame(&path, kind, &text_cols));
        let items = VersionItems::read(conn, version.id, &class_of);
        (joined(sha.join(), &path), joined(df.join(), &path), items)
    });
    let df = df.map_err(|e| match e {
        Error::InvalidSource { path, problems } => invalid(&path, problems),
        other => other,
    })?;
    let file_sha256 = file_sha256?;
    let items = items?;
    let line_of = |row: usize| match kind {
        SourceKind::Csv => Some(row + 1),
        SourceKind::Jsonl => Some(row),
        _ => None,
    };
    let at = |row: usize, message: String| Problem {
        row: Some(row),
        line: line_of(row),
        message,
    };

    // The columns.
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let mut problems = Vec::new();
    if !names.iter().any(|c| c == "item_id") {
        problems.push(Problem::general(format!(
            "no item_id column (the columns are {}); name the items' ids `item_id`",
            names.join(", ")
        )));
    }
    let shape = match plan_columns(&names, &classes) {
        Ok(s) => Some(s),
        Err(p) => {
            problems.extend(p);
            None
        }
    };
    if !problems.is_empty() {
        return Err(invalid(&path, problems));
    }
    let shape = shape.expect("planned");
    let used = |c: &str| {
        matches!(c, "item_id" | "model_sha256" | "created_at" | "error")
            || match &shape {
                Shape::Vector { cols, .. } => cols.iter().any(|x| x == c),
                Shape::Top => c == "predicted" || c == "confidence",
            }
    };
    let ignored_columns: Vec<String> = names.iter().filter(|c| !used(c)).cloned().collect();

    // The items of the version, by id, with their given label's class.
    let item_at = items.index();

    let n = df.height();
    if n == 0 {
        return Err(invalid(
            &path,
            vec![Problem::general(
                "no rows: the file has a header but no predictions",
            )],
        ));
    }
    let text = |c: &str| -> Result<Option<StringChunked>> {
        match df.column(c) {
            Ok(col) => Ok(Some(
                col.cast(&DataType::String)
                    .map_err(|e| Error::Read {
                        path: path.clone(),
                        message: format!("column {c}: {e}"),
                    })?
                    .str()
                    .map_err(|e| Error::Read {
                        path: path.clone(),
                        message: format!("column {c}: {e}"),
                    })?
                    .rechunk()
                    .into_owned(),
            )),
            Err(_) => Ok(None),
        }
    };
    // A numeric column as f64; text that is not a number is named with its row.
    let number = |c: &str| -> std::result::Result<Float64Chunked, String> {
        let col = df.column(c).map_err(|e| e.to_string())?;
        let s = col.as_materialized_series();
        if s.dtype().is_primitive_numeric() || s.dtype() == &DataType::Null {
            let cast = s.cast(&DataType::Float64).map_err(|e| e.to_string())?;
            return Ok(cast.f64().map_err(|e| e.to_string())?.clone());
        }
        let text = s.cast(&DataType::String).map_err(|e| e.to_string())?;
        let text = text.str().map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(text.len());
        for (i, v) in text.iter().enumerate() {
            out.push(match v.map(str::trim).filter(|v| !v.is_empty()) {
                None => None,
                Some(v) => Some(
                    v.parse::<f64>()
                        .map_err(|_| format!("row {}: {c} is {v:?}, not a number", i + 1))?,
                ),
            });
        }
        Ok(Float64Chunked::from_iter_options(c.into(), out.into_iter()))
    };
    let ids = text("item_id")?.expect("checked");
    let model_sha = text("model_sha256")?;
    let created = text("created_at")?;
    let errors = text("error")?;

    let k = classes.len();
    let (columns_kind, values): (&str, Vec<Float64Chunked>) = match &shape {
        Shape::Vector { logits, cols } => {
            let mut v = Vec::with_capacity(cols.len());
            for c in cols {
                match number(c) {
                    Ok(x) => v.push(x.rechunk().into_owned()),
                    Err(m) => problems.push(Problem::general(m)),
                }
            }
            (if *logits { "logits" } else { "probabilities" }, v)
        }
        Shape::Top => match number("confidence") {
            Ok(x) => ("predicted_confidence", vec![x.rechunk().into_owned()]),
            Err(m) => {
                problems.push(Problem::general(m));
                ("predicted_confidence", Vec::new())
            }
        },
    };
    if !problems.is_empty() {
        return Err(invalid(&path, problems));
    }
    let predicted = match &shape {
        Shape::Top => text("predicted")?,
        Shape::Vector { .. } => None,
    };
    let vector_cols: &[String] = match &shape {
        Shape::Vector { cols, .. } => cols,
        Shape::Top => &[],
    };

    // Every row checked and its probability vector made, in chunks of rows in parallel; what
    // depends on other rows (the first model_sha256, repeated items) is settled beforehand in
    // file order.
    let id_at = |row: usize| ids.get(row).map(str::trim).unwrap_or("");
    let found: Vec<u32> = (0..n)
        .into_par_iter()
        .map(|row| item_at.get(id_at(row)).copied().unwrap_or(NO_ITEM))
        .collect();
    let again = repeats(&found, items.len(), id_at);
    let model_sha256: Option<(usize, String)> = model_sha.as_ref().and_then(|sha| {
        (0..n).find_map(|row| {
            sha.get(row)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| (row + 1, s.to_string()))
        })
    });
    let check = |rows: std::ops::Range<usize>| -> Checked {
        let mut out = Checked::default();
        let problems = &mut out.problems;
        let mut p = vec![0f64; k];
        for row in rows {
            if problems.len() >= MAX_PROBLEMS {
                break;
            }
            let r1 = row + 1;
            let id = id_at(row);
            let item = if id.is_empty() {
                problems.push(at(r1, "item_id is empty".into()));
                None
            } else if again[row] != 0 {
                let first = again[row];
                problems.push(at(
                    r1,
                    format!("item {id:?} again (first at row {first}); one prediction per item"),
                ));
                None
            } else if found[row] == NO_ITEM {
                problems.push(at(
                    r1,
                    format!(
                        "item {id:?} is not in {dataset}@{} — give predictions of this dataset version's items, or import them for another version",
                        version.version
                    ),
                ));
                None
            } else {
                Some(items.item(found[row]))
            };
            if let (Some(sha), Some((first, seen))) = (&model_sha, &model_sha256) {
                if let Some(s) = sha.get(row).map(str::trim).filter(|s| !s.is_empty()) {
                    if s != seen {
                        problems.push(at(
                            r1,
                            format!("model_sha256 {s:?} differs from row {first}'s {seen:?}: one import is one model — split the file"),
                        ));
                    }
                }
            }
            if let Some(c) = &created {
                if let Some(t) = c.get(row).map(str::trim).filter(|s| !s.is_empty()) {
                    match crate::time::parse(t) {
                        Ok(ts) => {
                            out.span = Some(match out.span {
                                None => (ts, ts),
                                Some((lo, hi)) => (lo.min(ts), hi.max(ts)),
                            })
                        }
                        Err(why) => problems.push(at(r1, format!("created_at {t:?}: {why}"))),
                    }
                }
            }
            // A row the other side could not predict: kept as a failed item, with its reason.
            if let Some(why) = errors
                .as_ref()
                .and_then(|e| e.get(row))
                .map(str::trim)
                .filter(|e| !e.is_empty())
            {
                if let Some((item, given)) = item {
                    out.rows.push((item, given, Err(why.to_string())));
                }
                continue;
            }
            // The vector.
            let mut ok = true;
            match columns_kind {
                "predicted_confidence" => {
                    let label = predicted
                        .as_ref()
                        .and_then(|c| c.get(row))
                        .map(str::trim)
                        .unwrap_or("");
                    let conf = values[0].get(row);
                    match (class_of.get(label), conf) {
                        (_, None) => {
                            problems.push(at(r1, "confidence is empty".into()));
                            ok = false;
                        }
                        (None, _) if label.is_empty() => {
                            problems.push(at(r1, "predicted is empty".into()));
                            ok = false;
                        }
                        (None, _) => {
                            problems.push(at(
                                r1,
                                format!(
                                    "predicted {label:?} is not a label of the schema ({})",
                                    classes.join(", ")
                                ),
                            ));
                            ok = false;
                        }
                        (Some(&top), Some(c)) => match top_vector(k, top, c) {
                            Ok(v) => p.copy_from_slice(&v),
                            Err(why) => {
                                problems.push(at(r1, why));
                                ok = false;
                            }
                        },
                    }
                }
                kind => {
                    let logits = kind == "logits";
                    let mut sum = 0.0;
                    for (j, col) in values.iter().enumerate() {
                        let column = &vector_cols[j];
                        match col.get(row) {
                            None => {
                                problems.push(at(
                                    r1,
                                    format!("{column} is empty: give every class's value"),
                                ));
                                ok = false;
                                break;
                            }
                            Some(v) if !v.is_finite() => {
                                problems
                                    .push(at(r1, format!("{column} is {v}: not a finite number")));
                                ok = false;
                                break;
                            }
                            // A little over 1 is rounding (a float32 softmax gives 1.0000001).
                            Some(v) if !logits && !(0.0..=1.0 + SUM_TOLERANCE).contains(&v) => {
                                problems.push(at(
                                    r1,
                                    format!("{column} is {v}: a probability is from 0 to 1"),
                                ));
                                ok = false;
                                break;
                            }
                            Some(v) => {
                                p[j] = v;
                                sum += v;
                            }
                        }
                    }
                    if ok && logits {
                        let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        let mut s = 0.0;
                        for v in p.iter_mut() {
                            *v = (*v - max).exp();
                            s += *v;
                        }
                        p.iter_mut().for_each(|v| *v /= s);
                    } else if ok && (sum - 1.0).abs() > SUM_TOLERANCE {
                        if opts.normalize && sum > 0.0 {
                            p.iter_mut().for_each(|v| *v /= sum);
                            out.normalized += 1;
                        } else if opts.normalize {
                            problems.push(at(
                                r1,
                                "the probabilities are all 0: nothing to rescale".into(),
                            ));
                            ok = false;
                        } else {
                            problems.push(at(
                                r1,
                                format!(
                                    "the probabilities sum to {sum:.6}, not 1 (within {SUM_TOLERANCE}); fix the file, or pass --normalize to rescale each row"
                                ),
                            ));
                            ok = false;
                        }
                    }
                }
            }
            if let (true, Some((item, given))) = (ok, item) {
                out.rows
                    .push((item, given, Ok(p.iter().map(|&v| v as f32).collect())));
            }
        }
        out
    };
    let chunks: Vec<Checked> = (0..n)
        .step_by(CHECK_CHUNK)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|start| check(start..n.min(start + CHECK_CHUNK)))
        .collect();
    let mut rows: Vec<Row> = Vec::with_capacity(n);
    let mut normalized = 0u64;
    let mut span: Option<((i64, i64), (i64, i64))> = None;
    for c in chunks {
        // The problems of the rows a sequential pass would have reached: it stops at the first
        // row starting with MAX_PROBLEMS or more.
        let mut row = None;
        let mut before_row = problems.len();
        for p in c.problems {
            if p.row != row {
                row = p.row;
                before_row = problems.len();
            }
            if before_row >= MAX_PROBLEMS {
                break;
            }
            problems.push(p);
        }
        if !problems.is_empty() {
            continue;
        }
        rows.extend(c.rows);
        normalized += c.normalized;
        span = match (span, c.span) {
            (Some((lo, hi)), Some((l, h))) => Some((lo.min(l), hi.max(h))),
            (a, b) => a.or(b),
        };
    }
    if !problems.is_empty() {
        return Err(invalid(&path, problems));
    }
    let failed = rows.iter().filter(|r| r.2.is_err()).count();
    // One transaction: the model record, the run, its predictions, the audit entry.
    let from = ImportedFrom {
        file: path.display().to_string(),
        file_sha256: file_sha256.clone(),
        columns: columns_kind.to_string(),
        class_columns: vector_cols.to_vec(),
        model_version: opts.version.clone().filter(|v| !v.trim().is_empty()),
    };
    let items_kind = items_kind(&version);
    let sha = model_sha256.map_or_else(|| file_sha256.clone(), |(_, s)| s);
    let (started, finished) = match span {
        Some((lo, hi)) => (
            Some(crate::time::format_utc_millis(lo.0, lo.1)),
            Some(crate::time::format_utc_millis(hi.0, hi.1)),
        ),
        None => (None, None),
    };
    let new_run = NewRun {
        name,
        sha256: &sha,
        version_id: version.id,
        items_kind,
        from,
        classes: &classes,
        started,
        finished,
        notice: format!("imported from {} (SHA-256 {file_sha256})", path.display()),
        rows: &rows,
    };
    // A larger page cache while writing: the predictions go into two B-trees (the table and
    // the scores' covering index), beyond the usual cache at a million rows. The index
    // built again sorts with temporary files (unsynced, deleted on close): with `temp_store =
    // MEMORY` SQLite's sorter allocates each record apart and keeps one run, which its worker
    // threads cannot share. Set outside the transaction (temp_store cannot change inside one).
    let conn = project.conn();
    let cache: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    let temp_store: i64 = conn.query_row("PRAGMA temp_store", [], |r| r.get(0))?;
    let threads: i64 = conn.query_row("PRAGMA threads", [], |r| r.get(0))?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    conn.pragma_update(None, "temp_store", "FILE")?;
    conn.pragma_update(None, "threads", rayon::current_num_threads() as i64)?;
    let mut write = || -> Result<(i64, i64)> {
        let tx = project.conn_mut().transaction()?;
        let (run, model_version) = write_run(&tx, &new_run)?;
        crate::audit::record(
            &tx,
            "arbiter",
            "predictions.import",
            &serde_json::json!({ "run": run, "model": name, "model_version": model_version, "sha256": sha,
                "dataset": version.id, "file": path.display().to_string(), "file_sha256": file_sha256,
                "columns": columns_kind, "rows": rows.len(), "normalized": normalized }),
        )?;
        tx.commit()?;
        Ok((run, model_version))
    };
    let written = write();
    let conn = project.conn();
    conn.pragma_update(None, "cache_size", cache)?;
    conn.pragma_update(None, "temp_store", temp_store)?;
    conn.pragma_update(None, "threads", threads)?;
    let (run, model_version) = written?;
    Ok(Imported {
        run,
        model: name.to_string(),
        model_version,
        dataset,
        dataset_version: version.version,
        rows: rows.len() as u64,
        failed: failed as u64,
        items_without: (version.items as u64).saturating_sub(rows.len() as u64),
        columns: columns_kind.to_string(),
        normalized,
        file_sha256,
        ignored_columns,
    })
}

/// What an imported run's items are (the model record's kind): images unless the version has
/// feature columns.
pub(crate) fn items_kind(version: &crate::dataset::VersionInfo) -> InputKind {
    if version.texts {
        InputKind::Text
    } else if version.source_kind == SourceKind::ImageFolder.as_str()
        || version.feature_names.is_empty()
    {
        InputKind::Image
    } else {
        InputKind::Tabular
    }
}

/// The probability vector of a prediction that gives only its class (`top`, of `k`) and
/// confidence `c`: the other classes share `1 − c` equally (the least committal vector the two
/// values allow). Refused, with the reason, when `c` is not a probability or is below `1/k`
/// (it could not be the most likely class's).
pub(crate) fn top_vector(k: usize, top: usize, c: f64) -> std::result::Result<Vec<f64>, String> {
    if !c.is_finite() || !(0.0..=1.0 + SUM_TOLERANCE).contains(&c) {
        return Err(format!(
            "confidence {c} is not a probability (a finite number from 0 to 1)"
        ));
    }
    if c * (k as f64) < 1.0 - 1e-9 {
        return Err(format!(
            "confidence {c} is below 1/{k}: it cannot be the probability of the most likely of {k} classes"
        ));
    }
    let c = c.min(1.0);
    let rest = if k > 1 {
        (1.0 - c) / (k - 1) as f64
    } else {
        0.0
    };
    let mut p = vec![rest; k];
    p[top] = c;
    Ok(p)
}

/// A run of predictions made elsewhere, checked and ready to be written.
pub(crate) struct NewRun<'a> {
    /// The model's name in Arbiter (a new version of it when the name is taken).
    pub name: &'a str,
    pub sha256: &'a str,
    /// The dataset version predicted.
    pub version_id: i64,
    pub items_kind: InputKind,
    pub from: ImportedFrom,
    /// The schema's classes, in order (the vectors' order).
    pub classes: &'a [String],
    pub started: Option<String>,
    pub finished: Option<String>,
    pub notice: String,
    /// (item, given label's class, vector or the reason it failed).
    pub rows: &'a [Row],
}

/// Write an imported run inside the caller's transaction: the model record
/// (`Preprocess::Imported`, never run), a finished run with provider `imported`, and its
/// predictions scored like inference's. Returns (run id, model version).
pub(crate) fn write_run(tx: &rusqlite::Connection, r: &NewRun) -> Result<(i64, i64)> {
    let rows = r.rows;
    let failed = rows.iter().filter(|r| r.2.is_err()).count();
    let preprocess = Preprocess::Imported {
        items: r.items_kind,
        from: r.from.clone(),
    };
    let output = OutputSpec {
        name: String::new(),
        kind: OutputKind::Probabilities,
        keys: None,
    };
    let model_version: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM models WHERE name = ?1",
        [r.name],
        |r| r.get(0),
    )?;
    tx.execute(
        &format!(
            "INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
             VALUES (?1, ?2, ?3, '', ?4, '[]', '[]', ?5, 'project_schema', ?6, ?7, {NOW_SQL})"
        ),
        rusqlite::params![
            r.name,
            model_version,
            r.sha256,
            r.items_kind.as_str(),
            crate::store::json_text(&r.classes)?,
            crate::store::json_text(&preprocess)?,
            crate::store::json_text(&output)?
        ],
    )?;
    let model_id = tx.last_insert_rowid();
    tx.execute(
        &format!(
            "INSERT INTO runs (model_id, version_id, device, provider, notice, batch_size, status, items_total, items_done, items_failed, started_at, finished_at, uid)
             VALUES (?1, ?2, 'auto', 'imported', ?3, 0, 'done', ?4, ?4, ?8, COALESCE(?5, {NOW_SQL}), COALESCE(?6, {NOW_SQL}), ?7)"
        ),
        rusqlite::params![
            model_id,
            r.version_id,
            r.notice,
            rows.len() as i64,
            r.started,
            r.finished,
            crate::identity::new_uid(),
            failed as i64
        ],
    )?;
    let run = tx.last_insert_rowid();
    // Many new rows beside few stored: the scores index is dropped and built again
    // after the rows are in (one sort instead of a random insert per row; inside the
    // transaction, so a failure or a kill leaves it as it was).
    let stored: i64 = tx.query_row(
        "SELECT COALESCE(SUM(items_done), 0) FROM runs WHERE id <> ?1",
        [run],
        |r| r.get(0),
    )?;
    let indexes: Vec<(String, String)> = if rows.len() as i64 > stored && rows.len() > 10_000 {
        tx.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'predictions' AND sql IS NOT NULL",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    {
        // Scored in parallel; written in key order (run, item), so the table grows at its end.
        let mut scored: Vec<(i64, std::result::Result<Stored, &str>)> = rows
            .par_iter()
            .map(|(item, given, p)| {
                let s = match p {
                    Ok(p) => Ok(stored_columns(p, *given)),
                    Err(why) => Err(why.as_str()),
                };
                (*item, s)
            })
            .collect();
        if !scored.is_sorted_by_key(|r| r.0) {
            scored.par_sort_unstable_by_key(|r| r.0);
        }
        let mut ins = super::scores::insert_statement(tx, false)?;
        for (item, s) in &scored {
            super::scores::insert_row(&mut ins, run, *item, s.as_ref().map_err(|r| *r))?;
        }
    }
    if !indexes.is_empty() {
        // A smaller page cache while the indexes are built: SQLite's sorter spills sorted runs
        // of the cache's size, which its worker threads (`PRAGMA threads`, set by the caller)
        // sort in parallel — one run the size of a large cache is sorted by this thread alone.
        let cache: i64 = tx.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        tx.pragma_update(None, "cache_size", -SORT_RUN_KIB)?;
        let built = indexes
            .iter()
            .try_for_each(|(_, sql)| tx.execute_batch(sql));
        tx.pragma_update(None, "cache_size", cache)?;
        built?;
    }
    Ok((run, model_version))
}
/// Which columns carry the prediction: `p_<class>` or `logits_<class>` for every class of the
/// schema, or `predicted` + `confidence`; anything else is a problem naming the columns.
fn plan_columns(names: &[String], classes: &[String]) -> std::result::Result<Shape, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut vector = |prefix: &str| -> Option<Vec<String>> {
        let given: Vec<&str> = names
            .iter()
            .filter_map(|c| c.strip_prefix(prefix))
            .collect();
        if given.is_empty() {
            return None;
        }
        let unknown: Vec<String> = given
            .iter()
            .filter(|c| !classes.iter().any(|k| k == *c))
            .map(|c| format!("{prefix}{c}"))
            .collect();
        if !unknown.is_empty() {
            problems.push(Problem::general(format!(
                "{} name{} classes not in the label schema ({}); rename the column{} or add the label{} first (`arbiter labels`)",
                unknown.join(", "),
                if unknown.len() == 1 { "s" } else { "" },
                classes.join(", "),
                if unknown.len() == 1 { "" } else { "s" },
                if unknown.len() == 1 { "" } else { "s" },
            )));
        }
        let missing: Vec<String> = classes
            .iter()
            .filter(|k| !given.contains(&k.as_str()))
            .map(|k| format!("{prefix}{k}"))
            .collect();
        if !missing.is_empty() {
            problems.push(Problem::general(format!(
                "a vector of {} values for {} classes: {} missing — give a column for every class of the schema",
                given.len(),
                classes.len(),
                missing.join(", ")
            )));
        }
        Some(classes.iter().map(|k| format!("{prefix}{k}")).collect())
    };
    let probs = vector("p_");
    let logits = vector("logits_");
    let has = |c: &str| names.iter().any(|n| n == c);
    let top = has("predicted") || has("confidence");
    // With a full vector, `predicted` and `confidence` (as `predictions export` writes them
    // beside it) are not read.
    let shape = match (probs, logits, top) {
        (Some(cols), None, _) => Some(Shape::Vector {
            logits: false,
            cols,
        }),
        (None, Some(cols), _) => Some(Shape::Vector { logits: true, cols }),
        (None, None, true) => {
            if !has("predicted") || !has("confidence") {
                problems.push(Problem::general(format!(
                    "{} without {}: give both, or p_<class> columns for the full vector",
                    if has("predicted") {
                        "predicted"
                    } else {
                        "confidence"
                    },
                    if has("predicted") {
                        "confidence"
                    } else {
                        "predicted"
                    },
                )));
            }
            Some(Shape::Top)
        }
        (None, None, false) => {
            problems.push(Problem::general(format!(
                "no prediction columns: give p_<class> for every class ({}), logits_<class>, or predicted and confidence",
                classes.iter().map(|k| format!("p_{k}")).collect::<Vec<_>>().join(", ")
            )));
            None
        }
        _ => {
            problems.push(Problem::general(
                "both p_… and logits_… columns: keep one kind",
            ));
            None
        }
    };
    match shape {
        Some(s) if problems.is_empty() => Ok(s),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests;
