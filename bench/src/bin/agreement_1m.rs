//! Agreement over 1,000,000 ratings (100,000 items × 10 annotators, ~10% of ratings missing),
//! against the baseline a user would script in the same run: Python computing only the
//! pairwise percent agreement with dicts. Target (docs/contract.md): under 1 s.
//!
//! Run: `cargo run --release -p arbiter-bench --bin agreement_1m`

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use arbiter_bench::{python_seconds, report, time};
use arbiter_core::metrics::agreement::{self, Rating};

const PYTHON_BASELINE: &str = r#"
import csv, sys, time, itertools, collections
t = time.perf_counter()
by_item = collections.defaultdict(dict)
with open(sys.argv[1], newline="") as f:
    r = csv.reader(f); next(r)
    for item, who, label in r:
        by_item[item][who] = label
agree = total = 0
for votes in by_item.values():
    for a, b in itertools.combinations(sorted(votes), 2):
        total += 1; agree += votes[a] == votes[b]
print(time.perf_counter() - t)
"#;

fn main() -> Result<()> {
    let (items, annotators) = (100_000usize, 10usize);
    let mut ratings = Vec::with_capacity(items * annotators);
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..items {
        let truth = i % 5;
        for a in 0..annotators {
            if next() % 10 == 0 {
                continue; // a gap
            }
            let label = if next() % 5 == 0 {
                (next() % 5) as usize
            } else {
                truth
            };
            ratings.push(Rating {
                item: format!("item_{i:06}"),
                annotator: format!("ann_{a:02}"),
                label: format!("{label}"),
            });
        }
    }
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("ratings.csv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&csv)?);
        writeln!(w, "item_id,annotator,label")?;
        for r in &ratings {
            writeln!(w, "{},{},{}", r.item, r.annotator, r.label)?;
        }
    }
    let _ = agreement::report(&ratings[..1000]);
    let (r, ours) = time(|| agreement::report(&ratings));
    println!(
        "{} ratings: {} items, {} annotators; alpha {:.4}, AC1 {:.4}, {} Cohen pairs",
        r.ratings,
        r.items,
        r.annotators,
        r.krippendorff_alpha.nominal.value.unwrap_or(f64::NAN),
        r.gwet_ac1.value.unwrap_or(f64::NAN),
        r.cohen_kappa.len()
    );
    let py = python_seconds(PYTHON_BASELINE, &[&csv])?.as_secs_f64();
    report(
        &format!("agreement over {} ratings (every statistic)", r.ratings),
        ours,
        Some(Duration::from_secs(1)),
        "python dicts, pairwise percent agreement only",
        Duration::from_secs_f64(py),
    );
    let (iv, boot) = time(|| agreement::bootstrap(&ratings, 1000, 0));
    println!(
        "plus 1,000 bootstrap resamples over items for the intervals: {:.3} s (alpha in [{:.4}, {:.4}])",
        boot.as_secs_f64(),
        iv.krippendorff_alpha.map_or(f64::NAN, |i| i.low),
        iv.krippendorff_alpha.map_or(f64::NAN, |i| i.high)
    );
    Ok(())
}
