//! The escalations queue and a reviewer's actions: accept, override, send back.

use super::*;
use crate::annotate::{add_annotator, record, Event, NewAnnotation, Role, Source};
use crate::queue::{QueueSpec, Strategy};
use crate::review::{self, QueueCreate};

/// Wine with a forest run, a queue "q" of 20 items (one label each), ana, ben, rev and lea.
fn setup() -> (tempfile::TempDir, Project, i64) {
    let (dir, mut p, run) =
        crate::testutil::project_with_run("tabular/wine.csv", None, "wine_forest.onnx", 64, false);
    for (n, r) in [
        ("ana", Role::Annotator),
        ("ben", Role::Annotator),
        ("rev", Role::Reviewer),
        ("lea", Role::Lead),
    ] {
        add_annotator(&p, n, r).expect("annotator");
    }
    let q = review::create(
        &mut p,
        &QueueCreate {
            name: "q".into(),
            spec: QueueSpec {
                run,
                strategy: Strategy::Random,
                other_run: None,
                threshold: None,
                seed: 1,
                calibrated: false,
            },
            limit: Some(20),
            overlap_share: 0.0,
            overlap_k: 1,
            blind: true,
            lease_seconds: 600,
            assign: Vec::new(),
            gold: Default::default(),
        },
    )
    .expect("queue");
    (dir, p, q.id)
}

fn queue_items(p: &Project, q: i64) -> Vec<i64> {
    p.conn()
        .prepare("SELECT item_id FROM queue_items WHERE queue_id = ?1 ORDER BY position")
        .expect("q")
        .query_map([q], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("items")
}

fn event(p: &mut Project, item: i64, who: &str, event: Event, q: Option<i64>, note: Option<&str>) {
    record(
        p,
        &NewAnnotation {
            queue: q,
            note: note.map(str::to_string),
            ..NewAnnotation::new(item, who, event, Source::Manual)
        },
    )
    .expect("event");
}

fn label(l: &str) -> Event {
    Event::Label { label: l.into() }
}

fn flag(f: &str) -> Event {
    Event::Flag { flag: f.into() }
}

fn ids(list: &[Escalation]) -> Vec<(i64, Vec<String>)> {
    list.iter().map(|e| (e.item, e.reasons.clone())).collect()
}

fn writes(p: &Project) -> (i64, i64, i64) {
    p.conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM annotations), (SELECT COUNT(*) FROM setting_events), (SELECT COUNT(*) FROM audit_log)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("counts")
}

#[test]
fn flags_and_conflicts_are_escalated_until_a_reviewer_acts() {
    let (_d, mut p, q) = setup();
    let items = queue_items(&p, q);
    let (a, b, c) = (items[0], items[1], items[2]);
    assert!(escalations(&p).expect("none").is_empty());
    event(&mut p, a, "ana", label("class_0"), Some(q), None);
    event(
        &mut p,
        a,
        "ana",
        flag("unsure"),
        None,
        Some("looks like class_1 too"),
    );
    event(&mut p, b, "ana", label("class_0"), None, None);
    event(&mut p, b, "ben", label("class_1"), None, None);
    event(&mut p, c, "ben", flag("bad_input"), None, None);
    let list = escalations(&p).expect("list");
    let mut want = vec![
        (a, vec!["unsure".to_string()]),
        (b, vec!["conflict".to_string()]),
        (c, vec!["bad_input".to_string()]),
    ];
    want.sort();
    assert_eq!(ids(&list), want, "in item order");
    let first = list.iter().find(|e| e.item == a).expect("a");
    assert_eq!(
        first.flags[0].note.as_deref(),
        Some("looks like class_1 too")
    );

    // Accepting a conflict decides nothing: refused, nothing written.
    let before = writes(&p);
    let e = accept(&mut p, b, "rev", None).expect_err("conflict");
    assert!(e.to_string().contains("in conflict"), "{e}");
    // Only reviewers and leads act.
    let e = accept(&mut p, a, "ben", None).expect_err("annotator");
    assert!(e.to_string().contains("only reviewers and leads"), "{e}");
    // An item that is not escalated cannot be accepted.
    let e = accept(&mut p, items[5], "rev", None).expect_err("not escalated");
    assert!(e.to_string().contains("is not escalated"), "{e}");
    assert_eq!(writes(&p), before);

    accept(&mut p, a, "rev", Some("class_0 is right")).expect("accept");
    override_item(&mut p, b, "lea", "class_1", None, None).expect("override");
    let list = escalations(&p).expect("list");
    assert_eq!(ids(&list), vec![(c, vec!["bad_input".to_string()])]);
    assert_eq!(
        decide::decision(&p, b).expect("d").label.as_deref(),
        Some("class_1")
    );
    // A flag raised after the review escalates the item again, with the earlier action shown.
    std::thread::sleep(std::time::Duration::from_millis(3));
    event(&mut p, a, "ben", flag("unsure"), None, None);
    let again = escalations(&p).expect("list");
    assert_eq!(again[0].item, a);
    assert_eq!(again[0].flags.len(), 1, "only the newer flag");
    let prev = again[0].previous.as_ref().expect("previous");
    assert_eq!((prev.action, prev.by.as_str()), (Action::Accept, "rev"));
    let h = history(&p, a).expect("history");
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].note.as_deref(), Some("class_0 is right"));
    let audit: i64 = p
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'escalation.%'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert_eq!(audit, 2);
}

#[test]
fn sent_back_reopens_the_item_for_its_annotator_who_sees_the_note() {
    let (_d, mut p, q) = setup();
    let items = queue_items(&p, q);
    let a = items[0];
    event(&mut p, a, "ana", label("class_2"), Some(q), None);
    event(&mut p, a, "ana", flag("unsure"), None, None);
    let done = review::counts(&p, q).expect("counts").done;
    assert_eq!(done, 1);

    // Bad input: an item nobody labeled, or not labeled by the named annotator.
    let before = writes(&p);
    let e = send_back(&mut p, items[3], "rev", None, "again").expect_err("unlabeled");
    assert!(e.to_string().contains("was not labeled"), "{e}");
    let e = send_back(&mut p, a, "rev", Some("ben"), "again").expect_err("not ben's");
    assert!(e.to_string().contains("has no label by ben"), "{e}");
    assert!(e.to_string().contains("nothing was written"), "{e}");
    let e = send_back(&mut p, a, "rev", None, "  ").expect_err("no note");
    assert!(e.to_string().contains("needs a note"), "{e}");
    let e = send_back(&mut p, a, "ben", None, "again").expect_err("annotator");
    assert!(e.to_string().contains("only reviewers and leads"), "{e}");
    assert_eq!(writes(&p), before);

    let to = send_back(&mut p, a, "rev", None, "class_2? check the colour").expect("send back");
    assert_eq!(to, "ana");
    // Reopened in its queue: no longer done, no longer escalated.
    assert_eq!(review::counts(&p, q).expect("counts").done, 0);
    assert!(escalations(&p).expect("list").is_empty());
    assert_eq!(decide::decision(&p, a).expect("d").status, Status::Pending);
    let notes = sent_back(&p, "ana").expect("notes");
    assert_eq!(notes.len(), 1);
    assert_eq!(
        (notes[0].item, notes[0].by.as_str(), notes[0].note.as_str()),
        (a, "rev", "class_2? check the colour")
    );
    assert!(sent_back(&p, "ben").expect("none").is_empty());
    // The item is reserved for ana: ben, claiming the whole queue, is not served it.
    let bens = review::next_n(&mut p, q, "ben", 20).expect("ben");
    assert!(!bens.is_empty());
    assert!(
        bens.iter().all(|x| x.item != a),
        "ben got the item sent back to ana"
    );
    review::release(&mut p, q, "ben").expect("release");
    // ana is served the item again, first, with the note.
    let first = review::next_n(&mut p, q, "ana", 1).expect("ana");
    assert_eq!(first.first().map(|x| x.item), Some(a));
    review::release(&mut p, q, "ana").expect("release");
    let served = review::next_view(&mut p, q, "ana", 20).expect("next");
    let view = served
        .iter()
        .find(|v| v.assigned.item == a)
        .expect("the item is served again");
    assert_eq!(
        view.sent_back.as_ref().map(|s| s.note.as_str()),
        Some("class_2? check the colour")
    );
    assert!(served
        .iter()
        .filter(|v| v.assigned.item != a)
        .all(|v| v.sent_back.is_none()));
    // Once she labels it again the note is answered.
    std::thread::sleep(std::time::Duration::from_millis(3));
    event(&mut p, a, "ana", label("class_1"), Some(q), None);
    assert!(sent_back(&p, "ana").expect("none").is_empty());
    assert_eq!(review::counts(&p, q).expect("counts").done, 1);
}
