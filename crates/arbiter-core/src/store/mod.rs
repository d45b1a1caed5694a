//! The project store: a project is a folder holding `arbiter.db` (SQLite, WAL). This module owns
//! opening and creating projects, connection settings and forward-only migrations tracked by
//! SQLite's `user_version`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{Error, Result};

pub mod run_lock;

/// The database file inside a project folder.
pub const DB_FILE: &str = "arbiter.db";

/// Forward-only migrations; migration `i` moves the schema from version `i` to `i + 1`.
/// Never edit a released migration: append a new one.
pub const MIGRATIONS: &[&str] = &[
    include_str!("0001_init.sql"),
    include_str!("0002_models.sql"),
    include_str!("0003_annotations.sql"),
    include_str!("0004_agreement.sql"),
    include_str!("0005_review_state.sql"),
    include_str!("0006_identity.sql"),
    include_str!("0007_queue_votes.sql"),
    include_str!("0008_blind_queue_votes.sql"),
    include_str!("0009_replicas.sql"),
    include_str!("0010_annotation_checks.sql"),
    include_str!("0011_access.sql"),
    include_str!("0012_gold.sql"),
    include_str!("0013_calibration.sql"),
    include_str!("0014_calibrated_queues.sql"),
    include_str!("0015_labelstudio.sql"),
    include_str!("0016_text_items.sql"),
    include_str!("0017_one_predictions_index.sql"),
];

/// `PRAGMA application_id` of an Arbiter project ("ARBI"), set by migration 0006.
pub const APPLICATION_ID: i64 = 0x4152_4249;

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// An open project: its folder and one SQLite connection.
pub struct Project {
    root: PathBuf,
    conn: Connection,
    /// Opened read-only (a read-only folder or file): reads work, writes are refused.
    read_only: bool,
}

pub(crate) use crate::time::NOW_SQL;

impl std::fmt::Debug for Project {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Project")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl Project {
    /// Create a project's database in `dir` (created if missing): the schema migrated to the
    /// latest version, the project row, then `seed` fills in what the project starts with (its
    /// label schema, reasons, audit entry), all in one transaction. The database is built in a
    /// temporary file and moved into place, so a failure never leaves a half-created project.
    /// [`Project::create`] (in `schema`) is the way in.
    pub(crate) fn create_database(
        dir: &Path,
        name: Option<&str>,
        ordinal_labels: bool,
        seed: &dyn Fn(&rusqlite::Transaction<'_>, &str) -> Result<()>,
    ) -> Result<Project> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let root = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
        let db = root.join(DB_FILE);
        if db.exists() {
            return Err(Error::ProjectExists(root));
        }
        let name = match name {
            Some(n) => n.to_string(),
            None => root
                .file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "project".into()),
        };
        let tmp = root.join(format!(".{DB_FILE}.creating"));
        // The leftover of a creation that died half-way, if any (none is the usual case); one
        // that cannot be removed is reported rather than built upon.
        match std::fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&tmp, e)),
        }
        let result = (|| -> Result<()> {
            let mut conn = Connection::open(&tmp)?;
            configure(&conn)?;
            migrate(&mut conn, &root)?;
            let tx = conn.transaction()?;
            tx.execute(
                &format!(
                    "INSERT INTO project (id, name, ordinal_labels, created_at, created_by) VALUES (1, ?1, ?2, {NOW_SQL}, ?3)"
                ),
                (&name, i64::from(ordinal_labels), crate::VERSION),
            )?;
            // The project and replica ids, before the seed records its first events. The
            // file keeps its identity when it is moved into place.
            crate::identity::ensure_in(&tx, &root, &crate::identity::file_key(&tmp))?;
            seed(&tx, &name)?;
            tx.commit()?;
            conn.pragma_update(None, "journal_mode", "DELETE")?;
            drop(conn);
            Ok(())
        })();
        if let Err(e) = result {
            // The temporary and any journal SQLite left beside it (a full disk, say). Best
            // effort: the error reported is the one that made the creation fail, and a
            // leftover is removed by the next creation.
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
            }
            return Err(e);
        }
        std::fs::rename(&tmp, &db).map_err(|e| Error::io(&db, e))?;
        Project::open(&root)
    }

    /// Open an existing project folder, migrating an older schema forward and refusing a newer
    /// one, a file that is not an Arbiter project (an empty file, another application's SQLite
    /// database, not SQLite at all) — before anything is written. A project that cannot be
    /// written (a read-only folder or file) opens read-only: reads work, and a write is refused
    /// with a message saying so. Runs left `running` by a process that died are marked
    /// `interrupted` (by their lock, never by guessing from time).
    pub fn open(dir: &Path) -> Result<Project> {
        let root = dir
            .canonicalize()
            .map_err(|_| Error::NoProject(dir.to_path_buf()))?;
        let db = root.join(DB_FILE);
        if !db.is_file() {
            return Err(Error::NoProject(root));
        }
        check_header(&db)?;
        let project = match open_writable(&root, &db) {
            Ok(p) => p,
            Err(e) if is_read_only_failure(&e) => open_read_only(&root, &db)?,
            Err(e) => return Err(e),
        };
        if !project.read_only {
            run_lock::recover(&project.conn, &root)?;
        }
        Ok(project)
    }

    /// Whether the project was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Refuse every write on this connection from now on (SQLite's `query_only`): a reading
    /// connection of a served project, so that work sent to it by mistake fails instead of
    /// writing beside the one writer.
    pub fn make_query_only(&self) -> Result<()> {
        self.conn.pragma_update(None, "query_only", true)?;
        Ok(())
    }

    /// The project's connection: the core's alone. SQL lives in the core, so a shell (the app,
    /// the command line, the benchmarks) reaches the database only through core functions
    /// taking the [`Project`].
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The project's display name.
    pub fn name(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("SELECT name FROM project WHERE id = 1", [], |r| r.get(0))?)
    }

    /// Hold the project for one interactive window: an exclusive OS file lock on
    /// `.arbiter-window.lock`, released when the returned guard drops (or the process dies).
    /// A second window on the same project gets [`Error::Locked`]. The CLI does not take it:
    /// scripts may work alongside the app (SQLite serialises the writes).
    pub fn lock_window(&self) -> Result<WindowLock> {
        match try_lock_file(&self.root.join(".arbiter-window.lock"))? {
            Some(file) => Ok(WindowLock { _file: file }),
            None => Err(Error::Locked(self.root.clone())),
        }
    }

    /// Folder for files Arbiter owns and can regenerate (thumbnails).
    pub fn cache_dir(&self) -> PathBuf {
        self.root.join(".arbiter-cache")
    }
}

/// Open (creating it if missing) and take an exclusive OS lock on `path`: `None` when another
/// process, or another open of it, holds the lock. The lock goes with the returned file.
pub(crate) fn try_lock_file(path: &Path) -> Result<Option<std::fs::File>> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
    }
}

/// Held while a window has the project open; dropping it releases the lock.
#[derive(Debug)]
pub struct WindowLock {
    _file: std::fs::File,
}

/// The first bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Refuse, before SQLite touches it, a database file that is empty or not SQLite at all.
fn check_header(db: &Path) -> Result<()> {
    use std::io::Read;
    let not = |why: &str| Error::NotAProject {
        path: db.to_path_buf(),
        why: why.to_string(),
    };
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(db).map_err(|e| Error::io(db, e))?;
    let n = f.read(&mut head).map_err(|e| Error::io(db, e))?;
    if n == 0 {
        return Err(not("it is an empty file"));
    }
    if n < head.len() || &head != SQLITE_HEADER {
        return Err(not("it is not an SQLite database"));
    }
    Ok(())
}

/// Check, by reading only, that `conn` holds an Arbiter project this build can open.
fn identify(conn: &Connection, root: &Path, db: &Path) -> Result<i64> {
    let not = |why: String| Error::NotAProject {
        path: db.to_path_buf(),
        why,
    };
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => not("it is not an SQLite database".into()),
            _ => Error::Db(e),
        })?;
    if found > SCHEMA_VERSION {
        return Err(Error::NewerSchema {
            path: root.to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if app != 0 && app != APPLICATION_ID {
        return Err(not(format!(
            "it is another application's SQLite database (application id {app:#x})"
        )));
    }
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // A `project` table this query cannot read (another application's, without an `id`) is
    // not ours: that is the answer, not an error to report.
    let has_project = tables.iter().any(|t| t == "project")
        && conn
            .query_row("SELECT COUNT(*) FROM project WHERE id = 1", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0)
            == 1;
    if found == 0 || !has_project {
        let listed = if tables.is_empty() {
            "an empty SQLite database".to_string()
        } else {
            let mut shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
            if tables.len() > 5 {
                shown.push("…");
            }
            format!(
                "another application's SQLite database (tables: {})",
                shown.join(", ")
            )
        };
        return Err(not(format!("it is {listed}, not an Arbiter project")));
    }
    Ok(found)
}

fn open_writable(root: &Path, db: &Path) -> Result<Project> {
    let mut conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        // SQLite fell back to reading only: the file is write-protected.
        return Err(Error::Db(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            None,
        )));
    }
    // Check what the file is before touching anything (WAL switch included).
    identify(&conn, root, db)?;
    configure(&conn)?;
    migrate(&mut conn, root)?;
    crate::identity::ensure(&mut conn, root, db)?;
    Ok(Project {
        root: root.to_path_buf(),
        conn,
        read_only: false,
    })
}

/// A project that cannot be written: reads only. A schema that needs migrating is refused,
/// since migrating writes.
fn open_read_only(root: &Path, db: &Path) -> Result<Project> {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let (conn, found) = match identify(&conn, root, db) {
        Ok(found) => (conn, found),
        // A WAL database whose folder cannot hold the shared-memory file: read it as
        // immutable (nobody can change it here anyway).
        Err(e) if is_read_only_failure(&e) => {
            drop(conn);
            let conn = Connection::open_with_flags(
                immutable_uri(db),
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | OpenFlags::SQLITE_OPEN_URI,
            )?;
            let found = identify(&conn, root, db)?;
            (conn, found)
        }
        Err(e) => return Err(e),
    };
    if found < SCHEMA_VERSION {
        return Err(Error::Db(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            Some(format!(
                "{}: this project must be upgraded (schema {found} to {SCHEMA_VERSION}) before it can be read, which needs a writable folder",
                root.display()
            )),
        )));
    }
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    read_settings(&conn)?;
    Ok(Project {
        root: root.to_path_buf(),
        conn,
        read_only: true,
    })
}

/// `file:` URI of `db` opened as immutable (percent-encoding what a URI cannot hold).
fn immutable_uri(db: &Path) -> String {
    let mut uri = String::from("file:");
    for b in db.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Whether opening for writing failed because the folder or file cannot be written.
fn is_read_only_failure(e: &Error) -> bool {
    match e {
        Error::Db(d) => matches!(
            d.sqlite_error_code(),
            Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::CannotOpen)
        ),
        _ => false,
    }
}

/// Connection settings every Arbiter connection uses.
pub(crate) fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit acknowledged to the user survives a crash of the process and of the
    // machine (annotations are hours of human work). Bulk writes batch many rows per commit,
    // so the extra fsync per commit costs little.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    read_settings(conn)
}

/// Settings for scans over large tables: memory-mapped reads (no copy through SQLite's page
/// cache; writes still go through the WAL) and a larger page cache.
fn read_settings(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "mmap_size", 1i64 << 30)?;
    conn.pragma_update(None, "cache_size", -65_536)?; // KiB
    Ok(())
}

/// A second, read-only connection to the database `conn` has open, for reading in parallel
/// (WAL readers do not block each other or the writer). `None` for an in-memory database.
pub(crate) fn open_reader(conn: &Connection) -> Result<Option<Connection>> {
    let Some(path) = conn.path().filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let reader = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    reader.busy_timeout(Duration::from_secs(10))?;
    read_settings(&reader)?;
    Ok(Some(reader))
}

/// Apply every migration newer than the database's `user_version`, each in its own transaction.
pub(crate) fn migrate(conn: &mut Connection, root: &Path) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(Error::NewerSchema {
            path: root.to_path_buf(),
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    // Foreign keys off while migrations run (a table rebuild drops and renames tables, as
    // SQLite's procedure for table changes asks), checked before each migration commits.
    // The pragma cannot change inside a transaction: it is set around them.
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = (|| -> Result<()> {
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            // A table a migration rebuilds (a copy renamed into place) is checked.
            let mut broken: i64 = 0;
            for rebuilt in sql.split("RENAME TO ").skip(1) {
                let table: String = rebuilt
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                broken += tx.query_row(
                    "SELECT COUNT(*) FROM pragma_foreign_key_check(?1)",
                    [&table],
                    |r| r.get::<_, i64>(0),
                )?;
            }
            if broken > 0 {
                return Err(Error::InvalidArgument(format!(
                    "{}: upgrading the project to schema {} would leave {broken} broken reference(s); nothing was changed by that step. Keep a copy of the folder and report this",
                    root.display(),
                    i + 1
                )));
            }
            // A migration that edits table definitions in place (`writable_schema`): the schema
            // version moves on, so this connection and every other one read the new definitions.
            if sql.contains("writable_schema") {
                let v: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
                tx.pragma_update(None, "schema_version", v + 1)?;
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
            tx.commit()?;
        }
        Ok(())
    })();
    conn.pragma_update(None, "foreign_keys", enforced)?;
    result
}

pub(crate) use crate::json::{from_json_column, json_text};

/// Read one optional value; a small helper over rusqlite's `optional()`.
pub(crate) fn optional<T>(r: rusqlite::Result<T>) -> Result<Option<T>> {
    Ok(r.optional()?)
}

#[cfg(test)]
mod tests;
