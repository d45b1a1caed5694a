//! The core's error type: every variant says what went wrong and with which file, row or field,
//! and what to do about it. Shells map [`Error::code`] to their own transport.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A problem found while validating a dataset source, tied to a row (1-based data row) or a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based data row (the header is not counted), when the problem belongs to a row.
    pub row: Option<usize>,
    /// 1-based line in a text manifest (CSV: row + 1 for the header; JSONL: the row), if known.
    pub line: Option<usize>,
    pub message: String,
}

impl Problem {
    pub fn general(message: impl Into<String>) -> Self {
        Problem {
            row: None,
            line: None,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, self.line) {
            (Some(r), Some(l)) => write!(f, "row {r} (line {l}): {}", self.message),
            (Some(r), None) => write!(f, "row {r}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

/// How many problems a validation error lists before summarising the rest.
pub const MAX_LISTED_PROBLEMS: usize = 10;

fn list_problems(problems: &[Problem]) -> String {
    let mut out = String::new();
    for p in problems.iter().take(MAX_LISTED_PROBLEMS) {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    if problems.len() > MAX_LISTED_PROBLEMS {
        out.push_str(&format!(
            "\n  … and {} more",
            problems.len() - MAX_LISTED_PROBLEMS
        ));
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: no Arbiter project here (no arbiter.db). Create one with `arbiter init {path}` or pass --project DIR.", path = .0.display())]
    NoProject(PathBuf),

    #[error("{path}: not an Arbiter project: {why}. Nothing was changed; open the folder that holds your project, or move this file away and run `arbiter init`.", path = .path.display())]
    NotAProject { path: PathBuf, why: String },

    #[error("{path}: already an Arbiter project (arbiter.db exists); open it instead of creating it again.", path = .0.display())]
    ProjectExists(PathBuf),

    #[error("{path}: this project was written by a newer Arbiter (schema version {found}; this build understands up to {supported}). Upgrade Arbiter to open it; nothing was changed.", path = .path.display())]
    NewerSchema {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    #[error("{path}: invalid dataset source — {problems_len} problem(s), nothing was imported:{list}", path = .path.display(), problems_len = .problems.len(), list = list_problems(.problems))]
    InvalidSource {
        path: PathBuf,
        problems: Vec<Problem>,
    },

    #[error("{path}: invalid annotations file — {problems_len} problem(s), nothing was imported:{list}", path = .path.display(), problems_len = .problems.len(), list = list_problems(.problems))]
    InvalidAnnotations {
        path: PathBuf,
        problems: Vec<Problem>,
    },

    #[error("{path}: invalid predictions file — {problems_len} problem(s), nothing was imported:{list}", path = .path.display(), problems_len = .problems.len(), list = list_problems(.problems))]
    InvalidPredictions {
        path: PathBuf,
        problems: Vec<Problem>,
    },

    #[error("{path}: invalid Label Studio export — {problems_len} problem(s), nothing was imported:{list}", path = .path.display(), problems_len = .problems.len(), list = list_problems(.problems))]
    InvalidLabelStudio {
        path: PathBuf,
        problems: Vec<Problem>,
    },

    #[error("{path}: cannot read: {message}", path = .path.display())]
    Read { path: PathBuf, message: String },

    #[error("{0}")]
    InvalidArgument(String),

    /// No valid credentials: an unknown, expired or revoked token (which of them is not said).
    #[error("{0}")]
    Unauthorized(String),

    /// Credentials valid, but the role (or the person) may not do this.
    #[error("{0}")]
    Forbidden(String),

    #[error("{what} not found: {name}")]
    NotFound { what: &'static str, name: String },

    #[error("cancelled; nothing was written")]
    Cancelled,

    #[error("{}", db_message(.0))]
    Db(#[from] rusqlite::Error),

    #[error("the disk holding {path} is full: this change was not saved, and nothing saved before was lost. Free some disk space and run the command again", path = .0.display())]
    DiskFull(PathBuf),

    #[error("run {0} is being worked on by another Arbiter process; wait for it to finish (or cancel it there), then resume it with `arbiter predict --resume {0}` if it did not finish")]
    RunBusy(i64),

    #[error("{path}: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{path}: cannot decode image: {message}", path = .path.display())]
    Image { path: PathBuf, message: String },

    #[error("{path}: this project is open in another Arbiter window; switch to that window, or close it and open the project again", path = .0.display())]
    Locked(PathBuf),

    /// A media file that is no longer what was imported (changed, or moved out of its root).
    #[error("{path}: {message}", path = .path.display())]
    Media { path: PathBuf, message: String },

    /// The ONNX Runtime library is missing, of the wrong version, or cannot run as asked.
    #[error("{0}")]
    Runtime(String),

    /// An event pack that cannot be imported here (another project's, damaged, a newer format,
    /// naming what this replica lacks); nothing of it was written.
    #[error("{path}: {message}; nothing of the pack was imported", path = .path.display())]
    Pack { path: PathBuf, message: String },

    /// The project's agreement target is not met (failing, or not computable yet): the export
    /// refuses unless allowed explicitly. The message names the target, figure and interval.
    #[error("{0}")]
    BelowTarget(String),

    /// A model file that is not a usable ONNX model, or that this data cannot feed.
    #[error("{path}: {message}", path = .path.display())]
    Model { path: PathBuf, message: String },
}

/// A closed set of machine-readable codes for shells (IPC, exit codes, JSON errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    NoProject,
    NotFound,
    InvalidInput,
    NewerSchema,
    Io,
    Cancelled,
    /// ONNX Runtime missing or unusable.
    Runtime,
    /// The project (or a run) is held by another app window or process.
    Locked,
    /// The project cannot be written here; reads work.
    ReadOnly,
    /// No valid credentials (`arbiter serve`: HTTP 401).
    Unauthorized,
    /// Not allowed for this role or person (`arbiter serve`: HTTP 403).
    Forbidden,
    /// The agreement target is not met, so the export was refused (`--allow-below-target`).
    BelowTarget,
    Internal,
}

impl ErrorCode {
    /// The code's name in JSON errors and the IPC contract (`no_project`, `read_only`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NoProject => "no_project",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::NewerSchema => "newer_schema",
            ErrorCode::Io => "io",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Runtime => "runtime",
            ErrorCode::Locked => "locked",
            ErrorCode::ReadOnly => "read_only",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::BelowTarget => "below_target",
            ErrorCode::Internal => "internal",
        }
    }

    /// Every code, in a fixed order (documentation and tests).
    pub const ALL: [ErrorCode; 13] = [
        ErrorCode::NoProject,
        ErrorCode::NotFound,
        ErrorCode::InvalidInput,
        ErrorCode::NewerSchema,
        ErrorCode::Io,
        ErrorCode::Cancelled,
        ErrorCode::Runtime,
        ErrorCode::Locked,
        ErrorCode::ReadOnly,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::BelowTarget,
        ErrorCode::Internal,
    ];
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NoProject(_) => ErrorCode::NoProject,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::ProjectExists(_)
            | Error::InvalidSource { .. }
            | Error::InvalidAnnotations { .. }
            | Error::InvalidPredictions { .. }
            | Error::InvalidLabelStudio { .. }
            | Error::InvalidArgument(_)
            | Error::Image { .. }
            | Error::Read { .. }
            | Error::Media { .. }
            | Error::Pack { .. }
            | Error::Model { .. } => ErrorCode::InvalidInput,
            Error::Runtime(_) => ErrorCode::Runtime,
            Error::Locked(_) | Error::RunBusy(_) => ErrorCode::Locked,
            Error::NotAProject { .. } => ErrorCode::InvalidInput,
            Error::Db(e) => db_code(e),
            Error::NewerSchema { .. } => ErrorCode::NewerSchema,
            Error::Io { .. } | Error::DiskFull(_) => ErrorCode::Io,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Unauthorized(_) => ErrorCode::Unauthorized,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::BelowTarget(_) => ErrorCode::BelowTarget,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// A database error in words a user can act on: a full disk, a read-only project, a damaged
/// file each say what happened to their work and what to do; anything else keeps SQLite's text.
fn db_message(e: &rusqlite::Error) -> String {
    use rusqlite::ErrorCode as C;
    let detail = match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => Some(m.as_str()),
        _ => None,
    };
    match e.sqlite_error_code() {
        Some(C::DiskFull) => "the disk is full: this change was not saved, and nothing saved before was lost. Free some disk space and run the command again".into(),
        Some(C::ReadOnly) => match detail.filter(|d| d.contains("needs a writable folder")) {
            Some(d) => d.to_string(),
            None => "the project cannot be written here (a read-only folder or file): reading works, but this command changes the project. Copy the project to a folder you can write, or fix its permissions; nothing was changed".into(),
        },
        Some(C::DatabaseCorrupt) | Some(C::NotADatabase) => "the project's database is damaged (database disk image is malformed). Restore arbiter.db from a backup, or recover what can be read with `sqlite3 arbiter.db .recover | sqlite3 recovered.db` and open the recovered copy as arbiter.db".into(),
        Some(C::SystemIoFailure) => format!(
            "a disk read or write failed ({}): the disk may be full or failing. This change was not saved; nothing saved before was lost. Check the disk's free space and health, then run the command again",
            detail.unwrap_or("disk I/O error")
        ),
        Some(C::DatabaseBusy) | Some(C::DatabaseLocked) => "the project is busy: another Arbiter process kept it locked for more than 10 seconds. Nothing was changed; run the command again when the other one has finished".into(),
        _ => format!("database error: {e}"),
    }
}

impl Error {
    /// This error made definite where the disk is the cause: a failed disk read or write
    /// (SQLite reports a full disk under a WAL database as an I/O error) on a file system
    /// with almost no free space left at `dir` is a full disk. `None` when it is not.
    pub fn disk_full_at(&self, dir: &std::path::Path) -> Option<Error> {
        let io = match self {
            Error::Db(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::SystemIoFailure) | Some(rusqlite::ErrorCode::DiskFull)
            ),
            Error::Io { source, .. } => source.kind() == std::io::ErrorKind::StorageFull,
            _ => false,
        };
        let free = fs4::available_space(dir).ok()?;
        (io && free < 4 * 1024 * 1024).then(|| Error::DiskFull(dir.to_path_buf()))
    }
}

/// The code of a database error: what a shell can tell the user, else internal.
fn db_code(e: &rusqlite::Error) -> ErrorCode {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DiskFull) | Some(C::SystemIoFailure) => ErrorCode::Io,
        Some(C::ReadOnly) => ErrorCode::ReadOnly,
        Some(C::DatabaseBusy) | Some(C::DatabaseLocked) => ErrorCode::Locked,
        _ => ErrorCode::Internal,
    }
}
