//! Shared helpers for the benchmark binaries: timing and a uniform report line.

use std::time::{Duration, Instant};

/// Run `f` once and return its result and the wall time.
pub fn time<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

/// Print one result line: the figure, the target, and the baseline as a ratio.
pub fn report(
    what: &str,
    ours: Duration,
    target: Option<Duration>,
    baseline_name: &str,
    baseline: Duration,
) {
    let secs = ours.as_secs_f64();
    let target = match target {
        Some(t) if ours <= t => format!("target < {:.1} s: MET", t.as_secs_f64()),
        Some(t) => format!("target < {:.1} s: MISSED", t.as_secs_f64()),
        None => String::new(),
    };
    println!(
        "{what}: {secs:.3} s   {target}   baseline ({baseline_name}): {:.3} s   ratio baseline/ours = {:.2}×",
        baseline.as_secs_f64(),
        baseline.as_secs_f64() / secs
    );
}
