//! The engine's error type.

use std::fmt;

/// Everything that can go wrong while recording or replaying.
#[derive(Debug)]
pub enum Error {
    /// An I/O operation on a file of rtt's own (trace files, /proc) failed.
    Io {
        /// What rtt was doing.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A system call made by rtt itself (ptrace, wait, ...) failed.
    Sys {
        /// What rtt was doing.
        what: String,
        /// The errno.
        errno: nix::errno::Errno,
    },
    /// The program to record cannot be started.
    Spawn(String),
    /// The trace is missing, truncated, corrupt or of another format version.
    Trace(String),
    /// Replay did not follow the recording.
    Divergence {
        /// The event at which the replay diverged.
        event: u64,
        /// Expected versus actual.
        detail: String,
    },
    /// The recorded program made a syscall rtt cannot record.
    Unsupported {
        /// The syscall's name.
        name: String,
        /// Its number.
        nr: i64,
        /// The event number at which it happened.
        event: u64,
    },
    /// The user interrupted the operation (Ctrl-C).
    Interrupted,
    /// The CPU lacks a feature the recording machine had.
    Cpu(String),
    /// A request the timeline cannot carry out (writing to recorded history, an unknown
    /// checkpoint, a position outside the trace, too many watchpoints, ...).
    Refused(String),
    /// Internal to the engine: a debugger stop (breakpoint, watchpoint, single-step)
    /// interrupted the replay of an event, which will be replayed again on resuming.
    /// Never returned by the public API.
    Paused,
}

/// The engine's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Wraps an I/O error with what rtt was doing.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
    /// Wraps an errno with what rtt was doing.
    pub fn sys(what: impl Into<String>, errno: nix::errno::Errno) -> Self {
        Error::Sys {
            what: what.into(),
            errno,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::Sys { what, errno } => write!(f, "{what}: {}", errno.desc()),
            Error::Spawn(msg) => write!(f, "{msg}"),
            Error::Trace(msg) => write!(f, "{msg}"),
            Error::Divergence { event, detail } => {
                write!(f, "replay diverged at event {event}: {detail}")
            }
            Error::Unsupported { name, nr, event } => {
                write!(f, "unsupported syscall {name} ({nr}) at event {event}")
            }
            Error::Interrupted => write!(f, "interrupted"),
            Error::Cpu(msg) => write!(f, "{msg}"),
            Error::Refused(msg) => write!(f, "{msg}"),
            Error::Paused => write!(f, "paused at a debugger stop"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
