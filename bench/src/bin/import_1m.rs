//! Import a 1,000,000-row manifest (metadata only: id, label, 8 numeric features, a text
//! column) into a fresh project, and compare with the baseline a user would otherwise write in
//! the same run: Python's csv module + sqlite3 `executemany` into one table, one transaction,
//! no validation. Target (docs/contract.md): under 5 s.
//!
//! Run: `cargo run --release -p arbiter-bench --bin import_1m [-- ROWS]`

use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{bail, Result};
use arbiter_bench::{python_seconds, report, time};
use arbiter_core::dataset::{self, ImportOptions};
use arbiter_core::Project;

const PYTHON_BASELINE: &str = r#"
import csv, sqlite3, sys, time
src, db = sys.argv[1], sys.argv[2]
t = time.perf_counter()
con = sqlite3.connect(db)
con.execute("PRAGMA journal_mode=WAL")
con.execute("CREATE TABLE items (id TEXT PRIMARY KEY, label TEXT, f0 REAL, f1 REAL, f2 REAL, f3 REAL, f4 REAL, f5 REAL, f6 REAL, f7 REAL, note TEXT)")
with open(src, newline="") as f:
    r = csv.reader(f)
    next(r)
    with con:
        con.executemany("INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?)", r)
con.close()
print(time.perf_counter() - t)
"#;

fn main() -> Result<()> {
    let rows = arbiter_bench::size_arg(1_000_000)?;
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("manifest.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(w, "id,label,f0,f1,f2,f3,f4,f5,f6,f7,note")?;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..rows {
            // xorshift: deterministic pseudo-random features
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x % 1_000_000) as f64 / 1000.0
            };
            let f: Vec<f64> = (0..8).map(|_| next()).collect();
            writeln!(
                w,
                "item_{i:07},class_{},{},{},{},{},{},{},{},{},batch {}",
                i % 10,
                f[0],
                f[1],
                f[2],
                f[3],
                f[4],
                f[5],
                f[6],
                f[7],
                i / 1000
            )?;
        }
    }
    let size = std::fs::metadata(&csv)?.len();
    println!("manifest: {rows} rows, {:.1} MB", size as f64 / 1e6);

    let mut project = Project::create(&dir.path().join("project"), None, &[])?;
    let opts = ImportOptions {
        source: csv.clone(),
        ..Default::default()
    };
    let (summary, ours) =
        time(|| dataset::import(&mut project, &opts, &mut |_| {}, &AtomicBool::new(false)));
    let summary = summary?;
    if summary.items != rows as u64 {
        bail!("imported {} items, expected {rows}", summary.items);
    }

    let py =
        python_seconds(PYTHON_BASELINE, &[&csv, &dir.path().join("baseline.db")])?.as_secs_f64();
    report(
        &format!("import {rows} rows (validated, hashed, versioned)"),
        ours,
        Some(Duration::from_secs(5)),
        "python csv + sqlite3 executemany, no validation",
        Duration::from_secs_f64(py),
    );
    Ok(())
}
