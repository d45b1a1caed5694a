//! Every strategy's ranking against scores computed independently here from the stored
//! probability vectors (not from the score columns the queue reads).

use std::sync::atomic::AtomicBool;

use super::*;
use crate::dataset::{self, ImportOptions};
use crate::model::{self, runtime::Device, AddOptions};
use crate::predict::{self, PredictOptions};
use crate::testutil::{fixtures, imported_project};
use crate::Project;

/// The digits with 8% of the given labels flipped (deterministically), predicted by two models.
struct Setup {
    _dir: tempfile::TempDir,
    p: Project,
    run: i64,
    other: i64,
    flipped: Vec<String>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tmp");
    let text = std::fs::read_to_string(fixtures().join("digits/manifest.csv")).expect("manifest");
    let mut out = String::from("id,path,label\n");
    let mut flipped = Vec::new();
    for (i, line) in text.lines().skip(1).enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let mut label: u32 = f[2].parse().expect("digit");
        if splitmix64(i as u64) % 100 < 8 {
            label = (label + 1 + (splitmix64(i as u64 + 7) % 9) as u32) % 10;
            flipped.push(f[0].to_string());
        }
        out.push_str(&format!("{},{},{label}\n", f[0], f[1]));
    }
    // A copy of the images beside the noisy manifest (media must stay inside its folder).
    let data = dir.path().join("data");
    for entry in walkdir::WalkDir::new(fixtures().join("digits/images")) {
        let entry = entry.expect("walk");
        let rel = entry
            .path()
            .strip_prefix(fixtures().join("digits"))
            .expect("rel");
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(data.join(rel)).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), data.join(rel)).expect("copy");
        }
    }
    let manifest = data.join("noisy.csv");
    std::fs::write(&manifest, out).expect("write");
    let (mut p, _) = imported_project(dir.path(), &manifest, Some("noisy"), false);
    for (file, name) in [("digits_logits.onnx", "cnn"), ("digits_rgb_64.onnx", "rgb")] {
        model::add(
            &mut p,
            &AddOptions {
                file: fixtures().join("models").join(file),
                name: Some(name.into()),
                ..Default::default()
            },
        )
        .expect("add");
    }
    let mut go = |m: &str| {
        let opts = PredictOptions {
            model: m.into(),
            dataset: "noisy".into(),
            batch_size: 256,
            device: Device::Cpu,
            resume: None,
            decode: None,
            cuda: Default::default(),
        };
        predict::predict(&mut p, &opts, &mut |_| {}, &AtomicBool::new(false))
            .expect("predict")
            .run
    };
    let run = go("cnn");
    let other = go("rgb");
    Setup {
        _dir: dir,
        p,
        run,
        other,
        flipped,
    }
}

/// (item rowid, ext id, given label index, probabilities).
type Vector = (i64, String, Option<usize>, Vec<f32>);

/// The vectors of a run, from the stored probabilities.
fn vectors(p: &Project, run: i64) -> Vec<Vector> {
    let (classes, preds) = predict::predictions(p, run).expect("preds");
    preds
        .into_iter()
        .map(|x| {
            let given: Option<String> = p
                .conn()
                .query_row("SELECT l.name FROM items i LEFT JOIN labels l ON l.id = i.label_id WHERE i.id = ?1", [x.item], |r| r.get(0))
                .expect("label");
            let g = given.and_then(|g| classes.iter().position(|c| *c == g));
            (x.item, x.ext_id, g, x.probabilities)
        })
        .collect()
}

fn check(
    s: &Setup,
    strategy: Strategy,
    threshold: Option<f64>,
    mut reference: Vec<(i64, f64)>,
    ascending: bool,
) {
    reference.sort_by(|a, b| {
        let o = if ascending {
            a.1.total_cmp(&b.1)
        } else {
            b.1.total_cmp(&a.1)
        };
        o.then(a.0.cmp(&b.0))
    });
    let spec = QueueSpec {
        run: s.run,
        strategy,
        other_run: Some(s.other),
        threshold,
        seed: 42,
        calibrated: false,
    };
    let got = rank(&s.p, &spec).expect("rank");
    assert_eq!(
        got.len(),
        reference.len(),
        "{strategy:?}: how many items are queued"
    );
    for (g, r) in got.iter().zip(&reference) {
        assert!(
            (g.score - r.1).abs() < 1e-6,
            "{strategy:?}: item {} score {} vs reference {}",
            g.item,
            g.score,
            r.1
        );
    }
    // Same order wherever the reference scores are distinct (f32 storage can tie within 1e-7).
    let order_ok = got.windows(2).all(|w| {
        let (a, b) = (w[0].score, w[1].score);
        if ascending {
            a <= b + 1e-6
        } else {
            a + 1e-6 >= b
        }
    });
    assert!(order_ok, "{strategy:?}: not ordered");
    let got_ids: Vec<i64> = got.iter().map(|g| g.item).collect();
    let ref_ids: Vec<i64> = reference.iter().map(|r| r.0).collect();
    let mismatches = got_ids.iter().zip(&ref_ids).filter(|(a, b)| a != b).count();
    assert!(
        mismatches <= got.len() / 100 + 2,
        "{strategy:?}: {mismatches} positions differ from the reference order"
    );
}

#[test]
fn every_strategy_matches_an_independent_reference() {
    let s = setup();
    let v = vectors(&s.p, s.run);
    let max = |p: &[f32]| p.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    // least-confidence: 1 − max p, highest first.
    check(
        &s,
        Strategy::LeastConfidence,
        None,
        v.iter().map(|x| (x.0, 1.0 - max(&x.3))).collect(),
        false,
    );
    // margin: p1 − p2, smallest first.
    let margin = |p: &[f32]| {
        let mut q: Vec<f64> = p.iter().map(|&x| x as f64).collect();
        q.sort_by(|a, b| b.total_cmp(a));
        q[0] - q[1]
    };
    check(
        &s,
        Strategy::Margin,
        None,
        v.iter().map(|x| (x.0, margin(&x.3))).collect(),
        true,
    );
    // entropy: −Σ p ln p, highest first.
    let entropy = |p: &[f32]| {
        -p.iter()
            .filter(|&&x| x > 0.0)
            .map(|&x| x as f64 * (x as f64).ln())
            .sum::<f64>()
    };
    check(
        &s,
        Strategy::Entropy,
        None,
        v.iter().map(|x| (x.0, entropy(&x.3))).collect(),
        false,
    );
    // The threshold keeps only items below the confidence.
    check(
        &s,
        Strategy::Entropy,
        Some(0.9),
        v.iter()
            .filter(|x| max(&x.3) < 0.9)
            .map(|x| (x.0, entropy(&x.3)))
            .collect(),
        false,
    );
    // label-disagreement: checked against cleanlab itself in `matches_cleanlab_prune_by_noise_rate`;
    // here, that it flags the flipped labels on this easy model and ranks by p(pred) − p(given).
    let spec = QueueSpec {
        run: s.run,
        strategy: Strategy::LabelDisagreement,
        other_run: None,
        threshold: None,
        seed: 0,
        calibrated: false,
    };
    let flagged = rank(&s.p, &spec).expect("rank");
    assert!(!flagged.is_empty());
    assert!(flagged.windows(2).all(|w| w[0].score >= w[1].score));
    let by_item: std::collections::HashMap<i64, &Vector> = v.iter().map(|x| (x.0, x)).collect();
    for f in &flagged {
        let x = by_item[&f.item];
        let y = x.2.expect("given");
        let (j, pj) =
            x.3.iter().enumerate().fold(
                (0, f32::NEG_INFINITY),
                |b, (i, &p)| if p > b.1 { (i, p) } else { b },
            );
        assert_ne!(j, y, "a flagged item's argmax differs from its given label");
        assert!((f.score - (pj as f64 - x.3[y] as f64)).abs() < 1e-6);
    }
    let ids: std::collections::HashSet<&str> = flagged
        .iter()
        .map(|f| by_item[&f.item].1.as_str())
        .collect();
    let hits = s
        .flipped
        .iter()
        .filter(|f| ids.contains(f.as_str()))
        .count();
    let (precision, recall) = (
        hits as f64 / ids.len() as f64,
        hits as f64 / s.flipped.len() as f64,
    );
    assert!(
        precision > 0.85 && recall > 0.9,
        "precision {precision:.3}, recall {recall:.3}"
    );
    // model-disagreement: half the L1 distance between the two runs' vectors.
    let w = vectors(&s.p, s.other);
    let tv: Vec<(i64, f64)> = v
        .iter()
        .zip(&w)
        .map(|(a, b)| {
            assert_eq!(a.0, b.0);
            (
                a.0,
                0.5 * a
                    .3
                    .iter()
                    .zip(&b.3)
                    .map(|(x, y)| (*x as f64 - *y as f64).abs())
                    .sum::<f64>(),
            )
        })
        .collect();
    check(&s, Strategy::ModelDisagreement, None, tv, false);
    // random: the documented seeded hash, smallest first — a permutation of every item.
    let random: Vec<(i64, f64)> = v
        .iter()
        .map(|x| {
            (
                x.0,
                (splitmix64(42 ^ splitmix64(x.0 as u64)) >> 11) as f64 / (1u64 << 53) as f64,
            )
        })
        .collect();
    check(&s, Strategy::Random, None, random, true);
}

#[test]
fn bad_queue_requests_are_refused() {
    let s = setup();
    let q = |strategy, other_run, threshold| QueueSpec {
        run: s.run,
        strategy,
        other_run,
        threshold,
        seed: 1,
        calibrated: false,
    };
    let e = rank(&s.p, &q(Strategy::Margin, None, Some(1.5))).expect_err("threshold");
    assert!(e.to_string().contains("between 0 and 1"), "{e}");
    let e = rank(&s.p, &q(Strategy::ModelDisagreement, None, None)).expect_err("other run");
    assert!(e.to_string().contains("second run"), "{e}");
    let e = rank(
        &s.p,
        &QueueSpec {
            calibrated: false,
            run: 999,
            ..q(Strategy::Margin, None, None)
        },
    )
    .expect_err("run");
    assert!(e.to_string().contains("run not found"), "{e}");
    assert!(Strategy::parse("smallest").is_err());
    let entries = entries(
        &s.p,
        s.run,
        &rank(&s.p, &q(Strategy::LeastConfidence, None, None)).expect("r"),
        3,
        None,
    )
    .expect("entries");
    assert_eq!(entries.len(), 3);
    assert!(entries
        .iter()
        .all(|e| e.predicted.is_some() && e.item_id.starts_with("digit_")));
}

/// The same probabilities as cleanlab got (fixtures/label_noise, made by
/// bench/label_noise/make.py): the queue flags exactly cleanlab's `prune_by_noise_rate` set
/// (with its rounding ties broken stably).
#[test]
fn matches_cleanlab_prune_by_noise_rate() {
    for case in ["wine-uniform20-s1", "digits-asym20-s1"] {
        let dir = fixtures().join("label_noise").join(case);
        let truth: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).expect("truth"))
                .expect("json");
        let tmp = tempfile::tempdir().expect("tmp");
        let mut p = Project::create(&tmp.path().join("p"), None, &[]).expect("create");
        dataset::import(
            &mut p,
            &ImportOptions {
                source: dir.join("manifest.csv"),
                name: Some("noisy".into()),
                ..Default::default()
            },
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("import");
        let text = std::fs::read_to_string(dir.join("probs.csv")).expect("probs");
        let mut lines = text.lines();
        let classes: Vec<String> = lines
            .next()
            .expect("header")
            .split(',')
            .skip(1)
            .map(|c| c.trim_start_matches("p_").to_string())
            .collect();
        let conn = p.conn();
        conn.execute(
            "INSERT INTO models (name, version, sha256, file, kind, inputs, outputs, classes, classes_source, preprocess, output, created_at)
             VALUES ('cv', 1, 'x', 'x', 'tabular', '[]', '[]', ?1, 'labels_file', '{\"kind\":\"tabular\",\"input\":\"x\",\"features\":1}',
                     '{\"name\":\"p\",\"kind\":\"probabilities\"}', 'now')",
            [serde_json::to_string(&classes).expect("classes")],
        )
        .expect("model");
        conn.execute(
            "INSERT INTO runs (model_id, version_id, device, provider, batch_size, status, items_total, started_at)
             VALUES (1, 1, 'cpu', 'cpu', 1, 'done', 0, 'now')",
            [],
        )
        .expect("run");
        let v = dataset::resolve(&p, "noisy").expect("v").id;
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            let probs: Vec<f32> = f[1..].iter().map(|x| x.parse().expect("f32")).collect();
            let item = crate::items::find(&p, v, f[0]).expect("item");
            let given = classes
                .iter()
                .position(|c| Some(c) == item.label.as_ref())
                .expect("given class");
            let sc = predict::Scores::of(&probs);
            conn.execute(
                "INSERT INTO predictions (run_id, item_id, predicted, confidence, margin, entropy, given_class, given_prob, probs)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![item.rowid, sc.predicted as i64, sc.confidence as f64, sc.margin, sc.entropy, given as i64, probs[given] as f64, predict::pack(&probs)],
            )
            .expect("prediction");
        }
        let spec = QueueSpec {
            run: 1,
            strategy: Strategy::LabelDisagreement,
            other_run: None,
            threshold: None,
            seed: 0,
            calibrated: false,
        };
        let ranked = rank(&p, &spec).expect("rank");
        let got: std::collections::BTreeSet<String> = entries(&p, 1, &ranked, usize::MAX, None)
            .expect("entries")
            .into_iter()
            .map(|e| e.item_id)
            .collect();
        let want: std::collections::BTreeSet<String> = truth["cleanlab_stable_ties_flagged_ids"]
            .as_array()
            .expect("ids")
            .iter()
            .map(|x| x.as_str().expect("id").to_string())
            .collect();
        assert_eq!(got, want, "{case}: Arbiter's flags differ from cleanlab's");
    }
}

/// Every score scan reads the one covering index, never the table (whose rows carry the
/// probability vectors), whatever the score column.
#[test]
fn score_scans_are_index_only() {
    let dir = tempfile::tempdir().expect("tmp");
    let p = Project::create(dir.path(), None, &[]).expect("project");
    for score in ["1.0 - confidence", "margin", "entropy", "0.0"] {
        let plan =
            crate::testutil::query_plan(p.conn(), &scan_sql(score), rusqlite::params![1, 0.5]);
        assert!(
            plan.iter()
                .any(|s| s.contains("USING COVERING INDEX predictions_scores")),
            "{score}: {plan:?}"
        );
    }
}
