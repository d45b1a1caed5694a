//! Export 1,000,000 rows (100,000 of them annotated by two annotators) to Parquet, and compare
//! in the same run with the dump a user would script: Python's sqlite3 + csv writing the items
//! with their latest label. Target (docs/contract.md): under 5 s.
//!
//! Run: `cargo run --release -p arbiter-bench --bin export_1m [-- ITEMS]`

use std::time::Duration;

use anyhow::{bail, Result};
use arbiter_bench::{imported_project, python_seconds, report, time};
use arbiter_core::export::{self, ExportOptions, Format, Predictions};
use arbiter_core::Project;

const PYTHON_BASELINE: &str = r#"
import csv, sqlite3, sys, time
t = time.perf_counter()
con = sqlite3.connect(sys.argv[1])
rows = con.execute("""
  SELECT i.ext_id, i.path, g.name, (SELECT l.name FROM annotations a JOIN labels l ON l.id = a.label_id
                                    WHERE a.item_id = i.id ORDER BY a.id DESC LIMIT 1)
  FROM items i LEFT JOIN labels g ON g.id = i.label_id ORDER BY i.id""")
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["item_id", "path", "given_label", "final_label"])
    w.writerows(rows)
print(time.perf_counter() - t)
"#;

fn main() -> Result<()> {
    let items = arbiter_bench::size_arg(1_000_000)?;
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("m.csv");
    arbiter_bench::write_manifest(&csv, "id,label,x", items, |i| {
        format!("item_{i:07},class_{},{}", i % 10, i % 97)
    })?;
    let root = dir.path().join("p");
    let (p, _) = imported_project(&root, &csv)?;
    drop(p);
    {
        let mut conn = rusqlite::Connection::open(root.join("arbiter.db"))?;
        let tx = conn.transaction()?;
        tx.execute_batch(
            "INSERT INTO annotators (name, role, created_at) VALUES ('ana', 'annotator', 'x'), ('ben', 'annotator', 'x');",
        )?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO annotations (item_id, annotator_id, kind, label_id, source, created_at) VALUES (?1, ?2, 'label', ?3, 'manual', ?4)",
            )?;
            for i in (0..items).step_by(10) {
                let label = (i % 10) as i64 + 1;
                ins.execute(rusqlite::params![
                    i as i64 + 1,
                    1,
                    label,
                    "2026-11-01T10:00:00Z"
                ])?;
                let other = if i % 70 == 0 { label % 10 + 1 } else { label };
                ins.execute(rusqlite::params![
                    i as i64 + 1,
                    2,
                    other,
                    "2026-11-01T10:00:01Z"
                ])?;
            }
        }
        tx.commit()?;
    }
    let p = Project::open(&root)?;
    let out = dir.path().join("out.parquet");
    let opts = ExportOptions {
        out: out.clone(),
        format: Format::Parquet,
        dataset: None,
        predictions: Predictions::None,
        only_decided: false,
        min_agreement: None,
        exclude_reasons: vec![],
        validation_share: Some(0.1),
        seed: 1,
        allow_below_target: false,
    };
    let (summary, ours) = time(|| export::export(&p, &opts));
    let summary = summary?;
    if summary.rows != items {
        bail!("exported {} rows, expected {items}", summary.rows);
    }
    let py = python_seconds(
        PYTHON_BASELINE,
        &[&root.join("arbiter.db"), &dir.path().join("baseline.csv")],
    )?
    .as_secs_f64();
    println!(
        "parquet file: {:.1} MB",
        std::fs::metadata(&out)?.len() as f64 / 1e6
    );
    report(
        &format!("export {items} rows to Parquet (decisions, provenance, split, lineage)"),
        ours,
        Some(Duration::from_secs(5)),
        "python sqlite3 + csv, latest label only",
        Duration::from_secs_f64(py),
    );
    Ok(())
}
