//! Running the timeline forwards: continue, single-step, run to a position or an event,
//! with breakpoint and watchpoint hits counted so that every stop gets an exact position.

use super::position::{Anchor, Position, WatchKey};
use super::reverse::anchor_key;
use super::{CheckpointKind, Key, StopReason, Timeline};
use crate::error::{Error, Result};
use crate::replay::{runs_user_code, EventKind, HwWatch, Pause, Progress};

/// Where a forward run ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Goal {
    /// At the first stop to report.
    Continue,
    /// After one instruction.
    Step,
    /// After one event.
    Event,
    /// At this position.
    To(Position),
}

/// What a forward run does with the stops it meets.
pub(super) enum Report<'a> {
    /// Nothing is armed but what the goal needs; nothing is reported.
    Quiet,
    /// The user's breakpoints and watchpoints are armed and counted, never reported.
    Count,
    /// Stops at the first breakpoint, watchpoint, signal or caught event.
    Stop,
    /// Runs on, remembering the last such stops (at most as many as the list's
    /// capacity, and at least one).
    Collect(&'a mut Hits),
}

/// The last stops a collecting run met, in order.
pub(super) struct Hits {
    pub list: std::collections::VecDeque<(Position, StopReason)>,
    pub keep: usize,
    /// How many were met in all.
    pub total: usize,
    /// Whether a stop at the run's target counts (not where a search started from).
    pub at_target: bool,
}

impl Hits {
    pub fn new(keep: usize, at_target: bool) -> Hits {
        Hits {
            list: Default::default(),
            keep: keep.max(1),
            total: 0,
            at_target,
        }
    }

    fn push(&mut self, hit: (Position, StopReason)) {
        if self.list.len() == self.keep {
            self.list.pop_front();
        }
        self.list.push_back(hit);
        self.total += 1;
    }
}

impl Report<'_> {
    fn arms_user_keys(&self) -> bool {
        !matches!(self, Report::Quiet)
    }
    fn reports(&self) -> bool {
        matches!(self, Report::Stop | Report::Collect(_))
    }
}

impl Timeline {
    /// Continues until a breakpoint, watchpoint, stopping signal or caught event, or the
    /// end of the trace.
    pub fn cont(&mut self) -> Result<StopReason> {
        self.guard(|t| {
            let r = t.forward(Goal::Continue, Report::Stop)?;
            t.forward_stop(r)
        })
    }

    /// Executes one instruction of the current thread (a syscall counts as one).
    pub fn stepi(&mut self) -> Result<StopReason> {
        self.guard(|t| {
            let r = t.forward(Goal::Step, Report::Stop)?;
            t.forward_stop(r)
        })
    }

    /// Runs to the end of the trace, ignoring breakpoints.
    pub fn run_to_end(&mut self) -> Result<StopReason> {
        self.guard(|t| {
            let r = t.forward(Goal::Continue, Report::Quiet)?;
            t.user_stop(r)
        })
    }

    /// Goes to the start of the stretch before event `event` (forwards or backwards).
    pub fn goto_event(&mut self, event: u64) -> Result<StopReason> {
        let target = Position::start_of(event.max(self.start.event));
        self.guard(|t| {
            t.go(&target)?;
            t.user_stop(StopReason::Reached)
        })
    }

    /// Reads the current values of the watched ranges (the "before" of the next hit).
    fn refresh_watch_values(&mut self) -> Result<()> {
        if self.end.is_some() {
            return Ok(());
        }
        for key in self.watches.clone() {
            if let Ok(v) = self.read_memory(key.addr, key.len as usize) {
                self.watch_values.insert(key, v);
            }
        }
        Ok(())
    }

    /// Makes sure the hit counts of the user's breakpoints and watchpoints are known at
    /// the current position, by replaying the current stretch with them armed if not.
    fn ensure_counts(&mut self) -> Result<()> {
        let keys = self.user_keys();
        if self.fresh || keys.iter().all(|k| self.counts.contains_key(k)) {
            return Ok(());
        }
        let here = self.pos.clone();
        let id = self.best_checkpoint(&here, &keys)?;
        if std::env::var_os("RTT_DEBUG_TIMELINE").is_some() {
            eprintln!("rtt-debug: counting {keys:?} to {here} from checkpoint {id}");
        }
        self.restore_towards(id, Some(&here))?;
        self.forward(Goal::To(here), Report::Count)?;
        Ok(())
    }

    /// The user's breakpoints and hardware watchpoints, whose hits name positions.
    pub(super) fn user_keys(&self) -> Vec<Key> {
        let mut v: Vec<Key> = self.bps.iter().map(|&pc| Key::Pc(pc)).collect();
        v.extend(self.hw_watches().into_iter().map(Key::Watch));
        v
    }

    pub(super) fn forward(&mut self, goal: Goal, report: Report) -> Result<StopReason> {
        let r = self.forward_armed(goal, report);
        self.r.disarm_alarms();
        self.r.arm.interrupt_ns = None;
        r
    }

    fn forward_armed(&mut self, goal: Goal, mut report: Report) -> Result<StopReason> {
        if let Some((end, status)) = &self.end {
            return Ok(StopReason::EndOfHistory {
                end: end.clone(),
                status: *status,
            });
        }
        if report.reports() {
            self.ensure_counts()?;
        }
        self.refresh_watch_values()?;
        self.interval_ns = self.checkpoint_interval_ns();
        loop {
            if let Goal::To(t) = &goal {
                if &self.pos == t {
                    return Ok(StopReason::Reached);
                }
                if self.pos.event > t.event {
                    return Err(Error::Refused(format!("position {t} is not in this trace")));
                }
            }
            let armed = self.arm(&goal, &report);
            let hold = matches!(&goal, Goal::To(t) if t.anchor == Anchor::Pending
                && t.event == self.pos.event);
            let progress = if hold {
                match self.r.hold_next()? {
                    None => {
                        self.pos = Position {
                            event: self.pos.event,
                            mark: None,
                            anchor: Anchor::Pending,
                            steps: 0,
                        };
                        continue;
                    }
                    Some(p) => Progress::Paused(p),
                }
            } else {
                self.r.step_event()?
            };
            let hit = match progress {
                Progress::Paused(p) => {
                    let stepping = self.r.arm.step;
                    let hit = self.on_pause(p, &armed, stepping, &goal, &report)?;
                    if hit.is_none() && goal == Goal::Step {
                        return Ok(StopReason::Step);
                    }
                    hit
                }
                Progress::Event { index, what } => {
                    let (hit, done) = self.on_event(index, what, &goal, &report)?;
                    if hit.is_none() && done {
                        return Ok(if goal == Goal::Step {
                            StopReason::Step
                        } else {
                            StopReason::Reached
                        });
                    }
                    hit
                }
                Progress::End(outcome) => {
                    let index = outcome.events.saturating_sub(1);
                    self.record_kind(index, EventKind::Other);
                    self.end = Some((outcome.end.clone(), outcome.status));
                    self.pos = Position::start_of(outcome.events);
                    if let Goal::To(t) = &goal {
                        if &self.pos != t {
                            return Err(Error::Refused(format!(
                                "position {t} is beyond the end of the trace"
                            )));
                        }
                    }
                    return Ok(StopReason::EndOfHistory {
                        end: outcome.end,
                        status: outcome.status,
                    });
                }
            };
            if let Some(h) = hit {
                match &mut report {
                    Report::Stop => return Ok(h),
                    Report::Collect(hits) => {
                        // A stop at the target where a search started is not before it,
                        // but a watched change that led there is.
                        let at_target = matches!(&goal, Goal::To(t) if *t == self.pos);
                        if !at_target
                            || hits.at_target
                            || matches!(h, StopReason::Watchpoint { .. })
                        {
                            hits.push((self.pos.clone(), h));
                        }
                    }
                    Report::Quiet | Report::Count => {}
                }
                if goal == Goal::Step {
                    return Ok(StopReason::Step);
                }
            }
        }
    }

    /// Arms what the next run needs; returns the watched keys in debug-register order.
    fn arm(&mut self, goal: &Goal, report: &Report) -> Vec<WatchKey> {
        let mut bps = if report.arms_user_keys() {
            self.bps.clone()
        } else {
            Default::default()
        };
        let mut watches = if report.arms_user_keys() {
            self.hw_watches()
        } else {
            Vec::new()
        };
        match self.extra_key {
            Some(Key::Pc(pc)) => {
                bps.insert(pc);
            }
            Some(Key::Watch(w)) if !watches.contains(&w) => watches.push(w),
            _ => {}
        }
        // Watchpoints without a debug register: step and compare.
        let mut step =
            *goal == Goal::Step || (report.arms_user_keys() && !self.soft_watches().is_empty());
        if let Goal::To(t) = goal {
            if t.event == self.pos.event {
                if self.pos.base() == t.base() {
                    step = true;
                } else {
                    match t.anchor {
                        Anchor::Arrival { pc, .. } => {
                            bps.insert(pc);
                        }
                        Anchor::Watch { key, .. } if !watches.contains(&key) => watches.push(key),
                        _ => {}
                    }
                }
            }
        }
        // Counts of keys not armed for this run would be missed.
        self.counts.retain(|k, _| match k {
            Key::Pc(pc) => step || bps.contains(pc),
            Key::Watch(w) => watches.contains(w),
        });
        if self.fresh {
            for &pc in &bps {
                self.counts.entry(Key::Pc(pc)).or_insert(0);
            }
            for &w in &watches {
                self.counts.entry(Key::Watch(w)).or_insert(0);
            }
        }
        self.r.arm.bps = bps;
        self.r.arm.watches = watches.iter().map(HwWatch::from).collect();
        self.r.arm.step = step;
        self.r.arm.interrupt_ns = (!step && self.marks).then_some(self.interval_ns);
        watches
    }

    /// Counts a hit of `key`; its count since the stretch start, if known.
    fn bump(&mut self, key: Key) -> Option<u64> {
        let c = self.counts.get_mut(&key)?;
        *c += 1;
        Some(*c)
    }

    fn on_pause(
        &mut self,
        p: Pause,
        armed: &[WatchKey],
        stepping: bool,
        goal: &Goal,
        report: &Report,
    ) -> Result<Option<StopReason>> {
        self.fresh = false;
        match p {
            Pause::Breakpoint(addr) => {
                let count = self.bump(Key::Pc(addr)).ok_or_else(|| {
                    Error::Refused(format!("internal error: uncounted breakpoint {addr:#x}"))
                })?;
                self.pos = Position {
                    event: self.pos.event,
                    mark: self.mark,
                    anchor: Anchor::Arrival { pc: addr, count },
                    steps: 0,
                };
                let user = report.reports() && self.bps.contains(&addr);
                Ok(user.then_some(StopReason::Breakpoint { addr }))
            }
            Pause::Watch(mask) => {
                let keys: Vec<WatchKey> = (0..armed.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| armed[i])
                    .collect();
                let mut first = None;
                for &k in &keys {
                    let n = self.bump(Key::Watch(k));
                    if first.is_none() {
                        first = n.map(|n| (k, n));
                    }
                }
                if stepping {
                    self.pos.steps += 1;
                    let pc = self.count_step_arrival()?;
                    self.reached_by_step(goal, Key::Pc(pc));
                    if let Some((key, _)) = first {
                        self.reached_by_step(goal, Key::Watch(key));
                    }
                } else if let Some((key, count)) = first {
                    self.pos = Position {
                        event: self.pos.event,
                        mark: self.mark,
                        anchor: Anchor::Watch { key, count },
                        steps: 0,
                    };
                }
                let mut hit = None;
                for k in keys {
                    if !self.watches.contains(&k) {
                        continue;
                    }
                    let after = self.read_memory(k.addr, k.len as usize)?;
                    let before = self
                        .watch_values
                        .insert(k, after.clone())
                        .unwrap_or_default();
                    if report.reports() && hit.is_none() && (k.reads || before != after) {
                        hit = Some(StopReason::Watchpoint {
                            key: k,
                            before,
                            after,
                        });
                    }
                }
                Ok(hit)
            }
            Pause::Interrupted => {
                // A long run: checkpoint it here so that later positions in this stretch
                // are reached from here, not from the stretch's start.
                if self.r.checkpointable() {
                    let stretch = self.stretch_counts();
                    self.take_mark(stretch)?;
                }
                Ok(None)
            }
            Pause::Step => {
                self.pos.steps += 1;
                let pc = self.count_step_arrival()?;
                self.reached_by_step(goal, Key::Pc(pc));
                if let Some(hit) = self.soft_watch_hit(report)? {
                    return Ok(Some(hit));
                }
                let user = report.reports() && *goal != Goal::Step && self.bps.contains(&pc);
                Ok(user.then_some(StopReason::Breakpoint { addr: pc }))
            }
        }
    }

    /// Stepping (for software watchpoints) onto the target's anchor, just counted as a
    /// hit of `key`, names the position by the anchor, so that the run stops there.
    fn reached_by_step(&mut self, goal: &Goal, key: Key) {
        if let Goal::To(t) = goal {
            let same_base = t.event == self.pos.event && t.mark == self.mark;
            let hits = self.counts.get(&key).copied();
            if same_base && hits.is_some() && anchor_key(&t.anchor) == hits.map(|n| (key, n)) {
                self.pos = t.base();
            }
        }
    }

    /// Compares the ranges watched by single-stepping with their last values.
    fn soft_watch_hit(&mut self, report: &Report) -> Result<Option<StopReason>> {
        let mut hit = None;
        for key in self.soft_watches() {
            let after = self.read_memory(key.addr, key.len as usize)?;
            let before = self
                .watch_values
                .insert(key, after.clone())
                .unwrap_or_default();
            if before != after && hit.is_none() && report.reports() {
                hit = Some(StopReason::Watchpoint { key, before, after });
            }
        }
        Ok(hit)
    }

    /// After a single-step: counts the arrival at the new pc; returns the pc.
    pub(super) fn count_step_arrival(&mut self) -> Result<u64> {
        let pc = self.regs()?.rip();
        self.bump(Key::Pc(pc));
        Ok(pc)
    }

    /// Bookkeeping after event `index`; returns a stop to report and whether the goal
    /// is reached.
    fn on_event(
        &mut self,
        index: u64,
        what: EventKind,
        goal: &Goal,
        report: &Report,
    ) -> Result<(Option<StopReason>, bool)> {
        self.enter_stretch(index, what.clone());
        let next = self.r.peek()?;
        let user_next = next.as_ref().is_none_or(runs_user_code);
        let mut hit = None;
        match what {
            EventKind::SyscallEntry { tid, nr } => {
                self.in_syscall.insert(tid, nr);
                if self.catch.syscall(nr) {
                    hit = Some(StopReason::SyscallEntry { tid, nr });
                }
            }
            EventKind::SyscallExit { tid, ret } => {
                if let Some(nr) = self.in_syscall.remove(&tid) {
                    if self.catch.syscall(nr) {
                        hit = Some(StopReason::SyscallExit { tid, nr, ret });
                    }
                }
            }
            EventKind::Signal { tid, signo, .. } if !self.quiet_signals.contains(&signo) => {
                hit = Some(StopReason::Signal { tid, signo });
            }
            EventKind::NewTask { parent, child } if self.catch.fork => {
                hit = Some(StopReason::Fork { parent, child });
            }
            EventKind::Exec { tid, ref exe } if self.catch.exec => {
                hit = Some(StopReason::Exec {
                    tid,
                    exe: exe.clone(),
                });
            }
            EventKind::Exit { tid, status } if self.catch.exit => {
                hit = Some(StopReason::Exited { tid, status });
            }
            _ => {}
        }
        if !report.reports() {
            hit = None;
        }
        if user_next {
            let now = super::now_ms();
            // The interval computed when this run started: reading the processes' sizes
            // at every event would cost a /proc read each.
            if now.saturating_sub(self.last_periodic_ms) * 1_000_000 >= self.interval_ns {
                self.last_periodic_ms = now;
                self.take_checkpoint(CheckpointKind::Periodic)?;
            }
            // A debugger's pause while recording (and what it wrote there) took no
            // instruction: a breakpoint there was reported before it already.
            let next_tid = next.as_ref().and_then(|e| e.tid());
            let paused_here = self.index_is_pause_instant(index)
                || next_tid.is_some_and(|t| self.last_event_of_is_pause(index, t));
            if hit.is_none()
                && report.reports()
                && *goal == Goal::Continue
                && next.is_some()
                && !paused_here
            {
                let pc = self.regs()?.rip();
                if self.bps.contains(&pc) {
                    hit = Some(StopReason::Breakpoint { addr: pc });
                }
            }
        }
        let async_signal = matches!(what, EventKind::Signal { sync: false, .. });
        // A debugger's pause while recording (and what it wrote there) takes no
        // instruction: a step goes on.
        let pause = self.index_is_pause_instant(index);
        let done = match goal {
            Goal::Event => true,
            Goal::Step => user_next && !async_signal && !pause,
            _ => false,
        };
        Ok((hit, done))
    }

    /// Event `index` was replayed: a new stretch starts, named from its start, where
    /// every hit count is 0.
    pub(super) fn enter_stretch(&mut self, index: u64, what: EventKind) {
        self.record_kind(index, what);
        self.pos = Position::start_of(index + 1);
        self.counts.clear();
        self.fresh = true;
        self.mark = None;
    }

    /// Whether event `index` is a debugger's pause while recording, or an event right
    /// after one that takes no instruction either (what the debugger wrote there).
    fn index_is_pause_instant(&self, index: u64) -> bool {
        let mut i = index as usize;
        loop {
            match self.kinds.get(i).cloned().flatten() {
                Some(EventKind::Pause { .. }) => return true,
                Some(EventKind::Other) if i > 0 => i -= 1,
                _ => return false,
            }
        }
    }

    /// Whether thread `tid`'s last event up to `index` is a pause (or a preemption): it has
    /// not run since, and a breakpoint where it stands was reported when it got there.
    fn last_event_of_is_pause(&self, index: u64, tid: i32) -> bool {
        let end = (index as usize + 1).min(self.kinds.len());
        self.kinds[..end]
            .iter()
            .rev()
            .take(100_000)
            .filter_map(|k| k.as_ref())
            .find(|k| k.tid() == Some(tid))
            .is_some_and(|k| matches!(k, EventKind::Pause { .. }))
    }

    pub(super) fn record_kind(&mut self, index: u64, what: EventKind) {
        let i = index as usize;
        if self.kinds.len() <= i {
            self.kinds.resize(i + 1, None);
        }
        self.kinds[i] = Some(what);
    }
}
