use std::collections::{HashMap, HashSet};

use super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::predict::{self};
use crate::queue::{below, Strategy};

/// Wine with a forest run; annotators a1..a3.
fn setup() -> (tempfile::TempDir, Project, i64) {
    let (dir, p, run) =
        crate::testutil::project_with_run("tabular/wine.csv", None, "wine_forest.onnx", 64, false);
    for n in ["a1", "a2", "a3"] {
        add_annotator(&p, n, Role::Annotator).expect("annotator");
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
        calibrated: false,
    }
}

fn label(p: &mut Project, queue: i64, item: i64, who: &str) -> i64 {
    record(
        p,
        &NewAnnotation {
            queue: Some(queue),
            ..NewAnnotation::new(
                item,
                who,
                Event::Label {
                    label: "class_0".into(),
                },
                Source::Manual,
            )
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
            assign: Vec::new(),
            gold: Default::default(),
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
    let c = counts(&p, q.id).expect("counts");
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
            assign: Vec::new(),
            gold: Default::default(),
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
    assert_eq!(counts(&p, q.id).expect("c").claimed, 2);
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
    assert_eq!(counts(&p, q.id).expect("c").done, 3);
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
            assign: Vec::new(),
            gold: Default::default(),
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
            assign: Vec::new(),
            gold: Default::default(),
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
    assert_eq!(pace(&p, "a1").expect("pace"), (1, 1));
    assert_eq!(handled(&p, q.id, "a1").expect("handled"), 1);
    assert_eq!(handled(&p, q.id, "a2").expect("handled"), 0);
    let (below_half, all) = below(&p, run, 0.5, false).expect("below");
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
            assign: Vec::new(),
            gold: Default::default(),
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
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("uncertainty queue");
    let (_, preds) = predict::predictions(&p, run).expect("preds");
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
                seconds: Some(1.0 + n as f64),
                queue: Some(rq.id),
                run: Some(run),
                ..NewAnnotation::new(a.item, "a1", Event::Label { label }, Source::Manual)
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
    // Calibration rests on the fair sample (the random queue's 40 items), not on every item.
    assert_eq!(
        (q.calibration_on, q.calibration_items),
        ("random_sample", 40)
    );
    assert_eq!(q.bins.iter().map(|b| b.items).sum::<usize>(), 40);
    let r = crate::metrics::report(&p, Some(run)).expect("report");
    assert_eq!(r.progress.decided as usize, q.overall.items);
    let a1 = r
        .annotators
        .iter()
        .find(|a| a.annotator == "a1")
        .expect("a1");
    assert_eq!(a1.labels, 40);
    assert_eq!(a1.median_seconds, Some(20.5));
}

/// The counts as the full scan over the events computes them (the reference the maintained
/// counters must equal).
pub(crate) fn scanned_counts(conn: &Connection, queue: i64) -> (u64, u64, u64, u64, u64, u64) {
    let sql = format!(
        "WITH q AS (SELECT i.item_id, i.needed, i.needed = 1 AND NOT k.blind AS every
                    FROM queue_items i JOIN queues k ON k.id = i.queue_id WHERE i.queue_id = ?1),
         ev AS (SELECT a.item_id,
                       -- An overlap item, and every item of a blind queue, counts the events
                       -- given through this queue; any other item every event; an override
                       -- anywhere closes it.
                       COUNT(DISTINCT CASE WHEN a.kind = 'label' AND (q.every OR a.queue_id = ?1) THEN a.annotator_id END) AS labels,
                       MAX(a.kind = 'label' AND a.source = 'override') AS overridden,
                       MAX(a.kind = 'skip' AND (q.every OR a.queue_id = ?1)) AS skipped,
                       MAX(a.kind = 'flag' AND (q.every OR a.queue_id = ?1)) AS flagged
                FROM annotations a JOIN q ON q.item_id = a.item_id
                WHERE a.kind != 'retract' AND {LIVE} GROUP BY a.item_id)
         SELECT COUNT(*),
                COALESCE(SUM(COALESCE(ev.labels, 0) >= q.needed OR COALESCE(ev.overridden, 0)), 0),
                COALESCE(SUM(COALESCE(ev.labels, 0) > 0 AND COALESCE(ev.labels, 0) < q.needed AND NOT COALESCE(ev.overridden, 0)), 0),
                COALESCE(SUM(COALESCE(ev.labels, 0) = 0 AND NOT COALESCE(ev.overridden, 0)), 0),
                COALESCE(SUM(COALESCE(ev.skipped, 0)), 0),
                COALESCE(SUM(COALESCE(ev.flagged, 0)), 0)
         FROM q LEFT JOIN ev ON ev.item_id = q.item_id"
    );
    conn.query_row(&sql, [queue], |r| {
        let g = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)? as u64) };
        Ok((g(0)?, g(1)?, g(2)?, g(3)?, g(4)?, g(5)?))
    })
    .expect("scan")
}

pub(crate) fn kept_counts(conn: &Connection, queue: i64) -> (u64, u64, u64, u64, u64, u64) {
    let c = counts_in(conn, queue).expect("counts");
    (
        c.total,
        c.done,
        c.partial,
        c.untouched,
        c.skipped,
        c.flagged,
    )
}

fn event(item: i64, who: &str, event: Event, source: Source, queue: Option<i64>) -> NewAnnotation {
    NewAnnotation {
        reason: (source == Source::Override).then(|| "model_wrong".to_string()),
        queue,
        ..NewAnnotation::new(item, who, event, source)
    }
}

#[test]
fn kept_counters_match_a_full_scan_through_labels_skips_flags_overrides_and_undo() {
    let (_d, mut p, run) = setup();
    add_annotator(&p, "rev", Role::Reviewer).expect("reviewer");
    let mk = |p: &mut Project, name: &str, share: f64, k: usize, blind: bool| {
        create(
            p,
            &QueueCreate {
                name: name.into(),
                spec: spec(run),
                limit: Some(50),
                overlap_share: share,
                overlap_k: k,
                blind,
                lease_seconds: 600,
                assign: Vec::new(),
                gold: Default::default(),
            },
        )
        .expect("queue")
    };
    let q1 = mk(&mut p, "one", 0.5, 2, false);
    let q2 = mk(&mut p, "two", 0.0, 1, false);
    // A blind queue counts only its own votes, for every item.
    let q4 = mk(&mut p, "blind", 0.0, 1, true);
    let items: Vec<i64> = p
        .conn()
        .prepare("SELECT item_id FROM queue_items WHERE queue_id = ?1 ORDER BY position")
        .expect("p")
        .query_map([q1.id], |r| r.get(0))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    // A deterministic mix of events over the shared items.
    let mut s = 7u64;
    let people = ["a1", "a2", "a3", "rev"];
    for step in 0..120 {
        s = splitmix64(s);
        let item = items[(s % items.len() as u64) as usize];
        let who = people[((s >> 8) % 4) as usize];
        let (ev, source) = match (s >> 16) % 7 {
            0 => (Event::Skip, Source::Manual),
            1 => (
                Event::Flag {
                    flag: "unsure".into(),
                },
                Source::Manual,
            ),
            2 if who == "rev" => (
                Event::Label {
                    label: "class_2".into(),
                },
                Source::Override,
            ),
            3 => {
                undo(&mut p, who);
                continue;
            }
            n => (
                Event::Label {
                    label: format!("class_{}", n % 2),
                },
                Source::Manual,
            ),
        };
        // Through the first queue, the second, or none: the counters of every queue holding
        // the item move by that queue's rule.
        let via = match step % 4 {
            0 => Some(q1.id),
            1 => Some(q2.id),
            2 => Some(q4.id),
            _ => None,
        };
        match record(&mut p, &event(item, who, ev, source, via)) {
            Ok(_) => {}
            // An item with all the labels a queue needs refuses one more through it.
            Err(e) if via.is_some() && e.to_string().contains("already has the") => continue,
            Err(e) => panic!("step {step}: {e}"),
        }
        if step % 25 == 0 {
            for q in [q1.id, q2.id, q4.id] {
                assert_eq!(
                    kept_counts(p.conn(), q),
                    scanned_counts(p.conn(), q),
                    "step {step}"
                );
            }
        }
    }
    // A queue created now starts from the events already recorded.
    let q3 = mk(&mut p, "three", 0.3, 3, false);
    let q5 = mk(&mut p, "blind later", 0.0, 1, true);
    let mut states = [0u64; 3];
    for q in [q1.id, q2.id, q3.id, q4.id, q5.id] {
        let kept = kept_counts(p.conn(), q);
        assert_eq!(kept, scanned_counts(p.conn(), q));
        states[0] += kept.1;
        states[1] += kept.2;
        states[2] += kept.3;
    }
    assert!(
        states.iter().all(|n| *n > 0),
        "done, partial, untouched: {states:?}"
    );
    // Claims never hand out a finished item, and hand out every open one.
    for q in [q1.id, q3.id] {
        let open: i64 = p
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM queue_items WHERE queue_id = ?1 AND labels < needed AND NOT overridden",
                [q],
                |r| r.get(0),
            )
            .expect("open");
        add_annotator(&p, &format!("fresh{q}"), Role::Annotator).expect("fresh");
        let got = next_n(&mut p, q, &format!("fresh{q}"), 8).expect("next");
        for a in &got {
            let d = crate::decide::decision(&p, a.item).expect("decision");
            assert!(
                d.rule != Some(crate::decide::How::Override),
                "{a:?} is overridden"
            );
        }
        assert_eq!(got.len() as i64, open.min(8));
    }
}

fn undo(p: &mut Project, who: &str) {
    crate::annotate::undo(p, who, None).expect("undo");
}

#[test]
fn an_overlap_item_stays_pending_until_its_k_annotators_labeled_it() {
    let (_d, mut p, run) = setup();
    let q = create(
        &mut p,
        &QueueCreate {
            name: "all3".into(),
            spec: spec(run),
            limit: Some(2),
            overlap_share: 1.0,
            overlap_k: 3,
            blind: true,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue");
    let a = next(&mut p, q.id, "a1").expect("next").expect("item");
    assert_eq!(a.needed, 3);
    label(&mut p, q.id, a.item, "a1");
    let d = crate::decide::decision(&p, a.item).expect("decision");
    assert_eq!(
        (d.status, d.votes_needed),
        (crate::decide::Status::Pending, 3)
    );
    for who in ["a2", "a3"] {
        let b = next(&mut p, q.id, who).expect("next").expect("item");
        assert_eq!(b.item, a.item, "queue order");
        label(&mut p, q.id, b.item, who);
    }
    let d = crate::decide::decision(&p, a.item).expect("decision");
    assert_eq!(
        (d.status, d.rule, d.deciders.len()),
        (
            crate::decide::Status::Decided,
            Some(crate::decide::How::Unanimous),
            3
        )
    );
    let all = crate::decide::decisions(&p, None).expect("all");
    assert_eq!(all, vec![d]);
}

#[test]
fn a_label_on_a_lapsed_claim_someone_else_completed_is_refused() {
    let (_d, mut p, run) = setup();
    let q = create(
        &mut p,
        &QueueCreate {
            name: "lapse".into(),
            spec: spec(run),
            limit: Some(2),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 1,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue");
    let mine = next(&mut p, q.id, "a1").expect("next").expect("item");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let theirs = next(&mut p, q.id, "a2").expect("next").expect("item");
    assert_eq!(theirs.item, mine.item, "the lapsed claim went to a2");
    label(&mut p, q.id, theirs.item, "a2");
    let before: i64 = p
        .conn()
        .query_row("SELECT COUNT(*) FROM annotations", [], |r| r.get(0))
        .expect("count");
    let e = record(
        &mut p,
        &event(
            mine.item,
            "a1",
            Event::Label {
                label: "class_1".into(),
            },
            Source::Manual,
            Some(q.id),
        ),
    )
    .expect_err("k = 1 is reached")
    .to_string();
    assert!(
        e.contains("already has the 1 label(s)")
            && e.contains("a2")
            && e.contains("nothing was recorded"),
        "{e}"
    );
    let after: i64 = p
        .conn()
        .query_row("SELECT COUNT(*) FROM annotations", [], |r| r.get(0))
        .expect("count");
    assert_eq!(before, after);
    // a2 may change their own label; a reviewer may still override.
    label(&mut p, q.id, theirs.item, "a2");
    add_annotator(&p, "rev", Role::Reviewer).expect("reviewer");
    record(
        &mut p,
        &event(
            mine.item,
            "rev",
            Event::Label {
                label: "class_2".into(),
            },
            Source::Override,
            Some(q.id),
        ),
    )
    .expect("override");
    // An item that is not in the queue is refused too.
    let outside: i64 = p
        .conn()
        .query_row(
            "SELECT id FROM items WHERE id NOT IN (SELECT item_id FROM queue_items WHERE queue_id = ?1) LIMIT 1",
            [q.id],
            |r| r.get(0),
        )
        .expect("item");
    let e = record(
        &mut p,
        &event(
            outside,
            "a1",
            Event::Label {
                label: "class_1".into(),
            },
            Source::Manual,
            Some(q.id),
        ),
    )
    .expect_err("not in queue")
    .to_string();
    assert!(e.contains("is not in queue \"lapse\""), "{e}");
}

#[test]
fn annotators_racing_for_the_last_place_on_an_item_never_exceed_k() {
    let (_d, mut p, run) = setup();
    let q = create(
        &mut p,
        &QueueCreate {
            name: "race".into(),
            spec: spec(run),
            limit: Some(20),
            overlap_share: 0.5,
            overlap_k: 2,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue");
    let items: Vec<(i64, i64)> = p
        .conn()
        .prepare("SELECT item_id, needed FROM queue_items WHERE queue_id = ?1")
        .expect("p")
        .query_map([q.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    let root = p.root().to_path_buf();
    // Three annotators label every item at once, ignoring claims (as after lapsed leases).
    let accepted: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = ["a1", "a2", "a3"]
            .into_iter()
            .map(|who| {
                let root = root.clone();
                let items = items.clone();
                s.spawn(move || {
                    let mut mine = Project::open(&root).expect("open");
                    let mut ok = 0;
                    for (item, _) in &items {
                        match record(
                            &mut mine,
                            &event(
                                *item,
                                who,
                                Event::Label {
                                    label: "class_0".into(),
                                },
                                Source::Manual,
                                Some(q.id),
                            ),
                        ) {
                            Ok(_) => ok += 1,
                            Err(e) => assert!(e.to_string().contains("already has"), "{e}"),
                        }
                    }
                    ok
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let mut labels: HashMap<i64, HashSet<String>> = HashMap::new();
    for row in crate::annotate::list(p.conn(), None).expect("list") {
        labels.entry(row.item).or_default().insert(row.annotator);
    }
    for (item, needed) in &items {
        assert_eq!(
            labels.get(item).map_or(0, |s| s.len()) as i64,
            *needed,
            "item {item}"
        );
    }
    assert_eq!(
        accepted.iter().sum::<usize>() as i64,
        items.iter().map(|(_, n)| n).sum::<i64>()
    );
    let c = counts(&p, q.id).expect("counts");
    assert_eq!((c.done, c.partial, c.untouched), (20, 0, 0));
}

#[test]
fn a_blind_overlap_pass_over_labeled_items_starts_open_and_keeps_votes_independent() {
    let (_d, mut p, run) = setup();
    add_annotator(&p, "rev", Role::Reviewer).expect("reviewer");
    let mk = |p: &mut Project, name: &str, share: f64, k: usize, blind: bool| {
        create(
            p,
            &QueueCreate {
                name: name.into(),
                spec: spec(run),
                limit: Some(10),
                overlap_share: share,
                overlap_k: k,
                blind,
                lease_seconds: 600,
                assign: Vec::new(),
                gold: Default::default(),
            },
        )
        .expect("queue")
    };
    // a1 labels ten items in a first queue.
    let first = mk(&mut p, "first", 0.0, 1, false);
    while let Some(a) = next(&mut p, first.id, "a1").expect("next") {
        label(&mut p, first.id, a.item, "a1");
    }
    assert_eq!(counts(&p, first.id).expect("c").done, 10);
    // A blind pass with every item to two people, over the same ten items: all open.
    let pass = mk(&mut p, "pass", 1.0, 2, true);
    let c = counts(&p, pass.id).expect("c");
    assert_eq!((c.total, c.done, c.untouched), (10, 0, 10));
    // a1 already voted on them: nothing for her; a2 and a3 get all ten.
    assert!(next(&mut p, pass.id, "a1").expect("next").is_none());
    // a2 labels; a3 then sees the item with nobody's labels, and no prediction (blind).
    let views = next_view(&mut p, pass.id, "a2", 1).expect("view");
    let item = views[0].assigned.item;
    assert!(
        views[0].others.is_empty() && views[0].prediction.is_none() && views[0].given.is_none()
    );
    label(&mut p, pass.id, item, "a2");
    let seen = next_view(&mut p, pass.id, "a3", 10).expect("view");
    let same = seen
        .iter()
        .find(|v| v.assigned.item == item)
        .expect("a3 gets it too");
    assert!(
        same.others.is_empty(),
        "an annotator never sees the other votes: {:?}",
        same.others
    );
    label(&mut p, pass.id, item, "a3");
    assert_eq!(counts(&p, pass.id).expect("c").done, 1);
    // A reviewer working a (non-blind) queue over the item sees who voted what.
    let review = mk(&mut p, "review", 1.0, 2, false);
    let shown = next_view(&mut p, review.id, "rev", 10).expect("view");
    let v = shown
        .iter()
        .find(|v| v.assigned.item == item)
        .expect("rev gets it");
    let mut who: Vec<&str> = v.others.iter().map(|o| o.annotator.as_str()).collect();
    who.sort();
    assert_eq!(who, ["a1", "a2", "a3"]);
    assert!(v.prediction.is_some() && v.given.is_some());
}

#[test]
fn a_blind_queue_counts_only_its_own_votes_for_every_item() {
    let (_d, mut p, run) = setup();
    add_annotator(&p, "rev", Role::Reviewer).expect("reviewer");
    let mk = |p: &mut Project, name: &str, blind: bool| {
        create(
            p,
            &QueueCreate {
                name: name.into(),
                spec: spec(run),
                limit: Some(6),
                overlap_share: 0.0,
                overlap_k: 1,
                blind,
                lease_seconds: 600,
                assign: Vec::new(),
                gold: Default::default(),
            },
        )
        .expect("queue")
    };
    // a1 labels six items with the prediction in view.
    let open = mk(&mut p, "open", false);
    while let Some(a) = next(&mut p, open.id, "a1").expect("next") {
        label(&mut p, open.id, a.item, "a1");
    }
    assert_eq!(counts(&p, open.id).expect("c").done, 6);
    // A blind pass over the same six items, one vote each: all open (a new open queue over them
    // would be done), and a2 gets every one.
    let blind = mk(&mut p, "blind", true);
    let c = counts(&p, blind.id).expect("c");
    assert_eq!((c.total, c.done, c.untouched), (6, 0, 6));
    let again = mk(&mut p, "again", false);
    assert_eq!(counts(&p, again.id).expect("c").done, 6);
    let first = next(&mut p, blind.id, "a2")
        .expect("next")
        .expect("an item");
    label(&mut p, blind.id, first.item, "a2");
    assert_eq!(counts(&p, blind.id).expect("c").done, 1);
    // A label given elsewhere does not close a blind item; an override anywhere does.
    let second = next(&mut p, blind.id, "a2")
        .expect("next")
        .expect("an item");
    record(
        &mut p,
        &NewAnnotation::new(
            second.item,
            "a3",
            Event::Label {
                label: "class_0".into(),
            },
            Source::Manual,
        ),
    )
    .expect("a label outside any queue");
    assert_eq!(counts(&p, blind.id).expect("c").done, 1);
    record(
        &mut p,
        &NewAnnotation {
            reason: Some("model_wrong".into()),
            ..NewAnnotation::new(
                second.item,
                "rev",
                Event::Label {
                    label: "class_1".into(),
                },
                Source::Override,
            )
        },
    )
    .expect("override");
    assert_eq!(counts(&p, blind.id).expect("c").done, 2);
    assert_eq!(
        kept_counts(p.conn(), blind.id),
        scanned_counts(p.conn(), blind.id)
    );
}

#[test]
fn each_annotator_sees_their_own_skips_flags_and_pace_span() {
    let (_d, mut p, run) = setup();
    let q = create(
        &mut p,
        &QueueCreate {
            name: "q".into(),
            spec: spec(run),
            limit: Some(20),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: false,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue");
    let ago = |p: &Project, minutes: i64| -> String {
        p.conn()
            .query_row(
                &format!("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-{minutes} minutes')"),
                [],
                |r| r.get(0),
            )
            .expect("time")
    };
    let put = |p: &mut Project, who: &str, event: Event, minutes: i64| {
        let a = next(p, q.id, who).expect("next").expect("an item");
        let at = ago(p, minutes);
        record(
            p,
            &NewAnnotation {
                queue: Some(q.id),
                created_at: Some(at),
                ..NewAnnotation::new(a.item, who, event, Source::Manual)
            },
        )
        .expect("record");
    };
    let l = || Event::Label {
        label: "class_0".into(),
    };
    put(&mut p, "a1", l(), 30);
    put(&mut p, "a1", l(), 10);
    put(&mut p, "a1", Event::Skip, 9);
    put(
        &mut p,
        "a1",
        Event::Flag {
            flag: "unsure".into(),
        },
        8,
    );
    put(&mut p, "a2", Event::Skip, 5);
    put(&mut p, "a2", l(), 1);
    assert_eq!(
        mine(&p, q.id, "a1").expect("a1"),
        Mine {
            handled: 4,
            skipped: 1,
            flagged: 1
        }
    );
    assert_eq!(
        mine(&p, q.id, "a2").expect("a2"),
        Mine {
            handled: 2,
            skipped: 1,
            flagged: 0
        }
    );
    // a1's labels of the last hour span 20 minutes; a2 has one label: no span yet.
    let span = pace_span(&p, "a1").expect("span");
    assert!((span - 1200.0).abs() < 2.0, "{span}");
    assert_eq!(pace_span(&p, "a2").expect("span"), 0.0);
}
