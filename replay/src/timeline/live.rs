//! A timeline over a recording in progress (`rtt run`): at the live end of history the
//! program is the real one, recorded as it runs; going back replays the trace written so
//! far (a [`Timeline`] over it), and running forwards past its end is live again.
//!
//! Every live stop writes a `Pause` event, so the live end always has an exact name:
//! the start of the stretch after the last event. The replay reaches it by replaying that
//! event; its end of history ("truncated": the recording goes on) is the live end.

use super::{
    CheckpointInfo, Position, StopReason, TaskInfo, Timeline, TimelineOptions, Travel, WatchKey,
};
use crate::error::{Error, Result};
use crate::record::{LiveRecorder, LiveStop, RecordOptions};
use crate::regs::Regs;
use crate::replay::ReplayEnd;
use std::collections::BTreeSet;

/// A recording being debugged.
pub struct LiveTimeline {
    rec: LiveRecorder,
    /// The replay of the trace so far, once going back has needed it.
    tl: Option<Timeline>,
    opts: TimelineOptions,
    /// At the live end: operations act on the real program.
    live: bool,
    /// The position of the live end.
    live_pos: Position,
    bps: BTreeSet<u64>,
    watches: Vec<WatchKey>,
    /// The program has ended: the trace is complete.
    ended: bool,
    /// The last live stop: its `Pause` event and the registers there. A replay stopped
    /// in the stretch before that event with those registers is at the live end.
    pause: Option<(u64, Regs)>,
}

impl LiveTimeline {
    /// Starts recording `rec` and stops at the program's first instruction. The replay
    /// (for going back) uses `opts`, whose trace directory must be `rec`'s.
    pub fn start(rec: &RecordOptions, opts: TimelineOptions) -> Result<LiveTimeline> {
        let (live_rec, stop) = LiveRecorder::start(rec)?;
        let mut t = LiveTimeline {
            live_pos: Position::start_of(live_rec.events()),
            rec: live_rec,
            tl: None,
            opts,
            live: true,
            bps: BTreeSet::new(),
            watches: Vec::new(),
            ended: false,
            pause: None,
        };
        t.note_pause();
        if let LiveStop::Exited { .. } = stop {
            t.live_stop(stop)?;
        }
        Ok(t)
    }

    /// Whether the current position is the live end (the real program).
    pub fn at_live_end(&self) -> bool {
        self.live
    }

    /// Ends the recording (killing the program if it still runs) and completes the trace.
    pub fn finish(&mut self) -> Result<()> {
        self.tl = None;
        self.live = false;
        self.rec.finish()
    }

    /// The replay over the trace so far, brought up to date.
    fn replay(&mut self) -> Result<&mut Timeline> {
        self.rec.flush()?;
        match &mut self.tl {
            Some(tl) => tl.extend()?,
            None => {
                let mut tl = Timeline::open(self.opts.clone())?;
                for &b in &self.bps {
                    tl.add_breakpoint(b);
                }
                for &w in &self.watches {
                    tl.add_watchpoint(w)?;
                }
                self.tl = Some(tl);
            }
        }
        self.tl
            .as_mut()
            .ok_or_else(|| Error::Refused("no replay".into()))
    }

    /// Leaves the live end for its copy in the replay (to go back from there).
    fn leave_live_end(&mut self) -> Result<&mut Timeline> {
        if self.live {
            let here = self.live_pos.clone();
            self.replay()?.goto(&here)?;
            self.live = false;
        }
        self.tl
            .as_mut()
            .ok_or_else(|| Error::Refused("no replay".into()))
    }

    fn tl(&mut self) -> Result<&mut Timeline> {
        self.tl
            .as_mut()
            .ok_or_else(|| Error::Refused("no replay".into()))
    }

    /// Remembers the live stop just made (its `Pause` event is the last one).
    fn note_pause(&mut self) {
        self.pause = match (self.rec.focus(), self.rec.events().checked_sub(1)) {
            (Some(tid), Some(event)) => self.rec.regs(tid).ok().map(|r| (event, r)),
            _ => None,
        };
    }

    /// Whether the replay stopped at the live end's instant (under another name: a
    /// breakpoint or step there, before the `Pause` event is replayed).
    fn replay_at_live_end(&mut self) -> Result<bool> {
        let Some((event, regs)) = self.pause else {
            return Ok(false);
        };
        let Some(tl) = &mut self.tl else {
            return Ok(false);
        };
        Ok(!self.ended && tl.position().event == event && tl.regs().is_ok_and(|r| r == regs))
    }

    /// The timeline's stop for a live one.
    fn live_stop(&mut self, stop: LiveStop) -> Result<StopReason> {
        self.live_pos = Position::start_of(self.rec.events());
        self.note_pause();
        Ok(match stop {
            LiveStop::Started { .. } | LiveStop::Step { .. } => StopReason::Step,
            LiveStop::Breakpoint { addr, .. } => StopReason::Breakpoint { addr },
            LiveStop::Signal { tid, signo } => StopReason::Signal { tid, signo },
            LiveStop::Watch { .. } => StopReason::Step,
            LiveStop::Exited { status } => {
                // The trace is complete: from here on, this is a replay like any other.
                self.ended = true;
                self.rec.complete()?;
                let tl = self.replay()?;
                let r = tl.run_to_end()?;
                self.live = false;
                let _ = status;
                r
            }
        })
    }

    /// Runs the live program (one instruction if `step`), stopping at breakpoints and at
    /// changes of the watched ranges (accesses, for read watchpoints).
    fn run_live(&mut self, step: bool) -> Result<StopReason> {
        if self.watches.iter().any(|w| !super::traps::hw_watchable(w)) || self.watches.len() > 4 {
            return Err(Error::Refused(
                "while recording live, watchpoints must fit the debug registers (at most four, of 1, 2, 4 or 8 aligned bytes): go back first, or delete the others".into(),
            ));
        }
        loop {
            let tid = self.focus()?;
            let mut before = Vec::new();
            for w in &self.watches {
                before.push(
                    self.rec
                        .read(tid, w.addr, w.len as usize)
                        .unwrap_or_default(),
                );
            }
            let watches = self.watches.clone();
            let stop = self.rec.run(&self.bps, &watches, step)?;
            if let LiveStop::Watch { tid, index } = stop {
                let key = watches[index];
                let after = self.rec.read(tid, key.addr, key.len as usize)?;
                self.live_pos = Position::start_of(self.rec.events());
                self.note_pause();
                if key.reads || after != before[index] || step {
                    return Ok(StopReason::Watchpoint {
                        key,
                        before: before[index].clone(),
                        after,
                    });
                }
                continue;
            }
            return self.live_stop(stop);
        }
    }

    /// A forward operation: in the replay until its end, which is the live end, then live.
    fn forward(&mut self, step: bool) -> Result<StopReason> {
        if !self.live {
            let tl = self.tl()?;
            let r = if step { tl.stepi()? } else { tl.cont()? };
            let at_live_end = matches!(
                r,
                StopReason::EndOfHistory {
                    end: ReplayEnd::Truncated,
                    ..
                }
            );
            if !at_live_end || self.ended {
                if self.replay_at_live_end()? {
                    self.live = true;
                }
                return Ok(r);
            }
            self.live = true;
        }
        self.run_live(step)
    }

    fn focus(&self) -> Result<i32> {
        self.rec
            .focus()
            .ok_or_else(|| Error::Refused("the program has ended: no thread to inspect".into()))
    }
}

impl Travel for LiveTimeline {
    fn position(&self) -> Position {
        match (&self.tl, self.live) {
            (Some(tl), false) => tl.position().clone(),
            _ => self.live_pos.clone(),
        }
    }
    fn cont(&mut self) -> Result<StopReason> {
        self.forward(false)
    }
    fn stepi(&mut self) -> Result<StopReason> {
        self.forward(true)
    }
    fn reverse_cont(&mut self) -> Result<StopReason> {
        let live = if self.live { Some(self.regs()?) } else { None };
        let tl = self.leave_live_end()?;
        let r = tl.reverse_cont()?;
        // The live stop was at a breakpoint: its hit, in the replay, is the same instant
        // under another name. The one before is meant.
        if let (StopReason::Breakpoint { .. }, Some(regs)) = (&r, live) {
            if tl.regs()? == regs {
                return tl.reverse_cont();
            }
        }
        Ok(r)
    }
    fn reverse_stepi(&mut self) -> Result<StopReason> {
        self.leave_live_end()?.reverse_stepi()
    }
    fn goto(&mut self, to: &Position) -> Result<()> {
        if *to == self.live_pos && !self.ended {
            if !self.live {
                self.tl()?.goto(to)?;
                self.live = true;
            }
            return Ok(());
        }
        self.leave_live_end()?.goto(to)
    }
    fn goto_event(&mut self, event: u64) -> Result<StopReason> {
        self.leave_live_end()?.goto_event(event)
    }
    fn checkpoint(&mut self) -> Result<u64> {
        self.leave_live_end()?.checkpoint()
    }
    fn restart(&mut self, id: u64) -> Result<StopReason> {
        self.leave_live_end()?.restart(id)
    }
    fn checkpoints(&self) -> Vec<CheckpointInfo> {
        self.tl
            .as_ref()
            .map(Timeline::checkpoints)
            .unwrap_or_default()
    }
    fn current_tid(&mut self) -> Result<Option<i32>> {
        if self.live {
            return Ok(self.rec.focus());
        }
        self.tl()?.current_tid()
    }
    fn tasks(&mut self) -> Result<Vec<TaskInfo>> {
        if self.live {
            let focus = self.rec.focus();
            return Ok(self
                .rec
                .tids()
                .into_iter()
                .map(|tid| TaskInfo {
                    tid,
                    pid: tid,
                    current: Some(tid) == focus,
                    name: crate::procmaps::comm_of(tid),
                })
                .collect());
        }
        self.tl()?.tasks()
    }
    fn regs(&mut self) -> Result<Regs> {
        if self.live {
            let t = self.focus()?;
            return self.rec.regs(t);
        }
        self.tl()?.regs()
    }
    fn regs_of(&mut self, tid: i32) -> Result<Regs> {
        if self.live {
            return self.rec.regs(tid);
        }
        self.tl()?.regs_of(tid)
    }
    fn read_memory(&mut self, addr: u64, len: usize) -> Result<Vec<u8>> {
        if self.live {
            let t = self.focus()?;
            return self.rec.read(t, addr, len);
        }
        self.tl()?.read_memory(addr, len)
    }
    fn read_memory_of(&mut self, tid: i32, addr: u64, len: usize) -> Result<Vec<u8>> {
        if self.live {
            return self.rec.read(tid, addr, len);
        }
        self.tl()?.read_memory_of(tid, addr, len)
    }
    fn write_memory(&mut self, addr: u64, data: &[u8]) -> Result<()> {
        if !self.live {
            return self.tl()?.write_memory(addr, data);
        }
        let t = self.focus()?;
        self.rec.write(t, addr, data)?;
        self.live_pos = Position::start_of(self.rec.events());
        Ok(())
    }
    fn set_regs(&mut self, regs: &Regs) -> Result<()> {
        if !self.live {
            return self.tl()?.set_regs(regs);
        }
        let t = self.focus()?;
        self.rec.set_regs(t, regs)?;
        self.live_pos = Position::start_of(self.rec.events());
        // The replay has the old registers until it replays the change.
        self.pause = None;
        Ok(())
    }
    fn auxv_of(&mut self, tid: i32) -> Result<Vec<u8>> {
        if self.live {
            let path = format!("/proc/{tid}/auxv");
            return std::fs::read(&path).map_err(|e| Error::io(format!("read {path}"), e));
        }
        self.tl()?.auxv_of(tid)
    }
    fn add_breakpoint(&mut self, addr: u64) {
        self.bps.insert(addr);
        if let Some(tl) = &mut self.tl {
            tl.add_breakpoint(addr);
        }
    }
    fn remove_breakpoint(&mut self, addr: u64) -> bool {
        if let Some(tl) = &mut self.tl {
            tl.remove_breakpoint(addr);
        }
        self.bps.remove(&addr)
    }
    fn add_watchpoint(&mut self, key: WatchKey) -> Result<()> {
        if let Some(tl) = &mut self.tl {
            tl.add_watchpoint(key)?;
        }
        if !self.watches.contains(&key) {
            self.watches.push(key);
        }
        Ok(())
    }
    fn remove_watchpoint(&mut self, key: WatchKey) -> bool {
        if let Some(tl) = &mut self.tl {
            tl.remove_watchpoint(key);
        }
        let before = self.watches.len();
        self.watches.retain(|w| *w != key);
        before != self.watches.len()
    }
    fn last_live_position(&self) -> Option<Position> {
        match &self.tl {
            Some(tl) if self.ended => tl.last_live_position(),
            _ => Some(self.live_pos.clone()),
        }
    }
    fn close(&mut self) -> Result<()> {
        self.finish()
    }
}
