use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::dataset::{self, ImportOptions};
use crate::model::{self, runtime::Device, AddOptions};
use crate::predict::{self, PredictOptions};
use crate::queue::Strategy;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// Wine with a forest run; annotators a1..a3.
fn setup() -> (tempfile::TempDir, Project, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("p"), None, &[]).expect("create");
    let opts = ImportOptions {
        source: fixtures().join("tabular/wine.csv"),
        ..Default::default()
    };
    dataset::import(&mut p, &opts, &mut |_| {}, &AtomicBool::new(false)).expect("import");
    model::add(
        &mut p,
        &AddOptions {
            file: fixtures().join("models/wine_forest.onnx"),
            ..Default::default()
        },
    )
    .expect("model");
    let run = predict::predict(
        &mut p,
        &PredictOptions {
            model: "wine_forest".into(),
            dataset: "wine".into(),
            batch_size: 64,
            device: Device::Cpu,
            resume: None,
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("run")
    .run;
    for n in ["a1", "a2", "a3"] {
        add_annotator(p.conn(), n, Role::Annotator).expect("annotator");
    }
    (dir, p, run)
}

fn spec(run: i64) -> QueueSpec {
    QueueSpec {
        run,
        strategy: Strategy::Random,
        other_run: None,
        threshold: None,
        seed: 11,
    }
}

fn label(p: &mut Project, queue: i64, item: i64, who: &str) -> i64 {
    record(
        p,
        &NewAnnotation {
            item,
            annotator: who.into(),
            event: Event::Label {
                label: "class_0".into(),
            },
            reason: None,
            note: None,
            seconds: None,
            prediction_shown: false,
            source: Source::Manual,
            queue: Some(queue),
            run: None,
            created_at: None,
        },
    )
    .expect("label")
}

#[test]
fn with_k_3_on_a_share_concurrent_annotators_give_each_overlap_item_exactly_three_labels() {
    let (_d, mut p, run) = setup();
    let q = create(
        &mut p,
        &QueueCreate {
            name: "mix".into(),
            spec: spec(run),
            limit: Some(60),
            overlap_share: 0.3,
            overlap_k: 3,
            blind: true,
            lease_seconds: 600,
        },
    )
    .expect("queue");
    let needed: HashMap<i64, i64> = {
        let mut stmt = p
            .conn()
            .prepare("SELECT item_id, needed FROM queue_items WHERE queue_id = ?1")
            .expect("p");
        stmt.query_map([q.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("q")
            .map(|r| r.expect("row"))
            .collect()
    };
    assert_eq!(needed.len(), 60);
    let overlap = needed.values().filter(|n| **n == 3).count();
    assert!(
        (8..=30).contains(&overlap),
        "about 30% of 60 need three people, got {overlap}"
    );
    let root = p.root().to_path_buf();
    // Three annotators, each with a connection of their own, working at once.
    std::thread::scope(|s| {
        for who in ["a1", "a2", "a3"] {
            let root = root.clone();
            s.spawn(move || {
                let mut mine = Project::open(&root).expect("open");
                let mut seen = HashSet::new();
                while let Some(a) = next(&mut mine, q.id, who).expect("next") {
                    assert!(seen.insert(a.item), "{who} got item {} twice", a.item);
                    label(&mut mine, q.id, a.item, who);
                }
            });
        }
    });
    let mut by_item: HashMap<i64, Vec<String>> = HashMap::new();
    for row in crate::annotate::list(p.conn(), None).expect("list") {
        by_item.entry(row.item).or_default().push(row.annotator);
    }
    for (item, need) in &needed {
        let who = by_item.get(item).cloned().unwrap_or_default();
        let distinct: HashSet<&String> = who.iter().collect();
        assert_eq!(who.len() as i64, *need, "item {item}: {who:?}");
        assert_eq!(
            distinct.len(),
            who.len(),
            "item {item}: one label per person"
        );
    }
    let c = counts(p.conn(), q.id).expect("counts");
    assert_eq!(
        (c.total, c.done, c.partial, c.untouched, c.claimed),
        (60, 60, 0, 0, 0)
    );
}

#[test]
fn claims_lapse_and_nobody_sees_an_item_twice() {
    let (_d, mut p, run) = setup();
    let q = create(
        &mut p,
        &QueueCreate {
            name: "solo".into(),
            spec: spec(run),
            limit: Some(3),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 1,
        },
    )
    .expect("queue");
    let first = next(&mut p, q.id, "a1").expect("next").expect("item");
    // Asking again returns the same claimed item.
    assert_eq!(
        next(&mut p, q.id, "a1").expect("again").map(|a| a.item),
        Some(first.item)
    );
    // Someone else gets a different item while the claim holds.
    let other = next(&mut p, q.id, "a2").expect("a2").expect("item");
    assert_ne!(other.item, first.item);
    assert_eq!(counts(p.conn(), q.id).expect("c").claimed, 2);
    // After the leases lapse, a1's item (the first in the queue) goes to a3.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let third = next(&mut p, q.id, "a3").expect("a3").expect("item");
    assert_eq!(third.item, first.item);
    label(&mut p, q.id, third.item, "a3");
    // It is done: a1 never gets it back; a1 labels the rest, each once.
    let mut offered = HashSet::new();
    while let Some(a) = next(&mut p, q.id, "a1").expect("next") {
        assert_ne!(a.item, first.item);
        assert!(offered.insert(a.item), "offered twice");
        label(&mut p, q.id, a.item, "a1");
    }
    assert_eq!(offered.len(), 2);
    assert_eq!(counts(p.conn(), q.id).expect("c").done, 3);
    assert!(
        next(&mut p, q.id, "a2").expect("a2").is_none(),
        "nothing left"
    );
    let e = create(
        &mut p,
        &QueueCreate {
            name: "solo".into(),
            spec: spec(run),
            limit: None,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 1,
        },
    )
    .expect_err("duplicate name")
    .to_string();
    assert!(e.contains("exists"), "{e}");
    let e = next(&mut p, q.id, "nobody")
        .expect_err("unknown")
        .to_string();
    assert!(e.contains("annotator not found"), "{e}");
}

#[test]
fn next_n_claims_ahead_for_prefetching_and_reports_pace() {
    let (_d, mut p, run) = setup();
    let q = create(
        &mut p,
        &QueueCreate {
            name: "ahead".into(),
            spec: spec(run),
            limit: Some(4),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
        },
    )
    .expect("queue");
    let two = next_n(&mut p, q.id, "a1", 2).expect("two");
    assert_eq!(two.iter().map(|a| a.position).collect::<Vec<_>>(), [0, 1]);
    // Another annotator cannot take either.
    let other = next_n(&mut p, q.id, "a2", 2).expect("other");
    assert_eq!(other.iter().map(|a| a.position).collect::<Vec<_>>(), [2, 3]);
    label(&mut p, q.id, two[0].item, "a1");
    let again = next_n(&mut p, q.id, "a1", 2).expect("again");
    assert_eq!(
        again.iter().map(|a| a.item).collect::<Vec<_>>(),
        [two[1].item],
        "the prefetched item moves up; nothing else is free"
    );
    release(&mut p, q.id, "a2").expect("release");
    let more = next_n(&mut p, q.id, "a1", 3).expect("more");
    assert_eq!(more.len(), 3);
    assert_eq!(pace(p.conn(), "a1").expect("pace"), (1, 1));
    assert_eq!(handled(p.conn(), q.id, "a1").expect("handled"), 1);
    assert_eq!(handled(p.conn(), q.id, "a2").expect("handled"), 0);
    let (below_half, all) = below(p.conn(), run, 0.5).expect("below");
    assert_eq!(all, 178);
    let reference: i64 = p
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM predictions WHERE run_id = ?1 AND confidence < 0.5",
            [run],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(below_half as i64, reference);
}

#[test]
fn model_quality_separates_the_random_sample_from_the_uncertainty_queues() {
    use crate::metrics::quality;
    let (_d, mut p, run) = setup();
    let rq = create(
        &mut p,
        &QueueCreate {
            name: "rand".into(),
            spec: spec(run),
            limit: Some(40),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: true,
            lease_seconds: 600,
        },
    )
    .expect("random queue");
    let uq = create(
        &mut p,
        &QueueCreate {
            name: "unsure".into(),
            spec: QueueSpec {
                strategy: Strategy::LeastConfidence,
                ..spec(run)
            },
            limit: Some(10),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
        },
    )
    .expect("uncertainty queue");
    let (_, preds) = predict::predictions(p.conn(), p.root(), run).expect("preds");
    let predicted: HashMap<i64, String> = preds
        .iter()
        .map(|x| (x.item, x.predicted.clone().expect("p")))
        .collect();
    // a1 labels the random queue: every fifth item against the model.
    let mut n = 0;
    let mut correct = 0;
    while let Some(a) = next(&mut p, rq.id, "a1").expect("next") {
        let model = predicted[&a.item].clone();
        let label = if n % 5 == 0 {
            if model == "class_0" {
                "class_1".to_string()
            } else {
                "class_0".to_string()
            }
        } else {
            model.clone()
        };
        correct += usize::from(label == model);
        record(
            &mut p,
            &NewAnnotation {
                item: a.item,
                annotator: "a1".into(),
                event: Event::Label { label },
                reason: None,
                note: None,
                seconds: Some(1.0 + n as f64),
                prediction_shown: false,
                source: Source::Manual,
                queue: Some(rq.id),
                run: Some(run),
                created_at: None,
            },
        )
        .expect("label");
        n += 1;
    }
    while let Some(a) = next(&mut p, uq.id, "a2").expect("next") {
        label(&mut p, uq.id, a.item, "a2");
    }
    let q = quality::quality(p.conn(), p.root(), run).expect("quality");
    assert_eq!(
        (q.random_sample.items, q.random_sample.correct),
        (40, correct)
    );
    let (lo, hi) = quality::wilson(correct, 40);
    assert_eq!((q.random_sample.low, q.random_sample.high), (lo, hi));
    assert!(q.uncertainty_queues.items >= 1 && q.uncertainty_queues.items <= 10);
    assert_eq!(q.overall.items, q.confusion.iter().flatten().sum::<usize>());
    let ece = q.ece.expect("ece");
    assert!((0.0..=1.0).contains(&ece));
    assert_eq!(
        q.bins.iter().map(|b| b.items).sum::<usize>(),
        q.overall.items
    );
    let r = crate::metrics::report(p.conn(), p.root(), Some(run)).expect("report");
    assert_eq!(r.progress.decided as usize, q.overall.items);
    let a1 = r
        .annotators
        .iter()
        .find(|a| a.annotator == "a1")
        .expect("a1");
    assert_eq!(a1.labels, 40);
    assert_eq!(a1.median_seconds, Some(20.5));
}
