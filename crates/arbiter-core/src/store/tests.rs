use super::*;
use crate::schema::LabelSpec;

fn table_names(conn: &Connection) -> Vec<String> {
    let mut s = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare");
    s.query_map([], |r| r.get(0))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

#[test]
fn create_then_open_sets_pragmas_and_schema_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Project::create(
        dir.path(),
        Some("demo"),
        &[LabelSpec::named("cat"), LabelSpec::named("dog")],
    )
    .expect("create");
    assert_eq!(p.name().expect("name"), "demo");
    let c = p.conn();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let fk: i64 = c
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .expect("fk");
    assert_eq!(fk, 1);
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("uv");
    assert_eq!(v, SCHEMA_VERSION);
    for t in [
        "audit_log",
        "dataset_versions",
        "datasets",
        "items",
        "labels",
        "project",
        "reasons",
    ] {
        assert!(table_names(c).contains(&t.to_string()), "missing table {t}");
    }
    let labels = crate::schema::labels(c).expect("labels");
    assert_eq!(
        labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["cat", "dog"]
    );
    assert_eq!(labels[0].hotkey.as_deref(), Some("1"));
    assert_eq!(labels[1].hotkey.as_deref(), Some("2"));
    let reasons = crate::schema::reasons(c).expect("reasons");
    assert_eq!(
        reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
        [
            "model_wrong",
            "ambiguous",
            "bad_input",
            "label_missing_from_schema",
            "given_label_wrong",
            "other"
        ]
    );
    drop(p);
    let p = Project::open(dir.path()).expect("reopen");
    assert_eq!(p.name().expect("name"), "demo");
    let audit = crate::audit::recent(p.conn(), 10).expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "project.create");
}

#[test]
fn migrations_applied_one_by_one_match_a_fresh_database() {
    // Each migration runs on the schema its predecessors left; the result equals the
    // schema a fresh project gets, and user_version counts the migrations.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut conn = Connection::open(dir.path().join("step.db")).expect("open");
    for (i, sql) in MIGRATIONS.iter().enumerate() {
        let tx = conn.transaction().expect("tx");
        tx.execute_batch(sql)
            .unwrap_or_else(|e| panic!("migration {} failed: {e}", i + 1));
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .expect("uv");
        tx.commit().expect("commit");
        let fk_problems: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .expect("fk check");
        assert_eq!(fk_problems, 0);
    }
    let schema = |c: &Connection| -> Vec<String> {
        let mut s = c
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .expect("p");
        s.query_map([], |r| r.get(0))
            .expect("q")
            .map(|r| r.expect("r"))
            .collect()
    };
    let p = Project::create(&dir.path().join("fresh"), None, &[]).expect("create");
    assert_eq!(schema(&conn), schema(p.conn()));
    let ok: String = p
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("ic");
    assert_eq!(ok, "ok");
}

#[test]
fn a_newer_schema_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(Project::create(dir.path(), None, &[]).expect("create"));
    let db = dir.path().join(DB_FILE);
    {
        let c = Connection::open(&db).expect("open");
        c.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("bump");
    }
    let before = std::fs::read(&db).expect("read");
    let err = Project::open(dir.path()).expect_err("must refuse");
    let msg = err.to_string();
    assert!(matches!(err, Error::NewerSchema { .. }), "{msg}");
    assert!(
        msg.contains("newer Arbiter") && msg.contains("Upgrade Arbiter"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "the database must not change"
    );
}

#[test]
fn opening_a_folder_without_a_project_says_how_to_create_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let err = Project::open(dir.path()).expect_err("no project");
    assert!(err.to_string().contains("arbiter init"), "{err}");
    assert!(!dir.path().join(DB_FILE).exists());
}

#[test]
fn creating_twice_is_refused_and_a_bad_schema_leaves_no_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(Project::create(dir.path(), None, &[]).expect("create"));
    assert!(matches!(
        Project::create(dir.path(), None, &[]),
        Err(Error::ProjectExists(_))
    ));
    let other = dir.path().join("other");
    let err = Project::create(
        &other,
        None,
        &[LabelSpec::named("a"), LabelSpec::named("a")],
    )
    .expect_err("dup");
    assert!(err.to_string().contains("listed twice"), "{err}");
    assert!(!other.join(DB_FILE).exists());
}

#[test]
fn a_second_window_on_a_project_is_refused_until_the_first_lets_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Project::create(dir.path(), None, &[]).expect("create");
    let q = Project::open(dir.path()).expect("open again");
    let held = p.lock_window().expect("first window");
    let err = q.lock_window().expect_err("second window");
    assert!(matches!(err, Error::Locked(_)));
    assert!(
        err.to_string().contains("open in another Arbiter window"),
        "{err}"
    );
    drop(held);
    q.lock_window().expect("free again");
}
