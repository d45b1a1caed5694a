//! `arbiter calibrate` (temperature scaling on a fair sample) and `arbiter autoaccept`
//! (Learn-then-Test: a threshold with a certified error bound; --apply, --revoke).

use anyhow::Result;
use arbiter_core::calibration;
use arbiter_core::metrics::quality::Bin;
use clap::Args;

use crate::commands::open;
use crate::output::{json, table};
use crate::Cli;

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    #[arg(long)]
    pub run: i64,
    /// The fair sample: a random queue saved without --threshold, its items decided by people.
    #[arg(long, value_name = "QUEUE")]
    pub sample: String,
    /// Equal-width reliability bins (edges k/bins).
    #[arg(long, default_value_t = 10)]
    pub bins: usize,
    /// Record the temperature under this lead's name.
    #[arg(long, value_name = "LEAD")]
    pub by: Option<String>,
}

#[derive(Args, Debug)]
pub struct AutoacceptArgs {
    #[arg(long, required_unless_present = "revoke")]
    pub run: Option<i64>,
    /// The fair sample: a random queue saved without --threshold, its items decided by people.
    #[arg(long, value_name = "QUEUE", required_unless_present = "revoke")]
    pub sample: Option<String>,
    /// The error rate to certify among accepted items (α), strictly between 0 and 1.
    #[arg(long, value_name = "ALPHA", required_unless_present = "revoke")]
    pub risk: Option<f64>,
    /// The chance the certificate is wrong (δ), strictly between 0 and 1.
    #[arg(long, value_name = "DELTA", default_value_t = 0.05)]
    pub delta: f64,
    /// Record the threshold: every item at or above it without a person's label is decided
    /// by the rule `auto` (a person's label always wins).
    #[arg(long, conflicts_with = "revoke")]
    pub apply: bool,
    /// With --apply: apply although a drift report found the run's data drifted (its
    /// certificate is stale); the choice is recorded.
    #[arg(long, requires = "apply")]
    pub despite_drift: bool,
    /// Undo the auto-accept in force.
    #[arg(long)]
    pub revoke: bool,
    /// Apply or revoke under this lead's name.
    #[arg(long, value_name = "LEAD")]
    pub by: Option<String>,
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{:.1}%", 100.0 * v))
}

fn num(x: Option<f64>) -> String {
    x.map_or("-".into(), |v| format!("{v:.4}"))
}

/// The warning for a temperature that stopped at the bound `b` of its search.
fn at_bound_note(b: f64) -> String {
    let pull = if b < 1.0 {
        "the sample has no errors, or almost none, among confident predictions"
    } else {
        "the sample's labels disagree with the predictions about as often at any confidence"
    };
    format!(
        "Warning: T stopped at the bound {b} of its search ({} to {}): the sample fits best with a T beyond it ({pull}), so T is not its optimum. Label more of the sample (a larger random queue) before trusting calibrated figures.",
        calibration::T_MIN,
        calibration::T_MAX
    )
}

pub fn calibrate(cli: &Cli, a: &CalibrateArgs) -> Result<()> {
    let p = open(cli)?;
    let c = calibration::calibrate(&p, a.run, &a.sample, a.bins, a.by.as_deref())?;
    if cli.json {
        return json(&c);
    }
    println!(
        "Run {}: temperature T = {:.4} fitted on {} decided item(s) of queue {:?} (kept with the run; queues and thresholds use it with --calibrated).",
        c.run, c.temperature, c.items, c.sample
    );
    if let Some(b) = c.at_bound {
        println!("{}", at_bound_note(b));
    }
    println!(
        "NLL {} -> {}   ECE {} -> {}",
        num(c.nll_before),
        num(c.nll_after),
        num(c.ece_before),
        num(c.ece_after)
    );
    let row = |b: &Bin, a: &Bin| {
        vec![
            format!("{:.2}-{:.2}", b.lower, b.upper),
            b.items.to_string(),
            num(b.mean_confidence),
            pct(b.accuracy),
            a.items.to_string(),
            num(a.mean_confidence),
            pct(a.accuracy),
        ]
    };
    table(
        &[
            "confidence",
            "items before",
            "mean conf. before",
            "accuracy before",
            "items after",
            "mean conf. after",
            "accuracy after",
        ],
        c.bins_before
            .iter()
            .zip(&c.bins_after)
            .map(|(b, a)| row(b, a))
            .collect(),
    );
    Ok(())
}

pub fn autoaccept(cli: &Cli, a: &AutoacceptArgs) -> Result<()> {
    let p = open(cli)?;
    if a.revoke {
        let was = calibration::revoke(&p, a.by.as_deref())?;
        if cli.json {
            return json(&serde_json::json!({ "revoked": was }));
        }
        println!(
            "Revoked the auto-accept at threshold {:.4} on run {}: its items are undecided again unless people labeled them.",
            was.threshold, was.run
        );
        return Ok(());
    }
    let (Some(run), Some(sample), Some(risk)) = (a.run, a.sample.as_deref(), a.risk) else {
        anyhow::bail!("give --run, --sample and --risk (or --revoke)");
    };
    let r = if a.apply {
        calibration::apply_with(
            &p,
            run,
            sample,
            risk,
            a.delta,
            a.by.as_deref(),
            a.despite_drift,
        )?
    } else {
        calibration::autoaccept(&p, run, sample, risk, a.delta)?
    };
    if cli.json {
        return json(&r);
    }
    if let Some(s) = &r.stale {
        println!(
            "Stale: run {run}'s data drifted (drift report {} → {} on {}: {}; {}). The fair sample no longer speaks for the newer data; certify on a run of it.",
            s.reference,
            s.current,
            s.at,
            s.reason,
            calibration::stale_columns(s)
        );
    }
    match r.threshold {
        None => println!(
            "Insufficient: no threshold certifies an error of at most {:.1}% with {:.0}% confidence on queue {:?}; label at least {} of its items (or accept a higher risk).",
            100.0 * r.risk,
            100.0 * (1.0 - r.delta),
            r.sample,
            r.labels_needed.unwrap_or(0)
        ),
        Some(t) => {
            println!(
                "Certified: accept items with calibrated confidence >= {t:.4} (T = {:.4}). Among them the error is at most {} with {:.0}% confidence ({} of {} sample item(s) wrong).",
                r.temperature,
                pct(r.upper_bound),
                100.0 * (1.0 - r.delta),
                r.sample_errors,
                r.sample_accepted
            );
            println!(
                "Coverage: {} item(s), {} of the run, no longer need a person.",
                r.accepted,
                pct(r.coverage)
            );
            if r.applied && r.despite_drift {
                println!("Applied despite the drift (recorded): those without a person's label are decided by the rule `auto` (`arbiter autoaccept --revoke` undoes it).");
            } else if r.applied {
                println!("Applied: those without a person's label are decided by the rule `auto` (`arbiter autoaccept --revoke` undoes it).");
            } else {
                println!("Nothing recorded: add --apply to decide them automatically.");
            }
        }
    }
    Ok(())
}
