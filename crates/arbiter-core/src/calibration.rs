//! Calibration of a run's confidence and certified auto-accept, learned from a fair sample
//! ([`sample`]: the decided items of a random queue saved without a threshold).

pub mod sample;

pub use sample::{fair_sample, unfair_reason, Sample, SampleItem, MIN_ITEMS};

#[cfg(test)]
mod tests;
