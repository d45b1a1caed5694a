//! `arbiter drift`: feature drift between two dataset versions or runs (Evidently's default
//! tests, or PSI), prediction drift and the label-free accuracy estimate between two runs, and
//! `--save-queue NAME`: CUR's items least like REF as a saved queue. A report that finds the
//! data of the auto-accept in force drifted marks it stale (`drift::mark_stale`).

use anyhow::Result;
use arbiter_core::drift::{self, DriftReport, Method, Options};
use clap::Args;

use crate::output::{json, table};
use crate::Cli;

#[derive(Args, Debug)]
pub struct DriftArgs {
    /// The reference: a run id, or DATASET[@VERSION].
    #[arg(long = "ref", value_name = "REF")]
    pub reference: String,
    /// The current data: a run id, or DATASET[@VERSION].
    #[arg(long = "cur", value_name = "CUR")]
    pub current: String,
    /// Test every column with the population stability index (drift at 0.1; 0.25: major)
    /// instead of Evidently's default tests.
    #[arg(long)]
    pub psi: bool,
    /// Also fit the domain classifier and report its ROC AUC (drift above 0.55).
    #[arg(long)]
    pub classifier: bool,
    /// Save CUR's items least like REF (by the domain classifier) as a queue NAME of CUR's run
    /// (with CUR a dataset version: its newest finished run).
    #[arg(long, value_name = "NAME")]
    pub save_queue: Option<String>,
    /// With --save-queue: keep only the first N items.
    #[arg(long, value_name = "N", requires = "save_queue")]
    pub limit: Option<usize>,
}

pub fn run(cli: &Cli, a: &DriftArgs) -> Result<()> {
    let options = Options {
        method: if a.psi { Method::Psi } else { Method::Default },
        domain_classifier: a.classifier,
    };
    let (report, queue) = match &a.save_queue {
        Some(name) => {
            let mut p = crate::commands::open(cli)?;
            let (r, q) =
                drift::save_queue(&mut p, &a.reference, &a.current, options, name, a.limit)?;
            let counts = arbiter_core::review::counts(&p, q.id)?;
            (r, Some((q, counts.total)))
        }
        None => {
            let p = crate::commands::open(cli)?;
            (
                drift::report_and_mark(&p, &a.reference, &a.current, options)?,
                None,
            )
        }
    };
    if cli.json {
        let mut v = to_json(&report);
        if let Some((q, total)) = &queue {
            v["queue"] =
                serde_json::json!({ "name": q.name, "id": q.id, "run": q.run, "items": total });
        }
        return json(&v);
    }
    print_human(&report);
    if let Some((q, total)) = queue {
        println!(
            "Saved queue {:?}: {total} items of run {}, least like the reference first",
            q.name, q.run
        );
    }
    Ok(())
}

/// The JSON document: the report without the histograms (the app draws those).
fn to_json(r: &DriftReport) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(cols) = v["columns"].as_array_mut() {
        for c in cols {
            if let Some(o) = c.as_object_mut() {
                o.remove("histogram");
            }
        }
    }
    v
}

fn fmt(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-4 {
        format!("{x:.2e}")
    } else {
        format!("{x:.4}")
    }
}

fn print_human(r: &DriftReport) {
    println!(
        "Reference {} ({} rows) → current {} ({} rows)",
        r.reference.describe(),
        r.reference.rows,
        r.current.describe(),
        r.current.rows
    );
    if !r.columns.is_empty() {
        println!(
            "{} of {} columns drifted{}",
            r.drifted_columns,
            r.columns.len(),
            if r.dataset_drift {
                ": the dataset drifted (at least half the columns)"
            } else {
                ""
            }
        );
        table(
            &[
                "column",
                "kind",
                "test",
                "statistic",
                "threshold",
                "drifted",
            ],
            r.columns
                .iter()
                .map(|c| {
                    vec![
                        c.column.clone(),
                        c.kind.as_str().into(),
                        c.test.describe().into(),
                        match c.band {
                            Some(b) => format!("{} ({b})", fmt(c.statistic)),
                            None => fmt(c.statistic),
                        },
                        fmt(c.threshold),
                        if c.drifted { "yes" } else { "no" }.into(),
                    ]
                })
                .collect(),
        );
    }
    for (names, side) in [
        (&r.only_in_reference, &r.reference),
        (&r.only_in_current, &r.current),
    ] {
        if !names.is_empty() {
            println!(
                "Only in {}, not compared: {}",
                side.describe(),
                names.join(", ")
            );
        }
    }
    if let Some(p) = &r.predictions {
        println!(
            "Predicted class mix: Jensen–Shannon distance {}{}",
            fmt(p.class_mix_distance),
            if p.class_mix_drifted {
                " (drifted)"
            } else {
                ""
            }
        );
        table(
            &["class", "reference", "current"],
            p.class_mix
                .iter()
                .map(|c| {
                    vec![
                        c.class.clone(),
                        format!("{:.1}%", c.reference * 100.0),
                        format!("{:.1}%", c.current * 100.0),
                    ]
                })
                .collect(),
        );
        println!(
            "Top-class confidence: mean {:.3} → {:.3}; {} {}{}",
            p.reference_mean_confidence,
            p.current_mean_confidence,
            p.confidence.test.describe(),
            fmt(p.confidence.statistic),
            if p.confidence.drifted {
                " (drifted)"
            } else {
                ""
            }
        );
        if let Some(f) = &p.flips {
            println!(
                "Same items: {} of {} predictions flipped ({:.1}%), Cohen's κ {}",
                f.flipped,
                f.items,
                f.flip_rate * 100.0,
                f.kappa.map_or("-".into(), |k| format!("{k:.3}"))
            );
        }
    }
    if let Some(e) = &r.estimated_accuracy {
        let measured = match (e.reference.accuracy, e.reference.low, e.reference.high) {
            (Some(a), Some(l), Some(h)) => format!(
                "{:.1}% on {} decided items (95% {:.1}–{:.1}%)",
                a * 100.0,
                e.reference.items,
                l * 100.0,
                h * 100.0
            ),
            _ => "not measured (no decided items)".into(),
        };
        println!(
            "Estimated accuracy of {} ({}): {:.1}%; reference measured: {measured}",
            r.current.describe(),
            if e.calibrated {
                "calibrated"
            } else {
                "uncalibrated"
            },
            e.estimate * 100.0
        );
        println!("Warning: {}", e.warning);
    }
    if let Some(d) = &r.domain_classifier {
        println!(
            "Domain classifier on the {}: ROC AUC {:.3} (drift above {}){}",
            d.inputs,
            d.roc_auc,
            d.threshold,
            if d.drifted {
                ": the versions can be told apart"
            } else {
                ""
            }
        );
    }
    if let Some(s) = &r.auto_accept_stale {
        println!(
            "Auto-accept on run {} (threshold {:.4}) is stale{}: its data drifted ({}; {}). It stays in force until a lead revokes it; certify on a run of the newer data.",
            s.run,
            s.threshold,
            if s.recorded {
                " (recorded now)"
            } else {
                " (recorded earlier)"
            },
            s.verdict.reason,
            arbiter_core::calibration::stale_columns(&s.verdict),
        );
    }
}
