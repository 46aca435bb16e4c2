//! The instruction before an arrival, found from the code instead of by stepping: the
//! candidates disassembly gives (`decode.rs`) are watched with hardware execution
//! breakpoints on one run from the position's base to it; the last to trigger is
//! confirmed by one forward step. This costs a few runs of the stretch however long it
//! is, where stepping would cost one stop per instruction.

use super::decode;
use super::forward::{Goal, Report};
use super::position::{Anchor, Position};
use super::{StopReason, Timeline};
use crate::error::{Error, Result};
use crate::replay::{HwWatch, Pause, Progress};

/// Candidate triggers tolerated on the confirming run (a candidate inside a hot loop
/// triggers on every iteration: searching is cheaper then).
const MAX_TRIGGERS: u64 = 200;
/// Arrivals at the position's own address counted at most on the confirming run.
const MAX_ARRIVALS: u64 = 200;
/// Tracee CPU time the confirming run may take (ns) before the search takes over.
const RUN_BUDGET_NS: u64 = 30_000_000;
/// Hardware breakpoints available.
const SLOTS: usize = 4;

/// The last candidate that triggered: its index, its count, and the arrivals at the
/// target's address before it.
type Trigger = (usize, u64, u64);

impl Timeline {
    /// The position one instruction before `p`, an arrival, when disassembly finds it on
    /// a short run from `start`: the start of `p`'s stretch or mark, or a mark made
    /// after it, where `p`'s address has `count` arrivals. None otherwise (the run was
    /// long, or the candidates did not work out); the replay is then at `p`.
    pub(super) fn predecessor_from_code(
        &mut self,
        p: &Position,
        start: &Position,
        count: u64,
    ) -> Result<Option<Position>> {
        let Anchor::Arrival { pc, count: n } = p.anchor else {
            return Ok(None);
        };
        let from_base = start.anchor == Anchor::Start && start.steps == 0;
        if p.steps != 0 || !from_base || n.saturating_sub(count) > MAX_ARRIVALS {
            return Ok(None);
        }
        // The code is the same anywhere in the stretch (one thread, no exec).
        let tid = self.tid()?;
        let rsp = self.regs()?.rsp();
        let r = &mut self.r;
        let mut read = |a, len| r.read_of(tid, a, len).ok();
        let stack_top = read(rsp, 8).and_then(|b| Some(u64::from_le_bytes(b.try_into().ok()?)));
        let cands = decode::candidates(&mut read, pc, stack_top, SLOTS);
        // The stack top read here belongs to wherever the replay is: a candidate it gives
        // that does not hold is not confirmed below.
        if cands.is_empty() {
            return Ok(None);
        }
        self.go(start)?;
        let Some((i, hits, arrivals)) = self.last_trigger_before(p, count, &cands)? else {
            return Ok(None);
        };
        if arrivals + 1 != n {
            return Ok(None);
        }
        let before = Position {
            event: p.event,
            mark: start.mark,
            anchor: Anchor::Arrival {
                pc: cands[i],
                count: hits,
            },
            steps: 0,
        };
        // Confirm: one instruction from there reaches `p`'s address.
        self.go(&before)?;
        if self.forward(Goal::Step, Report::Quiet)? != StopReason::Step || self.regs()?.rip() != pc
        {
            return Ok(None);
        }
        Ok(Some(before))
    }

    /// Runs from where the replay is (`p`'s address has `count` arrivals there) to `p`
    /// with execution breakpoints on `cands`; returns the last one to trigger, counted
    /// from there. Leaves the replay at `p`. None: no trigger, too many, or the
    /// run took too long.
    fn last_trigger_before(
        &mut self,
        p: &Position,
        count: u64,
        cands: &[u64],
    ) -> Result<Option<Trigger>> {
        let Anchor::Arrival { pc, count: n } = p.anchor else {
            return Ok(None);
        };
        let mut arrivals = count;
        let mut hits = vec![0u64; cands.len()];
        let mut last = None;
        let mut triggers = 0u64;
        let outcome = loop {
            let a = &mut self.r.arm;
            a.bps = [pc].into_iter().collect();
            a.watches = cands
                .iter()
                .map(|&addr| HwWatch {
                    addr,
                    len: 1,
                    reads: false,
                    exec: true,
                })
                .collect();
            a.step = false;
            a.interrupt_ns = (!a.no_alarms).then_some(RUN_BUDGET_NS);
            let progress = self.r.step_event();
            self.r.arm.watches.clear();
            self.fresh = false;
            match progress {
                Ok(Progress::Paused(Pause::Breakpoint(at))) if at == pc => {
                    arrivals += 1;
                    if arrivals == n {
                        break Ok(true);
                    }
                }
                Ok(Progress::Paused(Pause::Watch(mask))) => {
                    triggers += 1;
                    if triggers > MAX_TRIGGERS {
                        break Ok(false);
                    }
                    for (i, h) in hits.iter_mut().enumerate() {
                        if mask & (1 << i) != 0 {
                            *h += 1;
                            last = Some((i, *h, arrivals));
                        }
                    }
                }
                Ok(Progress::Paused(Pause::Interrupted)) => break Ok(false),
                Ok(Progress::Paused(_)) => {}
                Ok(Progress::Event { index, what }) => {
                    self.enter_stretch(index, what);
                    break Err(Error::Refused(format!(
                        "{p} was not found in its stretch (event {index} came first)"
                    )));
                }
                Ok(Progress::End(_)) => {
                    break Err(Error::Refused(format!(
                        "{p} was not found before the end of the trace"
                    )))
                }
                Err(e) => break Err(e),
            }
        };
        self.r.disarm_alarms();
        self.r.arm.interrupt_ns = None;
        self.counts.clear();
        if !outcome? {
            // Somewhere unnamed between `start` and `p`: back to `p` by its name.
            self.goto_restoring(p)?;
            return Ok(None);
        }
        self.pos = p.clone();
        self.mark = p.mark;
        Ok(last)
    }
}
