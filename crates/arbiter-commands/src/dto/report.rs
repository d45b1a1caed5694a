//! The project report as it crosses to the dashboard (`project_report`): the same fields, in
//! the same snake_case, as `arbiter report --json` (`arbiter_core::metrics::ProjectReport`),
//! typed for TypeScript. A statistic the data cannot define is `null` — never NaN or an
//! infinity (they become `null` here) — and `agreement.undefined` says why, keyed by its path
//! (`fleiss_kappa`, `cohen_kappa.ana/ben.kappa`, `per_label.cat`, …).

use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;

use arbiter_core::metrics::{self, activity, agreement, quality};

use super::{ActivityBucket, AgreementScale, Role};

/// A finite number, else `None`.
pub(super) fn num(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn stat(s: &agreement::Stat) -> Option<f64> {
    num(s.value)
}

fn opt_stat(s: &Option<agreement::Stat>) -> Option<f64> {
    s.as_ref().and_then(stat)
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ProjectReportDto {
    pub progress: ProgressSummary,
    pub agreement: AgreementReport,
    pub model_quality: Option<ModelQuality>,
    /// Decided label (or "(undecided)") → reason code → count.
    pub reasons_by_class: BTreeMap<String, BTreeMap<String, u64>>,
    pub annotators: Vec<AnnotatorPace>,
    /// Whether the schema marks the labels ordinal.
    pub ordinal_labels: bool,
    pub activity: Activity,
    /// Scores on gold items in full (the answers: `arbiter serve` leaves out the confusion
    /// matrices and missed items for anyone but a lead).
    pub gold: GoldScores,
    /// The agreement target checked on `agreement` (null when none is set).
    pub target: Option<super::TargetVerdict>,
    /// The schema version (the same on every replica holding the same events).
    pub schema_version: i64,
    /// Agreement before and after each guideline change, oldest first.
    pub guideline_periods: Vec<GuidelinePeriod>,
}

/// The labels given between two guideline changes, and their agreement (nominal).
#[derive(Debug, Clone, Serialize, TS)]
pub struct GuidelinePeriod {
    /// The schema version the period starts at (0: before any guideline change).
    pub schema_version: i64,
    pub since: Option<String>,
    pub until: Option<String>,
    /// The labels whose guideline or examples changed at its start.
    pub changed: Vec<String>,
    pub ratings: u64,
    pub items: u64,
    pub krippendorff_alpha: Option<f64>,
    pub percent_agreement: Option<f64>,
}

/// Scores on gold items: labels in schema order, then each annotator with a gold label.
#[derive(Debug, Clone, Serialize, TS)]
pub struct GoldScores {
    pub labels: Vec<String>,
    pub annotators: Vec<GoldScore>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GoldScore {
    pub annotator: String,
    pub estimate: Estimate,
    /// `confusion[i][j]`: gold items answered `labels[i]` this annotator labeled `labels[j]`.
    #[ts(type = "number[][]")]
    pub confusion: Vec<Vec<u64>>,
    /// The gold items this annotator labeled wrongly.
    pub missed: Vec<GoldMissed>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct GoldMissed {
    pub item_id: String,
    pub gold: String,
    pub given: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ProgressSummary {
    /// Items in the newest version of every dataset.
    pub items: u64,
    /// Items with at least one annotation.
    pub annotated: u64,
    pub decided: u64,
    pub conflicts: u64,
    pub pending: u64,
    /// Label annotations in total.
    pub annotations: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct PairKappa {
    pub a: String,
    pub b: String,
    /// Items both annotators rated.
    pub items: u64,
    pub kappa: Option<f64>,
    /// Only when the schema marks the labels ordinal (null otherwise, or undefined for the data).
    pub kappa_linear: Option<f64>,
    pub kappa_quadratic: Option<f64>,
    pub percent_agreement: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AlphaStats {
    pub nominal: Option<f64>,
    /// Only when the schema marks the labels ordinal.
    pub ordinal: Option<f64>,
    /// Only when the labels are ordinal and every label is a number.
    pub interval: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AnnotatorAgreement {
    /// Items where the others had a strict majority.
    pub items: u64,
    pub kappa: Option<f64>,
    pub percent_agreement: Option<f64>,
}

/// A 95% percentile bootstrap interval.
#[derive(Debug, Clone, Copy, Serialize, TS)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// 95% bootstrap intervals over items.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AgreementIntervals {
    pub resamples: u64,
    pub seed: u64,
    pub percent_agreement: Option<Interval>,
    pub krippendorff_alpha: Option<Interval>,
    pub fleiss_kappa: Option<Interval>,
    pub gwet_ac1: Option<Interval>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AgreementReport {
    pub items: u64,
    pub annotators: u64,
    /// In scale order when ordinal.
    pub labels: Vec<String>,
    pub scale: AgreementScale,
    pub ratings: u64,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Vec<PairKappa>,
    pub fleiss_kappa: Option<f64>,
    pub krippendorff_alpha: AlphaStats,
    pub gwet_ac1: Option<f64>,
    pub per_label: BTreeMap<String, Option<f64>>,
    pub per_annotator: BTreeMap<String, AnnotatorAgreement>,
    /// Why each null is null, by path.
    pub undefined: BTreeMap<String, String>,
    pub intervals: Option<AgreementIntervals>,
}

/// Accuracy over a set of decided items, with its 95% Wilson score interval.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Estimate {
    pub items: u64,
    pub correct: u64,
    pub accuracy: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ClassScores {
    pub support: u64,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CalibrationBin {
    pub lower: f64,
    pub upper: f64,
    pub items: u64,
    pub mean_confidence: Option<f64>,
    pub accuracy: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ModelQuality {
    pub run: i64,
    /// Every decided item the run predicted.
    pub overall: Estimate,
    /// Decided items of the run's `random` queues alone — the unbiased estimate.
    pub random_sample: Estimate,
    /// Decided items of the other (uncertainty) queues: biased by construction.
    pub uncertainty_queues: Estimate,
    pub per_class: BTreeMap<String, ClassScores>,
    pub labels: Vec<String>,
    /// Row = decided label, column = predicted label, both in `labels` order.
    pub confusion: Vec<Vec<u64>>,
    pub ece: Option<f64>,
    pub bins: Vec<CalibrationBin>,
    /// Which items `ece` and `bins` rest on: "random_sample" (the fair sample: decided items of
    /// random queues saved without a threshold) or "all_decided" (every decided item; biased
    /// toward the items queues chose for being hard).
    pub calibration_on: String,
    #[ts(type = "number")]
    pub calibration_items: u64,
    /// Items the run failed (no prediction; in no figure above).
    pub failed: u64,
    /// Of those, items with a decided label — left out of every accuracy above.
    pub failed_decided: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AnnotatorPace {
    pub annotator: String,
    pub role: Role,
    pub labels: u64,
    pub last_hour: u64,
    pub median_seconds: Option<f64>,
    pub kappa_vs_others: Option<f64>,
    /// Accuracy against reviewer decisions: over the items a reviewer's override decided that
    /// this annotator labeled, the share whose label equals the decision (95% Wilson interval).
    pub vs_reviewers: Estimate,
    /// Accuracy on the gold items this annotator labeled (95% Wilson interval).
    pub gold: Estimate,
}

/// Labels and decided items over time, from the annotation events' timestamps (UTC buckets).
#[derive(Debug, Clone, Serialize, TS)]
pub struct Activity {
    /// Null when there is no event.
    pub bucket: Option<ActivityBucket>,
    /// Each bucket's start (RFC 3339 UTC), oldest first.
    pub starts: Vec<String>,
    /// Labels given per bucket.
    pub labels: Vec<u64>,
    /// Annotator → labels per bucket.
    pub per_annotator: BTreeMap<String, Vec<u64>>,
    /// Items decided by the end of each bucket (cumulative).
    pub decided: Vec<u64>,
    /// Events whose timestamp could not be read.
    pub skipped: u64,
}

pub(crate) fn estimate(e: &quality::Estimate) -> Estimate {
    Estimate {
        items: e.items as u64,
        correct: e.correct as u64,
        accuracy: num(e.accuracy),
        low: num(e.low),
        high: num(e.high),
    }
}

fn interval(i: Option<agreement::Interval>) -> Option<Interval> {
    i.filter(|i| i.low.is_finite() && i.high.is_finite())
        .map(|i| Interval {
            low: i.low,
            high: i.high,
        })
}

impl From<agreement::Report> for AgreementReport {
    fn from(r: agreement::Report) -> Self {
        AgreementReport {
            items: r.items as u64,
            annotators: r.annotators as u64,
            labels: r.labels,
            scale: r.scale.into(),
            ratings: r.ratings as u64,
            percent_agreement: stat(&r.percent_agreement),
            cohen_kappa: r
                .cohen_kappa
                .iter()
                .map(|p| PairKappa {
                    a: p.a.clone(),
                    b: p.b.clone(),
                    items: p.items as u64,
                    kappa: stat(&p.kappa),
                    kappa_linear: opt_stat(&p.kappa_linear),
                    kappa_quadratic: opt_stat(&p.kappa_quadratic),
                    percent_agreement: stat(&p.percent_agreement),
                })
                .collect(),
            fleiss_kappa: stat(&r.fleiss_kappa),
            krippendorff_alpha: AlphaStats {
                nominal: stat(&r.krippendorff_alpha.nominal),
                ordinal: opt_stat(&r.krippendorff_alpha.ordinal),
                interval: opt_stat(&r.krippendorff_alpha.interval),
            },
            gwet_ac1: stat(&r.gwet_ac1),
            per_label: r
                .per_label
                .iter()
                .map(|(k, s)| (k.clone(), stat(s)))
                .collect(),
            per_annotator: r
                .per_annotator
                .iter()
                .map(|(k, a)| {
                    let a = AnnotatorAgreement {
                        items: a.items as u64,
                        kappa: stat(&a.kappa),
                        percent_agreement: stat(&a.percent_agreement),
                    };
                    (k.clone(), a)
                })
                .collect(),
            undefined: r.undefined,
            intervals: r.intervals.map(|i| AgreementIntervals {
                resamples: i.resamples as u64,
                seed: i.seed,
                percent_agreement: interval(i.percent_agreement),
                krippendorff_alpha: interval(i.krippendorff_alpha),
                fleiss_kappa: interval(i.fleiss_kappa),
                gwet_ac1: interval(i.gwet_ac1),
            }),
        }
    }
}

impl From<quality::Quality> for ModelQuality {
    fn from(q: quality::Quality) -> Self {
        ModelQuality {
            run: q.run,
            overall: estimate(&q.overall),
            random_sample: estimate(&q.random_sample),
            uncertainty_queues: estimate(&q.uncertainty_queues),
            per_class: q
                .per_class
                .iter()
                .map(|(k, c)| {
                    let c = ClassScores {
                        support: c.support as u64,
                        precision: num(c.precision),
                        recall: num(c.recall),
                        f1: num(c.f1),
                    };
                    (k.clone(), c)
                })
                .collect(),
            labels: q.labels,
            confusion: q
                .confusion
                .iter()
                .map(|row| row.iter().map(|&n| n as u64).collect())
                .collect(),
            ece: num(q.ece),
            calibration_on: q.calibration_on.to_string(),
            calibration_items: q.calibration_items as u64,
            bins: q
                .bins
                .iter()
                .map(|b| CalibrationBin {
                    lower: b.lower,
                    upper: b.upper,
                    items: b.items as u64,
                    mean_confidence: num(b.mean_confidence),
                    accuracy: num(b.accuracy),
                })
                .collect(),
            failed: q.failed,
            failed_decided: q.failed_decided as u64,
        }
    }
}

impl From<activity::Activity> for Activity {
    fn from(a: activity::Activity) -> Self {
        Activity {
            bucket: a.bucket.map(ActivityBucket::from),
            starts: a.starts,
            labels: a.labels,
            per_annotator: a.per_annotator,
            decided: a.decided,
            skipped: a.skipped,
        }
    }
}

impl From<metrics::ProjectReport> for ProjectReportDto {
    fn from(r: metrics::ProjectReport) -> Self {
        ProjectReportDto {
            progress: ProgressSummary {
                items: r.progress.items,
                annotated: r.progress.annotated,
                decided: r.progress.decided,
                conflicts: r.progress.conflicts,
                pending: r.progress.pending,
                annotations: r.progress.annotations,
            },
            agreement: r.agreement.into(),
            model_quality: r.model_quality.map(ModelQuality::from),
            reasons_by_class: r.reasons_by_class,
            annotators: r
                .annotators
                .into_iter()
                .map(|a| AnnotatorPace {
                    annotator: a.annotator,
                    role: a.role.into(),
                    labels: a.labels,
                    last_hour: a.last_hour,
                    median_seconds: num(a.median_seconds),
                    kappa_vs_others: num(a.kappa_vs_others),
                    vs_reviewers: estimate(&a.vs_reviewers),
                    gold: estimate(&a.gold),
                })
                .collect(),
            ordinal_labels: r.ordinal_labels,
            activity: r.activity.into(),
            gold: GoldScores {
                labels: r.gold.labels,
                annotators: r
                    .gold
                    .annotators
                    .into_iter()
                    .map(|g| GoldScore {
                        annotator: g.annotator,
                        estimate: estimate(&g.estimate),
                        confusion: g.confusion,
                        missed: g
                            .missed
                            .into_iter()
                            .map(|m| GoldMissed {
                                item_id: m.item_id,
                                gold: m.gold,
                                given: m.given,
                            })
                            .collect(),
                    })
                    .collect(),
            },
            target: r.target.map(Into::into),
            schema_version: r.schema_version,
            guideline_periods: r
                .guideline_periods
                .into_iter()
                .map(|g| GuidelinePeriod {
                    schema_version: g.schema_version,
                    since: g.since,
                    until: g.until,
                    changed: g.changed,
                    ratings: g.ratings as u64,
                    items: g.items as u64,
                    krippendorff_alpha: num(g.krippendorff_alpha),
                    percent_agreement: num(g.percent_agreement),
                })
                .collect(),
        }
    }
}

/// Every report type, for `dto::typescript_bindings`.
macro_rules! with_report_types {
    ($m:ident) => {
        $m!(
            ProjectReportDto,
            GoldScores,
            GoldScore,
            GoldMissed,
            ProgressSummary,
            PairKappa,
            AlphaStats,
            AnnotatorAgreement,
            Interval,
            AgreementIntervals,
            AgreementReport,
            Estimate,
            ClassScores,
            CalibrationBin,
            ModelQuality,
            AnnotatorPace,
            Activity,
            GuidelinePeriod
        )
    };
}
pub(crate) use with_report_types;

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed report says what the core's JSON (`arbiter report --json`) says, field for
    /// field, except that a statistic that is not finite is null.
    #[test]
    fn the_typed_report_serialises_as_the_cores_json() {
        let ratings: Vec<agreement::Rating> = [
            ("i1", "ana", "cat"),
            ("i1", "ben", "cat"),
            ("i2", "ana", "dog"),
            ("i2", "ben", "cat"),
            ("i3", "ana", "dog"),
        ]
        .iter()
        .map(|&(item, annotator, label)| agreement::Rating {
            item: item.into(),
            annotator: annotator.into(),
            label: label.into(),
        })
        .collect();
        let core = agreement::report_on(&ratings, &agreement::Scale::Nominal);
        let want = serde_json::to_value(&core).expect("core json");
        let got = serde_json::to_value(AgreementReport::from(core)).expect("dto json");
        assert_eq!(got, want);
        assert_eq!(got["scale"], "nominal");
    }

    #[test]
    fn a_statistic_that_is_not_finite_is_null() {
        let e = estimate(&quality::Estimate {
            items: 3,
            correct: 1,
            accuracy: Some(f64::NAN),
            low: Some(f64::INFINITY),
            high: Some(0.5),
        });
        assert_eq!((e.accuracy, e.low, e.high), (None, None, Some(0.5)));
        assert_eq!(
            serde_json::to_value(e).expect("json"),
            serde_json::json!({"items": 3, "correct": 1, "accuracy": null, "low": null, "high": 0.5})
        );
        assert!(interval(Some(agreement::Interval {
            low: f64::NAN,
            high: 1.0
        }))
        .is_none());
    }
}
