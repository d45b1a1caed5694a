//! Calibration and certified auto-accept for the Dashboard's calibration card: the same fields,
//! in the same snake_case, as `arbiter calibrate --json` and `arbiter autoaccept --json`
//! (`arbiter_core::calibration`); a figure the sample cannot define is `null`.

use serde::Serialize;
use ts_rs::TS;

use arbiter_core::calibration;

use super::report::{num, CalibrationBin};

/// A run's fitted temperature and how it changed the fair sample's calibration.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CalibrationDto {
    #[ts(type = "number")]
    pub run: i64,
    pub sample: String,
    #[ts(type = "number")]
    pub items: u64,
    pub temperature: f64,
    /// The search bound T stopped at (0.05 or 20), if it did: T is then the bound, not the
    /// optimum, and the sample should grow before T is trusted.
    pub at_bound: Option<f64>,
    pub nll_before: Option<f64>,
    pub nll_after: Option<f64>,
    pub ece_before: Option<f64>,
    pub ece_after: Option<f64>,
    pub bins_before: Vec<CalibrationBin>,
    pub bins_after: Vec<CalibrationBin>,
}

fn bins(b: &[arbiter_core::metrics::quality::Bin]) -> Vec<CalibrationBin> {
    b.iter()
        .map(|b| CalibrationBin {
            lower: b.lower,
            upper: b.upper,
            items: b.items as u64,
            mean_confidence: num(b.mean_confidence),
            accuracy: num(b.accuracy),
        })
        .collect()
}

impl From<calibration::Calibration> for CalibrationDto {
    fn from(c: calibration::Calibration) -> Self {
        CalibrationDto {
            run: c.run,
            sample: c.sample,
            items: c.items as u64,
            temperature: c.temperature,
            at_bound: c.at_bound,
            nll_before: num(c.nll_before),
            nll_after: num(c.nll_after),
            ece_before: num(c.ece_before),
            ece_after: num(c.ece_after),
            bins_before: bins(&c.bins_before),
            bins_after: bins(&c.bins_after),
        }
    }
}

/// Why auto-accept certified on a run is stale: a drift report found the run's data unlike
/// newer data (`arbiter_core::calibrated::Stale`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct StaleDto {
    /// The report's sides (`run 3 (wine@1)`, `wine@2`).
    pub reference: String,
    pub current: String,
    /// `dataset drift` or `domain classifier`.
    pub reason: String,
    pub columns: Vec<String>,
    pub share_drifted: Option<f64>,
    pub domain_auc: Option<f64>,
    pub by: String,
    pub at: String,
}

impl From<&arbiter_core::calibrated::Stale> for StaleDto {
    fn from(s: &arbiter_core::calibrated::Stale) -> Self {
        StaleDto {
            reference: s.reference.clone(),
            current: s.current.clone(),
            reason: s.reason.clone(),
            columns: s.columns.clone(),
            share_drifted: num(s.share_drifted),
            domain_auc: num(s.domain_auc),
            by: s.by.clone(),
            at: s.at.clone(),
        }
    }
}

/// What auto-accept certifies at one risk (Learn-then-Test on the fair sample).
#[derive(Debug, Clone, Serialize, TS)]
pub struct AutoAcceptDto {
    #[ts(type = "number")]
    pub run: i64,
    pub sample: String,
    pub risk: f64,
    pub delta: f64,
    pub temperature: f64,
    pub threshold: Option<f64>,
    #[ts(type = "number")]
    pub sample_accepted: u64,
    #[ts(type = "number")]
    pub sample_errors: u64,
    pub upper_bound: Option<f64>,
    /// Share of the run's items a person no longer needs to see.
    pub coverage: Option<f64>,
    #[ts(type = "number")]
    pub accepted: u64,
    /// `certified` or `insufficient`.
    pub status: String,
    /// Error-free audited labels needed at the top when insufficient.
    #[ts(type = "number | null")]
    pub labels_needed: Option<u64>,
    pub applied: bool,
    /// The drift verdict against the run: its certificate is stale and applying it takes an
    /// explicit choice.
    pub stale: Option<StaleDto>,
    /// Applied despite that verdict.
    pub despite_drift: bool,
}

impl From<calibration::AutoAcceptReport> for AutoAcceptDto {
    fn from(r: calibration::AutoAcceptReport) -> Self {
        AutoAcceptDto {
            run: r.run,
            sample: r.sample,
            risk: r.risk,
            delta: r.delta,
            temperature: r.temperature,
            threshold: num(r.threshold),
            sample_accepted: r.sample_accepted as u64,
            sample_errors: r.sample_errors as u64,
            upper_bound: num(r.upper_bound),
            coverage: num(r.coverage),
            accepted: r.accepted,
            status: r.status.to_string(),
            labels_needed: r.labels_needed.map(|n| n as u64),
            applied: r.applied,
            stale: r.stale.as_ref().map(Into::into),
            despite_drift: r.despite_drift,
        }
    }
}

macro_rules! with_calibration_types {
    ($m:ident) => {
        $m!(CalibrationDto, StaleDto, AutoAcceptDto)
    };
}
pub(crate) use with_calibration_types;
