//! Drift between two 1,000,000-row versions of a dataset with 20 numeric columns (the second
//! with 5 columns shifted, 5 spread). Target (docs/contract.md): the whole `drift::report` —
//! reading both versions' features from the project and testing every column (Wasserstein and
//! Jensen–Shannon, as Evidently chooses for a large reference), histograms included — under 2 s.
//! Baseline in the same run: Evidently 0.7.23's `DataDriftTable` on the same rows (its run only,
//! the CSVs read beforehand), when a Python with Evidently is at hand (`ARBITER_BENCH_EVIDENTLY_PYTHON`,
//! else the drift fixtures' venv `/tmp/driftvenv/bin/python`, fixtures/README.md; skipped with
//! a note otherwise); and the same tests on the columns already in memory.
//!
//! Run: `cargo run --release -p arbiter-bench --bin drift_1m [-- ROWS]`

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use arbiter_bench::{report, time, write_manifest};
use arbiter_core::dataset::{self, ImportOptions};
use arbiter_core::drift::{self, Method, Options};
use arbiter_core::Project;

const COLUMNS: usize = 20;

const EVIDENTLY_BASELINE: &str = r#"
import sys, time, warnings
import pandas as pd
from evidently.legacy.metrics import DataDriftTable
from evidently.legacy.pipeline.column_mapping import ColumnMapping
from evidently.legacy.report import Report
warnings.simplefilter("ignore")
ref = pd.read_csv(sys.argv[1]).drop(columns=["id"])
cur = pd.read_csv(sys.argv[2]).drop(columns=["id"])
mapping = ColumnMapping(numerical_features=list(ref.columns), categorical_features=[], target=None, prediction=None)
t = time.perf_counter()
report = Report(metrics=[DataDriftTable()])
report.run(reference_data=ref, current_data=cur, column_mapping=mapping)
result = report.as_dict()["metrics"][0]["result"]
elapsed = time.perf_counter() - t
print(elapsed, result["number_of_drifted_columns"])
"#;

/// Row `i` of a version: normal-ish values from a seeded generator (sum of uniforms).
fn row(seed: u64, i: usize, current: bool) -> String {
    let mut x = seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut cells = vec![format!("{}{i:07}", if current { "c" } else { "r" })];
    for c in 0..COLUMNS {
        let z = (0..4).map(|_| next()).sum::<f64>() - 2.0;
        let v = match (current, c) {
            (true, 0..5) => z + 0.3,
            (true, 5..10) => z * 1.5,
            _ => z,
        };
        cells.push(format!("{v:.5}"));
    }
    cells.join(",")
}

fn import(p: &mut Project, source: &Path) -> Result<()> {
    dataset::import(
        p,
        &ImportOptions {
            source: source.to_path_buf(),
            name: Some("d".into()),
            ..Default::default()
        },
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )?;
    Ok(())
}

fn python() -> Option<String> {
    [
        std::env::var("ARBITER_BENCH_EVIDENTLY_PYTHON").ok(),
        Some("/tmp/driftvenv/bin/python".to_string()),
    ]
    .into_iter()
    .flatten()
    .find(|py| {
        Command::new(py)
            .args(["-c", "import evidently"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn main() -> Result<()> {
    let rows = arbiter_bench::size_arg(1_000_000)?;
    let dir = tempfile::tempdir()?;
    let header = std::iter::once("id".to_string())
        .chain((0..COLUMNS).map(|c| format!("f{c:02}")))
        .collect::<Vec<_>>()
        .join(",");
    let (a, b) = (dir.path().join("ref.csv"), dir.path().join("cur.csv"));
    write_manifest(&a, &header, rows, |i| row(1, i, false))?;
    write_manifest(&b, &header, rows, |i| row(2, i, true))?;
    let mut p = Project::create(&dir.path().join("p"), None, &[])?;
    import(&mut p, &a)?;
    import(&mut p, &b)?;
    let _ = drift::report(&p, "d@1", "d@2", Options::default())?;
    let (r, ours) = time(|| drift::report(&p, "d@1", "d@2", Options::default()));
    let r = r?;
    println!(
        "{rows} + {rows} rows × {COLUMNS} columns: {} of {} columns drifted ({})",
        r.drifted_columns,
        r.columns.len(),
        r.columns
            .iter()
            .map(|c| format!("{} {:.3}", c.column, c.statistic))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // The same tests on columns already in memory.
    let read = |name: &Path| -> Result<Vec<Vec<f64>>> {
        let text = std::fs::read_to_string(name)?;
        let mut cols: Vec<Vec<f64>> = (0..COLUMNS).map(|_| Vec::with_capacity(rows)).collect();
        for line in text.lines().skip(1) {
            for (c, v) in line.split(',').skip(1).enumerate() {
                cols[c].push(v.parse::<f64>()?);
            }
        }
        Ok(cols)
    };
    let (ra, rb) = (read(&a)?, read(&b)?);
    let (_, in_memory) = time(|| {
        use rayon::prelude::*;
        ra.par_iter()
            .zip(&rb)
            .map(|(x, y)| drift::stats::test_column(x, y, Method::Default))
            .collect::<Vec<_>>()
    });
    report(
        &format!("drift report, 2 × {rows} rows × {COLUMNS} columns, read from the project"),
        ours,
        Some(Duration::from_secs(2)),
        "the same tests on columns in memory, no histograms",
        in_memory,
    );
    match python() {
        Some(py) => {
            let out = Command::new(&py)
                .arg("-c")
                .arg(EVIDENTLY_BASELINE)
                .arg(&a)
                .arg(&b)
                .output()
                .context("evidently baseline")?;
            if !out.status.success() {
                bail!("Evidently baseline failed: {}", String::from_utf8_lossy(&out.stderr));
            }
            let text = String::from_utf8(out.stdout)?;
            let mut parts = text.split_whitespace();
            let secs: f64 = parts.next().context("seconds")?.parse()?;
            let drifted: usize = parts.next().context("drifted")?.parse()?;
            if drifted != r.drifted_columns {
                bail!("Evidently found {drifted} drifted columns, we found {}", r.drifted_columns);
            }
            report(
                &format!("drift report, 2 × {rows} rows × {COLUMNS} columns"),
                ours,
                Some(Duration::from_secs(2)),
                "Evidently 0.7.23 DataDriftTable, same rows (its run only)",
                Duration::from_secs_f64(secs),
            );
        }
        None => println!(
            "(Evidently baseline skipped: no Python with evidently; set ARBITER_BENCH_EVIDENTLY_PYTHON or create the drift fixtures' venv, fixtures/README.md)"
        ),
    }
    Ok(())
}
