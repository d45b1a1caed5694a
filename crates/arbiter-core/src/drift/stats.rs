//! The per-column drift tests, each computed the way Evidently 0.7.23 computes it (with
//! scipy 1.17 underneath), so a statistic here equals Evidently's on the same values to 1e-6
//! (`fixtures/drift/expected.json`, written by `fixtures/generate_drift.py`).
//!
//! Conventions followed, column by column (missing values are dropped first):
//! - the test is chosen by the reference's size and the number of distinct values of both
//!   versions together: reference ≤ 1,000 values: more than 5 distinct values → two-sample
//!   Kolmogorov–Smirnov (p ≤ 0.05 drifts), 3 to 5 → chi-squared (p < 0.05), at most 2 → the
//!   two-proportion z-test (p < 0.05); a larger reference: more than 5 → Wasserstein distance
//!   normed by the reference's standard deviation (≥ 0.1), else Jensen–Shannon distance (≥ 0.1).
//! - a column with at most 5 distinct values is categorical: its distributions are the shares
//!   of each value seen in either version; otherwise numeric.
//! - Jensen–Shannon (natural logarithm) takes those shares as they are, empty ones included.
//! - PSI bins a numeric column with more than 20 distinct reference values into Sturges'
//!   number of equal-width bins over both versions together (numpy's `histogram_bin_edges`,
//!   the last bin closed), every other column by value; an empty share becomes 0.0001, or the
//!   smallest non-empty share / 10⁶ when that is ≤ 0.0001; drift at ≥ 0.1 (0.25: major).
//! - KS p-values are scipy's `ks_2samp(method="auto")` ones: exact (Hodges' inside method;
//!   equal sizes by the reflection sum) while neither version has more than 10,000 values,
//!   else `kstwo.sf` at the pair's effective size (`kolmogorov.rs`), as scipy switches.

use serde::Serialize;

/// How a column's values are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Numeric,
    Categorical,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Numeric => "numeric",
            Kind::Categorical => "categorical",
        }
    }
}

/// A drift test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    Ks,
    ChiSquare,
    ZTest,
    Wasserstein,
    JensenShannon,
    Psi,
}

impl Test {
    pub fn as_str(self) -> &'static str {
        match self {
            Test::Ks => "ks",
            Test::ChiSquare => "chi_square",
            Test::ZTest => "z_test",
            Test::Wasserstein => "wasserstein",
            Test::JensenShannon => "jensen_shannon",
            Test::Psi => "psi",
        }
    }

    /// What the statistic is, for people.
    pub fn describe(self) -> &'static str {
        match self {
            Test::Ks => "Kolmogorov–Smirnov p-value",
            Test::ChiSquare => "chi-squared p-value",
            Test::ZTest => "z-test p-value",
            Test::Wasserstein => "Wasserstein distance (normed)",
            Test::JensenShannon => "Jensen–Shannon distance",
            Test::Psi => "PSI",
        }
    }

    /// The default threshold (Evidently's).
    pub fn threshold(self) -> f64 {
        match self {
            Test::Ks | Test::ChiSquare | Test::ZTest => 0.05,
            Test::Wasserstein | Test::JensenShannon | Test::Psi => 0.1,
        }
    }

    /// Whether `statistic` means drift at `threshold`.
    pub fn drifted(self, statistic: f64, threshold: f64) -> bool {
        match self {
            Test::Ks => statistic <= threshold,
            Test::ChiSquare | Test::ZTest => statistic < threshold,
            Test::Wasserstein | Test::JensenShannon | Test::Psi => statistic >= threshold,
        }
    }
}

/// Which tests to use: Evidently's defaults, or PSI on every column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    #[default]
    Default,
    Psi,
}

/// The outcome for one column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub kind: Kind,
    pub test: Test,
    pub statistic: f64,
    pub threshold: f64,
    pub drifted: bool,
}

/// References up to this size are tested with p-values, larger ones with distances.
pub const SMALL_REFERENCE: usize = 1000;
/// Columns with at most this many distinct values (both versions) are categorical.
pub const CATEGORICAL_MAX: usize = 5;

/// Test one column. `reference` and `current` hold no NaN and are not empty.
pub fn test_column(reference: &[f64], current: &[f64], method: Method) -> Outcome {
    let distinct = distinct_up_to(reference.iter().chain(current), CATEGORICAL_MAX + 1);
    let kind = if distinct <= CATEGORICAL_MAX {
        Kind::Categorical
    } else {
        Kind::Numeric
    };
    let test = match method {
        Method::Psi => Test::Psi,
        Method::Default if reference.len() <= SMALL_REFERENCE => match kind {
            Kind::Numeric => Test::Ks,
            Kind::Categorical if distinct > 2 => Test::ChiSquare,
            Kind::Categorical => Test::ZTest,
        },
        Method::Default => match kind {
            Kind::Numeric => Test::Wasserstein,
            Kind::Categorical => Test::JensenShannon,
        },
    };
    let statistic = match test {
        Test::Ks => ks_p_value(reference, current),
        Test::ChiSquare => chi_square_p_value(reference, current),
        Test::ZTest => z_test_p_value(reference, current),
        Test::Wasserstein => wasserstein_normed(reference, current),
        Test::JensenShannon => {
            let (r, c) = shares_by_value(reference, current);
            jensen_shannon(&r, &c)
        }
        Test::Psi => psi(reference, current),
    };
    let threshold = test.threshold();
    Outcome {
        kind,
        test,
        statistic,
        threshold,
        drifted: test.drifted(statistic, threshold),
    }
}

/// The number of distinct values, counting no further than `cap`.
fn distinct_up_to<'a>(values: impl Iterator<Item = &'a f64>, cap: usize) -> usize {
    let mut seen: Vec<f64> = Vec::with_capacity(cap);
    for &v in values {
        if !seen.contains(&v) {
            seen.push(v);
            if seen.len() >= cap {
                break;
            }
        }
    }
    seen.len()
}

/// Each distinct value (either version) with its count in each, values ascending.
fn counts_by_value(reference: &[f64], current: &[f64]) -> Vec<(f64, usize, usize)> {
    let mut out: Vec<(f64, usize, usize)> = Vec::new();
    let mut add = |v: f64, which: usize| {
        let at = match out.iter().position(|e| e.0 == v) {
            Some(i) => i,
            None => {
                out.push((v, 0, 0));
                out.len() - 1
            }
        };
        if which == 0 {
            out[at].1 += 1
        } else {
            out[at].2 += 1
        }
    };
    reference.iter().for_each(|&v| add(v, 0));
    current.iter().for_each(|&v| add(v, 1));
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

fn shares_by_value(reference: &[f64], current: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let counts = counts_by_value(reference, current);
    let (nr, nc) = (reference.len() as f64, current.len() as f64);
    (
        counts.iter().map(|c| c.1 as f64 / nr).collect(),
        counts.iter().map(|c| c.2 as f64 / nc).collect(),
    )
}

/// scipy's `ks_2samp(method="auto")` computes the exact p-value up to this many values in
/// each sample, the asymptotic one past it.
pub const KS_EXACT_MAX: usize = 10_000;

/// Two-sample Kolmogorov–Smirnov, two-sided, scipy's `ks_2samp(method="auto")` p-value: the
/// exact one while both samples have at most [`KS_EXACT_MAX`] values (and it comes out a
/// probability), else `kstwo.sf(D, round(n₁n₂ / (n₁ + n₂)))`.
pub fn ks_p_value(reference: &[f64], current: &[f64]) -> f64 {
    ks_p_value_sorted(&sorted(reference), &sorted(current))
}

/// Values that hold no NaN, ascending: borrowed when they already are, else a sorted copy.
pub fn sorted(values: &[f64]) -> std::borrow::Cow<'_, [f64]> {
    if is_ascending(values) {
        std::borrow::Cow::Borrowed(values)
    } else {
        let mut v = values.to_vec();
        sort_values(&mut v);
        std::borrow::Cow::Owned(v)
    }
}

fn is_ascending(values: &[f64]) -> bool {
    values.windows(2).all(|w| w[0] <= w[1])
}

/// Sort values without NaN ascending (`f64::total_cmp`'s order). Long slices by an LSD radix
/// sort, 11 bits a pass, on the values' order-preserving bit patterns (a pass whose digit is
/// the same for every value is skipped): several times faster than a comparison sort on a
/// million values, the bulk of a large drift report's work.
pub fn sort_values(values: &mut [f64]) {
    const BITS: usize = 11;
    const BUCKETS: usize = 1 << BITS;
    const PASSES: usize = 64usize.div_ceil(BITS);
    if values.len() < 4096 {
        values.sort_unstable_by(f64::total_cmp);
        return;
    }
    let key = |x: f64| {
        let b = x.to_bits();
        if b >> 63 == 1 {
            !b
        } else {
            b | (1 << 63)
        }
    };
    let mut keys: Vec<u64> = values.iter().map(|&x| key(x)).collect();
    let mut scratch = vec![0u64; keys.len()];
    let mut counts = vec![[0usize; BUCKETS]; PASSES];
    for &k in &keys {
        for (p, c) in counts.iter_mut().enumerate() {
            c[((k >> (p * BITS)) as usize) & (BUCKETS - 1)] += 1;
        }
    }
    for (p, c) in counts.iter_mut().enumerate() {
        if c.contains(&keys.len()) {
            continue;
        }
        let mut start = 0;
        for n in c.iter_mut() {
            (*n, start) = (start, start + *n);
        }
        for &k in &keys {
            let d = ((k >> (p * BITS)) as usize) & (BUCKETS - 1);
            scratch[c[d]] = k;
            c[d] += 1;
        }
        std::mem::swap(&mut keys, &mut scratch);
    }
    for (x, k) in values.iter_mut().zip(keys) {
        *x = f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k });
    }
}

/// [`ks_p_value`] of two sorted samples.
pub fn ks_p_value_sorted(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as u64, b.len() as u64);
    let g = gcd(n1, n2);
    // The statistic as an integer multiple of 1 / lcm: k1·(n2/g) − k2·(n1/g), and as scipy's
    // floats (max and −min of k1/n1 − k2/n2) for the asymptotic p-value.
    let (mut i, mut j, mut h) = (0usize, 0usize, 0u64);
    let (mut max_s, mut min_s) = (f64::NEG_INFINITY, f64::INFINITY);
    let (f1, f2) = (n1 as f64, n2 as f64);
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        let d = (i as u64 * (n2 / g)).abs_diff(j as u64 * (n1 / g));
        h = h.max(d);
        let s = i as f64 / f1 - j as f64 / f2;
        max_s = max_s.max(s);
        min_s = min_s.min(s);
    }
    if a.len().max(b.len()) <= KS_EXACT_MAX {
        if h == 0 {
            return 1.0;
        }
        let p = if n1 == n2 {
            prob_outside_square(n1, h)
        } else {
            prob_outside_band(n1, n2, g, h)
        };
        // scipy falls back on the asymptotic value when the exact one is not a probability.
        if (0.0..=1.0).contains(&p) {
            return p;
        }
    }
    let min_s = (-min_s).clamp(0.0, 1.0);
    let d = if min_s > max_s { min_s } else { max_s };
    let (m, n) = (f1.max(f2), f1.min(f2));
    let en = (m * n / (m + n)).round_ties_even();
    super::kolmogorov::kstwo_sf(en as u64, d)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// P(D ≥ h/n) for two samples of size n: the alternating reflection sum, Horner-like.
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    while k >= 0 {
        let mut p1 = 1.0;
        for j in 0..h {
            let kh = k as u64 * h;
            p1 = (n as f64 - kh as f64 - j as f64) * p1 / (n as f64 + kh as f64 + j as f64 + 1.0);
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// The share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm,
/// by the recursion for one minus the share (Viehmann) over a sliding column window.
fn prob_outside_band(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (m, n, h) = (m as i64, n as i64, h as i64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((h + mg - 1) / mg).min(n + 1);
    let mut curlen = maxj - minj;
    let len = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len];
    for v in a.iter_mut().take(maxj as usize) {
        *v = 0.0;
    }
    for i in 1..=m {
        let (lastminj, lastlen) = (minj, curlen);
        minj = ((ng * i - h).div_euclid(mg) + 1).max(0).min(n);
        maxj = ((ng * i + h + mg - 1).div_euclid(mg)).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            val = (a[(jj + minj - lastminj) as usize] * i as f64 + val * j as f64) / (i + j) as f64;
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            let to = (from + (lastlen - curlen) as usize).min(a.len());
            for v in &mut a[from..to] {
                *v = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

/// Pearson's chi-squared of the current counts against the reference's shares scaled to the
/// current size; a value the reference never had gives an infinite statistic (p = 0).
pub fn chi_square_p_value(reference: &[f64], current: &[f64]) -> f64 {
    let counts = counts_by_value(reference, current);
    let k_norm = current.len() as f64 / reference.len() as f64;
    let mut stat = 0.0;
    for &(_, r, c) in &counts {
        let expected = r as f64 * k_norm;
        let d = c as f64 - expected;
        stat += d * d / expected;
    }
    chi2_sf(stat, (counts.len() - 1) as f64)
}

/// Two-proportion z-test (pooled), the share of values other than the smallest one.
pub fn z_test_p_value(reference: &[f64], current: &[f64]) -> f64 {
    let counts = counts_by_value(reference, current);
    if counts.len() == 1 {
        return 1.0;
    }
    let first = counts[0].0;
    let (n1, n2) = (reference.len() as f64, current.len() as f64);
    let p1 = reference.iter().filter(|&&v| v != first).count() as f64 / n1;
    let p2 = current.iter().filter(|&&v| v != first).count() as f64 / n2;
    let pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
    let z = (p1 - p2) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    2.0 * (1.0 - normal_cdf(z.abs()))
}

/// The first Wasserstein distance over the reference's population standard deviation
/// (at least 0.001).
pub fn wasserstein_normed(reference: &[f64], current: &[f64]) -> f64 {
    wasserstein_sorted(&sorted(reference), &sorted(current)) / std_dev(reference).max(0.001)
}

/// ∫|F_a − F_b| over sorted samples.
pub fn wasserstein_sorted(a: &[f64], b: &[f64]) -> f64 {
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut total = 0.0;
    let mut prev: Option<f64> = None;
    while i < a.len() || j < b.len() {
        let x = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        if let Some(p) = prev {
            total += ((i as f64 / na) - (j as f64 / nb)).abs() * (x - p);
        }
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        prev = Some(x);
    }
    total
}

/// numpy's `std` (population, two passes).
pub fn std_dev(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt()
}

/// Jensen–Shannon distance between two distributions (normalised first), natural logarithm.
pub fn jensen_shannon(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq) = (p.iter().sum::<f64>(), q.iter().sum::<f64>());
    let mut js = 0.0;
    for (&a, &b) in p.iter().zip(q) {
        let (a, b) = (a / sp, b / sq);
        let m = (a + b) / 2.0;
        js += rel_entr(a, m) + rel_entr(b, m);
    }
    (js / 2.0).sqrt()
}

fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 {
        x * (x / y).ln()
    } else {
        0.0
    }
}

/// Population stability index with Evidently's binning and empty-bin rule.
pub fn psi(reference: &[f64], current: &[f64]) -> f64 {
    let (mut r, mut c) = if distinct_up_to(reference.iter(), 21) > 20 {
        let edges = sturges_edges(reference, current);
        (shares_in(reference, &edges), shares_in(current, &edges))
    } else {
        shares_by_value(reference, current)
    };
    fill_empty(&mut r);
    fill_empty(&mut c);
    r.iter().zip(&c).map(|(a, b)| (a - b) * (a / b).ln()).sum()
}

fn fill_empty(shares: &mut [f64]) {
    let smallest = shares
        .iter()
        .copied()
        .filter(|&s| s != 0.0)
        .fold(f64::INFINITY, f64::min);
    let fill = if smallest <= 0.0001 {
        smallest / 1e6
    } else {
        0.0001
    };
    for s in shares.iter_mut().filter(|s| **s == 0.0) {
        *s = fill;
    }
}

/// numpy's `histogram_bin_edges(both, bins="sturges")`.
pub fn sturges_edges(reference: &[f64], current: &[f64]) -> Vec<f64> {
    let all = reference.iter().chain(current);
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
        (lo.min(v), hi.max(v))
    });
    let n = (reference.len() + current.len()) as f64;
    let ptp = hi - lo;
    let width = ptp / (n.log2() + 1.0);
    let bins = if width != 0.0 {
        (ptp / width).ceil() as usize
    } else {
        1
    };
    let (lo, hi) = if lo == hi {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    linspace(lo, hi, bins + 1)
}

/// numpy's `linspace` with its endpoint.
pub fn linspace(lo: f64, hi: f64, num: usize) -> Vec<f64> {
    let step = (hi - lo) / (num - 1) as f64;
    let mut out: Vec<f64> = (0..num).map(|i| i as f64 * step + lo).collect();
    out[num - 1] = hi;
    out
}

/// numpy's `histogram(values, edges)` as shares of `values.len()`: bins closed on the left,
/// the last one on both sides, values outside the edges not counted. Ascending values are
/// binned in one walk along the edges, others by a search each.
pub fn shares_in(values: &[f64], edges: &[f64]) -> Vec<f64> {
    let bins = edges.len() - 1;
    let mut counts = vec![0usize; bins];
    let (lo, hi) = (edges[0], edges[bins]);
    if is_ascending(values) {
        let mut i = 0;
        for &v in values {
            if v < lo || v > hi {
                continue;
            }
            while i + 1 < bins && edges[i + 1] <= v {
                i += 1;
            }
            counts[i] += 1;
        }
    } else {
        for &v in values {
            if v < lo || v > hi {
                continue;
            }
            let i = edges.partition_point(|&e| e <= v) - 1;
            counts[i.min(bins - 1)] += 1;
        }
    }
    let n = values.len() as f64;
    counts.into_iter().map(|c| c as f64 / n).collect()
}

/// Standard normal distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

/// The chi-squared distribution's survival function: Q(df/2, x/2).
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(df / 2.0, x / 2.0)
}

/// The regularised upper incomplete gamma function: a series below a + 1, a continued
/// fraction (modified Lentz) above.
fn gamma_q(a: f64, x: f64) -> f64 {
    let log_prefix = a * x.ln() - x - libm::lgamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        1.0 - sum * log_prefix.exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut f = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        f * log_prefix.exp()
    }
}

/// Shares of each version in a shared set of bins, for a histogram drawn for people:
/// categorical columns by value, numeric ones in `bins` equal-width bins over both versions.
pub fn histogram(reference: &[f64], current: &[f64], kind: Kind, bins: usize) -> Histogram {
    match kind {
        Kind::Categorical => {
            let counts = counts_by_value(reference, current);
            let (nr, nc) = (reference.len() as f64, current.len() as f64);
            Histogram {
                edges: counts.iter().map(|c| c.0).collect(),
                categorical: true,
                reference: counts.iter().map(|c| c.1 as f64 / nr).collect(),
                current: counts.iter().map(|c| c.2 as f64 / nc).collect(),
            }
        }
        Kind::Numeric => {
            let (lo, hi) = reference
                .iter()
                .chain(current)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let (lo, hi) = if lo == hi {
                (lo - 0.5, hi + 0.5)
            } else {
                (lo, hi)
            };
            let edges = linspace(lo, hi, bins + 1);
            Histogram {
                reference: shares_in(reference, &edges),
                current: shares_in(current, &edges),
                edges,
                categorical: false,
            }
        }
    }
}

/// Shares per bin: `edges` are the bins' bounds (numeric, one more than the shares) or the
/// values themselves (categorical).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub categorical: bool,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

/// ROC AUC of `scores` for `labels` (true = positive), ties counted half (the Mann–Whitney
/// form, equal to scikit-learn's `roc_auc_score`). `None` without both classes.
pub fn roc_auc(labels: &[bool], scores: &[f64]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let positives = labels.iter().filter(|&&l| l).count();
    let negatives = labels.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    // Sum of positive ranks, ties given their average rank.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += avg * order[i..=j].iter().filter(|&&k| labels[k]).count() as f64;
        i = j + 1;
    }
    let (p, n) = (positives as f64, negatives as f64);
    Some((rank_sum - p * (p + 1.0) / 2.0) / (p * n))
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
