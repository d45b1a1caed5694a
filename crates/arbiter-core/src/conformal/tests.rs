//! LAC q̂ and sets against MAPIE on `fixtures/compare/`, and the set-size queue over a real
//! project (wine with a forest run): its order, its scores, and each refusal writing nothing.

use super::{create, qhat, set_of, Lac};
use crate::calibration::tests::{label_truth, queue, queued, setup};
use crate::queue::{QueueSpec, Strategy};
use crate::review::QueueCreate;
use crate::Project;

/// `fixtures/compare/expected.json`'s `lac` cases: MAPIE 1.6.0's
/// `SplitConformalClassifier(conformity_score="lac", prefit=True)` on stored probabilities.
#[test]
fn qhat_and_sets_match_mapie() {
    let path = crate::testutil::fixtures().join("compare/expected.json");
    let e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("json");
    let cases = e["lac"].as_array().expect("lac");
    assert!(cases.len() >= 10);
    let rows = |v: &serde_json::Value| -> Vec<Vec<f32>> {
        serde_json::from_value::<Vec<Vec<f64>>>(v.clone())
            .expect("rows")
            .into_iter()
            .map(|r| r.into_iter().map(|x| x as f32).collect())
            .collect()
    };
    let mut sizes = std::collections::BTreeSet::new();
    for c in cases {
        let cal = rows(&c["calibration"]);
        let labels: Vec<usize> =
            serde_json::from_value(c["calibration_labels"].clone()).expect("labels");
        let alpha = c["alpha"].as_f64().expect("alpha");
        let scores: Vec<f64> = cal
            .iter()
            .zip(&labels)
            .map(|(p, &l)| 1.0 - f64::from(p[l]))
            .collect();
        let q = qhat(&scores, alpha).expect("qhat");
        let want = c["qhat"].as_f64().expect("qhat");
        // serde_json (without its `float_roundtrip` feature) may read a number one ulp off.
        assert!(
            (q - want).abs() <= 1e-15,
            "{} alpha {alpha}: {q} vs {want}",
            c["name"]
        );
        let sets: Vec<Vec<usize>> = serde_json::from_value(c["sets"].clone()).expect("sets");
        for (i, (p, want)) in rows(&c["test"]).iter().zip(&sets).enumerate() {
            assert_eq!(&set_of(p, q), want, "{} alpha {alpha} item {i}", c["name"]);
            sizes.insert(want.len());
        }
    }
    // The fixture exercises empty, single and larger sets.
    assert!(
        sizes.contains(&0) && sizes.contains(&1) && sizes.contains(&2),
        "{sizes:?}"
    );
}

#[test]
fn too_few_scores_for_alpha_say_how_many_more_and_alpha_is_checked() {
    let scores = vec![0.1; 30];
    let e = qhat(&scores, 0.01).expect_err("too few").to_string();
    assert!(
        e.contains("needs at least 99 calibration items and the sample has 30: label 69 more"),
        "{e}"
    );
    for a in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
        let e = qhat(&scores, a).expect_err("alpha").to_string();
        assert!(
            e.contains("--alpha") && e.contains("above 0 and below 1"),
            "{e}"
        );
    }
    // k = ⌈31 · 0.9⌉ = 28: the 28th smallest.
    let ranks: Vec<f64> = (1..=30).map(|i| i as f64 / 100.0).collect();
    assert_eq!(qhat(&ranks, 0.1).expect("q"), 0.28);
}

fn set_size_queue(
    p: &mut Project,
    run: i64,
    name: &str,
    calibration: &str,
    alpha: f64,
    threshold: Option<f64>,
) -> crate::Result<(Lac, crate::review::SavedQueue)> {
    create(
        p,
        &QueueCreate {
            name: name.into(),
            spec: QueueSpec {
                run,
                strategy: Strategy::SetSize,
                other_run: None,
                threshold,
                seed: 3,
                calibrated: false,
            },
            limit: None,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
        calibration,
        alpha,
    )
}

fn queues(p: &Project) -> i64 {
    p.conn()
        .query_row("SELECT COUNT(*) FROM queues", [], |r| r.get(0))
        .expect("queues")
}

#[test]
fn a_set_size_queue_puts_items_without_a_single_label_first_with_their_set_sizes() {
    let (_d, mut p, run) = setup();
    let audit = queue(&mut p, "audit", run, Strategy::Random, None, Some(60));
    let items = queued(&p, audit.id);
    label_truth(&mut p, &items[..40], "a1");
    let (lac, q) = set_size_queue(&mut p, run, "sets", "audit", 0.05, None).expect("queue");
    assert_eq!((lac.n, lac.calibration.as_str()), (40, "audit"));
    assert_eq!(q.strategy, Strategy::SetSize);
    // The scores are the set sizes under q̂, in the documented order.
    let (_, preds) = crate::predict::predictions(&p, run).expect("preds");
    let rows: Vec<(i64, f64)> = p
        .conn()
        .prepare("SELECT item_id, score FROM queue_items WHERE queue_id = ?1 ORDER BY position")
        .expect("stmt")
        .query_map([q.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("items");
    assert_eq!(
        rows.len(),
        preds.iter().filter(|x| !x.probabilities.is_empty()).count()
    );
    for (item, score) in &rows {
        let pr = preds.iter().find(|x| x.item == *item).expect("pred");
        assert_eq!(*score, set_of(&pr.probabilities, lac.qhat).len() as f64);
    }
    let class = |s: f64| match s as usize {
        0 => 1,
        1 => 2,
        _ => 0,
    };
    assert!(rows.windows(2).all(|w| {
        let (a, b) = (w[0].1, w[1].1);
        class(a) < class(b) || (class(a) == class(b) && a >= b)
    }));
    assert!(
        rows.iter().any(|r| r.1 != 1.0),
        "some item is not a single label"
    );
    assert_ne!(rows[0].1, 1.0);
    // The audit entry names the calibration, alpha and q̂.
    let detail: String = p
        .conn()
        .query_row(
            "SELECT details FROM audit_log WHERE action = 'queue.create' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert!(
        detail.contains("\"calibration\":\"audit\"") && detail.contains("\"qhat\""),
        "{detail}"
    );
}

#[test]
fn set_size_refusals_say_why_and_write_nothing() {
    let (_d, mut p, run) = setup();
    let audit = queue(&mut p, "audit", run, Strategy::Random, None, Some(60));
    queue(&mut p, "hard", run, Strategy::Margin, None, Some(60));
    let items = queued(&p, audit.id);
    label_truth(&mut p, &items[..20], "a1");
    let before = queues(&p);
    let e = set_size_queue(&mut p, run, "s", "audit", 0.1, None)
        .expect_err("too few")
        .to_string();
    assert!(
        e.contains("has 20 decided item(s)") && e.contains("label 10 more"),
        "{e}"
    );
    label_truth(&mut p, &items[20..40], "a1");
    let before = before.max(queues(&p));
    for a in [0.0, 1.0, 2.0] {
        let e = set_size_queue(&mut p, run, "s", "audit", a, None)
            .expect_err("alpha")
            .to_string();
        assert!(e.contains("--alpha"), "{e}");
    }
    let e = set_size_queue(&mut p, run, "s", "audit", 0.01, None)
        .expect_err("alpha too small")
        .to_string();
    assert!(
        e.contains("needs at least 99") && e.contains("label 59 more"),
        "{e}"
    );
    let e = set_size_queue(&mut p, run, "s", "hard", 0.1, None)
        .expect_err("unfair")
        .to_string();
    assert!(e.contains("not a fair sample"), "{e}");
    let e = set_size_queue(&mut p, run, "s", "audit", 0.1, Some(0.9))
        .expect_err("threshold")
        .to_string();
    assert!(e.contains("--threshold 0.9"), "{e}");
    // Through review::create (no calibration): the flags it needs are named.
    let e = crate::review::create(
        &mut p,
        &QueueCreate {
            name: "s".into(),
            spec: QueueSpec {
                run,
                strategy: Strategy::SetSize,
                other_run: None,
                threshold: None,
                seed: 0,
                calibrated: false,
            },
            limit: None,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect_err("no calibration")
    .to_string();
    assert!(e.contains("--calibration QUEUE --alpha A"), "{e}");
    assert_eq!(queues(&p), before, "nothing written");
}

/// A set-size queue by calibrated confidence (`--calibrated`): q̂ and the sets from
/// softmax(ln p / T) of the fair sample, on `fixtures/calibration/`'s underconfident case.
#[test]
fn calibrated_prediction_sets_use_the_calibrated_probabilities() {
    use crate::calibration::queue_tests::{calibrate, case, spec};
    let mut c = case("underconfident");
    let t = calibrate(&mut c);
    let alpha = 0.1;
    let raw = super::ranked(
        &c.p,
        &QueueSpec {
            calibrated: false,
            ..spec(c.run, Strategy::SetSize, None)
        },
        "audit",
        alpha,
    )
    .expect("raw sets");
    let (lac, ranked) = super::ranked(&c.p, &spec(c.run, Strategy::SetSize, None), "audit", alpha)
        .expect("calibrated sets");
    assert_eq!((raw.0.temperature, lac.temperature), (None, Some(t)));
    // q̂ from the calibrated probabilities of the labels (scipy's softmax), as MAPIE's "lower"
    // quantile: the k-th smallest score, k = ⌈(n + 1)(1 − α)⌉.
    let probs: Vec<Vec<f64>> = serde_json::from_value(c.e["probabilities"].clone()).expect("p");
    let labels: Vec<usize> = serde_json::from_value(c.e["labels"].clone()).expect("labels");
    let mut scores: Vec<f64> = probs
        .iter()
        .zip(&labels)
        .map(|(p, &y)| {
            let z: Vec<f64> = p.iter().map(|v| v.max(1e-12).ln() / t).collect();
            let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = z.iter().map(|v| (v - m).exp()).sum();
            1.0 - (z[y] - m).exp() / sum
        })
        .collect();
    scores.sort_by(f64::total_cmp);
    let k = (((scores.len() + 1) as f64) * (1.0 - alpha)).ceil() as usize;
    assert!(
        (lac.qhat - scores[k - 1]).abs() < 1e-6,
        "{} vs {}",
        lac.qhat,
        scores[k - 1]
    );
    assert_eq!(ranked.len(), raw.1.len());
    assert_ne!(lac.qhat, raw.0.qhat);
}
