//! vss-sim (crate docs are written once the layers exist).
pub mod coordinator;
pub mod provider;
pub mod requester;
pub mod trace;
pub mod vocab;
pub mod writer;
