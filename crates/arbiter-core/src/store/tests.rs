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
    let labels = crate::schema::labels(&p).expect("labels");
    assert_eq!(
        labels.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["cat", "dog"]
    );
    assert_eq!(labels[0].hotkey.as_deref(), Some("1"));
    assert_eq!(labels[1].hotkey.as_deref(), Some("2"));
    let reasons = crate::schema::reasons(&p).expect("reasons");
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
    let audit = crate::audit::recent(&p, 10).expect("audit");
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

#[test]
fn migration_5_backfills_review_state_and_the_rule_mode_from_existing_events() {
    // A version-4 project with a queue, labels, a skip, a flag, an override and a retraction.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut conn = Connection::open(dir.path().join("v4.db")).expect("open");
    // Only the tables this migration reads are filled (no dataset, no run).
    conn.pragma_update(None, "foreign_keys", false).expect("fk");
    for sql in &MIGRATIONS[..4] {
        conn.execute_batch(sql).expect("migration");
    }
    conn.pragma_update(None, "user_version", 4).expect("uv");
    conn.execute_batch(
        "UPDATE settings SET value = '{\"min_annotators\":2}' WHERE key = 'decision_rule';
         INSERT INTO labels (id, name, color, position) VALUES (1, 'a', '#000', 0), (2, 'b', '#111', 1);
         INSERT INTO items (id, version_id, ext_id) VALUES (1, 1, 'i1'), (2, 1, 'i2'), (3, 1, 'i3'), (4, 1, 'i4');
         INSERT INTO annotators (id, name, role, created_at) VALUES (1, 'x', 'annotator', 't'), (2, 'y', 'annotator', 't'), (3, 'r', 'reviewer', 't');
         INSERT INTO reasons (id, code, description, position) VALUES (1, 'model_wrong', 'm', 0);
         INSERT INTO queues (id, name, run_id, strategy, seed, overlap_share, overlap_k, created_at) VALUES (1, 'q', 1, 'random', 1, 0.5, 2, 't');
         INSERT INTO queue_items (queue_id, position, item_id, score, needed) VALUES (1, 0, 1, 0, 2), (1, 1, 2, 0, 1), (1, 2, 3, 0, 2), (1, 3, 4, 0, 1);
         -- i1: two labels (done); i2: a label retracted, then a skip; i3: one label and a flag
         -- (partial); i4: an override (done).
         INSERT INTO annotations (id, item_id, annotator_id, kind, label_id, source, created_at) VALUES
            (1, 1, 1, 'label', 1, 'manual', 't'), (2, 1, 2, 'label', 2, 'manual', 't'),
            (3, 2, 1, 'label', 1, 'manual', 't'), (5, 3, 1, 'label', 1, 'manual', 't');
         INSERT INTO annotations (id, item_id, annotator_id, kind, source, retracts, created_at) VALUES (4, 2, 1, 'retract', 'manual', 3, 't');
         INSERT INTO annotations (id, item_id, annotator_id, kind, source, created_at) VALUES (6, 2, 2, 'skip', 'manual', 't');
         INSERT INTO annotations (id, item_id, annotator_id, kind, flag, source, created_at) VALUES (7, 3, 2, 'flag', 'unsure', 'manual', 't');
         INSERT INTO annotations (id, item_id, annotator_id, kind, label_id, reason_id, source, created_at) VALUES (8, 4, 3, 'label', 2, 1, 'override', 't');",
    )
    .expect("v4 data");
    // Migration 5 alone (later ones change what a queue counts; see the next test).
    let tx = conn.transaction().expect("tx");
    tx.execute_batch(MIGRATIONS[4]).expect("migration 5");
    tx.pragma_update(None, "user_version", 5).expect("uv");
    tx.commit().expect("commit");
    let uv: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("uv");
    assert_eq!(uv, 5);
    let rows: Vec<(i64, i64, bool, bool, bool)> = conn
        .prepare("SELECT item_id, labels, overridden, skipped, flagged FROM queue_items ORDER BY position")
        .expect("p")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(
        rows,
        [
            (1, 2, false, false, false),
            (2, 0, false, true, false),
            (3, 1, false, false, true),
            (4, 1, true, false, false)
        ]
    );
    let c = crate::review::counts_in(&conn, 1).expect("counts");
    assert_eq!(
        (
            c.total,
            c.done,
            c.partial,
            c.untouched,
            c.skipped,
            c.flagged
        ),
        (4, 2, 1, 1, 1, 1)
    );
    let rule = crate::decide::rule_in(&conn).expect("rule");
    assert_eq!(
        rule,
        crate::decide::Rule {
            mode: crate::decide::Mode::Majority,
            min_annotators: 2
        }
    );
    // From now on the trigger keeps the state: a second label finishes i3.
    conn.execute(
        "INSERT INTO annotations (item_id, annotator_id, kind, label_id, source, created_at) VALUES (3, 2, 'label', 1, 'manual', 't')",
        [],
    )
    .expect("label");
    let c = crate::review::counts_in(&conn, 1).expect("counts");
    assert_eq!((c.done, c.partial, c.untouched), (3, 0, 1));
    // Migration 7: an overlap item (needed 2) counts only the votes given through its queue.
    // These were given through none, so i1 and i3 are open again; i2 (needed 1) keeps its
    // skip, i4 its override; the counters follow.
    migrate(&mut conn, dir.path()).expect("migrate to the latest");
    let rows: Vec<(i64, i64, bool, bool, bool)> = conn
        .prepare("SELECT item_id, labels, overridden, skipped, flagged FROM queue_items ORDER BY position")
        .expect("p")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(
        rows,
        [
            (1, 0, false, false, false),
            (2, 0, false, true, false),
            (3, 0, false, false, false),
            (4, 1, true, false, false)
        ]
    );
    let c = crate::review::counts_in(&conn, 1).expect("counts");
    assert_eq!((c.done, c.partial, c.untouched, c.skipped), (1, 0, 3, 1));
    // A label through the queue counts for an overlap item.
    conn.execute(
        "INSERT INTO annotations (item_id, annotator_id, queue_id, kind, label_id, source, created_at) VALUES (1, 1, 1, 'label', 1, 'manual', 't')",
        [],
    )
    .expect("label");
    let c = crate::review::counts_in(&conn, 1).expect("counts");
    assert_eq!((c.done, c.partial, c.untouched), (1, 1, 2));
}

/// What `Project::open` says about a folder whose `arbiter.db` is `contents` (written by
/// `make`), and the file's bytes afterwards (to show nothing was written).
fn open_foreign(make: impl FnOnce(&Path)) -> (String, Vec<u8>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join(DB_FILE);
    make(&db);
    let err = Project::open(dir.path()).expect_err("refused").to_string();
    // Closed by now: any WAL content would have been checkpointed into the file.
    (err, std::fs::read(&db).expect("db"))
}

#[test]
fn files_that_are_not_arbiter_projects_are_refused_and_left_untouched() {
    let (err, after) = open_foreign(|db| std::fs::write(db, b"").expect("write"));
    assert!(
        err.contains("not an Arbiter project: it is an empty file"),
        "{err}"
    );
    assert!(after.is_empty(), "an empty file stays empty");

    let (err, _) = open_foreign(|db| std::fs::write(db, b"name,label\na,b\n").expect("write"));
    assert!(err.contains("it is not an SQLite database"), "{err}");

    // Another application's SQLite file: refused by a read-only command, its schema unchanged.
    let mut before = Vec::new();
    let (err, after) = open_foreign(|db| {
        let c = Connection::open(db).expect("open");
        c.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('x');")
            .expect("schema");
        drop(c);
        before = std::fs::read(db).expect("read");
    });
    assert!(
        err.contains("another application's SQLite database (tables: notes)"),
        "{err}"
    );
    assert_eq!(
        after, before,
        "the other application's file is byte-identical"
    );

    // One that marks itself with its own application id.
    let (err, _) = open_foreign(|db| {
        let c = Connection::open(db).expect("open");
        c.execute_batch("PRAGMA application_id = 7; CREATE TABLE project (id INTEGER);")
            .expect("schema");
    });
    assert!(err.contains("application id 0x7"), "{err}");

    // An SQLite file with no tables at all.
    let (err, _) = open_foreign(|db| {
        let c = Connection::open(db).expect("open");
        c.execute_batch("PRAGMA user_version = 0; CREATE TABLE t (x); DROP TABLE t;")
            .expect("schema");
    });
    assert!(err.contains("it is an empty SQLite database"), "{err}");
}

#[test]
fn new_projects_carry_arbiters_application_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = Project::create(dir.path(), None, &[]).expect("create");
    let id: i64 = p
        .conn()
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .expect("id");
    assert_eq!(id, APPLICATION_ID);
}

#[test]
fn database_errors_say_what_happened_and_what_to_do() {
    let failure = |code: i32| {
        Error::Db(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            None,
        ))
        .to_string()
    };
    let full = failure(rusqlite::ffi::SQLITE_FULL);
    assert!(
        full.starts_with("the disk is full") && full.contains("nothing saved before was lost"),
        "{full}"
    );
    let corrupt = failure(rusqlite::ffi::SQLITE_CORRUPT);
    assert!(
        corrupt.contains(".recover") && corrupt.contains("backup"),
        "{corrupt}"
    );
    let io = failure(4874); // SQLITE_IOERR_SHMSIZE: the shared-memory file could not grow
    assert!(io.contains("the disk may be full"), "{io}");
    let ro = failure(rusqlite::ffi::SQLITE_READONLY);
    assert!(ro.contains("reading works"), "{ro}");
    // Each said once.
    assert_eq!(full.matches("disk is full").count(), 1, "{full}");
}

#[test]
fn runs_left_running_by_a_dead_process_are_marked_interrupted_on_open() {
    let (_d, p, run) =
        crate::testutil::project_with_run("tabular/wine.csv", None, "wine_forest.onnx", 64, false);
    let root = p.root().to_path_buf();
    let set_running = |p: &Project| {
        p.conn()
            .execute("UPDATE runs SET status = 'running' WHERE id = ?1", [run])
            .expect("set");
    };
    let status = |p: &Project| -> String {
        p.conn()
            .query_row("SELECT status FROM runs WHERE id = ?1", [run], |r| r.get(0))
            .expect("status")
    };
    // A live process holds the run's lock: the run stays `running`, and nobody else may
    // resume it.
    set_running(&p);
    let held = run_lock::take(&root, run).expect("lock");
    let mut again = Project::open(&root).expect("open");
    assert_eq!(status(&again), "running");
    let busy = crate::predict::predict(
        &mut again,
        &crate::predict::PredictOptions {
            model: String::new(),
            dataset: String::new(),
            batch_size: 64,
            device: crate::model::runtime::Device::Cpu,
            resume: Some(run),
            decode: None,
            cuda: Default::default(),
        },
        &mut |_| {},
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect_err("busy");
    assert!(matches!(busy, Error::RunBusy(r) if r == run), "{busy}");
    // The process dies (its lock goes with it): the next open marks the run interrupted.
    drop(held);
    let again = Project::open(&root).expect("open");
    assert_eq!(status(&again), "interrupted");
}

#[test]
fn migration_10_keeps_every_event_and_its_rules_and_an_insert_builds_no_temporary_index() {
    // A version-9 project with labels, a skip, a flag, an override and a retraction.
    let dir = tempfile::tempdir().expect("tempdir");
    let mut conn = Connection::open(dir.path().join("v9.db")).expect("open");
    conn.pragma_update(None, "foreign_keys", false).expect("fk");
    for sql in &MIGRATIONS[..9] {
        conn.execute_batch(sql).expect("migration");
    }
    conn.pragma_update(None, "user_version", 9).expect("uv");
    conn.execute_batch(
        "INSERT INTO labels (id, name, color, position) VALUES (1, 'a', '#000', 0), (2, 'b', '#111', 1);
         INSERT INTO items (id, version_id, ext_id) VALUES (1, 1, 'i1'), (2, 1, 'i2'), (3, 1, 'i3');
         INSERT INTO annotators (id, name, role, created_at) VALUES (1, 'x', 'annotator', 't'), (2, 'r', 'reviewer', 't');
         INSERT INTO reasons (id, code, description, position) VALUES (1, 'model_wrong', 'm', 0);
         INSERT INTO origins (id, uid) VALUES (1, 'o1');
         INSERT INTO annotations (id, item_id, annotator_id, kind, label_id, source, created_at, uid, origin, seq) VALUES
            (1, 1, 1, 'label', 1, 'manual', 't1', 'u1', 1, 1), (2, 2, 1, 'label', 2, 'import', 't2', 'u2', 1, 2);
         INSERT INTO annotations (id, item_id, annotator_id, kind, source, retracts, created_at, uid, origin, seq) VALUES (3, 2, 1, 'retract', 'manual', 2, 't3', 'u3', 1, 3);
         INSERT INTO annotations (id, item_id, annotator_id, kind, flag, source, note, seconds, created_at, uid, origin, seq) VALUES (4, 3, 1, 'flag', 'unsure', 'manual', 'hm', 2.5, 't4', 'u4', 1, 4);
         INSERT INTO annotations (id, item_id, annotator_id, kind, label_id, reason_id, prediction_shown, source, created_at, uid, origin, seq) VALUES (5, 3, 2, 'label', 2, 1, 1, 'override', 't5', 'u5', 1, 5);",
    )
    .expect("v9 data");
    let dump = |c: &Connection, table: &str| -> Vec<String> {
        c.prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
            .expect("p")
            .query_map([], |r| {
                let n = r.as_ref().column_count();
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get_ref(i).expect("v")))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .expect("q")
            .map(|r| r.expect("row"))
            .collect()
    };
    let (events, state) = (dump(&conn, "annotations"), dump(&conn, "item_state"));
    conn.pragma_update(None, "foreign_keys", true).expect("fk");
    migrate(&mut conn, dir.path()).expect("migrate to 10");
    let fk: bool = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .expect("fk");
    assert!(fk, "foreign keys are enforced again after the migration");
    assert_eq!(dump(&conn, "annotations"), events);
    assert_eq!(dump(&conn, "item_state"), state);
    // The rules hold as before: append-only, an id given once, the constraints.
    for refused in [
        "UPDATE annotations SET note = 'x' WHERE id = 1",
        "UPDATE annotations SET uid = 'v' WHERE id = 1",
        "DELETE FROM annotations WHERE id = 1",
        "INSERT INTO annotations (item_id, annotator_id, kind, label_id, source, created_at) VALUES (1, 1, 'vote', 1, 'manual', 't')",
        "INSERT INTO annotations (item_id, annotator_id, kind, label_id, source, created_at) VALUES (1, 1, 'label', 1, 'guess', 't')",
        "INSERT INTO annotations (item_id, annotator_id, kind, flag, source, created_at) VALUES (1, 1, 'flag', 'odd', 'manual', 't')",
        "INSERT INTO annotations (item_id, annotator_id, kind, source, created_at) VALUES (1, 1, 'label', 'manual', 't')",
        "INSERT INTO annotations (item_id, annotator_id, kind, label_id, source, created_at) VALUES (99, 1, 'label', 1, 'manual', 't')",
    ] {
        assert!(conn.execute(refused, []).is_err(), "{refused}");
    }
    // The review-state trigger still runs: a second label on i1.
    conn.execute(
        "INSERT INTO annotators (id, name, role, created_at) VALUES (3, 'y', 'annotator', 't')",
        [],
    )
    .expect("annotator");
    conn.execute(
        "INSERT INTO annotations (item_id, annotator_id, kind, label_id, source, created_at) VALUES (1, 3, 'label', 2, 'manual', 't6')",
        [],
    )
    .expect("label");
    let labelers: i64 = conn
        .query_row(
            "SELECT labelers FROM item_state WHERE item_id = 1",
            [],
            |r| r.get(0),
        )
        .expect("state");
    assert_eq!(labelers, 2);
    // Inserting an event builds no temporary index (a CHECK's `IN (…)` list did, per row).
    let mut explain = conn
        .prepare(
            "EXPLAIN INSERT INTO annotations (item_id, annotator_id, queue_id, run_id, kind, label_id, reason_id, note, flag,
                 seconds, prediction_shown, source, retracts, created_at, uid, origin, seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )
        .expect("p");
    // Explained, not run: its parameters stay unbound.
    let mut rows = explain.raw_query();
    let mut program: Vec<String> = Vec::new();
    while let Some(r) = rows.next().expect("op") {
        program.push(r.get(1).expect("opcode"));
    }
    // The statement's own program ends where the review-state trigger's begins (its distinct
    // count needs a temporary index, once per event, by design; bulk imports set it aside).
    let own = program
        .iter()
        .position(|op| op == "Program")
        .unwrap_or(program.len());
    assert!(
        program[..own].iter().any(|op| op == "Insert"),
        "{program:?}"
    );
    assert!(
        !program[..own].iter().any(|op| op == "OpenEphemeral"),
        "{program:?}"
    );
}
