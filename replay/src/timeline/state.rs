//! Inspecting the replay at the current position: where it is, its threads, registers
//! and memory. Recorded history cannot be written.

use super::{Anchor, Position, TaskInfo, Timeline};
use crate::error::{Error, Result};
use crate::regs::Regs;
use crate::replay::EventKind;
use crate::sys;
use crate::trace::Event;

impl Timeline {
    /// The current position.
    pub fn position(&self) -> &Position {
        &self.pos
    }

    /// The start of history.
    pub fn start(&self) -> &Position {
        &self.start
    }

    /// Whether the replay is at the end of the trace.
    pub fn at_end(&self) -> bool {
        self.end.is_some()
    }

    /// The thread that runs at the current position (None at the end of the trace).
    pub fn current_tid(&mut self) -> Result<Option<i32>> {
        self.recover()?;
        if let Some(e) = self.r.peek()? {
            return Ok(e.tid());
        }
        // At the end of a recording still in progress, the thread of its last event is
        // still there (at the live end).
        if matches!(self.end, Some((crate::replay::ReplayEnd::Truncated, _))) {
            let last = self.kinds.iter().rev().find_map(|k| k.as_ref()?.tid());
            return Ok(last.filter(|t| self.r.tids().contains(t)));
        }
        Ok(None)
    }

    pub(super) fn tid(&mut self) -> Result<i32> {
        self.current_tid()?
            .ok_or_else(|| Error::Refused("the program has ended: no thread to inspect".into()))
    }

    /// The last position of the recorded execution where the last thread to end was still
    /// alive: at its final `exit_group` (or `exit`) instruction, or where the signal that
    /// killed it was delivered. Front ends stop there when running forwards reaches the
    /// end of history, so that the program can still be inspected. Known once the end has
    /// been reached; None before, or when the program never ran user code.
    pub fn last_live_position(&self) -> Option<Position> {
        self.end.as_ref()?;
        let kinds = &self.kinds;
        let exit = kinds.iter().enumerate().rev().find_map(|(i, k)| match k {
            Some(EventKind::Exit { tid, .. }) => Some((i, *tid)),
            _ => None,
        });
        let pos = match exit {
            Some((x, tid)) => {
                let before =
                    kinds[..x].iter().enumerate().rev().find_map(|(i, k)| {
                        k.as_ref().filter(|k| k.tid() == Some(tid)).map(|k| (i, k))
                    });
                match before {
                    Some((j, EventKind::SyscallEntry { .. })) => Position {
                        event: j as u64,
                        mark: None,
                        anchor: Anchor::Pending,
                        steps: 0,
                    },
                    Some((j, _)) => Position::start_of(j as u64 + 1),
                    None => Position::start_of(x as u64),
                }
            }
            // An incomplete trace: the program was alive before its last event.
            None => Position::start_of(kinds.len().checked_sub(1)? as u64),
        };
        (pos.event >= self.start.event).then_some(pos)
    }

    /// Reads on in a trace that has grown since its end was reached (a recording in
    /// progress): its end of history moves with it.
    pub fn extend(&mut self) -> Result<()> {
        self.recover()?;
        self.r.resume_events()?;
        if matches!(self.end, Some((crate::replay::ReplayEnd::Truncated, _))) {
            self.end = None;
        }
        Ok(())
    }

    /// The real process id that replays recorded thread `tid` now (it changes when a
    /// checkpoint is restored).
    pub fn pid_of(&mut self, tid: i32) -> Result<i32> {
        self.recover()?;
        self.r.pid_of(tid)
    }

    /// The auxiliary vector the kernel gave thread `tid`'s process (`/proc/PID/auxv`).
    pub fn auxv_of(&mut self, tid: i32) -> Result<Vec<u8>> {
        let pid = self.pid_of(tid)?;
        let path = format!("/proc/{pid}/auxv");
        std::fs::read(&path).map_err(|e| Error::io(format!("read {path}"), e))
    }

    /// The live threads of the replayed program.
    pub fn tasks(&mut self) -> Result<Vec<TaskInfo>> {
        let cur = self.current_tid()?;
        let mut v = Vec::new();
        for tid in self.r.tids() {
            v.push(TaskInfo {
                tid,
                pid: self.r.pid_of(tid)?,
                current: Some(tid) == cur,
                name: self.r.name_of(tid)?,
            });
        }
        Ok(v)
    }

    /// The general registers of the current thread as the program sees them.
    pub fn regs(&mut self) -> Result<Regs> {
        let tid = self.tid()?;
        self.regs_of(tid)
    }

    /// The general registers of thread `tid`.
    pub fn regs_of(&mut self, tid: i32) -> Result<Regs> {
        self.recover()?;
        let mut regs = self.r.regs_of(tid)?;
        if self.pos.anchor == Anchor::Pending && Some(tid) == self.current_tid()? {
            if let Some(Event::SyscallEntry { nr, .. }) = self.r.peek()? {
                // Held in the syscall's entry stop: show it at its `syscall` instruction.
                regs.set_rip(regs.rip().wrapping_sub(2));
                regs.set_rax(nr as u64);
                regs.set_orig_rax(u64::MAX);
            }
        }
        Ok(regs)
    }

    /// The extended register state (XSAVE layout: x87, SSE, AVX, AVX-512) of `tid`.
    pub fn xstate_of(&mut self, tid: i32) -> Result<Vec<u8>> {
        self.recover()?;
        let pid = self.r.pid_of(tid)?;
        sys::get_xstate(pid)
    }

    /// Reads `len` bytes of the current thread's memory at `addr` (breakpoints are never
    /// visible: they are in memory only while the program runs).
    pub fn read_memory(&mut self, addr: u64, len: usize) -> Result<Vec<u8>> {
        let tid = self.tid()?;
        self.r.read_of(tid, addr, len)
    }

    /// Reads memory of thread `tid`'s process.
    pub fn read_memory_of(&mut self, tid: i32, addr: u64, len: usize) -> Result<Vec<u8>> {
        self.recover()?;
        self.r.read_of(tid, addr, len)
    }

    /// Refused: the replay must follow the recording.
    pub fn write_memory(&mut self, addr: u64, _data: &[u8]) -> Result<()> {
        Err(Error::Refused(format!(
            "cannot write memory at {addr:#x}: this is a recorded execution, and changing it would change history"
        )))
    }

    /// Refused: the replay must follow the recording.
    pub fn set_regs(&mut self, _regs: &Regs) -> Result<()> {
        Err(Error::Refused(
            "cannot change registers: this is a recorded execution, and changing them would change history".into(),
        ))
    }
}
