//! Queues by calibrated confidence (`QueueSpec::calibrated`) against scipy: each temperature
//! case of `fixtures/calibration/expected.json` becomes a project — its items and labels, an
//! imported run of its probabilities, a random audit queue labeled with the truth, the run
//! calibrated on it — and every calibrated score, order and threshold count is compared with
//! `scipy.special.softmax(ln p / T)` and `scipy.stats.entropy` computed by `fixtures/generate.py`.

use std::collections::HashMap;

use crate::annotate::{add_annotator, Role};
use crate::calibration::tests::{label_truth, queue, queued};
use crate::queue::{rank, QueueSpec, Strategy};
use crate::review::{self, QueueCreate};
use crate::testutil::{fixtures, imported_project};
use crate::Project;

pub(crate) struct Case {
    pub _dir: tempfile::TempDir,
    pub p: Project,
    pub run: i64,
    /// The fixture case (probabilities, temperature, expected queue scores).
    pub e: serde_json::Value,
    /// Item rowid → the case's row.
    pub row: HashMap<i64, usize>,
}

pub(crate) fn case(name: &str) -> Case {
    let path = fixtures().join("calibration/expected.json");
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("expected.json")).expect("json");
    let e = all["temperature"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .expect("case")
        .clone();
    let probs: Vec<Vec<f64>> = serde_json::from_value(e["probabilities"].clone()).expect("p");
    let labels: Vec<usize> = serde_json::from_value(e["labels"].clone()).expect("labels");
    let k = probs[0].len();
    let dir = tempfile::tempdir().expect("tmp");
    let mut manifest = String::from("id,label,x\n");
    let mut preds = format!(
        "item_id,{}\n",
        (0..k)
            .map(|c| format!("p_c{c}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    for (i, (p, y)) in probs.iter().zip(&labels).enumerate() {
        manifest.push_str(&format!("i{i:04},c{y},{i}\n"));
        // The f32 values the fixture holds, as decimal text: the same f32 back.
        let cells: Vec<String> = p.iter().map(|v| v.to_string()).collect();
        preds.push_str(&format!("i{i:04},{}\n", cells.join(",")));
    }
    std::fs::write(dir.path().join("items.csv"), manifest).expect("manifest");
    std::fs::write(dir.path().join("preds.csv"), preds).expect("preds");
    let (mut p, _) = imported_project(
        dir.path(),
        &dir.path().join("items.csv"),
        Some("cal"),
        false,
    );
    let run = crate::predict::import::import(
        &mut p,
        &crate::predict::import::ImportOptions {
            file: dir.path().join("preds.csv"),
            name: "model".into(),
            version: None,
            dataset: Some("cal".into()),
            normalize: false,
        },
    )
    .expect("predictions")
    .run;
    let row: HashMap<i64, usize> = p
        .conn()
        .prepare("SELECT id, ext_id FROM items")
        .expect("stmt")
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .expect("items")
        .map(|r| {
            let (id, ext) = r.expect("item");
            (id, ext[1..].parse().expect("row"))
        })
        .collect();
    Case {
        _dir: dir,
        p,
        run,
        e,
        row,
    }
}

/// Audit every item (a random queue without threshold, each labeled with its fixture label)
/// and calibrate the run on it: T is then scipy's.
pub(crate) fn calibrate(c: &mut Case) -> f64 {
    add_annotator(&c.p, "a1", Role::Annotator).expect("annotator");
    let audit = queue(&mut c.p, "audit", c.run, Strategy::Random, None, None);
    let items = queued(&c.p, audit.id);
    label_truth(&mut c.p, &items, "a1");
    let fitted = crate::calibration::calibrate(&c.p, c.run, "audit", 10, None).expect("calibrate");
    let want = c.e["temperature"].as_f64().expect("T");
    assert!(
        ((fitted.temperature - want) / want).abs() < 1e-6,
        "T {} vs scipy {want}",
        fitted.temperature
    );
    fitted.temperature
}

pub(crate) fn spec(run: i64, strategy: Strategy, threshold: Option<f64>) -> QueueSpec {
    QueueSpec {
        run,
        strategy,
        other_run: None,
        threshold,
        seed: 3,
        calibrated: true,
    }
}

#[test]
fn calibrated_scores_orders_and_thresholds_match_scipy() {
    for name in ["overconfident", "underconfident", "two_classes"] {
        let mut c = case(name);
        calibrate(&mut c);
        let want = |key: &str| -> Vec<f64> {
            serde_json::from_value(c.e["queues"][key].clone()).expect("scores")
        };
        let (conf, margin, entropy) = (want("confidence"), want("margin"), want("entropy"));
        let n = conf.len();
        for (strategy, expected, descending) in [
            (
                Strategy::LeastConfidence,
                conf.iter().map(|v| 1.0 - v).collect::<Vec<_>>(),
                true,
            ),
            (Strategy::Margin, margin.clone(), false),
            (Strategy::Entropy, entropy.clone(), true),
        ] {
            let ranked = rank(&c.p, &spec(c.run, strategy, None)).expect("rank");
            assert_eq!(ranked.len(), n, "{name} {strategy:?}");
            for r in &ranked {
                let want = expected[c.row[&r.item]];
                assert!(
                    (r.score - want).abs() < 2e-6,
                    "{name} {strategy:?} item {}: {} vs scipy {want}",
                    r.item,
                    r.score
                );
            }
            // The order is scipy's scores' order (ties within f32 rounding aside).
            for w in ranked.windows(2) {
                let (a, b) = (expected[c.row[&w[0].item]], expected[c.row[&w[1].item]]);
                let ok = if descending {
                    a >= b - 2e-6
                } else {
                    a <= b + 2e-6
                };
                assert!(ok, "{name} {strategy:?}: {a} before {b}");
            }
        }
        // Thresholds compare calibrated confidence: in a queue and in the slider's count.
        for (x, count) in c.e["queues"]["below"].as_object().expect("below") {
            let x: f64 = x.parse().expect("threshold");
            let count = count.as_u64().expect("count");
            let queued =
                rank(&c.p, &spec(c.run, Strategy::LeastConfidence, Some(x))).expect("rank");
            assert_eq!(queued.len() as u64, count, "{name} below {x}");
            let random = rank(&c.p, &spec(c.run, Strategy::Random, Some(x))).expect("rank");
            assert_eq!(random.len() as u64, count, "{name} random below {x}");
            assert_eq!(
                crate::queue::below(&c.p, c.run, x, true).expect("below"),
                (count, n as u64),
                "{name} slider below {x}"
            );
        }
    }
}

#[test]
fn a_calibrated_queue_keeps_its_temperature_and_the_model_s_own_ranking_is_unchanged() {
    let mut c = case("overconfident");
    // Before any calibration: refused, naming the run and what to do; nothing written.
    let before: i64 =
        c.p.conn()
            .query_row("SELECT COUNT(*) FROM queues", [], |r| r.get(0))
            .expect("count");
    let run = c.run;
    let create = move |p: &mut Project, name: &str, calibrated: bool| {
        review::create(
            p,
            &QueueCreate::new(
                name,
                QueueSpec {
                    calibrated,
                    ..spec(run, Strategy::LeastConfidence, Some(0.7))
                },
            ),
        )
    };
    let err = create(&mut c.p, "hard", true).expect_err("no temperature yet");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("run {}", c.run)) && msg.contains("calibrate"),
        "{msg}"
    );
    assert!(matches!(
        crate::queue::below(&c.p, c.run, 0.7, true),
        Err(crate::Error::InvalidArgument(_))
    ));
    let after: i64 =
        c.p.conn()
            .query_row("SELECT COUNT(*) FROM queues", [], |r| r.get(0))
            .expect("count");
    assert_eq!(before, after);

    let t = calibrate(&mut c);
    let raw = create(&mut c.p, "raw", false).expect("raw");
    let cal = create(&mut c.p, "calibrated", true).expect("calibrated");
    assert_eq!((raw.temperature, cal.temperature), (None, Some(t)));
    // An overconfident model: more items fall below 0.7 once calibrated (scipy's count).
    let counts = |q: i64| review::counts(&c.p, q).expect("counts").total;
    assert_eq!(
        counts(cal.id),
        c.e["queues"]["below"]["0.7"].as_u64().expect("n")
    );
    let raw_below = crate::queue::below(&c.p, c.run, 0.7, false).expect("raw").0;
    assert_eq!(counts(raw.id), raw_below);
    assert!(
        counts(cal.id) > counts(raw.id),
        "{} vs {}",
        counts(cal.id),
        counts(raw.id)
    );
    // The audit entry says what the scores mean.
    let audit: String = c
        .p
        .conn()
        .query_row(
            "SELECT details FROM audit_log WHERE action = 'queue.create' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    let audit: serde_json::Value = serde_json::from_str(&audit).expect("json");
    assert_eq!(audit["calibrated"]["temperature"].as_f64(), Some(t));
}
