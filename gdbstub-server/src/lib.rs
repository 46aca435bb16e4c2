//! gdb remote serial protocol server for rtt.
//!
//! Placeholder crate: the gdb server is tracked by its own issue ("gdb remote server with
//! reverse execution") and builds on the engine's timeline API, which does not exist yet.
//! Nothing here is used by the `rtt` binary today.
#![deny(missing_docs)]
