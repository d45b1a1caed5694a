//! Gold items and qualifications in the app: marking gold (from given or decided labels), the
//! gold list (a lead's), a qualification's standing per annotator, and a queue's gold options.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use arbiter_core::{gold, review};

/// Where `add_gold`'s answers come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum GoldSource {
    Given,
    Decisions,
}

/// Mark items gold: a stratified, seeded sample of the items with a given (or decided) label.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AddGoldRequest {
    pub source: GoldSource,
    /// `NAME@N`, or null for the only dataset.
    pub dataset: Option<String>,
    /// The share of the candidates, in (0, 1]; or `count`; neither: all of them.
    pub share: Option<f64>,
    #[ts(type = "number | null")]
    pub count: Option<u64>,
    #[ts(type = "number")]
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GoldAddedDto {
    pub dataset: String,
    #[ts(type = "number")]
    pub candidates: u64,
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub unchanged: u64,
    /// `[label, items]`, in schema order.
    #[ts(type = "Array<[string, number]>")]
    pub by_label: Vec<(String, u64)>,
}

impl From<gold::Added> for GoldAddedDto {
    fn from(a: gold::Added) -> Self {
        GoldAddedDto {
            dataset: a.dataset,
            candidates: a.candidates as u64,
            added: a.added as u64,
            unchanged: a.unchanged as u64,
            by_label: a.by_label.into_iter().map(|(l, n)| (l, n as u64)).collect(),
        }
    }
}

/// A gold item and its answer (for leads).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GoldItemDto {
    pub item_id: String,
    pub dataset: String,
    pub label: String,
    pub added_by: String,
    pub added_at: String,
}

impl From<gold::GoldItem> for GoldItemDto {
    fn from(g: gold::GoldItem) -> Self {
        GoldItemDto {
            item_id: g.item_id,
            dataset: g.dataset,
            label: g.label,
            added_by: g.added_by,
            added_at: g.added_at,
        }
    }
}

/// Where one annotator stands in one qualification queue.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QualificationDto {
    pub annotator: String,
    pub queue: String,
    /// `pending`, `passed` or `failed`.
    pub status: String,
    pub labeled: u32,
    pub correct: u32,
    pub pass_items: u32,
    pub pass_accuracy: f64,
}

impl QualificationDto {
    pub fn of(annotator: &str, s: review::QualificationStatus) -> Self {
        QualificationDto {
            annotator: annotator.to_string(),
            queue: s.queue,
            status: s.status.to_string(),
            labeled: s.labeled,
            correct: s.correct,
            pass_items: s.pass_items,
            pass_accuracy: s.pass_accuracy,
        }
    }
}

/// A queue's gold options (`CreateQueueRequest.gold`, `QueueDto.gold`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct GoldServingDto {
    /// The share of each annotator's items that are gold, in [0, 1).
    pub rate: f64,
    /// Each annotator's first `warmup` items are gold.
    pub warmup: u32,
    /// A qualification queue: gold only, graded.
    pub qualification: Option<QualificationRule>,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QualificationRule {
    pub pass_accuracy: f64,
    pub pass_items: u32,
}

impl From<GoldServingDto> for review::GoldServing {
    fn from(g: GoldServingDto) -> Self {
        review::GoldServing {
            rate: g.rate,
            warmup: g.warmup,
            qualification: g.qualification.map(|q| review::Qualification {
                pass_accuracy: q.pass_accuracy,
                pass_items: q.pass_items,
            }),
        }
    }
}

impl From<review::GoldServing> for GoldServingDto {
    fn from(g: review::GoldServing) -> Self {
        GoldServingDto {
            rate: g.rate,
            warmup: g.warmup,
            qualification: g.qualification.map(|q| QualificationRule {
                pass_accuracy: q.pass_accuracy,
                pass_items: q.pass_items,
            }),
        }
    }
}

macro_rules! with_gold_types {
    ($m:ident) => {
        $m!(
            GoldSource,
            AddGoldRequest,
            GoldAddedDto,
            GoldItemDto,
            QualificationDto,
            GoldServingDto,
            QualificationRule
        )
    };
}
pub(crate) use with_gold_types;
