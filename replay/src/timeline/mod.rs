//! The timeline: a replay that can be stopped anywhere, inspected, and moved forwards or
//! backwards. This is the engine API that the gdb server and the REPL drive.
//!
//! Going back restores a checkpoint (a forked copy of the replayed processes) taken before
//! the target and replays forward to it; positions ([`Position`]) name every stop exactly.

mod checkpoints;
mod forward;
mod order;
mod position;
mod reverse;
mod search;

pub use checkpoints::{CheckpointInfo, CheckpointKind};
pub use position::{Anchor, Position, WatchKey};

use crate::error::{Error, Result};
use crate::regs::Regs;
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
/// Steps between checkpoints while stepping towards an earlier instruction.
const TRAIL_INTERVAL: u64 = 256;

/// Whether a debug register can watch `w`.
fn hw_watchable(w: &WatchKey) -> bool {
    [1, 2, 4, 8].contains(&w.len) && w.addr.is_multiple_of(u64::from(w.len))
}

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
    /// Tracee CPU time between marks for the current forward run (ns).
    mark_interval_ns: u64,
    /// Where the last successful operation left the replay.
    settled: Position,
    /// An operation failed: the replay is not at `pos`; go back to `settled` first.
    broken: bool,
    /// A key counted in the next forward runs besides the goal's (see `compare`).
    extra_key: Option<Key>,
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
            mark_interval_ns: 100_000_000,
            settled: Position::start_of(0),
            broken: false,
            extra_key: None,
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

    /// The current position.
    pub fn position(&self) -> &Position {
        &self.pos
    }

    /// The start of history.
    pub fn start(&self) -> &Position {
        &self.start
    }

    /// Whether the replay is at the end of the trace.
    pub fn at_end(&self) -> bool {
        self.end.is_some()
    }

    /// The thread that runs at the current position (None at the end of the trace).
    pub fn current_tid(&mut self) -> Result<Option<i32>> {
        Ok(self.r.peek()?.and_then(|e| e.tid()))
    }

    fn tid(&mut self) -> Result<i32> {
        self.current_tid()?
            .ok_or_else(|| Error::Refused("the program has ended: no thread to inspect".into()))
    }

    /// The live threads of the replayed program.
    pub fn tasks(&mut self) -> Result<Vec<TaskInfo>> {
        let cur = self.current_tid()?;
        let mut v = Vec::new();
        for tid in self.r.tids() {
            v.push(TaskInfo {
                tid,
                pid: self.r.pid_of(tid)?,
                current: Some(tid) == cur,
            });
        }
        Ok(v)
    }

    /// The general registers of the current thread as the program sees them.
    pub fn regs(&mut self) -> Result<Regs> {
        let tid = self.tid()?;
        self.regs_of(tid)
    }

    /// The general registers of thread `tid`.
    pub fn regs_of(&mut self, tid: i32) -> Result<Regs> {
        let mut regs = self.r.regs_of(tid)?;
        if self.pos.anchor == Anchor::Pending && Some(tid) == self.current_tid()? {
            if let Some(Event::SyscallEntry { nr, .. }) = self.r.peek()? {
                // Held in the syscall's entry stop: show it at its `syscall` instruction.
                regs.set_rip(regs.rip().wrapping_sub(2));
                regs.set_rax(nr as u64);
                regs.set_orig_rax(u64::MAX);
            }
        }
        Ok(regs)
    }

    /// The extended register state (XSAVE layout: x87, SSE, AVX, AVX-512) of `tid`.
    pub fn xstate_of(&mut self, tid: i32) -> Result<Vec<u8>> {
        let pid = self.r.pid_of(tid)?;
        sys::get_xstate(pid)
    }

    /// Reads `len` bytes of the current thread's memory at `addr` (breakpoints are never
    /// visible: they are in memory only while the program runs).
    pub fn read_memory(&mut self, addr: u64, len: usize) -> Result<Vec<u8>> {
        let tid = self.tid()?;
        self.r.read_of(tid, addr, len)
    }

    /// Reads memory of thread `tid`'s process.
    pub fn read_memory_of(&mut self, tid: i32, addr: u64, len: usize) -> Result<Vec<u8>> {
        self.r.read_of(tid, addr, len)
    }

    /// Refused: the replay must follow the recording.
    pub fn write_memory(&mut self, addr: u64, _data: &[u8]) -> Result<()> {
        Err(Error::Refused(format!(
            "cannot write memory at {addr:#x}: this is a recorded execution, and changing it would change history"
        )))
    }

    /// Refused: the replay must follow the recording.
    pub fn set_regs(&mut self, _regs: &Regs) -> Result<()> {
        Err(Error::Refused(
            "cannot change registers: this is a recorded execution, and changing them would change history".into(),
        ))
    }

    /// Adds a software breakpoint (in every process).
    pub fn add_breakpoint(&mut self, addr: u64) {
        if self.bps.insert(addr) {
            self.counts.remove(&Key::Pc(addr));
        }
    }

    /// Removes a software breakpoint; false if there was none.
    pub fn remove_breakpoint(&mut self, addr: u64) -> bool {
        self.bps.remove(&addr)
    }

    /// Adds a watchpoint on `key.len` bytes at `key.addr`. Up to four of 1, 2, 4 or 8
    /// aligned bytes use the debug registers DR0-DR3; others are watched by
    /// single-stepping and comparing the bytes after each instruction (about 25 µs per
    /// instruction, as gdb's software watchpoints), which cannot see reads.
    pub fn add_watchpoint(&mut self, key: WatchKey) -> Result<()> {
        if key.len == 0 || key.len > 1 << 20 {
            return Err(Error::Refused(format!(
                "cannot watch {} bytes (1 byte to 1 MiB)",
                key.len
            )));
        }
        if self.watches.contains(&key) {
            return Ok(());
        }
        let hardware = self.watches.iter().filter(|w| hw_watchable(w)).count();
        if !(hw_watchable(&key) && hardware < 4) && key.reads {
            return Err(Error::Refused(format!(
                "a read watchpoint needs a debug register: 1, 2, 4 or 8 bytes at an aligned address, at most four ({} at {:#x} is not possible)",
                key.len, key.addr
            )));
        }
        self.watches.push(key);
        self.counts.remove(&Key::Watch(key));
        Ok(())
    }

    /// The watchpoints that use debug registers (the first four that fit one).
    fn hw_watches(&self) -> Vec<WatchKey> {
        self.watches
            .iter()
            .filter(|w| hw_watchable(w))
            .take(4)
            .copied()
            .collect()
    }

    /// The watchpoints watched by single-stepping.
    fn soft_watches(&self) -> Vec<WatchKey> {
        let hw = self.hw_watches();
        self.watches
            .iter()
            .filter(|w| !hw.contains(w))
            .copied()
            .collect()
    }

    /// Removes a watchpoint; false if there was none.
    pub fn remove_watchpoint(&mut self, key: WatchKey) -> bool {
        let before = self.watches.len();
        self.watches.retain(|w| *w != key);
        self.watches.len() != before
    }

    /// Sets what else the timeline stops at.
    pub fn set_catch(&mut self, catch: Catch) {
        self.catch = catch;
    }

    /// Whether signal `signo` stops the timeline (by default all but SIGALRM, SIGURG,
    /// SIGCHLD, SIGWINCH, SIGIO, SIGPROF and SIGVTALRM, as in gdb).
    pub fn set_signal_stops(&mut self, signo: i32, stop: bool) {
        if stop {
            self.quiet_signals.remove(&signo);
        } else {
            self.quiet_signals.insert(signo);
        }
    }

    /// Makes a checkpoint here that is kept until deleted; returns its number.
    pub fn checkpoint(&mut self) -> Result<u64> {
        if let Some(c) = self.ckpts.at(&self.pos) {
            if c.kind >= CheckpointKind::Explicit {
                return Ok(c.id);
            }
        }
        self.take_checkpoint(CheckpointKind::Explicit)?
            .ok_or_else(|| {
                Error::Refused(
                    "cannot checkpoint here (a syscall or signal is in progress); step first"
                        .into(),
                )
            })
    }

    /// Goes to checkpoint `id`.
    pub fn restart(&mut self, id: u64) -> Result<StopReason> {
        if self.ckpts.find(id).is_none() {
            return Err(Error::Refused(format!("no checkpoint {id}")));
        }
        self.guard(|t| {
            t.restore(id)?;
            Ok(StopReason::Reached)
        })
    }

    /// Runs one operation of the public API. If it fails (a divergence, Ctrl-C, a
    /// position that cannot be reached), the replay is put back where the last
    /// operation that succeeded left it, and the error is returned.
    fn guard<T>(&mut self, op: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.recover()?;
        match op(self) {
            Ok(v) => {
                self.settled = self.pos.clone();
                Ok(v)
            }
            Err(e) => {
                self.broken = true;
                let _ = self.recover();
                Err(e)
            }
        }
    }

    /// After a failed operation: back to the last settled position.
    fn recover(&mut self) -> Result<()> {
        if !self.broken {
            return Ok(());
        }
        if sys::interrupted() {
            return Err(Error::Interrupted);
        }
        self.r.arm = Default::default();
        let back = self.settled.clone();
        let id = self.best_checkpoint(&back, &[])?;
        self.restore_towards(id, Some(&back))?;
        self.forward(forward::Goal::To(back), forward::Report::Quiet)?;
        self.broken = false;
        Ok(())
    }

    /// Deletes checkpoint `id` (not the start of history).
    pub fn delete_checkpoint(&mut self, id: u64) -> Result<()> {
        if self.ckpts.remove(id) {
            Ok(())
        } else {
            Err(Error::Refused(format!("no checkpoint {id} to delete")))
        }
    }

    /// The checkpoints kept now.
    pub fn checkpoints(&self) -> Vec<CheckpointInfo> {
        self.ckpts
            .list
            .iter()
            .map(|c| CheckpointInfo {
                id: c.id,
                position: c.pos.clone(),
                kind: c.kind,
                bytes: c.bytes,
            })
            .collect()
    }

    /// Memory the checkpoints account for (their proportional share of the pages they
    /// map), in bytes, measured now.
    pub fn checkpoint_bytes(&mut self) -> u64 {
        for c in &mut self.ckpts.list {
            c.bytes = c.snap.shared_bytes();
        }
        self.ckpts.total_bytes()
    }

    /// Tracee CPU time between automatic checkpoints while running forward: the
    /// configured interval, longer for big programs (4 ms per MiB resident), because
    /// after a checkpoint the program's next write to each page copies it.
    fn checkpoint_interval_ns(&self) -> u64 {
        let by_size = (self.r.resident_bytes() >> 20) * 4;
        self.opts.checkpoint_interval_ms.max(by_size) * 1_000_000
    }

    /// Checkpoints the current position, if the processes are in a state that allows it.
    fn take_checkpoint(&mut self, kind: CheckpointKind) -> Result<Option<u64>> {
        if self.end.is_some() || !self.r.checkpointable() {
            return Ok(None);
        }
        let snap = self.r.snapshot()?;
        let counts = if self.fresh {
            self.all_counts()
        } else {
            self.counts.clone()
        };
        let stretch = self.stretch_counts();
        Ok(Some(self.ckpts.add(
            self.pos.clone(),
            kind,
            snap,
            counts,
            stretch,
            self.pos.event,
        )))
    }

    /// Checkpoints the current state, which has no name yet (a long run was interrupted
    /// here): it becomes a mark, and the current position is named from it.
    fn take_mark(&mut self, stretch: HashMap<Key, u64>) -> Result<()> {
        let snap = self.r.snapshot()?;
        let id = self.ckpts.next_id();
        let pos = Position {
            event: self.pos.event,
            mark: Some(id),
            anchor: Anchor::Start,
            steps: 0,
        };
        let current = self.pos.event;
        self.ckpts.add(
            pos.clone(),
            CheckpointKind::Mark,
            snap,
            HashMap::new(),
            stretch,
            current,
        );
        self.pos = pos;
        Ok(())
    }

    /// Hit counts since the stretch start known here.
    fn stretch_counts(&self) -> HashMap<Key, u64> {
        let here = if self.fresh {
            self.all_counts()
        } else {
            self.counts.clone()
        };
        match self.mark.and_then(|m| self.ckpts.find(m)) {
            None if self.mark.is_none() => here,
            None => HashMap::new(),
            Some(m) => here
                .into_iter()
                .filter(|(k, _)| m.knows(k))
                .map(|(k, n)| (k, m.count(&k) + n))
                .collect(),
        }
    }

    /// The counts of every armed key (those not hit yet are 0), when all are known.
    fn all_counts(&self) -> HashMap<Key, u64> {
        let mut m = self.counts.clone();
        for &pc in &self.bps {
            m.entry(Key::Pc(pc)).or_insert(0);
        }
        for &w in &self.watches {
            m.entry(Key::Watch(w)).or_insert(0);
        }
        m
    }

    /// Replaces the replay by a copy of checkpoint `id`.
    fn restore(&mut self, id: u64) -> Result<()> {
        self.restore_towards(id, None)
    }

    /// Replaces the replay by a copy of checkpoint `id`, counting hits the way `target`
    /// is named: from the checkpoint's mark if `target` is named from it, otherwise from
    /// the stretch start (with the counts the checkpoint knows).
    fn restore_towards(&mut self, id: u64, target: Option<&Position>) -> Result<()> {
        let c = self
            .ckpts
            .find(id)
            .ok_or_else(|| Error::Refused(format!("no checkpoint {id}")))?;
        let (pos, mut counts, mut start) = (c.pos.clone(), c.counts.clone(), c.at_base_start());
        self.mark = pos.mark;
        let from_mark = target.is_some_and(|t| t.mark.is_some() && t.mark == pos.mark);
        if pos.mark.is_some() && !from_mark {
            self.mark = None;
            counts = c.stretch_counts.clone();
            start = false;
        }
        let snap = c.snap.clone();
        self.r.restore(&snap)?;
        self.ckpts.touch(id);
        self.pos = pos;
        self.counts = counts;
        self.fresh = start;
        self.end = None;
        self.in_syscall.clear();
        Ok(())
    }

    /// A stop the user sees: checkpoint it so that coming back is cheap.
    fn user_stop(&mut self, reason: StopReason) -> Result<StopReason> {
        if self.ckpts.at(&self.pos).is_none() {
            self.take_checkpoint(CheckpointKind::Stop)?;
        }
        Ok(reason)
    }

    fn hit_count(&self, key: &Key) -> Option<u64> {
        match self.counts.get(key) {
            Some(&n) => Some(n),
            None if self.fresh => Some(0),
            None => None,
        }
    }
}

impl Drop for Timeline {
    fn drop(&mut self) {
        self.ckpts.release_all();
        self.r.kill_all();
    }
}
