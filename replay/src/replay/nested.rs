//! Replaying what emulated tracers did to their tracees: the stops that hold a tracee at a
//! syscall's entry, how it was resumed, and the registers they wrote. The tracers' own
//! ptrace and wait syscalls replay from their recorded results.

use super::{At, Replayer};
use crate::error::Result;
use crate::sys::{self, SIGINFO_SIZE};
use crate::trace::{Event, NestedOp, NestedStopKind};
use crate::wait::Stop;
use std::collections::BTreeMap;

impl Replayer {
    pub(super) fn nested(&mut self, tid: i32, op: NestedOp) -> Result<()> {
        match op {
            NestedOp::Stop(
                kind @ (NestedStopKind::SyscallEntry
                | NestedStopKind::SysemuEntry
                | NestedStopKind::EntryEvent),
            ) => {
                // Its tracer saw it at the entry, before rtt recorded the syscall (which
                // the tracer may change): bring it there, and keep the stop for the entry.
                let stop = self.advance(tid, None)?;
                if stop != Stop::Event(libc::PTRACE_EVENT_SECCOMP) {
                    return Err(self.diverged(format!(
                        "expected thread {tid} to stop at a syscall for its tracer, it stopped: {stop:?}"
                    )));
                }
                let t = self.task(tid)?;
                t.held = Some(stop);
                // Nothing of the syscall is done yet.
                t.at = At::Trap;
                t.sysemu = kind == NestedStopKind::SysemuEntry;
                t.step = false;
            }
            // The thread is where its last event left it; its tracer decides how it goes
            // on (a single-step ends at a stop, as at record).
            NestedOp::Stop(_) => self.task(tid)?.step = false,
            NestedOp::Unsupported { .. } => {}
            NestedOp::Resume { step, sig, siginfo } => {
                // A SIGCONT that came at record before it ran (sent by a kill replay
                // emulates) is sent for real when its delivery is replayed: it ends the
                // group-stop then.
                if self.task(tid)?.group_stopped && !self.continued_next(tid)? {
                    // Resumed from its group-stop: out of rtt's PTRACE_LISTEN first.
                    let pid = self.task(tid)?.pid;
                    sys::interrupt(pid)?;
                    let stop = self.wait_for(tid, None)?;
                    if !matches!(stop, Stop::EventStop | Stop::GroupStop(_)) {
                        return Err(self.diverged(format!(
                            "expected stopped thread {tid} to stop for rtt, it stopped: {stop:?}"
                        )));
                    }
                    self.task(tid)?.group_stopped = false;
                }
                let t = self.task(tid)?;
                if let Some(sig) = sig {
                    t.pending_sig = sig;
                }
                t.step = step;
                let pid = t.pid;
                if sig.unwrap_or(0) != 0 && siginfo.len() == SIGINFO_SIZE {
                    let mut info = [0u8; SIGINFO_SIZE];
                    info.copy_from_slice(&siginfo);
                    sys::setsiginfo(pid, &info)?;
                }
            }
            NestedOp::PokeUser { offset, value } => {
                let t = self.task(tid)?;
                sys::pokeuser(t.pid, offset, value)?;
                t.user_words.insert(offset, value);
            }
            NestedOp::SetSigmask { mask } => {
                let pid = self.task(tid)?.pid;
                sys::set_sigmask(pid, mask)?;
            }
            NestedOp::SetRegset { nt, data } => {
                let pid = self.task(tid)?.pid;
                sys::set_regset(pid, nt, &data)?;
            }
        }
        Ok(())
    }

    /// Whether the next event `tid` runs to is a SIGCONT's delivery.
    fn continued_next(&mut self, tid: i32) -> Result<bool> {
        Ok(matches!(
            self.next_run(tid)?,
            Some(Event::Signal {
                signo: libc::SIGCONT,
                ..
            })
        ))
    }
}

/// Writes again the words of `struct user` (debug registers) an emulated tracer set into
/// thread `pid`, a checkpoint's copy, which does not inherit them.
pub(super) fn write_user_words(pid: i32, words: &BTreeMap<u64, u64>) -> Result<()> {
    for (&offset, &value) in words {
        sys::pokeuser(pid, offset, value)?;
    }
    Ok(())
}
