//! Emulated ptrace at record: tracees of the recording that trace each other.
//!
//! rtt is every tracee's real tracer, so a tracee's ptrace requests never reach the
//! kernel. rtt keeps the relationships here and holds a traced thread (state `Traced`,
//! which the scheduler skips) at each stop its tracer must see. The tracer learns of the
//! stop through emulated wait4/waitid results and a SIGCHLD, and its requests are carried
//! out on the real thread. Everything a tracer changes in its tracee is an event: memory,
//! registers, and how and with which signal it resumes. Replay makes the same changes at
//! the same points; the tracer's own syscalls replay from their recorded results.

mod jobctl;
mod procmem;
mod requests;
mod stops;
mod wait;

use super::{Recorder, State};
use crate::error::Result;
use crate::sys::{self, SIGINFO_SIZE};
use crate::trace::{Event, NestedOp, NestedStopKind};
use crate::wait::ExitStatus;
use std::collections::{HashMap, HashSet, VecDeque};

pub(super) use wait::{Outcome, Waiter};

/// `PTRACE_EVENT_STOP`: a seized tracee's interrupt or group-stop.
const PTRACE_EVENT_STOP: i32 = 128;
/// Options a tracer may set: all but TRACESECCOMP (rtt's own seccomp stops are not
/// reported; refused, a tracer falls back to PTRACE_SYSCALL) and SUSPEND_SECCOMP.
const KNOWN_OPTIONS: u64 = 0x7f | libc::PTRACE_O_EXITKILL as u64;
/// PTRACE_GETEVENTMSG at syscall-entry and syscall-exit stops.
const SYSCALL_ENTRY_MSG: u64 = 1;
const SYSCALL_EXIT_MSG: u64 = 2;
/// si_code of a single-step's trap after a syscall.
const TRAP_BRKPT: i32 = 1;
const SI_USER: i32 = 0;
const CLD_EXITED: i32 = 1;
const CLD_KILLED: i32 = 2;
const CLD_TRAPPED: i32 = 4;
/// The "exit code" of an interrupt stop (and of a seized child's first stop).
const INTERRUPT_CODE: i32 = libc::SIGTRAP | (PTRACE_EVENT_STOP << 8);

/// Emulated ptrace relationships and what they wait for.
#[derive(Default)]
pub(super) struct Nested {
    /// Traced threads by thread id.
    traced: HashMap<i32, Traced>,
    /// Ends of traced threads whose tracer is not their parent: reported by its wait.
    exits: Vec<ExitReport>,
    /// Threads held in a wait4/waitid that only an emulated stop can end.
    waiting: HashMap<i32, Waiter>,
    /// The SIGCHLD rtt sent to a tracer (by process), with the information it stands for.
    chld: HashMap<i32, [u8; SIGINFO_SIZE]>,
    /// Tracees whose tracer resumed them into a syscall they stopped at the entry of:
    /// the syscall is recorded once the tracer's request is.
    released: Vec<i32>,
    /// Counts stops and exits, so that wait reports them in order.
    seq: u64,
    /// Requests rtt said it does not emulate.
    warned: HashSet<i64>,
    /// Waiting tracer threads rtt interrupted: their next PTRACE_EVENT_STOP is rtt's.
    interrupted: HashSet<i32>,
}

/// One traced thread.
#[derive(Debug)]
pub(super) struct Traced {
    /// The tracer thread and its process.
    tracer: i32,
    tracer_tgid: i32,
    /// The process that reaps it, whose wait the kernel answers (0 for a thread, whose end
    /// only its tracer's wait reports).
    parent: i32,
    /// PTRACE_SETOPTIONS bits.
    options: u64,
    seized: bool,
    /// How its tracer last resumed it.
    mode: Mode,
    /// The syscall-entry stop it is in came with PTRACE_SYSEMU: the syscall is skipped.
    skip_entry: bool,
    /// Its syscall entry was reported and it was resumed with PTRACE_SYSCALL: the exit
    /// is reported too.
    exit_due: bool,
    /// The syscall entry it is stopped in was reported already.
    entry_seen: bool,
    /// The stop it is in, if any.
    stop: Option<Held>,
    /// Stops that follow the current one (an exec's event, then its syscall exit).
    then: VecDeque<Held>,
    /// What rtt does when the tracer resumes it from its last stop.
    after: After,
    /// A vfork it made whose VFORK_DONE its tracer wants, at the syscall's exit.
    vfork_done: Option<i32>,
    /// The stop its tracer asked for, still to come (an attach's SIGSTOP, an interrupt).
    expect: Option<Expect>,
    /// A signal the tracer chose to deliver after a stop rtt made up: not reported again.
    pass_signal: i32,
    /// Its exit event was reported.
    exit_event_done: bool,
    /// In a group-stop, the real thread under rtt's PTRACE_LISTEN.
    listening: bool,
    /// Followed from its creation (a fork event): its first stop is its tracer's.
    birth_stop: bool,
}

/// How a tracer resumes its tracee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// PTRACE_CONT (or SINGLESTEP): no syscall stops.
    Cont,
    /// PTRACE_SYSCALL: stops at syscall entries and exits.
    Syscall,
    /// PTRACE_SYSEMU: stops at syscall entries, and the syscalls are not run.
    Sysemu,
}

/// Where a traced thread goes once its tracer resumes it from its last stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum After {
    /// It runs on from where it stopped.
    Ready,
    /// It was stopped at a syscall's entry, before rtt recorded the syscall: recorded now.
    Entry,
    /// It was stopped in a syscall (a fork or exec event): the syscall goes on.
    Kernel,
}

/// A stop the tracer asked for that comes with the thread's next stop: an attach's
/// SIGSTOP delivery, or an interrupt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Attach,
    Interrupt,
}

/// A stop as the tracer sees it.
#[derive(Debug, Clone)]
pub(super) struct Held {
    kind: NestedStopKind,
    /// The wait status word.
    status: i32,
    siginfo: [u8; SIGINFO_SIZE],
    /// PTRACE_GETEVENTMSG.
    msg: u64,
    seq: u64,
    reported: bool,
    /// The tracer replaced the signal's information (PTRACE_SETSIGINFO).
    replaced: bool,
    /// A signal stop rtt made up (no real signal is pending): a signal the tracer
    /// delivers from it is sent for real, and not reported again.
    made_up: bool,
    /// PTRACE_GETSIGINFO fails (the group-stop of a thread not seized).
    no_siginfo: bool,
}

/// An end of a traced thread for its tracer's wait.
#[derive(Debug, Clone)]
struct ExitReport {
    tid: i32,
    tracer_tgid: i32,
    status: ExitStatus,
    seq: u64,
}

impl Nested {
    /// The number of the next stop or end, so that waits report them in order.
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// A new stop, numbered after the ones before.
    fn new_held(
        &mut self,
        kind: NestedStopKind,
        code: i32,
        info: [u8; SIGINFO_SIZE],
        msg: u64,
    ) -> Held {
        Held {
            kind,
            status: stopped(code),
            siginfo: info,
            msg,
            seq: self.next_seq(),
            reported: false,
            replaced: false,
            made_up: false,
            no_siginfo: false,
        }
    }
}

impl Traced {
    fn new(tracer: i32, tracer_tgid: i32, options: u64, seized: bool, parent: i32) -> Traced {
        Traced {
            tracer,
            tracer_tgid,
            parent,
            options,
            seized,
            mode: Mode::Cont,
            skip_entry: false,
            exit_due: false,
            entry_seen: false,
            stop: None,
            then: VecDeque::new(),
            after: After::Ready,
            vfork_done: None,
            expect: None,
            pass_signal: 0,
            exit_event_done: false,
            listening: false,
            birth_stop: false,
        }
    }

    /// The "exit code" of its syscall-entry and syscall-exit stops.
    fn syscall_code(&self) -> i32 {
        if self.options & libc::PTRACE_O_TRACESYSGOOD as u64 != 0 {
            libc::SIGTRAP | 0x80
        } else {
            libc::SIGTRAP
        }
    }
}

/// A siginfo with the given signal, code and pid.
fn siginfo(signo: i32, code: i32, pid: i32) -> [u8; SIGINFO_SIZE] {
    let mut info = [0u8; SIGINFO_SIZE];
    info[0..4].copy_from_slice(&signo.to_le_bytes());
    info[8..12].copy_from_slice(&code.to_le_bytes());
    info[16..20].copy_from_slice(&pid.to_le_bytes());
    info[20..24].copy_from_slice(&nix::unistd::getuid().as_raw().to_le_bytes());
    info
}

/// The wait status of a ptrace stop with "exit code" `code` (signal and event bits).
fn stopped(code: i32) -> i32 {
    (code << 8) | 0x7f
}

/// The SIGCHLD (and waitid) code and status of an end.
fn child_code(status: ExitStatus) -> (i32, i32) {
    match status {
        ExitStatus::Code(c) => (CLD_EXITED, c),
        ExitStatus::Signal(s) => (CLD_KILLED, s),
    }
}

/// The wait status of an end.
fn ended(status: ExitStatus) -> i32 {
    match status {
        ExitStatus::Code(c) => (c & 0xff) << 8,
        ExitStatus::Signal(s) => s & 0x7f,
    }
}

impl Recorder {
    /// Holds `tid` in a new stop for its tracer, after the stops queued before it.
    fn hold(
        &mut self,
        tid: i32,
        kind: NestedStopKind,
        code: i32,
        info: [u8; SIGINFO_SIZE],
        msg: u64,
    ) -> Result<()> {
        let held = self.nested.new_held(kind, code, info, msg);
        self.hold_stop(tid, held)
    }

    /// Holds `tid` in a stop of kind `kind` that reads as SIGTRAP with `code` (event and
    /// syscall stops), with event message `msg`.
    fn hold_trap(&mut self, tid: i32, kind: NestedStopKind, code: i32, msg: u64) -> Result<()> {
        self.hold(tid, kind, code, siginfo(libc::SIGTRAP, code, 0), msg)
    }

    /// Holds `tid` in a signal-delivery stop for `sig` that rtt makes up (no such signal
    /// is pending in the kernel).
    fn hold_made_up(&mut self, tid: i32, sig: i32, info: [u8; SIGINFO_SIZE]) -> Result<()> {
        let mut held = self.nested.new_held(NestedStopKind::Signal, sig, info, 0);
        held.made_up = true;
        self.hold_stop(tid, held)
    }

    /// Holds `tid` in stop `held` for its tracer, after the stops queued before it.
    fn hold_stop(&mut self, tid: i32, held: Held) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(());
        };
        if tr.stop.is_some() {
            tr.then.push_back(held);
            return Ok(());
        }
        let (held_kind, code) = (held.kind, held.status >> 8);
        tr.stop = Some(held);
        let tracer_tgid = tr.tracer_tgid;
        self.w.append(&Event::Nested {
            tid,
            op: NestedOp::Stop(held_kind),
        })?;
        if self.running == Some(tid) {
            self.running = None;
        }
        self.end_grace(tid);
        let t = self.task_mut(tid)?;
        t.state = State::Traced;
        // Its tracer decides how it goes on (replay clears it at the stop too).
        t.step = false;
        // Any stop answers an interrupt, as with the kernel.
        if let Some(tr) = self.nested.traced.get_mut(&tid) {
            tr.expect.take_if(|e| *e == Expect::Interrupt);
        }
        let sig = code & 0x7f;
        self.notify_tracer(tracer_tgid, tid, CLD_TRAPPED, sig)?;
        self.wake_waiters()
    }

    /// Sends tracer process `tgid` the SIGCHLD of a change in `tid`: a real signal from
    /// rtt, whose information is made the child's when it is delivered.
    fn notify_tracer(&mut self, tgid: i32, tid: i32, code: i32, status: i32) -> Result<()> {
        let [blocked, _, caught] = crate::procmaps::signal_sets(tgid);
        let bit = 1u64 << (libc::SIGCHLD - 1);
        let one_thread = crate::procmaps::threads_of(tgid).len() == 1;
        if (blocked | caught) & bit == 0 && one_thread {
            // Neither caught nor waited for (blocked for sigwait or signalfd): its default
            // action is to be ignored, so it would change nothing but cost a stop.
            return Ok(());
        }
        let mut info = siginfo(libc::SIGCHLD, code, tid);
        info[24..28].copy_from_slice(&status.to_le_bytes());
        self.nested.chld.insert(tgid, info);
        // The tracer may be gone already.
        let _ = sys::kill(tgid, libc::SIGCHLD);
        Ok(())
    }

    /// The information of a SIGCHLD that rtt sent to `tid`'s process for an emulated
    /// stop (None for any other signal).
    pub(super) fn nested_sigchld(
        &mut self,
        tid: i32,
        info: &[u8; SIGINFO_SIZE],
    ) -> Option<[u8; SIGINFO_SIZE]> {
        let (_, code) = crate::tracee::siginfo_code(info);
        let pid = i32::from_le_bytes(info[16..20].try_into().ok()?);
        if code != SI_USER || pid != self.my_pid {
            return None;
        }
        let tgid = crate::procmaps::tgid_of(tid)?;
        self.nested.chld.remove(&tgid)
    }

    /// Ends the emulated tracing of `tid`, letting it run on with signal `sig` (one in a
    /// group-stop goes back to it, as with the kernel).
    fn detach(&mut self, tid: i32, sig: i32) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(());
        };
        tr.then.clear();
        let in_group_stop = tr
            .stop
            .as_ref()
            .is_some_and(|h| h.kind == NestedStopKind::GroupStop);
        if in_group_stop {
            let listening = tr.listening;
            self.nested.traced.remove(&tid);
            if listening {
                self.task_mut(tid)?.state = State::Stopped;
            } else {
                self.make_ready(tid);
            }
            return Ok(());
        }
        if tr.stop.is_some() {
            self.resume_traced(tid, false, Mode::Cont, sig, None)?;
        }
        self.nested.traced.remove(&tid);
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.step = false;
        }
        Ok(())
    }

    /// The tracer resumed `tid` from its stop: single-stepping or not, stopping at
    /// syscalls or not, delivering `sig` if it is at a signal's delivery (with the
    /// signal information it `replaced`, if it did).
    fn resume_traced(
        &mut self,
        tid: i32,
        step: bool,
        mode: Mode,
        sig: i32,
        replaced: Option<[u8; SIGINFO_SIZE]>,
    ) -> Result<()> {
        let Some(held) = self.nested.traced.get_mut(&tid).and_then(|t| t.stop.take()) else {
            return Ok(());
        };
        if held.kind == NestedStopKind::GroupStop {
            // It runs although its process is stopped, as with the kernel's ptrace.
            self.leave_listen(tid)?;
            if !self.tasks.contains_key(&tid) {
                return Ok(());
            }
        }
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(());
        };
        tr.mode = mode;
        if matches!(
            held.kind,
            NestedStopKind::SyscallEntry | NestedStopKind::SysemuEntry
        ) {
            tr.exit_due = mode == Mode::Syscall;
        }
        let at_signal = held.kind == NestedStopKind::Signal;
        let sig = if at_signal { sig } else { 0 };
        // At a real delivery the chosen signal is delivered on resuming (replay does the
        // same); from a stop rtt made up, the kernel would ignore it there: it is sent.
        let (deliver, send) = if held.made_up {
            (None, sig)
        } else if at_signal {
            (Some(sig), 0)
        } else {
            (None, 0)
        };
        if send != 0 {
            tr.pass_signal = send;
        }
        let exits = tr.options & libc::PTRACE_O_TRACEEXIT as u64 != 0;
        let tracer = tr.tracer_tgid;
        if deliver.is_some_and(|s| s != 0) && exits && is_fatal(tid, sig) {
            // The signal ends it: its tracer sees it exit first.
            let code = libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8);
            let info = siginfo(libc::SIGTRAP, code, 0);
            let exit = (self.nested).new_held(NestedStopKind::Event, code, info, sig as u64);
            let tr = self.nested.traced.get_mut(&tid).expect("checked above");
            tr.then.push_front(exit);
            tr.exit_event_done = true;
        }
        // The signal's information: the tracer's, or the kernel's for a changed signal.
        let stopped_with = (held.status >> 8) & 0x7f;
        let info = match (replaced, deliver) {
            (Some(i), Some(s)) if s != 0 => Some(i),
            (None, Some(s)) if s != 0 && s != stopped_with => Some(siginfo(s, SI_USER, tracer)),
            _ => None,
        };
        let tr = self.nested.traced.get_mut(&tid).expect("checked above");
        let next = tr.then.pop_front();
        let after = match next {
            Some(_) => After::Ready,
            None => std::mem::replace(&mut tr.after, After::Ready),
        };
        self.w.append(&Event::Nested {
            tid,
            op: NestedOp::Resume {
                step,
                sig: deliver,
                siginfo: info.map(|i| i.to_vec()).unwrap_or_default(),
            },
        })?;
        if let Some(i) = info {
            sys::setsiginfo(tid, &i)?;
        }
        let t = self.task_mut(tid)?;
        t.step = step;
        if let Some(s) = deliver {
            t.pending_sig = s;
        }
        if send != 0 {
            let tgid = crate::procmaps::tgid_of(tid).unwrap_or(tid);
            sys::tgkill(tgid, tid, send)?;
        }
        if let Some(next) = next {
            return self.hold_stop(tid, next);
        }
        match after {
            // Still held: its syscall is recorded once the tracer's request is.
            After::Entry => self.nested.released.push(tid),
            After::Kernel => self.resume_in_kernel(tid)?,
            After::Ready => self.make_ready(tid),
        }
        Ok(())
    }

    /// Records the syscalls that tracees resumed from a syscall-entry stop are making.
    pub(super) fn release_nested(&mut self) -> Result<()> {
        while let Some(tid) = self.nested.released.pop() {
            if self.tasks.get(&tid).map(|t| t.state) != Some(State::Traced) {
                continue;
            }
            let sysemu = self
                .nested
                .traced
                .get_mut(&tid)
                .is_some_and(|t| std::mem::take(&mut t.skip_entry));
            // A tracer skips a syscall by setting its number to -1 at the entry stop.
            let skipped = sys::getregs(tid)?.orig_rax() == u64::MAX;
            if sysemu || skipped {
                if let Some(t) = self.nested.traced.get_mut(&tid) {
                    t.entry_seen = false;
                }
                self.skip_emulated_syscall(tid)?;
            } else {
                self.syscall_entry(tid)?;
            }
        }
        Ok(())
    }

    /// The syscall of `tid` that its tracer emulates (PTRACE_SYSEMU, or a number set to
    /// -1): recorded, and completed with what the tracer left in rax, without running it.
    fn skip_emulated_syscall(&mut self, tid: i32) -> Result<()> {
        let regs = sys::getregs(tid)?;
        let (nr, args) = (regs.orig_rax() as i64, regs.syscall_args());
        self.w.append(&Event::SyscallEntry { tid, nr, args })?;
        self.complete_skipped(tid, nr, regs.rax() as i64, Vec::new())
    }

    /// An error when nothing can run: every thread is held in an emulated ptrace stop.
    pub(super) fn nested_deadlock(&self) -> Option<String> {
        if self.nested.traced.is_empty() && self.nested.waiting.is_empty() {
            return None;
        }
        // A waiting tracer is in the kernel: a signal (a timer, Ctrl-C) can still end its
        // wait, as for a program that waits forever without rtt.
        let stuck = self.tasks.values().all(|t| t.state == State::Traced);
        stuck.then(|| {
            let mut tids: Vec<i32> = self.tasks.keys().copied().collect();
            tids.sort_unstable();
            format!("the program can go no further: threads {tids:?} are all held in ptrace stops")
        })
    }
}

/// Whether `sig`, delivered to `tid`, ends its process: not caught, ignored or blocked,
/// and terminating by default.
fn is_fatal(tid: i32, sig: i32) -> bool {
    let harmless = [
        libc::SIGCHLD,
        libc::SIGCONT,
        libc::SIGURG,
        libc::SIGWINCH,
        libc::SIGSTOP,
        libc::SIGTSTP,
        libc::SIGTTIN,
        libc::SIGTTOU,
    ];
    if harmless.contains(&sig) || !(1..=64).contains(&sig) {
        return false;
    }
    let [blocked, ignored, caught] = crate::procmaps::signal_sets(tid);
    let bit = 1u64 << (sig - 1);
    sig == libc::SIGKILL || (blocked | ignored | caught) & bit == 0
}
