//! The Team screen's work on real projects in temporary folders: a clone, labels on both
//! replicas, real packs exchanged (previewed first), the shared folder and its setting, queues
//! split between annotators.

use std::path::Path;

use super::super::tests::{app, fixtures, import};
use super::*;

/// The rowid of item `id` in the open project's first dataset version.
fn rowid_of(s: &AppState, id: &str) -> i64 {
    let version = s.datasets().expect("datasets")[0].versions[0].id;
    let page = s
        .items(&ItemQuery {
            version_id: version,
            offset: 0,
            limit: 10,
            label: None,
            run: None,
            predicted: None,
            mismatch: None,
            review: None,
            annotator: None,
            search: Some(id.into()),
            sort: ItemSort::Source,
        })
        .expect("items");
    let item = page.items.iter().find(|i| i.id == id).expect("the item");
    item.rowid
}

fn label(s: &AppState, who: &str, rowid: i64, l: &str) {
    s.annotate(&AnnotateRequest {
        rowid,
        annotator: who.into(),
        kind: EventKind::Label,
        label: Some(l.into()),
        flag: None,
        reason: None,
        note: None,
        seconds: Some(1.0),
        prediction_shown: false,
        source: AnnotationSource::Manual,
        queue: None,
        run: None,
    })
    .expect("label");
}

/// A project with the digits and two annotators (in `dir/p`), and its clone (in `dir/clone`)
/// open in a second app state.
fn original_and_clone(dir: &Path) -> (AppState, AppState, ClonedDto) {
    let a = AppState::new(dir.join("config-a"));
    a.create(&dir.join("p"), &[], false).expect("create");
    import(&a, &fixtures().join("digits/manifest.csv")).expect("import");
    a.add_annotator("ana", Role::Annotator).expect("ana");
    a.add_annotator("ben", Role::Annotator).expect("ben");
    let made = a
        .clone_project(&CloneRequest {
            dest: dir.join("clone").to_string_lossy().into_owned(),
            media: CloneMedia::Keep,
            queues: vec![],
        })
        .expect("clone");
    let b = AppState::new(dir.join("config-b"));
    b.open(Path::new(&made.path)).expect("open the clone");
    (a, b, made)
}

#[test]
fn a_clone_is_the_same_project_with_its_own_replica_id() {
    let (d, _) = app();
    let (a, b, made) = original_and_clone(d.path());
    let ta = a.team_status().expect("status a");
    let tb = b.team_status().expect("status b");
    assert_eq!(made.project_id, ta.project_id);
    assert_eq!(tb.project_id, ta.project_id);
    assert_eq!(made.source_replica, ta.replica_id);
    assert_eq!(tb.replica_id, made.replica_id);
    assert_ne!(tb.replica_id, ta.replica_id);
    assert_eq!((made.media, made.media_files), (CloneMedia::Keep, 0));
    // The clone holds what the original made; this replica is marked in each.
    let mine: Vec<_> = ta.contributions.iter().filter(|c| c.this_replica).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].replica, ta.replica_id);
    assert!(
        ta.stamp.contains(&format!("{}:", ta.replica_id)),
        "{}",
        ta.stamp
    );
    // A folder that is not empty is refused, naming what to do.
    let e = a
        .clone_project(&CloneRequest {
            dest: made.path.clone(),
            media: CloneMedia::Keep,
            queues: vec![],
        })
        .expect_err("not empty");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("not empty"), "{}", e.message);
    // Queues choose which media to copy: only with copy.
    let e = a
        .clone_project(&CloneRequest {
            dest: d.path().join("other").to_string_lossy().into_owned(),
            media: CloneMedia::Keep,
            queues: vec!["nope".into()],
        })
        .expect_err("queues with keep");
    assert!(
        matches!(e.code, ErrorCode::InvalidInput | ErrorCode::NotFound),
        "{e:?}"
    );
    let e = a
        .clone_project(&CloneRequest {
            dest: "  ".into(),
            media: CloneMedia::Copy,
            queues: vec![],
        })
        .expect_err("no folder");
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn packs_exchanged_both_ways_show_the_conflict_on_both_replicas() {
    let (d, _) = app();
    let (a, b, _) = original_and_clone(d.path());
    let item = rowid_of(&a, "digit_0003");
    label(&a, "ana", item, "3");
    label(&b, "ben", rowid_of(&b, "digit_0003"), "5");
    assert!(a.conflicts(false).expect("a").is_empty());

    let pa = d.path().join("a.pack");
    let pb = d.path().join("b.pack");
    let ea = a
        .export_pack(&pa.to_string_lossy(), None)
        .expect("export a");
    let eb = b
        .export_pack(&pb.to_string_lossy(), Some("  "))
        .expect("export b");
    assert!(ea.events > 0 && eb.events > 0);
    assert_eq!(Path::new(&ea.folder), d.path());
    let files_a = vec![pa.to_string_lossy().into_owned()];
    let files_b = vec![pb.to_string_lossy().into_owned()];

    // The preview says what the import would do, and writes nothing.
    let preview = b.import_packs(&files_a, true).expect("preview");
    assert_eq!(preview.len(), 1);
    let p = &preview[0];
    assert!(p.dry_run);
    assert_eq!(p.source_replica, a.team_status().expect("a").replica_id);
    assert!(p.events_added >= 1, "{p:?}");
    assert_eq!((p.conflicts_before, p.conflicts_after), (0, 1));
    assert!(
        b.conflicts(false).expect("b").is_empty(),
        "a preview writes nothing"
    );

    let done = b.import_packs(&files_a, false).expect("import into b");
    assert!(!done[0].dry_run);
    assert_eq!(done[0].events_added, p.events_added);
    let conflicts_b = b.conflicts(false).expect("b");
    assert_eq!(conflicts_b.len(), 1);
    let mut votes: Vec<_> = conflicts_b[0]
        .votes
        .iter()
        .map(|v| (v.annotator.as_str(), v.label.as_str()))
        .collect();
    votes.sort();
    assert_eq!(votes, [("ana", "3"), ("ben", "5")]);

    a.import_packs(&files_b, false).expect("import into a");
    let conflicts_a = a.conflicts(false).expect("a");
    assert_eq!(conflicts_a.len(), 1);
    assert_eq!(conflicts_a[0].decision.item_id, "digit_0003");
    assert_eq!(
        conflicts_a[0].decision.rowid, item,
        "the same item on both replicas"
    );

    // The same pack again adds nothing.
    let again = a.import_packs(&files_b, false).expect("again");
    assert_eq!(again[0].events_added, 0);
    assert!(again[0].events_known > 0);

    // Both hold both replicas' events now: each contributes one annotation.
    let ta = a.team_status().expect("a");
    assert_eq!(ta.contributions.len(), 2);
    let by = |who: &str| {
        ta.contributions
            .iter()
            .find(|c| c.annotators == [who.to_string()])
            .map(|c| (c.annotations, c.this_replica))
    };
    assert_eq!(by("ana"), Some((1, true)));
    assert_eq!(by("ben"), Some((1, false)));

    // Since the other's stamp, there is nothing left to send.
    let tb = b.team_status().expect("b");
    let none = a
        .export_pack(
            &d.path().join("none.pack").to_string_lossy(),
            Some(&tb.stamp),
        )
        .expect("export since");
    assert_eq!(none.events, 0);
}

#[test]
fn bad_packs_and_bad_arguments_are_refused_with_what_to_do() {
    let (d, _) = app();
    let (a, _b, _) = original_and_clone(d.path());
    let junk = d.path().join("junk.pack");
    std::fs::write(&junk, "not a pack\n").expect("write");
    for dry_run in [true, false] {
        let e = a
            .import_packs(&[junk.to_string_lossy().into_owned()], dry_run)
            .expect_err("junk");
        assert_eq!(e.code, ErrorCode::InvalidInput);
        assert!(e.message.contains("junk.pack"), "{}", e.message);
    }
    // A pack of another project.
    let (d2, other) = app();
    other
        .create(&d2.path().join("q"), &["x".into()], false)
        .expect("create");
    other.add_annotator("cy", Role::Annotator).expect("cy");
    let foreign = d.path().join("foreign.pack");
    other
        .export_pack(&foreign.to_string_lossy(), None)
        .expect("export");
    let e = a
        .import_packs(&[foreign.to_string_lossy().into_owned()], true)
        .expect_err("another project");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("foreign.pack"), "{}", e.message);

    assert_eq!(
        a.import_packs(&[" ".into()], true).expect_err("none").code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        a.export_pack(" ", None).expect_err("no file").code,
        ErrorCode::InvalidInput
    );
    let e = a
        .export_pack(&d.path().join("x.pack").to_string_lossy(), Some("abc"))
        .expect_err("bad since");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("REPLICA:N"), "{}", e.message);
}

#[test]
fn a_shared_folder_is_kept_per_project_and_syncs_both_replicas() {
    let (d, _) = app();
    let (a, b, _) = original_and_clone(d.path());
    let shared = d.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    assert_eq!(
        a.shared_folder().expect("none"),
        SharedFolderSetting::default()
    );

    // Checked before it is kept: a missing folder, a folder holding the project, a silly interval.
    let set = |s: &AppState, dir: &Path, every: u32| {
        s.set_shared_folder(&SharedFolderSetting {
            dir: Some(dir.to_string_lossy().into_owned()),
            on_open: true,
            every_minutes: every,
        })
    };
    let e = set(&a, &d.path().join("missing"), 5).expect_err("missing");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert!(e.message.contains("no such folder"), "{}", e.message);
    let e = set(&a, d.path(), 5).expect_err("holds the project");
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(
        set(&a, &shared, 100_000).expect_err("interval").code,
        ErrorCode::InvalidInput
    );
    assert_eq!(a.shared_folder().expect("still none").dir, None);

    let kept = set(&a, &shared, 5).expect("kept");
    assert_eq!(kept.every_minutes, 5);
    set(&b, &shared, 0).expect("kept for b");
    // Kept in the app's config: a new app state (the next start) reads it back.
    let again = AppState::new(d.path().join("config-a"));
    again
        .open(&d.path().join("p"))
        .expect_err("the window lock is held");
    a.close();
    again.open(&d.path().join("p")).expect("open");
    assert_eq!(again.shared_folder().expect("read back"), kept);
    let a = again;

    let item = rowid_of(&a, "digit_0007");
    label(&a, "ana", item, "7");
    label(&b, "ben", rowid_of(&b, "digit_0007"), "1");
    let dir = kept.dir.clone().expect("dir");
    let first = a.sync_folder(&dir).expect("sync a");
    assert!(first.written.is_some() && first.written_events > 0);
    assert!(first.imported.is_empty() && first.refused.is_empty());
    let second = b.sync_folder(&dir).expect("sync b");
    assert_eq!(second.imported.len(), 1);
    assert_eq!(b.conflicts(false).expect("b").len(), 1);
    let third = a.sync_folder(&dir).expect("sync a again");
    assert_eq!(third.imported.len(), 1);
    assert_eq!(a.conflicts(false).expect("a").len(), 1);

    let status = a.folder_status(&dir).expect("status");
    assert!(status.last_sync.is_some() && status.last_error.is_none());
    assert_eq!(status.replicas.len(), 2);
    // Each replica's packs are there, none refused (this one may have relayed the other's
    // events in a second pack).
    assert!(
        status
            .replicas
            .iter()
            .all(|r| r.packs >= 1 && r.imported == r.packs && r.refused == 0),
        "{status:?}"
    );
    assert_eq!(status.replicas.iter().filter(|r| r.this_replica).count(), 1);

    // A blank folder forgets the setting.
    let cleared = a
        .set_shared_folder(&SharedFolderSetting {
            dir: Some(" ".into()),
            on_open: true,
            every_minutes: 5,
        })
        .expect("clear");
    assert_eq!(cleared, SharedFolderSetting::default());
    assert_eq!(
        a.shared_folder().expect("gone"),
        SharedFolderSetting::default()
    );
    assert_eq!(
        a.sync_folder("").expect_err("no folder").code,
        ErrorCode::InvalidInput
    );
}
