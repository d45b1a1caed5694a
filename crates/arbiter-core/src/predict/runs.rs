//! Run records and what they produced: a run's summary (with its model and dataset version),
//! the items it failed and why, predictions per item (in full, or as the top classes people
//! see), and the export of a run's predictions to a table.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model;
use crate::store::Project;

use super::unpack;

/// What a run did, shaped as the CLI's JSON contract (`notice`, `status`, … added).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub run: i64,
    pub items: u64,
    pub failed: u64,
    /// The execution provider actually used.
    pub device: String,
    pub requested_device: crate::model::runtime::Device,
    pub notice: Option<String>,
    pub seconds: f64,
    pub items_per_second: f64,
    pub model_seconds: f64,
    pub status: RunStatus,
    pub model: String,
    pub dataset: String,
    /// The model version and dataset version the run is of.
    pub model_id: i64,
    pub version_id: i64,
    /// The temperature `calibrate` fitted for the run (calibrated confidence), if any.
    pub temperature: Option<f64>,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Done,
    Cancelled,
    Failed,
    /// Stopped without finishing (the process ended); `arbiter predict --resume` continues it.
    Interrupted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Cancelled => "cancelled",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

impl std::str::FromStr for RunStatus {
    type Err = Error;
    fn from_str(s: &str) -> Result<RunStatus> {
        match s {
            "running" => Ok(RunStatus::Running),
            "done" => Ok(RunStatus::Done),
            "cancelled" => Ok(RunStatus::Cancelled),
            "failed" => Ok(RunStatus::Failed),
            "interrupted" => Ok(RunStatus::Interrupted),
            o => Err(Error::InvalidArgument(format!(
                "run status {o:?}: use running, done, cancelled, failed or interrupted"
            ))),
        }
    }
}

sql_from_str!(RunStatus, crate::model::runtime::Device);

/// The error for a run in which every item failed, with the first reasons.
pub(super) fn all_failed(conn: &Connection, run: i64, failed: u64) -> Result<Error> {
    let reasons: Vec<(String, String)> = conn
        .prepare(
            "SELECT i.ext_id, p.error FROM predictions p JOIN items i ON i.id = p.item_id
             WHERE p.run_id = ?1 AND p.error IS NOT NULL ORDER BY p.item_id LIMIT 3",
        )?
        .query_map([run], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let listed: Vec<String> = reasons
        .iter()
        .map(|(id, why)| format!("\n  {id}: {why}"))
        .collect();
    Ok(Error::InvalidArgument(format!(
        "run {run}: all {failed} item(s) failed, so there are no predictions (see `arbiter runs --failures {run}`); the first reasons:{}",
        listed.concat()
    )))
}

/// The columns of a run's summary (see [`summary_row`]).
const RUN_COLS: &str = "SELECT r.id, r.items_done, r.items_failed, r.provider, r.device, r.notice, r.seconds, r.model_seconds, r.status,
                m.name || '@' || m.version, d.name || '@' || v.version, r.model_id, r.version_id,
                (SELECT s.value FROM setting_events s WHERE s.key = 'temperature:' || r.uid ORDER BY s.at DESC, s.uid DESC LIMIT 1)
         FROM runs r JOIN models m ON m.id = r.model_id JOIN dataset_versions v ON v.id = r.version_id JOIN datasets d ON d.id = v.dataset_id";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunSummary> {
    let items: i64 = r.get(1)?;
    let seconds: f64 = r.get(6)?;
    Ok(RunSummary {
        run: r.get(0)?,
        items: items as u64,
        failed: r.get::<_, i64>(2)? as u64,
        device: r.get(3)?,
        requested_device: r.get(4)?,
        notice: r.get(5)?,
        seconds,
        items_per_second: if seconds > 0.0 {
            items as f64 / seconds
        } else {
            0.0
        },
        model_seconds: r.get(7)?,
        status: r.get(8)?,
        model: r.get(9)?,
        dataset: r.get(10)?,
        model_id: r.get(11)?,
        version_id: r.get(12)?,
        // The latest `temperature:RUN_UID` setting, as `calibrated::temperature` reads it.
        temperature: r
            .get::<_, Option<String>>(13)?
            .and_then(|v| serde_json::from_str::<serde_json::Value>(&v).ok())
            .and_then(|v| v.get("temperature").and_then(serde_json::Value::as_f64)),
    })
}

/// A run's summary from the database (`notice`, when given, replaces the stored one).
pub(crate) fn run_summary(
    conn: &Connection,
    run: i64,
    notice: Option<String>,
) -> Result<RunSummary> {
    let mut s = conn
        .query_row(&format!("{RUN_COLS} WHERE r.id = ?1"), [run], summary_row)
        .optional()?
        .ok_or(Error::NotFound {
            what: "run",
            name: run.to_string(),
        })?;
    if notice.is_some() {
        s.notice = notice;
    }
    Ok(s)
}

/// Every run, newest first, in one query.
pub fn runs(project: &crate::Project) -> Result<Vec<RunSummary>> {
    let conn = project.conn();
    let mut stmt = conn.prepare(&format!("{RUN_COLS} ORDER BY r.id DESC"))?;
    let rows = stmt.query_map([], summary_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An inference run in progress, as its row says (each finished batch updates it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Running {
    pub run: i64,
    /// `name@version` of the model and of the dataset.
    pub model: String,
    pub dataset: String,
    pub done: u64,
    pub failed: u64,
    pub total: u64,
}

/// The runs whose status is `running`, oldest first: what any process (the desktop app, `arbiter
/// predict`) is working on now. A process that died mid-run leaves its run `running` until the
/// project is next opened ([`crate::Project::open`] marks it `interrupted`).
pub fn running(project: &crate::Project) -> Result<Vec<Running>> {
    let mut stmt = project.conn().prepare_cached(
        "SELECT r.id, m.name || '@' || m.version, d.name || '@' || v.version, r.items_done,
                r.items_failed, r.items_total
         FROM runs r JOIN models m ON m.id = r.model_id JOIN dataset_versions v ON v.id = r.version_id
              JOIN datasets d ON d.id = v.dataset_id
         WHERE r.status = 'running' ORDER BY r.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Running {
            run: r.get(0)?,
            model: r.get(1)?,
            dataset: r.get(2)?,
            done: r.get::<_, i64>(3)? as u64,
            failed: r.get::<_, i64>(4)? as u64,
            total: r.get::<_, i64>(5)? as u64,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The class names of a run's model, in output order; refused, naming the run, when there is
/// no such run.
pub(crate) fn run_classes(
    conn: &Connection,
    root: &std::path::Path,
    run: i64,
) -> Result<Vec<String>> {
    let model_id: i64 = conn
        .query_row("SELECT model_id FROM runs WHERE id = ?1", [run], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or(Error::NotFound {
            what: "run",
            name: format!("{run} (see `arbiter runs`)"),
        })?;
    Ok(model::get(conn, root, model_id)?.classes)
}

/// A prediction as people see it: the predicted class and its confidence, the classes in
/// order of probability (at most `k`), or why the item failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopPrediction {
    pub run: i64,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    /// (class, probability), most probable first.
    pub top: Vec<(String, f32)>,
    pub error: Option<String>,
}

/// An item's prediction in a run with its `k` most probable classes; `None` before the run
/// reached the item.
pub fn top_k(
    project: &crate::Project,
    run: i64,
    item: i64,
    k: usize,
) -> Result<Option<TopPrediction>> {
    let conn = project.conn();
    let classes = run_classes(conn, project.root(), run)?;
    let Some(p) = prediction_of(conn, run, item, &classes)? else {
        return Ok(None);
    };
    let mut top: Vec<(String, f32)> = classes
        .into_iter()
        .zip(p.probabilities.iter().copied())
        .collect();
    top.sort_by(|a, b| b.1.total_cmp(&a.1));
    top.truncate(k);
    Ok(Some(TopPrediction {
        run,
        predicted: p.predicted,
        confidence: p.confidence,
        top,
        error: p.error,
    }))
}

/// An item a run could not predict, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub item_id: String,
    pub error: String,
}

/// The items a run failed, in item order (at most `limit`), and how many there are in all.
pub fn failures(project: &crate::Project, run: i64, limit: usize) -> Result<(u64, Vec<Failure>)> {
    let conn = project.conn();
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM runs WHERE id = ?1)",
        [run],
        |r| r.get(0),
    )?;
    if !exists {
        return Err(Error::NotFound {
            what: "run",
            name: format!("{run} (see `arbiter runs`)"),
        });
    }
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM predictions WHERE run_id = ?1 AND error IS NOT NULL",
        [run],
        |r| r.get(0),
    )?;
    let list = conn
        .prepare(
            "SELECT i.ext_id, p.error FROM predictions p JOIN items i ON i.id = p.item_id
             WHERE p.run_id = ?1 AND p.error IS NOT NULL ORDER BY p.item_id LIMIT ?2",
        )?
        .query_map(
            rusqlite::params![run, limit.min(i64::MAX as usize) as i64],
            |r| {
                Ok(Failure {
                    item_id: r.get(0)?,
                    error: r.get(1)?,
                })
            },
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok((total as u64, list))
}

/// One item's prediction in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    pub item: i64,
    pub ext_id: String,
    pub predicted: Option<String>,
    pub confidence: Option<f32>,
    pub probabilities: Vec<f32>,
    pub error: Option<String>,
}

/// One item's prediction in a run, or `None` if the run has not reached it.
pub(crate) fn item_prediction(
    conn: &Connection,
    root: &std::path::Path,
    run: i64,
    item: i64,
) -> Result<Option<Prediction>> {
    prediction_of(conn, run, item, &run_classes(conn, root, run)?)
}

/// An item's prediction in a run whose classes the caller has read.
fn prediction_of(
    conn: &Connection,
    run: i64,
    item: i64,
    classes: &[String],
) -> Result<Option<Prediction>> {
    Ok(conn
        .query_row(
            "SELECT p.item_id, i.ext_id, p.predicted, p.confidence, p.probs, p.error
             FROM predictions p JOIN items i ON i.id = p.item_id WHERE p.run_id = ?1 AND p.item_id = ?2",
            [run, item],
            |r| prediction_row(r, classes),
        )
        .optional()?)
}

fn prediction_row(r: &rusqlite::Row<'_>, classes: &[String]) -> rusqlite::Result<Prediction> {
    let predicted: Option<i64> = r.get(2)?;
    let probs: Option<Vec<u8>> = r.get(4)?;
    Ok(Prediction {
        item: r.get(0)?,
        ext_id: r.get(1)?,
        predicted: predicted.and_then(|i| classes.get(i as usize).cloned()),
        confidence: r.get::<_, Option<f64>>(3)?.map(|c| c as f32),
        probabilities: probs.map(|b| unpack(&b, classes.len())).unwrap_or_default(),
        error: r.get(5)?,
    })
}

/// Every prediction of a run in item order, with the class names.
pub fn predictions(project: &crate::Project, run: i64) -> Result<(Vec<String>, Vec<Prediction>)> {
    predictions_in(project.conn(), project.root(), run)
}

/// [`predictions`] on a connection or transaction the core already holds.
pub(crate) fn predictions_in(
    conn: &Connection,
    root: &std::path::Path,
    run: i64,
) -> Result<(Vec<String>, Vec<Prediction>)> {
    let classes = run_classes(conn, root, run)?;
    let mut stmt = conn.prepare(
        "SELECT p.item_id, i.ext_id, p.predicted, p.confidence, p.probs, p.error
         FROM predictions p JOIN items i ON i.id = p.item_id WHERE p.run_id = ?1 ORDER BY p.item_id",
    )?;
    let rows = stmt.query_map([run], |r| prediction_row(r, &classes))?;
    let preds = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((classes, preds))
}

/// Write a run's predictions to `out`, format from the extension (.csv, .parquet, .jsonl):
/// `item_id, predicted, confidence, p_<class>..., error`, one row per item in source order; a
/// failed item has empty predicted/confidence/probabilities and its reason in `error`. The
/// destination is checked against the project's own files and its datasets' sources, and
/// written to a temporary renamed into place.
pub fn export(project: &Project, run: i64, out: &std::path::Path) -> Result<usize> {
    use crate::table::{self, TableFormat};
    use polars::prelude::*;
    let all = [TableFormat::Csv, TableFormat::Parquet, TableFormat::Jsonl];
    TableFormat::from_path(out, &all)?;
    let (classes, preds) = predictions(project, run)?;
    let mut columns: Vec<Column> = vec![
        Column::new(
            "item_id".into(),
            preds.iter().map(|p| p.ext_id.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "predicted".into(),
            preds
                .iter()
                .map(|p| p.predicted.as_deref())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "confidence".into(),
            preds
                .iter()
                .map(|p| p.confidence.map(f64::from))
                .collect::<Vec<_>>(),
        ),
    ];
    for (i, c) in classes.iter().enumerate() {
        let values: Vec<Option<f64>> = preds
            .iter()
            .map(|p| p.probabilities.get(i).map(|v| f64::from(*v)))
            .collect();
        columns.push(Column::new(format!("p_{c}").into(), values));
    }
    columns.push(Column::new(
        "error".into(),
        preds.iter().map(|p| p.error.as_deref()).collect::<Vec<_>>(),
    ));
    let mut df = DataFrame::new(preds.len(), columns).map_err(|e| table::build_err(out, e))?;
    table::write(Some(project), &mut df, out, &all)?;
    Ok(preds.len())
}
