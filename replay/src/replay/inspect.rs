//! What the timeline asks the replayer about its tracees: the next event, the tasks,
//! their registers and memory, and holding a tracee at the instruction of its next event.

use super::{Pause, Replayer};
use crate::error::{Error, Result};
use crate::regs::Regs;
use crate::remote::RemoteAddr;
use crate::trace::Event;

impl Replayer {
    /// The next event to replay, without replaying it.
    pub(crate) fn peek(&mut self) -> Result<Option<Event>> {
        self.events.find_ahead(1, |_| true)
    }

    /// Reads on past the end of the event stream (it has grown).
    pub(crate) fn resume_events(&mut self) -> Result<()> {
        self.events.resume()
    }

    /// Number of the next event to replay.
    pub(crate) fn next_index(&self) -> u64 {
        self.events.next_index()
    }

    /// Recorded ids of the live tasks, in order.
    pub(crate) fn tids(&self) -> Vec<i32> {
        let mut v: Vec<i32> = self.tasks.keys().copied().collect();
        v.sort_unstable();
        v
    }

    /// The real process id that replays recorded thread `tid`.
    pub(crate) fn pid_of(&mut self, tid: i32) -> Result<i32> {
        Ok(self.task(tid)?.pid)
    }

    /// The name of thread `tid` (its `comm`).
    pub(crate) fn name_of(&mut self, tid: i32) -> Result<String> {
        Ok(self.task(tid)?.name.clone())
    }

    /// The registers of `tid`.
    pub(crate) fn regs_of(&mut self, tid: i32) -> Result<Regs> {
        let pid = self.task(tid)?.pid;
        crate::sys::getregs(pid)
    }

    /// Reads `len` bytes at `addr` in the memory of `tid`.
    pub(crate) fn read_of(&mut self, tid: i32, addr: u64, len: usize) -> Result<Vec<u8>> {
        self.task(tid)?.mem.read(RemoteAddr(addr), len)
    }

    /// Resident memory of all replayed processes, in bytes.
    pub(crate) fn resident_bytes(&self) -> u64 {
        self.tasks
            .values()
            .map(|t| super::fork::resident_bytes(t.pid))
            .sum()
    }

    /// Runs the tracee of the next event (a syscall entry or rdtsc) up to that event's
    /// stop and holds it there: the instruction is reached, not yet executed.
    pub(crate) fn hold_next(&mut self) -> Result<Option<Pause>> {
        let (tid, expect) = match self.peek()? {
            Some(Event::SyscallEntry { tid, .. }) => (tid, None),
            Some(Event::Rdtsc { tid, .. }) => (tid, Some(libc::SIGSEGV)),
            other => {
                return Err(Error::Refused(format!(
                    "no instruction to stop at before event {} ({other:?})",
                    self.next_index()
                )))
            }
        };
        match self.advance(tid, expect) {
            Ok(stop) => {
                self.task(tid)?.held = Some(stop);
                Ok(None)
            }
            Err(Error::Paused) => Ok(Some(self.arm.take_pause())),
            Err(e) => Err(e),
        }
    }
}

/// Whether replaying `ev` runs user code of its task first (so that a debugger stop can
/// come before it).
pub(crate) fn runs_user_code(ev: &Event) -> bool {
    matches!(
        ev,
        Event::SyscallEntry { .. }
            | Event::Signal { .. }
            | Event::Rdtsc { .. }
            | Event::GroupStop { .. }
            | Event::Pause { .. }
            | Event::Preempt { .. }
    )
}
