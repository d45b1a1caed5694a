//! `calibrate` and `autoaccept` on a 1,000,000-item run (10 classes) with a fair sample of
//! 1,000 decided items (a random queue saved without a threshold). Target: under 1 s each.
//! Then the queues that need the calibration: by calibrated confidence (`--calibrated`) and
//! set-size, against the queue target (under 0.5 s).
//! Baseline in the same run: building the least-confidence queue over the same run — one pass
//! over its probabilities, what any per-item score costs.
//!
//! Run: `cargo run --release -p arbiter-bench --bin calibration_1m [-- ITEMS]`

use std::time::Duration;

use anyhow::Result;
use arbiter_bench::{median, report, time};
use arbiter_core::annotate::{self, Event, NewAnnotation, Role, Source};
use arbiter_core::queue::{self, QueueSpec, Strategy};
use arbiter_core::review::{self, QueueCreate};
use arbiter_core::{calibration, Project};

const CLASSES: usize = 10;
const SAMPLE: usize = 1000;
const RUNS: usize = 3;

fn main() -> Result<()> {
    let items = arbiter_bench::size_arg(1_000_000)?;
    let dir = tempfile::tempdir()?;
    // Mostly the given label, sure of it to a varying degree; the one item in twenty that
    // looks mislabeled (the model names the next class) is among the least sure.
    let root = arbiter_bench::project_with_predictions(dir.path(), items, CLASSES, 1, |x| {
        if x.is_multiple_of(20) {
            0.3
        } else {
            0.5 + 4.0 * ((x >> 20) & 0xff) as f32 / 255.0
        }
    })?;
    let mut p = Project::open(&root)?;
    annotate::add_annotator(&p, "ana", Role::Annotator)?;
    let q = review::create(
        &mut p,
        &QueueCreate {
            name: "audit".into(),
            spec: QueueSpec {
                run: 1,
                strategy: Strategy::Random,
                other_run: None,
                threshold: None,
                seed: 7,
                calibrated: false,
            },
            limit: Some(SAMPLE),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )?;
    let sampled: Vec<i64> = arbiter_bench::sql_conn(&root)?
        .prepare("SELECT item_id FROM queue_items WHERE queue_id = ?1")?
        .query_map([q.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for item in sampled {
        let label = ((item - 1) as usize % CLASSES).to_string();
        annotate::record(
            &mut p,
            &NewAnnotation::new(item, "ana", Event::Label { label }, Source::Manual),
        )?;
    }
    println!(
        "{items} predictions × {CLASSES} classes, a fair sample of {SAMPLE} decided items; each step runs once to warm up, then {RUNS} times, and the median is reported"
    );
    let spec = QueueSpec {
        run: 1,
        strategy: Strategy::LeastConfidence,
        other_run: None,
        threshold: None,
        seed: 0,
        calibrated: false,
    };
    queue::rank(&p, &spec)?;
    let baseline = median(
        (0..RUNS)
            .map(|_| time(|| queue::rank(&p, &spec)).1)
            .collect(),
    );
    let c = calibration::calibrate(&p, 1, "audit", 10, None)?;
    let t = median(
        (0..RUNS)
            .map(|_| time(|| calibration::calibrate(&p, 1, "audit", 10, None)).1)
            .collect(),
    );
    println!(
        "calibrate: T = {:.4}, NLL {:.4} -> {:.4}, ECE {:.4} -> {:.4}",
        c.temperature,
        c.nll_before.unwrap_or(f64::NAN),
        c.nll_after.unwrap_or(f64::NAN),
        c.ece_before.unwrap_or(f64::NAN),
        c.ece_after.unwrap_or(f64::NAN)
    );
    report(
        "calibrate",
        t,
        Some(Duration::from_secs(1)),
        "least-confidence queue over the run",
        baseline,
    );
    let r = calibration::autoaccept(&p, 1, "audit", 0.1, 0.05)?;
    let t = median(
        (0..RUNS)
            .map(|_| time(|| calibration::autoaccept(&p, 1, "audit", 0.1, 0.05)).1)
            .collect(),
    );
    println!(
        "autoaccept at risk 0.1, delta 0.05: {} — threshold {:?}, bound {:?}, coverage {:?} ({} items)",
        r.status, r.threshold, r.upper_bound, r.coverage, r.accepted
    );
    report(
        "autoaccept",
        t,
        Some(Duration::from_secs(1)),
        "least-confidence queue over the run",
        baseline,
    );
    // Queues by calibrated confidence (queue --calibrated; target: any queue under 0.5 s), and
    // the set-size queue on the fair sample, beside the model's own least-confidence queue.
    for (name, strategy, threshold) in [
        (
            "least-confidence --calibrated",
            Strategy::LeastConfidence,
            None,
        ),
        ("margin --calibrated", Strategy::Margin, None),
        ("entropy --calibrated", Strategy::Entropy, None),
        (
            "least-confidence --calibrated --threshold 0.6",
            Strategy::LeastConfidence,
            Some(0.6),
        ),
        (
            "label-disagreement --calibrated",
            Strategy::LabelDisagreement,
            None,
        ),
    ] {
        let spec = QueueSpec {
            strategy,
            threshold,
            calibrated: true,
            ..spec.clone()
        };
        let n = queue::rank(&p, &spec)?.len();
        let t = median(
            (0..RUNS)
                .map(|_| time(|| queue::rank(&p, &spec)).1)
                .collect(),
        );
        report(
            &format!("queue {name} ({n} items)"),
            t,
            Some(Duration::from_millis(500)),
            "least-confidence queue over the run",
            baseline,
        );
    }
    let set_size = QueueSpec {
        strategy: Strategy::SetSize,
        ..spec.clone()
    };
    let n = arbiter_core::conformal::ranked(&p, &set_size, "audit", 0.1)?
        .1
        .len();
    let t = median(
        (0..RUNS)
            .map(|_| time(|| arbiter_core::conformal::ranked(&p, &set_size, "audit", 0.1)).1)
            .collect(),
    );
    report(
        &format!("queue set-size --alpha 0.1 ({n} items)"),
        t,
        Some(Duration::from_millis(500)),
        "least-confidence queue over the run",
        baseline,
    );
    let (before, t_before) = time(|| arbiter_core::decide::decisions(&p, None));
    let before = before?.len();
    let (applied, t) = time(|| calibration::apply(&p, 1, "audit", 0.1, 0.05, None));
    let applied = applied?;
    report(
        &format!("autoaccept --apply ({} items accepted)", applied.accepted),
        t,
        None,
        "least-confidence queue over the run",
        baseline,
    );
    let (after, t_after) = time(|| arbiter_core::decide::decisions(&p, None));
    report(
        &format!("decisions after --apply ({} decisions)", after?.len()),
        t_after,
        None,
        &format!("decisions before ({before} decisions)"),
        t_before,
    );
    Ok(())
}
