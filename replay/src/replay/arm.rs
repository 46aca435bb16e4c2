//! Running user code with the debugger's traps armed: software breakpoints (int3 written
//! only while the tracee runs, so memory reads and checkpoints never see them), hardware
//! watchpoints (DR0-DR3) and single-stepping. A trap that belongs to the debugger pauses
//! the event being replayed ([`Error::Paused`]).

use super::Replayer;
use crate::error::{Error, Result};
use crate::remote::RemoteAddr;
use crate::sys::{self, Resume};
use crate::wait::Stop;
use std::collections::BTreeSet;

/// si_code of a SIGTRAP raised by `int3`.
const SI_KERNEL: i32 = 0x80;
/// si_code of a single-step SIGTRAP.
const TRAP_TRACE: i32 = 2;
/// DR6 bit set by a single-step.
const DR6_BS: u64 = 1 << 14;

/// One hardware watchpoint, or an execution breakpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HwWatch {
    /// Address (aligned to `len`).
    pub addr: u64,
    /// 1, 2, 4 or 8 bytes.
    pub len: u8,
    /// Trap on reads too, not only writes.
    pub reads: bool,
    /// An execution breakpoint instead: traps before the instruction at `addr` runs (and
    /// never where no instruction starts, unlike an int3, which would change the code).
    /// The kernel sets the resume flag, so resuming runs that instruction.
    pub exec: bool,
}

impl From<&crate::timeline::WatchKey> for HwWatch {
    /// The data watchpoint a debugger's watch asks for.
    fn from(key: &crate::timeline::WatchKey) -> HwWatch {
        HwWatch {
            addr: key.addr,
            len: key.len as u8,
            reads: key.reads,
            exec: false,
        }
    }
}

/// What the debugger has armed.
#[derive(Debug, Default, Clone)]
pub(crate) struct Arm {
    /// Software breakpoint addresses (in every process).
    pub bps: BTreeSet<u64>,
    /// Hardware watchpoints, at most four.
    pub watches: Vec<HwWatch>,
    /// Stop after every instruction.
    pub step: bool,
    /// Interrupt the running tracee each time it has run this long in user mode (ns),
    /// counted from when its alarm was armed (see [`Replayer::disarm_alarms`]).
    pub interrupt_ns: Option<u64>,
    /// The kernel refused the task-clock perf event: runs are never interrupted.
    pub no_alarms: bool,
    pause: Option<Pause>,
}

/// A debugger stop that paused the replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pause {
    /// The breakpoint at this address was reached (the pc is on it, not yet executed).
    Breakpoint(u64),
    /// Watchpoints (bit i: `watches[i]`) triggered; the access has been made (for an
    /// execution breakpoint: the instruction is reached, not run).
    Watch(u8),
    /// One instruction was executed.
    Step,
    /// The run was interrupted after its time (see [`Arm::interrupt_ns`]).
    Interrupted,
}

impl Arm {
    /// Whether anything is armed.
    pub fn active(&self) -> bool {
        self.step || !self.bps.is_empty() || !self.watches.is_empty() || self.interrupt_ns.is_some()
    }

    pub(super) fn take_pause(&mut self) -> Pause {
        self.pause.take().unwrap_or(Pause::Step)
    }

    fn dr7(&self) -> u64 {
        dr7(&self.watches)
    }
}

/// The DR7 value that enables `watches` in DR0-DR3, in order.
pub(crate) fn dr7(watches: &[HwWatch]) -> u64 {
    let mut v = 0u64;
    for (i, w) in watches.iter().enumerate() {
        let rw: u64 = match (w.exec, w.reads) {
            (true, _) => 0b00,
            (false, true) => 0b11,
            (false, false) => 0b01,
        };
        let len: u64 = match w.len {
            _ if w.exec => 0b00,
            1 => 0b00,
            2 => 0b01,
            8 => 0b10,
            _ => 0b11,
        };
        v |= 1 << (2 * i);
        v |= (rw | (len << 2)) << (16 + 4 * i);
    }
    v
}

/// How a stop relates to the debugger.
enum Trap {
    Breakpoint(u64),
    Watch(u8),
    Step,
    Interrupt,
}

impl Replayer {
    /// Resumes stopped `tid` (one instruction if `step`) and waits for its next stop,
    /// with the debugger's traps armed. A breakpoint at the current pc is stepped over.
    pub(super) fn resume_and_wait(
        &mut self,
        tid: i32,
        step: bool,
        expect: Option<i32>,
    ) -> Result<Stop> {
        let t = self.task(tid)?;
        let mut sig = std::mem::take(&mut t.pending_sig);
        let pid = t.pid;
        if !self.arm.active() {
            let how = if step { Resume::Step } else { Resume::Cont };
            return self.run_once(tid, how, sig, expect, false);
        }
        let pc = sys::getregs(pid)?.rip();
        if step || self.arm.step || self.arm.bps.contains(&pc) {
            let t = self.task(tid)?;
            // An emulated tracer's step from a skipped syscall traps right after it, as
            // at record: only rtt's own steps finish the syscall first.
            if t.at == super::At::Skipped && !t.step {
                self.finish_skipped(tid)?;
            }
            let stop = self.run_once(tid, Resume::Step, sig, expect, false)?;
            sig = 0;
            match self.classify(tid, &stop, false)? {
                // The alarm's signal came before the instruction ran.
                Some(Trap::Interrupt) => return self.pause(Pause::Interrupted),
                Some(Trap::Watch(mask)) => return self.pause(Pause::Watch(mask)),
                Some(Trap::Step) if self.arm.step => return self.pause(Pause::Step),
                Some(Trap::Step) if !step => {}
                _ => return Ok(stop),
            }
        }
        let stop = self.run_once(tid, Resume::Cont, sig, expect, true)?;
        match self.classify(tid, &stop, true)? {
            Some(Trap::Interrupt) => self.pause(Pause::Interrupted),
            Some(Trap::Breakpoint(addr)) => {
                let mut regs = sys::getregs(pid)?;
                regs.set_rip(addr);
                sys::setregs(pid, &regs)?;
                self.pause(Pause::Breakpoint(addr))
            }
            Some(Trap::Watch(mask)) => self.pause(Pause::Watch(mask)),
            _ => Ok(stop),
        }
    }

    /// Stops the CPU alarms of all tasks; returns the user time they ran since armed, ns.
    pub(crate) fn disarm_alarms(&mut self) -> u64 {
        let mut total = 0;
        for t in self.tasks.values_mut() {
            if std::mem::take(&mut t.alarm_armed) {
                if let Some(a) = &t.alarm {
                    total += a.elapsed();
                    a.disarm();
                }
            }
        }
        total
    }

    /// Whether `tid`, stopped by [`sys::ALARM_SIGNAL`], got it from its own CPU alarm.
    pub(super) fn is_alarm(&mut self, tid: i32) -> Result<bool> {
        let t = self.task(tid)?;
        let Some(fd) = t.alarm.as_ref().map(|a| a.raw_fd()) else {
            return Ok(false);
        };
        let info = sys::getsiginfo(t.pid)?;
        Ok(sys::siginfo_fd(&info) == fd)
    }

    /// Takes `tid` from the seccomp stop of a syscall completed there to its exit stop.
    /// Single-stepping from the seccomp stop would report a step at once, before any
    /// instruction ran (the kernel's step report at syscall exit).
    fn finish_skipped(&mut self, tid: i32) -> Result<()> {
        let t = self.task(tid)?;
        let pid = t.pid;
        t.last_resume = Resume::Syscall;
        sys::resume(Resume::Syscall, pid, 0)?;
        t.stopped = false;
        let stop = self.wait_for(tid, None)?;
        if stop != Stop::Syscall {
            return Err(self.diverged(format!(
                "completing a syscall of thread {tid}: it stopped: {stop:?}"
            )));
        }
        self.task(tid)?.at = super::At::Exit;
        Ok(())
    }

    /// Pauses the replay; the task stays in the signal stop of its trap (`run_once`
    /// marked it out of any syscall).
    fn pause(&mut self, p: Pause) -> Result<Stop> {
        self.arm.pause = Some(p);
        Err(Error::Paused)
    }

    /// One resume of `tid` and the wait for its stop, with breakpoints inserted (if
    /// `with_bps`) and watchpoints set only for that time.
    fn run_once(
        &mut self,
        tid: i32,
        how: Resume,
        sig: i32,
        expect: Option<i32>,
        with_bps: bool,
    ) -> Result<Stop> {
        let bps = if with_bps {
            self.arm.bps.iter().copied().collect()
        } else {
            Vec::new()
        };
        let t = self.task(tid)?;
        let pid = t.pid;
        let mut inserted = Vec::new();
        {
            for addr in bps {
                let a = RemoteAddr(addr);
                if let Ok(orig) = t.mem.read(a, 1) {
                    if t.mem.write(a, &[0xcc]).is_ok() {
                        inserted.push((a, orig[0]));
                    }
                }
            }
        }
        let watching = !self.arm.watches.is_empty();
        if watching {
            for (i, w) in self.arm.watches.iter().enumerate() {
                sys::set_debugreg(pid, i, w.addr)?;
            }
            sys::set_debugreg(pid, 6, 0)?;
            sys::set_debugreg(pid, 7, self.arm.dr7())?;
        }
        if let (Some(ns), Resume::Cont, false) = (self.arm.interrupt_ns, how, self.arm.no_alarms) {
            let t = self.task(tid)?;
            if !t.alarm_armed {
                if t.alarm.is_none() {
                    match sys::CpuAlarm::open(pid) {
                        Ok(a) => t.alarm = Some(a),
                        Err(_) => self.arm.no_alarms = true,
                    }
                }
                let t = self.task(tid)?;
                if let Some(a) = &t.alarm {
                    a.arm(ns)?;
                }
                t.alarm_armed = true;
            }
        }
        let t = self.task(tid)?;
        t.last_resume = how;
        let result = sys::resume(how, pid, sig).and_then(|()| {
            self.task(tid)?.stopped = false;
            self.wait_for(tid, expect)
        });
        if let (Ok(Stop::Signal(_)), Ok(t)) = (&result, self.task(tid)) {
            // Out of any syscall now (a trap, a fault, a signal to deliver).
            t.at = super::At::Trap;
        }
        let alive = matches!(&result, Ok(s) if !matches!(s, Stop::Exited(_) | Stop::Killed(_)));
        if alive {
            if let Ok(t) = self.task(tid) {
                for (a, orig) in inserted.iter().rev() {
                    let _ = t.mem.write(*a, &[*orig]);
                }
            }
            if watching {
                let _ = sys::set_debugreg(pid, 7, 0);
            }
        }
        result
    }

    /// Whether `stop` is a trap of the debugger's.
    fn classify(&mut self, tid: i32, stop: &Stop, with_bps: bool) -> Result<Option<Trap>> {
        if *stop == Stop::Signal(sys::ALARM_SIGNAL) && self.is_alarm(tid)? {
            return Ok(Some(Trap::Interrupt));
        }
        if *stop != Stop::Signal(libc::SIGTRAP) {
            return Ok(None);
        }
        let pid = self.task(tid)?.pid;
        let dr6 = if self.arm.watches.is_empty() {
            0
        } else {
            let v = sys::get_debugreg(pid, 6)?;
            sys::set_debugreg(pid, 6, 0)?;
            v
        };
        let mask = (dr6 & 0xf) as u8 & ((1u8 << self.arm.watches.len()) - 1);
        if mask != 0 {
            return Ok(Some(Trap::Watch(mask)));
        }
        let info = sys::getsiginfo(pid)?;
        let (_, code) = crate::tracee::siginfo_code(&info);
        if with_bps && code == SI_KERNEL {
            let pc = sys::getregs(pid)?.rip().wrapping_sub(1);
            if self.arm.bps.contains(&pc) {
                return Ok(Some(Trap::Breakpoint(pc)));
            }
        }
        if code == TRAP_TRACE || dr6 & DR6_BS != 0 {
            return Ok(Some(Trap::Step));
        }
        Ok(None)
    }
}
