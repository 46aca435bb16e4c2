//! Running a syscall of rtt's choosing inside a tracee that is stopped at a syscall exit,
//! by stepping it back onto its `syscall` instruction with other registers. The tracee's
//! registers are restored afterwards.

use super::Replayer;
use crate::error::Result;
use crate::remote::RemoteAddr;
use crate::sys::{self, Resume};
use crate::wait::Stop;

impl Replayer {
    /// Runs `nr(args)` in `tid`, which must be in a syscall-exit stop; returns its result
    /// and the address of the `syscall` instruction used, or None when the previous
    /// instruction is not a `syscall` to reuse.
    pub(super) fn inject_syscall(
        &mut self,
        tid: i32,
        nr: i64,
        args: [u64; 6],
    ) -> Result<Option<(i64, u64)>> {
        let pid = self.task(tid)?.pid;
        let insn = sys::getregs(pid)?.rip().wrapping_sub(2);
        Ok(self
            .inject_syscall_at(tid, insn, nr, args)?
            .map(|ret| (ret, insn)))
    }

    /// Runs `nr(args)` in stopped `tid` with the `syscall` instruction at `insn`.
    pub(super) fn inject_syscall_at(
        &mut self,
        tid: i32,
        insn: u64,
        nr: i64,
        args: [u64; 6],
    ) -> Result<Option<i64>> {
        let pid = self.task(tid)?.pid;
        let saved = sys::getregs(pid)?;
        if self.task(tid)?.mem.read(RemoteAddr(insn), 2)? != [0x0f, 0x05] {
            return Ok(None);
        }
        let mut regs = saved;
        regs.set_rip(insn);
        regs.set_rax(nr as u64);
        regs.set_orig_rax(nr as u64);
        regs.set_syscall_args(&args);
        sys::setregs(pid, &regs)?;
        sys::resume(Resume::Cont, pid, 0)?;
        self.task(tid)?.stopped = false;
        let stop = self.wait_for(tid, None)?;
        if stop != Stop::Event(libc::PTRACE_EVENT_SECCOMP) {
            return Err(self.diverged(format!(
                "injected syscall in thread {tid}: it stopped: {stop:?}"
            )));
        }
        sys::resume(Resume::Syscall, pid, 0)?;
        self.task(tid)?.stopped = false;
        let stop = self.wait_for(tid, None)?;
        if stop != Stop::Syscall {
            return Err(self.diverged(format!(
                "injected syscall in thread {tid}: it stopped: {stop:?}"
            )));
        }
        let ret = sys::getregs(pid)?.rax() as i64;
        sys::setregs(pid, &saved)?;
        Ok(Some(ret))
    }
}
