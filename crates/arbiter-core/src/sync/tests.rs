use std::path::{Path, PathBuf};

use super::clone::{clone, CloneOptions, Media};
use super::*;
use crate::annotate::{add_annotator, record, undo, Event, NewAnnotation, Role, Source};
use crate::queue::{splitmix64, QueueSpec, Strategy};
use crate::review::{create, QueueCreate};

/// Wine with a forest run, a reviewer and a saved overlap queue "q" (k = 2 on half the items).
fn lead(dir: &Path) -> Project {
    let source = crate::testutil::fixtures().join("tabular/wine.csv");
    let (mut p, imported) = crate::testutil::imported_project(dir, &source, None, false);
    let run = crate::testutil::model_run(&mut p, "wine_forest.onnx", &imported.dataset, 64);
    add_annotator(&p, "rev", Role::Reviewer).expect("rev");
    for n in ["ana", "ben"] {
        add_annotator(&p, n, Role::Annotator).expect("annotator");
    }
    create(&mut p, &queue("q", run, Vec::new())).expect("queue");
    p
}

fn queue(name: &str, run: i64, assign: Vec<String>) -> QueueCreate {
    QueueCreate {
        name: name.into(),
        spec: QueueSpec {
            run,
            strategy: Strategy::Random,
            other_run: None,
            threshold: None,
            seed: 3,
            calibrated: false,
        },
        limit: Some(40),
        overlap_share: 0.5,
        overlap_k: 2,
        blind: false,
        lease_seconds: 600,
        assign,
        gold: Default::default(),
    }
}

fn replica(src: &Project, dst: &Path) -> Project {
    clone(
        src.root(),
        dst,
        &CloneOptions {
            media: Media::Keep,
            queues: Vec::new(),
        },
    )
    .expect("clone");
    Project::open(dst).expect("open clone")
}

/// An item by its id, or by its number: wine's `wine_007` is "7".
fn item(p: &Project, ext: &str) -> i64 {
    let id = match ext.parse::<u32>() {
        Ok(n) => format!("wine_{n:03}"),
        Err(_) => ext.to_string(),
    };
    p.conn()
        .query_row("SELECT id FROM items WHERE ext_id = ?1", [&id], |r| {
            r.get(0)
        })
        .expect("item")
}

fn ext(n: &str) -> String {
    format!("wine_{:03}", n.parse::<u32>().expect("number"))
}

fn label(p: &mut Project, ext: &str, who: &str, label: &str) {
    let it = item(p, ext);
    record(
        p,
        &NewAnnotation::new(
            it,
            who,
            Event::Label {
                label: label.into(),
            },
            Source::Manual,
        ),
    )
    .expect("label");
}

fn overrule(p: &mut Project, ext: &str, label: &str) {
    let it = item(p, ext);
    record(
        p,
        &NewAnnotation {
            reason: Some("model_wrong".into()),
            ..NewAnnotation::new(
                it,
                "rev",
                Event::Label {
                    label: label.into(),
                },
                Source::Override,
            )
        },
    )
    .expect("override");
}

/// A pack of `from` for `to`: everything, or only what `to` lacks.
fn pack(from: &Project, to: &Project, file: &Path, incremental: bool) -> PathBuf {
    let since = incremental.then(|| status(to).expect("status").stamp);
    export(from, file, since.as_ref()).expect("export").file
}

fn send(from: &Project, to: &mut Project, file: &Path, incremental: bool) -> Imported {
    let f = pack(from, to, file, incremental);
    import(to, &[f], false).expect("import").remove(0)
}

/// What every replica must agree on, as the command line prints it: the decisions, the
/// agreement, the label schema and the decision rule.
/// The lean conflict count (what an import reports) names the items whose full decision is a
/// conflict, over every item and over a part of them.
fn lean_conflicts_hold(p: &Project) {
    let full: HashSet<i64> = crate::decide::decisions(p, None)
        .expect("decisions")
        .iter()
        .filter(|d| d.status == crate::decide::Status::Conflict)
        .map(|d| d.item)
        .collect();
    let lean = crate::decide::conflict_items(p.conn(), None).expect("lean");
    assert_eq!(lean, full);
    let odd: HashSet<i64> = (1..400).step_by(2).collect();
    let lean = crate::decide::conflict_items(p.conn(), Some(&odd)).expect("lean");
    assert_eq!(lean, full.intersection(&odd).copied().collect());
}

fn snapshot(p: &Project) -> String {
    let decisions = crate::decide::decisions(p, None).expect("decisions");
    let ratings = crate::metrics::project_ratings(p, None).expect("ratings");
    let scale = crate::metrics::project_scale(p).expect("scale");
    let agreement = crate::metrics::agreement::report_on(&ratings, &scale);
    let labels: Vec<_> = crate::schema::labels(p)
        .expect("labels")
        .into_iter()
        .map(|l| (l.name, l.hotkey, l.color, l.guideline, l.position))
        .collect();
    // Queues by name (their local ids, which order `queues`, differ between replicas).
    let mut queues: Vec<_> = crate::review::list(p)
        .expect("queues")
        .into_iter()
        .map(|q| {
            let c = crate::review::counts(p, q.id).expect("counts");
            (
                q.name,
                q.assignees,
                c.total,
                c.done,
                c.partial,
                c.skipped,
                c.flagged,
            )
        })
        .collect();
    queues.sort_by(|a, b| a.0.cmp(&b.0));
    serde_json::to_string_pretty(&serde_json::json!({
        "decisions": decisions,
        "agreement": agreement,
        "labels": labels,
        "rule": crate::decide::rule(p).expect("rule"),
        "ordinal": crate::schema::ordinal(p).expect("ordinal"),
        "queues": queues,
    }))
    .expect("json")
}

/// The maintained queue counters equal the full scan over the events, for every queue.
fn counters_hold(p: &Project) {
    for q in crate::review::list(p).expect("queues") {
        assert_eq!(
            crate::review::tests::kept_counts(p.conn(), q.id),
            crate::review::tests::scanned_counts(p.conn(), q.id),
            "queue {}",
            q.name
        );
    }
}

#[test]
fn three_replicas_label_offline_exchange_in_different_orders_and_agree_byte_for_byte() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let mut c = replica(&a, &d.path().join("c"));
    let ids: Vec<String> = [&a, &b, &c]
        .iter()
        .map(|p| crate::identity::identity(p).expect("id").replica_id)
        .collect();
    assert_eq!(
        ids.iter().collect::<std::collections::HashSet<_>>().len(),
        3,
        "every replica has its own id"
    );
    assert_eq!(
        crate::identity::identity(&b).expect("b").project_id,
        crate::identity::identity(&a).expect("a").project_id
    );
    // Offline work: labels, an undo, an override, a new annotator on one replica.
    label(&mut a, "0", "ana", "class_0");
    label(&mut a, "1", "ana", "class_1");
    label(&mut b, "0", "ben", "class_2");
    label(&mut b, "2", "ben", "class_1");
    undo(&mut b, "ben", None).expect("undo");
    label(&mut b, "2", "ben", "class_2");
    add_annotator(&c, "cy", Role::Annotator).expect("cy");
    label(&mut c, "0", "cy", "class_0");
    label(&mut c, "1", "cy", "class_0");
    add_annotator(&c, "rev", Role::Reviewer).expect("rev");
    overrule(&mut c, "1", "class_2");
    crate::decide::set_rule(
        &c,
        crate::decide::Rule {
            mode: crate::decide::Mode::Majority,
            min_annotators: 2,
        },
        None,
    )
    .expect("rule");
    // Exchange: a → b → c, c → a (full), b → a (incremental), a → c, b ← c.
    let f = |n: &str| d.path().join(format!("{n}.pack"));
    send(&a, &mut b, &f("ab"), true);
    send(&b, &mut c, &f("bc"), false);
    let i = send(&c, &mut a, &f("ca"), false);
    assert!(i.annotators_added >= 1, "cy reached a: {i:?}");
    send(&b, &mut a, &f("ba"), true);
    send(&a, &mut c, &f("ac"), true);
    send(&c, &mut b, &f("cb"), true);
    let (sa, sb, sc) = (snapshot(&a), snapshot(&b), snapshot(&c));
    assert_eq!(sa, sb);
    assert_eq!(sa, sc);
    // Item 0: ana class_0, ben class_2, cy class_0 → majority class_0; item 1: overridden.
    let ds = crate::decide::decisions(&a, None).expect("d");
    let by = |n: &str| ds.iter().find(|d| d.item_id == ext(n)).expect("decision");
    assert_eq!(by("0").label.as_deref(), Some("class_0"));
    assert_eq!(by("1").label.as_deref(), Some("class_2"));
    assert_eq!(by("1").rule, Some(crate::decide::How::Override));
    // ben's undone class_1 is gone everywhere; one vote, pending under min 2.
    assert_eq!(by("2").votes.len(), 1);
    assert_eq!(by("2").votes[0].label, "class_2");
    for p in [&a, &b, &c] {
        counters_hold(p);
        assert_eq!(status(p).expect("s").stamp, status(&a).expect("s").stamp);
    }
    // Identity is given once: an event's id never changes (migration 0009's trigger).
    let e = a
        .conn()
        .execute("UPDATE annotations SET uid = 'x' WHERE id = 1", [])
        .expect_err("append-only")
        .to_string();
    assert!(e.contains("never changes"), "{e}");
}

#[test]
fn importing_a_pack_twice_or_an_older_one_adds_nothing() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    label(&mut a, "0", "ana", "class_0");
    let first = pack(&a, &b, &d.path().join("1.pack"), false);
    label(&mut a, "1", "ana", "class_1");
    let second = pack(&a, &b, &d.path().join("2.pack"), false);
    let got = import(&mut b, std::slice::from_ref(&second), false).expect("import");
    assert_eq!(got[0].events_added, 2);
    let before = snapshot(&b);
    let stamp = status(&b).expect("s");
    let again = import(&mut b, &[second, first], false).expect("again");
    assert!(again.iter().all(|i| i.events_added == 0), "{again:?}");
    assert!(again.iter().all(|i| i.events_known > 0), "{again:?}");
    assert_eq!(snapshot(&b), before);
    assert_eq!(status(&b).expect("s"), stamp);
    let n: i64 = b
        .conn()
        .query_row("SELECT COUNT(*) FROM annotations", [], |r| r.get(0))
        .expect("n");
    assert_eq!(n, 2);
}

#[test]
fn a_dry_run_says_what_a_pack_adds_and_writes_nothing() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    label(&mut a, "0", "ana", "class_0");
    add_annotator(&a, "eve", Role::Annotator).expect("eve");
    label(&mut a, "0", "eve", "class_1");
    label(&mut b, "3", "ben", "class_1");
    let f = pack(&a, &b, &d.path().join("a.pack"), true);
    let before = snapshot(&b);
    let dry = import(&mut b, std::slice::from_ref(&f), true).expect("dry");
    assert_eq!(snapshot(&b), before, "a dry run writes nothing");
    assert_eq!(
        (
            dry[0].events_added,
            dry[0].annotators_added,
            dry[0].conflicts_before,
            dry[0].conflicts_after
        ),
        (2, 1, 0, 1)
    );
    let real = import(&mut b, &[f], false).expect("real");
    assert_eq!(
        (
            real[0].events_added,
            real[0].conflicts_after,
            real[0].dry_run,
            dry[0].dry_run
        ),
        (2, 1, false, true)
    );
}

#[test]
fn refusals_name_what_is_wrong_and_write_nothing() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    label(&mut a, "0", "ana", "class_0");
    let good = pack(&a, &b, &d.path().join("good.pack"), false);
    let bytes = std::fs::read(&good).expect("read");
    let before = snapshot(&b);
    let refused = |p: &mut Project, f: &Path| -> String {
        let e = import(p, &[f.to_path_buf()], false).expect_err("refused");
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput, "{e}");
        e.to_string()
    };
    // Truncated, and damaged.
    let cut = d.path().join("cut.pack");
    std::fs::write(&cut, &bytes[..bytes.len() - 10]).expect("w");
    assert!(refused(&mut b, &cut).contains("truncated"));
    let mut bad = bytes.clone();
    let last = bad.len() - 5;
    bad[last] ^= 0x55;
    let damaged = d.path().join("damaged.pack");
    std::fs::write(&damaged, &bad).expect("w");
    assert!(refused(&mut b, &damaged).contains("damaged"));
    // Not a pack at all.
    let other = d.path().join("other.pack");
    std::fs::write(&other, b"item_id,label\n1,cat\n").expect("w");
    assert!(refused(&mut b, &other).contains("not an Arbiter event pack"));
    // A newer format.
    let newer = d.path().join("newer.pack");
    let head_end = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .expect("header")
        .0;
    let header =
        String::from_utf8_lossy(&bytes[..head_end]).replace("\"format\":1", "\"format\":2");
    let mut out = header.into_bytes();
    out.extend_from_slice(&bytes[head_end..]);
    std::fs::write(&newer, &out).expect("w");
    let e = refused(&mut b, &newer);
    assert!(
        e.contains("format 2") && e.contains("upgrade Arbiter"),
        "{e}"
    );
    // Another project: both ids named.
    let d2 = tempfile::tempdir().expect("tmp");
    let stranger = lead(d2.path());
    let foreign = export(&stranger, &d.path().join("foreign.pack"), None)
        .expect("export")
        .file;
    let e = refused(&mut b, &foreign);
    let mine = crate::identity::identity(&b).expect("id").project_id;
    let theirs = crate::identity::identity(&stranger).expect("id").project_id;
    assert!(e.contains(&mine) && e.contains(&theirs), "{e}");
    // A dataset version this replica lacks: named, with what to do.
    let src = crate::testutil::fixtures().join("digits-unlabeled");
    crate::dataset::import(
        &mut a,
        &crate::dataset::ImportOptions {
            source: src,
            name: Some("cancer".into()),
            ..Default::default()
        },
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("import cancer");
    let cancer_item: i64 = a
        .conn()
        .query_row(
            "SELECT i.id FROM items i JOIN dataset_versions v ON v.id = i.version_id JOIN datasets d ON d.id = v.dataset_id
             WHERE d.name = 'cancer' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("item");
    record(
        &mut a,
        &NewAnnotation::new(cancer_item, "ana", Event::Skip, Source::Manual),
    )
    .expect("skip");
    let lacking = pack(&a, &b, &d.path().join("lacking.pack"), true);
    let e = refused(&mut b, &lacking);
    assert!(
        e.contains("\"cancer\"") && e.contains("arbiter clone"),
        "{e}"
    );
    assert_eq!(
        snapshot(&b),
        before,
        "nothing of any refused pack was written"
    );
    // The good pack still imports.
    import(&mut b, &[good], false).expect("good");
}

#[test]
fn a_pack_naming_a_label_the_replica_lacks_is_refused_naming_it() {
    let d = tempfile::tempdir().expect("tmp");
    let a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let mut c = replica(&a, &d.path().join("c"));
    // c defines a label and uses it; b renamed nothing, but a hand-edited pack (no definition)
    // names it.
    crate::schema::add_labels(&c, &[crate::schema::LabelSpec::named("class_9")], None)
        .expect("label");
    label(&mut c, "5", "ben", "class_9");
    let full = pack(&c, &b, &d.path().join("c.pack"), true);
    let p = read_pack(&full).expect("read");
    let events: Vec<PackEvent> = p
        .events
        .into_iter()
        .filter(|e| !matches!(e, PackEvent::Setting(_)))
        .collect();
    // Rebuild a pack of the same events without the setting: its stamps now leave a gap,
    // so re-number the header's range to what it holds.
    let mut header = p.header.clone();
    let me = crate::identity::identity(&c).expect("c").replica_id;
    let (from, to) = header.ranges[&me];
    header.ranges.insert(me.clone(), (from, to));
    let mut body = zstd::stream::Encoder::new(Vec::new(), 3).expect("enc");
    let mut n = 0;
    for e in &events {
        let mut e = e.clone();
        if let PackEvent::Annotation(a) = &mut e {
            a.seq = from + 1;
            n += 1;
        }
        use std::io::Write;
        serde_json::to_writer(&mut body, &e).expect("json");
        body.write_all(b"\n").expect("nl");
    }
    let body = body.finish().expect("finish");
    header.ranges.insert(me, (from, from + n));
    header.counts = Counts {
        annotations: n as u64,
        ..Counts::default()
    };
    header.body_bytes = body.len() as u64;
    header.body_sha256 = hex(&sha2::Sha256::digest(&body));
    let f = d.path().join("nolabel.pack");
    let mut out = Vec::new();
    write_pack(&mut out, &header, &body).expect("write");
    std::fs::write(&f, out).expect("w");
    let e = import(&mut b, &[f], false)
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("label \"class_9\"") && e.contains("nothing of the pack was imported"),
        "{e}"
    );
}

#[test]
fn a_pack_that_would_leave_a_gap_is_refused_until_the_earlier_one_arrives() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let stamp_b = status(&b).expect("b").stamp;
    label(&mut a, "0", "ana", "class_0");
    let first = export(&a, &d.path().join("1.pack"), Some(&stamp_b))
        .expect("1")
        .file;
    let mid = status(&a).expect("a").stamp;
    label(&mut a, "1", "ana", "class_1");
    let second = export(&a, &d.path().join("2.pack"), Some(&mid))
        .expect("2")
        .file;
    let e = import(&mut b, std::slice::from_ref(&second), false)
        .expect_err("gap")
        .to_string();
    assert!(e.contains("earlier packs first"), "{e}");
    import(&mut b, &[first, second], false).expect("in order");
    assert_eq!(snapshot(&a), snapshot(&b));
}

#[test]
fn a_retraction_that_arrives_before_its_event_waits_for_it() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let mut c = replica(&a, &d.path().join("c"));
    // ben labels on b; a receives it, and ben undoes it on a: the retraction (made on a, whose
    // id sorts first) precedes its event (made on b) in a's packs.
    label(&mut b, "7", "ben", "class_1");
    send(&b, &mut a, &d.path().join("ba.pack"), true);
    assert!(undo(&mut a, "ben", None).expect("undo").is_some());
    send(&a, &mut c, &d.path().join("ac.pack"), false);
    let got = crate::decide::decisions(&c, None).expect("d");
    assert!(
        got.iter()
            .all(|d| d.item_id != ext("7") || d.votes.is_empty()),
        "{got:?}"
    );
    assert_eq!(status(&c).expect("c").pending, 0);
    send(&a, &mut b, &d.path().join("ab.pack"), true);
    assert_eq!(snapshot(&b), snapshot(&c));
    assert_eq!(snapshot(&a), snapshot(&c));
}

#[test]
fn settings_and_labels_changed_on_several_replicas_resolve_the_same_way_everywhere() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let edit = |p: &Project, color: &str, key: Option<&str>| {
        crate::schema::edit_label(
            p,
            "class_0",
            &crate::schema::LabelEdit {
                color: Some(color.into()),
                hotkey: key.map(|k| Some(k.to_string())),
                ..Default::default()
            },
            None,
        )
        .expect("edit");
    };
    edit(&a, "#112233", Some("q"));
    std::thread::sleep(std::time::Duration::from_millis(5));
    edit(&b, "#445566", None);
    crate::schema::add_labels(&a, &[crate::schema::LabelSpec::named("extra_a")], None).expect("a");
    crate::schema::add_labels(&b, &[crate::schema::LabelSpec::named("extra_b")], None).expect("b");
    crate::schema::set_ordinal(&b, true, None).expect("ordinal");
    send(&a, &mut b, &d.path().join("ab.pack"), true);
    send(&b, &mut a, &d.path().join("ba.pack"), true);
    assert_eq!(snapshot(&a), snapshot(&b));
    let l = crate::schema::labels(&a).expect("labels");
    let zero = l.iter().find(|l| l.name == "class_0").expect("class_0");
    // b's edit is the later one: its colour wins; it kept the hotkey it had.
    assert_eq!(zero.color, "#445566");
    let names: Vec<&str> = l.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        ["class_0", "class_1", "class_2", "extra_a", "extra_b"]
    );
    assert!(crate::schema::ordinal(&a).expect("o"));
}

#[test]
fn gold_answers_and_their_removal_travel_in_packs_and_decide_the_same_everywhere() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let file = d.path().join("gold.csv");
    std::fs::write(
        &file,
        format!(
            "item_id,label\n{},class_1\n{},class_2\n",
            ext("1"),
            ext("2")
        ),
    )
    .expect("csv");
    let from_file = |f: &Path| crate::gold::AddOptions {
        source: crate::gold::Source::File(f.to_path_buf()),
        dataset: None,
        share: None,
        count: None,
        seed: 1,
        by: None,
    };
    crate::gold::add(&mut a, &from_file(&file)).expect("gold on a");
    // b labels the gold items (wrongly, for one) before it has heard of them.
    label(&mut b, "1", "ana", "class_0");
    label(&mut b, "2", "ana", "class_2");
    send(&a, &mut b, &d.path().join("ab.pack"), true);
    send(&b, &mut a, &d.path().join("ba.pack"), true);
    assert_eq!(snapshot(&a), snapshot(&b));
    let answers = |p: &Project| -> Vec<(String, String)> {
        crate::gold::list(p, None)
            .expect("list")
            .into_iter()
            .map(|g| (g.item_id, g.label))
            .collect()
    };
    assert_eq!(answers(&a), answers(&b));
    assert_eq!(answers(&b).len(), 2);
    for p in [&a, &b] {
        let d1 = crate::decide::decision(p, item(p, "1")).expect("decision");
        assert_eq!(
            (d1.label.as_deref(), d1.rule),
            (Some("class_1"), Some(crate::decide::How::Gold))
        );
        let s = crate::gold::scores(p).expect("scores");
        assert_eq!(
            (
                s.annotators[0].estimate.items,
                s.annotators[0].estimate.correct
            ),
            (2, 1)
        );
    }
    // A queue serving gold, and a qualification, travel with their settings.
    let run: i64 = a
        .conn()
        .query_row("SELECT MAX(id) FROM runs", [], |r| r.get(0))
        .expect("run");
    let mut gq = queue("gq", run, Vec::new());
    gq.gold = crate::review::GoldServing {
        rate: 0.25,
        warmup: 2,
        qualification: None,
    };
    create(&mut a, &gq).expect("gold queue");
    let mut qq = queue("qq", run, Vec::new());
    qq.gold.qualification = Some(crate::review::Qualification {
        pass_accuracy: 0.75,
        pass_items: 4,
    });
    create(&mut a, &qq).expect("qualification");
    send(&a, &mut b, &d.path().join("ab2.pack"), true);
    for name in ["gq", "qq"] {
        let (qa, qb) = (
            crate::review::find(&a, name).expect("a"),
            crate::review::find(&b, name).expect("b"),
        );
        assert_eq!((qa.gold, qa.blind), (qb.gold, qb.blind), "{name}");
        assert_eq!(
            crate::review::counts(&a, qa.id).expect("a").total,
            crate::review::counts(&b, qb.id).expect("b").total,
            "{name}"
        );
    }
    assert_eq!(
        crate::review::find(&b, "qq")
            .expect("qq")
            .gold
            .qualification
            .map(|x| x.pass_items),
        Some(4)
    );
    // A removal on b reaches a.
    crate::gold::remove(&mut b, None, &[ext("1")], false, None).expect("remove");
    send(&b, &mut a, &d.path().join("ba2.pack"), true);
    assert_eq!(answers(&a), [(ext("2"), "class_2".to_string())]);
    assert_eq!(snapshot(&a), snapshot(&b));
}

#[test]
fn queues_saved_under_one_name_on_two_replicas_get_the_same_names_everywhere() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let run = crate::review::find(&a, "q").expect("q").run;
    create(&mut a, &queue("pass2", run, Vec::new())).expect("a");
    std::thread::sleep(std::time::Duration::from_millis(5));
    let mut later = queue("pass2", run, Vec::new());
    later.limit = Some(10);
    create(&mut b, &later).expect("b");
    let i = send(&a, &mut b, &d.path().join("ab.pack"), true);
    assert_eq!(i.renamed_queues.len(), 1, "{i:?}");
    send(&b, &mut a, &d.path().join("ba.pack"), true);
    assert_eq!(snapshot(&a), snapshot(&b));
    // The earlier keeps the name.
    assert_eq!(
        crate::review::find(&a, "pass2").expect("pass2").limit,
        Some(40)
    );
}

#[test]
fn assigned_work_splits_the_same_way_on_every_replica_and_claims_serve_only_ones_own() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    add_annotator(&a, "cy", Role::Annotator).expect("cy");
    let run = crate::review::find(&a, "q").expect("q").run;
    let names: Vec<String> = ["ana", "ben", "cy"].iter().map(|s| s.to_string()).collect();
    let q = create(&mut a, &queue("split", run, names.clone())).expect("split");
    assert_eq!(q.assignees, names);
    let mut b = replica(&a, &d.path().join("b"));
    // (item, annotator) of a queue's split, in order.
    let split_of = |p: &Project, queue: &str| -> Vec<(String, String)> {
        p.conn()
            .prepare(
                "SELECT i.ext_id, s.annotator FROM queue_assignees s JOIN items i ON i.id = s.item_id
                 JOIN queues q ON q.id = s.queue_id WHERE q.name = ?1 ORDER BY i.ext_id, s.annotator",
            )
            .expect("p")
            .query_map([queue], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("q")
            .map(|r| r.expect("row"))
            .collect()
    };
    let split = |p: &Project| split_of(p, "split");
    // Each item has exactly its `needed` annotators, and the split is rendezvous hashing.
    let needed: Vec<(String, i64)> = a
        .conn()
        .prepare("SELECT i.ext_id, q.needed FROM queue_items q JOIN items i ON i.id = q.item_id WHERE q.queue_id = ?1")
        .expect("p")
        .query_map([q.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    let s = split(&a);
    let hash: String = a
        .conn()
        .query_row(
            "SELECT content_hash FROM dataset_versions LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("hash");
    for (ext, k) in &needed {
        let mut got: Vec<&str> = s
            .iter()
            .filter(|(e, _)| e == ext)
            .map(|(_, n)| n.as_str())
            .collect();
        got.sort();
        let key = crate::review::item_key("wine", &hash, ext);
        let mut want = crate::review::rendezvous(&key, &names, *k as usize);
        want.sort();
        assert_eq!(got, want, "item {ext}");
    }
    // A queue saved on another replica and received by pack splits identically.
    let mut c = replica(&a, &d.path().join("c"));
    create(&mut c, &queue("split2", run, names.clone())).expect("split2");
    send(&c, &mut b, &d.path().join("cb.pack"), true);
    assert_eq!(split(&a), split(&b));
    assert_eq!(split_of(&b, "split2"), split_of(&c, "split2"));
    assert!(!split_of(&c, "split2").is_empty());
    // ana's claims are her items only, until none is left.
    let mine: std::collections::HashSet<String> = s
        .iter()
        .filter(|(_, n)| n == "ana")
        .map(|(e, _)| e.clone())
        .collect();
    let mut served = std::collections::HashSet::new();
    while let Some(x) = crate::review::next(&mut a, q.id, "ana").expect("next") {
        assert!(mine.contains(&x.item_id), "{} is not ana's", x.item_id);
        served.insert(x.item_id.clone());
        label(&mut a, &x.item_id, "ana", "class_0");
    }
    assert_eq!(served, mine);
    // The split is in the export's lineage.
    let out = d.path().join("x.csv");
    crate::export::export(
        &a,
        &crate::export::ExportOptions {
            out: out.clone(),
            format: crate::export::Format::Csv,
            dataset: None,
            predictions: crate::export::Predictions::None,
            only_decided: false,
            min_agreement: None,
            exclude_reasons: vec![],
            validation_share: None,
            seed: 1,
            allow_below_target: false,
        },
    )
    .expect("export");
    let lineage: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("x.csv.lineage.json")).expect("lineage"),
    )
    .expect("json");
    let listed = lineage["queues"]
        .as_array()
        .expect("queues")
        .iter()
        .find(|q| q["name"] == "split")
        .expect("split in the lineage");
    assert_eq!(listed["assignees"], serde_json::json!(["ana", "ben", "cy"]));
    // Bad lists are refused.
    for (bad, why) in [
        (vec!["ana".to_string(), "ana".to_string()], "twice"),
        (vec!["ana".to_string()], "at least 2"),
        (vec!["ana".to_string(), " ".to_string()], "empty"),
    ] {
        let e = create(&mut a, &queue("bad", run, bad))
            .expect_err("bad")
            .to_string();
        assert!(e.contains(why), "{e}");
    }
}

#[test]
fn a_copy_of_the_folder_gets_a_new_replica_id_and_the_original_keeps_its_own() {
    let d = tempfile::tempdir().expect("tmp");
    let a = lead(d.path());
    let before = crate::identity::identity(&a).expect("id");
    let root = a.root().to_path_buf();
    drop(a);
    let copy = d.path().join("copy");
    std::fs::create_dir(&copy).expect("dir");
    for f in ["arbiter.db", "arbiter.db-wal", "arbiter.db-shm"] {
        if root.join(f).exists() {
            std::fs::copy(root.join(f), copy.join(f)).expect("copy");
        }
    }
    let c = Project::open(&copy).expect("open copy");
    let after = crate::identity::identity(&c).expect("id");
    assert_eq!(after.project_id, before.project_id);
    assert_ne!(after.replica_id, before.replica_id);
    let a = Project::open(&root).expect("reopen");
    assert_eq!(crate::identity::identity(&a).expect("id"), before);
    // The copy's events are its own from now on.
    let mut c = c;
    label(&mut c, "0", "ana", "class_0");
    let s = status(&c).expect("s");
    assert_eq!(s.stamp.get(&after.replica_id), Some(&1));
}

#[test]
fn an_older_project_gets_ids_for_everything_when_first_opened() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    label(&mut a, "0", "ana", "class_0");
    undo(&mut a, "ana", None).expect("undo");
    label(&mut a, "0", "ana", "class_1");
    let root = a.root().to_path_buf();
    let decisions = snapshot(&a);
    drop(a);
    // Take the project back to schema 8: what an older Arbiter left.
    {
        let conn = rusqlite::Connection::open(root.join(crate::store::DB_FILE)).expect("db");
        conn.execute_batch(
            "DROP TRIGGER annotations_identity_once;
             DROP TRIGGER annotations_no_update;
             UPDATE annotations SET uid = NULL, origin = NULL, seq = NULL;
             UPDATE queues SET uid = NULL, origin = NULL, seq = NULL;
             UPDATE runs SET uid = NULL, origin = NULL, seq = NULL;
             DELETE FROM setting_events; DELETE FROM replica; DELETE FROM origins;
             UPDATE project SET uid = NULL;
             CREATE TRIGGER annotations_no_update BEFORE UPDATE OF item_id, annotator_id, queue_id, run_id, kind, label_id,
                 reason_id, note, flag, seconds, prediction_shown, source, retracts, created_at ON annotations
             BEGIN SELECT RAISE(ABORT, 'annotations are append-only: record a new event instead'); END;
             CREATE TRIGGER annotations_identity_once BEFORE UPDATE OF uid, origin, seq ON annotations
             WHEN OLD.uid IS NOT NULL BEGIN SELECT RAISE(ABORT, 'annotations are append-only: an event''s id never changes'); END;",
        )
        .expect("downgrade");
    }
    let mut a = Project::open(&root).expect("open");
    let s = status(&a).expect("status");
    // 3 annotations, 2 settings, 3 labels, the run and the queue.
    assert_eq!(s.stamp.values().sum::<i64>(), 10, "{s:?}");
    // The same decisions (the votes' event ids are new: ids are given now).
    let without_ids = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.trim_start().starts_with("\"event\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_ids(&snapshot(&a)), without_ids(&decisions));
    let uids: i64 = a
        .conn()
        .query_row("SELECT COUNT(DISTINCT uid) FROM annotations", [], |r| {
            r.get(0)
        })
        .expect("n");
    assert_eq!(uids, 3);
    // A replica made from it now receives everything.
    let d2 = tempfile::tempdir().expect("tmp");
    let mut b = replica(&a, &d2.path().join("b"));
    label(&mut a, "1", "ana", "class_1");
    send(&a, &mut b, &d.path().join("ab.pack"), true);
    assert_eq!(snapshot(&a), snapshot(&b));
}

#[test]
fn random_event_streams_on_three_replicas_converge_in_any_exchange_order() {
    for seed in 0..12u64 {
        converge(seed);
    }
}

/// One random history: three replicas record random events offline and exchange random
/// packs (full or incremental) in a random order; then everyone exchanges with everyone.
/// Every replica ends with the same decisions, agreement, schema and queue counters; and
/// importing every pack again changes nothing.
fn converge(seed: u64) {
    let d = tempfile::tempdir().expect("tmp");
    let mut rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x5eed;
    let mut next = |n: u64| -> u64 {
        rng = splitmix64(rng);
        rng % n
    };
    let a = lead(d.path());
    let b = replica(&a, &d.path().join("b"));
    let c = replica(&a, &d.path().join("c"));
    let mut ps = vec![a, b, c];
    let q = crate::review::find(&ps[0], "q").expect("q").id;
    let pools = [vec!["ana", "ben"], vec!["ana", "cy"], vec!["ben", "dan"]];
    for (i, pool) in pools.iter().enumerate() {
        for n in pool {
            if crate::annotators::annotators(&ps[i])
                .expect("list")
                .iter()
                .all(|a| a.name != *n)
            {
                add_annotator(&ps[i], n, Role::Annotator).expect("annotator");
            }
        }
    }
    let mut packs: Vec<PathBuf> = Vec::new();
    let labels = ["class_0", "class_1", "class_2"];
    for step in 0..60 {
        let r = next(3) as usize;
        let p = &mut ps[r];
        let who = pools[r][next(2) as usize];
        let ext = next(10).to_string();
        match next(10) {
            0..=3 => {
                let it = item(p, &ext);
                let in_queue = next(2) == 0;
                let _ = record(
                    p,
                    &NewAnnotation {
                        queue: in_queue.then_some(q),
                        ..NewAnnotation::new(
                            it,
                            who,
                            Event::Label {
                                label: labels[next(3) as usize].into(),
                            },
                            Source::Manual,
                        )
                    },
                );
            }
            4 => {
                undo(p, who, None).expect("undo");
            }
            5 => overrule(p, &ext, labels[next(3) as usize]),
            6 => {
                let it = item(p, &ext);
                let e = if next(2) == 0 {
                    Event::Skip
                } else {
                    Event::Flag {
                        flag: "unsure".into(),
                    }
                };
                record(p, &NewAnnotation::new(it, who, e, Source::Manual)).expect("skip");
            }
            7 => crate::decide::set_rule(
                p,
                crate::decide::Rule {
                    mode: if next(2) == 0 {
                        crate::decide::Mode::Majority
                    } else {
                        crate::decide::Mode::Unanimous
                    },
                    min_annotators: 1 + next(3) as usize,
                },
                None,
            )
            .expect("rule"),
            8 => {
                let color = format!("#{:06x}", next(0xff_ffff));
                crate::schema::edit_label(
                    p,
                    labels[next(3) as usize],
                    &crate::schema::LabelEdit {
                        color: Some(color),
                        ..Default::default()
                    },
                    None,
                )
                .expect("edit");
            }
            _ => {
                // An exchange between two replicas.
                let (from, to) = (next(3) as usize, next(3) as usize);
                if from != to {
                    let file = d.path().join(format!("s{seed}-{step}.pack"));
                    let f = pack(&ps[from], &ps[to], &file, next(2) == 0);
                    import(&mut ps[to], std::slice::from_ref(&f), false).expect("import");
                    packs.push(f);
                }
            }
        }
        lean_conflicts_hold(&ps[r]);
    }
    // Everyone with everyone, twice round (what one learns, the next receives).
    for round in 0..2 {
        for from in 0..3 {
            for to in 0..3 {
                if from != to {
                    let file = d.path().join(format!("final{round}-{from}{to}.pack"));
                    let f = pack(&ps[from], &ps[to], &file, true);
                    import(&mut ps[to], std::slice::from_ref(&f), false).expect("import");
                    packs.push(f);
                }
            }
        }
    }
    let s0 = snapshot(&ps[0]);
    for p in &ps[1..] {
        assert_eq!(snapshot(p), s0, "seed {seed}");
    }
    for p in &ps {
        counters_hold(p);
        lean_conflicts_hold(p);
    }
    // Idempotence: every pack again, in reverse, adds nothing.
    packs.reverse();
    for p in &mut ps {
        for f in &packs {
            let got = import(p, std::slice::from_ref(f), false).expect("again");
            assert_eq!(got[0].events_added, 0, "seed {seed}: {f:?}");
        }
        assert_eq!(snapshot(p), s0, "seed {seed}");
        counters_hold(p);
    }
}

#[test]
fn clone_with_copied_media_reads_them_inside_the_clone_even_after_the_folder_moves() {
    let d = tempfile::tempdir().expect("tmp");
    let source = crate::testutil::fixtures().join("digits/manifest.csv");
    let (p, _) = crate::testutil::imported_project(d.path(), &source, None, false);
    let dst = d.path().join("hand-out");
    let c = clone(
        p.root(),
        &dst,
        &CloneOptions {
            media: Media::Copy,
            queues: Vec::new(),
        },
    )
    .expect("clone");
    assert_eq!(c.media_files, 1797);
    // Carried elsewhere: the versions follow the project folder.
    let moved = d.path().join("elsewhere");
    std::fs::rename(&dst, &moved).expect("move");
    let m = Project::open(&moved).expect("open");
    let it = item(&m, "digit_0005");
    let file = crate::media::media_file(&m, it).expect("media");
    assert!(
        file.path.starts_with(moved.canonicalize().expect("c")),
        "{:?}",
        file.path
    );
    crate::media::display_bytes(&file).expect("the copy reads and matches its hash");
    let root: String = m
        .conn()
        .query_row("SELECT root FROM dataset_versions", [], |r| r.get(0))
        .expect("root");
    assert!(
        root.starts_with(&moved.canonicalize().expect("c").display().to_string()),
        "{root}"
    );
    // --queue without copy, an unknown queue, and a non-empty destination are refused.
    let e = clone(
        p.root(),
        &d.path().join("x"),
        &CloneOptions {
            media: Media::Keep,
            queues: vec!["nope".into()],
        },
    )
    .expect_err("unknown queue")
    .to_string();
    assert!(e.contains("nope"), "{e}");
    assert!(!d.path().join("x").exists());
    let e = clone(
        p.root(),
        &moved,
        &CloneOptions {
            media: Media::Keep,
            queues: Vec::new(),
        },
    )
    .expect_err("not empty")
    .to_string();
    assert!(e.contains("not empty"), "{e}");
}

#[test]
fn a_shared_folder_carries_packs_between_replicas_and_never_holds_the_project() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let shared = d.path().join("shared");
    std::fs::create_dir(&shared).expect("dir");
    label(&mut a, "0", "ana", "class_0");
    label(&mut b, "0", "ben", "class_1");
    let fa = folder::sync_folder(&mut a, &shared).expect("a");
    assert!(fa.written.is_some());
    let fb = folder::sync_folder(&mut b, &shared).expect("b");
    assert_eq!(fb.imported.len(), 1);
    assert!(fb.refused.is_empty(), "{:?}", fb.refused);
    // b's pack carried only b's events: a's were already in the folder, in a's own pack.
    let b_pack = read_pack(fb.written.as_ref().expect("b wrote")).expect("read");
    let a_id = crate::identity::identity(&a).expect("a").replica_id;
    assert_eq!(b_pack.header.counts.events(), 1, "{:?}", b_pack.header);
    assert!(
        !b_pack.header.ranges.contains_key(&a_id) || {
            let (from, to) = b_pack.header.ranges[&a_id];
            from == to
        }
    );
    let fa2 = folder::sync_folder(&mut a, &shared).expect("a again");
    assert_eq!(fa2.imported.len(), 1);
    assert_eq!(snapshot(&a), snapshot(&b));
    // Nothing new: nothing written, nothing imported twice.
    let fb2 = folder::sync_folder(&mut b, &shared).expect("b again");
    let fa3 = folder::sync_folder(&mut a, &shared).expect("a 3");
    assert!(fa3.written.is_none() && fa3.imported.is_empty(), "{fa3:?}");
    let _ = fb2;
    // Each replica wrote only under its own id, and no temporary stayed.
    let me = crate::identity::identity(&a).expect("a").replica_id;
    let files: Vec<String> = walkdir::WalkDir::new(&shared)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(&shared)
                .expect("under")
                .display()
                .to_string()
        })
        .collect();
    assert!(
        files
            .iter()
            .all(|f| f.ends_with(".pack") && !f.contains(".tmp")),
        "{files:?}"
    );
    assert!(files.iter().any(|f| f.starts_with(&me)));
    let st = folder::folder_status(&a, &shared).expect("status");
    assert_eq!(st.replicas.len(), 2);
    assert!(st.last_sync.is_some() && st.last_error.is_none());
    // The project's own folder (or one holding it) is refused.
    let e = folder::sync_folder(&mut a, d.path())
        .expect_err("holds the project")
        .to_string();
    assert!(e.contains("must never live in a shared folder"), "{e}");
}

#[test]
fn a_bulk_pack_leaves_the_same_review_state_as_events_recorded_one_by_one() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    // 60 annotators × 178 items (above the bulk threshold), through queue "q" and outside it,
    // with undos, skips and overrides among them.
    let csv = d.path().join("many.csv");
    let mut text = String::from("item_id,annotator,label\n");
    for who in 0..60 {
        for item in 0..178 {
            text.push_str(&format!(
                "wine_{item:03},w{who:02},class_{}\n",
                (item * 7 + who) % 3
            ));
        }
    }
    std::fs::write(&csv, text).expect("w");
    let version: i64 = a
        .conn()
        .query_row("SELECT id FROM dataset_versions", [], |r| r.get(0))
        .expect("v");
    crate::annotate::import_file(&mut a, &csv, version).expect("import labels");
    let q = crate::review::find(&a, "q").expect("q").id;
    // Overlap items count only their queue's votes: ana's label goes through the queue there.
    let queued: Vec<(i64, String, bool)> = a
        .conn()
        .prepare("SELECT q.item_id, i.ext_id, q.needed > 1 FROM queue_items q JOIN items i ON i.id = q.item_id WHERE q.queue_id = ?1 ORDER BY q.position")
        .expect("p")
        .query_map([q], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    for (n, (it, ext, overlap)) in queued.into_iter().enumerate() {
        record(
            &mut a,
            &NewAnnotation {
                queue: overlap.then_some(q),
                ..NewAnnotation::new(
                    it,
                    "ana",
                    Event::Label {
                        label: "class_1".into(),
                    },
                    Source::Manual,
                )
            },
        )
        .expect("label");
        if n % 3 == 0 {
            undo(&mut a, "ana", None).expect("undo");
        }
        if n % 5 == 0 {
            record(
                &mut a,
                &NewAnnotation::new(it, "ben", Event::Skip, Source::Manual),
            )
            .expect("skip");
        }
        if n % 7 == 0 {
            overrule(&mut a, &ext, "class_2");
        }
    }
    let f = pack(&a, &b, &d.path().join("bulk.pack"), true);
    let dry = import(&mut b, std::slice::from_ref(&f), true).expect("dry run");
    assert!(dry[0].events_added >= 10_000);
    // The conflicts the import should report: among the items its events touch.
    let conflict_set = |p: &Project| -> HashSet<i64> {
        crate::decide::decisions(p, None)
            .expect("decisions")
            .iter()
            .filter(|d| d.status == crate::decide::Status::Conflict)
            .map(|d| d.item)
            .collect()
    };
    let events_by_item = |p: &Project| -> HashMap<i64, i64> {
        p.conn()
            .prepare("SELECT item_id, COUNT(*) FROM annotations GROUP BY item_id")
            .expect("p")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("q")
            .map(|r| r.expect("row"))
            .collect()
    };
    let (conflicts_before, events_before) = (conflict_set(&b), events_by_item(&b));
    let got = import(&mut b, &[f], false).expect("bulk import");
    let enforced: bool = b
        .conn()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .expect("fk");
    assert!(
        enforced,
        "foreign keys are enforced again after a bulk import"
    );
    assert_eq!(got[0].events_added, dry[0].events_added);
    assert_eq!(
        (got[0].conflicts_before, got[0].conflicts_after),
        (dry[0].conflicts_before, dry[0].conflicts_after)
    );
    let touched: HashSet<i64> = events_by_item(&b)
        .into_iter()
        .filter(|(i, n)| events_before.get(i) != Some(n))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        (got[0].conflicts_before, got[0].conflicts_after),
        (
            conflicts_before.intersection(&touched).count() as u64,
            conflict_set(&b).intersection(&touched).count() as u64
        )
    );
    assert!(got[0].conflicts_after > 0, "the test makes conflicts");
    assert_eq!(snapshot(&a), snapshot(&b));
    counters_hold(&b);
    lean_conflicts_hold(&b);
    let state = |p: &Project| -> Vec<(i64, i64, i64, i64, i64)> {
        p.conn()
            .prepare("SELECT item_id, labelers, overrides, skips, flags FROM item_state ORDER BY item_id")
            .expect("p")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .expect("q")
            .map(|r| r.expect("row"))
            .collect()
    };
    assert_eq!(
        state(&a),
        state(&b),
        "item_state as the per-event trigger left it on a"
    );
    // The trigger is back: a label recorded afterwards moves the counters as usual.
    label(&mut b, "177", "ana", "class_0");
    counters_hold(&b);
    assert_eq!(state(&b).len(), state(&a).len());
}

#[test]
fn the_lean_conflict_count_follows_an_annotators_latest_label() {
    // One annotator labels an item twice: their latest label is their vote, which the lean
    // count cannot tell from ids alone (it decides such items in full).
    let d = tempfile::tempdir().expect("tmp");
    let mut p = lead(d.path());
    for n in 0..6 {
        let ext = (20 + n).to_string();
        let (first, then) = if n % 2 == 0 {
            ("class_1", "class_0") // ana changes her mind away from ben: a conflict
        } else {
            ("class_0", "class_1") // … towards ben: unanimous
        };
        label(&mut p, &ext, "ana", first);
        label(&mut p, &ext, "ben", "class_1");
        label(&mut p, &ext, "ana", then);
    }
    let lean = crate::decide::conflict_items(p.conn(), None).expect("lean");
    let expected: HashSet<i64> = [20, 22, 24]
        .iter()
        .map(|n| item(&p, &n.to_string()))
        .collect();
    assert_eq!(lean, expected);
    lean_conflicts_hold(&p);
}

/// A pack file of `lines` (JSON lines of events) under `header`, whose body length and
/// checksum are made to match: what a damaged export or a hand-edited pack could hold.
fn forge(path: &Path, mut header: Header, lines: &[String]) -> PathBuf {
    let mut text = lines.join("\n");
    text.push('\n');
    let body = zstd::stream::encode_all(text.as_bytes(), 3).expect("zstd");
    header.body_bytes = body.len() as u64;
    header.body_sha256 = hex(&sha2::Sha256::digest(&body));
    let mut f = std::fs::File::create(path).expect("create");
    write_pack(&mut f, &header, &body).expect("write");
    path.to_path_buf()
}

#[test]
fn a_large_pack_streamed_is_refused_whole_at_its_first_bad_line_or_a_short_count() {
    // Packs from `BULK` annotation events are parsed on a second thread while the first
    // writes; a bad line or a body shorter than its header states is found mid-way, and the
    // import still writes nothing. The same packs stated small are read whole first.
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    for (n, who) in [(0, "ana"), (1, "ben"), (2, "ana"), (3, "ben")] {
        label(&mut a, &n.to_string(), who, "class_1");
    }
    let good = read_pack(&pack(&a, &b, &d.path().join("good.pack"), true)).expect("read");
    let lines: Vec<String> = good
        .events
        .iter()
        .map(|e| serde_json::to_string(e).expect("json"))
        .collect();
    assert!(lines.len() >= 4, "{lines:?}");
    let before = snapshot(&b);
    let refused = |p: &mut Project, f: &Path| -> String {
        let e = import(p, &[f.to_path_buf()], false).expect_err("refused");
        assert_eq!(e.code(), crate::error::ErrorCode::InvalidInput, "{e}");
        e.to_string()
    };
    for streamed in [true, false] {
        let mut header = good.header.clone();
        if streamed {
            header.counts.annotations = BULK as u64;
        }
        let stated = header.counts.events();
        // A line that is not an event, after events that would import.
        let mut bad = lines.clone();
        bad.insert(3, "{\"type\":\"annotation\",\"uid\":".into());
        let f = forge(
            &d.path().join(format!("bad-{streamed}.pack")),
            header.clone(),
            &bad,
        );
        let e = refused(&mut b, &f);
        assert!(e.contains("event 4 cannot be read"), "{e}");
        // Fewer events than the header states.
        let short = &lines[..lines.len() - 1];
        let f = forge(
            &d.path().join(format!("short-{streamed}.pack")),
            header.clone(),
            short,
        );
        let e = refused(&mut b, &f);
        assert!(
            e.contains(&format!(
                "holds {} events where its header states {stated}",
                short.len()
            )),
            "{e}"
        );
        // An event outside the ranges the header states.
        let mut narrow = header.clone();
        for r in narrow.ranges.values_mut() {
            r.1 -= 1;
        }
        let f = forge(
            &d.path().join(format!("narrow-{streamed}.pack")),
            narrow,
            &lines,
        );
        let e = refused(&mut b, &f);
        assert!(
            e.contains("lies outside the ranges its header states"),
            "{e}"
        );
        let enforced: bool = b
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("fk");
        assert!(
            enforced,
            "foreign keys are enforced again after a refused import"
        );
        assert_eq!(
            snapshot(&b),
            before,
            "nothing of a refused pack was written"
        );
    }
    // The events themselves import, streamed too (a header stating what the body holds).
    let f = forge(&d.path().join("fine.pack"), good.header.clone(), &lines);
    let got = import(&mut b, &[f], false).expect("fine");
    assert_eq!(
        got[0].events_added + got[0].events_known,
        lines.len() as u64
    );
    assert_eq!(snapshot(&a), snapshot(&b));
}

#[test]
fn by_annotator_quality_a_vote_anywhere_can_change_any_decision_and_every_count_follows() {
    use crate::decide::{How, Mode, Rule, Status};
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    add_annotator(&a, "cy", Role::Annotator).expect("cy");
    let rule = Rule {
        mode: Mode::DawidSkene,
        min_annotators: 1,
    };
    crate::decide::set_rule(&a, rule, None).expect("rule");
    let mut b = replica(&a, &d.path().join("b"));
    // On a: ana and ben disagree on one item, and nothing tells them apart: a tie, a conflict.
    label(&mut a, "30", "ana", "class_0");
    label(&mut a, "30", "ben", "class_1");
    let thirty = item(&a, "30");
    let decision = |p: &Project| crate::decide::decision(p, thirty).expect("decision");
    let before = decision(&a);
    assert_eq!((before.status, before.label), (Status::Conflict, None));
    let p = before.posterior.expect("posterior");
    assert_eq!(p.len(), 2);
    assert!((p[0].probability - 0.5).abs() < 1e-12, "{p:?}");
    lean_conflicts_hold(&a);
    // On b: ana and cy agree on ten other items, and ben contradicts them every time.
    for n in 40..50 {
        let (l, other) = match n % 2 {
            0 => ("class_0", "class_1"),
            _ => ("class_1", "class_0"),
        };
        let ext = n.to_string();
        label(&mut b, &ext, "ana", l);
        label(&mut b, &ext, "cy", l);
        label(&mut b, &ext, "ben", other);
    }
    let got = send(&b, &mut a, &d.path().join("ba.pack"), true);
    // Now ben is known to say class_1 where the truth is class_0: item 30 is decided for ana's
    // label, though the pack never touched it; the import's counts see it leave the conflicts.
    let after = decision(&a);
    assert_eq!(
        (after.status, after.label.as_deref(), after.rule),
        (Status::Decided, Some("class_0"), Some(How::DawidSkene))
    );
    assert!(after.probability.expect("probability") > 0.99, "{after:?}");
    assert_eq!((got.conflicts_before, got.conflicts_after), (1, 0));
    lean_conflicts_hold(&a);
    counters_hold(&a);
    // Both replicas decide alike once they hold the same events.
    send(&a, &mut b, &d.path().join("ab.pack"), true);
    assert_eq!(snapshot(&a), snapshot(&b));
    // The item list's review column and filter follow the fit too.
    let version = crate::dataset::resolve_or_only_in(a.conn(), None)
        .expect("version")
        .id;
    let page = |review| {
        crate::items::query(
            &a,
            &crate::items::Query {
                version_id: version,
                review,
                limit: 100,
                ..Default::default()
            },
        )
        .expect("page")
    };
    let all = page(None);
    let row = all.items.iter().find(|i| i.rowid == thirty).expect("row");
    assert_eq!(
        (row.review, row.final_label.as_deref()),
        (Some(Status::Decided), Some("class_0"))
    );
    assert_eq!(page(Some(crate::items::ReviewFilter::Conflict)).total, 0);
    assert_eq!(page(Some(crate::items::ReviewFilter::Decided)).total, 11);
    // ana changes her mind on item 30: her latest label is her vote in the fit.
    label(&mut a, "30", "ana", "class_1");
    let changed = decision(&a);
    assert_eq!(changed.label.as_deref(), Some("class_1"));
    assert_eq!(changed.votes.len(), 2);
    lean_conflicts_hold(&a);
}

#[test]
fn by_annotator_quality_a_label_nobody_on_the_item_gave_is_a_conflict_everywhere() {
    use crate::decide::{Mode, Rule, Status};
    let d = tempfile::tempdir().expect("tmp");
    let mut p = lead(d.path());
    for n in ["dee", "eve"] {
        add_annotator(&p, n, Role::Annotator).expect("annotator");
    }
    crate::decide::set_rule(
        &p,
        Rule {
            mode: Mode::DawidSkene,
            min_annotators: 1,
        },
        None,
    )
    .expect("rule");
    // class_0 is the most common label; dee and eve, who labeled one item each, tell the fit
    // nothing: their item's posterior follows the prior to class_0, which neither gave.
    for n in 40..46 {
        label(&mut p, &n.to_string(), "ana", "class_0");
        label(&mut p, &n.to_string(), "ben", "class_0");
    }
    label(&mut p, "30", "dee", "class_1");
    label(&mut p, "30", "eve", "class_2");
    let d30 = crate::decide::decision(&p, item(&p, "30")).expect("decision");
    let top = &d30.posterior.as_ref().expect("posterior")[0];
    assert_eq!(top.label, "class_0", "{d30:?}");
    assert_eq!(d30.status, Status::Conflict, "{d30:?}");
    lean_conflicts_hold(&p);
}

#[test]
fn the_agreement_target_set_and_cleared_on_three_replicas_is_the_same_everywhere() {
    use crate::metrics::target::{self, On, Statistic, Target};
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let mut c = replica(&a, &d.path().join("c"));
    label(&mut a, "0", "ana", "class_0");
    label(&mut b, "0", "ben", "class_1");
    let first = Target {
        statistic: Statistic::KrippendorffAlpha,
        min: 0.8,
        on: On::CiLow,
    };
    let later = Target {
        statistic: Statistic::PercentAgreement,
        min: 0.7,
        on: On::Estimate,
    };
    target::set_target(&a, Some(first), None).expect("a");
    std::thread::sleep(std::time::Duration::from_millis(5));
    target::set_target(&b, Some(later), None).expect("b");
    let f = |n: &str| d.path().join(format!("{n}.pack"));
    // c hears b first, then a (whose target is older): the later one holds on every replica.
    send(&b, &mut c, &f("bc"), false);
    send(&a, &mut c, &f("ac"), false);
    send(&c, &mut a, &f("ca"), true);
    send(&c, &mut b, &f("cb"), true);
    for p in [&a, &b, &c] {
        assert_eq!(target::target(p).expect("target"), Some(later));
        let v = target::verdict(p).expect("verdict").expect("set");
        // ana class_0 and ben class_1 on one item: percent agreement 0, below 0.7.
        assert_eq!(v.status, target::Status::Fail, "{v:?}");
    }
    std::thread::sleep(std::time::Duration::from_millis(5));
    target::set_target(&c, None, None).expect("clear");
    send(&c, &mut a, &f("ca2"), true);
    send(&a, &mut b, &f("ab2"), true);
    for p in [&a, &b, &c] {
        assert_eq!(target::target(p).expect("target"), None);
    }
}

#[test]
fn escalation_actions_travel_in_packs_and_every_replica_agrees() {
    use crate::escalate;
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let mut c = replica(&a, &d.path().join("c"));
    let flag = |p: &mut Project, ext: &str, who: &str| {
        let it = item(p, ext);
        record(
            p,
            &NewAnnotation::new(
                it,
                who,
                Event::Flag {
                    flag: "unsure".into(),
                },
                Source::Manual,
            ),
        )
        .expect("flag");
    };
    // On a: ana labels 1 and 2 and is unsure of both; on c: ben and ana disagree on 3.
    label(&mut a, "1", "ana", "class_0");
    flag(&mut a, "1", "ana");
    label(&mut a, "2", "ana", "class_1");
    flag(&mut a, "2", "ana");
    label(&mut c, "3", "ben", "class_2");
    let f = |n: &str| d.path().join(format!("{n}.pack"));
    send(&a, &mut b, &f("ab"), false);
    send(&c, &mut b, &f("cb"), false);
    label(&mut b, "3", "ana", "class_0");
    // The reviewer works on b: sends 1 back to ana, accepts 2.
    let one = item(&b, "1");
    escalate::send_back(&mut b, one, "rev", Some("ana"), "look at the colour again").expect("send");
    let two = item(&b, "2");
    escalate::accept(&mut b, two, "rev", None).expect("accept");
    // Exchanged in different orders, every replica sees the same queue and the same note.
    send(&b, &mut c, &f("bc"), false);
    send(&c, &mut a, &f("ca"), false);
    send(&a, &mut b, &f("ab2"), true);
    let view = |p: &Project| {
        let esc: Vec<(String, Vec<String>)> = escalate::escalations(p)
            .expect("escalations")
            .into_iter()
            .map(|e| (e.item_id, e.reasons))
            .collect();
        let notes: Vec<(String, String, String)> = escalate::sent_back(p, "ana")
            .expect("notes")
            .into_iter()
            .map(|s| (s.item_id, s.by, s.note))
            .collect();
        (esc, notes)
    };
    let (esc, notes) = view(&a);
    assert_eq!(esc, vec![(ext("3"), vec!["conflict".to_string()])]);
    assert_eq!(
        notes,
        vec![(
            ext("1"),
            "rev".to_string(),
            "look at the colour again".to_string()
        )]
    );
    assert_eq!(view(&b), view(&a));
    assert_eq!(view(&c), view(&a));
    assert_eq!(snapshot(&a), snapshot(&b));
    assert_eq!(snapshot(&a), snapshot(&c));
    for p in [&a, &b, &c] {
        counters_hold(p);
    }
}

#[test]
fn guidelines_and_reasons_changed_on_two_replicas_give_one_schema_version_everywhere() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    crate::schema::add_reason(&a, "blurry", "Out of focus", None).expect("a adds");
    crate::schema::retire_reason(&a, "other", None).expect("a retires");
    crate::schema::edit_label(
        &b,
        "class_0",
        &crate::schema::LabelEdit {
            guideline: Some(Some("Dark and rich".into())),
            examples: Some(vec![ext("4"), ext("5")]),
            ..Default::default()
        },
        None,
    )
    .expect("b edits");
    crate::schema::add_reason(&b, "glare", "Reflections hide the subject", None).expect("b adds");
    let view = |p: &Project| {
        (
            crate::schema::schema_version(p).expect("version"),
            crate::schema::reasons(p).expect("reasons"),
            crate::schema::retired_reasons(p).expect("retired"),
            crate::schema::examples(p).expect("examples"),
            crate::schema::labels(p)
                .expect("labels")
                .into_iter()
                .map(|l| (l.name, l.guideline))
                .collect::<Vec<_>>(),
        )
    };
    assert_ne!(view(&a), view(&b));
    let before = crate::schema::schema_version(&a).expect("a");
    send(&a, &mut b, &d.path().join("ab.pack"), true);
    send(&b, &mut a, &d.path().join("ba.pack"), true);
    let (va, vb) = (view(&a), view(&b));
    assert_eq!(va, vb);
    assert_eq!(va.0, before + 2, "both replicas' changes count");
    assert_eq!(va.2, ["other"]);
    assert_eq!(va.3["class_0"], [ext("4"), ext("5")]);
    let codes: Vec<&str> = va.1.iter().map(|r| r.code.as_str()).collect();
    assert!(codes.ends_with(&["blurry", "glare"]), "{codes:?}");
    assert!(!codes.contains(&"other"));
    assert_eq!(snapshot(&a), snapshot(&b));
}

/// A fair audit queue on `a`, 100 items labeled by ana with their given labels.
fn audit_queue(a: &mut Project, run: i64) {
    let mut q = queue("audit", run, Vec::new());
    q.limit = Some(100);
    q.overlap_share = 0.0;
    q.overlap_k = 1;
    let saved = create(a, &q).expect("audit queue");
    let items: Vec<(i64, String)> = a
        .conn()
        .prepare(
            "SELECT qi.item_id, l.name FROM queue_items qi JOIN items i ON i.id = qi.item_id
             JOIN labels l ON l.id = i.label_id WHERE qi.queue_id = ?1",
        )
        .expect("stmt")
        .query_map([saved.id], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .collect::<rusqlite::Result<_>>()
        .expect("items");
    for (it, l) in items {
        record(
            a,
            &NewAnnotation::new(it, "ana", Event::Label { label: l }, Source::Manual),
        )
        .expect("label");
    }
}

#[test]
fn calibration_and_auto_accept_travel_in_packs_and_decide_the_same_on_three_replicas() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let mut c = replica(&a, &d.path().join("c"));
    let run: i64 = a
        .conn()
        .query_row("SELECT id FROM runs", [], |r| r.get(0))
        .expect("run");
    audit_queue(&mut a, run);
    let cal = crate::calibration::calibrate(&a, run, "audit", 10, None).expect("calibrate");
    let applied = crate::calibration::apply(&a, run, "audit", 0.1, 0.1, None).expect("apply");
    assert!(applied.accepted > 0);
    // c labels an item a would accept before it hears of the auto-accept; b hears via c.
    let accepted: i64 = a
        .conn()
        .query_row(
            "SELECT item_id FROM auto_accepted WHERE item_id NOT IN (SELECT item_id FROM annotations) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("an accepted item");
    let ext_id: String = a
        .conn()
        .query_row("SELECT ext_id FROM items WHERE id = ?1", [accepted], |r| {
            r.get(0)
        })
        .expect("ext");
    label(&mut c, &ext_id, "ben", "class_2");
    send(&a, &mut c, &d.path().join("ac.pack"), true);
    send(&c, &mut b, &d.path().join("cb.pack"), true);
    send(&c, &mut a, &d.path().join("ca.pack"), true);
    for p in [&a, &b, &c] {
        assert_eq!(
            crate::calibrated::temperature(p, run).expect("t"),
            Some(cal.temperature)
        );
        let d = crate::decide::decision(p, item(p, &ext_id)).expect("decision");
        assert_eq!(
            d.rule,
            Some(crate::decide::How::Unanimous),
            "a person's label wins"
        );
    }
    let snap = snapshot(&a);
    assert!(
        snap.contains("\"rule\": \"auto\""),
        "auto decisions in the snapshot"
    );
    assert_eq!(snapshot(&b), snap);
    assert_eq!(snapshot(&c), snap);
    // Revoked on b: gone everywhere.
    crate::calibration::revoke(&b, None).expect("revoke");
    send(&b, &mut a, &d.path().join("ba.pack"), true);
    send(&b, &mut c, &d.path().join("bc.pack"), true);
    let snap = snapshot(&a);
    assert!(!snap.contains("\"rule\": \"auto\""));
    assert_eq!(snapshot(&b), snap);
    assert_eq!(snapshot(&c), snap);
}

/// A queue ranked by calibrated confidence travels with the temperature it used, and its
/// scores arrive bit for bit (floats round-trip through the pack).
#[test]
fn a_calibrated_queue_reaches_another_replica_with_its_temperature_and_scores() {
    use crate::calibration::queue_tests::{calibrate, case, spec};
    let mut c = case("two_classes");
    let t = calibrate(&mut c);
    let dst = c._dir.path().join("replica");
    clone(
        c.p.root(),
        &dst,
        &CloneOptions {
            media: Media::Keep,
            queues: Vec::new(),
        },
    )
    .expect("clone");
    let mut other = Project::open(&dst).expect("replica");
    // Saved after the replica was made: it travels as an event.
    let saved = create(
        &mut c.p,
        &QueueCreate::new("uncertain", spec(c.run, Strategy::Margin, Some(0.9))),
    )
    .expect("queue");
    let file = c._dir.path().join("a.pack");
    let since = status(&other).expect("status").stamp;
    let pack = export(&c.p, &file, Some(&since)).expect("pack").file;
    import(&mut other, &[pack], false).expect("import");
    let there = crate::review::find(&other, "uncertain").expect("the queue on the replica");
    assert_eq!(there.temperature, Some(t));
    let scores = |p: &Project, id: i64| -> Vec<(String, f64)> {
        p.conn()
            .prepare(
                "SELECT i.ext_id, q.score FROM queue_items q JOIN items i ON i.id = q.item_id
                 WHERE q.queue_id = ?1 ORDER BY q.position",
            )
            .expect("stmt")
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("items")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    };
    assert_eq!(scores(&c.p, saved.id), scores(&other, there.id));
}

#[test]
fn a_stale_auto_accept_is_stale_on_three_replicas_and_reapplying_it_is_refused_everywhere() {
    let d = tempfile::tempdir().expect("tmp");
    let mut a = lead(d.path());
    let mut b = replica(&a, &d.path().join("b"));
    let mut c = replica(&a, &d.path().join("c"));
    let run: i64 = a
        .conn()
        .query_row("SELECT id FROM runs", [], |r| r.get(0))
        .expect("run");
    audit_queue(&mut a, run);
    crate::calibration::apply(&a, run, "audit", 0.1, 0.1, None).expect("apply");
    send(&a, &mut b, &d.path().join("ab.pack"), true);
    send(&a, &mut c, &d.path().join("ac.pack"), true);
    // b imports newer data that drifted and compares it with the certified run's version.
    let wine2 = crate::drift::tests::drifted_wine();
    crate::drift::tests::import(&mut b, &wine2, "wine");
    let options = crate::drift::Options {
        domain_classifier: true,
        ..Default::default()
    };
    let r = crate::drift::report_and_mark(&b, "wine@1", "wine@2", options).expect("report");
    let verdict = r.auto_accept_stale.expect("stale").verdict;
    send(&b, &mut c, &d.path().join("bc.pack"), true);
    send(&c, &mut a, &d.path().join("ca.pack"), true);
    for p in [&a, &b, &c] {
        let run = p
            .conn()
            .query_row("SELECT id FROM runs", [], |r| r.get::<_, i64>(0))
            .expect("run");
        let now = crate::calibrated::auto_accept(p)
            .expect("read")
            .expect("in force");
        assert_eq!(now.stale.as_ref(), Some(&verdict), "{}", p.root().display());
        let e = crate::calibration::apply(p, run, "audit", 0.05, 0.1, None)
            .expect_err("refused")
            .to_string();
        assert!(e.contains("--despite-drift"), "{e}");
    }
    assert_eq!(snapshot(&b), snapshot(&a));
    assert_eq!(snapshot(&c), snapshot(&a));
}
