//! Build every queue strategy over 1,000,000 predictions (10 classes) and compare, in the same
//! run, with the baseline a user would script: Python's sqlite3 reading the run's probabilities
//! and sorting by least confidence. Target (docs/contract.md): any queue under 0.5 s.
//!
//! Run: `cargo run --release -p arbiter-bench --bin queue_1m [-- ITEMS]`

use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use arbiter_bench::{imported_project, median, report, time};
use arbiter_core::predict::{pack, Scores};
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
    let csv = dir.path().join("m.csv");
    arbiter_bench::write_manifest(&csv, "id,label", items, |i| {
        format!("item_{i:07},{}", i % CLASSES)
    })?;
    let root = dir.path().join("p");
    let (p, _) = imported_project(&root, &csv)?;
    drop(p);
    {
        let mut conn = rusqlite::Connection::open(root.join("arbiter.db"))?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
             VALUES ('m', 1, 'x', 'x', 'tabular', '[]', '[]', '{}', 'labels_file', '{{\"kind\":\"tabular\",\"input\":\"x\",\"features\":1}}', '{{\"name\":\"p\",\"kind\":\"probabilities\"}}', 'now');
             INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, started_at) VALUES (1, 1, 'cpu', 'cpu', 1, 'done', {items}, 'now');
             INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, started_at) VALUES (1, 1, 'cpu', 'cpu', 1, 'done', {items}, 'now');",
            serde_json_classes()
        ))?;
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for run in [1i64, 2] {
            let tx = conn.transaction()?;
            {
                let mut ins = tx.prepare(
                    "INSERT INTO predictions (run_id, item_id, predicted, confidence, margin, entropy, given_class, given_prob, probs)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?;
                let mut probs = [0f32; CLASSES];
                for i in 0..items {
                    for v in probs.iter_mut() {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        *v = ((x >> 40) as f32 / (1u64 << 24) as f32).powi(3);
                    }
                    // Mostly agrees with the given label; one item in twenty looks mislabeled.
                    let boosted = if x.is_multiple_of(20) {
                        (i + 1) % CLASSES
                    } else {
                        i % CLASSES
                    };
                    probs[boosted] += 1.5;
                    let sum: f32 = probs.iter().sum();
                    probs.iter_mut().for_each(|v| *v /= sum);
                    let s = Scores::of(&probs);
                    ins.execute(rusqlite::params![
                        run,
                        i as i64 + 1,
                        s.predicted as i64,
                        s.confidence as f64,
                        s.margin,
                        s.entropy,
                        (i % CLASSES) as i64,
                        probs[i % CLASSES] as f64,
                        pack(&probs)
                    ])?;
                }
            }
            tx.commit()?;
        }
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    let p = Project::open(&root)?;
    let out = Command::new("python3")
        .arg("-c")
        .arg(PYTHON_BASELINE)
        .arg(root.join("arbiter.db"))
        .output()
        .context("python3")?;
    if !out.status.success() {
        bail!(
            "python baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let py = Duration::from_secs_f64(String::from_utf8(out.stdout)?.trim().parse()?);
    println!(
        "{items} predictions × {CLASSES} classes; every queue is built once to warm up, then {BUILDS} times, and the median build is reported"
    );
    for name in Strategy::ALL {
        let spec = QueueSpec {
            run: 1,
            strategy: Strategy::parse(name)?,
            other_run: Some(2),
            threshold: None,
            seed: 7,
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

fn serde_json_classes() -> String {
    let names: Vec<String> = (0..CLASSES).map(|i| format!("\"{i}\"")).collect();
    format!("[{}]", names.join(","))
}
