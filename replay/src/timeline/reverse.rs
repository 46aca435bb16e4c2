//! Running the timeline backwards: going to any position from the best checkpoint before
//! it, finding the instruction executed just before a position, reverse-stepi and
//! reverse-continue.

use super::checkpoints::Checkpoint;
use super::forward::{Goal, Hits, Report};
use super::position::{Anchor, Position};
use super::{Key, StopReason, Timeline};
use crate::error::{Error, Result};
use crate::replay::EventKind;
use std::cmp::Ordering;

/// The key whose hits name `anchor`, if any.
pub(super) fn anchor_key(anchor: &Anchor) -> Option<(Key, u64)> {
    match anchor {
        Anchor::Arrival { pc, count } => Some((Key::Pc(*pc), *count)),
        Anchor::Watch { key, count } => Some((Key::Watch(*key), *count)),
        _ => None,
    }
}

/// Whether checkpoint `c` lies before `t` (or at it, unless `strict`), as far as names
/// and the hit counts known at `c` tell.
pub(super) fn before(c: &Checkpoint, t: &Position, strict: bool) -> bool {
    match c.pos.partial_cmp(t) {
        Some(Ordering::Less) => return true,
        Some(Ordering::Equal) => return !strict,
        Some(Ordering::Greater) => return false,
        None => {}
    }
    let Some((key, n)) = anchor_key(&t.anchor) else {
        return false;
    };
    if c.pos.event != t.event {
        return false;
    }
    match t.mark {
        // Counted from the stretch start: the hits known at `c` tell.
        None => c.knows(&key) && c.count(&key) < n,
        // Counted from a mark: only positions named from the same mark compare.
        Some(_) if c.pos.mark == t.mark => {
            c.at_base_start() || c.counts.get(&key).is_some_and(|&h| h < n)
        }
        Some(_) => false,
    }
}

/// Whether the hit count of `key` at checkpoint `c` is known the way `t` counts (from
/// `c`'s mark when `t` is named from it, otherwise from the stretch start).
fn knows_for(c: &Checkpoint, key: &Key, t: &Position) -> bool {
    if t.mark.is_some() && c.pos.mark == t.mark && c.pos.event == t.event {
        c.at_base_start() || c.counts.contains_key(key)
    } else {
        c.knows(key)
    }
}

/// Whether `t` can be reached from checkpoint `c` by running forward (a position named
/// from a mark only from that mark or a checkpoint named from it).
pub(super) fn reaches(c: &Checkpoint, t: &Position, strict: bool) -> bool {
    before(c, t, strict) && (t.mark.is_none() || c.pos.event < t.event || c.pos.mark == t.mark)
}

impl Timeline {
    /// Goes to position `to`, forwards from here when it lies ahead, otherwise from the
    /// best checkpoint before it.
    pub fn goto(&mut self, to: &Position) -> Result<()> {
        self.guard(|t| t.go(to))
    }

    pub(super) fn go(&mut self, to: &Position) -> Result<()> {
        if &self.pos == to {
            return Ok(());
        }
        if to < &self.start {
            return Err(Error::Refused(format!(
                "position {to} is before the start of history"
            )));
        }
        let ahead = self.end.is_none()
            && (to.mark.is_none() || self.pos.event < to.event || self.mark == to.mark)
            && match self.pos.partial_cmp(to) {
                Some(Ordering::Less) => true,
                None => match anchor_key(&to.anchor) {
                    Some((key, n)) if self.pos.event == to.event && self.mark == to.mark => {
                        self.hit_count(&key).is_some_and(|c| c < n)
                    }
                    _ => false,
                },
                _ => false,
            };
        if !ahead {
            let id = self.best_checkpoint(to, &[])?;
            self.restore_towards(id, Some(to))?;
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
            .filter(|c| reaches(c, to, strict) && keys.iter().all(|k| knows_for(c, k, to)))
            .max_by_key(|c| {
                let tier = if c.pos.event != to.event || c.at_stretch_start() {
                    (0, 0)
                } else if c.pos.base() == to.base() {
                    (3, c.pos.steps)
                } else if let Some((key, _)) = target_key.filter(|(k, _)| c.knows(k)) {
                    (2, c.count(&key))
                } else {
                    // A mark or a position after one: later ones lie later.
                    (1, c.id)
                };
                (c.pos.event, tier, c.used)
            })
            .map(|c| c.id)
            .ok_or_else(|| match to.mark {
                Some(m) => Error::Refused(format!(
                    "position {to} was named from checkpoint {m}, which has been dropped (raise the checkpoint limits to keep it)"
                )),
                None => Error::Refused(format!("no checkpoint before {to}")),
            })
    }

    /// Executes backwards to the previous instruction of the current thread.
    pub fn reverse_stepi(&mut self) -> Result<StopReason> {
        self.guard(Self::reverse_stepi_inner)
    }

    fn reverse_stepi_inner(&mut self) -> Result<StopReason> {
        let here = self.pos.clone();
        match self.predecessor(&here)? {
            Some(p) => {
                self.go(&p)?;
                self.user_stop(StopReason::Step)
            }
            None => {
                let start = self.start.clone();
                self.go(&start)?;
                self.user_stop(StopReason::StartOfHistory)
            }
        }
    }

    /// Runs backwards to the last breakpoint hit, watched change, stopping signal or
    /// caught event before the current position, or to the start of history. A watched
    /// change stops at the instruction that made it.
    pub fn reverse_cont(&mut self) -> Result<StopReason> {
        self.guard(Self::reverse_cont_inner)
    }

    fn reverse_cont_inner(&mut self) -> Result<StopReason> {
        if self.pos == self.start {
            return self.user_stop(StopReason::StartOfHistory);
        }
        let keys = self.user_keys();
        let mut end = self.pos.clone();
        let mut first = true;
        loop {
            let id = self.pick_checkpoint(&end, &keys, true)?;
            self.restore_towards(id, Some(&end))?;
            let from = self.pos.clone();
            // Later segments end where an earlier one started: a stop there counts.
            let mut hits = Hits::new(1, !first);
            first = false;
            self.forward(Goal::To(end.clone()), Report::Collect(&mut hits))?;
            if let Some(hit) = hits.list.pop_back() {
                return self.stop_at_hit(hit);
            }
            let mut from = from;
            if from.mark.is_some() && from.anchor == Anchor::Start && from.steps == 0 {
                // At a mark: what lies before it cannot be named as an end point.
                match self.hits_before_mark(&from, &keys)? {
                    (Some(hit), _) => return self.stop_at_hit(hit),
                    (None, earlier) => from = earlier,
                }
            }
            if from == self.start {
                self.go(&from)?;
                return self.user_stop(StopReason::StartOfHistory);
            }
            end = from;
        }
    }

    /// Goes where reverse-continue stops for a hit found going forwards: a watched
    /// change stops at the instruction that made it.
    fn stop_at_hit(&mut self, (at, reason): (Position, StopReason)) -> Result<StopReason> {
        let stop = if let StopReason::Watchpoint { .. } = reason {
            self.predecessor(&at)?.unwrap_or_else(|| self.start.clone())
        } else {
            at
        };
        self.go(&stop)?;
        self.user_stop(reason)
    }

    /// The last hit before mark `m` (a position no run can be told to stop at): the
    /// stops between the mark and the end of its stretch are counted from the mark, then
    /// a scan from an earlier checkpoint to the end of the stretch keeps the ones before
    /// them. Returns the hit, or the position the scan started from.
    fn hits_before_mark(
        &mut self,
        m: &Position,
        keys: &[Key],
    ) -> Result<(Option<(Position, StopReason)>, Position)> {
        let stretch_end = Position::start_of(m.event + 1);
        self.go(m)?;
        let mut after = Hits::new(1, true);
        self.forward(Goal::To(stretch_end.clone()), Report::Collect(&mut after))?;
        let id = self
            .ckpts
            .list
            .iter()
            .filter(|c| {
                let before_mark =
                    c.pos.event < m.event || (c.pos.event == m.event && c.at_stretch_start());
                before_mark && keys.iter().all(|k| c.knows(k))
            })
            .max_by_key(|c| (c.pos.event, c.used))
            .map(|c| c.id)
            .ok_or_else(|| Error::Refused(format!("no checkpoint before {m}")))?;
        self.restore_towards(id, None)?;
        let from = self.pos.clone();
        let mut all = Hits::new(after.total + 1, true);
        self.forward(Goal::To(stretch_end), Report::Collect(&mut all))?;
        let before = all.total.saturating_sub(after.total);
        let hit = if before > 0 {
            // The list holds the last `after.total + 1` hits; the one before the mark's
            // comes first among them.
            let skip = all.list.len() - (all.total - before) - 1;
            all.list.into_iter().nth(skip)
        } else {
            None
        };
        Ok((hit, from))
    }

    /// The position one instruction of the same thread before `p`; None at the start of
    /// history.
    pub(super) fn predecessor(&mut self, p: &Position) -> Result<Option<Position>> {
        if p.steps > 0 {
            return Ok(Some(p.base().plus(p.steps - 1)));
        }
        match p.anchor {
            Anchor::Arrival { .. } | Anchor::Watch { .. } => {
                let base = Position {
                    event: p.event,
                    mark: p.mark,
                    anchor: Anchor::Start,
                    steps: 0,
                };
                if let Some(q) = self.predecessor_from_code(p, &base, 0)? {
                    return Ok(Some(q));
                }
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
                            // The `syscall` or `rdtsc` instruction, reached by stepping: a
                            // seccomp stop has already run part of `syscall` (rcx, r11).
                            let (s, m) = self.search(k, None)?;
                            return Ok(Some(s.plus(m - 1)));
                        }
                        Some(EventKind::Signal { tid: t, .. } | EventKind::Pause { tid: t })
                            if t == tid =>
                        {
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
}
