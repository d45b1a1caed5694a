//! Quality control across IPC: the agreement target (`get_agreement_target`,
//! `set_agreement_target`) and its verdict, as the Dashboard and the Export screen show it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use arbiter_core::metrics::target;

use super::{Interval, TargetOn, TargetStatistic, TargetStatus};

/// An agreement target: `statistic` at least `min`, compared on the estimate or the low end
/// of its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct AgreementTarget {
    pub statistic: TargetStatistic,
    pub min: f64,
    pub on: TargetOn,
}

impl From<AgreementTarget> for target::Target {
    fn from(t: AgreementTarget) -> Self {
        target::Target {
            statistic: t.statistic.into(),
            min: t.min,
            on: t.on.into(),
        }
    }
}

impl From<target::Target> for AgreementTarget {
    fn from(t: target::Target) -> Self {
        AgreementTarget {
            statistic: t.statistic.into(),
            min: t.min,
            on: t.on.into(),
        }
    }
}

/// The target checked on the project's agreement (the figure the Dashboard shows).
#[derive(Debug, Clone, Serialize, TS)]
pub struct TargetVerdict {
    pub target: AgreementTarget,
    pub status: TargetStatus,
    /// The statistic's estimate (null when undefined).
    pub value: Option<f64>,
    /// Its 95% bootstrap interval (null when undefined).
    pub interval: Option<Interval>,
    /// What was compared with the minimum (the estimate, or the interval's low end).
    pub compared: Option<f64>,
    /// Why the verdict is `insufficient`.
    pub reason: Option<String>,
    /// One line for people, as `arbiter target show` prints it.
    pub summary: String,
}

impl From<target::Verdict> for TargetVerdict {
    fn from(v: target::Verdict) -> Self {
        TargetVerdict {
            summary: v.describe(),
            target: v.target.into(),
            status: v.status.into(),
            value: v.value.filter(|x| x.is_finite()),
            interval: v.interval.map(|i| Interval {
                low: i.low,
                high: i.high,
            }),
            compared: v.compared.filter(|x| x.is_finite()),
            reason: v.reason,
        }
    }
}

/// Calls `$m!(AgreementTarget, …)` with every type above (the bindings list them from here).
macro_rules! with_quality_types {
    ($m:ident) => {
        $m!(AgreementTarget, TargetVerdict)
    };
}
pub(crate) use with_quality_types;
