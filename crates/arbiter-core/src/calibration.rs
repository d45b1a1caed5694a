//! Calibration of a run's confidence and certified auto-accept, learned from a fair sample
//! ([`sample`]: the decided items of a random queue saved without a threshold).
//!
//! **Temperature scaling** (`calibrate`): with z = ln max(p, 1e-12) of an item's probability
//! vector, the calibrated probabilities are softmax(z / T). T minimises the mean negative
//! log-likelihood of the sample's decided labels, T in [0.05, 20], by golden-section search on
//! ln T to 1e-10 (so T to well under 1e-6 relative): the NLL is convex in 1/T, so unimodal in
//! ln T. Items whose decided label is not one of the model's classes carry no information about
//! T and are left out of the NLL (they count as errors everywhere else). "Before" is T = 1
//! (softmax(ln p), the stored vector renormalised). ECE and reliability bins are
//! `metrics::quality::reliability` over the sample's (top-class probability, correct) pairs,
//! `bins` equal-width bins with edges k/bins. T is kept with the run as the synchronised
//! setting `temperature:RUN_UID` (audited), so every replica reads the same T.
//!
//! **Auto-accept** (`autoaccept`): Learn-then-Test with fixed-sequence testing. c = the
//! calibrated top-class probability (under the run's T, 1 before any calibration); candidates
//! λ = the distinct c of the sample's decided items, descending; at each λ, n = sample items
//! with c ≥ λ and k = those whose decided label differs from the prediction; the p-value is
//! P(Binomial(n, α) ≤ k). Candidates with n < n_min = ⌈ln δ / ln(1 − α)⌉ (where even k = 0
//! cannot pass) are skipped; from the first with n ≥ n_min, testing stops at the first λ with
//! p > δ. The threshold is the last λ that passed; its bound is the one-sided (1 − δ)
//! Clopper–Pearson upper limit of k/n; coverage is the share of the run's items (failed ones
//! included) with c ≥ threshold. With no λ passing the status is `insufficient` and
//! `labels_needed` = n_min. `--apply` records the synchronised setting `autoaccept` (the run,
//! threshold, T, sample, α, δ): every item of the run at or above the threshold that no person
//! labeled is decided by the rule `auto` (`decide`), on every replica alike; a person's label
//! always wins; revoking records `null`. **Stale**: once a drift report finds the run's data
//! (REF: its dataset version) unlike newer data (`drift::mark_stale`), every certificate on the
//! run shows that verdict, and applying one takes an explicit choice ([`apply_with`]).

pub mod sample;
pub mod stats;

use rusqlite::OptionalExtension;
use serde::Serialize;

pub use sample::{fair_sample, unfair_reason, Sample, SampleItem, MIN_ITEMS};

use crate::calibrated::{self, AutoAccept};
use crate::error::{Error, Result};
use crate::metrics::quality::{reliability, Bin};

/// The bounds of the temperature.
pub const T_MIN: f64 = 0.05;
pub const T_MAX: f64 = 20.0;

/// Mean negative log-likelihood of the labels under softmax(z / t), over (log-probabilities,
/// label) pairs with a label (`None` when there is none).
pub fn nll(items: &[(Vec<f64>, usize)], t: f64) -> Option<f64> {
    if items.is_empty() {
        return None;
    }
    let mut sum = 0.0;
    for (z, y) in items {
        let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lse = max / t + z.iter().map(|v| ((v - max) / t).exp()).sum::<f64>().ln();
        sum += lse - z[*y] / t;
    }
    Some(sum / items.len() as f64)
}

/// The temperature minimising [`nll`] on [T_MIN, T_MAX] (1 without items).
pub fn fit_temperature(items: &[(Vec<f64>, usize)]) -> f64 {
    if items.is_empty() {
        return 1.0;
    }
    let u = stats::golden_section(
        |u| nll(items, u.exp()).unwrap_or(0.0),
        T_MIN.ln(),
        T_MAX.ln(),
        1e-10,
    );
    u.exp().clamp(T_MIN, T_MAX)
}

/// The bound of the search T stopped at, if it did ([`T_MIN`] or [`T_MAX`]): the sample's
/// likelihood wants a T beyond it, so T is the bound, not the optimum — a sample with no
/// errors (or almost none) among confident predictions pulls T towards 0, one whose labels
/// ignore the predictions pulls it up.
pub fn bound_reached(t: f64) -> Option<f64> {
    [T_MIN, T_MAX]
        .into_iter()
        .find(|b| (t / b - 1.0).abs() < 1e-6)
}

/// What `calibrate` fitted and how it changed the sample's calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    pub run: i64,
    pub sample: String,
    /// Decided items of the sample.
    pub items: usize,
    pub temperature: f64,
    /// The search bound T stopped at ([`bound_reached`]), if it did.
    pub at_bound: Option<f64>,
    pub nll_before: Option<f64>,
    pub nll_after: Option<f64>,
    pub ece_before: Option<f64>,
    pub ece_after: Option<f64>,
    pub bins_before: Vec<Bin>,
    pub bins_after: Vec<Bin>,
}

/// Temperature scaling on a sample (nothing read or written).
pub fn calibrate_sample(s: &Sample, bins: usize) -> Calibration {
    let fit: Vec<(Vec<f64>, usize)> = s
        .items
        .iter()
        .filter_map(|i| Some((calibrated::log_probs(&i.probabilities), i.label?)))
        .collect();
    let t = fit_temperature(&fit);
    let pairs = |t: f64| {
        s.items.iter().map(move |i| {
            (
                calibrated::top_probability(&i.probabilities, t),
                !i.is_error(),
            )
        })
    };
    let (ece_before, bins_before) = reliability(pairs(1.0), bins);
    let (ece_after, bins_after) = reliability(pairs(t), bins);
    Calibration {
        run: s.run,
        sample: s.queue.name.clone(),
        items: s.items.len(),
        temperature: t,
        at_bound: bound_reached(t),
        nll_before: nll(&fit, 1.0),
        nll_after: nll(&fit, t),
        ece_before,
        ece_after,
        bins_before,
        bins_after,
    }
}

/// Fit the run's temperature on the fair sample `queue` (`bins` reliability bins) and keep it
/// with the run (a synchronised setting, audited); `by` names the lead (refused unless a lead),
/// `None` the command line. Bad input is refused before anything is written.
pub fn calibrate(
    project: &crate::Project,
    run: i64,
    queue: &str,
    bins: usize,
    by: Option<&str>,
) -> Result<Calibration> {
    if bins == 0 || bins > 1000 {
        return Err(Error::InvalidArgument(format!(
            "--bins {bins}: use between 1 and 1000 bins"
        )));
    }
    let s = fair_sample(project, run, queue)?;
    let c = calibrate_sample(&s, bins);
    let tx = project.conn().unchecked_transaction()?;
    let actor = crate::annotators::lead_actor(&tx, by, "the calibration")?;
    crate::identity::stamp_run(&tx, run)?;
    let uid = calibrated::run_uid(&tx, run)?.unwrap_or_default();
    let value = serde_json::json!({
        "temperature": c.temperature,
        "sample": c.sample,
        "items": c.items,
        "nll_before": c.nll_before,
        "nll_after": c.nll_after,
    });
    crate::identity::record_setting(&tx, &calibrated::temperature_key(&uid), &value, &actor)?;
    let mut audit = value.clone();
    audit["run"] = serde_json::json!(run);
    crate::audit::record(&tx, &actor, "calibration.set", &audit)?;
    tx.commit()?;
    Ok(c)
}

/// The outcome of Learn-then-Test on a sample's (confidence, error) points.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ltt {
    pub threshold: Option<f64>,
    pub sample_accepted: usize,
    pub sample_errors: usize,
    pub upper_bound: Option<f64>,
    pub n_min: usize,
}

/// n_min = ⌈ln δ / ln(1 − α)⌉: the fewest items at which k = 0 errors can pass.
pub fn n_min(risk: f64, delta: f64) -> usize {
    (delta.ln() / (1.0 - risk).ln()).ceil().max(1.0) as usize
}

/// Learn-then-Test with fixed-sequence testing over (calibrated confidence, is an error)
/// points (see the module's documentation).
pub fn learn_then_test(points: &[(f64, bool)], risk: f64, delta: f64) -> Ltt {
    let mut sorted: Vec<(f64, bool)> = points.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let need = n_min(risk, delta);
    let mut out = Ltt {
        threshold: None,
        sample_accepted: 0,
        sample_errors: 0,
        upper_bound: None,
        n_min: need,
    };
    let (mut n, mut k) = (0usize, 0usize);
    let mut i = 0;
    while i < sorted.len() {
        let lambda = sorted[i].0;
        while i < sorted.len() && sorted[i].0 == lambda {
            n += 1;
            k += usize::from(sorted[i].1);
            i += 1;
        }
        if n < need {
            continue;
        }
        if stats::binom_cdf(k, n, risk) > delta {
            break;
        }
        out.threshold = Some(lambda);
        out.sample_accepted = n;
        out.sample_errors = k;
    }
    if out.threshold.is_some() {
        out.upper_bound = Some(stats::clopper_pearson_upper(
            out.sample_errors,
            out.sample_accepted,
            delta,
        ));
    }
    out
}

/// What `autoaccept` certifies for a run at a risk and confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoAcceptReport {
    pub run: i64,
    pub sample: String,
    pub risk: f64,
    pub delta: f64,
    /// The temperature c is computed under (the run's, 1 before any calibration).
    pub temperature: f64,
    pub threshold: Option<f64>,
    pub sample_accepted: usize,
    pub sample_errors: usize,
    pub upper_bound: Option<f64>,
    /// Share of the run's items with c ≥ threshold (`None` without a threshold).
    pub coverage: Option<f64>,
    /// The run's items with c ≥ threshold.
    pub accepted: u64,
    /// `certified` or `insufficient`.
    pub status: &'static str,
    /// n_min when insufficient.
    pub labels_needed: Option<usize>,
    /// Whether the auto-accept was recorded (`--apply`).
    pub applied: bool,
    /// The drift verdict against the run when its data drifted: its certificate is stale, and
    /// applying it takes an explicit choice (`--despite-drift`).
    pub stale: Option<calibrated::Stale>,
    /// Recorded despite that verdict.
    pub despite_drift: bool,
}

fn check_level(what: &str, v: f64) -> Result<()> {
    if v > 0.0 && v < 1.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{what} {v}: use a number strictly between 0 and 1 (e.g. 0.05)"
        )))
    }
}

/// Learn-then-Test for a run on the fair sample `queue` at `risk` (α) and `delta` (δ), with the
/// threshold's coverage of the run. Reads only.
pub fn autoaccept(
    project: &crate::Project,
    run: i64,
    queue: &str,
    risk: f64,
    delta: f64,
) -> Result<AutoAcceptReport> {
    let mut all = risk_curve(project, run, queue, &[risk], delta)?;
    Ok(all.remove(0))
}

/// [`autoaccept`] at each of `risks` (the app's risk slider): one read of the sample and one
/// pass over the run, however many risks. Reads only.
pub fn risk_curve(
    project: &crate::Project,
    run: i64,
    queue: &str,
    risks: &[f64],
    delta: f64,
) -> Result<Vec<AutoAcceptReport>> {
    for r in risks {
        check_level("--risk", *r)?;
    }
    check_level("--delta", delta)?;
    let s = fair_sample(project, run, queue)?;
    let conn = project.conn();
    let t = calibrated::temperature_in(conn, run)?.unwrap_or(1.0);
    let points: Vec<(f64, bool)> = s
        .items
        .iter()
        .map(|i| {
            (
                calibrated::top_probability(&i.probabilities, t),
                i.is_error(),
            )
        })
        .collect();
    let stale = match calibrated::run_uid(conn, run)? {
        Some(uid) => calibrated::stale_in(conn, &uid)?,
        None => None,
    };
    let total: i64 = conn.query_row(
        "SELECT COUNT(*) FROM predictions WHERE run_id = ?1",
        [run],
        |r| r.get(0),
    )?;
    // Every predicted item's c, ascending: the items at or above λ are a suffix.
    let mut run_c: Vec<f64> = Vec::new();
    scan(conn, run, t, |_, _, c| run_c.push(c))?;
    run_c.sort_unstable_by(f64::total_cmp);
    Ok(risks
        .iter()
        .map(|&risk| {
            let ltt = learn_then_test(&points, risk, delta);
            let accepted = ltt.threshold.map_or(0, |th| {
                (run_c.len() - run_c.partition_point(|c| *c < th)) as u64
            });
            AutoAcceptReport {
                run,
                sample: s.queue.name.clone(),
                risk,
                delta,
                temperature: t,
                threshold: ltt.threshold,
                sample_accepted: ltt.sample_accepted,
                sample_errors: ltt.sample_errors,
                upper_bound: ltt.upper_bound,
                coverage: ltt.threshold.map(|_| accepted as f64 / total.max(1) as f64),
                accepted,
                status: if ltt.threshold.is_some() {
                    "certified"
                } else {
                    "insufficient"
                },
                labels_needed: ltt.threshold.is_none().then_some(ltt.n_min),
                applied: false,
                stale: stale.clone(),
                despite_drift: false,
            }
        })
        .collect())
}

/// [`autoaccept`], then record it as the project's auto-accept (a synchronised setting,
/// audited): refused when nothing is certified, and when the run's data drifted (a stale
/// certificate: see [`apply_with`]). `by` names the lead.
pub fn apply(
    project: &crate::Project,
    run: i64,
    queue: &str,
    risk: f64,
    delta: f64,
    by: Option<&str>,
) -> Result<AutoAcceptReport> {
    apply_with(project, run, queue, risk, delta, by, false)
}

/// [`apply`]; with `despite_drift` a run whose data drifted (a drift report recorded against
/// it, [`calibrated::Stale`]) is applied all the same, the choice recorded in the event and
/// the audit entry (and the auto-accept still shown stale). Without it such a run is refused,
/// naming the report, and nothing is written.
pub fn apply_with(
    project: &crate::Project,
    run: i64,
    queue: &str,
    risk: f64,
    delta: f64,
    by: Option<&str>,
    despite_drift: bool,
) -> Result<AutoAcceptReport> {
    let mut r = autoaccept(project, run, queue, risk, delta)?;
    let (Some(threshold), Some(upper_bound)) = (r.threshold, r.upper_bound) else {
        return Err(Error::InvalidArgument(format!(
            "nothing to apply: no threshold is certified at risk {risk} and delta {delta}; label at least {} items of queue {:?} (or accept a higher risk)",
            r.labels_needed.unwrap_or(0),
            r.sample
        )));
    };
    if let (Some(s), false) = (&r.stale, despite_drift) {
        return Err(Error::InvalidArgument(format!(
            "run {run}'s data drifted: the drift report {} → {} ({}; {}) on {} makes a certificate on run {run} stale, as its fair sample no longer speaks for the newer data. Certify on a run of the newer data (a fair sample of it, labeled), or apply despite the drift (--despite-drift; the choice is recorded)",
            s.reference,
            s.current,
            s.reason,
            stale_columns(s),
            s.at
        )));
    }
    let tx = project.conn().unchecked_transaction()?;
    let actor = crate::annotators::lead_actor(&tx, by, "auto-accept")?;
    crate::identity::stamp_run(&tx, run)?;
    let a = AutoAccept {
        run_uid: calibrated::run_uid(&tx, run)?.unwrap_or_default(),
        run,
        threshold,
        temperature: r.temperature,
        sample: r.sample.clone(),
        risk,
        delta,
        upper_bound,
        sample_accepted: r.sample_accepted,
        sample_errors: r.sample_errors,
        by: String::new(),
        at: String::new(),
        event: String::new(),
        despite_drift: despite_drift && r.stale.is_some(),
        stale: None,
    };
    let mut value = serde_json::json!({
        "run_uid": a.run_uid, "threshold": a.threshold, "temperature": a.temperature,
        "sample": a.sample, "risk": a.risk, "delta": a.delta, "upper_bound": a.upper_bound,
        "sample_accepted": a.sample_accepted, "sample_errors": a.sample_errors,
    });
    if a.despite_drift {
        value["despite_drift"] = serde_json::json!(true);
    }
    crate::identity::record_setting(&tx, calibrated::AUTO_KEY, &value, &actor)?;
    let mut audit = value;
    audit["run"] = serde_json::json!(run);
    audit["accepted"] = serde_json::json!(r.accepted);
    crate::audit::record(&tx, &actor, "autoaccept.apply", &audit)?;
    refresh(&tx)?;
    tx.commit()?;
    r.applied = true;
    r.despite_drift = a.despite_drift;
    Ok(r)
}

/// The drifted columns of a verdict in words (`columns alcohol, proline` or the AUC).
pub fn stale_columns(s: &calibrated::Stale) -> String {
    match (s.columns.is_empty(), s.domain_auc) {
        (false, _) => format!("drifted columns: {}", s.columns.join(", ")),
        (true, Some(auc)) => format!("domain classifier ROC AUC {auc:.3}"),
        (true, None) => "no column named".into(),
    }
}

/// The class names of a run's model, in output order (the models table's `classes`).
fn classes_of(conn: &rusqlite::Connection, run: i64) -> Result<Vec<String>> {
    let text: String = conn.query_row(
        "SELECT m.classes FROM runs r JOIN models m ON m.id = r.model_id WHERE r.id = ?1",
        [run],
        |r| r.get(0),
    )?;
    serde_json::from_str(&text).map_err(|e| {
        Error::InvalidArgument(format!(
            "run {run}: its model's classes cannot be read ({e})"
        ))
    })
}

/// Visit every item a run predicted, in item order, with its predicted class and its
/// calibrated confidence under temperature `t` (failed items are not visited).
pub(crate) fn scan(
    conn: &rusqlite::Connection,
    run: i64,
    t: f64,
    mut f: impl FnMut(i64, usize, f64),
) -> Result<()> {
    let mut buf = vec![0f32; classes_of(conn, run)?.len()];
    let mut stmt = conn.prepare_cached(
        "SELECT item_id, predicted, probs FROM predictions WHERE run_id = ?1 AND probs IS NOT NULL ORDER BY item_id",
    )?;
    let mut rows = stmt.query([run])?;
    while let Some(r) = rows.next()? {
        let Some(predicted) = r.get::<_, Option<i64>>(1)? else {
            continue;
        };
        buf.fill(0.0);
        let bytes = r.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        crate::predict::unpack_into(bytes, &mut buf);
        f(
            r.get(0)?,
            predicted as usize,
            calibrated::top_probability(&buf, t),
        );
    }
    Ok(())
}

/// Rebuild the `auto_accepted` table from the winning `autoaccept` setting and its run's
/// predictions: the run's items with calibrated confidence (under the recorded temperature) at
/// least the recorded threshold, with their predicted labels. Nothing is done when the table
/// already holds that event's items; a revoked (or absent) auto-accept empties it. Called where
/// the setting changes here (`apply`, `revoke`) and after a sync import.
pub(crate) fn refresh(conn: &rusqlite::Connection) -> Result<()> {
    let current: Option<String> = conn
        .query_row("SELECT event FROM auto_accepted LIMIT 1", [], |r| r.get(0))
        .optional()?;
    let Some(a) = calibrated::auto_accept_in(conn)? else {
        if current.is_some() {
            conn.execute("DELETE FROM auto_accepted", [])?;
        }
        return Ok(());
    };
    if current.as_deref() == Some(a.event.as_str()) {
        return Ok(());
    }
    conn.execute("DELETE FROM auto_accepted", [])?;
    let classes = classes_of(conn, a.run)?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO auto_accepted (item_id, label, event, at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut picked: Vec<(i64, usize)> = Vec::new();
    scan(conn, a.run, a.temperature, |item, predicted, c| {
        if c >= a.threshold {
            picked.push((item, predicted));
        }
    })?;
    for (item, predicted) in picked {
        if let Some(label) = classes.get(predicted) {
            insert.execute(rusqlite::params![item, label, a.event, a.at])?;
        }
    }
    Ok(())
}

/// Revoke the project's auto-accept (a synchronised `null`, audited): the items it decided
/// are undecided again unless people labeled them. Refused when none is in force.
pub fn revoke(project: &crate::Project, by: Option<&str>) -> Result<AutoAccept> {
    let conn = project.conn();
    let Some(a) = calibrated::auto_accept_in(conn)? else {
        return Err(Error::InvalidArgument(
            "no auto-accept is in force; nothing to revoke".into(),
        ));
    };
    let tx = conn.unchecked_transaction()?;
    let actor = crate::annotators::lead_actor(&tx, by, "auto-accept")?;
    crate::identity::record_setting(&tx, calibrated::AUTO_KEY, &serde_json::Value::Null, &actor)?;
    crate::audit::record(
        &tx,
        &actor,
        "autoaccept.revoke",
        &serde_json::json!({ "run": a.run, "threshold": a.threshold }),
    )?;
    refresh(&tx)?;
    tx.commit()?;
    Ok(a)
}

#[cfg(test)]
pub(crate) mod queue_tests;
#[cfg(test)]
pub(crate) mod tests;
