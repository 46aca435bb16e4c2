//! rtt-gdbstub: a gdb remote-protocol server over rtt's timeline, so that gdb debugs a
//! recorded execution forwards and backwards (`reverse-continue`, `reverse-step`, ...).
//!
//! Built on the `gdbstub` crate's target traits: [`target`] maps execution and state,
//! [`traps`] breakpoints and watchpoints, [`queries`] what gdb reads to load symbols,
//! [`monitor`] rtt's own commands, [`arch`] the register set.
#![deny(missing_docs)]

pub mod arch;
mod conn;
pub mod files;
mod guard;
mod monitor;
mod queries;
mod svr4;
pub mod target;
mod traps;

pub use conn::StdioConnection;
pub use target::RttTarget;

use gdbstub::conn::ConnectionExt;
use gdbstub::stub::run_blocking::{BlockingEventLoop, Event, WaitForStopReasonError};
use gdbstub::stub::{DisconnectReason, GdbStub, MultiThreadStopReason};
use rtt_replay::timeline::{Timeline, TimelineOptions};
use std::fmt;
use std::marker::PhantomData;

/// Why serving gdb failed.
#[derive(Debug)]
pub enum Error {
    /// The replay failed (a damaged trace, a divergence, a tracee that died).
    Replay(rtt_replay::Error),
    /// The connection to gdb failed.
    Connection(std::io::Error),
    /// gdb and the server disagreed about the protocol.
    Protocol(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Replay(e) => write!(f, "{e}"),
            Error::Connection(e) => write!(f, "connection to gdb: {e}"),
            Error::Protocol(m) => write!(f, "gdb protocol: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<rtt_replay::Error> for Error {
    fn from(e: rtt_replay::Error) -> Error {
        Error::Replay(e)
    }
}

/// How a gdb session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// gdb detached, or closed the connection.
    Detached,
    /// gdb killed the program (`kill`, or quitting gdb).
    Killed,
    /// The program's exit was reported and gdb let go.
    Exited,
}

/// Bytes of one packet: room for the register file, library lists and file reads.
const PACKET_SIZE: usize = 0x10000;

/// Opens the trace in `dir` for debugging: indexes the files gdb will ask for and stops
/// at the start of history. The calling thread becomes the tracer (see [`Timeline::open`]).
pub fn open(opts: TimelineOptions) -> Result<RttTarget, Error> {
    let files = files::TraceFiles::index(&opts.trace_dir)?;
    let tl = Timeline::open(opts)?;
    Ok(RttTarget::new(tl, files))
}

/// Bad packets tolerated in one session before it is given up.
const MAX_BAD_PACKETS: u32 = 100;

/// Serves one gdb session on `conn` until gdb detaches, kills the program or goes away.
/// A packet that cannot be parsed gets an error reply and the session goes on.
pub fn serve<C>(target: &mut RttTarget, mut conn: C) -> Result<Ending, Error>
where
    C: ConnectionExt<Error = std::io::Error>,
{
    let mut guarded = guard::Guarded::new(&mut conn);
    let mut bad = 0;
    loop {
        let stub = GdbStub::builder(&mut guarded as &mut dyn ConnectionExt<Error = _>)
            .packet_buffer_size(PACKET_SIZE)
            .build()
            .map_err(|e| Error::Protocol(e.to_string()))?;
        let e = match stub.run_blocking::<EventLoop>(target) {
            Ok(DisconnectReason::Disconnect) => return Ok(Ending::Detached),
            Ok(DisconnectReason::Kill) => return Ok(Ending::Killed),
            Ok(DisconnectReason::TargetExited(_) | DisconnectReason::TargetTerminated(_)) => {
                return Ok(Ending::Exited)
            }
            Err(e) => e,
        };
        if e.is_connection_error() {
            // gdb went away without a word: the session is over all the same.
            return Ok(Ending::Detached);
        }
        if e.is_target_error() {
            return Err(e
                .into_target_error()
                .unwrap_or_else(|| Error::Protocol("lost error".into())));
        }
        bad += 1;
        if bad > MAX_BAD_PACKETS {
            return Err(Error::Protocol(format!(
                "giving up after {MAX_BAD_PACKETS} bad packets: {e}"
            )));
        }
        eprintln!("rtt: bad packet from gdb, answered with an error: {e}");
        guarded.reject_and_reset().map_err(Error::Connection)?;
    }
}

/// The byte gdb sends for Ctrl-C.
const INTERRUPT: u8 = 0x03;

struct EventLoop<'a>(PhantomData<&'a ()>);

impl<'a> BlockingEventLoop for EventLoop<'a> {
    type Target = RttTarget;
    type Connection = &'a mut dyn ConnectionExt<Error = std::io::Error>;
    type StopReason = MultiThreadStopReason<u64>;

    fn wait_for_stop_reason(
        target: &mut RttTarget,
        conn: &mut Self::Connection,
    ) -> Result<Event<Self::StopReason>, WaitForStopReasonError<Error, std::io::Error>> {
        // An interrupt already read with the resume request: do not run at all.
        if let Ok(Some(INTERRUPT)) = conn.peek() {
            conn.read().map_err(WaitForStopReasonError::Connection)?;
            return Ok(Event::TargetStopped(target.interrupted()));
        }
        // The run goes to its stop before gdb is read again; gdb's interrupt (Ctrl-C)
        // meanwhile is caught by the target's input watch.
        target
            .run_action()
            .map(Event::TargetStopped)
            .map_err(WaitForStopReasonError::Target)
    }

    /// gdb's interrupt is read here only when the program is stopped already (a run in
    /// progress is interrupted by the target's input watch): nothing to report, and a
    /// stop reported now would be taken for the end of the next run.
    fn on_interrupt(_target: &mut RttTarget) -> Result<Option<Self::StopReason>, Error> {
        Ok(None)
    }
}
