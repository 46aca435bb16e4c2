//! The replayer: re-executes a recorded program tree under ptrace, following the recorded
//! event order exactly, feeding emulated syscalls their recorded results and delivering
//! recorded signals at the recorded instruction. Every event is checked against the
//! tracee's actual state; any mismatch stops with a divergence error.

mod arm;
mod execfile;
mod fork;
mod inject;
mod inspect;
mod nested;
mod process;
mod signal;
mod syscall;
mod threads;

pub(crate) use arm::{dr7, Arm, HwWatch, Pause};
pub(crate) use fork::Snapshot;
pub(crate) use inspect::runs_user_code;

use crate::error::{Error, Result};
use crate::mem::Memory;
use crate::sys::{self, Resume, SpawnSpec};
use crate::trace::{Event, EventStream, TraceReader};
use crate::wait::{decode, ExitStatus, Stop};
use std::collections::HashMap;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to replay.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// The trace directory.
    pub trace_dir: PathBuf,
    /// CPU to pin to (None: choose one).
    pub cpu: Option<usize>,
    /// Write the bytes the program wrote to its stdout/stderr to rtt's own.
    pub echo: bool,
}

/// How a replay ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayEnd {
    /// The recording finished normally and so did the replay.
    Complete,
    /// The trace ends early (the recorder was killed); everything in it was replayed.
    Truncated,
    /// The recording stopped at an unsupported syscall.
    Unsupported {
        /// Its name.
        name: String,
        /// The event number.
        event: u64,
    },
}

/// The result of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayOutcome {
    /// How the first process ended, when the trace says.
    pub status: Option<ExitStatus>,
    /// Events replayed.
    pub events: u64,
    /// Why the replay stopped.
    pub end: ReplayEnd,
}

/// Where a stopped tracee is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    Initial,
    Entry,
    /// A syscall-exit stop.
    Exit,
    /// A seccomp stop whose syscall rtt completed: resuming skips it.
    Skipped,
    Signal,
    Trap,
}

/// What replay does with the syscall a tracee is in.
#[derive(Debug, Clone)]
enum Mode {
    /// Skipped; result and memory from the trace, given in the seccomp stop (one stop).
    EmulateInPlace,
    /// Skipped, but run to an exit stop so that the kernel's syscall-restart handling sees
    /// the recorded result (-ERESTARTSYS and friends, when a signal interrupted it).
    Emulate,
    /// Skipped but run as rt_sigsuspend(mask) so that the recorded signal is delivered with
    /// the syscall's temporary mask (ppoll/pselect6/epoll_pwait interrupted by a signal).
    SuspendInstead,
    /// Runs again; the result must match.
    Reexec,
    /// Runs again; the result is replaced by the recorded one.
    RestoreResult,
    /// An mmap of a file: mapped anonymous at the recorded address, filled from the trace.
    MapFile {
        hash: String,
        offset: u64,
        file_size: u64,
    },
}

#[derive(Debug, Clone)]
struct Entry {
    nr: i64,
    args: [u64; 6],
    mode: Mode,
}

#[derive(Debug)]
struct Task {
    pid: i32,
    mem: Memory,
    /// Stopped (true) or resumed and not yet waited for.
    stopped: bool,
    at: At,
    entry: Option<Entry>,
    pending_sig: i32,
    /// Signal to send at the syscall exit to end a re-executed sigsuspend.
    wake: Option<i32>,
    /// A signal rtt sent that is now pending in the tracee.
    woken: Option<i32>,
    /// In a group-stop under PTRACE_LISTEN (not in a ptrace stop).
    group_stopped: bool,
    /// An execve pointed at a copy: (original path, copy's path), same length.
    exec_subst: Option<execfile::ExecSubst>,
    /// A stop already waited for that the next [`Replayer::advance`] returns.
    held: Option<Stop>,
    /// Its emulated tracer single-steps it: resumed one instruction at a time until the
    /// step's SIGTRAP.
    step: bool,
    /// Its next syscall was emulated by its tracer (PTRACE_SYSEMU): skipped.
    sysemu: bool,
    /// Words of `struct user` (debug registers) its emulated tracer wrote, by offset:
    /// a checkpoint's copy does not inherit them, so they are written again on restore.
    user_words: std::collections::BTreeMap<u64, u64>,
    /// How the task was last resumed (to resume it the same way past a discarded signal).
    last_resume: Resume,
    /// Address of a `syscall` instruction of the task's program (for injecting syscalls).
    syscall_insn: Option<u64>,
    /// Identifies the task's address space: tasks created with CLONE_VM share one.
    mm: u64,
    /// CPU-time alarm for interrupting long runs (opened when first needed).
    alarm: Option<sys::CpuAlarm>,
    /// Whether `alarm` is counting.
    alarm_armed: bool,
    /// The thread's name (`comm`) as the program set it: inherited, the executable's at
    /// exec, changed by prctl(PR_SET_NAME), whose replay is emulated.
    name: String,
    /// The address the kernel zeroes when the thread ends (CLONE_CHILD_CLEARTID,
    /// set_tid_address), kept for recreating the thread from a checkpoint.
    clear_tid: Option<u64>,
}

/// The part of a file mapping past the end of the file, made PROT_NONE at replay so that
/// touching it faults as it did at record (SIGBUS).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tail {
    tid: i32,
    start: u64,
    end: u64,
    /// The mapping's protection, restored if the file grew and the program uses the pages.
    prot: u64,
    /// A `syscall` instruction of the process, to run that mprotect with.
    insn: u64,
}

/// The number of the event the replay is at, for progress shown from another thread.
static REPLAYING: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of the event the most recent replay step began with (a front end's
/// progress display reads it from another thread).
pub fn progress() -> u64 {
    REPLAYING.load(std::sync::atomic::Ordering::Relaxed)
}

pub(crate) struct Replayer {
    trace: TraceReader,
    events: EventStream,
    tasks: HashMap<i32, Task>,
    files: HashMap<String, Arc<Vec<u8>>>,
    exe_hashes: HashMap<(u64, u64, i64, i64), String>,
    echo: bool,
    /// Events before this one have had their output echoed already: replaying them again
    /// (after going back to a checkpoint) does not print it twice.
    echoed_to: u64,
    /// Number of the event being replayed.
    index: u64,
    /// Trace each event on stderr (RTT_DEBUG_REPLAY=1).
    debug: bool,
    /// File-mapping tails made inaccessible.
    tails: Vec<Tail>,
    /// rtt's private directory for copies of exec'd files, removed at the end.
    exec_dir: Option<PathBuf>,
    /// The debugger's breakpoints, watchpoints and stepping, armed while user code runs.
    pub(crate) arm: Arm,
    /// Source of address-space ids.
    next_mm: u64,
}

/// What replaying one event did.
#[derive(Debug, Clone)]
pub(crate) enum Progress {
    /// Event `index` was replayed.
    Event {
        /// Its number.
        index: u64,
        /// What it was.
        what: EventKind,
    },
    /// A debugger stop came first; the event is replayed again on resuming.
    Paused(Pause),
    /// The replay reached the end of the trace.
    End(ReplayOutcome),
}

/// The kind of a replayed event, as the timeline sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// A thread entered syscall `nr`.
    SyscallEntry { tid: i32, nr: i64 },
    /// A thread's syscall returned `ret`.
    SyscallExit { tid: i32, ret: i64 },
    /// A signal was delivered (sync: caused by the instruction at the stop).
    Signal { tid: i32, signo: i32, sync: bool },
    /// `rdtsc`/`rdtscp` executed.
    Rdtsc { tid: i32 },
    /// A new task.
    NewTask { parent: i32, child: i32 },
    /// An exec completed.
    Exec { tid: i32, exe: String },
    /// A task ended.
    Exit { tid: i32, status: ExitStatus },
    /// A debugger paused the thread here while recording.
    Pause { tid: i32 },
    /// Anything else (group-stop, memory written by another process).
    Other,
}

impl EventKind {
    /// The thread the event belongs to.
    pub(crate) fn tid(&self) -> Option<i32> {
        match self {
            EventKind::SyscallEntry { tid, .. }
            | EventKind::SyscallExit { tid, .. }
            | EventKind::Signal { tid, .. }
            | EventKind::Rdtsc { tid }
            | EventKind::Exec { tid, .. }
            | EventKind::Exit { tid, .. }
            | EventKind::Pause { tid } => Some(*tid),
            EventKind::NewTask { parent, .. } => Some(*parent),
            EventKind::Other => None,
        }
    }

    fn of(ev: &Event) -> EventKind {
        match ev {
            Event::SyscallEntry { tid, nr, .. } => EventKind::SyscallEntry { tid: *tid, nr: *nr },
            Event::SyscallExit { tid, ret, .. } => EventKind::SyscallExit {
                tid: *tid,
                ret: *ret,
            },
            Event::Signal {
                tid, signo, sync, ..
            } => EventKind::Signal {
                tid: *tid,
                signo: *signo,
                sync: *sync,
            },
            Event::Rdtsc { tid, .. } => EventKind::Rdtsc { tid: *tid },
            Event::NewTask { parent, child, .. } => EventKind::NewTask {
                parent: *parent,
                child: *child,
            },
            Event::Exec { tid, exe, .. } => EventKind::Exec {
                tid: *tid,
                exe: exe.clone(),
            },
            Event::Exit { tid, status } => EventKind::Exit {
                tid: *tid,
                status: *status,
            },
            Event::Pause { tid, .. } | Event::Preempt { tid, .. } => EventKind::Pause { tid: *tid },
            _ => EventKind::Other,
        }
    }
}

fn cstring(b: &[u8]) -> Result<CString> {
    CString::new(b.to_vec())
        .map_err(|_| Error::Trace("corrupt trace header: NUL byte in a string".into()))
}

/// Replays the trace in `opts.trace_dir` to its end.
pub fn replay(opts: &ReplayOptions) -> Result<ReplayOutcome> {
    let mut r = Replayer::spawn(opts)?;
    let result = r.run();
    r.kill_all();
    result
}

impl Replayer {
    /// Starts the replay of `opts.trace_dir`: the first tracee is spawned, stopped before
    /// its first event.
    pub(crate) fn spawn(opts: &ReplayOptions) -> Result<Replayer> {
        let trace = TraceReader::open(&opts.trace_dir)?;
        crate::cpu::check_features(&trace.header().cpu_flags)?;
        let mut events = trace.events()?;
        let first = events
            .find_ahead(1, |_| true)?
            .and_then(|e| e.tid())
            .ok_or_else(|| {
                Error::Trace(format!(
                    "{}: the trace is incomplete and holds no events (the recorder stopped before its first flush)",
                    opts.trace_dir.display()
                ))
            })?;
        crate::cpu::pin(opts.cpu)?;
        sys::catch_interrupts();
        let h = trace.header();
        let cwd = Path::new(std::ffi::OsStr::new(
            std::str::from_utf8(h.cwd.as_bytes()).unwrap_or("/"),
        ));
        let spec = SpawnSpec {
            exe: cstring(h.exe.as_bytes())?,
            argv: h
                .argv
                .iter()
                .map(|a| cstring(a.as_bytes()))
                .collect::<Result<_>>()?,
            envp: h
                .env
                .iter()
                .map(|a| cstring(a.as_bytes()))
                .collect::<Result<_>>()?,
            cwd: if cwd.is_dir() {
                Some(cstring(h.cwd.as_bytes())?)
            } else {
                None
            },
            null_stdio: true,
            no_core: true,
            sig_blocked: h.sig_blocked,
            sig_ignored: h.sig_ignored,
            stack_limit: h.stack_limit,
        };
        let pid = sys::spawn_traced(&spec)?;
        sys::trap_tsc_in_this_thread();
        let mut r = Replayer {
            trace,
            events,
            tasks: HashMap::new(),
            files: HashMap::new(),
            exe_hashes: HashMap::new(),
            echo: opts.echo,
            echoed_to: 0,
            index: 0,
            debug: std::env::var_os("RTT_DEBUG_REPLAY").is_some(),
            tails: Vec::new(),
            exec_dir: None,
            arm: Arm::default(),
            next_mm: 1,
        };
        if let Err(e) = r.start(first, pid) {
            r.kill_all();
            return Err(e);
        }
        Ok(r)
    }
}

impl Replayer {
    fn start(&mut self, first: i32, pid: i32) -> Result<()> {
        sys::setoptions(pid, crate::tracee::PTRACE_OPTIONS)?;
        let mm = self.new_mm();
        self.tasks
            .insert(first, Task::new(pid, Memory::open(pid)?, mm));
        Ok(())
    }

    fn new_mm(&mut self) -> u64 {
        self.next_mm += 1;
        self.next_mm
    }

    fn run(&mut self) -> Result<ReplayOutcome> {
        loop {
            match self.step_event()? {
                Progress::End(outcome) => return Ok(outcome),
                Progress::Event { .. } => {}
                Progress::Paused(p) => {
                    return Err(Error::Trace(format!(
                        "internal error: replay paused ({p:?}) with nothing armed"
                    )))
                }
            }
        }
    }

    /// Replays the next event. A debugger stop that comes first leaves the event to be
    /// replayed again.
    pub(crate) fn step_event(&mut self) -> Result<Progress> {
        if sys::interrupted() {
            return Err(Error::Interrupted);
        }
        REPLAYING.store(
            self.events.next_index(),
            std::sync::atomic::Ordering::Relaxed,
        );
        let saved = self
            .arm
            .active()
            .then(|| self.events.find_ahead(1, |_| true));
        let index = self.events.next_index();
        match self.dispatch() {
            Err(Error::Paused) => {
                let pause = self.arm.take_pause();
                if let Some(Some(ev)) = saved.transpose()? {
                    self.events.unread(ev);
                }
                self.index = index;
                Ok(Progress::Paused(pause))
            }
            other => other,
        }
    }

    fn dispatch(&mut self) -> Result<Progress> {
        {
            self.index = self.events.next_index();
            let ev = self.events.next()?;
            if self.debug {
                eprintln!(
                    "rtt-debug: replaying event {}: {:?}",
                    self.index,
                    ev.as_ref()
                        .map(|e| format!("{e:?}").chars().take(200).collect::<String>())
                );
            }
            let Some(ev) = ev else {
                let end = ReplayEnd::Truncated;
                return Ok(Progress::End(ReplayOutcome {
                    status: None,
                    events: self.index,
                    end,
                }));
            };
            let what = EventKind::of(&ev);
            match ev {
                Event::SyscallEntry { tid, nr, args } => self.syscall_entry(tid, nr, args)?,
                Event::SyscallExit {
                    tid,
                    ret,
                    writes,
                    mapped: _,
                    echo,
                } => self.syscall_exit(tid, ret, &writes, echo)?,
                Event::Signal {
                    tid,
                    signo,
                    siginfo,
                    regs,
                    sync,
                } => self.signal(tid, signo, &siginfo, &regs, sync)?,
                Event::Rdtsc { tid, value, aux } => self.rdtsc(tid, value, aux)?,
                Event::GroupStop { tid, signo } => self.group_stop(tid, signo)?,
                Event::Pause { tid, regs } => self.pause_point(tid, &regs)?,
                Event::Preempt { tid, regs } => self.preempt_point(tid, &regs)?,
                Event::SetRegs { tid, mut regs } => {
                    let t = self.task(tid)?;
                    if t.at == At::Skipped {
                        // At record the syscall ran to its exit; here it is skipped at its
                        // entry, and must stay so.
                        regs.set_orig_rax(u64::MAX);
                    }
                    sys::setregs(t.pid, &regs)?;
                }
                Event::Nested { tid, op } => self.nested(tid, op)?,
                Event::MemoryChanged { tid, writes } => {
                    let t = self.task(tid)?;
                    for w in &writes {
                        t.mem.write(crate::remote::RemoteAddr(w.addr), &w.data)?;
                    }
                }
                Event::NewTask {
                    parent,
                    child,
                    kind,
                    child_tid_addr,
                    parent_tid_addr,
                } => self.new_task(parent, child, kind, child_tid_addr, parent_tid_addr)?,
                Event::Exec {
                    tid,
                    exe,
                    exe_hash,
                    at_random,
                    maps,
                    ..
                } => self.exec(tid, &exe, &exe_hash, &at_random, &maps)?,
                Event::Exit { tid, status } => self.exit(tid, status)?,
                Event::Unsupported { nr, .. } => {
                    let end = ReplayEnd::Unsupported {
                        name: crate::syscalls::name(nr),
                        event: self.index,
                    };
                    return Ok(Progress::End(ReplayOutcome {
                        status: None,
                        events: self.index,
                        end,
                    }));
                }
                Event::End { status } => {
                    return Ok(Progress::End(ReplayOutcome {
                        status: Some(status),
                        events: self.index + 1,
                        end: ReplayEnd::Complete,
                    }));
                }
            }
            Ok(Progress::Event {
                index: self.index,
                what,
            })
        }
    }

    fn diverged(&self, detail: impl Into<String>) -> Error {
        Error::Divergence {
            event: self.index,
            detail: detail.into(),
        }
    }

    fn task(&mut self, tid: i32) -> Result<&mut Task> {
        let index = self.index;
        self.tasks.get_mut(&tid).ok_or_else(|| Error::Divergence {
            event: index,
            detail: format!("no replayed task for recorded thread {tid}"),
        })
    }

    /// Resumes `tid` if it is stopped, and waits for its next stop (or returns the stop
    /// already held for it). With the debugger's traps armed, a debugger stop that comes
    /// first is [`Error::Paused`].
    fn advance(&mut self, tid: i32, expect_signal: Option<i32>) -> Result<Stop> {
        let t = self.task(tid)?;
        if let Some(stop) = t.held.take() {
            return Ok(stop);
        }
        if t.stopped {
            let step = t.step;
            let stop = self.resume_and_wait(tid, step, expect_signal)?;
            if step && stop == Stop::Signal(libc::SIGTRAP) {
                self.task(tid)?.step = false;
            }
            return Ok(stop);
        }
        self.wait_for(tid, expect_signal)
    }

    /// Waits for the next stop of resumed task `tid`, discarding signals that reach the
    /// tracee at replay but are not part of the recording (a SIGCHLD from a child that
    /// really exited now): recorded ones are delivered by rtt itself.
    fn wait_for(&mut self, tid: i32, expect_signal: Option<i32>) -> Result<Stop> {
        let pid = self.task(tid)?.pid;
        loop {
            let Some((_, status)) = sys::waitpid(pid, false)? else {
                continue;
            };
            let stop = decode(status);
            if self.debug {
                let rip = sys::getregs(pid).map(|r| r.rip()).unwrap_or(0);
                eprintln!("rtt-debug:   pid {pid} stop {stop:?} at {rip:#x}");
            }
            if let Stop::Signal(libc::SIGSEGV) = stop {
                if !matches!(expect_signal, Some(libc::SIGSEGV | libc::SIGBUS))
                    && self.reopen_tail(tid)?
                {
                    continue;
                }
            }
            if stop == Stop::Signal(sys::ALARM_SIGNAL) && self.is_alarm(tid)? {
                if self.arm.interrupt_ns.is_some() {
                    let t = self.task(tid)?;
                    t.stopped = true;
                    return Ok(stop);
                }
                // A late alarm of an earlier run: not part of the recording.
                let how = self.task(tid)?.last_resume;
                sys::resume(how, pid, 0)?;
                continue;
            }
            if let Stop::Signal(sig) = stop {
                if Some(sig) != expect_signal {
                    let synchronous = match sys::getsiginfo(pid) {
                        Ok(info) => {
                            let (_, code) = crate::tracee::siginfo_code(&info);
                            crate::tracee::is_synchronous(sig, code)
                                || (sig == libc::SIGSEGV && code == crate::tracee::SI_KERNEL)
                        }
                        Err(_) => false,
                    };
                    if !synchronous {
                        let how = self.task(tid)?.last_resume;
                        sys::resume(how, pid, 0)?;
                        continue;
                    }
                }
            }
            let t = self.task(tid)?;
            t.stopped = !matches!(stop, Stop::Exited(_) | Stop::Killed(_));
            return Ok(stop);
        }
    }

    /// `tid` faulted in a file-mapping tail made inaccessible at replay, although at record
    /// it did not fault there: the file had grown. Gives the pages their protection back
    /// and lets the instruction run again. False when the fault is elsewhere.
    fn reopen_tail(&mut self, tid: i32) -> Result<bool> {
        let pid = self.task(tid)?.pid;
        let info = sys::getsiginfo(pid)?;
        let addr = u64::from_le_bytes(info[16..24].try_into().unwrap_or([0; 8]));
        let Some(i) = self
            .tails
            .iter()
            .position(|t| t.tid == tid && t.start <= addr && addr < t.end)
        else {
            return Ok(false);
        };
        let tail = self.tails.remove(i);
        let len = tail.end - tail.start;
        self.inject_syscall_at(
            tid,
            tail.insn,
            libc::SYS_mprotect,
            [tail.start, len, tail.prot, 0, 0, 0],
        )?;
        let t = self.task(tid)?;
        sys::resume(t.last_resume, t.pid, 0)?;
        t.stopped = false;
        Ok(true)
    }

    fn exit(&mut self, tid: i32, status: ExitStatus) -> Result<()> {
        let t = self.task(tid)?;
        let pid = t.pid;
        if status == ExitStatus::Signal(libc::SIGKILL) {
            // SIGKILL is never seen by a tracer before it kills: from outside or from the
            // program itself (an emulated kill), it ended the task wherever it was.
            sys::kill_hard(pid);
            loop {
                match self.wait_for(tid, None)? {
                    Stop::Killed(libc::SIGKILL) => break,
                    Stop::Exited(_) | Stop::Killed(_) => {
                        return Err(
                            self.diverged(format!("thread {tid} ended before rtt killed it"))
                        )
                    }
                    _ => continue,
                }
            }
            self.tasks.remove(&tid);
            return Ok(());
        }
        // Another thread's exit_group or execve ends this one: let that run, and this
        // thread is killed where it stands (resumed, it could run code it never ran at
        // record).
        let group_exit = self.release_group_exit(tid)?;
        let t = self.task(tid)?;
        t.held = None;
        if t.stopped && !group_exit {
            let sig = std::mem::take(&mut t.pending_sig);
            sys::resume(Resume::Cont, pid, sig)?;
            t.stopped = false;
        }
        let mut tries = 0;
        let got = loop {
            match self.wait_for(tid, None)? {
                Stop::Exited(c) => break ExitStatus::Code(c),
                Stop::Killed(s) => break ExitStatus::Signal(s),
                // A stop it was on its way to when the kill came: the kill follows.
                _ if group_exit && tries < 8 => tries += 1,
                other => {
                    return Err(self.diverged(format!(
                        "expected thread {tid} to end ({status}), it stopped: {other:?}"
                    )))
                }
            }
        };
        if got != status {
            return Err(self.diverged(format!("thread {tid} ended with {got}, recorded {status}")));
        }
        self.tasks.remove(&tid);
        Ok(())
    }

    /// Lets a thread of `tid`'s process that entered exit_group or execve go on, so that
    /// the kernel ends the process's other threads; false when there is none.
    fn release_group_exit(&mut self, tid: i32) -> Result<bool> {
        let mm = self.task(tid)?.mm;
        let ends_others = [libc::SYS_exit_group, libc::SYS_execve, libc::SYS_execveat];
        let exiting = self.tasks.iter().find_map(|(&t, x)| {
            let e = x.entry.as_ref()?;
            (t != tid && x.mm == mm && ends_others.contains(&e.nr)).then_some(t)
        });
        let Some(other) = exiting else {
            return Ok(false);
        };
        let t = self.task(other)?;
        if t.stopped && t.held.is_none() {
            sys::resume(Resume::Syscall, t.pid, 0)?;
            t.stopped = false;
        }
        Ok(true)
    }

    pub(crate) fn kill_all(&mut self) {
        if let Some(dir) = self.exec_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        self.kill_tasks();
    }
}

impl Task {
    fn new(pid: i32, mem: Memory, mm: u64) -> Task {
        Task {
            held: None,
            step: false,
            sysemu: false,
            user_words: Default::default(),
            alarm: None,
            alarm_armed: false,
            last_resume: Resume::Cont,
            syscall_insn: None,
            mm,
            pid,
            mem,
            stopped: true,
            at: At::Initial,
            entry: None,
            pending_sig: 0,
            wake: None,
            woken: None,
            group_stopped: false,
            exec_subst: None,
            name: String::new(),
            clear_tid: None,
        }
    }
}
