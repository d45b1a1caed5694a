//! Shared helpers for the benchmark binaries: a project to measure, timing and a uniform
//! report line.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use arbiter_core::dataset::{self, ImportOptions, ImportSummary};
use arbiter_core::Project;

/// The size a benchmark measures: its first argument, else `default`.
pub fn size_arg(default: usize) -> anyhow::Result<usize> {
    Ok(std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(default))
}

/// Write a CSV manifest: `header`, then `row(i)` for each of `rows` items (each line without its
/// newline).
pub fn write_manifest(
    path: &Path,
    header: &str,
    rows: usize,
    mut row: impl FnMut(usize) -> String,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "{header}")?;
    for i in 0..rows {
        writeln!(w, "{}", row(i))?;
    }
    w.flush()
}

/// A new project at `root` with `source` (a manifest or an image folder) imported under the
/// import's default name.
pub fn imported_project(root: &Path, source: &Path) -> anyhow::Result<(Project, ImportSummary)> {
    let mut p = Project::create(root, None, &[])?;
    let imported = dataset::import(
        &mut p,
        &ImportOptions {
            source: source.to_path_buf(),
            ..Default::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )?;
    Ok((p, imported))
}

/// The bench's own connection to the database of the project at `root`, for what it writes or
/// measures in SQL (seeding at scale, a baseline's queries): the core keeps its connection to
/// itself. Set up for reading like the core's (busy timeout, memory-mapped reads, a 64 MiB page
/// cache, temporary tables in memory), so a baseline runs on equal terms.
pub fn sql_conn(root: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(root.join(arbiter_core::store::DB_FILE))?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    Ok(conn)
}

/// Run a Python baseline (`python3 -c script args…`) that prints its own time in seconds on
/// stdout; that time. A failing script is an error with its stderr.
pub fn python_seconds(
    script: &str,
    args: &[&dyn AsRef<std::ffi::OsStr>],
) -> anyhow::Result<Duration> {
    use anyhow::Context;
    let mut cmd = std::process::Command::new("python3");
    cmd.arg("-c").arg(script);
    for a in args {
        cmd.arg(a);
    }
    let out = cmd
        .output()
        .context("running the Python baseline (python3)")?;
    if !out.status.success() {
        anyhow::bail!(
            "python baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let secs: f64 = String::from_utf8(out.stdout)?.trim().parse()?;
    Ok(Duration::from_secs_f64(secs))
}

/// Run `f` once and return its result and the wall time.
pub fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

/// The unit a report line is printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    /// For figures far below a second.
    Millis,
}

/// Print one result line in seconds: the figure, the target, and the baseline as a ratio.
pub fn report(
    what: &str,
    ours: Duration,
    target: Option<Duration>,
    baseline_name: &str,
    baseline: Duration,
) {
    report_in(Unit::Seconds, what, ours, target, baseline_name, baseline);
}

/// [`report`] in the given unit.
pub fn report_in(
    unit: Unit,
    what: &str,
    ours: Duration,
    target: Option<Duration>,
    baseline_name: &str,
    baseline: Duration,
) {
    let (scale, name, figure, whole, ratio) = match unit {
        Unit::Seconds => (1.0, "s", 3, 1, 2),
        Unit::Millis => (1e3, "ms", 3, 0, 2),
    };
    let v = |d: Duration| d.as_secs_f64() * scale;
    let target = match target {
        Some(t) if ours <= t => format!("target < {:.whole$} {name}: MET", v(t)),
        Some(t) => format!("target < {:.whole$} {name}: MISSED", v(t)),
        None => String::new(),
    };
    let base_digits = if unit == Unit::Millis { 1 } else { figure };
    println!(
        "{what}: {:.figure$} {name}   {target}   baseline ({baseline_name}): {:.base_digits$} {name}   ratio baseline/ours = {:.ratio$}×",
        v(ours),
        v(baseline),
        baseline.as_secs_f64() / ours.as_secs_f64()
    );
}

/// The median of some timings.
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The 95th percentile of some timings (the nearest rank below).
pub fn p95(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[(v.len() * 95 / 100).min(v.len() - 1)]
}

/// A project at `root` with `items` items (`item_NNNNNNN`, given label `i % classes`), one
/// model of `classes` classes and `runs` finished runs of it (ids 1, 2, …), each with a
/// seeded probability vector per item: random values cubed, the given class (one item in
/// twenty the next class: a mislabeled-looking item) raised by `boost(x)` (`x` a fresh random
/// u64), normalised. Written by the bench's own connection (WAL, checkpointed).
pub fn project_with_predictions(
    dir: &Path,
    items: usize,
    classes: usize,
    runs: usize,
    boost: impl Fn(u64) -> f32,
) -> anyhow::Result<std::path::PathBuf> {
    use arbiter_core::predict::{pack, Scores};
    let csv = dir.join("m.csv");
    write_manifest(&csv, "id,label", items, |i| {
        format!("item_{i:07},{}", i % classes)
    })?;
    let root = dir.join("p");
    let (p, _) = imported_project(&root, &csv)?;
    drop(p);
    let mut conn = rusqlite::Connection::open(root.join("arbiter.db"))?;
    let names: Vec<String> = (0..classes).map(|i| format!("\"{i}\"")).collect();
    conn.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
         VALUES ('m', 1, 'x', 'x', 'tabular', '[]', '[]', '[{}]', 'labels_file', '{{\"kind\":\"tabular\",\"input\":\"x\",\"features\":1}}', '{{\"name\":\"p\",\"kind\":\"probabilities\"}}', 'now');",
        names.join(",")
    ))?;
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for run in 1..=runs as i64 {
        conn.execute(
            "INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, started_at) VALUES (1, 1, 'cpu', 'cpu', 1, 'done', ?1, 'now')",
            [items as i64],
        )?;
        let tx = conn.transaction()?;
        {
            let mut ins = tx.prepare(
                "INSERT INTO predictions (run_id, item_id, predicted, confidence, margin, entropy, given_class, given_prob, probs)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            let mut probs = vec![0f32; classes];
            for i in 0..items {
                for v in probs.iter_mut() {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    *v = ((x >> 40) as f32 / (1u64 << 24) as f32).powi(3);
                }
                let boosted = if x.is_multiple_of(20) {
                    (i + 1) % classes
                } else {
                    i % classes
                };
                probs[boosted] += boost(x);
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
                    (i % classes) as i64,
                    probs[i % classes] as f64,
                    pack(&probs)
                ])?;
            }
        }
        tx.commit()?;
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    Ok(root)
}
