//! Typed addresses in a tracee's address space, so they cannot be mixed with rtt's own pointers.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An address in a tracee's address space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RemoteAddr(pub u64);

impl RemoteAddr {
    /// The NULL address.
    pub const NULL: RemoteAddr = RemoteAddr(0);

    /// Whether this is NULL.
    pub fn is_null(self) -> bool {
        self.0 == 0
    }

    /// This address plus `n` bytes (wrapping, as addresses from a tracee may be garbage).
    pub fn offset(self, n: u64) -> RemoteAddr {
        RemoteAddr(self.0.wrapping_add(n))
    }
}

impl fmt::Display for RemoteAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}
