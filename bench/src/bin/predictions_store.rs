//! How big the predictions store gets at 1,000,000 items × 1,000 classes, and how fast it is
//! written, with Arbiter's packing (dense f32 up to 256 classes, sparse top-64 beyond) against
//! the baseline of storing every probability densely, measured in the same run.
//!
//! Run: `cargo run --release -p arbiter-bench --bin predictions_store [-- ITEMS CLASSES]`

use std::io::Write;

use anyhow::Result;
use arbiter_bench::{imported_project, time};
use arbiter_core::predict::{pack, DENSE_MAX_CLASSES, SPARSE_TOP_K};

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let items: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let classes: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1_000);
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("m.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(w, "id")?;
        for i in 0..items {
            writeln!(w, "item_{i:07}")?;
        }
    }
    let mut sizes = Vec::new();
    for (label, dense) in [("arbiter packing", false), ("dense f32 baseline", true)] {
        let root = dir.path().join(label.replace(' ', "_"));
        drop(imported_project(&root, &csv)?);
        // Written straight through SQLite, as the inference pipeline writes them.
        let mut conn = rusqlite::Connection::open(root.join("arbiter.db"))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )?;
        conn.execute_batch(
            "INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
             VALUES ('m', 1, 'x', 'x', 'image', '[]', '[]', '[]', 'labels_file', '{}', '{}', 'now');
             INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, started_at)
             VALUES (1, 1, 'cpu', 'cpu', 1, 'done', 0, 'now');",
        )?;
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let (_, secs) = time(|| -> Result<()> {
            let mut probs = vec![0f32; classes];
            for chunk in (0..items).collect::<Vec<_>>().chunks(10_000) {
                let tx = conn.transaction()?;
                {
                    let mut ins = tx.prepare_cached("INSERT INTO predictions (run_id, item_id, predicted, confidence, probs) VALUES (1, ?1, ?2, ?3, ?4)")?;
                    for &i in chunk {
                        // A peaked random distribution, like a trained classifier's.
                        let mut sum = 0f32;
                        for v in probs.iter_mut() {
                            x ^= x << 13;
                            x ^= x >> 7;
                            x ^= x << 17;
                            let u = (x >> 40) as f32 / (1u64 << 24) as f32;
                            *v = u * u * u * u;
                            sum += *v;
                        }
                        let top = (x % classes as u64) as usize;
                        probs[top] += sum * 4.0;
                        let total: f32 = probs.iter().sum();
                        probs.iter_mut().for_each(|v| *v /= total);
                        let blob: Vec<u8> = if dense {
                            probs.iter().flat_map(|v| v.to_le_bytes()).collect()
                        } else {
                            pack(&probs)
                        };
                        ins.execute(rusqlite_params(
                            i as i64 + 1,
                            top as i64,
                            probs[top] as f64,
                            &blob,
                        ))?;
                    }
                }
                tx.commit()?;
            }
            Ok(())
        });
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        let size = std::fs::metadata(root.join("arbiter.db"))?.len() as f64;
        println!(
            "{label}: {items} items × {classes} classes → database {:.2} GB ({:.0} bytes/item), written in {:.2} s",
            size / 1e9,
            size / items as f64,
            secs.as_secs_f64()
        );
        sizes.push(size);
    }
    println!(
        "dense up to {DENSE_MAX_CLASSES} classes, sparse top-{SPARSE_TOP_K} beyond: {:.1}× smaller than storing every probability",
        sizes[1] / sizes[0]
    );
    Ok(())
}

fn rusqlite_params(item: i64, top: i64, conf: f64, blob: &[u8]) -> impl rusqlite::Params + '_ {
    (item, top, conf, blob)
}
