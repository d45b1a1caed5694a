//! Dawid–Skene over 1,000,000 annotations (200,000 items × 5 of 50 annotators, 5 labels,
//! annotators from expert to spammer). Target (docs/contract.md): under 2 s. Baselines in the
//! same run: majority vote over the same votes in-process, and crowd-kit's `DawidSkene` in
//! Python when a Python with crowd-kit is at hand (`ARBITER_BENCH_PYTHON`, else the fixtures'
//! venv `/tmp/fxvenv/bin/python`; skipped with a note otherwise). Then the same votes in a
//! project: every item's decision under `dawid-skene` against the same call under `majority`;
//! and scoring the 50 annotators on gold (a tenth of the items gold, answered by their true
//! label): target under 2 s, beside the majority decisions of the same project.
//!
//! Run: `cargo run --release -p arbiter-bench --bin dawid_skene_1m [-- ITEMS]`

use std::collections::HashMap;
use std::io::Write;
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Result};
use arbiter_bench::{imported_project, report, time};
use arbiter_core::decide::{self, dawid_skene, Mode, Rule, Status};
use arbiter_core::Project;

const PYTHON_BASELINE: &str = r#"
import sys, time
import pandas as pd
from crowdkit.aggregation import DawidSkene
df = pd.read_csv(sys.argv[1], dtype=str)
t = time.perf_counter()
DawidSkene(n_iter=100, tol=1e-5).fit(df)
print(time.perf_counter() - t)
"#;

const PER_ITEM: usize = 5;
const ANNOTATORS: usize = 50;
const K: usize = 5;

/// (item, annotator, label) votes and each item's true label, from a fixed seed.
fn crowd(items: usize) -> (Vec<(u32, u16, u8)>, Vec<u8>) {
    let mut x: u64 = 0x5eed_da71_d5c3_0001;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let unit = |v: u64| (v >> 11) as f64 / (1u64 << 53) as f64;
    // Accuracy from 0.95 down to 0.45; every tenth annotator a spammer answering label 0.
    let accuracy: Vec<f64> = (0..ANNOTATORS)
        .map(|a| 0.95 - 0.5 * a as f64 / ANNOTATORS as f64)
        .collect();
    let mut votes = Vec::with_capacity(items * PER_ITEM);
    let mut truth = Vec::with_capacity(items);
    for i in 0..items {
        let t = (next() % K as u64) as u8;
        truth.push(t);
        let mut chosen = [usize::MAX; PER_ITEM];
        for slot in 0..PER_ITEM {
            let mut a = (next() % ANNOTATORS as u64) as usize;
            while chosen[..slot].contains(&a) {
                a = (a + 1) % ANNOTATORS;
            }
            chosen[slot] = a;
            let label = if a % 10 == 9 {
                0
            } else if unit(next()) < accuracy[a] {
                t
            } else {
                (next() % K as u64) as u8
            };
            votes.push((i as u32, a as u16, label));
        }
    }
    (votes, truth)
}

/// Majority vote over the same votes: the most voted label per item (the first among equals).
fn majority(votes: &[(u32, u16, u8)], items: usize) -> Vec<u8> {
    let mut counts = vec![0u32; items * K];
    for &(i, _, l) in votes {
        counts[i as usize * K + l as usize] += 1;
    }
    counts
        .chunks(K)
        .map(|c| {
            let mut best = 0;
            for (l, n) in c.iter().enumerate() {
                if *n > c[best] {
                    best = l;
                }
            }
            best as u8
        })
        .collect()
}

fn share_right(labels: &[u8], truth: &[u8]) -> f64 {
    labels.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

/// A Python with crowd-kit, if there is one.
fn python() -> Option<String> {
    let candidates = [
        std::env::var("ARBITER_BENCH_PYTHON").ok(),
        Some("/tmp/fxvenv/bin/python".to_string()),
    ];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import crowdkit.aggregation"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn main() -> Result<()> {
    let items = arbiter_bench::size_arg(200_000)?;
    let (votes, truth) = crowd(items);
    let none = HashMap::new();
    let _ = dawid_skene::fit(&votes[..10_000], &none, dawid_skene::Options::default());
    let (fit, ours) = time(|| dawid_skene::fit(&votes, &none, dawid_skene::Options::default()));
    let (mv, base) = time(|| majority(&votes, items));
    // The fit's labels, back in item order.
    let mut ds = vec![0u8; items];
    for (row, item) in fit.items.iter().enumerate() {
        ds[*item as usize] = fit.labels[fit.most_probable(row)];
    }
    println!(
        "{} annotations: {items} items × {PER_ITEM} of {ANNOTATORS} annotators, {K} labels; {} rounds; right: Dawid–Skene {:.4}, majority vote {:.4}",
        votes.len(),
        fit.iterations(),
        share_right(&ds, &truth),
        share_right(&mv, &truth)
    );
    report(
        &format!("Dawid–Skene fit over {} annotations", votes.len()),
        ours,
        Some(Duration::from_secs(2)),
        "majority vote, same votes, in-process",
        base,
    );
    // However slowly a crowd converges: every one of the 100 rounds run.
    let all_rounds = dawid_skene::Options {
        max_iterations: 100,
        tolerance: f64::NEG_INFINITY,
    };
    let (worst, slowest) = time(|| dawid_skene::fit(&votes, &none, all_rounds));
    println!(
        "the same fit made to run all {} rounds (crowd-kit's most): {:.3} s",
        worst.iterations(),
        slowest.as_secs_f64()
    );
    let dir = tempfile::tempdir()?;
    match python() {
        Some(py) => {
            let csv = dir.path().join("votes.csv");
            {
                let mut w = std::io::BufWriter::new(std::fs::File::create(&csv)?);
                writeln!(w, "task,worker,label")?;
                for (i, a, l) in &votes {
                    writeln!(w, "t{i},w{a},l{l}")?;
                }
                w.flush()?;
            }
            let out = Command::new(&py)
                .arg("-c")
                .arg(PYTHON_BASELINE)
                .arg(&csv)
                .output()?;
            if !out.status.success() {
                bail!(
                    "crowd-kit baseline failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let secs: f64 = String::from_utf8(out.stdout)?.trim().parse()?;
            report(
                &format!("Dawid–Skene fit over {} annotations", votes.len()),
                ours,
                Some(Duration::from_secs(2)),
                "crowd-kit DawidSkene in Python, same votes (fit only)",
                Duration::from_secs_f64(secs),
            );
        }
        None => println!(
            "(crowd-kit baseline skipped: no Python with crowd-kit; set ARBITER_BENCH_PYTHON or create the fixtures' venv, fixtures/README.md)"
        ),
    }
    // The same votes in a project: every decision, by annotator quality and by majority.
    let manifest = dir.path().join("m.csv");
    arbiter_bench::write_manifest(&manifest, "id,x", items, |i| format!("item_{i:07},{i}"))?;
    let root = dir.path().join("p");
    let (p, _) = imported_project(&root, &manifest)?;
    drop(p);
    {
        let mut conn = rusqlite::Connection::open(root.join(arbiter_core::store::DB_FILE))?;
        let tx = conn.transaction()?;
        {
            let mut add = tx.prepare(
                "INSERT INTO annotators (name, role, created_at) VALUES (?1, 'annotator', 'x')",
            )?;
            for a in 0..ANNOTATORS {
                add.execute([format!("ann{a:02}")])?;
            }
            let mut label = tx
                .prepare("INSERT INTO labels (name, color, position) VALUES (?1, '#888888', ?2)")?;
            for l in 0..K {
                label.execute(rusqlite::params![format!("l{l}"), l as i64])?;
            }
        }
        let first_item: i64 = tx.query_row("SELECT MIN(id) FROM items", [], |r| r.get(0))?;
        let first_annotator: i64 =
            tx.query_row("SELECT MIN(id) FROM annotators", [], |r| r.get(0))?;
        let first_label: i64 = tx.query_row("SELECT MIN(id) FROM labels", [], |r| r.get(0))?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO annotations (item_id, annotator_id, kind, label_id, source, created_at)
                 VALUES (?1, ?2, 'label', ?3, 'manual', '2026-11-01T10:00:00.000Z')",
            )?;
            for &(i, a, l) in &votes {
                ins.execute(rusqlite::params![
                    first_item + i as i64,
                    first_annotator + a as i64,
                    first_label + l as i64
                ])?;
            }
        }
        tx.commit()?;
    }
    let p = Project::open(&root)?;
    let set = |mode| {
        decide::set_rule(
            &p,
            Rule {
                mode,
                min_annotators: 1,
            },
            None,
        )
    };
    set(Mode::Majority)?;
    let (maj, base) = time(|| decide::decisions(&p, None));
    set(Mode::DawidSkene)?;
    let (by_quality, ours) = time(|| decide::decisions(&p, None));
    let (maj, by_quality) = (maj?, by_quality?);
    let decided = |d: &[decide::Decision]| d.iter().filter(|d| d.status == Status::Decided).count();
    println!(
        "project decisions: dawid-skene {} decided of {}, majority {} decided",
        decided(&by_quality),
        by_quality.len(),
        decided(&maj)
    );
    report(
        &format!(
            "every decision of a project with {} annotations, dawid-skene",
            votes.len()
        ),
        ours,
        None,
        "the same call under majority",
        base,
    );
    // One item's decision (what the app asks after each label): the whole project's fit.
    let item = by_quality[items / 2].item;
    let (_, one) = time(|| decide::decision(&p, item));
    set(Mode::Majority)?;
    let (_, one_base) = time(|| decide::decision(&p, item));
    report(
        "one item's decision, dawid-skene (fits the whole project)",
        one,
        None,
        "the same call under majority",
        one_base,
    );
    // Gold: a tenth of the items, answered by their true label (recorded through `gold add`).
    let gold_file = dir.path().join("gold.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&gold_file)?);
        writeln!(f, "item_id,label")?;
        for (i, t) in truth.iter().enumerate().step_by(10) {
            writeln!(f, "item_{i:07},l{t}")?;
        }
    }
    let mut p = p;
    let added = arbiter_core::gold::add(
        &mut p,
        &arbiter_core::gold::AddOptions {
            source: arbiter_core::gold::Source::File(gold_file),
            dataset: None,
            share: None,
            count: None,
            seed: 1,
            by: None,
        },
    )?;
    let (scores, ours) = time(|| arbiter_core::gold::scores(&p));
    let scores = scores?;
    let scored: usize = scores.annotators.iter().map(|a| a.estimate.items).sum();
    println!(
        "gold: {} items; {} annotators scored on {} gold labels",
        added.added,
        scores.annotators.len(),
        scored
    );
    report(
        &format!(
            "gold scores of {ANNOTATORS} annotators over {} annotations",
            votes.len()
        ),
        ours,
        Some(Duration::from_secs(2)),
        "every majority decision of the same project",
        base,
    );
    Ok(())
}
