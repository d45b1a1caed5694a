//! Every statistic and verdict of `fixtures/drift/expected.json` (Evidently 0.7.23) matched
//! to 1e-6, and the ROC AUC against scikit-learn's.

use super::*;
use crate::testutil::fixtures;

/// The feature columns of a drift fixture CSV, missing values dropped.
pub(crate) fn read_columns(name: &str) -> Vec<(String, Vec<f64>)> {
    let text = std::fs::read_to_string(fixtures().join("drift").join(name)).expect("fixture");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("fixture").split(',').skip(1).collect();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); header.len()];
    for line in lines {
        for (c, cell) in line.split(',').skip(1).enumerate() {
            if !cell.is_empty() {
                cols[c].push(cell.parse().expect("fixture"));
            }
        }
    }
    header.into_iter().map(String::from).zip(cols).collect()
}

fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(fixtures().join("drift/expected.json")).expect("fixture");
    serde_json::from_str(&text).expect("fixture")
}

fn evidently_test(name: &str) -> Test {
    match name {
        "K-S p_value" => Test::Ks,
        "chi-square p_value" => Test::ChiSquare,
        "Z-test p_value" => Test::ZTest,
        "Wasserstein distance (normed)" => Test::Wasserstein,
        "Jensen-Shannon distance" => Test::JensenShannon,
        "PSI" => Test::Psi,
        other => panic!("unknown test {other}"),
    }
}

#[test]
fn every_statistic_and_verdict_equals_evidentlys() {
    let want = expected();
    let mut checked = 0;
    for case in ["small", "large", "tall"] {
        let reference = read_columns(&format!("{case}_ref.csv"));
        let current = read_columns(&format!("{case}_cur.csv"));
        for (choice, method) in [("default", Method::Default), ("psi", Method::Psi)] {
            let w = &want["cases"][case][choice];
            if w.is_null() {
                continue;
            }
            let mut drifted = 0;
            for (i, col) in w["columns"].as_array().expect("fixture").iter().enumerate() {
                let (name, r) = &reference[i];
                assert_eq!(name, col["column"].as_str().expect("fixture"));
                let got = test_column(r, &current[i].1, method);
                let what = format!("{case}/{choice}/{name}");
                assert_eq!(
                    got.test,
                    evidently_test(col["test"].as_str().expect("fixture")),
                    "{what}"
                );
                let s = col["statistic"].as_f64().expect("fixture");
                assert!(
                    (got.statistic - s).abs() < 1e-6,
                    "{what}: {} vs {s}",
                    got.statistic
                );
                assert_eq!(
                    got.threshold,
                    col["threshold"].as_f64().expect("fixture"),
                    "{what}"
                );
                assert_eq!(
                    got.drifted,
                    col["drifted"].as_bool().expect("fixture"),
                    "{what}"
                );
                drifted += got.drifted as usize;
                checked += 1;
            }
            let share = drifted as f64 / reference.len() as f64;
            assert!((share - w["share_drifted"].as_f64().expect("fixture")).abs() < 1e-12);
            assert_eq!(share >= 0.5, w["dataset_drift"].as_bool().expect("fixture"));
        }
    }
    assert_eq!(checked, 35);
}

#[test]
fn the_fixture_covers_every_default_test() {
    let want = expected();
    let mut tests: Vec<&str> = ["small", "large"]
        .iter()
        .flat_map(|c| {
            want["cases"][*c]["default"]["columns"]
                .as_array()
                .expect("fixture")
        })
        .map(|c| c["test"].as_str().expect("fixture"))
        .collect();
    tests.sort();
    tests.dedup();
    assert_eq!(tests.len(), 5, "{tests:?}");
}

#[test]
fn roc_auc_equals_scikit_learns_with_ties() {
    let text = std::fs::read_to_string(fixtures().join("drift/auc.csv")).expect("fixture");
    let (mut labels, mut scores) = (Vec::new(), Vec::new());
    for line in text.lines().skip(1) {
        let (l, s) = line.split_once(',').expect("fixture");
        labels.push(l == "1");
        scores.push(s.parse::<f64>().expect("fixture"));
    }
    let want = expected()["roc_auc"].as_f64().expect("fixture");
    let got = roc_auc(&labels, &scores).expect("fixture");
    assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    assert_eq!(roc_auc(&[true, true], &[0.1, 0.2]), None);
}

#[test]
fn exact_ks_p_values_equal_scipys_for_equal_and_unequal_sizes() {
    // scipy.stats.ks_2samp([1..=10], [6..=15]) and ([1..=5], [3..=10]).
    let a: Vec<f64> = (1..=10).map(f64::from).collect();
    let b: Vec<f64> = (6..=15).map(f64::from).collect();
    assert!((ks_p_value(&a, &b) - 0.16782134274394334).abs() < 1e-12);
    let c: Vec<f64> = (1..=5).map(f64::from).collect();
    let d: Vec<f64> = (3..=10).map(f64::from).collect();
    assert!((ks_p_value(&c, &d) - 0.12587412587412586).abs() < 1e-12);
    assert_eq!(ks_p_value(&a, &a), 1.0);
}

#[test]
fn the_tall_case_is_past_scipys_exact_limit() {
    let current = read_columns("tall_cur.csv");
    let reference = read_columns("tall_ref.csv");
    assert!(current[0].1.len() > KS_EXACT_MAX);
    assert!(reference[0].1.len() <= SMALL_REFERENCE);
}

#[test]
fn kstwo_survival_equals_scipys_on_every_branch() {
    use crate::drift::kolmogorov::{kstwo_sf, way, Way};
    let mut ways = std::collections::BTreeSet::new();
    let grid = expected()["kstwo"].as_array().expect("fixture").clone();
    for row in &grid {
        let n = row[0].as_u64().expect("fixture");
        let d = row[1].as_f64().expect("fixture");
        let want = row[2].as_f64().expect("fixture");
        let got = kstwo_sf(n, d);
        assert!(
            (got - want).abs() < 1e-10,
            "n {n} d {d}: {got} vs {want} ({:?})",
            way(n, d)
        );
        ways.insert(way(n, d));
    }
    let all = [
        Way::One,
        Way::Zero,
        Way::RubenGambinoLow,
        Way::RubenGambinoHigh,
        Way::Smirnov,
        Way::Durbin,
        Way::Pomeranz,
        Way::PelzGood,
    ];
    assert_eq!(ways.into_iter().collect::<Vec<_>>(), all);
}

#[test]
fn chi_squared_survival_matches_known_values() {
    // scipy.stats.chi2.sf(3.0, 2), (10.0, 4), (0.5, 7)
    assert!((chi2_sf(3.0, 2.0) - 0.22313016014842982).abs() < 1e-14);
    assert!((chi2_sf(10.0, 4.0) - 0.04042768199451279).abs() < 1e-14);
    assert!((chi2_sf(0.5, 7.0) - 0.9994464813904249).abs() < 1e-13);
    assert_eq!(chi2_sf(f64::INFINITY, 3.0), 0.0);
}

#[test]
fn the_radix_sort_orders_like_total_cmp_and_binning_sorted_values_changes_nothing() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut values: Vec<f64> = (0..20_000)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match i % 7 {
                0 => 0.0,
                1 => -0.0,
                2 => (x % 5) as f64 - 2.0,
                3 => f64::from_bits(x >> 2) * if x & 1 == 0 { 1.0 } else { -1.0 },
                _ => (x >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0,
            }
        })
        .filter(|v: &f64| v.is_finite())
        .collect();
    let mut want = values.clone();
    want.sort_unstable_by(f64::total_cmp);
    let shuffled = values.clone();
    sort_values(&mut values);
    assert_eq!(
        values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    );
    let edges = linspace(-100.0, 100.0, 21);
    assert_eq!(shares_in(&values, &edges), shares_in(&shuffled, &edges));
    let (w1, w2) = (
        wasserstein_normed(&shuffled, &values[..5000]),
        wasserstein_normed(&values, &values[..5000]),
    );
    assert!((w1 - w2).abs() < 1e-12 * w1.abs().max(1.0), "{w1} vs {w2}");
}
