//! Group-stops (job control) of traced threads, as their emulated tracer sees them: the
//! group-stop itself, PTRACE_LISTEN, and the stop that says a listening tracee was
//! continued. The real thread stays under rtt's own PTRACE_LISTEN while it is stopped.

use super::{siginfo, Expect, Recorder, State, INTERRUPT_CODE, PTRACE_EVENT_STOP};
use crate::error::Result;
use crate::sys;
use crate::trace::NestedStopKind;
use crate::wait::Stop;

impl Recorder {
    /// `tid` entered a group-stop for `sig` (recorded, and listening): its tracer sees it.
    pub(in crate::record) fn nested_group_stop(&mut self, tid: i32, sig: i32) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(());
        };
        tr.listening = true;
        let (code, info) = if tr.seized {
            let code = sig | (PTRACE_EVENT_STOP << 8);
            (code, Some(siginfo(sig, code, 0)))
        } else {
            // PTRACE_GETSIGINFO fails in a group-stop of a thread not seized.
            (sig, None)
        };
        let mut held =
            self.nested
                .new_held(NestedStopKind::GroupStop, code, info.unwrap_or([0; 128]), 0);
        held.no_siginfo = info.is_none();
        self.hold_stop(tid, held)
    }

    /// A PTRACE_EVENT_STOP of `tid` that is not a first stop: rtt's interrupt of a
    /// waiting tracer, or a listening tracee continued (SIGCONT), which reports it if its
    /// tracer let it listen, and stays held if held in its group-stop. False when it is
    /// neither (an untraced thread continued).
    pub(in crate::record) fn nested_continued(&mut self, tid: i32) -> Result<bool> {
        if self.nested.interrupted.remove(&tid) {
            // The trap of rtt's own PTRACE_INTERRUPT: a tracer's interrupt stop if not
            // made yet (at the syscall it ended), else nothing.
            let due = self
                .nested
                .traced
                .get_mut(&tid)
                .and_then(|t| t.expect.take_if(|e| *e == Expect::Interrupt));
            if due.is_some() {
                self.hold_trap(tid, NestedStopKind::Event, INTERRUPT_CODE, 0)?;
            } else {
                self.make_ready(tid);
            }
            return Ok(true);
        }
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(false);
        };
        tr.listening = false;
        if tr.stop.is_some() {
            return Ok(true);
        }
        let info = siginfo(libc::SIGSTOP, libc::SIGSTOP | (PTRACE_EVENT_STOP << 8), 0);
        self.hold(tid, NestedStopKind::Event, INTERRUPT_CODE, info, 0)?;
        Ok(true)
    }

    /// PTRACE_LISTEN by the tracer of `pid`, held in a group-stop: it stays stopped, no
    /// longer in a ptrace stop, until continued.
    pub(in crate::record) fn listen_request(&mut self, pid: i32) -> Result<i64> {
        let Some(tr) = self.nested.traced.get_mut(&pid) else {
            return Ok(-(libc::ESRCH as i64));
        };
        let in_group_stop = tr
            .stop
            .as_ref()
            .is_some_and(|h| h.kind == NestedStopKind::GroupStop);
        if !tr.seized || !in_group_stop {
            return Ok(-(libc::EIO as i64));
        }
        tr.stop = None;
        if tr.listening {
            self.task_mut(pid)?.state = State::Stopped;
        } else {
            // Continued while held: it says so at once.
            self.nested_continued(pid)?;
        }
        Ok(0)
    }

    /// Before the tracer's resume of `tid` from a group-stop takes effect: the real thread
    /// leaves rtt's PTRACE_LISTEN (replay does the same on the Resume event).
    pub(in crate::record) fn leave_listen(&mut self, tid: i32) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(());
        };
        if !std::mem::take(&mut tr.listening) {
            return Ok(());
        }
        // PTRACE_INTERRUPT of a listening thread: it reports its group-stop again.
        sys::interrupt(tid)?;
        loop {
            let Some((_, status)) = sys::waitpid(tid, false)? else {
                continue;
            };
            match crate::wait::decode(status) {
                Stop::EventStop | Stop::GroupStop(_) => return Ok(()),
                // Killed meanwhile: its end is recorded as any other.
                _ => return self.handle(tid, status),
            }
        }
    }
}
