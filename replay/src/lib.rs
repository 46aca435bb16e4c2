//! rtt-replay: the engine of rtt, a record/replay debugger for Linux x86-64 that needs no
//! hardware performance counters.
//!
//! - [`record::record`] runs a program tree under ptrace and writes a trace
//!   ([`trace::TraceWriter`]): every syscall's result and the memory it wrote, signals with
//!   the registers at delivery, `rdtsc` values, process creation and exec.
//! - [`replay::replay`] re-executes the program from a trace ([`trace::TraceReader`]),
//!   emulating what the [`syscalls`] table says to emulate and checking the rest.
//! - [`timeline::Timeline`] is a replay that can stop anywhere and run backwards: the
//!   API the debugger front ends drive.
//! - [`sys`] is the only module that makes raw system calls: ptrace, wait, fork/exec.
//!   The crate's lints (`Cargo.toml`) refuse that kind of code anywhere else.
#![deny(missing_docs)]

pub mod auxv;
pub mod cpu;
pub mod error;
pub mod interp;
pub mod linkmap;
pub mod mem;
pub mod procmaps;
pub mod record;
pub mod regs;
pub mod remote;
pub mod replay;
pub mod sys;
pub mod syscalls;
pub mod timeline;
pub mod trace;
pub mod tracee;
pub mod wait;

pub use error::{Error, Result};
