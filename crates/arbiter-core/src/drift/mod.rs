//! Drift: is today's data still the data the model and the labels were made for?
//! Feature drift between two dataset versions (or the versions of two runs) by Evidently's
//! default tests (`stats.rs`), prediction drift and a label-free accuracy estimate between
//! two runs (`predictions.rs`), and a domain classifier that ranks the current items least
//! like the reference, saved as a queue (`domain.rs`).
//!
//! A side (`REF`, `CUR`) is a run id or `DATASET[@VERSION]`. Refused, with nothing written:
//! a reference with fewer than [`MIN_REFERENCE`] rows, versions without a feature column in
//! common (unless both sides are runs of featureless data: then predictions alone), a column
//! missing in every row of a side, a run without probability vectors.
//!
//! A report that finds the data of the auto-accept in force drifted marks it stale
//! ([`staleness`] states the rule, [`mark_stale`] records it as a synchronised setting).

pub mod domain;
pub mod kolmogorov;
pub mod predictions;
pub mod stats;

use rayon::prelude::*;
use rusqlite::Connection;
use serde::Serialize;

use crate::dataset::VersionInfo;
use crate::error::{Error, Result};
use crate::predict::RunSummary;
use crate::store::Project;

pub use domain::DomainClassifier;
pub use predictions::{estimated_accuracy, EstimatedAccuracy, PredictionDrift};
pub use stats::{Histogram, Kind, Method, Outcome, Test};

/// Fewer reference rows than this are refused: no test says anything useful on them.
pub const MIN_REFERENCE: usize = 30;
/// Dataset drift when at least this share of the columns drifted (Evidently's default).
pub const DRIFT_SHARE: f64 = 0.5;
/// Bins of the histograms drawn for people.
const HISTOGRAM_BINS: usize = 20;

/// One side of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// As given (`3`, `wine@2`).
    pub spec: String,
    pub dataset: String,
    pub version: i64,
    pub version_id: i64,
    pub run: Option<i64>,
    pub rows: usize,
}

impl Side {
    /// `run 3 (wine@2)` or `wine@2`.
    pub fn describe(&self) -> String {
        match self.run {
            Some(r) => format!("run {r} ({}@{})", self.dataset, self.version),
            None => format!("{}@{}", self.dataset, self.version),
        }
    }
}

/// One feature column's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnDrift {
    pub column: String,
    pub kind: Kind,
    pub test: Test,
    pub statistic: f64,
    pub threshold: f64,
    pub drifted: bool,
    /// PSI only: `minor` below 0.1, `moderate` below 0.25, else `major`.
    pub band: Option<&'static str>,
    /// Rows without a value, left out of the test.
    pub reference_missing: usize,
    pub current_missing: usize,
    pub histogram: Histogram,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    #[serde(rename = "ref")]
    pub reference: Side,
    #[serde(rename = "cur")]
    pub current: Side,
    /// `default` (Evidently's tests) or `psi`.
    pub method: &'static str,
    pub columns: Vec<ColumnDrift>,
    /// Feature columns of one side only, left out.
    pub only_in_reference: Vec<String>,
    pub only_in_current: Vec<String>,
    pub drifted_columns: usize,
    pub share_drifted: Option<f64>,
    pub dataset_drift: bool,
    pub predictions: Option<PredictionDrift>,
    pub estimated_accuracy: Option<EstimatedAccuracy>,
    pub domain_classifier: Option<DomainClassifier>,
    /// The auto-accept in force, when this report makes it stale ([`mark_stale`] fills it).
    pub auto_accept_stale: Option<StaleAutoAccept>,
}

/// The auto-accept in force that a report finds stale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaleAutoAccept {
    pub run: i64,
    pub threshold: f64,
    /// The verdict against the run (the first one recorded, when it was already stale).
    pub verdict: crate::calibrated::Stale,
    /// Whether this report recorded it (false: an earlier report had).
    pub recorded: bool,
}

/// What to compute.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub method: Method,
    /// Also fit the domain classifier (its AUC); saving a queue always does.
    pub domain_classifier: bool,
}

/// The PSI band of a value.
pub fn psi_band(psi: f64) -> &'static str {
    if psi < 0.1 {
        "minor"
    } else if psi < 0.25 {
        "moderate"
    } else {
        "major"
    }
}

/// A resolved side with its feature table.
pub(crate) struct Loaded {
    pub side: Side,
    pub run: Option<RunSummary>,
    pub feature_names: Vec<String>,
    /// Column-major, NaN = missing, rows in item order.
    pub features: Vec<Vec<f64>>,
    /// Item ids in order.
    pub items: Vec<i64>,
}

/// Resolve `spec` (a run id, or `DATASET[@VERSION]`).
pub(crate) fn resolve(conn: &Connection, spec: &str) -> Result<(Side, Option<RunSummary>)> {
    let spec = spec.trim();
    let (version, run): (VersionInfo, Option<RunSummary>) = match spec.parse::<i64>() {
        Ok(id) => {
            let run = crate::predict::run_summary(conn, id, None)?;
            (crate::dataset::version(conn, run.version_id)?, Some(run))
        }
        Err(_) => (crate::dataset::resolve_in(conn, spec)?, None),
    };
    let dataset = crate::dataset::list_in(conn)?
        .into_iter()
        .find(|d| d.versions.iter().any(|v| v.id == version.id))
        .map(|d| d.name)
        .unwrap_or_default();
    Ok((
        Side {
            spec: spec.to_string(),
            dataset,
            version: version.version,
            version_id: version.id,
            run: run.as_ref().map(|r| r.run),
            rows: version.items as usize,
        },
        run,
    ))
}

pub(crate) fn load(conn: &Connection, spec: &str) -> Result<Loaded> {
    let (side, run) = resolve(conn, spec)?;
    let info = crate::dataset::version(conn, side.version_id)?;
    let (items, features) = read_features(conn, side.version_id, info.feature_names.len())?;
    Ok(Loaded {
        side,
        run,
        feature_names: info.feature_names,
        features,
        items,
    })
}

/// A version's items and feature columns (column-major, NaN = missing).
fn read_features(
    conn: &Connection,
    version_id: i64,
    width: usize,
) -> Result<(Vec<i64>, Vec<Vec<f64>>)> {
    // A version's items occupy a contiguous rowid range: a range scan, not an index lookup.
    let (first, count): (i64, i64) = conn.query_row(
        "SELECT first_rowid, item_count FROM dataset_versions WHERE id = ?1",
        [version_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut stmt = conn.prepare(
        "SELECT id, features FROM items WHERE id >= ?1 AND id < ?2 AND version_id = ?3 ORDER BY id",
    )?;
    let mut rows = stmt.query([first, first + count, version_id])?;
    // Sized up front: a million rows grown by doubling spend their time copying and faulting.
    let mut items = Vec::with_capacity(count.max(0) as usize);
    let mut cols: Vec<Vec<f64>> = (0..width)
        .map(|_| Vec::with_capacity(count.max(0) as usize))
        .collect();
    while let Some(r) = rows.next()? {
        items.push(r.get::<_, i64>(0)?);
        let blob = r.get_ref(1)?;
        let bytes = blob
            .as_blob_or_null()
            .map_err(rusqlite::Error::from)?
            .unwrap_or(&[]);
        for (c, col) in cols.iter_mut().enumerate() {
            let v = bytes.get(c * 8..c * 8 + 8).map_or(f64::NAN, |b| {
                f64::from_le_bytes(b.try_into().expect("8 bytes"))
            });
            col.push(v);
        }
    }
    Ok((items, cols))
}

/// The feature columns both sides have, in the reference's order: (name, ref index, cur index).
pub(crate) fn common_columns(reference: &Loaded, current: &Loaded) -> Vec<(String, usize, usize)> {
    reference
        .feature_names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| {
            let j = current.feature_names.iter().position(|m| m == n)?;
            Some((n.clone(), i, j))
        })
        .collect()
}

/// Compare `reference` and `current` (each a run id or `DATASET[@VERSION]`).
pub fn report(
    project: &Project,
    reference: &str,
    current: &str,
    options: Options,
) -> Result<DriftReport> {
    report_in(project.conn(), project.root(), reference, current, options).map(|(r, _, _)| r)
}

pub(crate) fn report_in(
    conn: &Connection,
    root: &std::path::Path,
    reference: &str,
    current: &str,
    options: Options,
) -> Result<(DriftReport, Loaded, Loaded)> {
    let r = load(conn, reference)?;
    let c = load(conn, current)?;
    if r.side.rows < MIN_REFERENCE {
        return Err(Error::InvalidArgument(format!(
            "the reference {} has {} rows; drift needs at least {MIN_REFERENCE} (pick a larger reference version)",
            r.side.describe(),
            r.side.rows
        )));
    }
    if c.side.rows == 0 {
        return Err(Error::InvalidArgument(format!(
            "the current side {} has no rows",
            c.side.describe()
        )));
    }
    let common = common_columns(&r, &c);
    let both_runs = r.run.is_some() && c.run.is_some();
    if common.is_empty()
        && (!r.feature_names.is_empty() || !c.feature_names.is_empty() || !both_runs)
    {
        return Err(Error::InvalidArgument(format!(
            "{} and {} have no feature column in common ({} has {}; {} has {}); compare versions of one tabular dataset, or two runs",
            r.side.describe(),
            c.side.describe(),
            r.side.describe(),
            names_or_none(&r.feature_names),
            c.side.describe(),
            names_or_none(&c.feature_names),
        )));
    }
    let columns = feature_drift(&r, &c, &common, options.method)?;
    let drifted = columns.iter().filter(|c| c.drifted).count();
    let share = (!columns.is_empty()).then(|| drifted as f64 / columns.len() as f64);
    let (predictions, estimated) = match (&r.run, &c.run) {
        (Some(a), Some(b)) => {
            let (p, e) = predictions::compare(conn, root, a, b)?;
            (Some(p), Some(e))
        }
        _ => (None, None),
    };
    let domain = if options.domain_classifier {
        Some(domain::fit(conn, root, &r, &c, &common)?.0)
    } else {
        None
    };
    let report = DriftReport {
        method: match options.method {
            Method::Default => "default",
            Method::Psi => "psi",
        },
        drifted_columns: drifted,
        share_drifted: share,
        dataset_drift: share.is_some_and(|s| s >= DRIFT_SHARE),
        only_in_reference: only_in(&r, &c),
        only_in_current: only_in(&c, &r),
        columns,
        predictions,
        estimated_accuracy: estimated,
        domain_classifier: domain,
        auto_accept_stale: None,
        reference: r.side.clone(),
        current: c.side.clone(),
    };
    Ok((report, r, c))
}

/// The rule that makes auto-accept stale: the auto-accept in force was certified on run R of
/// dataset version V; a report whose reference is V (R itself, another run on V, or the
/// version) and whose current side is other data finds drift — dataset drift (at least half
/// the columns) or, when fitted, the domain classifier (ROC AUC > 0.55). Returns the auto-accept
/// and the verdict, or `None` (no auto-accept, other reference data, or no drift). Reads only.
pub fn staleness(
    conn: &Connection,
    report: &DriftReport,
) -> Result<Option<(crate::calibrated::AutoAccept, crate::calibrated::Stale)>> {
    let Some(a) = crate::calibrated::auto_accept_in(conn)? else {
        return Ok(None);
    };
    let version: i64 =
        conn.query_row("SELECT version_id FROM runs WHERE id = ?1", [a.run], |r| {
            r.get(0)
        })?;
    let domain = report.domain_classifier.as_ref().filter(|d| d.drifted);
    if report.reference.version_id != version
        || report.current.version_id == version
        || !(report.dataset_drift || domain.is_some())
    {
        return Ok(None);
    }
    let verdict = crate::calibrated::Stale {
        reference: report.reference.describe(),
        current: report.current.describe(),
        reason: if report.dataset_drift {
            "dataset drift".into()
        } else {
            "domain classifier".into()
        },
        columns: report
            .columns
            .iter()
            .filter(|c| c.drifted)
            .map(|c| c.column.clone())
            .collect(),
        share_drifted: report.share_drifted,
        domain_auc: report.domain_classifier.as_ref().map(|d| d.roc_auc),
        by: String::new(),
        at: String::new(),
    };
    Ok(Some((a, verdict)))
}

/// Apply [`staleness`]: when `report` makes the auto-accept in force stale and no verdict is
/// recorded against its run yet, record one (the synchronised setting
/// `autoaccept_stale:RUN_UID`, audited as `autoaccept.stale`, by `arbiter`: the drift check,
/// not a person); fill `report.auto_accept_stale` either way. Decisions do not change: the
/// auto-accept stays in force until a lead revokes it.
pub fn mark_stale(conn: &Connection, report: &mut DriftReport) -> Result<()> {
    let Some((a, verdict)) = staleness(conn, report)? else {
        return Ok(());
    };
    let (verdict, recorded) = match a.stale {
        Some(earlier) => (earlier, false),
        None => {
            let tx = conn.unchecked_transaction()?;
            let mut value = serde_json::to_value(&verdict).unwrap_or_default();
            if let Some(o) = value.as_object_mut() {
                o.remove("by");
                o.remove("at");
            }
            crate::identity::record_setting(
                &tx,
                &crate::calibrated::stale_key(&a.run_uid),
                &value,
                "arbiter",
            )?;
            value["run"] = serde_json::json!(a.run);
            value["autoaccept_event"] = serde_json::json!(a.event);
            crate::audit::record(&tx, "arbiter", "autoaccept.stale", &value)?;
            tx.commit()?;
            let recorded = crate::calibrated::stale_in(conn, &a.run_uid)?.unwrap_or(verdict);
            (recorded, true)
        }
    };
    report.auto_accept_stale = Some(StaleAutoAccept {
        run: a.run,
        threshold: a.threshold,
        verdict,
        recorded,
    });
    Ok(())
}

/// [`report`], then [`mark_stale`]: what `arbiter drift` and the Drift screen run.
pub fn report_and_mark(
    project: &Project,
    reference: &str,
    current: &str,
    options: Options,
) -> Result<DriftReport> {
    let mut r = report(project, reference, current, options)?;
    mark_stale(project.conn(), &mut r)?;
    Ok(r)
}

fn only_in(a: &Loaded, b: &Loaded) -> Vec<String> {
    a.feature_names
        .iter()
        .filter(|n| !b.feature_names.contains(n))
        .cloned()
        .collect()
}

fn names_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

fn present(values: &[f64]) -> Vec<f64> {
    values.iter().copied().filter(|v| v.is_finite()).collect()
}

fn feature_drift(
    r: &Loaded,
    c: &Loaded,
    common: &[(String, usize, usize)],
    method: Method,
) -> Result<Vec<ColumnDrift>> {
    common
        .par_iter()
        .map(|(name, i, j)| {
            // Sorted once here: every test and the histogram then walk them in order.
            let mut a = present(&r.features[*i]);
            let mut b = present(&c.features[*j]);
            stats::sort_values(&mut a);
            stats::sort_values(&mut b);
            for (values, side) in [(&a, &r.side), (&b, &c.side)] {
                if values.is_empty() {
                    return Err(Error::InvalidArgument(format!(
                        "column {name:?} has no value in any row of {}; re-import it without that column (--features) or fill it",
                        side.describe()
                    )));
                }
            }
            let o = stats::test_column(&a, &b, method);
            Ok(ColumnDrift {
                column: name.clone(),
                kind: o.kind,
                test: o.test,
                statistic: o.statistic,
                threshold: o.threshold,
                drifted: o.drifted,
                band: (o.test == Test::Psi).then(|| psi_band(o.statistic)),
                reference_missing: r.features[*i].len() - a.len(),
                current_missing: c.features[*j].len() - b.len(),
                histogram: stats::histogram(&a, &b, o.kind, HISTOGRAM_BINS),
            })
        })
        .collect()
}

/// Compare, then save `name`: CUR's items ranked by the domain classifier's out-of-fold
/// probability of being current (least like the reference first) as a saved queue of CUR's
/// run (with CUR a dataset version, its newest finished run). Nothing is written on error.
pub fn save_queue(
    project: &mut Project,
    reference: &str,
    current: &str,
    options: Options,
    name: &str,
    limit: Option<usize>,
) -> Result<(DriftReport, crate::review::SavedQueue)> {
    let (mut report, r, c) =
        report_in(project.conn(), project.root(), reference, current, options)?;
    let common = common_columns(&r, &c);
    let (classifier, ranked) = domain::fit(project.conn(), project.root(), &r, &c, &common)?;
    let run = match c.run {
        Some(ref run) => run.run,
        None => newest_run(project.conn(), c.side.version_id)?.ok_or_else(|| {
            Error::InvalidArgument(format!(
                "a queue is made of a run's items and {} has no finished run; run a model on it first (`arbiter predict`)",
                c.side.describe()
            ))
        })?,
    };
    report.domain_classifier = Some(classifier);
    let queue = crate::review::create_ranked(
        project,
        &crate::review::QueueCreate {
            name: name.to_string(),
            spec: crate::queue::QueueSpec {
                run,
                strategy: crate::queue::Strategy::Drift,
                other_run: None,
                threshold: None,
                seed: 0,
                calibrated: false,
            },
            limit,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
        ranked,
    )?;
    mark_stale(project.conn(), &mut report)?;
    Ok((report, queue))
}

fn newest_run(conn: &Connection, version_id: i64) -> Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT id FROM runs WHERE version_id = ?1 AND status = 'done' ORDER BY id DESC LIMIT 1",
            [version_id],
            |r| r.get(0),
        )
        .optional()?)
}

#[cfg(test)]
pub(crate) mod tests;
