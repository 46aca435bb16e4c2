//! Time slices: taking the CPU from a thread that computes while others are ready.
//!
//! Every event already switches threads (the thread goes to the back of the ready queue), so a
//! thread that makes syscalls never needs preempting. A thread that computes gets a CPU-time
//! alarm (a software task-clock event, [`sys::CpuAlarm`]) when there is more than one tracee.
//! When it fires and another tracee is ready, the thread gets a short grace period to reach
//! an event of its own (a preemption point found by registers costs replay a breakpoint hit
//! per visit of its pc); if it does not, it is preempted where it is and a `Preempt` event
//! records its registers. Chaos mode draws every slice at random, skips the grace period
//! and picks the next thread at random among the ready ones.

use super::{Recorder, State};
use crate::error::Result;
use crate::sys;
use crate::trace::{Event, Scheduling};

/// How long a thread whose slice ran out may go on to reach an event of its own.
const GRACE_NS: u64 = 2_000_000;
/// Chaos mode's shortest slice.
const CHAOS_MIN_NS: u64 = 50_000;

/// Where a thread's alarm is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Phase {
    /// Not armed (armed when the thread next runs user code).
    #[default]
    Idle,
    /// Counting the thread's slice.
    Slice,
    /// The slice ran out while others were ready: counting the grace period.
    Grace,
}

/// A thread's alarm and its phase.
#[derive(Debug, Default)]
pub(super) struct Slice {
    alarm: Option<sys::CpuAlarm>,
    phase: Phase,
}

/// The scheduling policy of one recording.
pub(super) struct Slicer {
    slice_ns: u64,
    chaos: Option<fastrand::Rng>,
    /// The alarm could not be opened (no perf events here): threads are never preempted.
    unavailable: bool,
}

impl Slicer {
    pub(super) fn new(s: &Scheduling) -> Slicer {
        Slicer {
            slice_ns: s.timeslice_us.max(1) * 1000,
            chaos: s.chaos.then(|| fastrand::Rng::with_seed(s.seed)),
            unavailable: false,
        }
    }

    fn next_slice(&mut self) -> u64 {
        match &mut self.chaos {
            Some(rng) => rng.u64(CHAOS_MIN_NS..=self.slice_ns.max(CHAOS_MIN_NS)),
            None => self.slice_ns,
        }
    }
}

/// A seed for chaos mode: the clock's nanoseconds, so every chaos recording differs.
pub fn chaos_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
}

impl Recorder {
    /// The next ready tracee to run, taken off the ready queue: the first one, or in chaos
    /// mode any of them.
    pub(super) fn pick_next(&mut self) -> Option<i32> {
        let len = self.ready.len();
        match &mut self.slicer.chaos {
            Some(rng) if len > 1 => self.ready.remove(rng.usize(..len)),
            _ => self.ready.pop_front(),
        }
    }

    /// `tid` is about to run user code: with other tracees around, its alarm must count.
    pub(super) fn arm_slice(&mut self, tid: i32) -> Result<()> {
        if self.slicer.unavailable || self.tasks.len() < 2 {
            return Ok(());
        }
        let chaos = self.slicer.chaos.is_some();
        let phase = self.tasks.get(&tid).map(|t| t.slice.phase);
        if phase != Some(Phase::Idle) && !chaos {
            return Ok(());
        }
        let ns = self.slicer.next_slice();
        let Some(t) = self.tasks.get_mut(&tid) else {
            return Ok(());
        };
        if t.slice.alarm.is_none() {
            match sys::CpuAlarm::open(tid) {
                Ok(a) => t.slice.alarm = Some(a),
                Err(_) => {
                    self.slicer.unavailable = true;
                    return Ok(());
                }
            }
        }
        if let Some(a) = &t.slice.alarm {
            a.arm(ns)?;
        }
        t.slice.phase = Phase::Slice;
        Ok(())
    }

    /// `tid` reached an event of its own: a grace period in progress has done its job.
    pub(super) fn end_grace(&mut self, tid: i32) {
        if let Some(t) = self.tasks.get_mut(&tid) {
            if t.slice.phase == Phase::Grace {
                t.slice.phase = Phase::Idle;
            }
        }
    }

    /// Handles a stop of `tid` by [`sys::ALARM_SIGNAL`] with `info`; false when the signal
    /// is not from the thread's alarm (the program's own, delivered as usual).
    pub(super) fn slice_alarm(&mut self, tid: i32, info: &[u8]) -> Result<bool> {
        let Some(t) = self.tasks.get_mut(&tid) else {
            return Ok(false);
        };
        let ours = t
            .slice
            .alarm
            .as_ref()
            .is_some_and(|a| sys::siginfo_fd(info) == a.raw_fd());
        if !ours {
            return Ok(false);
        }
        // The signal is never delivered.
        t.pending_sig = 0;
        let phase = t.slice.phase;
        let others = self
            .ready
            .iter()
            .any(|&o| o != tid && self.tasks.get(&o).is_some_and(|x| x.state == State::Ready));
        let chaos = self.slicer.chaos.is_some();
        if !others || (phase == Phase::Slice && !chaos) {
            // Go on: a new slice, or the grace period.
            let ns = if others {
                GRACE_NS
            } else {
                self.slicer.next_slice()
            };
            let t = self.task_mut(tid)?;
            if let Some(a) = &t.slice.alarm {
                a.arm(ns)?;
            }
            t.slice.phase = if others { Phase::Grace } else { Phase::Slice };
            self.continue_first(tid);
            return Ok(true);
        }
        let regs = self.regs(tid)?;
        self.w.append(&Event::Preempt { tid, regs })?;
        let t = self.task_mut(tid)?;
        if let Some(a) = &t.slice.alarm {
            a.disarm();
        }
        t.slice.phase = Phase::Idle;
        self.make_ready(tid);
        Ok(true)
    }

    /// Lets `tid` go on running user code: ready, at the front of the queue.
    fn continue_first(&mut self, tid: i32) {
        if self.running == Some(tid) {
            self.running = None;
        }
        if let Some(t) = self.tasks.get_mut(&tid) {
            t.state = State::Ready;
            self.ready.retain(|&o| o != tid);
            self.ready.push_front(tid);
        }
    }
}
