//! The recorder: runs a program tree under ptrace, one tracee at a time on one CPU, and
//! writes everything that could differ between runs to a trace.
//!
//! Scheduling: a tracee in user space is the only one running; every syscall entry hands the
//! CPU to the next ready tracee while the kernel works on the syscall, so a tracee blocked in
//! `wait4` or a pipe read never stops the others. Stops are handled in the order the kernel
//! reports them, and that order is the event order the replayer follows.

mod coherence;
mod fastpath;
mod live;
mod nested;
mod process;
mod sched;
mod signal;
mod syscall;

pub use live::{LiveRecorder, LiveStop};
pub use sched::chaos_seed;
pub(crate) use signal::apply_tsc;

use crate::error::{Error, Result};
use crate::mem::Memory;
use crate::regs::Regs;
use crate::sys::{self, Resume, SpawnSpec};
use crate::trace::{Bytes, Event, Header, Scheduling, TraceWriter, FORMAT_NAME, FORMAT_VERSION};
use crate::wait::{decode, ExitStatus, Stop};
use std::collections::{HashMap, VecDeque};
use std::ffi::{CString, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

/// What to record and where.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// Absolute path of the executable.
    pub exe: PathBuf,
    /// argv, argv[0] included.
    pub argv: Vec<OsString>,
    /// The environment to give the program.
    pub env: Vec<OsString>,
    /// Working directory.
    pub cwd: PathBuf,
    /// Trace directory to create.
    pub trace_dir: PathBuf,
    /// CPU to pin to (None: choose one).
    pub cpu: Option<usize>,
    /// Time slices and chaos mode.
    pub scheduling: Scheduling,
    /// Keep the program running when the trace cannot go on (a write fails, the size
    /// limit is reached, an unsupported syscall): the trace ends there, the program does
    /// not. Otherwise such a recording stops with an error.
    pub keep_going: bool,
    /// Stop writing the trace past this many bytes (with `keep_going`).
    pub max_trace_size: Option<u64>,
}

/// How a recording ended.
#[derive(Debug)]
pub struct RecordOutcome {
    /// Status of the first process.
    pub status: ExitStatus,
    /// Number of events written.
    pub events: u64,
    /// Why the trace stopped before the program did (`keep_going`).
    pub cut: Option<String>,
}

/// Where a tracee is in its life, from the scheduler's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Created, its first stop not seen yet.
    Unborn,
    /// Stopped and ready to run user code.
    Ready,
    /// Running user code (at most one tracee).
    Running,
    /// Resumed into a syscall; its exit stop is reported whenever the kernel is done.
    InSyscall,
    /// In a group-stop (job control), waiting for SIGCONT under PTRACE_LISTEN.
    Stopped,
    /// Held in a ptrace stop for its emulated tracer (another tracee).
    Traced,
    /// Held at the entry of a wait4/waitid that waits for an emulated ptrace stop.
    Waiting,
}

/// The syscall a tracee is in.
#[derive(Debug, Clone)]
struct Entry {
    nr: i64,
    args: [u64; 6],
    /// 1 or 2 when writing to rtt's stdout/stderr.
    echo: Option<u8>,
    /// For execve: the content hash of the file it names.
    exec_file: Option<String>,
    /// For execve: the argv and environment it was given (a script's argv[0] is gone
    /// after the exec).
    exec_args: Option<ExecArgs>,
}

/// An execve's argv and environment.
type ExecArgs = (Vec<Vec<u8>>, Vec<Vec<u8>>);

#[derive(Debug)]
struct Task {
    mem: Memory,
    state: State,
    entry: Option<Entry>,
    /// Signal to deliver when next resumed.
    pending_sig: i32,
    /// Its time slice.
    slice: sched::Slice,
    /// Its emulated tracer single-steps it: resumed one instruction at a time until the
    /// step's SIGTRAP.
    step: bool,
    /// The number of the last syscall it made.
    last_nr: Option<i64>,
}

/// A file's identity for the capture cache: (dev, inode, size, mtime s, mtime ns).
type FileKey = (u64, u64, i64, i64, i64);

pub(crate) struct Recorder {
    w: TraceWriter,
    tasks: HashMap<i32, Task>,
    ready: VecDeque<i32>,
    running: Option<i32>,
    first: i32,
    first_status: Option<ExitStatus>,
    /// Captured files by identity: (hash, size).
    file_cache: HashMap<FileKey, (String, u64)>,
    my_pid: i32,
    fast: fastpath::FastPath,
    maps: coherence::Mappings,
    exec_seen: bool,
    first_exec_error: Option<i64>,
    slicer: sched::Slicer,
    /// A debugger (`rtt run`) has breakpoints or watchpoints set: single-stepping a thread
    /// to probe it would pass over them unseen.
    debugger_traps: bool,
    /// [`RecordOptions::keep_going`].
    keep_going: bool,
    /// Emulated ptrace between tracees.
    nested: nested::Nested,
}

fn cstring(s: &[u8]) -> Result<CString> {
    CString::new(s.to_vec()).map_err(|_| Error::Spawn("argument contains a NUL byte".into()))
}

/// Records `opts` into a new trace directory.
pub fn record(opts: &RecordOptions) -> Result<RecordOutcome> {
    let mut rec = Recorder::spawn(opts)?;
    // Ctrl-C belongs to the program while recording; SIGTERM/SIGHUP end the recording.
    sys::ignore_terminal_signals();
    sys::catch_interrupts_except_int();
    let pid = rec.first;
    let result = rec.run(pid);
    if result.is_err() {
        rec.kill_all();
    }
    let events = rec.w.event_count();
    // Nothing is traced any more: this thread's (and new threads') clocks work again.
    sys::untrap_tsc_in_this_thread();
    match result {
        Ok(status) => {
            let cut = rec.w.cut_reason();
            rec.w.append(&Event::End { status })?;
            rec.w.finish()?;
            Ok(RecordOutcome {
                status,
                events: events + 1,
                cut,
            })
        }
        Err(e) => {
            let _ = rec.w.finish();
            Err(e)
        }
    }
}

impl Recorder {
    /// Creates the trace and starts the program under ptrace, stopped before its first
    /// instruction. The calling thread becomes the tracer and traps `rdtsc`.
    fn spawn(opts: &RecordOptions) -> Result<Recorder> {
        crate::cpu::pin(opts.cpu)?;
        let header = Header {
            format: FORMAT_NAME.into(),
            version: FORMAT_VERSION,
            rtt_version: env!("CARGO_PKG_VERSION").into(),
            exe: Bytes::new(opts.exe.as_os_str().as_bytes().to_vec()),
            argv: opts
                .argv
                .iter()
                .map(|a| Bytes::new(a.clone().into_vec()))
                .collect(),
            env: opts
                .env
                .iter()
                .map(|a| Bytes::new(a.clone().into_vec()))
                .collect(),
            cwd: Bytes::new(opts.cwd.as_os_str().as_bytes().to_vec()),
            cpu_flags: crate::cpu::features(),
            kernel: crate::cpu::kernel_release(),
            started: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            scheduling: opts.scheduling.clone(),
            sig_blocked: 0,
            sig_ignored: 0,
            stack_limit: Some(sys::stack_limit()),
        };
        let spec = SpawnSpec {
            exe: cstring(opts.exe.as_os_str().as_bytes())?,
            argv: opts
                .argv
                .iter()
                .map(|a| cstring(a.as_bytes()))
                .collect::<Result<_>>()?,
            envp: opts
                .env
                .iter()
                .map(|a| cstring(a.as_bytes()))
                .collect::<Result<_>>()?,
            cwd: None,
            null_stdio: false,
            no_core: false,
            sig_blocked: 0,
            sig_ignored: 0,
            stack_limit: None,
        };
        let mut w = TraceWriter::create(&opts.trace_dir, &header)?;
        if opts.keep_going {
            w.cut_when(opts.max_trace_size);
        }
        let pid = sys::spawn_traced(&spec)?;
        // After the trace writer's thread exists: that thread keeps using vDSO clocks.
        sys::trap_tsc_in_this_thread();
        Ok(Recorder {
            w,
            tasks: HashMap::new(),
            ready: VecDeque::new(),
            running: None,
            first: pid,
            first_status: None,
            file_cache: HashMap::new(),
            my_pid: std::process::id() as i32,
            fast: fastpath::FastPath::default(),
            maps: coherence::Mappings::default(),
            exec_seen: false,
            first_exec_error: None,
            slicer: sched::Slicer::new(&opts.scheduling),
            debugger_traps: false,
            keep_going: opts.keep_going,
            nested: Default::default(),
        })
    }
}

impl Recorder {
    fn run(&mut self, pid: i32) -> Result<ExitStatus> {
        self.adopt_first(pid)?;
        while !self.tasks.is_empty() {
            self.schedule()?;
            // A SIGTERM that came while a stop was handled: the wait would not see it.
            if sys::interrupted() {
                return Err(Error::Interrupted);
            }
            if let Some(why) = self.nested_deadlock() {
                return Err(Error::Trace(why));
            }
            let Some((tid, status)) = sys::waitpid(-1, false)? else {
                continue;
            };
            self.handle(tid, status)?;
        }
        self.outcome()
    }

    /// Takes the spawned program as the first task.
    fn adopt_first(&mut self, pid: i32) -> Result<()> {
        sys::setoptions(pid, crate::tracee::PTRACE_OPTIONS)?;
        let task = Task {
            mem: Memory::open(pid)?,
            state: State::Ready,
            entry: None,
            pending_sig: 0,
            slice: Default::default(),
            step: false,
            last_nr: None,
        };
        self.tasks.insert(pid, task);
        self.ready.push_back(pid);
        Ok(())
    }

    /// How the recording ended, once every task has.
    fn outcome(&self) -> Result<ExitStatus> {
        if let Some(err) = self.first_exec_error.filter(|_| !self.exec_seen) {
            let e = nix::errno::Errno::from_raw(-err as i32);
            return Err(Error::Spawn(format!(
                "cannot execute the program: {}",
                e.desc()
            )));
        }
        self.first_status
            .ok_or_else(|| Error::Spawn("the program vanished".into()))
    }

    /// Lets the next ready tracee run if none is running.
    fn schedule(&mut self) -> Result<()> {
        while self.running.is_none() {
            let Some(tid) = self.pick_next() else {
                return Ok(());
            };
            if self.tasks.get(&tid).map(|t| t.state) != Some(State::Ready) {
                continue;
            }
            self.arm_slice(tid)?;
            let t = self.task_mut(tid)?;
            let sig = std::mem::take(&mut t.pending_sig);
            let how = if t.step { Resume::Step } else { Resume::Cont };
            // User code runs until its next syscall's seccomp stop, a signal or an event.
            match sys::resume(how, tid, sig) {
                Ok(()) => {
                    t.state = State::Running;
                    self.running = Some(tid);
                }
                // Killed from outside while stopped: its exit status is on its way.
                Err(Error::Sys {
                    errno: nix::errno::Errno::ESRCH,
                    ..
                }) => t.state = State::InSyscall,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Marks `tid` stopped and ready to run user code again.
    fn make_ready(&mut self, tid: i32) {
        if self.running == Some(tid) {
            self.running = None;
        }
        self.end_grace(tid);
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.state = State::Ready;
            self.ready.push_back(tid);
        }
    }

    /// Resumes `tid` inside a syscall: it does not count as running user code.
    fn resume_in_kernel(&mut self, tid: i32) -> Result<()> {
        if self.running == Some(tid) {
            self.running = None;
        }
        self.end_grace(tid);
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.state = State::InSyscall;
            match sys::resume(Resume::Syscall, tid, 0) {
                Ok(())
                | Err(Error::Sys {
                    errno: nix::errno::Errno::ESRCH,
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn handle(&mut self, tid: i32, status: i32) -> Result<()> {
        let handled = self.handle_stop(tid, status);
        if handled.is_ok() {
            self.release_nested()?;
        }
        match handled {
            // Killed from outside while rtt was handling its stop (reading its memory or
            // /proc): its end is reported next, and recorded then.
            Err(_) if self.tasks.contains_key(&tid) && crate::procmaps::dies_soon(tid) => {
                if self.running == Some(tid) {
                    self.running = None;
                }
                if let Some(t) = self.tasks.get_mut(&tid) {
                    t.state = State::InSyscall;
                }
                Ok(())
            }
            other => other,
        }
    }

    fn handle_stop(&mut self, tid: i32, status: i32) -> Result<()> {
        let stop = decode(status);
        if !self.tasks.contains_key(&tid) {
            // A new child's first stop, reported before its parent's fork event; or, in a
            // live recording, a stop of a replay traced by the same thread: kept for the
            // one that waits for it.
            sys::stash_stop(tid, status);
            return Ok(());
        }
        match stop {
            Stop::Exited(code) => self.task_exited(tid, ExitStatus::Code(code)),
            Stop::Killed(sig) => self.task_exited(tid, ExitStatus::Signal(sig)),
            // Every syscall stops first in seccomp; only those resumed with PTRACE_SYSCALL
            // from there report an exit stop.
            Stop::Event(libc::PTRACE_EVENT_SECCOMP) => self.syscall_entry(tid),
            Stop::Syscall => self.syscall_exit(tid),
            Stop::Event(ev) => self.ptrace_event(tid, ev),
            Stop::EventStop if self.born(tid) => self.nested_born(tid),
            // Continued while in PTRACE_LISTEN: its SIGCONT delivery comes next.
            Stop::EventStop => {
                if !self.nested_continued(tid)? {
                    self.make_ready(tid);
                }
                Ok(())
            }
            Stop::GroupStop(signo) => {
                self.w.append(&Event::GroupStop { tid, signo })?;
                sys::listen(tid)?;
                if self.running == Some(tid) {
                    self.running = None;
                }
                self.task_mut(tid)?.state = State::Stopped;
                self.nested_group_stop(tid, signo)
            }
            Stop::Signal(sig) => self.signal_stop(tid, sig),
        }
    }

    fn task_exited(&mut self, tid: i32, status: ExitStatus) -> Result<()> {
        self.w.append(&Event::Exit { tid, status })?;
        self.tasks.remove(&tid);
        self.nested_exited(tid, status)?;
        self.fast.forget(tid);
        self.maps.forget(tid);
        if self.running == Some(tid) {
            self.running = None;
        }
        if tid == self.first {
            self.first_status = Some(status);
        }
        Ok(())
    }

    fn task_mut(&mut self, tid: i32) -> Result<&mut Task> {
        self.tasks
            .get_mut(&tid)
            .ok_or_else(|| Error::Trace(format!("internal: unknown tracee {tid}")))
    }

    fn regs(&self, tid: i32) -> Result<Regs> {
        sys::getregs(tid)
    }

    fn kill_all(&mut self) {
        for &tid in self.tasks.keys() {
            sys::kill_hard(tid);
        }
        for _ in 0..self.tasks.len() * 4 {
            match sys::waitpid(-1, true) {
                Ok(Some(_)) => {}
                _ => break,
            }
        }
    }
}
