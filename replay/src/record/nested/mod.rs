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
/// Options a tracer may set (all the kernel knows).
const KNOWN_OPTIONS: u64 = 0x003f_00ff | (1 << 20) | (1 << 21);
const SI_USER: i32 = 0;
const CLD_EXITED: i32 = 1;
const CLD_KILLED: i32 = 2;
const CLD_DUMPED: i32 = 3;
const CLD_TRAPPED: i32 = 4;

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
}

/// One traced thread.
#[derive(Debug)]
pub(super) struct Traced {
    /// The tracer thread and its process.
    tracer: i32,
    tracer_tgid: i32,
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
    /// When the tracer resumes it from its last stop: record the syscall it stopped at
    /// the entry of (else it just runs on).
    after_entry: bool,
    /// A fork, vfork or clone event to report at the syscall's exit: (event, new thread).
    fork_event: Option<(i32, i32)>,
    /// A SIGSTOP rtt sent for the tracer: reported as an attach or interrupt stop.
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

/// Why rtt sent a traced thread SIGSTOP.
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
    /// Made of a real signal's delivery (a SIGSTOP rtt sent for an interrupt): replay
    /// must not deliver that signal either.
    from_signal: bool,
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
    /// A new stop, numbered after the ones before.
    fn new_held(
        &mut self,
        kind: NestedStopKind,
        code: i32,
        info: [u8; SIGINFO_SIZE],
        msg: u64,
    ) -> Held {
        self.seq += 1;
        Held {
            kind,
            status: stopped(code),
            siginfo: info,
            msg,
            seq: self.seq,
            reported: false,
            replaced: false,
            made_up: false,
            no_siginfo: false,
            from_signal: false,
        }
    }
}

impl Traced {
    fn new(tracer: i32, tracer_tgid: i32, options: u64, seized: bool) -> Traced {
        Traced {
            tracer,
            tracer_tgid,
            options,
            seized,
            mode: Mode::Cont,
            skip_entry: false,
            exit_due: false,
            entry_seen: false,
            stop: None,
            then: VecDeque::new(),
            after_entry: false,
            fork_event: None,
            expect: None,
            pass_signal: 0,
            exit_event_done: false,
            listening: false,
            birth_stop: false,
        }
    }

    fn sysgood(&self) -> bool {
        self.options & libc::PTRACE_O_TRACESYSGOOD as u64 != 0
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
        self.task_mut(tid)?.state = State::Traced;
        let sig = code & 0x7f;
        self.notify_tracer(tracer_tgid, tid, CLD_TRAPPED, sig)?;
        self.wake_waiters()
    }

    /// Sends tracer process `tgid` the SIGCHLD of a change in `tid`: a real signal from
    /// rtt, whose information is made the child's when it is delivered.
    fn notify_tracer(&mut self, tgid: i32, tid: i32, code: i32, status: i32) -> Result<()> {
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

    /// Ends the emulated tracing of `tid`, letting it run on with signal `sig`.
    fn detach(&mut self, tid: i32, sig: i32) -> Result<()> {
        let held = self
            .nested
            .traced
            .get(&tid)
            .is_some_and(|t| t.stop.is_some());
        if held {
            self.resume_traced(tid, false, Mode::Cont, sig, None)?;
        }
        self.nested.traced.remove(&tid);
        Ok(())
    }

    /// The tracer resumed `tid` from its stop: single-stepping or not, stopping at
    /// syscalls or not, delivering `sig` if it is at a signal's delivery.
    fn resume_traced(
        &mut self,
        tid: i32,
        step: bool,
        mode: Mode,
        sig: i32,
        replaced: Option<[u8; SIGINFO_SIZE]>,
    ) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(());
        };
        let Some(held) = tr.stop.take() else {
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
        if held.kind == NestedStopKind::SyscallEntry {
            tr.exit_due = mode == Mode::Syscall;
        }
        let at_signal = held.kind == NestedStopKind::Signal;
        let sig = if at_signal { sig } else { 0 };
        if held.made_up && sig != 0 {
            tr.pass_signal = sig;
        }
        let exits = tr.options & libc::PTRACE_O_TRACEEXIT as u64 != 0;
        if at_signal && sig != 0 && exits && is_fatal(tid, sig) {
            // The signal ends it: its tracer sees it exit first.
            let code = libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8);
            let info = siginfo(libc::SIGTRAP, code, 0);
            let exit = self
                .nested
                .new_held(NestedStopKind::Event, code, info, sig as u64);
            let tr = self.nested.traced.get_mut(&tid).expect("checked above");
            tr.then.push_front(exit);
            tr.exit_event_done = true;
        }
        let tr = self.nested.traced.get_mut(&tid).expect("checked above");
        let next = tr.then.pop_front();
        let after_entry = next.is_none() && std::mem::take(&mut tr.after_entry);
        let info = replaced.map(|i| i.to_vec()).unwrap_or_default();
        self.w.append(&Event::Nested {
            tid,
            op: NestedOp::Resume {
                step,
                sig: (at_signal || held.from_signal).then_some(sig),
                siginfo: info,
            },
        })?;
        if let (Some(i), true) = (replaced, sig != 0) {
            sys::setsiginfo(tid, &i)?;
        }
        let t = self.task_mut(tid)?;
        t.step = step;
        if at_signal {
            t.pending_sig = sig;
        }
        if let Some(next) = next {
            let tr = self.nested.traced.get_mut(&tid).expect("checked above");
            tr.stop = Some(next.clone());
            self.w.append(&Event::Nested {
                tid,
                op: NestedOp::Stop(next.kind),
            })?;
            let tgid = tr.tracer_tgid;
            self.notify_tracer(tgid, tid, CLD_TRAPPED, next.status >> 8 & 0x7f)?;
            return self.wake_waiters();
        }
        if after_entry {
            // Still held: its syscall is recorded once the tracer's request is.
            self.nested.released.push(tid);
        } else {
            self.make_ready(tid);
        }
        Ok(())
    }

    /// Records the syscalls that tracees resumed from a syscall-entry stop are making.
    pub(super) fn release_nested(&mut self) -> Result<()> {
        while let Some(tid) = self.nested.released.pop() {
            if self.tasks.get(&tid).map(|t| t.state) != Some(State::Traced) {
                continue;
            }
            let skip = self
                .nested
                .traced
                .get_mut(&tid)
                .is_some_and(|t| std::mem::take(&mut t.skip_entry));
            if skip {
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

    /// The syscall of `tid` that its tracer emulates (PTRACE_SYSEMU): recorded, and
    /// completed with what the tracer left in rax, without running it.
    fn skip_emulated_syscall(&mut self, tid: i32) -> Result<()> {
        let regs = sys::getregs(tid)?;
        let (nr, args) = (regs.orig_rax() as i64, regs.syscall_args());
        self.w.append(&Event::SyscallEntry { tid, nr, args })?;
        self.complete_skipped(tid, nr, regs.rax() as i64, Vec::new())
    }

    /// An error when nothing can run: every thread waits for an emulated ptrace stop
    /// or is held in one.
    pub(super) fn nested_deadlock(&self) -> Option<String> {
        if self.nested.traced.is_empty() && self.nested.waiting.is_empty() {
            return None;
        }
        let stuck = self
            .tasks
            .values()
            .all(|t| matches!(t.state, State::Traced | State::Waiting));
        stuck.then(|| {
            let mut tids: Vec<i32> = self.tasks.keys().copied().collect();
            tids.sort_unstable();
            format!(
                "the program can go no further: threads {tids:?} all wait for ptrace stops or are held in them"
            )
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
