//! Gold served among a queue's items (rate and warm-up, checked on a 10,000-item queue against
//! the binomial expectation), never visible as gold, and qualification queues.

use super::super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::queue::Strategy;

/// Wine's 178 rows repeated to `n` items (ids `w00000`…), a forest run over them, and gold
/// answers from the given labels for `gold` of them.
fn big(n: usize, gold: usize) -> (tempfile::TempDir, Project, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let text = std::fs::read_to_string(crate::testutil::fixtures().join("tabular/wine.csv"))
        .expect("wine");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let rows: Vec<&str> = lines.collect();
    let mut csv = format!("{header}\n");
    for i in 0..n {
        let row = rows[i % rows.len()];
        let rest = row.split_once(',').expect("id").1;
        csv.push_str(&format!("w{i:05},{rest}\n"));
    }
    let source = dir.path().join("wine_big.csv");
    std::fs::write(&source, csv).expect("csv");
    let (mut p, imported) =
        crate::testutil::imported_project(dir.path(), &source, Some("wine"), false);
    let run = crate::testutil::model_run(&mut p, "wine_forest.onnx", &imported.dataset, 1024);
    crate::gold::add(
        &mut p,
        &crate::gold::AddOptions {
            source: crate::gold::Source::Given,
            dataset: None,
            share: None,
            count: Some(gold),
            seed: 5,
            by: None,
        },
    )
    .expect("gold");
    for (name, role) in [
        ("ana", Role::Annotator),
        ("ben", Role::Annotator),
        ("cy", Role::Annotator),
        ("rev", Role::Reviewer),
    ] {
        add_annotator(&p, name, role).expect("annotator");
    }
    (dir, p, run)
}

fn queue(
    p: &mut Project,
    run: i64,
    name: &str,
    gold: GoldServing,
    limit: Option<usize>,
) -> SavedQueue {
    create(
        p,
        &QueueCreate {
            name: name.into(),
            spec: crate::queue::QueueSpec {
                run,
                strategy: Strategy::Random,
                other_run: None,
                threshold: None,
                seed: 42,
                calibrated: false,
            },
            limit,
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold,
        },
    )
    .expect("queue")
}

/// Label the annotator's next item of `q` with `label(item)`; the item, or None when done.
fn take_one(
    p: &mut Project,
    q: i64,
    who: &str,
    label: &dyn Fn(&Project, i64) -> String,
) -> Option<i64> {
    let a = next(p, q, who).expect("next")?;
    let l = label(p, a.item);
    record(
        p,
        &NewAnnotation {
            queue: Some(q),
            ..NewAnnotation::new(a.item, who, Event::Label { label: l }, Source::Manual)
        },
    )
    .expect("label");
    Some(a.item)
}

fn is_gold(p: &Project, item: i64) -> bool {
    p.conn()
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM gold WHERE item_id = ?1)",
            [item],
            |r| r.get(0),
        )
        .expect("gold?")
}

fn answer(p: &Project, item: i64) -> String {
    p.conn()
        .query_row(
            "SELECT l.name FROM gold g JOIN labels l ON l.id = g.label_id WHERE g.item_id = ?1",
            [item],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| "class_0".into())
}

#[test]
fn gold_is_served_at_its_rate_after_the_warmup_on_a_10000_item_queue() {
    let (_d, mut p, run) = big(10_000, 400);
    let gold = GoldServing {
        rate: 0.1,
        warmup: 5,
        qualification: None,
    };
    let q = queue(&mut p, run, "big", gold, None);
    assert_eq!(q.gold, gold);
    assert!(q.blind, "a queue serving gold is blind");
    // The gold items come only in gold slots: the queue's own items leave them out.
    assert_eq!(counts(&p, q.id).expect("counts").total, 10_000 - 400);
    let served: Vec<i64> = (0..1000)
        .map(|_| take_one(&mut p, q.id, "ana", &|p, i| answer(p, i)).expect("an item"))
        .collect();
    let gold_at: Vec<bool> = served.iter().map(|&i| is_gold(&p, i)).collect();
    // The warm-up: the first five are gold.
    assert!(gold_at[..5].iter().all(|g| *g), "{:?}", &gold_at[..5]);
    // After it, gold comes at the rate: within four standard deviations of Binomial(995, 0.1).
    let after = gold_at[5..].iter().filter(|g| **g).count() as f64;
    let (n, r) = (995.0_f64, 0.1_f64);
    let sd = (n * r * (1.0 - r)).sqrt();
    assert!(
        (after - n * r).abs() <= 4.0 * sd,
        "{after} gold items in 995 slots, expected {} ± {:.1}",
        n * r,
        4.0 * sd
    );
    // Each slot is gold exactly when the documented hash says so (the gold never ran out).
    for (slot, g) in gold_at.iter().enumerate() {
        assert_eq!(*g, slot_is_gold(&q, "ana", slot as u64), "slot {slot}");
    }
    // No gold item twice, and another annotator's sequence is their own.
    let distinct: std::collections::HashSet<&i64> = served.iter().collect();
    assert_eq!(distinct.len(), served.len());
    let ben: Vec<bool> = (0..200u64).map(|s| slot_is_gold(&q, "ben", s)).collect();
    let ana: Vec<bool> = (0..200u64).map(|s| slot_is_gold(&q, "ana", s)).collect();
    assert_ne!(ben, ana);
    // Gold labels score the annotator; the queue's own counters count only its own items.
    let s = crate::gold::scores(&p).expect("scores");
    assert_eq!(
        s.annotators[0].estimate.items,
        gold_at.iter().filter(|g| **g).count()
    );
    assert_eq!(
        s.annotators[0].estimate.correct,
        s.annotators[0].estimate.items
    );
    let c = counts(&p, q.id).expect("counts");
    assert_eq!(c.done as usize, gold_at.iter().filter(|g| !**g).count());
}

#[test]
fn a_gold_item_is_served_like_any_other_and_no_view_an_annotator_gets_shows_its_answer() {
    let (_d, mut p, run) = big(300, 60);
    let q = queue(
        &mut p,
        run,
        "g",
        GoldServing {
            rate: 0.5,
            warmup: 3,
            qualification: None,
        },
        Some(100),
    );
    let views = next_view(&mut p, q.id, "ana", 12).expect("views");
    assert_eq!(views.len(), 12);
    let mut golds = 0;
    for v in &views {
        let gold = is_gold(&p, v.assigned.item);
        golds += usize::from(gold);
        // Blind for every item: no given label, prediction or others' votes to tell them apart.
        assert!(v.blind, "{v:?}");
        assert_eq!(v.given, None, "{v:?}");
        assert!(v.prediction.is_none(), "{v:?}");
        assert!(v.others.is_empty(), "{v:?}");
        let json = serde_json::to_value(v).expect("json").to_string();
        assert!(!json.contains("gold"), "{json}");
        assert_eq!(v.assigned.needed, 1);
    }
    assert!(golds >= 3, "{golds}");
    // Through the annotator API: a served gold item is labeled through its queue.
    let gold_item = views
        .iter()
        .find(|v| is_gold(&p, v.assigned.item))
        .expect("a gold item");
    record_in_queue(
        &mut p,
        &QueueLabel {
            queue: "g".into(),
            item_id: gold_item.assigned.item_id.clone(),
            annotator: "ana".into(),
            label: "class_1".into(),
            reason: None,
            note: None,
            seconds: None,
        },
    )
    .expect("a served gold item is labeled through its queue");
    // One not served to this annotator is not in the queue for them.
    let other_gold: String = p
        .conn()
        .query_row(
            "SELECT i.ext_id FROM gold g JOIN items i ON i.id = g.item_id
             WHERE NOT EXISTS (SELECT 1 FROM claims c WHERE c.item_id = g.item_id)
               AND NOT EXISTS (SELECT 1 FROM queue_items q WHERE q.item_id = g.item_id) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("unserved gold");
    let e = record_in_queue(
        &mut p,
        &QueueLabel {
            queue: "g".into(),
            item_id: other_gold,
            annotator: "ben".into(),
            label: "class_1".into(),
            reason: None,
            note: None,
            seconds: None,
        },
    )
    .expect_err("not served");
    assert_eq!(e.code(), crate::error::ErrorCode::NotFound);
}

#[test]
fn in_a_queue_that_shows_given_labels_an_annotator_sees_a_gold_items_without_one_a_reviewer_with() {
    let (_d, mut p, run) = big(60, 30);
    // A plain queue (no gold served, not blind) over every item, the gold ones among them.
    let q = queue(&mut p, run, "plain", GoldServing::default(), None);
    let again = queue(&mut p, run, "plain-again", GoldServing::default(), None);
    let ana = next_view(&mut p, q.id, "ana", 60).expect("ana");
    let rev = next_view(&mut p, again.id, "rev", 60).expect("rev");
    assert_eq!((ana.len(), rev.len()), (60, 60));
    let mut golds = 0;
    for v in &ana {
        assert!(!v.blind && v.prediction.is_some(), "{v:?}");
        if is_gold(&p, v.assigned.item) {
            golds += 1;
            assert_eq!(
                v.given, None,
                "a gold item's given label is its answer: {v:?}"
            );
        } else {
            assert!(v.given.is_some(), "{v:?}");
        }
    }
    assert_eq!(golds, 30);
    // A reviewer reviews with everything: the given label of every item.
    assert!(rev.iter().all(|v| v.given.is_some()), "{rev:?}");
}

#[test]
fn annotators_claim_elsewhere_only_after_passing_the_qualification_and_a_lead_can_reset_it() {
    let (_d, mut p, run) = big(200, 40);
    let work = queue(&mut p, run, "work", GoldServing::default(), Some(50));
    let qual = queue(
        &mut p,
        run,
        "qual",
        GoldServing {
            rate: 0.0,
            warmup: 0,
            qualification: Some(Qualification {
                pass_accuracy: 0.8,
                pass_items: 5,
            }),
        },
        None,
    );
    assert_eq!(counts(&p, qual.id).expect("c").total, 0, "gold items only");
    // Before qualifying: refused, saying what to do.
    let e = next(&mut p, work.id, "ana").expect_err("not qualified");
    assert_eq!(e.code(), crate::error::ErrorCode::Forbidden);
    assert!(
        e.to_string()
            .contains("has not passed the qualification queue \"qual\" yet (0 of 5"),
        "{e}"
    );
    // Reviewers are not held to it.
    assert!(next(&mut p, work.id, "rev").expect("reviewer").is_some());
    // ana answers all five right; ben gets two wrong.
    let mut served = Vec::new();
    while let Some(item) = take_one(&mut p, qual.id, "ana", &|p, i| answer(p, i)) {
        assert!(is_gold(&p, item));
        served.push(item);
    }
    assert_eq!(served.len(), 5, "five gold items, then nothing");
    let k = std::cell::Cell::new(0);
    while take_one(&mut p, qual.id, "ben", &|p, i| {
        k.set(k.get() + 1);
        if k.get() <= 2 {
            other(&answer(p, i))
        } else {
            answer(p, i)
        }
    })
    .is_some()
    {}
    let ana = qualifications(&p, "ana").expect("ana");
    assert_eq!(
        (ana[0].status, ana[0].labeled, ana[0].correct),
        ("passed", 5, 5)
    );
    let ben = qualifications(&p, "ben").expect("ben");
    assert_eq!(
        (ben[0].status, ben[0].labeled, ben[0].correct),
        ("failed", 5, 3)
    );
    assert_eq!(qualifications(&p, "cy").expect("cy")[0].status, "pending");
    assert!(next(&mut p, work.id, "ana").expect("passed").is_some());
    let e = next(&mut p, work.id, "ben").expect_err("failed");
    assert!(
        e.to_string().contains("did not pass") && e.to_string().contains("reset-qualification"),
        "{e}"
    );
    // A reset: pending again, served again, and a pass lets ben in.
    std::thread::sleep(std::time::Duration::from_millis(5));
    reset_qualification(&mut p, "qual", "ben", None).expect("reset");
    assert_eq!(qualifications(&p, "ben").expect("ben")[0].status, "pending");
    let mut again = 0;
    while take_one(&mut p, qual.id, "ben", &|p, i| answer(p, i)).is_some() {
        again += 1;
    }
    assert_eq!(again, 5);
    assert_eq!(qualifications(&p, "ben").expect("ben")[0].status, "passed");
    assert!(next(&mut p, work.id, "ben").expect("qualified").is_some());
    // Bad options are refused, naming the value; nothing is saved.
    for (g, what) in [
        (
            GoldServing {
                rate: 1.0,
                warmup: 0,
                qualification: None,
            },
            "--gold-rate 1",
        ),
        (
            GoldServing {
                rate: -0.1,
                warmup: 0,
                qualification: None,
            },
            "--gold-rate -0.1",
        ),
        (
            GoldServing {
                rate: 0.0,
                warmup: 0,
                qualification: Some(Qualification {
                    pass_accuracy: 0.0,
                    pass_items: 3,
                }),
            },
            "--pass-accuracy 0",
        ),
        (
            GoldServing {
                rate: 0.0,
                warmup: 0,
                qualification: Some(Qualification {
                    pass_accuracy: 0.9,
                    pass_items: 0,
                }),
            },
            "--pass-items 0",
        ),
    ] {
        let e = create(
            &mut p,
            &QueueCreate {
                name: "bad".into(),
                spec: crate::queue::QueueSpec {
                    run,
                    strategy: Strategy::Random,
                    other_run: None,
                    threshold: None,
                    seed: 1,
                    calibrated: false,
                },
                limit: None,
                overlap_share: 0.0,
                overlap_k: 1,
                blind: false,
                lease_seconds: 600,
                assign: Vec::new(),
                gold: g,
            },
        )
        .expect_err(what);
        assert!(e.to_string().contains(what), "{e}");
    }
    assert!(find(&p, "bad").is_err());
}

/// A wrong answer for a wine class.
fn other(label: &str) -> String {
    if label == "class_0" {
        "class_1"
    } else {
        "class_0"
    }
    .to_string()
}
