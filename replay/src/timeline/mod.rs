//! The timeline: a replay that can be stopped anywhere, inspected, and moved forwards or
//! backwards. This is the engine API that the gdb server and the REPL drive.
//!
//! Going back restores a checkpoint (a forked copy of the replayed processes) taken before
//! the target and replays forward to it; positions ([`Position`]) name every stop exactly.

mod checkpoints;
mod control;
mod decode;
mod forward;
mod live;
mod order;
mod position;
mod predecessor;
mod reverse;
mod search;
mod state;
mod traps;
mod travel;

pub use checkpoints::{CheckpointInfo, CheckpointKind};
pub use live::LiveTimeline;
pub use position::{Anchor, Position, WatchKey};
pub use travel::Travel;

use crate::error::{Error, Result};
use crate::replay::{ReplayEnd, ReplayOptions, Replayer};
use crate::sys;
use crate::trace::Event;
use crate::wait::ExitStatus;
use checkpoints::Checkpoints;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

/// How to open a timeline.
#[derive(Debug, Clone)]
pub struct TimelineOptions {
    /// The trace directory.
    pub trace_dir: PathBuf,
    /// CPU to pin to (None: choose one).
    pub cpu: Option<usize>,
    /// Echo what the program writes to stdout/stderr while replaying.
    pub echo: bool,
    /// Most checkpoints kept at once.
    pub max_checkpoints: usize,
    /// Most memory the checkpoints may hold on their own, in bytes.
    pub max_checkpoint_bytes: u64,
    /// Replay time between automatic checkpoints while running forward, in milliseconds.
    pub checkpoint_interval_ms: u64,
}

impl TimelineOptions {
    /// Defaults: 64 checkpoints, a quarter of the machine's memory (at most 4 GiB),
    /// a checkpoint every 100 ms of forward replay.
    pub fn new(trace_dir: impl Into<PathBuf>) -> TimelineOptions {
        TimelineOptions {
            trace_dir: trace_dir.into(),
            cpu: None,
            echo: false,
            max_checkpoints: 64,
            max_checkpoint_bytes: default_memory_budget(),
            checkpoint_interval_ms: 100,
        }
    }
}

fn default_memory_budget() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(4 << 30, |kib| kib * 1024);
    (total / 4).min(4 << 30)
}

/// Why the timeline stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// A breakpoint's address was reached (the instruction has not run).
    Breakpoint {
        /// The address.
        addr: u64,
    },
    /// A watched range was accessed. Forwards the position is right after the access;
    /// backwards it is at the accessing instruction, before it runs.
    Watchpoint {
        /// What is watched.
        key: WatchKey,
        /// The value before the access.
        before: Vec<u8>,
        /// The value after the access.
        after: Vec<u8>,
    },
    /// One instruction was executed (forwards or backwards).
    Step,
    /// A signal is about to be delivered to `tid`.
    Signal {
        /// Recorded thread id.
        tid: i32,
        /// The signal.
        signo: i32,
    },
    /// `tid` entered syscall `nr` (a caught syscall).
    SyscallEntry {
        /// Recorded thread id.
        tid: i32,
        /// Syscall number.
        nr: i64,
    },
    /// `tid` returned from syscall `nr` (a caught syscall).
    SyscallExit {
        /// Recorded thread id.
        tid: i32,
        /// Syscall number.
        nr: i64,
        /// Its result.
        ret: i64,
    },
    /// `parent` created `child`.
    Fork {
        /// Creating thread.
        parent: i32,
        /// New thread.
        child: i32,
    },
    /// `tid` executed a new program.
    Exec {
        /// Recorded thread id.
        tid: i32,
        /// The program.
        exe: String,
    },
    /// `tid` ended.
    Exited {
        /// Recorded thread id.
        tid: i32,
        /// How.
        status: ExitStatus,
    },
    /// The position asked for was reached.
    Reached,
    /// Going backwards reached the start of history.
    StartOfHistory,
    /// Going forwards reached the end of the trace.
    EndOfHistory {
        /// How the recording ended.
        end: ReplayEnd,
        /// Exit status of the first process, when the trace says.
        status: Option<ExitStatus>,
    },
}

/// What the timeline stops at besides breakpoints and watchpoints.
#[derive(Debug, Clone, Default)]
pub struct Catch {
    /// Syscalls to stop at (entry and return); an empty set means all.
    pub syscalls: Option<BTreeSet<i64>>,
    /// Stop when a process or thread is created.
    pub fork: bool,
    /// Stop after an exec.
    pub exec: bool,
    /// Stop when a thread ends.
    pub exit: bool,
}

impl Catch {
    fn syscall(&self, nr: i64) -> bool {
        self.syscalls
            .as_ref()
            .is_some_and(|s| s.is_empty() || s.contains(&nr))
    }
}

/// A thread of the replayed program, as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// Recorded thread id (what the program saw).
    pub tid: i32,
    /// The process replaying it now.
    pub pid: i32,
    /// Whether it runs at the current position.
    pub current: bool,
    /// Its name (`comm`).
    pub name: String,
}

/// Something whose hits are counted to name positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    Pc(u64),
    Watch(WatchKey),
}

/// Signals that do not stop the timeline by default (as in gdb).
const QUIET_SIGNALS: [i32; 7] = [
    libc::SIGALRM,
    libc::SIGURG,
    libc::SIGCHLD,
    libc::SIGWINCH,
    libc::SIGIO,
    libc::SIGPROF,
    libc::SIGVTALRM,
];

/// Single-steps taken at most to find the instruction before a position.
const MAX_SEARCH_STEPS: u64 = 200_000;
/// A user stop this close (ms) after the checkpoint the replay last left is not
/// checkpointed: coming back to it from there costs at most that long.
const STOP_CHECKPOINT_MS: u64 = 20;
/// Steps between checkpoints while stepping towards an earlier instruction.
const TRAIL_INTERVAL: u64 = 256;

/// A replay that can be moved to any position, forwards and backwards.
pub struct Timeline {
    r: Replayer,
    opts: TimelineOptions,
    pos: Position,
    /// Hit counts since the start of the current stretch, for keys whose count is known.
    counts: HashMap<Key, u64>,
    /// At the start of a stretch or mark (no user code run since): every count is 0.
    fresh: bool,
    /// The mark the counts are relative to (None: the stretch start).
    mark: Option<u64>,
    bps: BTreeSet<u64>,
    watches: Vec<WatchKey>,
    watch_values: HashMap<WatchKey, Vec<u8>>,
    catch: Catch,
    quiet_signals: BTreeSet<i32>,
    ckpts: Checkpoints,
    start: Position,
    end: Option<(ReplayEnd, Option<ExitStatus>)>,
    /// Kind of every event replayed so far, by number (to walk back from a stretch).
    kinds: Vec<Option<crate::replay::EventKind>>,
    /// Syscall each thread is in.
    in_syscall: HashMap<i32, i64>,
    last_periodic_ms: u64,
    /// Whether long runs are interrupted to make marks (needs the task-clock perf event).
    marks: bool,
    /// Time between automatic checkpoints for the current forward run (ns: tracee CPU
    /// time for marks, replay time at event boundaries).
    interval_ns: u64,
    /// Where the last successful operation left the replay.
    settled: Position,
    /// An operation failed: the replay is not at `pos`; go back to `settled` first.
    broken: bool,
    /// A key counted in the next forward runs besides the goal's (see `compare`).
    extra_key: Option<Key>,
    /// The checkpoint the replay last left (made or restored), and when: the replay is
    /// at most that long a replay after it.
    recent: Option<(u64, u64)>,
}

fn now_ms() -> u64 {
    // The replayer thread traps rdtsc: no vDSO clocks here.
    sys::clock_gettime(libc::CLOCK_MONOTONIC)
        .map_or(0, |(s, ns)| s as u64 * 1000 + ns as u64 / 1_000_000)
}

impl Timeline {
    /// Opens the trace and stops at the start of history: the first instruction of the
    /// recorded program, after its exec.
    ///
    /// The calling thread becomes the tracer, is pinned to one CPU and traps `rdtsc`
    /// from then on (as the tracees do; see [`crate::sys::trap_tsc_in_this_thread`]):
    /// it must not read clocks through the vDSO, and processes it spawns inherit both.
    pub fn open(opts: TimelineOptions) -> Result<Timeline> {
        let ropts = ReplayOptions {
            trace_dir: opts.trace_dir.clone(),
            cpu: opts.cpu,
            echo: opts.echo,
        };
        // Checkpoints whose parent tracee ended are reparented to rtt and reaped here.
        sys::become_subreaper()?;
        let r = Replayer::spawn(&ropts)?;
        let mut t = Timeline {
            r,
            ckpts: Checkpoints::new(opts.max_checkpoints, opts.max_checkpoint_bytes),
            opts,
            pos: Position::start_of(0),
            counts: HashMap::new(),
            fresh: true,
            mark: None,
            bps: BTreeSet::new(),
            watches: Vec::new(),
            watch_values: HashMap::new(),
            catch: Catch::default(),
            quiet_signals: QUIET_SIGNALS.into_iter().collect(),
            start: Position::start_of(0),
            end: None,
            kinds: Vec::new(),
            in_syscall: HashMap::new(),
            last_periodic_ms: now_ms(),
            marks: true,
            interval_ns: 100_000_000,
            settled: Position::start_of(0),
            broken: false,
            extra_key: None,
            recent: None,
        };
        t.run_to_start()?;
        Ok(t)
    }

    /// Replays up to the first user instruction after the first exec, and checkpoints it.
    fn run_to_start(&mut self) -> Result<()> {
        let mut exec_seen = false;
        loop {
            let next = self.r.peek()?;
            if exec_seen && next.as_ref().is_none_or(crate::replay::runs_user_code) {
                break;
            }
            if next.is_none() {
                return Err(Error::Trace(
                    "the trace ends before the program started".into(),
                ));
            }
            if let Some(Event::Exec { .. }) = next {
                exec_seen = true;
            }
            self.forward(forward::Goal::Event, forward::Report::Quiet)?;
        }
        self.start = self.pos.clone();
        self.settled = self.pos.clone();
        if !self.r.checkpointable() {
            return Err(Error::Refused(
                "cannot checkpoint the start of the program".into(),
            ));
        }
        let snap = self.r.snapshot()?;
        self.ckpts.add(
            self.pos.clone(),
            CheckpointKind::Start,
            snap,
            HashMap::new(),
            HashMap::new(),
            self.pos.event,
        );
        Ok(())
    }
}

impl Drop for Timeline {
    fn drop(&mut self) {
        self.ckpts.release_all();
        self.r.kill_all();
    }
}
