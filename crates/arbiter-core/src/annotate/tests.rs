use super::*;
use crate::dataset;
use crate::decide::{self, How, Rule, Status};
use crate::testutil::{fixtures, imported_project};

fn project() -> (tempfile::TempDir, Project, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let source = fixtures().join("tabular/wine.csv");
    let (p, s) = imported_project(dir.path(), &source, None, false);
    let v = dataset::resolve(&p, &s.dataset).expect("v").id;
    for (n, r) in [
        ("ana", Role::Annotator),
        ("ben", Role::Annotator),
        ("cy", Role::Annotator),
        ("rev", Role::Reviewer),
    ] {
        add_annotator(&p, n, r).expect("annotator");
    }
    (dir, p, v)
}

fn item(p: &Project, v: i64, id: &str) -> i64 {
    crate::items::find(p, v, id).expect("item").rowid
}

fn label(p: &mut Project, item: i64, who: &str, l: &str) -> Result<i64> {
    record(
        p,
        &NewAnnotation {
            seconds: Some(1.5),
            ..NewAnnotation::new(item, who, Event::Label { label: l.into() }, Source::Manual)
        },
    )
}

fn count(p: &Project) -> i64 {
    p.conn()
        .query_row("SELECT COUNT(*) FROM annotations", [], |r| r.get(0))
        .expect("count")
}

#[test]
fn events_are_checked_and_append_only() {
    let (_d, mut p, v) = project();
    let it = item(&p, v, "wine_000");
    label(&mut p, it, "ana", "class_0").expect("label");
    let e = label(&mut p, it, "ana", "class_9")
        .expect_err("unknown label")
        .to_string();
    assert!(
        e.contains(
            "label \"class_9\" is not in the project's label schema (class_0, class_1, class_2)"
        ),
        "{e}"
    );
    let e = label(&mut p, it, "zoe", "class_0")
        .expect_err("unknown annotator")
        .to_string();
    assert!(e.contains("annotator not found: zoe"), "{e}");
    let base = NewAnnotation {
        item: it,
        annotator: "ana".into(),
        event: Event::Label {
            label: "class_1".into(),
        },
        reason: Some("model_wrong".into()),
        note: Some("looks like 1".into()),
        seconds: None,
        prediction_shown: true,
        source: Source::Override,
        queue: None,
        run: None,
        created_at: None,
    };
    let e = record(&mut p, &base)
        .expect_err("annotators cannot override")
        .to_string();
    assert!(e.contains("only reviewers and leads override"), "{e}");
    let e = record(
        &mut p,
        &NewAnnotation {
            annotator: "rev".into(),
            reason: None,
            ..base.clone()
        },
    )
    .expect_err("reason")
    .to_string();
    assert!(e.contains("needs a reason"), "{e}");
    let e = record(
        &mut p,
        &NewAnnotation {
            annotator: "rev".into(),
            reason: Some("because".into()),
            ..base.clone()
        },
    )
    .expect_err("bad reason")
    .to_string();
    assert!(
        e.contains("reason \"because\" is not one of the project's reasons"),
        "{e}"
    );
    record(
        &mut p,
        &NewAnnotation {
            annotator: "rev".into(),
            ..base.clone()
        },
    )
    .expect("override");
    assert_eq!(count(&p), 2, "refused events write nothing");
    // The database itself refuses edits and deletes.
    let e = p
        .conn()
        .execute("UPDATE annotations SET label_id = NULL", [])
        .expect_err("update")
        .to_string();
    assert!(e.contains("append-only"), "{e}");
    let e = p
        .conn()
        .execute("DELETE FROM annotations", [])
        .expect_err("delete")
        .to_string();
    assert!(e.contains("append-only"), "{e}");
    assert_eq!(count(&p), 2);
}

#[test]
fn undo_retracts_the_latest_event_and_decisions_follow() {
    let (_d, mut p, v) = project();
    let it = item(&p, v, "wine_001");
    let first = label(&mut p, it, "ana", "class_0").expect("a");
    let second = label(&mut p, it, "ana", "class_1").expect("b");
    assert_eq!(
        decide::decision(&p, it).expect("d").label.as_deref(),
        Some("class_1"),
        "the latest label counts"
    );
    assert_eq!(undo(&mut p, "ana", None).expect("undo"), Some(second));
    assert_eq!(
        decide::decision(&p, it).expect("d").label.as_deref(),
        Some("class_0")
    );
    assert_eq!(undo(&mut p, "ana", None).expect("undo"), Some(first));
    assert_eq!(decide::decision(&p, it).expect("d").status, Status::Pending);
    assert_eq!(undo(&mut p, "ana", None).expect("nothing"), None);
    // Four events: two labels and two retractions, nothing deleted.
    let kinds: Vec<&str> = list(p.conn(), Some(it))
        .expect("list")
        .into_iter()
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["label", "label", "retract", "retract"]);
    // Skip and flag are events too, and undoable.
    let skip = NewAnnotation::new(it, "ben", Event::Skip, Source::Manual);
    record(&mut p, &skip).expect("skip");
    let flag = record(
        &mut p,
        &NewAnnotation {
            event: Event::Flag {
                flag: "bad_input".into(),
            },
            ..skip.clone()
        },
    )
    .expect("flag");
    let e = record(
        &mut p,
        &NewAnnotation {
            event: Event::Flag { flag: "meh".into() },
            ..skip
        },
    )
    .expect_err("bad flag")
    .to_string();
    assert!(e.contains("bad_input or unsure"), "{e}");
    assert_eq!(undo(&mut p, "ben", None).expect("undo flag"), Some(flag));
}

/// (min annotators, votes as (annotator, label, override?), status, label, rule).
type Case<'a> = (
    usize,
    &'a [(&'a str, &'a str, bool)],
    Status,
    Option<&'a str>,
    Option<How>,
);

/// The decision rule, case by case: (min annotators, [(annotator, label, override?)], expected).
#[test]
fn decisions_follow_the_documented_rule() {
    let cases: &[Case] = &[
        (
            1,
            &[("ana", "class_0", false)],
            Status::Decided,
            Some("class_0"),
            Some(How::Unanimous),
        ),
        (2, &[("ana", "class_0", false)], Status::Pending, None, None),
        (
            2,
            &[("ana", "class_0", false), ("ben", "class_0", false)],
            Status::Decided,
            Some("class_0"),
            Some(How::Unanimous),
        ),
        (
            2,
            &[("ana", "class_0", false), ("ben", "class_1", false)],
            Status::Conflict,
            None,
            None,
        ),
        (
            2,
            &[
                ("ana", "class_0", false),
                ("ben", "class_1", false),
                ("cy", "class_1", false),
            ],
            Status::Decided,
            Some("class_1"),
            Some(How::Majority),
        ),
        // The same annotator twice counts once (their latest).
        (
            2,
            &[
                ("ana", "class_0", false),
                ("ana", "class_1", false),
                ("ben", "class_1", false),
            ],
            Status::Decided,
            Some("class_1"),
            Some(How::Unanimous),
        ),
        // A reviewer's override wins over any votes.
        (
            3,
            &[
                ("ana", "class_0", false),
                ("ben", "class_0", false),
                ("rev", "class_2", true),
            ],
            Status::Decided,
            Some("class_2"),
            Some(How::Override),
        ),
        // Three-way split: no majority.
        (
            1,
            &[
                ("ana", "class_0", false),
                ("ben", "class_1", false),
                ("cy", "class_2", false),
            ],
            Status::Conflict,
            None,
            None,
        ),
    ];
    for (n, (m, votes, status, want, how)) in cases.iter().enumerate() {
        let (_d, mut p, v) = project();
        decide::set_rule(
            &p,
            Rule {
                min_annotators: *m,
                ..Rule::default()
            },
            None,
        )
        .expect("rule");
        let it = item(&p, v, "wine_002");
        for (who, l, over) in votes.iter() {
            let source = if *over {
                Source::Override
            } else {
                Source::Manual
            };
            let label = Event::Label {
                label: l.to_string(),
            };
            let a = NewAnnotation {
                reason: over.then(|| "model_wrong".to_string()),
                ..NewAnnotation::new(it, who, label, source)
            };
            record(&mut p, &a).expect("record");
        }
        let d = decide::decision(&p, it).expect("decision");
        assert_eq!(
            (d.status, d.label.as_deref(), d.rule),
            (*status, *want, *how),
            "case {n}: {votes:?}"
        );
        if d.status == Status::Decided {
            assert!(
                !d.deciders.is_empty() && !d.votes.is_empty() && d.decided_at.is_some(),
                "case {n}: provenance"
            );
        }
        let all = decide::decisions(&p, Some(v)).expect("all");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0], d);
    }
}

#[test]
fn an_annotations_file_imports_whole_or_not_at_all() {
    let (d, mut p, v) = project();
    let f = d.path().join("a.csv");
    let bad: &[(&str, &[&str])] = &[
        (
            "item_id,annotator,label\nwine_000,ana,class_0\nwine_999,ana,class_1\n",
            &["row 2 (line 3)", "unknown item \"wine_999\""],
        ),
        (
            "item_id,annotator,label\nwine_000,ana,class_0\nwine_001,ben,class_7\n",
            &["row 2 (line 3)", "label \"class_7\""],
        ),
        (
            "item_id,annotator,label,reason\nwine_000,ana,class_0,whim\n",
            &["row 1 (line 2)", "reason \"whim\""],
        ),
        (
            "item_id,annotator,label,created_at\nwine_000,ana,class_0,yesterday\n",
            &["row 1", "RFC 3339"],
        ),
        (
            "item,annotator,label\nwine_000,ana,class_0\n",
            &["missing column(s) item_id"],
        ),
    ];
    for (text, needles) in bad {
        std::fs::write(&f, text).expect("w");
        let e = import_file(&mut p, &f, v).expect_err("refused").to_string();
        assert!(e.contains("a.csv"), "{e}");
        for n in *needles {
            assert!(e.contains(n), "{e:?} should contain {n:?}");
        }
        assert_eq!(count(&p), 0, "nothing imported: {text}");
        assert_eq!(annotators(&p).expect("a").len(), 4, "no annotator added");
    }
    std::fs::write(
        &f,
        "item_id,annotator,label,reason,note,created_at\nwine_000,ana,class_0,,,2026-11-01T10:00:00Z\nwine_000,zoe,class_1,ambiguous,hard one,2026-11-01T10:01:00Z\n",
    )
    .expect("w");
    let s = import_file(&mut p, &f, v).expect("import");
    assert_eq!(
        (s.annotations, s.annotators_added.clone()),
        (2, vec!["zoe".to_string()])
    );
    let rows = list(p.conn(), None).expect("list");
    assert_eq!(rows[1].annotator, "zoe");
    assert_eq!(rows[1].reason.as_deref(), Some("ambiguous"));
    assert_eq!(rows[1].created_at, "2026-11-01T10:01:00.000Z");
    assert!(rows.iter().all(|r| r.source.as_str() == "import"));
    let j = d.path().join("a.jsonl");
    std::fs::write(
        &j,
        "{\"item_id\": \"wine_003\", \"annotator\": \"ben\", \"label\": \"class_2\"}\n",
    )
    .expect("w");
    assert_eq!(import_file(&mut p, &j, v).expect("jsonl").annotations, 1);
}

#[test]
fn a_reviewer_decides_a_conflict_without_a_reason_but_corrects_a_decided_item_with_one() {
    let (_d, mut p, v) = project();
    let it = item(&p, v, "wine_010");
    label(&mut p, it, "ana", "class_0").expect("ana");
    label(&mut p, it, "ben", "class_1").expect("ben");
    assert_eq!(
        decide::decision(&p, it).expect("d").status,
        Status::Conflict
    );
    let adjudicate = |item: i64| {
        let label = Event::Label {
            label: "class_1".into(),
        };
        NewAnnotation::new(item, "rev", label, Source::Override)
    };
    let id = record(&mut p, &adjudicate(it)).expect("adjudication without a reason");
    let d = decide::decision(&p, it).expect("d");
    assert_eq!(
        (d.status, d.rule, d.label.as_deref()),
        (Status::Decided, Some(How::Override), Some("class_1"))
    );
    assert_eq!(d.votes[0].annotation, id);
    assert_eq!(d.votes[0].reason, None);
    // Not a conflict (decided, or no votes at all): an override corrects, and needs a reason.
    let other = item(&p, v, "wine_011");
    label(&mut p, other, "ana", "class_0").expect("ana");
    for it in [other, item(&p, v, "wine_012")] {
        let e = record(&mut p, &adjudicate(it))
            .expect_err("needs a reason")
            .to_string();
        assert!(e.contains("needs a reason code"), "{e}");
    }
    // The reasons-by-class report does not count an adjudication without a reason.
    let r = crate::metrics::report(&p, None).expect("report");
    assert!(r.reasons_by_class.is_empty(), "{:?}", r.reasons_by_class);
}

#[test]
fn imported_times_are_stored_as_utc_in_the_stores_own_form() {
    let ok: &[(&str, &str)] = &[
        ("2026-11-01T10:00:00Z", "2026-11-01T10:00:00.000Z"),
        ("2026-11-01 10:00:00+02:00", "2026-11-01T08:00:00.000Z"),
        ("2026-11-01t10:00:00.5z", "2026-11-01T10:00:00.500Z"),
        (
            "2026-11-01T10:00:00.123456-05:30",
            "2026-11-01T15:30:00.123Z",
        ),
        // Across midnight, a month, a year and a leap day.
        ("2026-01-01T01:00:00+02:00", "2025-12-31T23:00:00.000Z"),
        ("2028-02-28T23:30:00-01:00", "2028-02-29T00:30:00.000Z"),
        ("2027-02-28T23:30:00-01:00", "2027-03-01T00:30:00.000Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),
        ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
    ];
    for (input, want) in ok {
        assert_eq!(normalize_time(input).as_deref(), Ok(*want), "{input}");
    }
    for bad in [
        "yesterday",
        "2026-11-01T10:00:00",
        "2026-11-01T10:00:00+2:00",
        "2026-13-01T10:00:00Z",
        "2027-02-29T10:00:00Z",
        "2026-11-01T24:00:00Z",
        "2026-11-01T10:00:00.Z",
        "2026-11-01T10:00:00ZZ",
        "2026-11-01X10:00:00Z",
        "0000-01-01T00:00:00+01:00",
        "2026-11-01T10:00:00+02:00 extra",
    ] {
        assert!(normalize_time(bad).is_err(), "{bad} must be refused");
    }
}

#[test]
fn an_import_normalises_offsets_and_names_the_row_it_refuses() {
    let (d, mut p, v) = project();
    let f = d.path().join("times.csv");
    std::fs::write(
        &f,
        "item_id,annotator,label,created_at\nwine_000,ana,class_0,2026-11-01 10:00:00+02:00\nwine_001,ana,class_0,2026-11-01T09:00:00Z\nwine_002,ana,class_0,2026-11-01T10:00:00+02:00\nwine_003,ana,class_0,2026-11-01T10:00:00\n",
    )
    .expect("w");
    let e = import_file(&mut p, &f, v).expect_err("no zone").to_string();
    assert!(
        e.contains("times.csv: invalid annotations file")
            && e.contains("row 4 (line 5)")
            && e.contains("no time zone"),
        "{e}"
    );
    assert!(
        !e.contains("row 1 ") && !e.contains("dataset source"),
        "{e}"
    );
    assert_eq!(count(&p), 0, "nothing imported");
    let text = std::fs::read_to_string(&f).expect("r");
    std::fs::write(&f, text.lines().take(4).collect::<Vec<_>>().join("\n")).expect("w");
    import_file(&mut p, &f, v).expect("import");
    let times: Vec<String> = list(p.conn(), None)
        .expect("list")
        .into_iter()
        .map(|r| r.created_at)
        .collect();
    assert_eq!(
        times,
        [
            "2026-11-01T08:00:00.000Z",
            "2026-11-01T09:00:00.000Z",
            "2026-11-01T08:00:00.000Z"
        ]
    );
    // Compared as text, the times order as instants: 08:00 UTC comes before 09:00 UTC.
    let first: String = p
        .conn()
        .query_row("SELECT MIN(created_at) FROM annotations", [], |r| r.get(0))
        .expect("min");
    assert_eq!(first, "2026-11-01T08:00:00.000Z");
}

#[test]
fn undo_on_an_item_retracts_that_items_event_only() {
    let (_d, mut p, v) = project();
    let (i10, i11) = (item(&p, v, "wine_010"), item(&p, v, "wine_011"));
    let on_10 = label(&mut p, i10, "ana", "class_0").expect("10");
    let on_11 = label(&mut p, i11, "ana", "class_1").expect("11");
    // ana's latest event is on wine_011; undoing on wine_010 retracts wine_010's.
    assert_eq!(
        undo_on(&mut p, "ana", None, Some(i10)).expect("undo"),
        Some(on_10)
    );
    assert_eq!(
        decide::decision(&p, i10).expect("d").status,
        Status::Pending
    );
    assert_eq!(
        decide::decision(&p, i11).expect("d").label.as_deref(),
        Some("class_1"),
        "wine_011 keeps its label"
    );
    // Nothing left on wine_010: nothing to undo there, and wine_011 is still untouched.
    assert_eq!(undo_on(&mut p, "ana", None, Some(i10)).expect("none"), None);
    assert_eq!(undo(&mut p, "ana", None).expect("undo"), Some(on_11));
}

#[test]
fn importing_the_same_annotations_again_adds_nothing() {
    let (d, mut p, v) = project();
    let f = d.path().join("labels.csv");
    std::fs::write(
        &f,
        "item_id,annotator,label,note,created_at\nwine_000,dan,class_0,,2026-11-01T10:00:00Z\nwine_001,dan,class_1,looks odd,\nwine_001,dan,class_1,looks odd,\n",
    )
    .expect("w");
    let first = import_file(&mut p, &f, v).expect("first");
    // The file's own repeated row is stored once.
    assert_eq!((first.annotations, first.already_present), (2, 1));
    assert_eq!(first.annotators_added, ["dan"]);
    let before = count(&p);
    let again = import_file(&mut p, &f, v).expect("again");
    assert_eq!((again.annotations, again.already_present), (0, 3));
    assert_eq!(count(&p), before, "nothing stored again");
    // A row that differs (another time) is a new event.
    std::fs::write(
        &f,
        "item_id,annotator,label,created_at\nwine_000,dan,class_0,2026-11-02T10:00:00Z\n",
    )
    .expect("w");
    assert_eq!(import_file(&mut p, &f, v).expect("new").annotations, 1);
}

#[test]
fn implausible_times_and_unprintable_names_are_refused_naming_the_row() {
    let (d, mut p, v) = project();
    let f = d.path().join("bad.csv");
    std::fs::write(
        &f,
        "item_id,annotator,label,created_at\nwine_000,ana,class_0,2099-01-01T00:00:00Z\nwine_001,ana,class_0,0001-01-01T00:00:00Z\nwine_002,\"an\na\",class_0,\n",
    )
    .expect("w");
    let before = count(&p);
    let e = import_file(&mut p, &f, v).expect_err("refused").to_string();
    assert!(
        e.contains(
            "row 1 (line 2): created_at \"2099-01-01T00:00:00Z\" is outside the plausible range"
        ),
        "{e}"
    );
    assert!(
        e.contains("row 2 (line 3): created_at \"0001-01-01T00:00:00Z\""),
        "{e}"
    );
    assert!(
        e.contains("row 3 (line 4): annotator name \"an\\na\" holds a control character"),
        "{e}"
    );
    assert_eq!(count(&p), before);
    let msg = add_annotator(&p, "eve\nmallory", Role::Annotator)
        .expect_err("newline")
        .to_string();
    assert!(msg.contains("holds a control character"), "{msg}");
    let msg = add_annotator(&p, &"x".repeat(65), Role::Annotator)
        .expect_err("long")
        .to_string();
    assert!(msg.contains("longer than 64 characters"), "{msg}");
}
