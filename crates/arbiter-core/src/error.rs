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

    #[error("{path}: cannot read: {message}", path = .path.display())]
    Read { path: PathBuf, message: String },

    #[error("{0}")]
    InvalidArgument(String),

    #[error("{what} not found: {name}")]
    NotFound { what: &'static str, name: String },

    #[error("cancelled; nothing was written")]
    Cancelled,

    #[error("database error: {0}")]
    Db(#[from] rusqlite::Error),

    #[error("{path}: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{path}: cannot decode image: {message}", path = .path.display())]
    Image { path: PathBuf, message: String },

    #[error("{path}: this project is open in another Arbiter window; switch to that window, or close it and open the project again", path = .0.display())]
    Locked(PathBuf),

    /// The ONNX Runtime library is missing, of the wrong version, or cannot run as asked.
    #[error("{0}")]
    Runtime(String),

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
    /// The project is held by another app window.
    Locked,
    Internal,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::NoProject(_) => ErrorCode::NoProject,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::ProjectExists(_)
            | Error::InvalidSource { .. }
            | Error::InvalidAnnotations { .. }
            | Error::InvalidArgument(_)
            | Error::Image { .. }
            | Error::Read { .. }
            | Error::Model { .. } => ErrorCode::InvalidInput,
            Error::Runtime(_) => ErrorCode::Runtime,
            Error::Locked(_) => ErrorCode::Locked,
            Error::NewerSchema { .. } => ErrorCode::NewerSchema,
            Error::Io { .. } => ErrorCode::Io,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Db(_) => ErrorCode::Internal,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
