//! Calibration over a real project (wine with a forest run): which queues are fair samples,
//! what is refused and why.

use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::queue::{QueueSpec, Strategy};
use crate::review::{self, QueueCreate};
use crate::Project;

pub(crate) fn setup() -> (tempfile::TempDir, Project, i64) {
    let (dir, p, run) =
        crate::testutil::project_with_run("tabular/wine.csv", None, "wine_forest.onnx", 64, false);
    add_annotator(&p, "a1", Role::Annotator).expect("annotator");
    (dir, p, run)
}

pub(crate) fn queue(
    p: &mut Project,
    name: &str,
    run: i64,
    strategy: Strategy,
    threshold: Option<f64>,
    limit: Option<usize>,
) -> review::SavedQueue {
    review::create(
        p,
        &QueueCreate {
            name: name.into(),
            spec: QueueSpec {
                run,
                strategy,
                other_run: None,
                threshold,
                seed: 7,
                calibrated: false,
            },
            limit,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: true,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue")
}

/// The queue's items in rank order.
pub(crate) fn queued(p: &Project, queue: i64) -> Vec<i64> {
    p.conn()
        .prepare("SELECT item_id FROM queue_items WHERE queue_id = ?1 ORDER BY position")
        .expect("stmt")
        .query_map([queue], |r| r.get(0))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("items")
}

/// Label `items` with their given label (the wine file's `class` column, which the forest
/// mostly gets right), as `who` would.
pub(crate) fn label_truth(p: &mut Project, items: &[i64], who: &str) {
    for &item in items {
        let given: String = p
            .conn()
            .query_row(
                "SELECT COALESCE(l.name, 'class_0') FROM items i LEFT JOIN labels l ON l.id = i.label_id WHERE i.id = ?1",
                [item],
                |r| r.get(0),
            )
            .expect("given");
        record(
            p,
            &NewAnnotation::new(item, who, Event::Label { label: given }, Source::Manual),
        )
        .expect("label");
    }
}

fn message(e: crate::Error) -> String {
    e.to_string()
}

#[test]
fn only_a_random_queue_without_threshold_on_the_run_is_a_fair_sample() {
    let (_d, mut p, run) = setup();
    let fair = queue(&mut p, "audit", run, Strategy::Random, None, Some(60));
    queue(
        &mut p,
        "hard",
        run,
        Strategy::LeastConfidence,
        None,
        Some(60),
    );
    queue(&mut p, "low", run, Strategy::Random, Some(0.9), None);
    let items = queued(&p, fair.id);
    label_truth(&mut p, &items[..40], "a1");

    let s = super::fair_sample(&p, run, "audit").expect("fair");
    assert_eq!(s.items.len(), 40);
    assert_eq!(s.queued, 60);
    let mut want = items[..40].to_vec();
    want.sort_unstable();
    assert_eq!(s.items.iter().map(|i| i.item).collect::<Vec<_>>(), want);
    assert!(s
        .items
        .iter()
        .all(|i| i.probabilities.len() == 3 && i.label.is_some()));

    let e = message(super::fair_sample(&p, run, "hard").expect_err("uncertainty queue"));
    assert!(
        e.contains("least-confidence queue") && e.contains("not a fair sample"),
        "{e}"
    );
    let e = message(super::fair_sample(&p, run, "low").expect_err("threshold"));
    assert!(e.contains("confidence threshold (0.9)"), "{e}");
    let e = message(super::fair_sample(&p, run + 1, "audit").expect_err("other run"));
    assert!(e.contains("not found") || e.contains("run"), "{e}");
}

#[test]
fn a_sample_with_fewer_than_30_decided_items_says_how_many_more_are_needed() {
    let (_d, mut p, run) = setup();
    let fair = queue(&mut p, "audit", run, Strategy::Random, None, Some(60));
    let items = queued(&p, fair.id);
    label_truth(&mut p, &items[..21], "a1");
    let e = message(super::fair_sample(&p, run, "audit").expect_err("too few"));
    assert!(
        e.contains("has 21 decided item(s)") && e.contains("label 9 more"),
        "{e}"
    );
}

fn expected() -> serde_json::Value {
    let path = crate::testutil::fixtures().join("calibration/expected.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("json")
}

fn rel_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1e-300),
        "{what}: {got} vs {want}"
    );
}

fn sample_of(case: &serde_json::Value) -> super::Sample {
    let probs: Vec<Vec<f32>> =
        serde_json::from_value(case["probabilities"].clone()).expect("probabilities");
    let labels: Vec<usize> = serde_json::from_value(case["labels"].clone()).expect("labels");
    let k = probs[0].len();
    super::Sample {
        run: 1,
        queue: crate::review::SavedQueue {
            id: 1,
            name: "audit".into(),
            run: 1,
            strategy: Strategy::Random,
            threshold: None,
            seed: 0,
            limit: None,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: true,
            lease_seconds: 600,
            created_at: String::new(),
            assignees: Vec::new(),
            gold: Default::default(),
            temperature: None,
        },
        classes: (0..k).map(|c| format!("c{c}")).collect(),
        items: probs
            .into_iter()
            .zip(labels)
            .enumerate()
            .map(|(i, (p, y))| super::SampleItem {
                item: i as i64,
                predicted: crate::predict::Scores::of(&p).predicted,
                probabilities: p,
                label: Some(y),
                label_name: format!("c{y}"),
            })
            .collect(),
        queued: 0,
    }
}

/// `fixtures/calibration/`: T and the NLL against scipy's bounded minimiser on ln T (relative
/// 1e-6), ECE and the reliability bins as defined (equal-width, edges k/bins) to 1e-9.
#[test]
fn temperature_nll_and_ece_match_scipy() {
    let e = expected();
    for case in e["temperature"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let s = sample_of(case);
        for bins in [10usize, 15] {
            let c = super::calibrate_sample(&s, bins);
            rel_close(
                name,
                c.temperature,
                case["temperature"].as_f64().expect("t"),
                1e-6,
            );
            rel_close(
                name,
                c.nll_before.expect("nll"),
                case["nll_before"].as_f64().expect("nll"),
                1e-9,
            );
            rel_close(
                name,
                c.nll_after.expect("nll"),
                case["nll_after"].as_f64().expect("nll"),
                1e-6,
            );
            let want = &case["ece"][bins.to_string()];
            for (which, ece, got_bins) in [
                ("before", c.ece_before, &c.bins_before),
                ("after", c.ece_after, &c.bins_after),
            ] {
                let w = &want[which];
                let tol = if which == "before" { 1e-9 } else { 1e-6 };
                assert!(
                    (ece.expect("ece") - w["ece"].as_f64().expect("ece")).abs() < tol,
                    "{name} {bins} {which}: {ece:?} vs {}",
                    w["ece"]
                );
                assert_eq!(got_bins.len(), bins);
                for (g, wb) in got_bins.iter().zip(w["bins"].as_array().expect("bins")) {
                    assert_eq!(
                        g.items as u64,
                        wb["items"].as_u64().expect("items"),
                        "{name}"
                    );
                    if let Some(a) = wb["accuracy"].as_f64() {
                        assert!((g.accuracy.expect("acc") - a).abs() < 1e-9);
                        let mc = wb["mean_confidence"].as_f64().expect("mc");
                        assert!((g.mean_confidence.expect("mc") - mc).abs() < tol);
                    } else {
                        assert_eq!(g.accuracy, None);
                    }
                }
            }
        }
    }
}

/// A temperature that stops at a bound of its search says so: a sample without errors among
/// confident predictions (T → 0), and one whose labels ignore the predictions (T → ∞). The
/// fixture cases, fitted inside the range by scipy, do not.
#[test]
fn a_temperature_at_the_bound_of_its_search_is_flagged() {
    let case = |probs: Vec<[f32; 3]>, labels: Vec<usize>| serde_json::json!({ "probabilities": probs, "labels": labels });
    let n = 60;
    let confident: Vec<[f32; 3]> = (0..n)
        .map(|i| {
            let mut p = [0.05f32; 3];
            p[i % 3] = 0.9;
            p
        })
        .collect();
    // Every label is the prediction: the likelihood keeps rising as T falls.
    let right: Vec<usize> = (0..n).map(|i| i % 3).collect();
    let c = super::calibrate_sample(&sample_of(&case(confident.clone(), right)), 10);
    assert_eq!(c.at_bound, Some(super::T_MIN), "T = {}", c.temperature);
    // Labels drawn without regard to the predictions (each class equally often against each
    // prediction): the likelihood keeps rising as T grows.
    let ignored: Vec<usize> = (0..n).map(|i| (i / 3) % 3).collect();
    let c = super::calibrate_sample(&sample_of(&case(confident, ignored)), 10);
    assert_eq!(c.at_bound, Some(super::T_MAX), "T = {}", c.temperature);
    for case in expected()["temperature"].as_array().expect("cases") {
        let c = super::calibrate_sample(&sample_of(case), 10);
        assert_eq!(c.at_bound, None, "{}: T = {}", case["name"], c.temperature);
    }
}

/// `fixtures/calibration/`: the LTT threshold, counts and Clopper–Pearson bound against
/// scipy.stats (binom.cdf, beta.ppf).
#[test]
fn learn_then_test_matches_scipy_stats() {
    let e = expected();
    for case in e["ltt"].as_array().expect("cases") {
        let conf: Vec<f64> = serde_json::from_value(case["confidence"].clone()).expect("c");
        let err: Vec<bool> = serde_json::from_value(case["error"].clone()).expect("e");
        let (alpha, delta) = (
            case["alpha"].as_f64().expect("a"),
            case["delta"].as_f64().expect("d"),
        );
        let points: Vec<(f64, bool)> = conf.into_iter().zip(err).collect();
        let got = super::learn_then_test(&points, alpha, delta);
        let what = format!("{} a={alpha} d={delta}", case["name"]);
        assert_eq!(
            got.n_min as u64,
            case["n_min"].as_u64().expect("n_min"),
            "{what}"
        );
        assert_eq!(got.threshold, case["threshold"].as_f64(), "{what}");
        if got.threshold.is_some() {
            assert_eq!(
                got.sample_accepted as u64,
                case["n"].as_u64().expect("n"),
                "{what}"
            );
            assert_eq!(
                got.sample_errors as u64,
                case["k"].as_u64().expect("k"),
                "{what}"
            );
            rel_close(
                &what,
                got.upper_bound.expect("bound"),
                case["upper_bound"].as_f64().expect("ub"),
                1e-9,
            );
        }
    }
}

/// The distributions against scipy.stats values (scipy 1.17.1).
#[test]
fn binomial_cdf_and_beta_quantile_match_scipy() {
    use super::stats::{beta_ppf, binom_cdf};
    // scipy.stats.binom.cdf(k, n, p)
    for (k, n, p, want) in [
        (0usize, 59usize, 0.05, 0.048_494_525_249_423_22),
        (8, 307, 0.05, 0.028_173_428_113_356_93),
        (124, 1391, 0.1, 0.094_433_718_729_596_27),
    ] {
        rel_close("binom", binom_cdf(k, n, p), want, 1e-9);
    }
    // scipy.stats.beta.ppf(q, a, b)
    for (q, a, b, want) in [
        (0.95, 1.0, 59.0, 0.049_507_609_888_226_93),
        (0.9, 3.0, 78.0, 0.065_159_666_991_629_76),
    ] {
        rel_close("beta", beta_ppf(q, a, b), want, 1e-9);
    }
}

/// Wine with a forest run and a random audit queue of 100 items, all labeled with the truth.
fn audited() -> (tempfile::TempDir, Project, i64, Vec<i64>) {
    let (d, mut p, run) = setup();
    let q = queue(&mut p, "audit", run, Strategy::Random, None, Some(100));
    let items = queued(&p, q.id);
    label_truth(&mut p, &items, "a1");
    (d, p, run, items)
}

fn setting_events(p: &Project) -> i64 {
    p.conn()
        .query_row("SELECT COUNT(*) FROM setting_events", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn calibrate_keeps_the_temperature_with_the_run_audited_and_autoaccept_uses_it() {
    let (_d, p, run, _) = audited();
    assert_eq!(crate::calibrated::temperature(&p, run).expect("t"), None);
    let c = super::calibrate(&p, run, "audit", 10, None).expect("calibrate");
    assert_eq!(c.items, 100);
    assert!(c.nll_after <= c.nll_before, "{c:?}");
    assert!((super::T_MIN..=super::T_MAX).contains(&c.temperature));
    assert_eq!(
        crate::calibrated::temperature(&p, run).expect("t"),
        Some(c.temperature)
    );
    let audit = crate::audit::recent(&p, 5).expect("audit");
    assert!(
        audit.iter().any(|e| e.action == "calibration.set"),
        "{audit:?}"
    );
    let r = super::autoaccept(&p, run, "audit", 0.1, 0.1).expect("autoaccept");
    assert_eq!(r.temperature, c.temperature);
}

#[test]
fn bad_input_is_refused_with_the_reason_and_nothing_is_written() {
    let (_d, mut p, run, _) = audited();
    queue(&mut p, "hard", run, Strategy::Margin, None, Some(50));
    let before = setting_events(&p);
    for (risk, delta, what) in [
        (0.0, 0.1, "--risk 0"),
        (1.0, 0.1, "--risk 1"),
        (0.1, 0.0, "--delta 0"),
        (0.1, 1.5, "--delta 1.5"),
    ] {
        let e = message(super::apply(&p, run, "audit", risk, delta, None).expect_err(what));
        assert!(
            e.contains(what) && e.contains("strictly between 0 and 1"),
            "{e}"
        );
    }
    let e = message(super::apply(&p, run, "hard", 0.1, 0.1, None).expect_err("margin"));
    assert!(e.contains("margin queue"), "{e}");
    let e = message(super::calibrate(&p, run, "hard", 10, None).expect_err("margin"));
    assert!(e.contains("margin queue"), "{e}");
    // Nothing certified at a tiny risk: refused, saying how many labels it takes.
    let e = message(super::apply(&p, run, "audit", 0.001, 0.05, None).expect_err("tiny"));
    assert!(e.contains("label at least 2995"), "{e}");
    // A run without probabilities (every item failed).
    p.conn()
        .execute(
            "UPDATE predictions SET probs = NULL, predicted = NULL, error = 'x' WHERE run_id = ?1",
            [run],
        )
        .expect("fail all");
    let e = message(super::calibrate(&p, run, "audit", 10, None).expect_err("no probs"));
    assert!(e.contains("has no probabilities"), "{e}");
    assert_eq!(setting_events(&p), before, "nothing written");
}

#[test]
fn an_insufficient_sample_says_how_many_labels_are_needed() {
    let (_d, p, run, _) = audited();
    let r = super::autoaccept(&p, run, "audit", 0.01, 0.05).expect("autoaccept");
    // n_min = ⌈ln 0.05 / ln 0.99⌉ = 299 > 100 items.
    assert_eq!(r.status, "insufficient");
    assert_eq!(r.labels_needed, Some(299));
    assert_eq!((r.threshold, r.coverage, r.accepted), (None, None, 0));
}

#[test]
fn applied_auto_accept_decides_unlabeled_items_a_human_label_wins_and_revoke_undoes_it() {
    let (_d, mut p, run, audited_items) = audited();
    let r = super::apply(&p, run, "audit", 0.1, 0.1, None).expect("apply");
    assert_eq!(r.status, "certified");
    assert!(r.applied && r.accepted > 0, "{r:?}");
    let decisions = crate::decide::decisions(&p, None).expect("decisions");
    let auto: Vec<&crate::decide::Decision> = decisions
        .iter()
        .filter(|d| d.rule == Some(crate::decide::How::Auto))
        .collect();
    // Every accepted item without a person's label, none of the labeled audit items.
    let labeled: std::collections::HashSet<i64> = audited_items.iter().copied().collect();
    let accepted: Vec<i64> = p
        .conn()
        .prepare("SELECT item_id FROM auto_accepted ORDER BY item_id")
        .expect("stmt")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("accepted");
    assert_eq!(accepted.len() as u64, r.accepted);
    let unlabeled: Vec<i64> = accepted
        .iter()
        .copied()
        .filter(|i| !labeled.contains(i))
        .collect();
    assert_eq!(auto.iter().map(|d| d.item).collect::<Vec<_>>(), unlabeled);
    assert!(auto.iter().all(|d| !labeled.contains(&d.item)
        && d.status == crate::decide::Status::Decided
        && d.deciders == ["auto"]));
    // The export carries them decided by `auto`, and its lineage the auto-accept.
    let out = _d.path().join("export.jsonl");
    crate::export::export(
        &p,
        &crate::export::ExportOptions {
            out: out.clone(),
            format: crate::export::Format::Jsonl,
            dataset: None,
            predictions: crate::export::Predictions::None,
            only_decided: false,
            min_agreement: None,
            exclude_reasons: vec![],
            validation_share: None,
            seed: 0,
            allow_below_target: false,
        },
    )
    .expect("export");
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .expect("rows")
        .lines()
        .map(|l| serde_json::from_str(l).expect("row"))
        .collect();
    let exported_auto = rows
        .iter()
        .filter(|r| r["rule"] == "auto" && r["status"] == "decided" && r["deciders"] == "auto")
        .count();
    assert_eq!(exported_auto, unlabeled.len());
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.with_extension("jsonl.lineage.json")).expect("lineage"),
    )
    .expect("lineage json");
    assert!(lineage["auto_accept"]["threshold"].is_number(), "{lineage}");
    // The fair sample never counts automatic decisions.
    assert_eq!(
        super::fair_sample(&p, run, "audit").expect("s").items.len(),
        100
    );
    // Nor does model quality: 100 decided items, as before the auto-accept.
    let quality = crate::metrics::report(&p, Some(run))
        .expect("report")
        .model_quality
        .expect("quality");
    assert_eq!(
        (quality.overall.items, quality.random_sample.items),
        (100, 100)
    );
    // A person labels an accepted item later: people decide it.
    let taken = auto[0].item;
    let other = if auto[0].label.as_deref() == Some("class_0") {
        "class_1"
    } else {
        "class_0"
    };
    record(
        &mut p,
        &NewAnnotation::new(
            taken,
            "a1",
            Event::Label {
                label: other.into(),
            },
            Source::Manual,
        ),
    )
    .expect("label");
    let d = crate::decide::decision(&p, taken).expect("decision");
    assert_eq!(
        (d.rule, d.label.as_deref()),
        (Some(crate::decide::How::Unanimous), Some(other))
    );
    let auto_one = auto[1].item;
    assert_eq!(
        crate::decide::decision(&p, auto_one).expect("d").rule,
        Some(crate::decide::How::Auto)
    );
    // Revoked: no automatic decision is left.
    super::revoke(&p, None).expect("revoke");
    let decisions = crate::decide::decisions(&p, None).expect("decisions");
    assert!(decisions
        .iter()
        .all(|d| d.rule != Some(crate::decide::How::Auto)));
    assert_eq!(crate::decide::decision(&p, auto_one).expect("d").rule, None);
    let e = message(super::revoke(&p, None).expect_err("twice"));
    assert!(e.contains("nothing to revoke"), "{e}");
}

/// Over 1,000 seeded repetitions on synthetic data with a known error curve (c uniform on
/// [0.5, 1], P(error | c) = 0.8·(1 − c), so the error among items with c ≥ λ is 0.4·(1 − λ)),
/// the true error above the threshold LTT picks exceeds the risk in at most about δ of them.
#[test]
fn over_1000_seeded_repetitions_the_error_above_the_threshold_exceeds_the_risk_at_most_about_delta()
{
    let (risk, delta, n) = (0.1, 0.1, 300usize);
    let mut state = 0x5eed_u64;
    let mut uniform = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        (crate::queue::splitmix64(state) >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut exceeded, mut certified) = (0, 0);
    for _ in 0..1000 {
        let points: Vec<(f64, bool)> = (0..n)
            .map(|_| {
                let c = 0.5 + 0.5 * uniform();
                (c, uniform() < 0.8 * (1.0 - c))
            })
            .collect();
        if let Some(t) = super::learn_then_test(&points, risk, delta).threshold {
            certified += 1;
            exceeded += usize::from(0.4 * (1.0 - t) > risk);
        }
    }
    // The risk is reachable (any λ above 0.75), so most repetitions certify something (not
    // all: the fixed sequence stops when one of the first n_min = 22 items is an error).
    assert!(certified > 600, "{certified} certified");
    // δ·1000 = 100, with three binomial standard deviations (≈ 28) of slack.
    assert!(
        exceeded <= 128,
        "{exceeded} of 1000 exceeded the risk ({certified} certified)"
    );
}

/// The report's calibration (ECE, bins) says which items it rests on: the fair sample once
/// there is one, else every decided item (biased toward the hard ones queues chose).
#[test]
fn the_reports_calibration_states_its_items_and_prefers_the_fair_sample() {
    let (_d, mut p, run) = setup();
    let hard = queue(
        &mut p,
        "hard",
        run,
        Strategy::LeastConfidence,
        None,
        Some(20),
    );
    let hard_items = queued(&p, hard.id);
    label_truth(&mut p, &hard_items, "a1");
    let quality = |p: &Project| {
        crate::metrics::report(p, Some(run))
            .expect("report")
            .model_quality
            .expect("quality")
    };
    let q = quality(&p);
    assert_eq!((q.calibration_on, q.calibration_items), ("all_decided", 20));
    let fair = queue(&mut p, "audit", run, Strategy::Random, None, Some(60));
    let in_both = queued(&p, fair.id)
        .iter()
        .filter(|i| hard_items.contains(i))
        .count();
    let fair_items: Vec<i64> = queued(&p, fair.id)
        .into_iter()
        .filter(|i| !hard_items.contains(i))
        .take(30)
        .collect();
    label_truth(&mut p, &fair_items, "a1");
    let q = quality(&p);
    // The random queue's decided items: the 30 just labeled and those the hard queue shares.
    assert_eq!(
        (q.calibration_on, q.calibration_items),
        ("random_sample", 30 + in_both)
    );
    assert_eq!(q.bins.iter().map(|b| b.items).sum::<usize>(), 30 + in_both);
    assert_eq!(q.overall.items, 50);
}

/// The risk slider's curve is `autoaccept` at each risk: the same threshold, bound, coverage
/// and labels needed, from one read.
#[test]
fn the_risk_curve_is_autoaccept_at_each_risk() {
    let (_d, p, run, _) = audited();
    super::calibrate(&p, run, "audit", 10, None).expect("calibrate");
    let risks = [0.01, 0.05, 0.1, 0.2, 0.3];
    let curve = super::risk_curve(&p, run, "audit", &risks, 0.1).expect("curve");
    for (r, c) in risks.iter().zip(&curve) {
        assert_eq!(
            *c,
            super::autoaccept(&p, run, "audit", *r, 0.1).expect("one")
        );
    }
    // n_min = ⌈ln 0.1 / ln 0.99⌉ = 230 > 100 items at 1%; the forest is right often enough for some larger risk.
    assert_eq!(curve[0].labels_needed, Some(230));
    assert!(curve.iter().any(|c| c.status == "certified"), "{curve:?}");
    let e = message(super::risk_curve(&p, run, "audit", &[0.1, 2.0], 0.1).expect_err("bad"));
    assert!(e.contains("--risk 2"), "{e}");
}
