//! What a debugger front end needs from a timeline, whether it is over a finished trace
//! ([`Timeline`]) or over a recording in progress ([`super::LiveTimeline`]).

use super::{CheckpointInfo, Position, StopReason, TaskInfo, Timeline, WatchKey};
use crate::error::Result;
use crate::regs::Regs;

/// Moving through a recorded execution and looking at it.
pub trait Travel {
    /// The current position.
    fn position(&self) -> Position;
    /// Continues to the next stop.
    fn cont(&mut self) -> Result<StopReason>;
    /// One instruction.
    fn stepi(&mut self) -> Result<StopReason>;
    /// Back to the previous stop.
    fn reverse_cont(&mut self) -> Result<StopReason>;
    /// Back one instruction.
    fn reverse_stepi(&mut self) -> Result<StopReason>;
    /// To a position.
    fn goto(&mut self, to: &Position) -> Result<()>;
    /// To the start of the stretch before an event.
    fn goto_event(&mut self, event: u64) -> Result<StopReason>;
    /// Keeps a checkpoint here.
    fn checkpoint(&mut self) -> Result<u64>;
    /// To a checkpoint.
    fn restart(&mut self, id: u64) -> Result<StopReason>;
    /// The checkpoints kept.
    fn checkpoints(&self) -> Vec<CheckpointInfo>;
    /// The thread that runs here.
    fn current_tid(&mut self) -> Result<Option<i32>>;
    /// The live threads.
    fn tasks(&mut self) -> Result<Vec<TaskInfo>>;
    /// The current thread's registers.
    fn regs(&mut self) -> Result<Regs>;
    /// Thread `tid`'s registers.
    fn regs_of(&mut self, tid: i32) -> Result<Regs>;
    /// The current thread's memory.
    fn read_memory(&mut self, addr: u64, len: usize) -> Result<Vec<u8>>;
    /// A thread's memory.
    fn read_memory_of(&mut self, tid: i32, addr: u64, len: usize) -> Result<Vec<u8>>;
    /// Writes memory (only where the program is real: the live end of a recording).
    fn write_memory(&mut self, addr: u64, data: &[u8]) -> Result<()>;
    /// Sets registers (only at the live end of a recording).
    fn set_regs(&mut self, regs: &Regs) -> Result<()>;
    /// A thread's auxiliary vector.
    fn auxv_of(&mut self, tid: i32) -> Result<Vec<u8>>;
    /// Adds a breakpoint.
    fn add_breakpoint(&mut self, addr: u64);
    /// Removes a breakpoint.
    fn remove_breakpoint(&mut self, addr: u64) -> bool;
    /// Adds a watchpoint.
    fn add_watchpoint(&mut self, key: WatchKey) -> Result<()>;
    /// Removes a watchpoint.
    fn remove_watchpoint(&mut self, key: WatchKey) -> bool;
    /// The last position where the program can still be inspected (see
    /// [`Timeline::last_live_position`]).
    fn last_live_position(&self) -> Option<Position>;
    /// Ends the session: a recording in progress is completed (its program killed).
    fn close(&mut self) -> Result<()> {
        Ok(())
    }
}

impl Travel for Timeline {
    fn position(&self) -> Position {
        Timeline::position(self).clone()
    }
    fn cont(&mut self) -> Result<StopReason> {
        Timeline::cont(self)
    }
    fn stepi(&mut self) -> Result<StopReason> {
        Timeline::stepi(self)
    }
    fn reverse_cont(&mut self) -> Result<StopReason> {
        Timeline::reverse_cont(self)
    }
    fn reverse_stepi(&mut self) -> Result<StopReason> {
        Timeline::reverse_stepi(self)
    }
    fn goto(&mut self, to: &Position) -> Result<()> {
        Timeline::goto(self, to)
    }
    fn goto_event(&mut self, event: u64) -> Result<StopReason> {
        Timeline::goto_event(self, event)
    }
    fn checkpoint(&mut self) -> Result<u64> {
        Timeline::checkpoint(self)
    }
    fn restart(&mut self, id: u64) -> Result<StopReason> {
        Timeline::restart(self, id)
    }
    fn checkpoints(&self) -> Vec<CheckpointInfo> {
        Timeline::checkpoints(self)
    }
    fn current_tid(&mut self) -> Result<Option<i32>> {
        Timeline::current_tid(self)
    }
    fn tasks(&mut self) -> Result<Vec<TaskInfo>> {
        Timeline::tasks(self)
    }
    fn regs(&mut self) -> Result<Regs> {
        Timeline::regs(self)
    }
    fn regs_of(&mut self, tid: i32) -> Result<Regs> {
        Timeline::regs_of(self, tid)
    }
    fn read_memory(&mut self, addr: u64, len: usize) -> Result<Vec<u8>> {
        Timeline::read_memory(self, addr, len)
    }
    fn read_memory_of(&mut self, tid: i32, addr: u64, len: usize) -> Result<Vec<u8>> {
        Timeline::read_memory_of(self, tid, addr, len)
    }
    fn write_memory(&mut self, addr: u64, data: &[u8]) -> Result<()> {
        Timeline::write_memory(self, addr, data)
    }
    fn set_regs(&mut self, regs: &Regs) -> Result<()> {
        Timeline::set_regs(self, regs)
    }
    fn auxv_of(&mut self, tid: i32) -> Result<Vec<u8>> {
        Timeline::auxv_of(self, tid)
    }
    fn add_breakpoint(&mut self, addr: u64) {
        Timeline::add_breakpoint(self, addr)
    }
    fn remove_breakpoint(&mut self, addr: u64) -> bool {
        Timeline::remove_breakpoint(self, addr)
    }
    fn add_watchpoint(&mut self, key: WatchKey) -> Result<()> {
        Timeline::add_watchpoint(self, key)
    }
    fn remove_watchpoint(&mut self, key: WatchKey) -> bool {
        Timeline::remove_watchpoint(self, key)
    }
    fn last_live_position(&self) -> Option<Position> {
        Timeline::last_live_position(self)
    }
}
