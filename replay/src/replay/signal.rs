//! Replaying signals and `rdtsc`: synchronous faults recur by themselves and are checked;
//! asynchronous signals are delivered by rtt at the recorded instruction, found by a
//! breakpoint on the recorded pc and an exact match of the general registers.

use super::{At, Replayer};
use crate::error::Result;
use crate::regs::Regs;
use crate::remote::RemoteAddr;
use crate::sys::{self, SIGINFO_SIZE};
use crate::tracee::TscInsn;
use crate::wait::{signal_name, Stop};

impl Replayer {
    pub(super) fn signal(
        &mut self,
        tid: i32,
        signo: i32,
        siginfo: &[u8],
        regs: &Regs,
        sync: bool,
    ) -> Result<()> {
        let mut info = [0u8; SIGINFO_SIZE];
        let n = siginfo.len().min(SIGINFO_SIZE);
        info[..n].copy_from_slice(&siginfo[..n]);
        if sync {
            let mut stop = self.advance(tid, Some(signo))?;
            if signo == libc::SIGBUS && stop == Stop::Signal(libc::SIGSEGV) {
                // A file mapping past its end is PROT_NONE at replay (see fill_mapping): the
                // fault is the same, its signal is made the recorded one.
                let pid = self.task(tid)?.pid;
                sys::setsiginfo(pid, &info)?;
                stop = Stop::Signal(signo);
            }
            if stop != Stop::Signal(signo) {
                return Err(self.diverged(format!(
                    "expected {} in thread {tid}, it stopped: {stop:?}",
                    signal_name(signo)
                )));
            }
            self.check_regs(tid, regs, &format!("at {}", signal_name(signo)))?;
        } else {
            self.reach_delivery_point(tid, signo, regs)?;
            let pid = self.task(tid)?.pid;
            sys::setsiginfo(pid, &info)?;
        }
        let t = self.task(tid)?;
        t.pending_sig = signo;
        t.at = At::Signal;
        Ok(())
    }

    /// The recorded stop signal puts `tid` in a group-stop, as it did at record.
    pub(super) fn group_stop(&mut self, tid: i32, signo: i32) -> Result<()> {
        let stop = self.advance(tid, None)?;
        if stop != Stop::GroupStop(signo) {
            return Err(self.diverged(format!(
                "expected thread {tid} to stop ({}), it stopped: {stop:?}",
                signal_name(signo)
            )));
        }
        let t = self.task(tid)?;
        sys::listen(t.pid)?;
        t.stopped = false;
        t.group_stopped = true;
        Ok(())
    }

    /// Brings `tid` to where a debugger paused it while recording: the point with
    /// registers `target` (where it is already, after a stop of its own there).
    pub(super) fn pause_point(&mut self, tid: i32, target: &Regs) -> Result<()> {
        let pid = self.task(tid)?.pid;
        if sys::getregs(pid)?.same_state(target) {
            return Ok(());
        }
        self.run_to_state(tid, target)
    }

    /// Brings `tid` to where the recorder preempted it: the point with registers `target`.
    pub(super) fn preempt_point(&mut self, tid: i32, target: &Regs) -> Result<()> {
        self.pause_point(tid, target)?;
        let t = self.task(tid)?;
        if t.at != At::Exit {
            return Ok(());
        }
        // Preempted right after a syscall that its alarm interrupted: at record the kernel
        // restarted the syscall, since no signal was delivered; here nothing would.
        let pid = t.pid;
        let mut regs = sys::getregs(pid)?;
        if (regs.orig_rax() as i64) < 0 {
            return Ok(());
        }
        let (nr, ret) = (regs.orig_rax(), regs.rax() as i64);
        if !super::syscall::restart_without_signal(&mut regs, nr, ret) {
            return Ok(());
        }
        sys::setregs(pid, &regs)?;
        self.task(tid)?.at = At::Trap;
        Ok(())
    }

    /// Brings `tid` to a signal-delivery stop whose registers are `target`, from which
    /// resuming with `signo` delivers it as at record.
    fn reach_delivery_point(&mut self, tid: i32, signo: i32, target: &Regs) -> Result<()> {
        let t = self.task(tid)?;
        let pid = t.pid;
        if t.group_stopped {
            // Only SIGCONT ends a group-stop: send it for real (the kill that sent it at
            // record is emulated), then take its delivery stop.
            if signo != libc::SIGCONT {
                return Err(self.diverged(format!(
                    "{} delivered to stopped thread {tid}",
                    signal_name(signo)
                )));
            }
            t.group_stopped = false;
            sys::kill(pid, libc::SIGCONT)?;
            let stop = self.wait_for(tid, Some(signo))?;
            if stop == Stop::Signal(signo) {
                return Ok(());
            }
            if stop != Stop::EventStop {
                return Err(self.diverged(format!("continuing thread {tid}: it stopped: {stop:?}")));
            }
            return self.expect_signal_stop(tid, signo);
        }
        if t.woken == Some(signo) {
            // rtt sent it to end a sigsuspend; it is pending: let the kernel dequeue it.
            t.woken = None;
            return self.expect_signal_stop(tid, signo);
        }
        let at_exit = t.stopped && t.at == At::Exit;
        let here = sys::getregs(pid)?;
        if at_exit && here.same_state(target) {
            // At a syscall-exit stop the kernel queues a signal given to the resume request.
            let t = self.task(tid)?;
            t.pending_sig = signo;
            return self.expect_signal_stop(tid, signo);
        }
        let t = self.task(tid)?;
        if t.stopped && t.at == At::Signal && t.pending_sig != 0 && here.same_state(target) {
            // A second signal delivered where the previous one was, before any user code
            // (the previous one is ignored, or a syscall restarts after it): make it
            // pending now, so that the kernel delivers it right after the previous one.
            // At record a real signal did that; at replay one may not come (the replayed
            // child that sent it is not this copy's child after a checkpoint).
            sys::tgkill(crate::procmaps::tgid_of(pid).unwrap_or(pid), pid, signo)?;
            return self.expect_signal_stop(tid, signo);
        }
        self.run_to_state(tid, target)
    }

    fn expect_signal_stop(&mut self, tid: i32, signo: i32) -> Result<()> {
        let stop = self.advance(tid, Some(signo))?;
        if stop != Stop::Signal(signo) {
            return Err(self.diverged(format!(
                "expected to deliver {} to thread {tid}, it stopped: {stop:?}",
                signal_name(signo)
            )));
        }
        Ok(())
    }

    /// Runs `tid` until its registers equal `target`, with a breakpoint at `target.rip`.
    /// Leaves it in the breakpoint's SIGTRAP stop with the pc moved back onto the
    /// instruction.
    fn run_to_state(&mut self, tid: i32, target: &Regs) -> Result<()> {
        let addr = RemoteAddr(target.rip());
        let orig = self.task(tid)?.mem.read(addr, 1)?;
        loop {
            if sys::interrupted() {
                return Err(crate::error::Error::Interrupted);
            }
            self.task(tid)?.mem.write(addr, &[0xcc])?;
            let stop = self.advance(tid, Some(libc::SIGTRAP));
            self.task(tid)?.mem.write(addr, &orig)?;
            let stop = stop?;
            let pid = self.task(tid)?.pid;
            let mut regs = sys::getregs(pid)?;
            if stop != Stop::Signal(libc::SIGTRAP) || regs.rip() != addr.0 + 1 {
                return Err(self.diverged(format!(
                    "looking for the recorded signal point at {addr} in thread {tid}, it stopped: {stop:?} at {:#x} ({})",
                    regs.rip(),
                    crate::syscalls::name(regs.orig_rax() as i64)
                )));
            }
            regs.set_rip(addr.0);
            // A breakpoint stop has no syscall context (orig_rax -1); a delivery stop right
            // after a syscall or another delivery keeps it. Compare the rest, then take the
            // recorded value so that syscall-restart handling sees what it saw at record.
            regs.set_orig_rax(target.orig_rax());
            if regs.same_state(target) {
                sys::setregs(pid, target)?;
                self.task(tid)?.at = At::Trap;
                return Ok(());
            }
            regs.set_orig_rax(u64::MAX);
            sys::setregs(pid, &regs)?;
            // Not this visit: step over the instruction and look again.
            let at = self.task(tid)?.at;
            let stop = self.resume_and_wait(tid, true, Some(libc::SIGTRAP))?;
            if stop != Stop::Signal(libc::SIGTRAP) {
                let now = sys::getregs(pid).map(|r| r.rip()).unwrap_or(0);
                return Err(self.diverged(format!(
                    "single-step in thread {tid} from {addr} ({at:?}) stopped: {stop:?} at {now:#x}"
                )));
            }
        }
    }

    fn check_regs(&mut self, tid: i32, expected: &Regs, what: &str) -> Result<()> {
        let pid = self.task(tid)?.pid;
        let got = sys::getregs(pid)?;
        let diff = got.differences(expected);
        if !diff.is_empty() {
            return Err(self.diverged(format!(
                "registers differ {what} (replay vs record): {}",
                diff.join(", ")
            )));
        }
        Ok(())
    }

    pub(super) fn rdtsc(&mut self, tid: i32, value: u64, aux: Option<u32>) -> Result<()> {
        let stop = self.advance(tid, Some(libc::SIGSEGV))?;
        let pid = self.task(tid)?.pid;
        let mut regs = sys::getregs(pid)?;
        let bytes = self
            .task(tid)?
            .mem
            .read(RemoteAddr(regs.rip()), 3)
            .unwrap_or_default();
        let insn = match (stop, TscInsn::decode(&bytes)) {
            (Stop::Signal(libc::SIGSEGV), Some(insn)) => insn,
            _ => {
                return Err(self.diverged(format!(
                    "expected rdtsc in thread {tid}, it stopped: {stop:?} at {:#x}",
                    regs.rip()
                )))
            }
        };
        crate::record::apply_tsc(&mut regs, insn, value, aux);
        sys::setregs(pid, &regs)?;
        let t = self.task(tid)?;
        t.pending_sig = 0;
        t.at = At::Signal;
        Ok(())
    }
}
