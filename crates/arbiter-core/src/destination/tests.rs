//! Tests of destination checks and staged writes.
use super::*;
