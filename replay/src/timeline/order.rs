//! Ordering two positions whose names alone do not order them (one stretch, anchored on
//! different addresses): by replaying the stretch with both anchors counted.

use super::forward::{Goal, Report};
use super::position::{Anchor, Position};
use super::reverse::anchor_key;
use super::{Key, Timeline};
use crate::error::{Error, Result};
use std::cmp::Ordering;

impl Timeline {
    /// The order of positions `a` and `b` in the execution. Their names decide when they
    /// can; otherwise the stretch is replayed with both anchors counted (and the replay
    /// is left at one of them).
    pub fn compare(&mut self, a: &Position, b: &Position) -> Result<Ordering> {
        if let Some(o) = a.partial_cmp(b) {
            return Ok(o);
        }
        if a.mark != b.mark {
            return Err(Error::Refused(format!(
                "cannot order {a} and {b}: they are named from different checkpoints"
            )));
        }
        self.guard(|t| t.order(a, b))
    }

    fn order(&mut self, a: &Position, b: &Position) -> Result<Ordering> {
        // A base after the other position puts its position after it.
        if !self.base_reached_by(b, a)? {
            return Ok(Ordering::Less);
        }
        if !self.base_reached_by(a, b)? {
            return Ok(Ordering::Greater);
        }
        // Both bases come before both positions: step from the first base to the other.
        let a_first = a.anchor == Anchor::Start || !self.base_reached_by(b, &a.base())?;
        let (first, second) = if a_first { (a, b) } else { (b, a) };
        let count = match anchor_key(&second.anchor) {
            Some((key, _)) => self.count_at(&first.base(), key)?,
            None => 0,
        };
        let order = match self.step_to(&first.base(), count, &second.base(), first.steps + 1)? {
            Some(d) => (first.steps).cmp(&(d + second.steps)),
            None => Ordering::Less,
        };
        Ok(if a_first { order } else { order.reverse() })
    }

    /// Whether `x`'s anchor has been reached at `y` (at or before it).
    fn base_reached_by(&mut self, x: &Position, y: &Position) -> Result<bool> {
        match anchor_key(&x.anchor) {
            None => Ok(x.anchor == Anchor::Start),
            Some((key, n)) => Ok(self.count_at(y, key)? >= n),
        }
    }

    /// Goes to `y` counting hits of `key` on the way; returns its count there.
    fn count_at(&mut self, y: &Position, key: Key) -> Result<u64> {
        let id = self.best_checkpoint(y, &[key])?;
        self.restore_towards(id, Some(y))?;
        self.extra_key = Some(key);
        let r = self.forward(Goal::To(y.clone()), Report::Quiet);
        self.extra_key = None;
        r?;
        self.hit_count(&key)
            .ok_or_else(|| Error::Refused(format!("internal error: no count at {y}")))
    }
}
