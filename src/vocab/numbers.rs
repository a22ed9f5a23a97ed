//! The numbers the engine gives the parties of one simulation: writers, requester objects and
//! providers, in creation order. Traces, choosers and scenario files name parties by them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Numbers a registered writer instance, in registration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WriterNo(pub u32);

/// Numbers a requester object (`IVssBackupComponents`), in creation order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionNo(pub u32);

/// Numbers a registered provider, in registration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProviderNo(pub u32);

impl fmt::Display for WriterNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "writer#{}", self.0)
    }
}

impl fmt::Display for SessionNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "requester#{}", self.0)
    }
}

impl fmt::Display for ProviderNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "provider#{}", self.0)
    }
}
