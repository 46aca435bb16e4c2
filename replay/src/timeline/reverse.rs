//! Running the timeline backwards: going to any position from the best checkpoint before
//! it, finding the instruction executed just before a position, reverse-stepi and
//! reverse-continue.

use super::checkpoints::Checkpoint;
use super::forward::{Goal, Report};
use super::position::{Anchor, Position};
use super::{Key, StopReason, Timeline, MAX_SEARCH_STEPS, TRAIL_INTERVAL};
use crate::error::{Error, Result};
use crate::replay::{EventKind, Pause, Progress};
use std::cmp::Ordering;

/// The key whose hits name `anchor`, if any.
fn anchor_key(anchor: &Anchor) -> Option<(Key, u64)> {
    match anchor {
        Anchor::Arrival { pc, count } => Some((Key::Pc(*pc), *count)),
        Anchor::Watch { key, count } => Some((Key::Watch(*key), *count)),
        _ => None,
    }
}

/// Whether checkpoint `c` lies before `t` (or at it, unless `strict`), as far as names
/// and the hit counts known at `c` tell.
fn before(c: &Checkpoint, t: &Position, strict: bool) -> bool {
    match c.pos.partial_cmp(t) {
        Some(Ordering::Less) => return true,
        Some(Ordering::Equal) => return !strict,
        Some(Ordering::Greater) => return false,
        None => {}
    }
    match anchor_key(&t.anchor) {
        Some((key, n)) if c.pos.event == t.event && c.knows(&key) => c.count(&key) < n,
        _ => false,
    }
}

impl Timeline {
    /// Goes to position `to`, forwards from here when it lies ahead, otherwise from the
    /// best checkpoint before it.
    pub fn goto(&mut self, to: &Position) -> Result<()> {
        if &self.pos == to {
            return Ok(());
        }
        if to < &self.start {
            return Err(Error::Refused(format!(
                "position {to} is before the start of history"
            )));
        }
        let ahead = self.end.is_none()
            && match self.pos.partial_cmp(to) {
                Some(Ordering::Less) => true,
                None => match anchor_key(&to.anchor) {
                    Some((key, n)) if self.pos.event == to.event => {
                        self.hit_count(&key).is_some_and(|c| c < n)
                    }
                    _ => false,
                },
                _ => false,
            };
        if !ahead {
            let id = self.best_checkpoint(to, &[])?;
            self.restore(id)?;
        }
        match self.forward(Goal::To(to.clone()), Report::Quiet)? {
            StopReason::Reached => Ok(()),
            other => Err(Error::Refused(format!(
                "could not reach {to}: stopped with {other:?}"
            ))),
        }
    }

    /// The checkpoint closest before `to` (at it allowed) at which the counts of `keys`
    /// are known.
    pub(super) fn best_checkpoint(&self, to: &Position, keys: &[Key]) -> Result<u64> {
        self.pick_checkpoint(to, keys, false)
    }

    fn pick_checkpoint(&self, to: &Position, keys: &[Key], strict: bool) -> Result<u64> {
        let target_key = anchor_key(&to.anchor);
        self.ckpts
            .list
            .iter()
            .filter(|c| before(c, to, strict) && keys.iter().all(|k| c.knows(k)))
            .max_by_key(|c| {
                let same_stretch = c.pos.event == to.event;
                let tier = if !same_stretch || c.at_stretch_start() {
                    (0, 0)
                } else if c.pos.base() == to.base() {
                    (2, c.pos.steps)
                } else if let Some((key, _)) = target_key.filter(|(k, _)| c.knows(k)) {
                    (1, c.count(&key))
                } else {
                    (0, 0)
                };
                (c.pos.event, tier, c.used)
            })
            .map(|c| c.id)
            .ok_or_else(|| Error::Refused(format!("no checkpoint before {to}")))
    }

    /// Executes backwards to the previous instruction of the current thread.
    pub fn reverse_stepi(&mut self) -> Result<StopReason> {
        let here = self.pos.clone();
        match self.predecessor(&here)? {
            Some(p) => {
                self.goto(&p)?;
                self.user_stop(StopReason::Step)
            }
            None => {
                let start = self.start.clone();
                self.goto(&start)?;
                self.user_stop(StopReason::StartOfHistory)
            }
        }
    }

    /// Runs backwards to the last breakpoint hit, watched change, stopping signal or
    /// caught event before the current position, or to the start of history. A watched
    /// change stops at the instruction that made it.
    pub fn reverse_cont(&mut self) -> Result<StopReason> {
        let keys = self.user_keys();
        let mut end = self.pos.clone();
        loop {
            let id = self.pick_checkpoint(&end, &keys, true)?;
            self.restore(id)?;
            let from = self.pos.clone();
            let mut last = None;
            self.forward(Goal::To(end.clone()), Report::Collect(&mut last))?;
            if let Some((at, reason)) = last {
                let stop = if let StopReason::Watchpoint { .. } = reason {
                    self.predecessor(&at)?.unwrap_or_else(|| self.start.clone())
                } else {
                    at
                };
                self.goto(&stop)?;
                return self.user_stop(reason);
            }
            // The segment's own start is not seen by the forward scan.
            if let Some(reason) = self.hit_at(&from)? {
                return self.user_stop(reason);
            }
            if from == self.start {
                self.goto(&from)?;
                return self.user_stop(StopReason::StartOfHistory);
            }
            end = from;
        }
    }

    /// When position `p` (where the replay is) is a breakpoint hit or right after a
    /// watched change, goes where reverse-continue stops for it and returns the stop.
    fn hit_at(&mut self, p: &Position) -> Result<Option<StopReason>> {
        if p.steps != 0 {
            return Ok(None);
        }
        match p.anchor {
            Anchor::Arrival { pc, .. } if self.bps.contains(&pc) => {
                self.goto(p)?;
                Ok(Some(StopReason::Breakpoint { addr: pc }))
            }
            Anchor::Watch { key, .. } if self.watches.contains(&key) => {
                self.goto(p)?;
                let after = self.read_memory(key.addr, key.len as usize)?;
                let Some(pred) = self.predecessor(p)? else {
                    return Ok(None);
                };
                self.goto(&pred)?;
                let before = self.read_memory(key.addr, key.len as usize)?;
                if before == after && !key.reads {
                    return Ok(None);
                }
                Ok(Some(StopReason::Watchpoint { key, before, after }))
            }
            _ => Ok(None),
        }
    }

    /// The position one instruction of the same thread before `p`; None at the start of
    /// history.
    pub(super) fn predecessor(&mut self, p: &Position) -> Result<Option<Position>> {
        if p.steps > 0 {
            return Ok(Some(p.base().plus(p.steps - 1)));
        }
        match p.anchor {
            Anchor::Arrival { .. } | Anchor::Watch { .. } => {
                let (s, m) = self.search(p.event, Some(p))?;
                Ok(Some(s.plus(m - 1)))
            }
            Anchor::Pending => self.before_event(p.event),
            Anchor::Start => {
                if p.event <= self.start.event {
                    return Ok(None);
                }
                let tid = self.tid_of_stretch(p.event)?;
                for k in (self.start.event..p.event).rev() {
                    let kind = self.kinds.get(k as usize).cloned().flatten();
                    match kind {
                        Some(
                            EventKind::SyscallEntry { tid: t, .. } | EventKind::Rdtsc { tid: t },
                        ) if t == tid => {
                            return Ok(Some(Position {
                                event: k,
                                anchor: Anchor::Pending,
                                steps: 0,
                            }))
                        }
                        Some(EventKind::Signal { tid: t, .. }) if t == tid => {
                            return self.before_event(k);
                        }
                        _ => {}
                    }
                }
                Ok(None)
            }
        }
    }

    /// The position before the instruction at which event `j` happens.
    fn before_event(&mut self, j: u64) -> Result<Option<Position>> {
        let (s, m) = self.search(j, None)?;
        if m >= 2 {
            Ok(Some(s.plus(m - 2)))
        } else {
            self.predecessor(&s)
        }
    }

    /// The thread that runs in the stretch ending with event `j`.
    fn tid_of_stretch(&mut self, j: u64) -> Result<i32> {
        if j == self.pos.event {
            if let Some(t) = self.current_tid()? {
                return Ok(t);
            }
        }
        (0..=j)
            .rev()
            .find_map(|k| self.kinds.get(k as usize).cloned().flatten()?.tid())
            .ok_or_else(|| Error::Refused(format!("no thread runs before event {j}")))
    }

    /// Single-steps from the best known point in stretch `j` until `base` is reached (or,
    /// with no base, until event `j` happens). Returns that point and the number of steps.
    fn search(&mut self, j: u64, base: Option<&Position>) -> Result<(Position, u64)> {
        let target = base.cloned().unwrap_or(Position {
            event: j,
            anchor: Anchor::Pending,
            steps: 0,
        });
        let key = anchor_key(&target.anchor);
        // Candidates: the stretch start, the previous hit of the same key, checkpoints
        // in the stretch known to lie before the target.
        let mut from = (Position::start_of(j), 0u64);
        if let Some((k, n)) = key {
            if n > 1 {
                let anchor = match k {
                    Key::Pc(pc) => Anchor::Arrival { pc, count: n - 1 },
                    Key::Watch(w) => Anchor::Watch {
                        key: w,
                        count: n - 1,
                    },
                };
                from = (
                    Position {
                        event: j,
                        anchor,
                        steps: 0,
                    },
                    n - 1,
                );
            }
        }
        let better = self
            .ckpts
            .list
            .iter()
            .filter(|c| c.pos.event == j && !c.at_stretch_start() && before(c, &target, true))
            .filter_map(|c| match key {
                Some((k, _)) if c.knows(&k) => Some((c.count(&k), c.used, c.pos.clone())),
                None => Some((0, c.used, c.pos.clone())),
                _ => None,
            })
            .max_by_key(|(count, used, _)| (*count, *used));
        if let Some((count, _, pos)) = better {
            if key.is_none() || count >= from.1 {
                from = (pos, count);
            }
        }
        let (start, mut count) = from;
        self.goto(&start)?;
        let mut m = 0u64;
        loop {
            if m >= MAX_SEARCH_STEPS {
                return Err(Error::Refused(format!(
                    "the instruction before {target} lies more than {MAX_SEARCH_STEPS} instructions after {start}, the closest point rtt can name there"
                )));
            }
            self.r.arm.bps.clear();
            self.r.arm.step = true;
            self.r.arm.watches.clear();
            if let Some((Key::Watch(w), _)) = key {
                self.r.arm.watches.push(crate::replay::HwWatch {
                    addr: w.addr,
                    len: w.len,
                    reads: w.reads,
                });
            }
            let progress = self.r.step_event()?;
            m += 1;
            self.fresh = false;
            self.counts.clear();
            match progress {
                Progress::Paused(p) => {
                    self.pos = start.plus(m);
                    let reached = match (key, p) {
                        (Some((Key::Pc(pc), n)), _) => {
                            if self.regs()?.rip() == pc {
                                count += 1;
                            }
                            count == n
                        }
                        (Some((Key::Watch(_), n)), Pause::Watch(_)) => {
                            count += 1;
                            count == n
                        }
                        _ => false,
                    };
                    if reached {
                        return Ok((start, m));
                    }
                    if m.is_multiple_of(TRAIL_INTERVAL) {
                        self.take_checkpoint(super::CheckpointKind::Trail)?;
                    }
                }
                Progress::Event { index, what } => {
                    self.record_kind(index, what);
                    self.pos = Position::start_of(index + 1);
                    self.fresh = true;
                    if base.is_none() && index == j {
                        return Ok((start, m));
                    }
                    return Err(Error::Refused(format!(
                        "{target} was not found in its stretch (event {index} came first)"
                    )));
                }
                Progress::End(_) => {
                    return Err(Error::Refused(format!(
                        "{target} was not found before the end of the trace"
                    )))
                }
            }
        }
    }
}
