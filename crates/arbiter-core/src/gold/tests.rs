//! Gold items: the stratified, seeded sample; answers from a file (checked whole first); the
//! decisions they make; the scores they give annotators; removal; and the refusals.

use std::collections::BTreeMap;

use super::*;
use crate::annotate::{add_annotator, record, undo, Event, NewAnnotation, Role, Source as From};
use crate::decide::{How, Status};
use crate::testutil::{fixtures, imported_project};

fn digits() -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("tmp");
    let (p, _) = imported_project(
        dir.path(),
        &fixtures().join("digits/manifest.csv"),
        Some("digits"),
        false,
    );
    add_annotator(&p, "ana", Role::Annotator).expect("ana");
    add_annotator(&p, "ben", Role::Annotator).expect("ben");
    add_annotator(&p, "rev", Role::Reviewer).expect("rev");
    add_annotator(&p, "lea", Role::Lead).expect("lea");
    (dir, p)
}

fn given(share: Option<f64>, count: Option<usize>, seed: u64) -> AddOptions {
    AddOptions {
        source: Source::Given,
        dataset: None,
        share,
        count,
        seed,
        by: Some("lea".into()),
    }
}

fn rowid(p: &Project, ext: &str) -> i64 {
    p.conn()
        .query_row("SELECT id FROM items WHERE ext_id = ?1", [ext], |r| {
            r.get(0)
        })
        .expect("item")
}

fn label(p: &mut Project, ext: &str, who: &str, l: &str, source: From) -> i64 {
    let it = rowid(p, ext);
    let reason = (source == From::Override).then(|| "model_wrong".to_string());
    record(
        p,
        &NewAnnotation {
            reason,
            ..NewAnnotation::new(it, who, Event::Label { label: l.into() }, source)
        },
    )
    .expect("label")
}

fn count(p: &Project, sql: &str) -> i64 {
    p.conn().query_row(sql, [], |r| r.get(0)).expect("count")
}

/// What must stay as it was after a refusal.
fn written(p: &Project) -> (i64, i64, i64) {
    (
        count(p, "SELECT COUNT(*) FROM setting_events"),
        count(p, "SELECT COUNT(*) FROM gold"),
        count(p, "SELECT COUNT(*) FROM audit_log"),
    )
}

#[test]
fn from_given_takes_each_labels_share_by_largest_remainder_in_a_seeded_order() {
    let (_d, mut p) = digits();
    // The per-label sizes, read independently of the module.
    let sizes: Vec<(String, usize)> = p
        .conn()
        .prepare("SELECT l.name, COUNT(i.id) FROM labels l LEFT JOIN items i ON i.label_id = l.id GROUP BY l.id ORDER BY l.position")
        .expect("p")
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
        .expect("q")
        .collect::<rusqlite::Result<_>>()
        .expect("sizes");
    let n: usize = sizes.iter().map(|s| s.1).sum();
    assert_eq!(n, 1797);
    let total = (0.05_f64 * n as f64).round() as usize; // 90
                                                        // Largest remainder by hand: floors, then +1 for the largest fractional parts.
    let exact: Vec<f64> = sizes
        .iter()
        .map(|s| s.1 as f64 * total as f64 / n as f64)
        .collect();
    let mut want: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .partial_cmp(&(exact[a] - exact[a].floor()))
            .expect("finite")
            .then(a.cmp(&b))
    });
    for &i in order.iter().take(total - want.iter().sum::<usize>()) {
        want[i] += 1;
    }
    let before = written(&p);
    let added = add(&mut p, &given(Some(0.05), None, 7)).expect("add");
    assert_eq!(
        (added.candidates, added.added, added.unchanged),
        (1797, total, 0)
    );
    let got: Vec<usize> = added.by_label.iter().map(|x| x.1).collect();
    assert_eq!(got, want);
    // Every answer is the item's given label; one setting event each, one audit entry.
    let gold = list(&p, None).expect("list");
    assert_eq!(gold.len(), total);
    for g in &gold {
        let given: String = p
            .conn()
            .query_row(
                "SELECT l.name FROM items i JOIN labels l ON l.id = i.label_id WHERE i.id = ?1",
                [g.item],
                |r| r.get(0),
            )
            .expect("given");
        assert_eq!(g.label, given, "{}", g.item_id);
        assert_eq!(g.added_by, "lea");
        assert_eq!(g.dataset, "digits@1");
    }
    let after = written(&p);
    assert_eq!(after.0 - before.0, total as i64);
    assert_eq!(after.2 - before.2, 1);
    let per_label: BTreeMap<&str, usize> = gold.iter().fold(BTreeMap::new(), |mut m, g| {
        *m.entry(g.label.as_str()).or_default() += 1;
        m
    });
    for ((name, _), w) in sizes.iter().zip(&want) {
        assert_eq!(
            per_label.get(name.as_str()).copied().unwrap_or(0),
            *w,
            "{name}"
        );
    }
    // The same seed takes the same items: nothing new.
    let again = add(&mut p, &given(Some(0.05), None, 7)).expect("again");
    assert_eq!((again.added, again.unchanged), (0, total));
    // Another seed (in a fresh project) takes other items.
    let (_d2, mut q) = digits();
    add(&mut q, &given(Some(0.05), None, 8)).expect("other seed");
    let other: std::collections::HashSet<String> = list(&q, None)
        .expect("list")
        .into_iter()
        .map(|g| g.item_id)
        .collect();
    let first: std::collections::HashSet<String> = gold.iter().map(|g| g.item_id.clone()).collect();
    assert_ne!(first, other);
    // --count takes that many, spread the same way.
    let (_d3, mut r) = digits();
    let c = add(&mut r, &given(None, Some(10), 1)).expect("count");
    assert_eq!(c.added, 10);
    assert_eq!(c.by_label.len(), 10, "one per label: {:?}", c.by_label);
}

#[test]
fn a_gold_item_is_decided_by_its_answer_whatever_its_votes_and_never_a_conflict() {
    let (_d, mut p) = digits();
    // digit_0000 is a given 0, digit_0001 a given 1.
    let file = _d.path().join("gold.csv");
    std::fs::write(
        &file,
        "item_id,label\ndigit_0000,0\ndigit_0001,1\ndigit_0002,2\n",
    )
    .expect("csv");
    let added = add(
        &mut p,
        &AddOptions {
            source: Source::File(file),
            dataset: None,
            share: None,
            count: None,
            seed: 1,
            by: None,
        },
    )
    .expect("file");
    assert_eq!(added.added, 3);
    crate::decide::set_rule(
        &p,
        crate::decide::Rule {
            mode: crate::decide::Mode::Majority,
            min_annotators: 2,
        },
        None,
    )
    .expect("rule");
    // Votes that would conflict, a unanimous wrong pair, and an override against the answer.
    label(&mut p, "digit_0000", "ana", "0", From::Manual);
    label(&mut p, "digit_0000", "ben", "7", From::Manual);
    label(&mut p, "digit_0001", "ana", "4", From::Manual);
    label(&mut p, "digit_0001", "ben", "4", From::Manual);
    label(&mut p, "digit_0001", "rev", "9", From::Override);
    // A conflict on an item that is not gold, for contrast.
    label(&mut p, "digit_0003", "ana", "3", From::Manual);
    label(&mut p, "digit_0003", "ben", "5", From::Manual);
    let all = crate::decide::decisions(&p, None).expect("decisions");
    let by: BTreeMap<&str, &crate::decide::Decision> =
        all.iter().map(|d| (d.item_id.as_str(), d)).collect();
    for (ext, want) in [
        ("digit_0000", "0"),
        ("digit_0001", "1"),
        ("digit_0002", "2"),
    ] {
        let d = by[ext];
        assert_eq!(
            (d.status, d.label.as_deref(), d.rule),
            (Status::Decided, Some(want), Some(How::Gold)),
            "{ext}"
        );
        // One item's decision says the same.
        let one = crate::decide::decision(&p, d.item).expect("one");
        assert_eq!(
            (one.label.as_deref(), one.rule),
            (Some(want), Some(How::Gold)),
            "{ext}"
        );
    }
    // The votes stay beside the answer.
    assert_eq!(by["digit_0000"].votes.len(), 2);
    assert_eq!(by["digit_0003"].status, Status::Conflict);
    let conflicts = crate::decide::conflict_items(p.conn(), None).expect("conflicts");
    assert_eq!(conflicts, [rowid(&p, "digit_0003")].into_iter().collect());
}

#[test]
fn annotators_are_scored_on_their_latest_own_label_of_each_gold_item() {
    let (_d, mut p) = digits();
    let file = _d.path().join("gold.csv");
    std::fs::write(
        &file,
        "item_id,label\ndigit_0000,0\ndigit_0001,1\ndigit_0002,2\ndigit_0003,3\n",
    )
    .expect("csv");
    add(
        &mut p,
        &AddOptions {
            source: Source::File(file),
            dataset: None,
            share: None,
            count: None,
            seed: 1,
            by: None,
        },
    )
    .expect("file");
    // ana: right on 0, 1, 2; wrong on 3 (a 5), after first saying 3 there (her latest counts).
    for (ext, l) in [
        ("digit_0000", "0"),
        ("digit_0001", "1"),
        ("digit_0002", "2"),
        ("digit_0003", "3"),
    ] {
        label(&mut p, ext, "ana", l, From::Manual);
    }
    label(&mut p, "digit_0003", "ana", "5", From::Manual);
    // ben: wrong on 0 (a 6), then undone and relabeled 8 (still wrong); wrong on 1 (a 7).
    label(&mut p, "digit_0000", "ben", "6", From::Manual);
    undo(&mut p, "ben", None).expect("undo");
    label(&mut p, "digit_0000", "ben", "8", From::Manual);
    label(&mut p, "digit_0001", "ben", "7", From::Manual);
    // A reviewer's override is not a vote: rev is not scored. A label off gold counts nowhere.
    label(&mut p, "digit_0002", "rev", "2", From::Override);
    label(&mut p, "digit_0009", "ana", "1", From::Manual);
    let s = scores(&p).expect("scores");
    assert_eq!(s.labels.len(), 10);
    let names: Vec<&str> = s.annotators.iter().map(|a| a.annotator.as_str()).collect();
    assert_eq!(names, ["ana", "ben"]);
    let ana = &s.annotators[0];
    assert_eq!((ana.estimate.items, ana.estimate.correct), (4, 3));
    assert_eq!(ana.estimate.accuracy, Some(0.75));
    assert_eq!(
        (ana.estimate.low, ana.estimate.high),
        crate::metrics::quality::wilson(3, 4)
    );
    assert_eq!(ana.confusion[3][5], 1);
    assert_eq!(
        ana.missed,
        [Missed {
            item_id: "digit_0003".into(),
            gold: "3".into(),
            given: "5".into()
        }]
    );
    let ben = &s.annotators[1];
    assert_eq!((ben.estimate.items, ben.estimate.correct), (2, 0));
    assert_eq!(ben.confusion[0][8], 1);
    assert_eq!(ben.confusion[0][6], 0, "the undone label does not count");
    assert_eq!(ben.missed.len(), 2);
    // The report carries each annotator's estimate (the shape of vs_reviewers) and the details.
    let r = crate::metrics::report(&p, None).expect("report");
    let json = serde_json::to_value(&r).expect("json");
    let ana_row = json["annotators"]
        .as_array()
        .expect("annotators")
        .iter()
        .find(|a| a["annotator"] == "ana")
        .expect("ana");
    assert_eq!(ana_row["gold"]["items"], 4);
    assert_eq!(ana_row["gold"]["correct"], 3);
    assert_eq!(
        ana_row["gold"]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        ana_row["vs_reviewers"]
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>())
    );
    let lea_row = json["annotators"]
        .as_array()
        .expect("annotators")
        .iter()
        .find(|a| a["annotator"] == "lea")
        .expect("lea");
    assert_eq!(lea_row["gold"]["items"], 0);
    assert!(lea_row["gold"]["accuracy"].is_null());
    assert_eq!(
        json["gold"]["annotators"][1]["missed"][0]["item_id"],
        "digit_0000"
    );
}

#[test]
fn refusals_name_the_value_or_row_and_write_nothing() {
    let (d, mut p) = digits();
    add(&mut p, &given(None, Some(3), 1)).expect("some gold");
    let before = written(&p);
    for share in [0.0, -0.1, 1.5, f64::NAN] {
        let e = add(&mut p, &given(Some(share), None, 1)).expect_err("share");
        assert!(e.to_string().contains("--share"), "{e}");
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput);
    }
    let e = add(&mut p, &given(None, Some(0), 1)).expect_err("count");
    assert!(e.to_string().contains("--count 0"), "{e}");
    // A file: an unknown item, a label outside the schema, an item given two answers — all
    // named by row, and none of its good rows written.
    let file = d.path().join("bad.csv");
    std::fs::write(
        &file,
        "item_id,label\ndigit_0005,5\nno_such_item,1\ndigit_0006,cat\ndigit_0005,4\n",
    )
    .expect("csv");
    let e = add(
        &mut p,
        &AddOptions {
            source: Source::File(file.clone()),
            dataset: None,
            share: None,
            count: None,
            seed: 1,
            by: None,
        },
    )
    .expect_err("bad file");
    let text = e.to_string();
    assert!(text.contains("bad.csv"), "{text}");
    assert!(
        text.contains("row 2 (line 3): item \"no_such_item\" is not in digits@1"),
        "{text}"
    );
    assert!(
        text.contains("row 3 (line 4): label \"cat\" is not in the schema"),
        "{text}"
    );
    assert!(
        text.contains("row 4 (line 5): item \"digit_0005\" is given \"4\" here and \"5\" on row 1"),
        "{text}"
    );
    std::fs::write(&file, "item,answer\ndigit_0005,5\n").expect("csv");
    let e = add(
        &mut p,
        &AddOptions {
            source: Source::File(file),
            dataset: None,
            share: None,
            count: None,
            seed: 1,
            by: None,
        },
    )
    .expect_err("header");
    assert!(e.to_string().contains("item_id and label"), "{e}");
    // Only a lead records answers.
    let mut o = given(None, Some(1), 1);
    o.by = Some("ana".into());
    let e = add(&mut p, &o).expect_err("not a lead");
    assert!(e.to_string().contains("only a lead"), "{e}");
    // Removing an item that is not gold.
    let e = remove(&mut p, None, &["digit_1000".into()], false, None).expect_err("not gold");
    assert!(
        e.to_string()
            .contains("\"digit_1000\" of digits@1 is not a gold item"),
        "{e}"
    );
    assert_eq!(written(&p), before);
}

#[test]
fn removal_is_an_event_too_and_the_item_is_decided_by_its_votes_again() {
    let (_d, mut p) = digits();
    let file = _d.path().join("gold.csv");
    std::fs::write(&file, "item_id,label\ndigit_0000,0\ndigit_0001,1\n").expect("csv");
    add(
        &mut p,
        &AddOptions {
            source: Source::File(file),
            dataset: None,
            share: None,
            count: None,
            seed: 1,
            by: None,
        },
    )
    .expect("file");
    label(&mut p, "digit_0000", "ana", "9", From::Manual);
    assert_eq!(
        crate::decide::decision(&p, rowid(&p, "digit_0000"))
            .expect("d")
            .rule,
        Some(How::Gold)
    );
    assert_eq!(
        remove(&mut p, None, &["digit_0000".into()], false, Some("lea")).expect("rm"),
        1
    );
    let d = crate::decide::decision(&p, rowid(&p, "digit_0000")).expect("d");
    assert_eq!(
        (d.label.as_deref(), d.rule),
        (Some("9"), Some(How::Unanimous))
    );
    assert_eq!(list(&p, None).expect("list").len(), 1);
    assert_eq!(remove(&mut p, None, &[], true, None).expect("all"), 1);
    assert!(list(&p, None).expect("list").is_empty());
    // The answers' history stays in the events: two answers, two removals.
    assert_eq!(
        count(
            &p,
            "SELECT COUNT(*) FROM setting_events WHERE key LIKE 'gold:%'"
        ),
        4
    );
    assert_eq!(
        count(
            &p,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'gold.remove'"
        ),
        2
    );
}
