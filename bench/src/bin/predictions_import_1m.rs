//! Import 1,000,000 predictions × 10 classes (`predictions import`, a CSV of `item_id` and
//! `p_<class>`) into a project holding the 1,000,000 items, and compare with the baseline a
//! user would otherwise write in the same run: Python's csv module + sqlite3 `executemany` of
//! the same rows into one table, one transaction, no validation, no scores. Target
//! (docs/contract.md): under 5 s.
//!
//! Run: `cargo run --release -p arbiter-bench --bin predictions_import_1m [-- ROWS]`

use std::time::Duration;

use anyhow::{bail, Result};
use arbiter_bench::{imported_project, python_seconds, report, time, write_manifest};
use arbiter_core::predict::import::{import, ImportOptions};

const CLASSES: usize = 10;

const PYTHON_BASELINE: &str = r#"
import csv, sqlite3, sys, time
src, db = sys.argv[1], sys.argv[2]
t = time.perf_counter()
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL")
con.execute("CREATE TABLE predictions (item_id TEXT PRIMARY KEY, p0 REAL, p1 REAL, p2 REAL, p3 REAL, p4 REAL, p5 REAL, p6 REAL, p7 REAL, p8 REAL, p9 REAL)")
with open(src, newline="") as f:
    r = csv.reader(f)
    next(r)
    with con:
        con.executemany("INSERT INTO predictions VALUES (?,?,?,?,?,?,?,?,?,?,?)", r)
con.close()
print(time.perf_counter() - t)
"#;

fn main() -> Result<()> {
    let rows = arbiter_bench::size_arg(1_000_000)?;
    let dir = tempfile::tempdir()?;
    let manifest = dir.path().join("manifest.csv");
    write_manifest(&manifest, "id,label", rows, |i| {
        format!("item_{i:07},class_{}", i % CLASSES)
    })?;
    let (mut project, _) = imported_project(&dir.path().join("project"), &manifest)?;

    // Probability vectors: a seeded pseudo-random vector per row, normalised, written with
    // 6 decimals (the last class takes the rest so every row sums to 1 within 1e-6).
    let file = dir.path().join("predictions.csv");
    let header = std::iter::once("item_id".to_string())
        .chain((0..CLASSES).map(|k| format!("p_class_{k}")))
        .collect::<Vec<_>>()
        .join(",");
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    write_manifest(&file, &header, rows, |i| {
        let mut v = [0f64; CLASSES];
        let mut sum = 0.0;
        for slot in v.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *slot = (x % 10_000) as f64 + 1.0;
            sum += *slot;
        }
        let mut line = format!("item_{i:07}");
        let mut used = 0.0;
        for (k, slot) in v.iter().enumerate() {
            let p = if k + 1 == CLASSES {
                1.0 - used
            } else {
                let p = (slot / sum * 1e6).round() / 1e6;
                used += p;
                p
            };
            line.push_str(&format!(",{p:.6}"));
        }
        line
    })?;
    let size = std::fs::metadata(&file)?.len();
    println!(
        "predictions: {rows} rows × {CLASSES} classes, {:.1} MB",
        size as f64 / 1e6
    );

    let opts = ImportOptions {
        file: file.clone(),
        name: "elsewhere".into(),
        ..Default::default()
    };
    let (got, ours) = time(|| import(&mut project, &opts));
    let got = got?;
    if got.rows != rows as u64 {
        bail!("imported {} rows, expected {rows}", got.rows);
    }

    let py =
        python_seconds(PYTHON_BASELINE, &[&file, &dir.path().join("baseline.db")])?.as_secs_f64();
    report(
        &format!("predictions import {rows} × {CLASSES} (validated, scored, indexed)"),
        ours,
        Some(Duration::from_secs(5)),
        "python csv + sqlite3 executemany, no validation",
        Duration::from_secs_f64(py),
    );
    Ok(())
}
