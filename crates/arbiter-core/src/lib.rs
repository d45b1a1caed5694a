//! Arbiter's headless engine. Everything the CLI and the desktop app do goes through this crate:
//! the project store (SQLite), label schema, dataset import and queries, thumbnails, the model
//! registry and ONNX Runtime inference, review queues, annotations and decisions, metrics and
//! export. It has no GUI, CLI or IPC dependency; shells adapt it.

// The core reports through its return values; it never prints or leaves the process.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::exit)]

/// `FromSql` for closed sets stored as their `as_str`: read back through the type's `FromStr`, so
/// a value the code does not know is an error naming it, not a silent default.
macro_rules! sql_from_str {
    ($($t:ty),* $(,)?) => {$(
        impl rusqlite::types::FromSql for $t {
            fn column_result(
                v: rusqlite::types::ValueRef<'_>,
            ) -> rusqlite::types::FromSqlResult<Self> {
                v.as_str()?
                    .parse()
                    .map_err(|e: crate::Error| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    )*};
}

pub mod access;
pub mod annotate;
pub mod annotators;
pub mod answer_key;
pub mod audit;
pub mod calibrated;
pub mod calibration;
pub mod compare;
pub mod conformal;
pub mod dataset;
pub mod decide;
pub mod destination;
pub mod drift;
pub mod error;
pub mod escalate;
pub mod events;
pub mod export;
pub mod gold;
pub mod identity;
pub mod items;
mod json;
pub mod labelstudio;
pub mod media;
pub mod metrics;
pub mod model;
pub mod predict;
pub mod queue;
pub mod review;
pub mod schema;
pub mod store;
pub mod sync;
pub mod table;
pub mod time;

#[cfg(test)]
mod module_graph;
#[cfg(test)]
mod testutil;

pub use error::{Error, Result};
pub use store::Project;

/// The Arbiter version recorded in projects, audit entries and lineage files.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
