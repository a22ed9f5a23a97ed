//! Placeholder replaced by the oracle.
