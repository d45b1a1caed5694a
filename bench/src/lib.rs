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
        Unit::Millis => (1e3, "ms", 3, 0, 0),
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
