//! Every statistic against `fixtures/agreement/expected.json` (scikit-learn, statsmodels, the
//! `krippendorff` package, Gwet's formula; published worked examples) to 1e-9.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/agreement")
}

fn ratings(file: &str) -> Vec<Rating> {
    let text = std::fs::read_to_string(dir().join(file)).expect("csv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Rating {
                item: f[0].into(),
                annotator: f[1].into(),
                label: f[2].into(),
            }
        })
        .collect()
}

/// Compare a value that may be null; nulls must carry a reason.
fn close(what: &str, got: &Stat, want: &Value) {
    match want.as_f64() {
        Some(w) => {
            let g = got
                .value
                .unwrap_or_else(|| panic!("{what}: null ({:?}) but expected {w}", got.reason));
            assert!(
                (g - w).abs() <= 1e-9,
                "{what}: {g} vs {w} (Δ {:e})",
                (g - w).abs()
            );
        }
        None => {
            assert!(want.is_null(), "{what}: unexpected reference {want}");
            assert!(
                got.value.is_none(),
                "{what}: expected null, got {:?}",
                got.value
            );
            assert!(
                got.reason.as_deref().is_some_and(|r| !r.is_empty()),
                "{what}: a null needs a reason"
            );
        }
    }
}

#[test]
fn every_fixture_matches_the_reference_libraries() {
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(dir().join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    let files = expected["files"].as_object().expect("files");
    assert!(files.len() >= 13);
    for (file, e) in files {
        // The reference computes the ordinal statistics for numeric files only: ask for them
        // there, in the file order (numeric), as `arbiter agreement --ordinal` does.
        let data = ratings(file);
        let scale = if e["numeric_labels"].as_bool().expect("numeric_labels") {
            Scale::Ordinal(file_order(&data))
        } else {
            Scale::Nominal
        };
        let r = report_on(&data, &scale);
        let f = |s: &str| format!("{file}: {s}");
        assert_eq!(
            r.items as u64,
            e["items"].as_u64().expect("items"),
            "{}",
            f("items")
        );
        assert_eq!(
            r.ratings as u64,
            e["ratings"].as_u64().expect("ratings"),
            "{}",
            f("ratings")
        );
        let annotators: Vec<String> = e["annotators"]
            .as_array()
            .expect("a")
            .iter()
            .map(|a| a.as_str().expect("s").into())
            .collect();
        assert_eq!(r.annotators, annotators.len(), "{}", f("annotators"));
        let labels: Vec<String> = e["label_order"]
            .as_array()
            .unwrap_or(e["labels"].as_array().expect("labels"))
            .iter()
            .map(|a| a.as_str().expect("s").into())
            .collect();
        assert_eq!(r.labels, labels, "{}", f("label order"));
        close(
            &f("percent agreement"),
            &r.percent_agreement,
            &e["percent_agreement"],
        );
        close(&f("Fleiss"), &r.fleiss_kappa, &e["fleiss_kappa"]);
        close(&f("AC1"), &r.gwet_ac1, &e["gwet_ac1"]);
        let ka = &e["krippendorff_alpha"];
        close(
            &f("alpha nominal"),
            &r.krippendorff_alpha.nominal,
            &ka["nominal"],
        );
        match (
            &r.krippendorff_alpha.ordinal,
            &r.krippendorff_alpha.interval,
        ) {
            (Some(o), Some(i)) => {
                close(&f("alpha ordinal"), o, &ka["ordinal"]);
                close(&f("alpha interval"), i, &ka["interval"]);
            }
            _ => assert!(
                ka["ordinal"].is_null() && ka["interval"].is_null(),
                "{}",
                f("ordinal/interval only for numbers")
            ),
        }
        let pairs = e["cohen_kappa"].as_array().expect("pairs");
        assert_eq!(r.cohen_kappa.len(), pairs.len(), "{}", f("pairs"));
        for (g, w) in r.cohen_kappa.iter().zip(pairs) {
            let who = f(&format!("{}/{}", g.a, g.b));
            assert_eq!(
                (g.a.as_str(), g.b.as_str()),
                (w["a"].as_str().expect("a"), w["b"].as_str().expect("b")),
                "{who}"
            );
            assert_eq!(g.items as u64, w["items"].as_u64().expect("items"), "{who}");
            close(&format!("{who} kappa"), &g.kappa, &w["kappa"]);
            close(
                &format!("{who} agreement"),
                &g.percent_agreement,
                &w["percent_agreement"],
            );
            if let (Some(l), Some(q)) = (&g.kappa_linear, &g.kappa_quadratic) {
                close(&format!("{who} linear"), l, &w["kappa_linear"]);
                close(&format!("{who} quadratic"), q, &w["kappa_quadratic"]);
            }
        }
        for w in e["per_label"].as_array().expect("per label") {
            let l = w["label"].as_str().expect("label");
            close(
                &f(&format!("per label {l}")),
                &r.per_label[l],
                &w["alpha_nominal"],
            );
        }
        for w in e["per_annotator"].as_array().expect("per annotator") {
            let a = w["annotator"].as_str().expect("annotator");
            let g = &r.per_annotator[a];
            assert_eq!(
                g.items as u64,
                w["items"].as_u64().expect("items"),
                "{}",
                f(&format!("per annotator {a} items"))
            );
            close(&f(&format!("per annotator {a}")), &g.kappa, &w["kappa"]);
        }
    }
}

#[test]
fn published_figures_to_three_decimals() {
    let check = |file: &str, got: Option<f64>, want: f64| {
        let g = got.unwrap_or_else(|| panic!("{file}: null"));
        assert!(
            (g - want).abs() < 5e-4,
            "{file}: {g:.4} vs published {want}"
        );
    };
    let data = ratings("krippendorff_2011.csv");
    let k = report_on(&data, &Scale::Ordinal(file_order(&data)));
    check(
        "Krippendorff 2011, nominal",
        k.krippendorff_alpha.nominal.value,
        0.743,
    );
    check(
        "Krippendorff 2011, ordinal",
        k.krippendorff_alpha.ordinal.and_then(|o| o.value),
        0.815,
    );
    check(
        "Krippendorff 2011, interval",
        k.krippendorff_alpha.interval.and_then(|o| o.value),
        0.849,
    );
    check(
        "Fleiss (Wikipedia's 10 × 14 example)",
        report(&ratings("fleiss_wikipedia.csv")).fleiss_kappa.value,
        0.210,
    );
    check(
        "Fleiss 1971, 30 patients × 6 raters",
        report(&ratings("fleiss_1971.csv")).fleiss_kappa.value,
        0.430,
    );
    let c = report(&ratings("cohen_50.csv"));
    check("50-item yes/no table", c.cohen_kappa[0].kappa.value, 0.4);
    check(
        "50-item yes/no table, agreement",
        c.percent_agreement.value,
        0.7,
    );
}

#[test]
fn degenerate_inputs_give_nulls_with_reasons_not_errors() {
    for file in [
        "empty.csv",
        "one_label.csv",
        "one_annotator.csv",
        "single_rating_items.csv",
    ] {
        let r = report(&ratings(file));
        let json = serde_json::to_string(&r).expect("serialises");
        assert!(
            !json.contains("NaN") && !json.contains("inf"),
            "{file}: {json}"
        );
        for (path, why) in &r.undefined {
            assert!(!why.is_empty(), "{file}: {path}");
        }
    }
    let empty = report(&[]);
    assert_eq!((empty.items, empty.annotators), (0, 0));
    assert!(empty.percent_agreement.value.is_none() && empty.fleiss_kappa.value.is_none());
    assert!(empty.undefined.contains_key("krippendorff_alpha.nominal"));
}

#[test]
fn bootstrap_intervals_are_reproducible_and_bracket_the_estimate() {
    let data = ratings("gen_nominal_missing.csv");
    let r = report(&data);
    let a = bootstrap(&data, 400, 9);
    let b = bootstrap(&data, 400, 9);
    assert_eq!(a, b, "same seed, same intervals");
    let c = bootstrap(&data, 400, 10);
    assert_ne!(
        a.krippendorff_alpha, c.krippendorff_alpha,
        "another seed, another resampling"
    );
    for (name, iv, point) in [
        (
            "alpha",
            a.krippendorff_alpha,
            r.krippendorff_alpha.nominal.value,
        ),
        ("AC1", a.gwet_ac1, r.gwet_ac1.value),
        ("percent", a.percent_agreement, r.percent_agreement.value),
    ] {
        let (iv, p) = (iv.expect(name), point.expect(name));
        assert!(
            iv.low < p && p < iv.high,
            "{name}: {p} outside [{}, {}]",
            iv.low,
            iv.high
        );
        assert!(iv.high - iv.low < 0.3, "{name}: implausibly wide");
    }
    assert!(
        a.fleiss_kappa.is_none(),
        "unequal ratings per item: no Fleiss interval"
    );
    let full = bootstrap(&ratings("gen_full.csv"), 300, 1);
    let fk = full.fleiss_kappa.expect("Fleiss interval on complete data");
    let point = report(&ratings("gen_full.csv"))
        .fleiss_kappa
        .value
        .expect("fleiss");
    assert!(fk.low < point && point < fk.high);
    let empty = bootstrap(&[], 100, 1);
    assert!(empty.krippendorff_alpha.is_none() && empty.gwet_ac1.is_none());
}

/// Each bootstrap resample's figures equal the full computation (`report`) over that resample
/// built explicitly — its drawn items as new, distinct items — on data with and without gaps.
#[test]
fn every_bootstrap_resample_equals_report_over_the_resampled_items() {
    for file in ["gen_nominal_missing.csv", "gen_full.csv"] {
        let data = ratings(file);
        let t = table(&data);
        let stats = resample_stats(&data, 6, 42);
        for (b, got) in stats.iter().enumerate() {
            let mut resampled = Vec::new();
            for (j, u) in resample_draws(t.items.len(), 42, b).enumerate() {
                for &(a, l) in &t.items[u] {
                    resampled.push(Rating {
                        item: format!("draw{j}"),
                        annotator: t.annotators[a].clone(),
                        label: t.labels[l].clone(),
                    });
                }
            }
            let r = report(&resampled);
            assert_eq!(r.labels.len(), t.labels.len(), "{file}: every label drawn");
            let want = [
                r.percent_agreement.value,
                r.krippendorff_alpha.nominal.value,
                r.fleiss_kappa.value,
                r.gwet_ac1.value,
            ];
            for (i, (g, w)) in got.iter().zip(want).enumerate() {
                match w {
                    Some(w) => assert!(
                        (g - w).abs() < 1e-9,
                        "{file} resample {b} statistic {i}: {g} vs {w}"
                    ),
                    None => assert!(
                        g.is_nan(),
                        "{file} resample {b} statistic {i}: {g}, want none"
                    ),
                }
            }
        }
    }
}

fn expected(file: &str) -> Value {
    let all: Value = serde_json::from_str(
        &std::fs::read_to_string(dir().join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    all["files"][file].clone()
}

#[test]
fn numeric_labels_on_a_nominal_scale_get_no_ordinal_statistics() {
    let r = report(&ratings("gen_ordinal.csv"));
    assert_eq!(r.scale.as_str(), "nominal");
    assert!(r.krippendorff_alpha.ordinal.is_none() && r.krippendorff_alpha.interval.is_none());
    assert!(r
        .cohen_kappa
        .iter()
        .all(|p| p.kappa_linear.is_none() && p.kappa_quadratic.is_none()));
    // Nominal figures do not depend on the scale.
    let e = expected("gen_ordinal.csv");
    close(
        "nominal alpha",
        &r.krippendorff_alpha.nominal,
        &e["krippendorff_alpha"]["nominal"],
    );
    assert_eq!(
        r.labels,
        ["1", "2", "3", "4", "5"],
        "numbers in numeric order"
    );
}

#[test]
fn an_ordinal_schema_of_words_gets_ordinal_statistics_in_its_order() {
    // gen_ordinal.csv with 1..5 renamed to words whose lexical order is not the scale's:
    // ordinal alpha and weighted kappa depend only on the order, so they must equal the
    // references computed on the numbers; interval alpha needs numbers and is null.
    let names = ["very low", "low", "medium", "high", "very high"];
    let order: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let data: Vec<Rating> = ratings("gen_ordinal.csv")
        .into_iter()
        .map(|r| Rating {
            label: names[r.label.parse::<usize>().expect("1..5") - 1].into(),
            ..r
        })
        .collect();
    let r = report_on(&data, &Scale::Ordinal(order.clone()));
    assert_eq!(r.scale.as_str(), "ordinal");
    assert_eq!(r.labels, order);
    let e = expected("gen_ordinal.csv");
    close(
        "ordinal alpha",
        r.krippendorff_alpha.ordinal.as_ref().expect("ordinal"),
        &e["krippendorff_alpha"]["ordinal"],
    );
    let interval = r.krippendorff_alpha.interval.as_ref().expect("interval");
    assert!(interval.value.is_none() && interval.reason.is_some());
    assert!(r.undefined.contains_key("krippendorff_alpha.interval"));
    for (g, w) in r
        .cohen_kappa
        .iter()
        .zip(e["cohen_kappa"].as_array().expect("pairs"))
    {
        close(
            "linear",
            g.kappa_linear.as_ref().expect("linear"),
            &w["kappa_linear"],
        );
        close(
            "quadratic",
            g.kappa_quadratic.as_ref().expect("quadratic"),
            &w["kappa_quadratic"],
        );
    }
    // On the nominal scale the same words get none of it.
    let n = report(&data);
    assert!(n.krippendorff_alpha.ordinal.is_none());
    assert!(n.cohen_kappa.iter().all(|p| p.kappa_linear.is_none()));
}

#[test]
fn weights_are_positions_on_the_whole_scale_including_unused_labels() {
    // ann2 and ann3 never use "2": on the scale 1 < 2 < 5 < 10 their weighted kappa is the
    // reference's (sklearn with labels = the whole order), not that of their own labels.
    let data: Vec<Rating> = ratings("gen_ordinal_gaps.csv")
        .into_iter()
        .filter(|r| r.annotator != "ann1")
        .collect();
    assert!(data.iter().all(|r| r.label != "2"));
    let scale = Scale::Ordinal(["1", "2", "5", "10"].map(String::from).to_vec());
    let r = report_on(&data, &scale);
    let e = expected("gen_ordinal_gaps.csv");
    let w = e["cohen_kappa"]
        .as_array()
        .expect("pairs")
        .iter()
        .find(|p| p["a"] == "ann2" && p["b"] == "ann3")
        .expect("pair")
        .clone();
    let (g,) = (&r.cohen_kappa[0],);
    close(
        "linear",
        g.kappa_linear.as_ref().expect("l"),
        &w["kappa_linear"],
    );
    close(
        "quadratic",
        g.kappa_quadratic.as_ref().expect("q"),
        &w["kappa_quadratic"],
    );
    // Without the unused position the weights differ.
    let own = report_on(&data, &Scale::Ordinal(file_order(&data)));
    let diff = (own.cohen_kappa[0]
        .kappa_linear
        .as_ref()
        .and_then(|s| s.value)
        .expect("v")
        - g.kappa_linear.as_ref().and_then(|s| s.value).expect("v"))
    .abs();
    assert!(diff > 1e-3, "the gap must matter: {diff}");
}

#[test]
fn a_label_off_the_ordinal_scale_makes_the_ordinal_statistics_null_with_a_reason() {
    let data = ratings("gen_ordinal.csv");
    let r = report_on(
        &data,
        &Scale::Ordinal(["1", "2", "3", "4"].map(String::from).to_vec()),
    );
    let o = r.krippendorff_alpha.ordinal.as_ref().expect("asked for");
    assert!(o.value.is_none());
    assert!(
        o.reason.as_deref().is_some_and(|w| w.contains("\"5\"")),
        "{o:?}"
    );
    assert!(r
        .cohen_kappa
        .iter()
        .all(|p| p.kappa_linear.as_ref().is_some_and(|s| s.value.is_none())));
    assert!(r.krippendorff_alpha.nominal.value.is_some());
}

#[test]
fn file_order_is_numeric_for_numbers_else_lexical() {
    let r = |labels: &[&str]| -> Vec<Rating> {
        labels
            .iter()
            .enumerate()
            .map(|(i, l)| Rating {
                item: i.to_string(),
                annotator: "a".into(),
                label: l.to_string(),
            })
            .collect()
    };
    assert_eq!(file_order(&r(&["10", "2", "1.5"])), ["1.5", "2", "10"]);
    assert_eq!(
        file_order(&r(&["b", "10", "a", "2"])),
        ["10", "2", "a", "b"]
    );
    assert_eq!(
        Scale::Ordinal(file_order(&r(&["10", "2"]))).name(),
        "interval"
    );
    assert_eq!(
        Scale::Ordinal(file_order(&r(&["lo", "hi"]))).name(),
        "ordinal"
    );
}
