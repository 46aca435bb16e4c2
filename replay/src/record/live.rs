//! A recording that a debugger drives (`rtt run`): the program runs for real, recorded as
//! usual, until a breakpoint, one instruction, a signal or its end, and then waits. Each
//! such pause is written to the trace as a `Pause` event, so that the live end of history
//! has an exact position a replay can reach.
//!
//! Breakpoints are int3s written into the running tracee only while it runs user code
//! (never across a syscall, so a fork or exec never inherits one); a tracee paused on one
//! steps over it before running on.

use super::{RecordOptions, Recorder, State};
use crate::error::{Error, Result};
use crate::regs::Regs;
use crate::remote::RemoteAddr;
use crate::replay::{dr7, HwWatch};
use crate::sys::{self, Resume};
use crate::timeline::WatchKey;
use crate::trace::{Event, MemWrite};
use crate::tracee;
use crate::wait::{decode, ExitStatus, Stop};
use std::collections::BTreeSet;

/// si_code of a SIGTRAP raised by `int3`.
const SI_KERNEL: i32 = 0x80;
/// si_code of a single-step SIGTRAP.
const TRAP_TRACE: i32 = 2;
/// Signals a live run does not stop at (as in gdb).
const QUIET: [i32; 7] = [
    libc::SIGALRM,
    libc::SIGURG,
    libc::SIGCHLD,
    libc::SIGWINCH,
    libc::SIGIO,
    libc::SIGPROF,
    libc::SIGVTALRM,
];

/// Why a live run paused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveStop {
    /// At the program's first instruction (after its exec).
    Started {
        /// The thread.
        tid: i32,
    },
    /// At a breakpoint (not executed yet).
    Breakpoint {
        /// The thread.
        tid: i32,
        /// The breakpoint's address.
        addr: u64,
    },
    /// After one instruction (a syscall counts as one).
    Step {
        /// The thread.
        tid: i32,
    },
    /// A watched range was accessed (the access is done).
    Watch {
        /// The thread.
        tid: i32,
        /// Which of the watched ranges (the first that triggered).
        index: usize,
    },
    /// A signal is about to be delivered.
    Signal {
        /// The thread.
        tid: i32,
        /// The signal.
        signo: i32,
    },
    /// The program ended; the trace is complete.
    Exited {
        /// How the first process ended.
        status: ExitStatus,
    },
}

/// The recording, paused between runs.
pub struct LiveRecorder {
    rec: Recorder,
    /// The thread the last pause stopped.
    focus: Option<i32>,
    /// Tracees stepping over a breakpoint at their pc before running on.
    stepping_over: BTreeSet<i32>,
    /// int3s written into the running tracee: (tid, [(addr, original byte)]).
    inserted: Option<(i32, Vec<(u64, u8)>)>,
    ended: Option<ExitStatus>,
    /// The `End` event is written.
    completed: bool,
    /// Watched ranges of the current run, in DR0-DR3.
    watches: Vec<HwWatch>,
}

impl LiveRecorder {
    /// Starts `opts`'s program under recording and runs it to its first instruction.
    /// The calling thread becomes the tracer (and traps `rdtsc`).
    pub fn start(opts: &RecordOptions) -> Result<(LiveRecorder, LiveStop)> {
        let mut rec = Recorder::spawn(opts)?;
        let pid = rec.first;
        rec.adopt_first(pid)?;
        let mut live = LiveRecorder {
            rec,
            focus: None,
            stepping_over: BTreeSet::new(),
            inserted: None,
            ended: None,
            completed: false,
            watches: Vec::new(),
        };
        let stop = live.run_until(&BTreeSet::new(), false, true)?;
        Ok((live, stop))
    }

    /// Runs until a breakpoint in `bps`, an access to one of `watches` (at most four,
    /// in the debug registers), a stopping signal or the end; one instruction of the
    /// paused thread only when `step`.
    pub fn run(
        &mut self,
        bps: &BTreeSet<u64>,
        watches: &[WatchKey],
        step: bool,
    ) -> Result<LiveStop> {
        if let Some(status) = self.ended {
            return Ok(LiveStop::Exited { status });
        }
        if watches.len() > 4 {
            return Err(Error::Refused(
                "at most four watchpoints while recording live".into(),
            ));
        }
        self.watches = watches.iter().map(HwWatch::from).collect();
        let r = self.run_until(bps, step, false);
        self.watches.clear();
        r
    }

    /// Writes the events so far to the trace file.
    pub fn flush(&mut self) -> Result<()> {
        self.rec.w.flush()
    }

    /// Events written so far.
    pub fn events(&self) -> u64 {
        self.rec.w.event_count()
    }

    /// The thread the last pause stopped.
    pub fn focus(&self) -> Option<i32> {
        self.focus
    }

    /// The live threads.
    pub fn tids(&self) -> Vec<i32> {
        let mut v: Vec<i32> = self.rec.tasks.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// The registers of `tid`.
    pub fn regs(&self, tid: i32) -> Result<Regs> {
        self.task_check(tid)?;
        sys::getregs(tid)
    }

    /// Reads the memory of `tid`.
    pub fn read(&mut self, tid: i32, addr: u64, len: usize) -> Result<Vec<u8>> {
        self.rec.task_mut(tid)?.mem.read(RemoteAddr(addr), len)
    }

    /// Writes the memory of `tid`, and records the write so that replays make it too.
    pub fn write(&mut self, tid: i32, addr: u64, data: &[u8]) -> Result<()> {
        self.rec.task_mut(tid)?.mem.write(RemoteAddr(addr), data)?;
        self.rec.w.append(&Event::MemoryChanged {
            tid,
            writes: vec![MemWrite {
                addr,
                data: data.to_vec(),
            }],
        })
    }

    /// Sets the registers of `tid`, and records them so that replays set them too.
    pub fn set_regs(&mut self, tid: i32, regs: &Regs) -> Result<()> {
        self.task_check(tid)?;
        sys::setregs(tid, regs)?;
        self.rec.w.append(&Event::SetRegs { tid, regs: *regs })
    }

    /// Writes the trace's `End` event once the program has ended.
    pub fn complete(&mut self) -> Result<()> {
        if let (Some(status), false) = (self.ended, self.completed) {
            self.rec.w.append(&Event::End { status })?;
            self.completed = true;
        }
        self.flush()
    }

    /// Ends the recording: kills the program if it still runs and completes the trace.
    pub fn finish(&mut self) -> Result<()> {
        if self.ended.is_none() {
            self.remove_breakpoints();
            self.rec.kill_all();
            self.rec.tasks.clear();
            self.ended = Some(ExitStatus::Signal(libc::SIGKILL));
            self.focus = None;
        }
        self.complete()
    }

    fn task_check(&self, tid: i32) -> Result<()> {
        if self.rec.tasks.contains_key(&tid) {
            Ok(())
        } else {
            Err(Error::Refused(format!("thread {tid} is not running")))
        }
    }

    fn run_until(&mut self, bps: &BTreeSet<u64>, step: bool, to_start: bool) -> Result<LiveStop> {
        let step_tid = if step { self.focus } else { None };
        let mut stepped = false;
        loop {
            if self.rec.tasks.is_empty() {
                let status = self.rec.outcome()?;
                self.ended = Some(status);
                self.focus = None;
                return Ok(LiveStop::Exited { status });
            }
            self.schedule(bps, step_tid)?;
            if step_tid.is_some_and(|t| self.rec.running == Some(t)) {
                stepped = true;
            }
            let Some((tid, status)) = sys::waitpid_own(false)? else {
                continue;
            };
            self.remove_breakpoints_of(tid);
            let stop = decode(status);
            if !self.watches.is_empty() && !matches!(stop, Stop::Exited(_) | Stop::Killed(_)) {
                // Checked (DR6) before DR7 goes: a trap may be a watchpoint's.
                if stop != Stop::Signal(libc::SIGTRAP) {
                    let _ = sys::set_debugreg(tid, 7, 0);
                }
            }
            if let Stop::Signal(libc::SIGTRAP) = stop {
                let trapped = self.trap(tid, bps, step_tid);
                if !self.watches.is_empty() {
                    let _ = sys::set_debugreg(tid, 7, 0);
                }
                if let Some(p) = trapped? {
                    return self.pause(tid, p);
                }
                if self.stepping_over.remove(&tid) {
                    self.rec.make_ready(tid);
                    continue;
                }
            }
            let before = self.rec.w.event_count();
            self.rec.handle(tid, status)?;
            if let Stop::Signal(sig) = stop {
                let recorded = self.rec.w.event_count() > before;
                let pending = self.rec.tasks.get(&tid).map(|t| t.pending_sig);
                if recorded && pending == Some(sig) && !QUIET.contains(&sig) {
                    return self.pause(tid, LiveStop::Signal { tid, signo: sig });
                }
            }
            // After the first exec, or (stepping) after a syscall that was the step: the
            // thread is back to user code.
            let ready = |t: i32| {
                self.rec
                    .tasks
                    .get(&t)
                    .is_some_and(|x| x.state == State::Ready)
                    && self.rec.running != Some(t)
            };
            if to_start && self.rec.exec_seen && ready(self.rec.first) {
                let t = self.rec.first;
                return self.pause(t, LiveStop::Started { tid: t });
            }
            if let Some(t) = step_tid.filter(|&t| stepped && tid == t && ready(t)) {
                return self.pause(t, LiveStop::Step { tid: t });
            }
        }
    }

    /// A SIGTRAP of the debugger's: a breakpoint or the requested step.
    fn trap(
        &mut self,
        tid: i32,
        bps: &BTreeSet<u64>,
        step_tid: Option<i32>,
    ) -> Result<Option<LiveStop>> {
        if !self.watches.is_empty() {
            let dr6 = sys::get_debugreg(tid, 6)?;
            sys::set_debugreg(tid, 6, 0)?;
            let mask = dr6 & ((1 << self.watches.len()) - 1);
            if mask != 0 {
                self.stepping_over.remove(&tid);
                return Ok(Some(LiveStop::Watch {
                    tid,
                    index: mask.trailing_zeros() as usize,
                }));
            }
        }
        let info = sys::getsiginfo(tid)?;
        let (_, code) = tracee::siginfo_code(&info);
        let mut regs = sys::getregs(tid)?;
        if code == SI_KERNEL && bps.contains(&regs.rip().wrapping_sub(1)) {
            let addr = regs.rip() - 1;
            regs.set_rip(addr);
            sys::setregs(tid, &regs)?;
            return Ok(Some(LiveStop::Breakpoint { tid, addr }));
        }
        if code == TRAP_TRACE && step_tid == Some(tid) && !self.stepping_over.contains(&tid) {
            return Ok(Some(LiveStop::Step { tid }));
        }
        Ok(None)
    }

    /// Holds `tid` where it is, first to run again; records the point.
    fn pause(&mut self, tid: i32, stop: LiveStop) -> Result<LiveStop> {
        if self.rec.running == Some(tid) {
            self.rec.running = None;
        }
        if let Some(t) = self.rec.tasks.get_mut(&tid) {
            t.state = State::Ready;
        }
        self.rec.ready.retain(|&t| t != tid);
        self.rec.ready.push_front(tid);
        self.focus = Some(tid);
        let regs = sys::getregs(tid)?;
        self.rec.w.append(&Event::Pause { tid, regs })?;
        Ok(stop)
    }

    /// Lets the next ready tracee run: one instruction for the stepping thread, over its
    /// breakpoint for a thread paused on one, else freely with the breakpoints in.
    fn schedule(&mut self, bps: &BTreeSet<u64>, step_tid: Option<i32>) -> Result<()> {
        while self.rec.running.is_none() {
            let Some(tid) = self.rec.pick_next() else {
                return Ok(());
            };
            if self.rec.tasks.get(&tid).map(|t| t.state) != Some(State::Ready) {
                continue;
            }
            self.rec.debugger_traps = !self.watches.is_empty() || !bps.is_empty();
            self.rec.arm_slice(tid)?;
            let t = self.rec.task_mut(tid)?;
            let sig = std::mem::take(&mut t.pending_sig);
            let pc = sys::getregs(tid)?.rip();
            let how = if step_tid == Some(tid) {
                Resume::Step
            } else if bps.contains(&pc) {
                self.stepping_over.insert(tid);
                Resume::Step
            } else {
                self.insert_breakpoints(tid, bps);
                Resume::Cont
            };
            if !self.watches.is_empty() {
                for (i, w) in self.watches.iter().enumerate() {
                    sys::set_debugreg(tid, i, w.addr)?;
                }
                sys::set_debugreg(tid, 6, 0)?;
                sys::set_debugreg(tid, 7, dr7(&self.watches))?;
            }
            match sys::resume(how, tid, sig) {
                Ok(()) => {
                    let t = self.rec.task_mut(tid)?;
                    t.state = State::Running;
                    self.rec.running = Some(tid);
                }
                Err(Error::Sys {
                    errno: nix::errno::Errno::ESRCH,
                    ..
                }) => {
                    self.remove_breakpoints_of(tid);
                    self.rec.task_mut(tid)?.state = State::InSyscall;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn insert_breakpoints(&mut self, tid: i32, bps: &BTreeSet<u64>) {
        let Some(t) = self.rec.tasks.get(&tid) else {
            return;
        };
        let mut done = Vec::new();
        for &a in bps {
            if let Ok(orig) = t.mem.read(RemoteAddr(a), 1) {
                if t.mem.write(RemoteAddr(a), &[0xcc]).is_ok() {
                    done.push((a, orig[0]));
                }
            }
        }
        self.inserted = Some((tid, done));
    }

    fn remove_breakpoints_of(&mut self, tid: i32) {
        if self.inserted.as_ref().is_some_and(|(t, _)| *t == tid) {
            self.remove_breakpoints();
        }
    }

    fn remove_breakpoints(&mut self) {
        if let Some((tid, list)) = self.inserted.take() {
            if let Some(t) = self.rec.tasks.get(&tid) {
                for (a, orig) in list.into_iter().rev() {
                    let _ = t.mem.write(RemoteAddr(a), &[orig]);
                }
            }
        }
    }
}
