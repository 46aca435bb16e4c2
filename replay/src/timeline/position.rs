//! Positions in a recorded execution: exact, reproducible names for every place the
//! debugger can stop, made without a performance counter.
//!
//! The events of the trace split the execution into stretches of user code. A position
//! names a stretch (the event that ends it), an anchor inside it that can be found again
//! by counting breakpoint or watchpoint hits from the stretch's start, and a number of
//! instructions single-stepped after the anchor.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// An exact place in the recorded execution.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Position {
    /// Number of the next event to replay: the position lies in the stretch of user code
    /// that ends with this event.
    pub event: u64,
    /// The checkpoint made inside the stretch (where a long run was interrupted) that the
    /// anchor counts from; None: the anchor counts from the stretch's start.
    pub mark: Option<u64>,
    /// Where in that stretch.
    pub anchor: Anchor,
    /// Instructions executed since the anchor.
    pub steps: u64,
}

/// A point inside a stretch of user code that can be found again exactly.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Anchor {
    /// The start of the stretch: right after the previous event.
    Start,
    /// The `count`-th time (from 1) execution reached `pc` in the stretch, after its start.
    Arrival {
        /// The instruction address.
        pc: u64,
        /// Which arrival.
        count: u64,
    },
    /// Right after the `count`-th access in the stretch that triggered a watchpoint.
    Watch {
        /// The watched key.
        key: WatchKey,
        /// Which trigger.
        count: u64,
    },
    /// At the instruction that makes the event (a `syscall` or `rdtsc`), before it runs.
    Pending,
}

/// A watched memory range and the accesses that trigger it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WatchKey {
    /// Start address.
    pub addr: u64,
    /// Length in bytes (1, 2, 4 or 8 aligned for a hardware watchpoint; any other
    /// length is watched by single-stepping).
    pub len: u32,
    /// Reads trigger too, not only writes. x86 has no read-only watchpoint: a front end
    /// implementing gdb's `rwatch` ignores the triggers that changed the value.
    pub reads: bool,
}

impl Position {
    /// The start of the stretch that ends with event `event`.
    pub fn start_of(event: u64) -> Position {
        Position {
            event,
            mark: None,
            anchor: Anchor::Start,
            steps: 0,
        }
    }

    /// The position `n` instructions later, with the same anchor.
    pub fn plus(&self, n: u64) -> Position {
        Position {
            event: self.event,
            mark: self.mark,
            anchor: self.anchor.clone(),
            steps: self.steps + n,
        }
    }

    /// The same position with no steps after the anchor.
    pub fn base(&self) -> Position {
        Position {
            event: self.event,
            mark: self.mark,
            anchor: self.anchor.clone(),
            steps: 0,
        }
    }
}

impl PartialOrd for Position {
    /// The order of two positions when it follows from their names alone: by stretch,
    /// then by anchor when both count the same breakpoint or watchpoint, then by steps.
    /// Positions in one stretch anchored on different addresses are not comparable
    /// by name (None).
    fn partial_cmp(&self, other: &Position) -> Option<Ordering> {
        if self.event != other.event {
            return Some(self.event.cmp(&other.event));
        }
        use Anchor::*;
        if self.mark != other.mark {
            let at_start = |p: &Position| p.mark.is_none() && p.anchor == Start && p.steps == 0;
            return match (&self.anchor, &other.anchor) {
                (Pending, Pending) => Some(Ordering::Equal),
                (Pending, _) => Some(Ordering::Greater),
                (_, Pending) => Some(Ordering::Less),
                _ if at_start(self) => Some(Ordering::Less),
                _ if at_start(other) => Some(Ordering::Greater),
                _ => None,
            };
        }
        match (&self.anchor, &other.anchor) {
            (Pending, Pending) => Some(Ordering::Equal),
            (Pending, _) => Some(Ordering::Greater),
            (_, Pending) => Some(Ordering::Less),
            (Start, Start) => Some(self.steps.cmp(&other.steps)),
            (Start, _) if self.steps == 0 => Some(Ordering::Less),
            (_, Start) if other.steps == 0 => Some(Ordering::Greater),
            (Arrival { pc: a, count: n }, Arrival { pc: b, count: m }) if a == b => {
                Some((n, self.steps).cmp(&(m, other.steps)))
            }
            (Watch { key: a, count: n }, Watch { key: b, count: m }) if a == b => {
                Some((n, self.steps).cmp(&(m, other.steps)))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {}", self.event)?;
        if let Some(m) = self.mark {
            write!(f, ", from checkpoint {m}")?;
        }
        match &self.anchor {
            Anchor::Start => {}
            Anchor::Arrival { pc, count } => write!(f, ", {pc:#x} hit {count}")?,
            Anchor::Watch { key, count } => write!(f, ", watch {:#x} hit {count}", key.addr)?,
            Anchor::Pending => write!(f, ", at its instruction")?,
        }
        if self.steps > 0 {
            write!(f, " +{} insn", self.steps)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival(event: u64, pc: u64, count: u64, steps: u64) -> Position {
        Position {
            event,
            mark: None,
            anchor: Anchor::Arrival { pc, count },
            steps,
        }
    }

    #[test]
    fn stretches_order_first() {
        assert!(Position::start_of(3) > arrival(2, 0x10, 9, 9));
        assert!(
            Position {
                event: 2,
                mark: None,
                anchor: Anchor::Pending,
                steps: 0
            } < Position::start_of(3)
        );
    }

    #[test]
    fn same_address_orders_by_count_then_steps() {
        assert!(arrival(1, 0x10, 2, 0) > arrival(1, 0x10, 1, 7));
        assert!(arrival(1, 0x10, 2, 1) > arrival(1, 0x10, 2, 0));
        assert!(Position::start_of(1) < arrival(1, 0x10, 1, 0));
    }

    #[test]
    fn different_addresses_are_not_comparable_by_name() {
        assert_eq!(
            arrival(1, 0x10, 2, 0).partial_cmp(&arrival(1, 0x20, 1, 0)),
            None
        );
        assert_eq!(
            Position::start_of(1)
                .plus(5)
                .partial_cmp(&arrival(1, 0x20, 1, 0)),
            None
        );
    }
}
