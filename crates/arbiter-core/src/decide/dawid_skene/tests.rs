//! [`fit`] against crowd-kit's `DawidSkene` on `fixtures/dawid_skene/` (posteriors, priors,
//! error matrices, rounds and most probable labels, to 1e-6), the fixed-answers path, and the
//! edge cases.

use std::collections::HashMap;
use std::path::PathBuf;

use super::*;

fn dir() -> PathBuf {
    crate::testutil::fixtures().join("dawid_skene")
}

fn ratings(file: &str) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(dir().join(file)).expect("ratings");
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

fn answers(file: &str) -> HashMap<String, String> {
    let text = std::fs::read_to_string(dir().join(file)).expect("answers");
    text.lines()
        .skip(1)
        .map(|l| {
            let (i, a) = l.split_once(',').expect("item_id,label");
            (i.to_string(), a.to_string())
        })
        .collect()
}

fn close(what: &str, ours: f64, theirs: f64) {
    assert!(
        (ours - theirs).abs() <= 1e-6,
        "{what}: ours {ours}, crowd-kit {theirs}"
    );
}

fn check_case(name: &str) -> Fit<String, String, String> {
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir().join("expected.json")).expect("expected.json"),
    )
    .expect("json");
    let case = &expected["cases"][name];
    let votes = ratings(case["ratings"].as_str().expect("ratings"));
    let fixed = case["fixed"].as_str().map(answers).unwrap_or_default();
    let fit = fit(&votes, &fixed, Options::default());
    let labels: Vec<String> = case["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l.as_str().expect("label").to_string())
        .collect();
    assert_eq!(fit.labels, labels, "{name}: label order");
    assert_eq!(
        fit.iterations() as u64,
        case["iterations"].as_u64().expect("iterations"),
        "{name}: rounds"
    );
    for (r, (ours, theirs)) in fit
        .loss_history
        .iter()
        .zip(case["loss_history"].as_array().expect("loss"))
        .enumerate()
    {
        close(
            &format!("{name} bound {r}"),
            *ours,
            theirs.as_f64().expect("f64"),
        );
    }
    for (c, p) in case["priors"]
        .as_array()
        .expect("priors")
        .iter()
        .enumerate()
    {
        close(
            &format!("{name} prior {c}"),
            fit.priors[c],
            p.as_f64().expect("f64"),
        );
    }
    let posteriors = case["posteriors"].as_object().expect("posteriors");
    assert_eq!(posteriors.len(), fit.items.len(), "{name}: items");
    for (i, item) in fit.items.iter().enumerate() {
        let theirs = posteriors[item].as_array().expect("row");
        for (c, p) in theirs.iter().enumerate() {
            close(
                &format!("{name} {item} P({})", labels[c]),
                fit.posteriors[i][c],
                p.as_f64().expect("f64"),
            );
        }
        assert_eq!(
            fit.labels[fit.most_probable(i)],
            case["most_probable"][item].as_str().expect("label"),
            "{name} {item}: most probable label"
        );
        let sum: f64 = fit.posteriors[i].iter().sum();
        assert!((sum - 1.0).abs() < 1e-12, "{name} {item}: sums to {sum}");
    }
    let errors = case["errors"].as_object().expect("errors");
    for (a, who) in fit.annotators.iter().enumerate() {
        let m = errors[who].as_array().expect("matrix");
        for (g, row) in m.iter().enumerate() {
            for (t, e) in row.as_array().expect("row").iter().enumerate() {
                close(
                    &format!("{name} {who} e[{}][{}]", labels[g], labels[t]),
                    fit.errors[a][g][t],
                    e.as_f64().expect("f64"),
                );
            }
        }
    }
    fit
}

#[test]
fn matches_crowd_kit_on_a_synthetic_crowd() {
    let fit = check_case("synthetic");
    assert_eq!(fit.annotators.len(), 8);
    assert_eq!(fit.labels.len(), 4);
}

#[test]
fn matches_crowd_kit_on_krippendorffs_reliability_data() {
    check_case("krippendorff_2011");
}

#[test]
fn matches_crowd_kit_with_fixed_answers() {
    let fit = check_case("synthetic_fixed");
    // Every fixed item is certain of its answer.
    let fixed = answers("synthetic_fixed.answers.csv");
    assert_eq!(fixed.len(), 30);
    for (item, label) in &fixed {
        let i = fit.items.iter().position(|x| x == item).expect("item");
        let c = fit.labels.iter().position(|l| l == label).expect("label");
        assert_eq!(fit.posteriors[i][c], 1.0, "{item}");
    }
    // And the fixed answers change the others' posteriors.
    let free = check_case("synthetic");
    let moved = (0..fit.items.len())
        .filter(|&i| !fixed.contains_key(&fit.items[i]))
        .map(|i| (fit.posteriors[i][0] - free.posteriors[i][0]).abs())
        .fold(0.0, f64::max);
    assert!(moved > 1e-4, "fixed answers moved nothing ({moved})");
}

#[test]
fn a_tie_is_broken_by_label_order_like_crowd_kit() {
    let fit = check_case("tie");
    let b = fit.items.iter().position(|i| i == "b").expect("b");
    assert_eq!(fit.posteriors[b], vec![0.5, 0.5]);
    assert_eq!(fit.most_probable(b), 0);
}

#[test]
fn a_fixed_label_nobody_gave_joins_the_labels() {
    let votes = vec![
        ("i1", "a", "cat"),
        ("i1", "b", "cat"),
        ("i2", "a", "dog"),
        ("i2", "b", "cat"),
    ];
    let fixed = HashMap::from([("i2", "fox"), ("no votes", "cat")]);
    let fit = fit(&votes, &fixed, Options::default());
    assert_eq!(fit.labels, vec!["cat", "dog", "fox"]);
    assert_eq!(fit.items, vec!["i1", "i2"]);
    assert_eq!(fit.posteriors[1], vec![0.0, 0.0, 1.0]);
    assert_eq!(fit.most_probable(1), 2);
}

#[test]
fn no_votes_fit_nothing() {
    let votes: Vec<(u8, u8, u8)> = Vec::new();
    let fit = fit(&votes, &HashMap::new(), Options::default());
    assert!(fit.items.is_empty() && fit.posteriors.is_empty() && fit.labels.is_empty());
    assert_eq!(fit.iterations(), 0);
}
