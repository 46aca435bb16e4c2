//! Recording signal stops: emulated `rdtsc`, synchronous faults and asynchronous signals.

use super::Recorder;
use crate::error::{Error, Result};
use crate::remote::RemoteAddr;
use crate::sys;
use crate::trace::Event;
use crate::tracee::{self, TscInsn};

impl Recorder {
    pub(super) fn signal_stop(&mut self, tid: i32, sig: i32) -> Result<()> {
        let info = match sys::getsiginfo(tid) {
            Ok(i) => i,
            // EINVAL: a group-stop (SIGSTOP, SIGTSTP). Let the tracee go on.
            Err(Error::Sys {
                errno: nix::errno::Errno::EINVAL,
                ..
            }) => {
                self.make_ready(tid);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        if sig == sys::ALARM_SIGNAL && self.slice_alarm(tid, &info)? {
            return Ok(());
        }
        let (_, code) = tracee::siginfo_code(&info);
        let mut regs = self.regs(tid)?;
        if sig == libc::SIGSEGV && code == tracee::SI_KERNEL {
            let bytes = self
                .task_mut(tid)?
                .mem
                .read(RemoteAddr(regs.rip()), 3)
                .unwrap_or_default();
            if let Some(insn) = TscInsn::decode(&bytes) {
                let (value, aux) = match insn {
                    TscInsn::Rdtsc => (sys::rdtsc(), None),
                    TscInsn::Rdtscp => {
                        let (v, a) = sys::rdtscp();
                        (v, Some(a))
                    }
                };
                apply_tsc(&mut regs, insn, value, aux);
                sys::setregs(tid, &regs)?;
                self.w.append(&Event::Rdtsc { tid, value, aux })?;
                self.make_ready(tid);
                return Ok(());
            }
        }
        let mut info = info;
        if sig == libc::SIGCHLD {
            // One rtt sent for an emulated ptrace stop: the tracer gets the child's.
            if let Some(child) = self.nested_sigchld(tid, &info) {
                sys::setsiginfo(tid, &child)?;
                info = child;
            }
        }
        let sync = tracee::is_synchronous(sig, code);
        self.w.append(&Event::Signal {
            tid,
            signo: sig,
            siginfo: info.to_vec(),
            regs,
            sync,
        })?;
        if self.nested_signal_stop(tid, sig, &info)? {
            return Ok(());
        }
        self.task_mut(tid)?.pending_sig = sig;
        self.make_ready(tid);
        Ok(())
    }
}

/// Sets the registers as if `insn` had read `value` (and `aux`) and steps past it.
pub(crate) fn apply_tsc(regs: &mut crate::regs::Regs, insn: TscInsn, value: u64, aux: Option<u32>) {
    regs.set_rax(value & 0xffff_ffff);
    regs.set_rdx(value >> 32);
    if let Some(a) = aux {
        regs.set_rcx(u64::from(a));
    }
    regs.set_rip(regs.rip() + insn.length());
}
