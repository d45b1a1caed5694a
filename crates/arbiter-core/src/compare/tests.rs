//! Comparing two runs over the digits (a near-perfect model against one that answers only 1 or
//! 5): the figures on the same decided items, the queue restriction, the gate, McNemar against
//! statsmodels, and each refusal.

use super::{compare, mcnemar_exact, CompareOptions};
use crate::calibration::tests::{label_truth, queue, queued};
use crate::queue::Strategy;
use crate::testutil::{fixtures, imported_project, model_run};
use crate::Project;

/// A digits project with runs A (digits_logits) and B (digits_rgb_64) and a random queue of 80
/// items on A; returns its items in queue order.
fn two_runs() -> (tempfile::TempDir, Project, i64, i64, Vec<i64>) {
    let dir = tempfile::tempdir().expect("tmp");
    let (mut p, imported) = imported_project(
        dir.path(),
        &fixtures().join("digits/manifest.csv"),
        None,
        false,
    );
    crate::annotate::add_annotator(&p, "a1", crate::annotate::Role::Annotator).expect("a1");
    let a = model_run(&mut p, "digits_logits.onnx", &imported.dataset, 256);
    let b = model_run(&mut p, "digits_rgb_64.onnx", &imported.dataset, 256);
    let q = queue(&mut p, "audit", a, Strategy::Random, None, Some(80));
    let items = queued(&p, q.id);
    (dir, p, a, b, items)
}

fn opts(a: i64, b: i64) -> CompareOptions {
    CompareOptions {
        a,
        b,
        on: None,
        max_drop: None,
    }
}

fn audit_rows(p: &Project) -> i64 {
    p.conn()
        .query_row("SELECT COUNT(*) FROM audit_log", [], |r| r.get(0))
        .expect("audit")
}

#[test]
fn two_runs_on_the_same_decided_items_with_intervals_flips_and_the_gate() {
    let (_d, mut p, a, b, items) = two_runs();
    label_truth(&mut p, &items[..50], "a1");
    let c = compare(&p, &opts(a, b)).expect("compare");
    assert_eq!(c.items, 50);
    assert_eq!(c.on, None);
    let (ra, rb) = (&c.runs[0], &c.runs[1]);
    assert_eq!((ra.run, rb.run), (a, b));
    // The flips account for the difference in correct answers.
    assert_eq!(
        ra.correct as i64 - rb.correct as i64,
        c.flips.a_only as i64 - c.flips.b_only as i64
    );
    assert_eq!(c.flips.total, c.flips.a_only + c.flips.b_only);
    assert!(ra.correct >= 48 && rb.correct <= 15, "{ra:?} {rb:?}");
    let (lo, hi) = crate::metrics::quality::wilson(rb.correct, 50);
    assert_eq!((rb.ci_low, rb.ci_high), (lo, hi));
    assert_eq!(rb.accuracy, Some(rb.correct as f64 / 50.0));
    assert!(ra.macro_f1.expect("f1") > rb.macro_f1.expect("f1"));
    assert!(ra.ece.is_some() && rb.ece.is_some());
    assert_eq!(c.mcnemar_p, mcnemar_exact(c.flips.a_only, c.flips.b_only));
    assert!(c.mcnemar_p < 1e-6, "{}", c.mcnemar_p);
    assert_eq!(c.gate, None);

    // The gate: B loses far more than 1 point against A; A against B loses nothing.
    let gated = compare(
        &p,
        &CompareOptions {
            max_drop: Some(0.01),
            ..opts(a, b)
        },
    )
    .expect("gate");
    let g = gated.gate.expect("gate");
    assert!(!g.passed && g.drop > 0.5, "{g:?}");
    let back = compare(
        &p,
        &CompareOptions {
            max_drop: Some(0.0),
            ..opts(b, a)
        },
    )
    .expect("gate");
    assert!(back.gate.expect("gate").passed);
    // The same run against itself: no flip, p = 1, a drop of exactly 0 passes a gate of 0.
    let same = compare(
        &p,
        &CompareOptions {
            max_drop: Some(0.0),
            ..opts(a, a)
        },
    )
    .expect("same");
    assert_eq!((same.flips.total, same.mcnemar_p), (0, 1.0));
    assert!(same.gate.expect("gate").passed);

    // On a queue: only its decided items (the first 30 of a 40-item prefix of the audit order
    // are labeled, so the queue "part" holds 30 decided items among its own).
    let part = queue(&mut p, "part", b, Strategy::Random, None, Some(40));
    let part_items = queued(&p, part.id);
    let decided = part_items
        .iter()
        .filter(|i| items[..50].contains(i))
        .count();
    let on = compare(
        &p,
        &CompareOptions {
            on: Some("part".into()),
            ..opts(a, b)
        },
    )
    .expect("on");
    assert_eq!(on.on.as_deref(), Some("part"));
    assert_eq!(on.items, decided);
}

#[test]
fn bad_input_is_refused_with_the_reason_and_nothing_is_written() {
    let (_d, mut p, a, b, items) = two_runs();
    // No decided item yet.
    let e = compare(&p, &opts(a, b))
        .expect_err("none decided")
        .to_string();
    assert!(e.contains("no decided item in common"), "{e}");
    // A queue none of whose items is decided.
    let fresh = queue(&mut p, "fresh", a, Strategy::LeastConfidence, None, Some(5));
    let fresh_items = queued(&p, fresh.id);
    let outside: Vec<i64> = items
        .iter()
        .copied()
        .filter(|i| !fresh_items.contains(i))
        .take(10)
        .collect();
    label_truth(&mut p, &outside, "a1");
    let before_labeled = audit_rows(&p);
    for d in [-0.1, 1.5, f64::NAN] {
        let e = compare(
            &p,
            &CompareOptions {
                max_drop: Some(d),
                ..opts(a, b)
            },
        )
        .expect_err("max drop")
        .to_string();
        assert!(
            e.contains("--max-drop") && e.contains("between 0 and 1"),
            "{e}"
        );
    }
    let e = compare(
        &p,
        &CompareOptions {
            on: Some("fresh".into()),
            ..opts(a, b)
        },
    )
    .expect_err("nothing decided in the queue")
    .to_string();
    assert!(
        e.contains("no decided item in common in queue \"fresh\""),
        "{e}"
    );
    assert_eq!(audit_rows(&p), before_labeled, "compare writes nothing");
    // Another dataset version: both named.
    let loose = crate::dataset::import(
        &mut p,
        &crate::dataset::ImportOptions {
            source: fixtures().join("digits-unlabeled"),
            name: Some("loose".into()),
            ..Default::default()
        },
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("loose");
    let w = model_run(&mut p, "digits_logits.onnx", &loose.dataset, 64);
    let before_loose = audit_rows(&p);
    let e = compare(&p, &opts(a, w)).expect_err("versions").to_string();
    assert!(
        e.contains(&format!("run {a} is over manifest@1"))
            && e.contains(&format!("run {w} over loose@1"))
            && e.contains("same dataset version"),
        "{e}"
    );
    // A run without probabilities.
    p.conn()
        .execute("UPDATE predictions SET probs = NULL WHERE run_id = ?1", [b])
        .expect("strip");
    let e = compare(&p, &opts(a, b)).expect_err("no probs").to_string();
    assert!(e.contains(&format!("run {b} has no probabilities")), "{e}");
    assert_eq!(audit_rows(&p), before_loose, "compare writes nothing");
}

/// `fixtures/compare/expected.json`: statsmodels' `mcnemar(exact=True)` p-values.
#[test]
fn mcnemar_matches_statsmodels() {
    let path = fixtures().join("compare/expected.json");
    let e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("json");
    let cases = e["mcnemar"].as_array().expect("cases");
    assert!(cases.len() >= 6);
    for c in cases {
        let (b, n, want) = (
            c["b"].as_u64().expect("b") as usize,
            c["c"].as_u64().expect("c") as usize,
            c["p"].as_f64().expect("p"),
        );
        let got = mcnemar_exact(b, n);
        assert!(
            (got - want).abs() <= 1e-12 + 1e-9 * want,
            "b={b} c={n}: {got} vs {want}"
        );
    }
}
