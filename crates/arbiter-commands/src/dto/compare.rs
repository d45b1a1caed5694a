//! Two runs compared (`compare_runs`) for the Compare view: the same fields, in the same
//! snake_case, as `arbiter compare --json` (`arbiter_core::compare::Comparison`); a figure the
//! items cannot define (or a non-finite one) is `null`.

use serde::Serialize;
use ts_rs::TS;

use arbiter_core::compare;

use super::report::num;

/// One run's figures on the compared items.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RunFiguresDto {
    #[ts(type = "number")]
    pub run: i64,
    /// The model, `NAME@VERSION`.
    pub model: String,
    #[ts(type = "number")]
    pub correct: u64,
    pub accuracy: Option<f64>,
    /// The 95% Wilson interval of the accuracy.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub macro_f1: Option<f64>,
    pub ece: Option<f64>,
}

/// Items exactly one run gets right.
#[derive(Debug, Clone, Copy, Serialize, TS)]
pub struct FlipsDto {
    #[ts(type = "number")]
    pub total: u64,
    /// Right by A only.
    #[ts(type = "number")]
    pub a_only: u64,
    /// Right by B only.
    #[ts(type = "number")]
    pub b_only: u64,
}

/// Two runs on the same decided items.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ComparisonDto {
    /// The queue the items come from (null: every decided item both runs predicted).
    pub on: Option<String>,
    #[ts(type = "number")]
    pub items: u64,
    /// A, then B.
    pub runs: Vec<RunFiguresDto>,
    pub flips: FlipsDto,
    /// McNemar's exact two-sided p-value on the flips.
    pub mcnemar_p: f64,
}

impl From<compare::Comparison> for ComparisonDto {
    fn from(c: compare::Comparison) -> Self {
        ComparisonDto {
            on: c.on,
            items: c.items as u64,
            runs: c
                .runs
                .into_iter()
                .map(|r| RunFiguresDto {
                    run: r.run,
                    model: r.model,
                    correct: r.correct as u64,
                    accuracy: num(r.accuracy),
                    ci_low: num(r.ci_low),
                    ci_high: num(r.ci_high),
                    macro_f1: num(r.macro_f1),
                    ece: num(r.ece),
                })
                .collect(),
            flips: FlipsDto {
                total: c.flips.total as u64,
                a_only: c.flips.a_only as u64,
                b_only: c.flips.b_only as u64,
            },
            mcnemar_p: c.mcnemar_p,
        }
    }
}

macro_rules! with_compare_types {
    ($m:ident) => {
        $m!(ComparisonDto, RunFiguresDto, FlipsDto)
    };
}
pub(crate) use with_compare_types;
