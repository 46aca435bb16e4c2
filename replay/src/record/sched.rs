//! Time slices: taking the CPU from a thread that computes while others are ready.
//!
//! Every event already switches threads (the thread goes to the back of the ready queue), so a
//! thread that makes syscalls never needs preempting. A thread that computes gets a CPU-time
//! alarm (a software task-clock event, [`sys::CpuAlarm`]) when there is more than one tracee.
//! When it fires and another tracee is ready:
//! - a thread that spins (single-stepping it for a few dozen instructions brings it back to
//!   the same registers: it waits for another thread) is preempted there at once. Replay
//!   finds the point at the first visit of that pc with those registers.
//! - any other thread gets a short grace period to reach an event of its own, and is then
//!   left to compute; only after [`BUSY_SLICES`] slices without an event is it preempted
//!   where it is. A preemption point inside a computation costs replay a breakpoint stop
//!   (~10-30 us here) per earlier visit of its pc since the thread's last event, so such
//!   points are made rarely; with no PMU there is no cheaper way to find them.
//!
//! A `Preempt` event records the registers. Chaos mode draws every slice at random,
//! preempts at every expiry and picks the next thread at random among the ready ones.

use super::{Recorder, State};
use crate::error::Result;
use crate::sys;
use crate::trace::{Event, Scheduling};

/// How long a thread whose slice ran out may go on to reach an event of its own.
const GRACE_NS: u64 = 2_000_000;
/// Chaos mode's shortest slice.
const CHAOS_MIN_NS: u64 = 50_000;
/// Slices a thread that computes (does not spin) may run while others are ready.
pub(super) const BUSY_SLICES: u32 = 100;
/// Instructions single-stepped to see whether a thread spins.
const SPIN_PROBE_STEPS: u32 = 48;
/// The trap flag in rflags.
const TRAP_FLAG: u64 = 0x100;
/// A busy thread is probed again every this many slices (a probe costs about 1 ms).
const PROBE_EVERY: u32 = 8;

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
    /// Slices run out since the thread's last event while others were ready.
    busy: u32,
}

/// What single-stepping a thread showed.
enum Probe {
    /// Back at these registers: it spins.
    Spins(Box<crate::regs::Regs>),
    /// It computes.
    Busy,
    /// It stopped for something else (a syscall, a signal): this stop, not yet handled.
    Stopped(i32),
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
            t.slice.busy = 0;
            if t.slice.phase == Phase::Grace {
                t.slice.phase = Phase::Idle;
            }
        }
    }

    /// Single-steps `tid` (stopped at `start`) for a few instructions to see whether it
    /// comes back to the same registers.
    fn probe_spin(&mut self, tid: i32, start: &crate::regs::Regs) -> Result<Probe> {
        for _ in 0..SPIN_PROBE_STEPS {
            sys::resume(sys::Resume::Step, tid, 0)?;
            let status = loop {
                if let Some((_, st)) = sys::waitpid(tid, false)? {
                    break st;
                }
            };
            let stop = crate::wait::decode(status);
            if stop == crate::wait::Stop::Event(libc::PTRACE_EVENT_SECCOMP) {
                // `syscall` saved rflags in r11 with the trap flag of this single-step:
                // the program gets the value it has when not stepped (as at replay).
                let mut regs = self.regs(tid)?;
                if regs.r11() & TRAP_FLAG != 0 {
                    regs.set_r11(regs.r11() & !TRAP_FLAG);
                    sys::setregs(tid, &regs)?;
                }
            }
            if stop != crate::wait::Stop::Signal(libc::SIGTRAP) {
                return Ok(Probe::Stopped(status));
            }
            let now = self.regs(tid)?;
            if now.same_state(start) {
                return Ok(Probe::Spins(Box::new(now)));
            }
        }
        Ok(Probe::Busy)
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
        let mut regs = self.regs(tid)?;
        let busy = self.tasks.get(&tid).map_or(0, |t| t.slice.busy);
        if others
            && phase == Phase::Slice
            && !chaos
            && !self.debugger_traps
            && !busy.is_multiple_of(PROBE_EVERY)
        {
            // A busy thread between probes: it computes on.
            return self.go_on(tid, Phase::Grace, GRACE_NS).map(|()| true);
        }
        if others && phase == Phase::Slice && !chaos && !self.debugger_traps {
            match self.probe_spin(tid, &regs)? {
                Probe::Spins(at) => regs = *at,
                Probe::Busy => {
                    regs = self.regs(tid)?;
                    let t = self.task_mut(tid)?;
                    t.slice.busy += 1;
                    if t.slice.busy < BUSY_SLICES {
                        return self.go_on(tid, Phase::Grace, GRACE_NS).map(|()| true);
                    }
                }
                Probe::Stopped(status) => {
                    // Reached a syscall, a signal...: a switch point of its own, handled as
                    // a stop of the running thread.
                    self.handle(tid, status)?;
                    return Ok(true);
                }
            }
        } else if !others || (phase == Phase::Slice && !chaos) {
            // Go on: a new slice, or the grace period.
            let (next, ns) = if others {
                (Phase::Grace, GRACE_NS)
            } else {
                (Phase::Slice, self.slicer.next_slice())
            };
            return self.go_on(tid, next, ns).map(|()| true);
        } else if phase == Phase::Grace && !chaos {
            let t = self.task_mut(tid)?;
            if t.slice.busy > 0 && t.slice.busy < BUSY_SLICES {
                // A busy thread: it computes on, its slices counted.
                t.slice.busy += 1;
                let ns = self.slicer.next_slice();
                return self.go_on(tid, Phase::Slice, ns).map(|()| true);
            }
        }
        self.w.append(&Event::Preempt { tid, regs })?;
        let t = self.task_mut(tid)?;
        if let Some(a) = &t.slice.alarm {
            a.disarm();
        }
        t.slice.phase = Phase::Idle;
        self.make_ready(tid);
        Ok(true)
    }

    /// Lets `tid` run on in phase `phase`, its alarm set to `ns`.
    fn go_on(&mut self, tid: i32, phase: Phase, ns: u64) -> Result<()> {
        let t = self.task_mut(tid)?;
        if let Some(a) = &t.slice.alarm {
            a.arm(ns)?;
        }
        t.slice.phase = phase;
        self.continue_first(tid);
        Ok(())
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
