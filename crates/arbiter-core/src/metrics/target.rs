//! The project's agreement target: "do not proceed until agreement exceeds your threshold".
//!
//! A lead sets one statistic (`krippendorff_alpha`, `fleiss_kappa`, `gwet_ac1` or
//! `percent_agreement`), a minimum and what is compared with it (`estimate`, the statistic
//! itself, or `ci_low`, the low end of its 95% bootstrap interval). The target is a synchronised
//! setting (a last-writer-wins event under the key [`TARGET_KEY`]; clearing it records `null`),
//! the same on every replica, and each change is audited (`agreement_target.set` /
//! `agreement_target.clear`).
//!
//! It is checked on the figure `arbiter report` and the Dashboard show: every annotator's latest
//! label over the whole project (reviewers' overrides left out), on the nominal scale for
//! alpha (its bootstrap interval is nominal), with 1,000 bootstrap resamples seeded 0. The
//! verdict ([`Verdict`]) is one of:
//! - `pass`: the compared figure is at least the minimum;
//! - `fail`: it is below the minimum;
//! - `insufficient`: there is no figure to compare — the statistic is undefined for the data
//!   (no item with two ratings, a single label, unequal numbers of ratings for Fleiss' kappa…:
//!   the reason is given), or, with `ci_low`, its interval is (fewer than 20 of the resamples
//!   define the statistic).
//!
//! The export refuses unless the verdict is `pass` (a failing or insufficient target both
//! refuse, with [`crate::Error::BelowTarget`]) unless the caller allows it explicitly; the
//! lineage records the target, the verdict and which way the export went.

use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::agreement::{self, Interval};
use crate::error::{Error, Result};

/// The setting event key of the target.
pub const TARGET_KEY: &str = "agreement_target";

/// Bootstrap resamples and seed of the figure a target is checked on (those of the report).
pub const RESAMPLES: usize = 1000;
pub const SEED: u64 = 0;

/// The statistic a target is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    KrippendorffAlpha,
    FleissKappa,
    GwetAc1,
    PercentAgreement,
}

impl Statistic {
    pub const ALL: [Statistic; 4] = [
        Statistic::KrippendorffAlpha,
        Statistic::FleissKappa,
        Statistic::GwetAc1,
        Statistic::PercentAgreement,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Statistic::KrippendorffAlpha => "krippendorff_alpha",
            Statistic::FleissKappa => "fleiss_kappa",
            Statistic::GwetAc1 => "gwet_ac1",
            Statistic::PercentAgreement => "percent_agreement",
        }
    }
    /// The values a minimum may take: [0, 1] for percent agreement, [-1, 1] for the
    /// chance-corrected statistics.
    pub fn range(self) -> (f64, f64) {
        match self {
            Statistic::PercentAgreement => (0.0, 1.0),
            _ => (-1.0, 1.0),
        }
    }
    fn of(self, r: &agreement::Report) -> (&agreement::Stat, Option<Interval>) {
        let iv = r.intervals.as_ref();
        match self {
            Statistic::KrippendorffAlpha => (
                &r.krippendorff_alpha.nominal,
                iv.and_then(|i| i.krippendorff_alpha),
            ),
            Statistic::FleissKappa => (&r.fleiss_kappa, iv.and_then(|i| i.fleiss_kappa)),
            Statistic::GwetAc1 => (&r.gwet_ac1, iv.and_then(|i| i.gwet_ac1)),
            Statistic::PercentAgreement => {
                (&r.percent_agreement, iv.and_then(|i| i.percent_agreement))
            }
        }
    }
}

impl std::str::FromStr for Statistic {
    type Err = Error;
    fn from_str(s: &str) -> Result<Statistic> {
        Statistic::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "statistic {s:?}: use krippendorff_alpha, fleiss_kappa, gwet_ac1 or percent_agreement"
                ))
            })
    }
}

/// What is compared with the minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum On {
    /// The statistic itself.
    #[default]
    Estimate,
    /// The low end of its 95% bootstrap interval (the stricter choice for small samples).
    CiLow,
}

impl On {
    pub fn as_str(self) -> &'static str {
        match self {
            On::Estimate => "estimate",
            On::CiLow => "ci_low",
        }
    }
}

impl std::str::FromStr for On {
    type Err = Error;
    fn from_str(s: &str) -> Result<On> {
        match s.trim() {
            "estimate" => Ok(On::Estimate),
            "ci_low" => Ok(On::CiLow),
            o => Err(Error::InvalidArgument(format!(
                "--on {o:?}: use estimate or ci_low"
            ))),
        }
    }
}

/// An agreement target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub statistic: Statistic,
    pub min: f64,
    #[serde(default)]
    pub on: On,
}

impl Target {
    /// Refuse a minimum that is not a number in the statistic's range.
    pub fn check(&self) -> Result<()> {
        let (lo, hi) = self.statistic.range();
        if !self.min.is_finite() || self.min < lo || self.min > hi {
            return Err(Error::InvalidArgument(format!(
                "--min {}: {} lies between {lo} and {hi}; give a minimum in that range",
                self.min,
                self.statistic.as_str()
            )));
        }
        Ok(())
    }

    /// "krippendorff_alpha ≥ 0.8 (on the estimate)".
    pub fn describe(&self) -> String {
        let on = match self.on {
            On::Estimate => "the estimate",
            On::CiLow => "the low end of its 95% interval",
        };
        format!("{} ≥ {} (on {on})", self.statistic.as_str(), self.min)
    }
}

/// Pass, fail, or nothing to compare yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    Insufficient,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Insufficient => "insufficient",
        }
    }
}

impl std::str::FromStr for Status {
    type Err = Error;
    fn from_str(s: &str) -> Result<Status> {
        match s {
            "pass" => Ok(Status::Pass),
            "fail" => Ok(Status::Fail),
            "insufficient" => Ok(Status::Insufficient),
            o => Err(Error::InvalidArgument(format!(
                "target status {o:?}: one of pass, fail or insufficient"
            ))),
        }
    }
}

/// A target checked against an agreement report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub target: Target,
    pub status: Status,
    /// The statistic's estimate (null when undefined).
    pub value: Option<f64>,
    /// Its 95% bootstrap interval (null when undefined).
    pub interval: Option<Interval>,
    /// What was compared with the minimum: the estimate or the interval's low end.
    pub compared: Option<f64>,
    /// Why the verdict is `insufficient`.
    pub reason: Option<String>,
}

impl Verdict {
    /// One line for people: "fail: krippendorff_alpha 0.42 (95% interval 0.30–0.55) below the
    /// target krippendorff_alpha ≥ 0.8 (on the estimate)".
    pub fn describe(&self) -> String {
        let stat = self.target.statistic.as_str();
        let figure = match (self.value, self.interval) {
            (Some(v), Some(i)) => {
                format!("{stat} {v:.3} (95% interval {:.3}–{:.3})", i.low, i.high)
            }
            (Some(v), None) => format!("{stat} {v:.3} (no 95% interval)"),
            (None, _) => format!("{stat} undefined"),
        };
        let target = self.target.describe();
        match self.status {
            Status::Pass => format!("pass: {figure} meets the target {target}"),
            Status::Fail => format!("fail: {figure} is below the target {target}"),
            Status::Insufficient => format!(
                "insufficient: {figure}; {} — the target {target} cannot be checked yet",
                self.reason.as_deref().unwrap_or("no figure")
            ),
        }
    }
}

/// Check `target` against a report (with intervals for `ci_low`).
pub fn check(target: &Target, report: &agreement::Report) -> Verdict {
    let (stat, interval) = target.statistic.of(report);
    let (compared, reason) = match (target.on, stat.value) {
        (_, None) => (
            None,
            Some(
                stat.reason
                    .clone()
                    .unwrap_or_else(|| "the statistic is undefined".into()),
            ),
        ),
        (On::Estimate, Some(v)) => (Some(v), None),
        (On::CiLow, Some(_)) => match interval {
            Some(i) => (Some(i.low), None),
            None => (None, Some(format!(
                "no 95% interval: fewer than 20 of the {RESAMPLES} bootstrap resamples define the statistic"
            ))),
        },
    };
    let status = match compared {
        None => Status::Insufficient,
        Some(x) if x >= target.min => Status::Pass,
        Some(_) => Status::Fail,
    };
    Verdict {
        target: *target,
        status,
        value: stat.value,
        interval,
        compared,
        reason,
    }
}

/// The project's target, if one is set.
pub fn target(project: &crate::Project) -> Result<Option<Target>> {
    target_in(project.conn())
}

/// [`target`] on a connection or transaction the core already holds: the latest event of
/// [`TARGET_KEY`] by (time, uid), as every replica reads it.
pub(crate) fn target_in(conn: &Connection) -> Result<Option<Target>> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM setting_events WHERE key = ?1 ORDER BY at DESC, uid DESC LIMIT 1",
            [TARGET_KEY],
            |r| r.get(0),
        )
        .optional()?;
    let Some(v) = v else { return Ok(None) };
    serde_json::from_str::<Option<Target>>(&v).map_err(|e| {
        Error::InvalidArgument(format!(
            "the project's agreement target {v:?} cannot be read ({e}); set it again with `arbiter target set` or clear it with `arbiter target clear`"
        ))
    })
}

/// Set (`Some`) or clear (`None`) the target, as a setting event with its audit entry, in one
/// transaction. `by` names the lead (refused unless a lead); `None` is the command line.
pub fn set_target(
    project: &crate::Project,
    target: Option<Target>,
    by: Option<&str>,
) -> Result<()> {
    if let Some(t) = &target {
        t.check()?;
    }
    let conn = project.conn();
    let tx = conn.unchecked_transaction()?;
    let actor = crate::annotators::lead_actor(&tx, by, "the agreement target")?;
    let value = serde_json::json!(target);
    crate::identity::record_setting(&tx, TARGET_KEY, &value, &actor)?;
    let action = if target.is_some() {
        "agreement_target.set"
    } else {
        "agreement_target.clear"
    };
    crate::audit::record(&tx, &actor, action, &value)?;
    tx.commit()?;
    Ok(())
}

/// The project's target checked on the project's agreement (as `report` computes it), or
/// `None` when no target is set.
pub fn verdict(project: &crate::Project) -> Result<Option<Verdict>> {
    verdict_in(project.conn())
}

pub(crate) fn verdict_in(conn: &Connection) -> Result<Option<Verdict>> {
    let Some(t) = target_in(conn)? else {
        return Ok(None);
    };
    let ratings = super::ratings_in(conn, None)?;
    let scale = super::project_scale_in(conn)?;
    let report = agreement::report_with_intervals(&ratings, &scale, RESAMPLES, SEED);
    Ok(Some(check(&t, &report)))
}

#[cfg(test)]
mod tests;
