//! `arbiter compare --run A --run B`: two runs on the same decided items, and the
//! `--max-drop D` quality gate — exit status 3 (after the report) when B's accuracy is below A's
//! by more than D.

use anyhow::Result;
use arbiter_core::compare::{self, CompareOptions, Comparison};

use crate::commands::open;
use crate::output::{json, table};
use crate::{Cli, CompareArgs};

/// The exit status of a failed `--max-drop` gate (the README's table).
pub const GATE_FAILED_STATUS: u8 = 3;

/// The gate failed: the report was printed; `main` exits with [`GATE_FAILED_STATUS`].
#[derive(Debug)]
pub struct GateFailed(pub String);

impl std::fmt::Display for GateFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GateFailed {}

pub fn run(cli: &Cli, a: &CompareArgs) -> Result<()> {
    let [ra, rb] = a.run[..] else {
        return Err(arbiter_core::Error::InvalidArgument(format!(
            "--run: give exactly two runs, A (the reference) then B (--run A --run B); got {}",
            a.run.len()
        ))
        .into());
    };
    let p = open(cli)?;
    let c = compare::compare(
        &p,
        &CompareOptions {
            a: ra,
            b: rb,
            on: a.on.clone(),
            max_drop: a.max_drop,
        },
    )?;
    if cli.json {
        json(&c)?;
    } else {
        print_human(&c);
    }
    match c.gate {
        Some(g) if !g.passed => Err(GateFailed(format!(
            "run {rb}'s accuracy is {:.4} below run {ra}'s; at most {} is allowed (--max-drop)",
            g.drop, g.max_drop
        ))
        .into()),
        _ => Ok(()),
    }
}

fn figure(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

fn print_human(c: &Comparison) {
    println!(
        "{} decided item(s) {}",
        c.items,
        c.on.as_ref()
            .map_or("(every decided item both runs predicted)".into(), |q| {
                format!("of queue {q:?}")
            })
    );
    table(
        &[
            "",
            "run",
            "model",
            "accuracy",
            "95% interval",
            "macro-F1",
            "ECE",
        ],
        c.runs
            .iter()
            .zip(["A", "B"])
            .map(|(r, which)| {
                vec![
                    which.to_string(),
                    r.run.to_string(),
                    r.model.clone(),
                    figure(r.accuracy),
                    format!("[{}, {}]", figure(r.ci_low), figure(r.ci_high)),
                    figure(r.macro_f1),
                    figure(r.ece),
                ]
            })
            .collect(),
    );
    println!(
        "Flips: {} item(s) exactly one run gets right — {} right by A only, {} right by B only",
        c.flips.total, c.flips.a_only, c.flips.b_only
    );
    let p = c.mcnemar_p;
    if p >= 0.001 {
        println!("McNemar exact p = {p:.4}");
    } else {
        println!("McNemar exact p = {p:.2e}");
    }
    if let Some(g) = c.gate {
        println!(
            "Gate (--max-drop {}): B's accuracy is {:.4} {} A's: {}",
            g.max_drop,
            g.drop.abs(),
            if g.drop >= 0.0 { "below" } else { "above" },
            if g.passed { "passed" } else { "FAILED" }
        );
    }
}
