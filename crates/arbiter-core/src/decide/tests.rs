use super::*;

/// One event: (annotator, label, override?). Ids follow the order given.
type Ev<'a> = (&'a str, &'a str, bool);

fn events(votes: &[Ev<'_>]) -> Vec<AnnotationRow> {
    votes
        .iter()
        .enumerate()
        .map(|(i, (who, label, over))| AnnotationRow {
            id: i as i64 + 1,
            item_id: "x".into(),
            item: 7,
            annotator: who.to_string(),
            role: if *over { "reviewer" } else { "annotator" }
                .parse()
                .expect("role"),
            kind: "label".parse().expect("kind"),
            label: Some(label.to_string()),
            reason: None,
            note: None,
            flag: None,
            seconds: None,
            prediction_shown: false,
            source: if *over { "override" } else { "manual" }
                .parse()
                .expect("source"),
            retracts: None,
            queue: None,
            created_at: format!("2026-11-01T10:00:{:02}.000Z", i),
            uid: format!("0000-{i:04}"),
        })
        .collect()
}

/// Decide `votes` under (mode, min annotators, needed) and compare with
/// (status, label, rule, votes needed).
fn check(
    (mode, min, needed): (Mode, usize, usize),
    votes: &[Ev<'_>],
    expected: (Status, Option<&str>, Option<How>, usize),
) {
    let rule = Rule {
        mode,
        min_annotators: min,
    };
    let d = decide(&events(votes), rule, needed);
    assert_eq!(
        (d.status, d.label.as_deref(), d.rule, d.votes_needed),
        expected,
        "{mode:?}, min {min}, needed {needed}: {votes:?}"
    );
    match d.status {
        Status::Decided => assert!(
            !d.deciders.is_empty() && d.decided_at.is_some(),
            "provenance: {d:?}"
        ),
        _ => assert!(d.deciders.is_empty() && d.decided_at.is_none(), "{d:?}"),
    }
}

const MAJ: Mode = Mode::Majority;
const UNA: Mode = Mode::Unanimous;

#[test]
fn an_overlap_item_waits_for_its_k_votes() {
    use How::*;
    use Status::*;
    // k = 3: one or two agreeing votes are not a decision.
    check(
        (MAJ, 1, 3),
        &[("a", "cat", false)],
        (Pending, None, None, 3),
    );
    check(
        (MAJ, 1, 3),
        &[("a", "cat", false), ("b", "cat", false)],
        (Pending, None, None, 3),
    );
    check(
        (MAJ, 1, 3),
        &[
            ("a", "cat", false),
            ("b", "cat", false),
            ("c", "cat", false),
        ],
        (Decided, Some("cat"), Some(Unanimous), 3),
    );
    // The same annotator twice is one vote (the latest).
    check(
        (MAJ, 1, 3),
        &[
            ("a", "cat", false),
            ("a", "dog", false),
            ("b", "dog", false),
        ],
        (Pending, None, None, 3),
    );
    // k = 3, majority: 2 against 1 decides; a three-way split is a conflict.
    check(
        (MAJ, 1, 3),
        &[
            ("a", "cat", false),
            ("b", "dog", false),
            ("c", "cat", false),
        ],
        (Decided, Some("cat"), Some(Majority), 3),
    );
    check(
        (MAJ, 1, 3),
        &[
            ("a", "cat", false),
            ("b", "dog", false),
            ("c", "owl", false),
        ],
        (Conflict, None, None, 3),
    );
    // k = 2: a tie is a conflict, agreement unanimous, one vote pending.
    check(
        (MAJ, 1, 2),
        &[("a", "cat", false)],
        (Pending, None, None, 2),
    );
    check(
        (MAJ, 1, 2),
        &[("a", "cat", false), ("b", "dog", false)],
        (Conflict, None, None, 2),
    );
    check(
        (MAJ, 1, 2),
        &[("a", "cat", false), ("b", "cat", false)],
        (Decided, Some("cat"), Some(Unanimous), 2),
    );
    // The larger of the rule's minimum and k counts.
    check(
        (MAJ, 3, 2),
        &[("a", "cat", false), ("b", "cat", false)],
        (Pending, None, None, 3),
    );
    check(
        (MAJ, 2, 1),
        &[("a", "cat", false)],
        (Pending, None, None, 2),
    );
    // Outside any overlap (needed 1) one vote decides under the default rule.
    check(
        (MAJ, 1, 1),
        &[("a", "cat", false)],
        (Decided, Some("cat"), Some(Unanimous), 1),
    );
}

#[test]
fn a_reviewers_override_always_wins() {
    use How::*;
    use Status::*;
    // Before any vote, with one vote of three, or against a majority.
    check(
        (MAJ, 1, 3),
        &[("rev", "owl", true)],
        (Decided, Some("owl"), Some(Override), 3),
    );
    check(
        (UNA, 2, 3),
        &[("a", "cat", false), ("rev", "owl", true)],
        (Decided, Some("owl"), Some(Override), 3),
    );
    check(
        (MAJ, 1, 2),
        &[
            ("a", "cat", false),
            ("b", "cat", false),
            ("rev", "dog", true),
        ],
        (Decided, Some("dog"), Some(Override), 2),
    );
    // The latest override decides.
    check(
        (MAJ, 1, 2),
        &[
            ("rev", "dog", true),
            ("a", "cat", false),
            ("lead", "cat", true),
        ],
        (Decided, Some("cat"), Some(Override), 2),
    );
}

#[test]
fn unanimous_mode_turns_a_majority_into_a_conflict() {
    use How::*;
    use Status::*;
    let two_one = &[
        ("a", "cat", false),
        ("b", "dog", false),
        ("c", "cat", false),
    ];
    check(
        (MAJ, 3, 1),
        two_one,
        (Decided, Some("cat"), Some(Majority), 3),
    );
    check((UNA, 3, 1), two_one, (Conflict, None, None, 3));
    check((UNA, 1, 3), two_one, (Conflict, None, None, 3));
    check(
        (UNA, 2, 1),
        &[("a", "cat", false), ("b", "cat", false)],
        (Decided, Some("cat"), Some(Unanimous), 2),
    );
    check(
        (UNA, 2, 1),
        &[("a", "cat", false)],
        (Pending, None, None, 2),
    );
}

#[test]
fn retracted_votes_do_not_count() {
    let mut ev = events(&[("a", "cat", false), ("b", "cat", false)]);
    ev.push(AnnotationRow {
        id: 3,
        kind: "retract".parse().expect("kind"),
        label: None,
        retracts: Some(2),
        ..ev[1].clone()
    });
    let d = decide(&ev, Rule::default(), 2);
    assert_eq!((d.status, d.votes.len()), (Status::Pending, 1));
}

#[test]
fn the_rule_reads_old_settings_and_writes_its_mode() {
    let old: Rule = serde_json::from_str(r#"{"min_annotators":2}"#).expect("old json");
    assert_eq!(
        old,
        Rule {
            mode: Mode::Majority,
            min_annotators: 2
        }
    );
    let json = serde_json::to_value(Rule {
        mode: Mode::Unanimous,
        min_annotators: 3,
    })
    .expect("json");
    assert_eq!(
        json,
        serde_json::json!({"mode": "unanimous", "min_annotators": 3})
    );
    assert_eq!(Mode::parse("unanimous").expect("mode"), Mode::Unanimous);
    let e = Mode::parse("most").expect_err("bad").to_string();
    assert!(e.contains("majority, unanimous or dawid-skene"), "{e}");
}

#[test]
fn status_and_rule_names_are_their_serialised_names() {
    for s in [Status::Decided, Status::Conflict, Status::Pending] {
        assert_eq!(serde_json::json!(s), s.as_str());
    }
    for h in [
        How::Override,
        How::Unanimous,
        How::Majority,
        How::DawidSkene,
    ] {
        assert_eq!(serde_json::json!(h), h.as_str());
    }
}

const DS: Rule = Rule {
    mode: Mode::DawidSkene,
    min_annotators: 1,
};

/// Labels and probabilities, as the project's fit gives them.
fn fitted<'a>(labels: &'a [String], p: &'a [f64]) -> Option<(&'a [String], &'a [f64])> {
    Some((labels, p))
}

#[test]
fn by_annotator_quality_the_most_probable_label_decides_even_against_the_votes() {
    let labels = vec!["cat".to_string(), "dog".to_string()];
    let votes = &[
        ("a", "cat", false),
        ("b", "cat", false),
        ("c", "dog", false),
    ];
    // The fit trusts c: dog, though two of three voted cat.
    let d = decide_with(&events(votes), DS, 1, fitted(&labels, &[0.2, 0.8]));
    assert_eq!(
        (d.status, d.label.as_deref(), d.rule),
        (Status::Decided, Some("dog"), Some(How::DawidSkene))
    );
    assert_eq!(d.deciders, vec!["c"]);
    assert_eq!(d.probability, Some(0.8));
    let p = d.posterior.expect("posterior");
    assert_eq!(
        p.iter()
            .map(|x| (x.label.as_str(), x.probability))
            .collect::<Vec<_>>(),
        vec![("dog", 0.8), ("cat", 0.2)]
    );
    // A unanimous item is decided by the fit too, under its name.
    let d = decide_with(
        &events(&[("a", "cat", false)]),
        DS,
        1,
        fitted(&labels, &[0.9, 0.1]),
    );
    assert_eq!(d.rule, Some(How::DawidSkene));
}

#[test]
fn by_annotator_quality_a_tie_is_a_conflict_pending_waits_and_an_override_wins() {
    let labels = vec!["cat".to_string(), "dog".to_string()];
    let two = &[("a", "cat", false), ("b", "dog", false)];
    // An exact tie, and one within 1e-9: no label is picked by name.
    for p in [[0.5, 0.5], [0.5 + 4e-10, 0.5 - 4e-10]] {
        let d = decide_with(&events(two), DS, 1, fitted(&labels, &p));
        assert_eq!((d.status, d.label, d.rule), (Status::Conflict, None, None));
        assert!(d.posterior.is_some() && d.probability.is_none());
    }
    // The fit's favourite is a label nobody on the item gave: a reviewer's call.
    let d = decide_with(
        &events(&[("a", "cat", false), ("b", "cat", false)]),
        DS,
        1,
        fitted(&labels, &[0.3, 0.7]),
    );
    assert_eq!(
        (d.status, d.label, d.probability),
        (Status::Conflict, None, None)
    );
    // Just outside the band: decided.
    let d = decide_with(
        &events(two),
        DS,
        1,
        fitted(&labels, &[0.5 + 1e-8, 0.5 - 1e-8]),
    );
    assert_eq!(d.status, Status::Decided);
    // Fewer votes than needed: pending, whatever the fit says (the posterior is shown).
    let d = decide_with(&events(two), DS, 3, fitted(&labels, &[0.9, 0.1]));
    assert_eq!((d.status, d.votes_needed), (Status::Pending, 3));
    assert!(d.posterior.is_some());
    // An override wins; the posterior of its label is shown.
    let d = decide_with(
        &events(&[("a", "cat", false), ("rev", "dog", true)]),
        DS,
        1,
        fitted(&labels, &[0.9, 0.1]),
    );
    assert_eq!(
        (d.status, d.label.as_deref(), d.rule, d.probability),
        (Status::Decided, Some("dog"), Some(How::Override), Some(0.1))
    );
    // Without the project's fit (one item's events alone), enough votes are a conflict.
    let d = decide(&events(two), DS, 1);
    assert_eq!(d.status, Status::Conflict);
    // The other modes carry no posterior.
    let d = decide_with(&events(two), Rule::default(), 1, None);
    assert!(d.posterior.is_none() && d.probability.is_none());
    let json = serde_json::to_value(&d).expect("json");
    assert!(json.get("posterior").is_none() && json.get("probability").is_none());
}

#[test]
fn the_dawid_skene_mode_reads_and_writes_its_name() {
    assert_eq!(Mode::parse("dawid-skene").expect("mode"), Mode::DawidSkene);
    assert_eq!(serde_json::json!(Mode::DawidSkene), "dawid-skene");
    assert_eq!(serde_json::json!(How::DawidSkene), "dawid-skene");
    assert_eq!("dawid-skene".parse::<How>().expect("how"), How::DawidSkene);
    let r: Rule =
        serde_json::from_str(r#"{"mode":"dawid-skene","min_annotators":2}"#).expect("rule");
    assert_eq!(r.mode, Mode::DawidSkene);
}
