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
const MAX_TRIGGERS: u64 = 2000;
/// Hardware breakpoints available.
const SLOTS: usize = 4;

/// The last candidate that triggered: its index, its count, and the arrivals at the
/// target's address before it.
type Trigger = (usize, u64, u64);

impl Timeline {
    /// The position one instruction before `p`, the current position, when `p` is an
    /// arrival and disassembly finds its predecessor; None otherwise (the caller searches).
    pub(super) fn predecessor_from_code(&mut self, p: &Position) -> Result<Option<Position>> {
        let Anchor::Arrival { pc, count } = p.anchor else {
            return Ok(None);
        };
        if p.steps != 0 || &self.pos != p || self.end.is_some() {
            return Ok(None);
        }
        let tid = self.tid()?;
        let rsp = self.regs()?.rsp();
        let r = &mut self.r;
        let mut read = |a, n| r.read_of(tid, a, n).ok();
        let stack_top = read(rsp, 8).and_then(|b| Some(u64::from_le_bytes(b.try_into().ok()?)));
        let cands = decode::candidates(&mut read, pc, stack_top, SLOTS);
        if cands.is_empty() {
            return Ok(None);
        }
        let base = Position {
            event: p.event,
            mark: p.mark,
            anchor: Anchor::Start,
            steps: 0,
        };
        self.go(&base)?;
        let Some((i, hits, arrivals)) = self.last_trigger_before(p, &cands)? else {
            return Ok(None);
        };
        if arrivals + 1 != count {
            return Ok(None);
        }
        let before = Position {
            event: p.event,
            mark: p.mark,
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

    /// Runs from the base of `p` (where the replay is) to `p` with execution breakpoints
    /// on `cands`; returns the last one to trigger. Leaves the replay at `p` (None: no
    /// trigger, or too many).
    fn last_trigger_before(&mut self, p: &Position, cands: &[u64]) -> Result<Option<Trigger>> {
        let Anchor::Arrival { pc, count } = p.anchor else {
            return Ok(None);
        };
        let mut arrivals = 0u64;
        let mut hits = vec![0u64; cands.len()];
        let mut last = None;
        let mut triggers = 0u64;
        loop {
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
            a.interrupt_ns = None;
            let progress = self.r.step_event();
            self.r.arm.watches.clear();
            self.fresh = false;
            match progress? {
                Progress::Paused(Pause::Breakpoint(at)) if at == pc => {
                    arrivals += 1;
                    if arrivals == count {
                        break;
                    }
                }
                Progress::Paused(Pause::Watch(mask)) => {
                    triggers += 1;
                    if triggers > MAX_TRIGGERS {
                        // Name the state again before the caller searches.
                        self.counts.clear();
                        self.goto_restoring(p)?;
                        return Ok(None);
                    }
                    for (i, h) in hits.iter_mut().enumerate() {
                        if mask & (1 << i) != 0 {
                            *h += 1;
                            last = Some((i, *h, arrivals));
                        }
                    }
                }
                Progress::Paused(_) => {}
                Progress::Event { index, what } => {
                    self.enter_stretch(index, what);
                    return Err(Error::Refused(format!(
                        "{p} was not found in its stretch (event {index} came first)"
                    )));
                }
                Progress::End(_) => {
                    return Err(Error::Refused(format!(
                        "{p} was not found before the end of the trace"
                    )))
                }
            }
        }
        self.counts.clear();
        self.pos = p.clone();
        self.mark = p.mark;
        Ok(last)
    }
}
