//! Build every queue strategy over 1,000,000 predictions (10 classes) and compare, in the same
//! run, with the baseline a user would script: Python's sqlite3 reading the run's probabilities
//! and sorting by least confidence. Target (docs/contract.md): any queue under 0.5 s.
//!
//! Run: `cargo run --release -p arbiter-bench --bin queue_1m [-- ITEMS]`

use std::time::Duration;

use anyhow::{bail, Result};
use arbiter_bench::{median, python_seconds, report, time};
use arbiter_core::queue::{self, QueueSpec, Strategy};
use arbiter_core::Project;

const CLASSES: usize = 10;
/// Timed builds per strategy; the median is reported (the machine may be noisy).
const BUILDS: usize = 5;

const PYTHON_BASELINE: &str = r#"
import sqlite3, struct, sys, time
t = time.perf_counter()
con = sqlite3.connect(sys.argv[1])
rows = con.execute("SELECT item_id, probs FROM predictions WHERE run_id = 1").fetchall()
scored = [(1.0 - max(struct.unpack("<10f", p)), i) for i, p in rows]
scored.sort(key=lambda r: (-r[0], r[1]))
print(time.perf_counter() - t)
"#;

fn main() -> Result<()> {
    let items = arbiter_bench::size_arg(1_000_000)?;
    let dir = tempfile::tempdir()?;
    let root = arbiter_bench::project_with_predictions(dir.path(), items, CLASSES, 2, |_| 1.5)?;
    let p = Project::open(&root)?;
    let py = python_seconds(PYTHON_BASELINE, &[&root.join("arbiter.db")])?;
    println!(
        "{items} predictions × {CLASSES} classes; every queue is built once to warm up, then {BUILDS} times, and the median build is reported"
    );
    // set-size needs a fair sample to calibrate its sets on: measured in calibration_1m.
    for name in Strategy::ALL.iter().filter(|s| **s != "set-size") {
        let spec = QueueSpec {
            run: 1,
            strategy: Strategy::parse(name)?,
            other_run: Some(2),
            threshold: None,
            seed: 7,
            calibrated: false,
        };
        let n = queue::rank(&p, &spec)?.len();
        let mut times = Vec::with_capacity(BUILDS);
        for _ in 0..BUILDS {
            let (ranked, t) = time(|| queue::rank(&p, &spec));
            if ranked?.len() != n {
                bail!("{name}: the same queue built twice has different lengths");
            }
            times.push(t);
        }
        let t = median(times);
        report(
            &format!("queue {name:<19} ({n:>7} items)"),
            t,
            Some(Duration::from_millis(500)),
            "python sqlite3 + sort, least-confidence",
            py,
        );
    }
    Ok(())
}
