//! Finding the instruction executed just before a position: single-step from the closest
//! point before it that has a name. When that point is far (a long computation without
//! events), first approach by CPU time: interrupt a run shortly before the position and
//! make the interruption point a mark to step from.

use super::checkpoints::CheckpointKind;
use super::position::{Anchor, Position};
use super::reverse::{anchor_key, before};
use super::{Key, Timeline, MAX_SEARCH_STEPS, TRAIL_INTERVAL};
use crate::error::{Error, Result};
use crate::replay::{HwWatch, Pause, Progress};

/// Steps tried before approaching by time.
const SHORT_SEARCH_STEPS: u64 = 4000;
/// How close (tracee user time, ns) an approach aims to stop before its target.
const APPROACH_TAIL_NS: u64 = 20_000;
/// Loop iterations counted at most (about 9 µs each) before giving up.
const MAX_TAIL_HITS: u64 = 300_000;
/// Loop iterations between checkpoints while counting them (see `count_tail`).
const TAIL_CHECKPOINT_HITS: u64 = 128;

/// How a run towards a target ended.
enum Run {
    Reached,
    Interrupted,
}

impl Timeline {
    /// Single-steps from the best point before `base` (or, with no base, before event
    /// `j`) in stretch `j` until it is reached. Returns that point and the steps taken.
    pub(super) fn search(&mut self, j: u64, base: Option<&Position>) -> Result<(Position, u64)> {
        let target = base.cloned().unwrap_or(Position {
            event: j,
            mark: None,
            anchor: Anchor::Pending,
            steps: 0,
        });
        let debug = std::env::var_os("RTT_DEBUG_TIMELINE").is_some();
        let t0 = super::now_ms();
        let (start, count) = self.search_start(j, &target);
        if let Some(m) = self.step_to(&start, count, &target, SHORT_SEARCH_STEPS)? {
            return Ok((start, m));
        }
        let t1 = super::now_ms();
        let (start, count) = self.approach(start, count, &target)?;
        let t2 = super::now_ms();
        // Close now: the code may name the instruction before without counting a loop.
        if let Some(q) = self.predecessor_from_code(&target, &start, count)? {
            return Ok((q, 1));
        }
        if let Some(m) = self.step_to(&start, count, &target, SHORT_SEARCH_STEPS)? {
            return Ok((start, m));
        }
        let t3 = super::now_ms();
        if debug {
            eprintln!(
                "rtt-debug: search: {} ms stepping, {} ms approaching, {} ms stepping",
                t1 - t0,
                t2 - t1,
                t3 - t2
            );
        }
        // Still far in instructions (a tight loop): count the loop's iterations with a
        // breakpoint where stepping got to, and step from its last arrival instead.
        let hot = self.regs()?.rip();
        let (start, count) = match self.count_tail(&start, count, &target, hot)? {
            Some(tail) => tail,
            None => (start, count),
        };
        match self.step_to(&start, count, &target, MAX_SEARCH_STEPS)? {
            Some(m) => {
                if debug {
                    eprintln!(
                        "rtt-debug: {target} is {m} steps after {start} ({} ms counting)",
                        super::now_ms() - t3
                    );
                }
                Ok((start, m))
            }
            None => Err(Error::Refused(format!(
                "the instruction before {target} lies more than {MAX_SEARCH_STEPS} instructions after {start}, the closest point rtt could name there"
            ))),
        }
    }

    /// Runs from `start` (a stretch start or a mark) to `target` counting arrivals at
    /// `hot`; returns the last arrival before the target, named from `start`'s base, and
    /// the target key's count there. Checkpoints every [`TAIL_CHECKPOINT_HITS`] arrivals
    /// so that going back to any of them later is cheap.
    fn count_tail(
        &mut self,
        start: &Position,
        mut count: u64,
        target: &Position,
        hot: u64,
    ) -> Result<Option<(Position, u64)>> {
        if start.anchor != Anchor::Start || start.steps != 0 {
            return Ok(None);
        }
        if matches!(target.anchor, Anchor::Arrival { pc, .. } if pc == hot) {
            return Ok(None);
        }
        self.go(start)?;
        let key = anchor_key(&target.anchor);
        let hot_key = Key::Pc(hot);
        let at_start = count;
        let mut hits = 0u64;
        let mut last: Option<(Position, u64)> = None;
        // The user's breakpoints are counted too, so that the checkpoints made here know
        // their counts (the next forward run from one of them needs them).
        let user: Vec<u64> = self.bps.iter().copied().filter(|&pc| pc != hot).collect();
        let mut user_hits: std::collections::HashMap<Key, u64> =
            user.iter().map(|&pc| (Key::Pc(pc), 0)).collect();
        loop {
            self.arm_for(target, false);
            self.r.arm.bps.insert(hot);
            self.r.arm.bps.extend(user.iter().copied());
            let progress = self.r.step_event()?;
            self.fresh = false;
            if let Progress::Paused(Pause::Breakpoint(pc)) = progress {
                if let Some(n) = user_hits.get_mut(&Key::Pc(pc)) {
                    *n += 1;
                    if !matches!(key, Some((Key::Pc(t), _)) if t == pc) {
                        continue;
                    }
                }
            }
            match progress {
                Progress::Paused(Pause::Breakpoint(pc)) if pc == hot => {
                    hits += 1;
                    if hits > MAX_TAIL_HITS {
                        let why = if self.r.arm.no_alarms {
                            "the kernel refused the task-clock perf event needed to get closer"
                        } else {
                            "getting closer by CPU time did not work here"
                        };
                        return Err(Error::Refused(format!(
                            "the instruction before {target} is more than {MAX_TAIL_HITS} loop iterations after {start} ({why})"
                        )));
                    }
                    let pos = Position {
                        event: start.event,
                        mark: start.mark,
                        anchor: Anchor::Arrival {
                            pc: hot,
                            count: hits,
                        },
                        steps: 0,
                    };
                    last = Some((pos.clone(), count));
                    if hits.is_multiple_of(TAIL_CHECKPOINT_HITS) {
                        self.pos = pos;
                        self.mark = start.mark;
                        self.counts = user_hits.clone();
                        self.counts.insert(hot_key, hits);
                        if let Some((k, _)) = key {
                            // Counted from `start`, where the target's key had `at_start`.
                            self.counts.insert(k, count - at_start);
                        }
                        self.take_checkpoint(CheckpointKind::Trail)?;
                    }
                }
                Progress::Paused(Pause::Breakpoint(_) | Pause::Watch(_)) => {
                    count += 1;
                    if key.is_some_and(|(_, n)| count == n) {
                        break;
                    }
                }
                Progress::Paused(_) => {}
                Progress::Event { index, what } if key.is_none() && index == target.event => {
                    self.enter_stretch(index, what);
                    break;
                }
                _ => {
                    return Err(Error::Refused(format!(
                        "{target} was not found in its stretch"
                    )))
                }
            }
        }
        // The replay is at the target (or past its event): name it so that the next goto
        // starts from there.
        if key.is_some() {
            self.counts.clear();
            self.pos = target.clone();
            self.mark = target.mark;
        }
        Ok(last)
    }

    /// The closest named point before `target` in stretch `j`, with the hit count of
    /// the target's key there (counted from the target's base).
    fn search_start(&self, j: u64, target: &Position) -> (Position, u64) {
        let key = anchor_key(&target.anchor);
        let mut best = match target.mark {
            None => (Position::start_of(j), 0),
            Some(m) => (
                Position {
                    event: j,
                    mark: Some(m),
                    anchor: Anchor::Start,
                    steps: 0,
                },
                0,
            ),
        };
        if let Some((k, n)) = key {
            if n > 1 {
                let anchor = match k {
                    Key::Pc(pc) => Anchor::Arrival { pc, count: n - 1 },
                    Key::Watch(w) => Anchor::Watch {
                        key: w,
                        count: n - 1,
                    },
                };
                let prev = Position {
                    event: j,
                    mark: target.mark,
                    anchor,
                    steps: 0,
                };
                best = (prev, n - 1);
            }
        }
        let candidates = self.ckpts.list.iter().filter(|c| {
            c.pos.event == j
                && before(c, target, true)
                && (target.mark.is_none() || c.pos.mark == target.mark)
        });
        let found = match key {
            Some((k, _)) => candidates
                .filter_map(|c| {
                    let count = match target.mark {
                        None if c.knows(&k) => c.count(&k),
                        Some(_) if c.at_base_start() => 0,
                        Some(_) => *c.counts.get(&k)?,
                        None => return None,
                    };
                    Some((count, c.used, c.pos.clone()))
                })
                .max_by_key(|(count, used, _)| (*count, *used))
                .filter(|(count, _, _)| *count >= best.1),
            None => candidates
                .filter(|c| !c.at_stretch_start())
                .map(|c| (0, c.id, c.pos.clone()))
                .max_by_key(|(_, id, _)| *id),
        };
        if let Some((count, _, pos)) = found {
            best = (pos, count);
        }
        best
    }

    /// Arms only what finding `target` needs: single-stepping and, for a watch anchor,
    /// that watchpoint.
    fn arm_for(&mut self, target: &Position, step: bool) {
        let a = &mut self.r.arm;
        a.bps.clear();
        a.watches.clear();
        a.step = step;
        a.interrupt_ns = None;
        match target.anchor {
            Anchor::Watch { key, .. } => a.watches.push(HwWatch::from(&key)),
            Anchor::Arrival { pc, .. } if !step => {
                a.bps.insert(pc);
            }
            _ => {}
        }
    }

    /// Single-steps from `start` (where the target's key has `count` hits) until
    /// `target` is reached, at most `limit` steps; returns the steps taken.
    pub(super) fn step_to(
        &mut self,
        start: &Position,
        mut count: u64,
        target: &Position,
        limit: u64,
    ) -> Result<Option<u64>> {
        self.go(start)?;
        let key = anchor_key(&target.anchor);
        let mut m = 0u64;
        while m < limit {
            self.arm_for(target, true);
            let progress = self.r.step_event()?;
            m += 1;
            self.fresh = false;
            // Every instruction is seen: counts of addresses stay known.
            self.counts.retain(|k, _| matches!(k, Key::Pc(_)));
            match progress {
                Progress::Paused(p) => {
                    self.pos = start.plus(m);
                    self.count_step_arrival()?;
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
                        return Ok(Some(m));
                    }
                    if m.is_multiple_of(TRAIL_INTERVAL) {
                        self.take_checkpoint(CheckpointKind::Trail)?;
                    }
                }
                Progress::Event { index, what } => {
                    self.enter_stretch(index, what);
                    if key.is_none() && index == target.event {
                        return Ok(Some(m));
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
        Ok(None)
    }

    /// Runs from `start` towards `target`, interrupted after `budget_ns` of user time
    /// (None: not interrupted); returns how the run ended and the user time it took.
    fn run_towards(
        &mut self,
        start: &Position,
        mut count: u64,
        target: &Position,
        budget_ns: Option<u64>,
    ) -> Result<(Run, u64, u64)> {
        self.go(start)?;
        let key = anchor_key(&target.anchor);
        let at_start = count;
        let result = loop {
            self.arm_for(target, false);
            self.r.arm.interrupt_ns = Some(budget_ns.unwrap_or(u64::MAX >> 2));
            let progress = self.r.step_event();
            self.fresh = false;
            match progress? {
                Progress::Paused(Pause::Interrupted) => break Run::Interrupted,
                Progress::Paused(Pause::Breakpoint(_) | Pause::Watch(_)) => {
                    count += 1;
                    if key.is_some_and(|(_, n)| count == n) {
                        break Run::Reached;
                    }
                }
                Progress::Paused(Pause::Step) => {}
                Progress::Event { index, what } if key.is_none() && index == target.event => {
                    self.enter_stretch(index, what);
                    break Run::Reached;
                }
                _ => {
                    self.r.disarm_alarms();
                    return Err(Error::Refused(format!(
                        "{target} was not found in its stretch"
                    )));
                }
            }
        };
        let ns = self.r.disarm_alarms();
        self.r.arm.interrupt_ns = None;
        // At the target, named; past its event, named by enter_stretch; interrupted, no
        // name until the caller makes a mark.
        if key.is_some() && matches!(result, Run::Reached) {
            self.counts.clear();
            self.pos = target.clone();
            self.mark = target.mark;
        } else if matches!(result, Run::Interrupted) {
            self.counts.clear();
        }
        Ok((result, ns, count - at_start))
    }

    /// Goes to `p` from a checkpoint, whatever the current state is.
    pub(super) fn goto_restoring(&mut self, p: &Position) -> Result<()> {
        let id = self.best_checkpoint(p, &[])?;
        self.restore_towards(id, Some(p))?;
        self.go(p)
    }

    /// Makes a mark close before `target` by interrupting runs from `start` after most
    /// of the user time that separates them. Returns the mark (or `start`) and the
    /// target's key count there.
    fn approach(
        &mut self,
        mut start: Position,
        mut count: u64,
        target: &Position,
    ) -> Result<(Position, u64)> {
        if self.r.arm.no_alarms {
            return Ok((start, count));
        }
        let debug = std::env::var_os("RTT_DEBUG_TIMELINE").is_some();
        let mut slack_div = 8;
        let mut last = u64::MAX;
        let mut moved = true;
        for _ in 0..16 {
            let (_, remaining, _) = self.run_towards(&start, count, target, None)?;
            // Close enough, or (after a new mark) no closer than the clock can tell.
            if remaining <= APPROACH_TAIL_NS || (moved && remaining > last / 4 * 3) {
                break;
            }
            if moved {
                last = remaining;
            }
            let slack = (remaining / slack_div).max(APPROACH_TAIL_NS);
            let budget = remaining - slack;
            let r = self.run_towards(&start, count, target, Some(budget))?;
            if debug {
                let how = if matches!(r.0, Run::Reached) {
                    "reached"
                } else {
                    "interrupted"
                };
                eprintln!("rtt-debug: approach {target}: {remaining} ns to go, budget {budget}: {how} after {} ns", r.1);
            }
            match r {
                (Run::Interrupted, _, hits) => {
                    if !self.r.checkpointable() {
                        self.goto_restoring(&start.clone())?;
                        break;
                    }
                    count += hits;
                    let stretch = match (target.mark, anchor_key(&target.anchor)) {
                        (None, Some((k, _))) => [(k, count)].into_iter().collect(),
                        _ => Default::default(),
                    };
                    self.take_mark(stretch)?;
                    start = self.pos.clone();
                    moved = true;
                }
                // Reached first: this run went faster. Aim earlier.
                (Run::Reached, _, _) => {
                    slack_div = (slack_div / 2).max(1);
                    moved = false;
                }
            }
        }
        Ok((start, count))
    }
}
