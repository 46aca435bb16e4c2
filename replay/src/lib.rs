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
//! - [`sys`] is the only module with `unsafe`: raw ptrace, wait, fork/exec.
#![deny(missing_docs)]
#![deny(unsafe_code, unsafe_op_in_unsafe_fn)]

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
#[allow(unsafe_code)]
pub mod sys;
pub mod syscalls;
pub mod timeline;
pub mod trace;
pub mod tracee;
pub mod wait;

pub use error::{Error, Result};
