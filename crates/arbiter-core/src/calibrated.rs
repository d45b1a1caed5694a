//! Calibrated confidence as stored, read by the queues, the decisions and the export (the
//! `calibration` module fits and certifies; this one only reads, so every module may import
//! it): the temperature kept with a run — the synchronised setting `temperature:RUN_UID` — the
//! calibrated top-class probability under it, and the project's auto-accept register — the
//! synchronised setting `autoaccept` — with the items it accepts (the `auto_accepted` table,
//! which `calibration::refresh` rebuilds from the setting and the run's predictions), and the
//! drift verdict that makes a run's certificates stale — the synchronised setting
//! `autoaccept_stale:RUN_UID` (`drift::mark_stale` records it). All are last-writer-wins
//! setting events, so every replica holding the same events reads the same values.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Probabilities below this count as this in `ln p` (a zero would be minus infinity).
pub const FLOOR: f64 = 1e-12;

/// The setting key of a run's temperature.
pub fn temperature_key(run_uid: &str) -> String {
    format!("temperature:{run_uid}")
}

/// The setting key of the project's auto-accept register.
pub const AUTO_KEY: &str = "autoaccept";

/// `ln max(p, FLOOR)` of each probability: the logits temperature scaling divides.
pub fn log_probs(p: &[f32]) -> Vec<f64> {
    p.iter().map(|v| log_p(*v)).collect()
}

/// ln p, with p floored at [`FLOOR`].
fn log_p(v: f32) -> f64 {
    f64::from(v).max(FLOOR).ln()
}

/// The largest ln p of a vector (−∞ for an empty one).
fn max_log(p: &[f32]) -> f64 {
    p.iter()
        .map(|v| log_p(*v))
        .fold(f64::NEG_INFINITY, f64::max)
}

/// The top-class probability of softmax(ln p / t): `1 / Σ_j exp((z_j − z_max) / t)`. The
/// most probable class is the same for every t.
pub fn top_probability(p: &[f32], t: f64) -> f64 {
    let max = max_log(p);
    if !max.is_finite() {
        return 0.0;
    }
    let sum: f64 = p.iter().map(|v| ((log_p(*v) - max) / t).exp()).sum();
    1.0 / sum
}

/// softmax(ln p / t) of a probability vector, in place: the calibrated probabilities the
/// queues rank by (`--calibrated`). Returns the calibrated top-class probability, exactly
/// [`top_probability`]`(p, t)` (the same sum in the same order); an empty vector gives 0.
pub fn apply_temperature(p: &mut [f32], t: f64) -> f64 {
    let max = max_log(p);
    if !max.is_finite() {
        return 0.0;
    }
    // Each exp((ln p − max) / t) waits in its slot (within an f32's precision) while the sum
    // is taken in f64.
    let mut sum = 0f64;
    for v in p.iter_mut() {
        let e = ((log_p(*v) - max) / t).exp();
        sum += e;
        *v = e as f32;
    }
    for v in p.iter_mut() {
        *v = (f64::from(*v) / sum) as f32;
    }
    1.0 / sum
}

/// The setting key of the drift verdict that makes auto-accept certified on a run stale.
pub fn stale_key(run_uid: &str) -> String {
    format!("autoaccept_stale:{run_uid}")
}

/// Why auto-accept certified on a run is stale: a drift report found that newer data (CUR)
/// is unlike the run's data (REF), so the fair sample the threshold was certified on no longer
/// speaks for the data the model now sees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stale {
    /// The report's sides as described (`run 3 (wine@1)`, `wine@2`).
    pub reference: String,
    pub current: String,
    /// `dataset drift` (at least half the columns drifted) or `domain classifier` (AUC > 0.55).
    pub reason: String,
    /// The columns that drifted.
    pub columns: Vec<String>,
    pub share_drifted: Option<f64>,
    /// The domain classifier's ROC AUC, when it was fitted.
    pub domain_auc: Option<f64>,
    /// Who ran the report and when (from the event).
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub at: String,
}

/// The drift verdict recorded against a run, if any.
pub(crate) fn stale_in(conn: &Connection, run_uid: &str) -> Result<Option<Stale>> {
    let row: Option<(String, String, String)> = conn
        .prepare_cached(
            "SELECT value, actor, at FROM setting_events WHERE key = ?1 ORDER BY at DESC, uid DESC LIMIT 1",
        )?
        .query_row([stale_key(run_uid)], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.and_then(|(value, by, at)| {
        let mut s: Stale = serde_json::from_str(&value).ok()?;
        s.by = by;
        s.at = at;
        Some(s)
    }))
}

/// [`stale_in`] for a run by its local id.
pub fn stale(project: &crate::Project, run: i64) -> Result<Option<Stale>> {
    match run_uid(project.conn(), run)? {
        Some(uid) => stale_in(project.conn(), &uid),
        None => Ok(None),
    }
}

/// The latest value of a setting (by time, then uid), `None` without any event.
pub(crate) fn latest_setting(conn: &Connection, key: &str) -> Result<Option<serde_json::Value>> {
    let v: Option<String> = conn
        .prepare_cached(
            "SELECT value FROM setting_events WHERE key = ?1 ORDER BY at DESC, uid DESC LIMIT 1",
        )?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
}

/// A run's global id, once it travels as an event.
pub(crate) fn run_uid(conn: &Connection, run: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT uid FROM runs WHERE id = ?1", [run], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The temperature fitted for a run, if any (`calibrate`).
pub fn temperature(project: &crate::Project, run: i64) -> Result<Option<f64>> {
    temperature_in(project.conn(), run)
}

/// [`temperature`] on a connection the core already holds.
pub(crate) fn temperature_in(conn: &Connection, run: i64) -> Result<Option<f64>> {
    let Some(uid) = run_uid(conn, run)? else {
        return Ok(None);
    };
    Ok(latest_setting(conn, &temperature_key(&uid))?
        .and_then(|v| v.get("temperature").and_then(serde_json::Value::as_f64)))
}

/// The temperature of `run`, required: a run nobody calibrated is refused with what to do.
pub(crate) fn required_temperature(conn: &Connection, run: i64) -> Result<f64> {
    temperature_in(conn, run)?.ok_or_else(|| {
        crate::Error::InvalidArgument(format!(
            "run {run} has no calibrated confidence yet: fit its temperature on a fair sample first (calibrate the run), or rank by the model's own confidence"
        ))
    })
}

/// The auto-accept in force: what `autoaccept --apply` recorded, with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AutoAccept {
    /// The run's global id.
    pub run_uid: String,
    /// The run's id on this replica (not in the event).
    #[serde(skip)]
    pub run: i64,
    /// Items whose calibrated confidence is at least this are accepted.
    pub threshold: f64,
    pub temperature: f64,
    /// The fair sample's queue.
    pub sample: String,
    pub risk: f64,
    pub delta: f64,
    pub upper_bound: f64,
    pub sample_accepted: usize,
    pub sample_errors: usize,
    /// Who applied it and when (from the event).
    #[serde(default)]
    pub by: String,
    #[serde(default)]
    pub at: String,
    /// The setting event's uid.
    #[serde(default)]
    pub event: String,
    /// Applied although the run's data was known to have drifted (an explicit choice).
    #[serde(default)]
    pub despite_drift: bool,
    /// The drift verdict against the run, when its data drifted (not in the event: read from
    /// the run's `autoaccept_stale` setting).
    #[serde(default, skip_deserializing)]
    pub stale: Option<Stale>,
}

/// The auto-accept in force, if one is applied (not revoked) on a run this replica holds.
pub fn auto_accept(project: &crate::Project) -> Result<Option<AutoAccept>> {
    auto_accept_in(project.conn())
}

/// [`auto_accept`] on a connection the core already holds.
pub(crate) fn auto_accept_in(conn: &Connection) -> Result<Option<AutoAccept>> {
    let row: Option<(String, String, String, String)> = conn
        .prepare_cached(
            "SELECT value, actor, at, uid FROM setting_events WHERE key = ?1 ORDER BY at DESC, uid DESC LIMIT 1",
        )?
        .query_row([AUTO_KEY], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let Some((value, by, at, event)) = row else {
        return Ok(None);
    };
    let Ok(mut a) = serde_json::from_str::<AutoAccept>(&value) else {
        return Ok(None); // revoked (null)
    };
    let run: Option<i64> = conn
        .query_row("SELECT id FROM runs WHERE uid = ?1", [&a.run_uid], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(run) = run else {
        return Ok(None);
    };
    a.run = run;
    a.by = by;
    a.at = at;
    a.event = event;
    a.stale = stale_in(conn, &a.run_uid)?;
    Ok(Some(a))
}

/// The items the auto-accept in force accepts (the `auto_accepted` table `calibration::refresh`
/// keeps): item → (predicted label, when it was applied), of one dataset version if given.
pub(crate) fn accepted(
    conn: &Connection,
    version: Option<i64>,
) -> Result<std::collections::HashMap<i64, (String, String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.item_id, i.ext_id, a.label, a.at FROM auto_accepted a JOIN items i ON i.id = a.item_id
         WHERE ?1 IS NULL OR i.version_id = ?1",
    )?;
    let rows = stmt.query_map([version], |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One item's entry in [`accepted`]: (item id, label, applied at).
pub(crate) fn accepted_of(
    conn: &Connection,
    item: i64,
) -> Result<Option<(String, String, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT i.ext_id, a.label, a.at FROM auto_accepted a JOIN items i ON i.id = a.item_id WHERE a.item_id = ?1",
        )?
        .query_row([item], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?)
}
