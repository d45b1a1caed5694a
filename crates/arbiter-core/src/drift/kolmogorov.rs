//! The two-sided one-sample Kolmogorov–Smirnov distribution's survival function,
//! P(D_n ≥ x), as scipy 1.17 computes `kstwo.sf(x, n)` (its `_ksstats._kolmogn`): the same
//! method in the same region (Simard & L'Ecuyer 2011), so the two agree to ~1e-12.
//! `ks_2samp` falls back on it (at the pair's effective size) once a sample has more than
//! 10,000 values.
//!
//! Methods, by [`way`]: Ruben–Gambino's closed forms at the edges (t = n·x ≤ 1 or ≥ n − 1);
//! twice Smirnov's one-sided tail (exact, Birnbaum–Tingey's sum) for x ≥ 0.5 and for large
//! n·x²; Durbin's matrix (Marsaglia–Tsang–Wang) for the exact CDF at small n·x², which also
//! stands in for scipy's Pomeranz recursion (both exact: they agree to rounding); Pelz–Good's
//! asymptotic series where scipy uses it (n > 140, n·x^1.5 > 1.4, n·x² < 2.2).

/// How P(D_n ≥ x) is computed at (n, x).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Way {
    /// x ≤ 0 or n·x ≤ 1/2: certain.
    One,
    /// x ≥ 1 or far in the tail (n > 140, n·x² ≥ 370).
    Zero,
    /// 1/2 < n·x ≤ 1: 1 − n!/nⁿ (2t − 1)ⁿ.
    RubenGambinoLow,
    /// n·x ≥ n − 1: 2 (1 − x)ⁿ.
    RubenGambinoHigh,
    /// 2 × Smirnov's one-sided tail.
    Smirnov,
    /// 1 − Durbin's exact CDF (n ≤ 140 and n·x² ≤ 0.754693, or n·x^1.5 ≤ 1.4).
    Durbin,
    /// 1 − the exact CDF where scipy runs Pomeranz's recursion (n ≤ 140, n·x² ≤ 4).
    Pomeranz,
    /// 1 − Pelz–Good's approximate CDF.
    PelzGood,
}

/// The method scipy's `_kolmogn` uses for the survival function at (n, x).
pub fn way(n: u64, x: f64) -> Way {
    let nf = n as f64;
    if x >= 1.0 {
        return Way::Zero;
    }
    if x <= 0.0 {
        return Way::One;
    }
    let t = nf * x;
    if t <= 1.0 {
        return if t <= 0.5 {
            Way::One
        } else {
            Way::RubenGambinoLow
        };
    }
    if t >= nf - 1.0 {
        return Way::RubenGambinoHigh;
    }
    if x >= 0.5 {
        return Way::Smirnov;
    }
    let nxsquared = t * x;
    if n <= 140 {
        return if nxsquared <= 0.754693 {
            Way::Durbin
        } else if nxsquared <= 4.0 {
            Way::Pomeranz
        } else {
            Way::Smirnov
        };
    }
    if nxsquared >= 370.0 {
        Way::Zero
    } else if nxsquared >= 2.2 {
        Way::Smirnov
    } else if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        Way::Durbin
    } else {
        Way::PelzGood
    }
}

/// P(D_n ≥ x), scipy's `kstwo.sf(x, n)`; NaN for n = 0 or x NaN.
pub fn kstwo_sf(n: u64, x: f64) -> f64 {
    if n == 0 || x.is_nan() {
        return f64::NAN;
    }
    let nf = n as f64;
    let p = match way(n, x) {
        Way::One => 1.0,
        Way::Zero => 0.0,
        Way::RubenGambinoLow => {
            let t = nf * x;
            let cdf = if n <= 140 {
                (1..=n).fold(1.0, |p, i| p * (i as f64 * (1.0 / nf) * (2.0 * t - 1.0)))
            } else {
                (log_nfactorial_div_n_pow_n(nf) + nf * (2.0 * t - 1.0).ln()).exp()
            };
            1.0 - cdf
        }
        Way::RubenGambinoHigh => 2.0 * (1.0 - x).powf(nf),
        Way::Smirnov => 2.0 * smirnov(n, x),
        Way::Durbin | Way::Pomeranz => 1.0 - durbin_cdf(n, x).clamp(0.0, 1.0),
        Way::PelzGood => 1.0 - pelz_good_cdf(n, x),
    };
    p.clamp(0.0, 1.0)
}

/// ln(n!/nⁿ) by Stirling's series with n·ln n taken out first (scipy's).
fn log_nfactorial_div_n_pow_n(n: f64) -> f64 {
    // B_2j / (2j (2j − 1)) for j = 8, …, 1 (B the Bernoulli numbers).
    const STIRLING: [f64; 8] = [
        -3617.0 / 122_400.0,
        1.0 / 156.0,
        -691.0 / 360_360.0,
        1.0 / 1188.0,
        -1.0 / 1680.0,
        1.0 / 1260.0,
        -1.0 / 360.0,
        1.0 / 12.0,
    ];
    let rn = 1.0 / n;
    let x = rn / n;
    let poly = STIRLING.iter().fold(0.0, |acc, c| acc * x + c);
    n.ln() / 2.0 - n + (2.0 * std::f64::consts::PI).ln() / 2.0 + rn * poly
}

/// Smirnov's one-sided tail P(D_n⁺ ≥ x), exact: x Σ_{j ≤ n(1−x)} C(n, j) (1 − x − j/n)^(n−j)
/// (x + j/n)^(j−1), every term positive (summed from logarithms, so no overflow).
pub fn smirnov(n: u64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    let last = (nf * (1.0 - x)).floor() as u64;
    let ln_n_fact = libm::lgamma(nf + 1.0);
    let mut sum = 0.0;
    for j in 0..=last.min(n) {
        let jf = j as f64;
        let low = 1.0 - x - jf / nf;
        let high = x + jf / nf;
        if low <= 0.0 && j < n {
            continue;
        }
        let ln_binom = ln_n_fact - libm::lgamma(jf + 1.0) - libm::lgamma(nf - jf + 1.0);
        let ln_low = if j == n { 0.0 } else { (nf - jf) * low.ln() };
        sum += (ln_binom + ln_low + (jf - 1.0) * high.ln()).exp();
    }
    (x * sum).clamp(0.0, 1.0)
}

/// P(D_n < x) by Durbin's matrix, Marsaglia–Tsang–Wang's way: the k-th diagonal entry of
/// Hⁿ (squared up, rescaled by 2^±128 as it goes) times n!/nⁿ.
fn durbin_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut v: Vec<f64> = (1..=m).map(|i| 1.0 - h.powi(i as i32)).collect();
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] *= fac;
    }
    let tt = (2.0 * h - 1.0).max(0.0).powi(m as i32) - 2.0 * h.powi(m as i32);
    v[m - 1] = (1.0 + tt) * fac;
    // H[r][c], row-major.
    let mut hm = vec![0.0; m * m];
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let mut pwr = vec![0.0; m * m];
    for i in 0..m {
        pwr[i * m + i] = 1.0;
    }
    let two128 = 2f64.powi(128);
    let (mut nn, mut expnt, mut hexpnt) = (n, 0i64, 0i64);
    while nn > 0 {
        if nn % 2 == 1 {
            pwr = matmul(&pwr, &hm, m);
            expnt += hexpnt;
        }
        hm = matmul(&hm, &hm, m);
        hexpnt *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > two128 {
            hm.iter_mut().for_each(|x| *x /= two128);
            hexpnt += 128;
        }
        nn /= 2;
    }
    let mut p = pwr[(k - 1) * m + (k - 1)];
    for i in 1..=n {
        p = i as f64 * p / n as f64;
        if p.abs() < 1.0 / two128 {
            p *= two128;
            expnt -= 128;
        }
    }
    libm::scalbn(p, expnt as i32)
}

fn matmul(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * m];
    for i in 0..m {
        for l in 0..m {
            let x = a[i * m + l];
            if x == 0.0 {
                continue;
            }
            for j in 0..m {
                out[i * m + j] += x * b[l * m + j];
            }
        }
    }
    out
}

/// Pelz–Good's approximation of P(D_n ≤ x) (scipy's `_kolmogn_PelzGood`, term for term).
fn pelz_good_cdf(n: u64, x: f64) -> f64 {
    use std::f64::consts::PI;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let sqrt2pi = (2.0 * PI).sqrt();
    let z = nf.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z.powi(3), z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = qlog.exp();
    let (k1a, k1b) = (-z2, pi2 / 4.0);
    let k2a = 6.0 * z6 + 2.0 * z4;
    let k2b = (2.0 * z4 - 5.0 * z2) * pi2 / 4.0;
    let k2c = pi4 * (1.0 - 2.0 * z2) / 16.0;
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = q.powf((8 * kk) as f64);
        let coeffs = [
            1.0,
            k1a + k1b * m2,
            k2a + k2b * m2 + k2c * m4,
            k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ];
        for (s, c) in k.iter_mut().zip(coeffs) {
            *s = *s * qpower + c;
        }
    }
    let div = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (s, d) in k.iter_mut().zip(div) {
        *s = *s * q * sqrt2pi / d;
    }
    let q = (-pi2 / 2.0 / z2).exp();
    let sqrt3z = 3f64.sqrt() * z;
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    for kk in (1..=maxk).rev() {
        let ks = kk as f64;
        let qp = q.powf(ks * ks);
        let kspi = PI * ks;
        k2extra += ks * ks * qp;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks * ks * qp;
    }
    k[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    k[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    (0..4).map(|i| k[i] / nf.powf(i as f64 / 2.0)).sum()
}
