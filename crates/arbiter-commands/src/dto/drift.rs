//! The Drift screen's types: what to compare (`drift_report`), the report (per-column tests
//! with their overlaid histograms, prediction drift, the accuracy estimate, the domain
//! classifier, the auto-accept it finds stale) and the drift queue (`save_drift_queue`, a
//! lead's).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use arbiter_core::drift;

use super::report::estimate;
use super::Estimate;

/// Compare `reference` with `current`, each a run id or `DATASET@VERSION`.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftRequest {
    pub reference: String,
    pub current: String,
    /// PSI on every column instead of Evidently's default tests.
    pub psi: bool,
    /// Also fit the domain classifier (its ROC AUC).
    pub classifier: bool,
}

/// Save CUR's items least like REF as a queue.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftQueueRequest {
    pub reference: String,
    pub current: String,
    pub name: String,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftSide {
    pub spec: String,
    /// `run 3 (wine@2)` or `wine@2`.
    pub label: String,
    pub dataset: String,
    pub version: i64,
    pub run: Option<i64>,
    pub rows: u64,
}

impl From<&drift::Side> for DriftSide {
    fn from(s: &drift::Side) -> Self {
        DriftSide {
            spec: s.spec.clone(),
            label: s.describe(),
            dataset: s.dataset.clone(),
            version: s.version,
            run: s.run,
            rows: s.rows as u64,
        }
    }
}

/// Shares per bin: numeric columns' `edges` are the bins' bounds (one more than the shares),
/// categorical ones' the values.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftHistogram {
    pub edges: Vec<f64>,
    pub categorical: bool,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftColumn {
    pub column: String,
    /// `numeric` or `categorical`.
    pub kind: String,
    /// `ks`, `chi_square`, `z_test`, `wasserstein`, `jensen_shannon`, `psi`.
    pub test: String,
    /// The test in words (`Kolmogorov–Smirnov p-value`, …).
    pub test_name: String,
    pub statistic: f64,
    pub threshold: f64,
    pub drifted: bool,
    /// With PSI alone: `minor`, `moderate`, `major`.
    pub band: Option<String>,
    pub reference_missing: u64,
    pub current_missing: u64,
    pub histogram: DriftHistogram,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClassShare {
    pub class: String,
    pub reference: f64,
    pub current: f64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PredictionFlips {
    pub classes: Vec<String>,
    /// `matrix[i][j]`: items the reference predicted `classes[i]` and the current `classes[j]`.
    pub matrix: Vec<Vec<u64>>,
    pub items: u64,
    pub flipped: u64,
    pub flip_rate: f64,
    pub kappa: Option<f64>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PredictionDriftDto {
    pub class_mix: Vec<ClassShare>,
    pub class_mix_distance: f64,
    pub class_mix_drifted: bool,
    pub reference_mean_confidence: f64,
    pub current_mean_confidence: f64,
    pub confidence_test: String,
    pub confidence_statistic: f64,
    pub confidence_drifted: bool,
    pub flips: Option<PredictionFlips>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EstimatedAccuracyDto {
    pub estimate: f64,
    pub calibrated: bool,
    pub temperature: Option<f64>,
    /// The reference run's accuracy on its decided items, with its 95% Wilson interval.
    pub reference: Estimate,
    pub warning: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DomainClassifierDto {
    /// `features` or `probabilities`.
    pub inputs: String,
    pub roc_auc: f64,
    pub threshold: f64,
    pub drifted: bool,
}

/// The auto-accept in force that the report finds stale.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StaleAutoAcceptDto {
    pub run: i64,
    pub threshold: f64,
    pub verdict: super::StaleDto,
    /// Whether this report recorded the verdict (false: an earlier one had).
    pub recorded: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DriftReportDto {
    pub reference: DriftSide,
    pub current: DriftSide,
    /// `default` or `psi`.
    pub method: String,
    pub columns: Vec<DriftColumn>,
    pub only_in_reference: Vec<String>,
    pub only_in_current: Vec<String>,
    pub drifted_columns: u64,
    pub share_drifted: Option<f64>,
    pub dataset_drift: bool,
    pub predictions: Option<PredictionDriftDto>,
    pub estimated_accuracy: Option<EstimatedAccuracyDto>,
    pub domain_classifier: Option<DomainClassifierDto>,
    pub auto_accept_stale: Option<StaleAutoAcceptDto>,
}

impl From<&drift::DriftReport> for DriftReportDto {
    fn from(r: &drift::DriftReport) -> Self {
        DriftReportDto {
            reference: (&r.reference).into(),
            current: (&r.current).into(),
            method: r.method.to_string(),
            columns: r
                .columns
                .iter()
                .map(|c| DriftColumn {
                    column: c.column.clone(),
                    kind: c.kind.as_str().into(),
                    test: c.test.as_str().into(),
                    test_name: c.test.describe().into(),
                    statistic: c.statistic,
                    threshold: c.threshold,
                    drifted: c.drifted,
                    band: c.band.map(String::from),
                    reference_missing: c.reference_missing as u64,
                    current_missing: c.current_missing as u64,
                    histogram: DriftHistogram {
                        edges: c.histogram.edges.clone(),
                        categorical: c.histogram.categorical,
                        reference: c.histogram.reference.clone(),
                        current: c.histogram.current.clone(),
                    },
                })
                .collect(),
            only_in_reference: r.only_in_reference.clone(),
            only_in_current: r.only_in_current.clone(),
            drifted_columns: r.drifted_columns as u64,
            share_drifted: r.share_drifted,
            dataset_drift: r.dataset_drift,
            predictions: r.predictions.as_ref().map(|p| PredictionDriftDto {
                class_mix: p
                    .class_mix
                    .iter()
                    .map(|c| ClassShare {
                        class: c.class.clone(),
                        reference: c.reference,
                        current: c.current,
                    })
                    .collect(),
                class_mix_distance: p.class_mix_distance,
                class_mix_drifted: p.class_mix_drifted,
                reference_mean_confidence: p.reference_mean_confidence,
                current_mean_confidence: p.current_mean_confidence,
                confidence_test: p.confidence.test.describe().into(),
                confidence_statistic: p.confidence.statistic,
                confidence_drifted: p.confidence.drifted,
                flips: p.flips.as_ref().map(|f| PredictionFlips {
                    classes: f.classes.clone(),
                    matrix: f
                        .matrix
                        .iter()
                        .map(|row| row.iter().map(|&n| n as u64).collect())
                        .collect(),
                    items: f.items as u64,
                    flipped: f.flipped as u64,
                    flip_rate: f.flip_rate,
                    kappa: f.kappa,
                }),
            }),
            estimated_accuracy: r.estimated_accuracy.as_ref().map(|e| EstimatedAccuracyDto {
                estimate: e.estimate,
                calibrated: e.calibrated,
                temperature: e.temperature,
                reference: estimate(&e.reference),
                warning: e.warning.clone(),
            }),
            domain_classifier: r.domain_classifier.as_ref().map(|d| DomainClassifierDto {
                inputs: d.inputs.into(),
                roc_auc: d.roc_auc,
                threshold: d.threshold,
                drifted: d.drifted,
            }),
            auto_accept_stale: r.auto_accept_stale.as_ref().map(|s| StaleAutoAcceptDto {
                run: s.run,
                threshold: s.threshold,
                verdict: (&s.verdict).into(),
                recorded: s.recorded,
            }),
        }
    }
}

macro_rules! with_drift_types {
    ($m:ident) => {
        $m!(
            DriftRequest,
            DriftQueueRequest,
            DriftSide,
            DriftHistogram,
            DriftColumn,
            ClassShare,
            PredictionFlips,
            PredictionDriftDto,
            EstimatedAccuracyDto,
            DomainClassifierDto,
            StaleAutoAcceptDto,
            DriftReportDto
        )
    };
}
pub(crate) use with_drift_types;
