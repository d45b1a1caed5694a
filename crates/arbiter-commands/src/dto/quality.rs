//! Quality control across IPC: the agreement target (`get_agreement_target`,
//! `set_agreement_target`) and its verdict, as the Dashboard and the Export screen show it; the
//! escalations queue (`list_escalations`, `act_on_escalation`) and the notes sent back with
//! items (`sent_back_notes`, and `ReviewItem.sentBack`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use arbiter_core::escalate;
use arbiter_core::metrics::target;

use super::{DecisionDto, Interval, TargetOn, TargetStatistic, TargetStatus};

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

/// A live flag on an escalated item.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EscalationFlag {
    pub annotator: String,
    /// `unsure` or `bad_input`.
    pub flag: String,
    pub note: Option<String>,
    pub at: String,
}

/// A reviewer's earlier action on an item.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EscalationActionTaken {
    /// `accept`, `override` or `send_back`.
    pub action: String,
    pub by: String,
    pub at: String,
    pub note: Option<String>,
    pub label: Option<String>,
    /// Whom it was sent back to.
    pub to: Option<String>,
}

impl From<escalate::ActionTaken> for EscalationActionTaken {
    fn from(a: escalate::ActionTaken) -> Self {
        EscalationActionTaken {
            action: a.action.as_str().to_string(),
            by: a.by,
            at: a.at,
            note: a.note,
            label: a.label,
            to: a.annotator,
        }
    }
}

/// An item in the escalations queue (`list_escalations`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct EscalationDto {
    /// Why: `conflict`, `unsure`, `bad_input`.
    pub reasons: Vec<String>,
    pub flags: Vec<EscalationFlag>,
    pub decision: DecisionDto,
    pub previous: Option<EscalationActionTaken>,
}

impl From<escalate::Escalation> for EscalationDto {
    fn from(e: escalate::Escalation) -> Self {
        EscalationDto {
            reasons: e.reasons,
            flags: e
                .flags
                .into_iter()
                .map(|f| EscalationFlag {
                    annotator: f.annotator,
                    flag: f.flag,
                    note: f.note,
                    at: f.at,
                })
                .collect(),
            decision: e.decision.into(),
            previous: e.previous.map(Into::into),
        }
    }
}

/// What a reviewer does with an escalated item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum EscalationVerb {
    /// The labels stand (not for a conflict).
    Accept,
    /// Decide it with `label` (a conflict needs no reason).
    Override,
    /// Back to an annotator who labeled it (`to`, or the only one), with a `note`.
    SendBack,
}

/// A reviewer's action (`act_on_escalation`); `actor` is the reviewer or lead acting.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EscalationRequest {
    #[ts(type = "number")]
    pub rowid: i64,
    pub actor: String,
    pub verb: EscalationVerb,
    pub label: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    /// The annotator to send back to (null: the one who labeled it).
    pub to: Option<String>,
}

/// A note a reviewer sent an item back with, waiting for its annotator.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SentBackDto {
    #[ts(type = "number")]
    pub rowid: i64,
    pub item_id: String,
    pub by: String,
    pub note: String,
    pub at: String,
}

impl From<escalate::SentBack> for SentBackDto {
    fn from(s: escalate::SentBack) -> Self {
        SentBackDto {
            rowid: s.item,
            item_id: s.item_id,
            by: s.by,
            note: s.note,
            at: s.at,
        }
    }
}

/// An example item of a guideline: its id, and its row when a dataset holds it (thumbnails).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExampleItem {
    pub item_id: String,
    #[ts(type = "number | null")]
    pub rowid: Option<i64>,
}

/// A label's guideline and examples.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GuidelineDto {
    pub name: String,
    pub guideline: Option<String>,
    pub examples: Vec<ExampleItem>,
}

/// The guidelines the Review screen shows, with the schema version (`get_guidelines`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GuidelinesDto {
    #[ts(type = "number")]
    pub schema_version: i64,
    pub labels: Vec<GuidelineDto>,
    pub retired_reasons: Vec<String>,
}

/// Calls `$m!(AgreementTarget, …)` with every type above (the bindings list them from here).
macro_rules! with_quality_types {
    ($m:ident) => {
        $m!(
            AgreementTarget,
            TargetVerdict,
            EscalationFlag,
            EscalationActionTaken,
            EscalationDto,
            EscalationVerb,
            EscalationRequest,
            SentBackDto,
            ExampleItem,
            GuidelineDto,
            GuidelinesDto
        )
    };
}
pub(crate) use with_quality_types;
