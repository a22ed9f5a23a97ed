//! vss-sim (crate docs are written once the layers exist).
pub mod trace;
pub mod vocab;
