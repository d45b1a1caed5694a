//! Drift: is today's data still the data the model and the labels were made for?
//! Feature drift between two dataset versions (or the versions of two runs) by Evidently's
//! default tests (`stats.rs`), prediction drift and a label-free accuracy estimate between
//! two runs (`predictions.rs`), and a domain classifier that ranks the current items least
//! like the reference (`domain.rs`).

pub mod stats;

pub use stats::{Kind, Method, Outcome, Test};
