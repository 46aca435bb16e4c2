//! The set of checkpoints a timeline keeps: where each one is, what hit counts are known
//! there, and which to drop first when the count or memory budget is exceeded.

use super::position::{Anchor, Position};
use super::Key;
use crate::replay::Snapshot;
use std::collections::HashMap;

/// Why a checkpoint was made (the first kinds are dropped first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CheckpointKind {
    /// Taken while single-stepping towards an earlier instruction, to step back cheaply.
    Trail,
    /// Taken while replaying forward, at intervals.
    Periodic,
    /// Taken where a long run without events was interrupted; positions after it in
    /// its stretch may be named from it.
    Mark,
    /// At a place where the debugger stopped.
    Stop,
    /// Asked for by the user; kept until deleted.
    Explicit,
    /// The start of history; always kept.
    Start,
}

/// What the timeline reports about one checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointInfo {
    /// Its number.
    pub id: u64,
    /// Where it is.
    pub position: Position,
    /// Why it was made.
    pub kind: CheckpointKind,
    /// Its share of memory (PSS: pages divided among the processes mapping them), in
    /// bytes, as last measured (only when the resident sizes could exceed the budget).
    pub bytes: u64,
}

pub(crate) struct Checkpoint {
    pub id: u64,
    pub pos: Position,
    pub kind: CheckpointKind,
    pub snap: Snapshot,
    /// Hit counts since the base of its position (the stretch start or its mark) known
    /// at this point (all zero at the base itself).
    pub counts: HashMap<Key, u64>,
    /// Hit counts since the stretch start known at this point.
    pub stretch_counts: HashMap<Key, u64>,
    /// Its share of memory as last measured (0 until measured).
    pub bytes: u64,
    /// Its resident size: the most it can hold on its own.
    pub resident: u64,
    /// When it was last made or used (for dropping the least recently useful).
    pub used: u64,
}

impl Checkpoint {
    /// Whether the hit count of `key` since the stretch start is known here.
    pub fn knows(&self, key: &Key) -> bool {
        self.at_stretch_start() || self.stretch_counts.contains_key(key)
    }

    /// The hit count of `key` since the stretch start (if [`Self::knows`] it).
    pub fn count(&self, key: &Key) -> u64 {
        self.stretch_counts.get(key).copied().unwrap_or(0)
    }

    /// At the very start of its stretch.
    pub fn at_stretch_start(&self) -> bool {
        self.pos.mark.is_none() && self.at_base_start()
    }

    /// At the start of its stretch or mark: every count from there is 0.
    pub fn at_base_start(&self) -> bool {
        self.pos.anchor == Anchor::Start && self.pos.steps == 0
    }
}

/// The checkpoints, within a count and memory budget.
pub(crate) struct Checkpoints {
    pub list: Vec<Checkpoint>,
    next_id: u64,
    clock: u64,
    max_count: usize,
    max_bytes: u64,
}

impl Checkpoints {
    pub fn new(max_count: usize, max_bytes: u64) -> Checkpoints {
        Checkpoints {
            list: Vec::new(),
            next_id: 1,
            clock: 0,
            max_count: max_count.max(2),
            max_bytes,
        }
    }

    /// Adds a checkpoint and drops others if the budget is exceeded; returns its id.
    pub fn add(
        &mut self,
        pos: Position,
        kind: CheckpointKind,
        snap: Snapshot,
        counts: HashMap<Key, u64>,
        stretch_counts: HashMap<Key, u64>,
        current_event: u64,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.clock += 1;
        let resident = snap.resident_bytes();
        self.list.push(Checkpoint {
            id,
            pos,
            kind,
            snap,
            counts,
            stretch_counts,
            bytes: 0,
            resident,
            used: self.clock,
        });
        self.enforce(current_event);
        id
    }

    /// The id the next checkpoint added gets.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }

    pub fn find(&self, id: u64) -> Option<&Checkpoint> {
        self.list.iter().find(|c| c.id == id)
    }

    pub fn at(&self, pos: &Position) -> Option<&Checkpoint> {
        self.list.iter().find(|c| &c.pos == pos)
    }

    pub fn touch(&mut self, id: u64) {
        self.clock += 1;
        let now = self.clock;
        if let Some(c) = self.list.iter_mut().find(|c| c.id == id) {
            c.used = now;
        }
    }

    /// Removes checkpoint `id`; false if there is none or it is the start of history.
    pub fn remove(&mut self, id: u64) -> bool {
        match self.list.iter().position(|c| c.id == id) {
            Some(i) if self.list[i].kind != CheckpointKind::Start => {
                self.list.remove(i).snap.release();
                true
            }
            _ => false,
        }
    }

    /// Measures every checkpoint's share of memory now (walks their page tables).
    pub fn measure(&mut self) {
        for c in &mut self.list {
            c.bytes = c.snap.shared_bytes();
        }
    }

    pub fn total_bytes(&self) -> u64 {
        self.list.iter().map(|c| c.bytes).sum()
    }

    /// Drops checkpoints until the budget holds: first trail checkpoints, then those in
    /// the most crowded band of distance (distances back from the current event grow
    /// exponentially from band to band), least recently used first. Memory is measured
    /// only when the resident sizes together could exceed the budget.
    fn enforce(&mut self, current_event: u64) {
        let resident: u64 = self.list.iter().map(|c| c.resident).sum();
        let measure = resident > self.max_bytes;
        if measure {
            self.measure();
        }
        while self.list.len() > self.max_count
            || (measure && self.total_bytes() > self.max_bytes && self.droppable() > 0)
        {
            let Some(i) = self.victim(current_event) else {
                break;
            };
            self.list.remove(i).snap.release();
        }
    }

    fn droppable(&self) -> usize {
        self.list
            .iter()
            .filter(|c| c.kind < CheckpointKind::Explicit)
            .count()
    }

    fn victim(&self, current_event: u64) -> Option<usize> {
        let newest = self.list.iter().map(|c| c.used).max().unwrap_or(0);
        let band = |c: &Checkpoint| 64 - (current_event.abs_diff(c.pos.event) + 1).leading_zeros();
        let mut crowd: HashMap<(bool, u32), usize> = HashMap::new();
        for c in &self.list {
            *crowd
                .entry((c.kind == CheckpointKind::Trail, band(c)))
                .or_default() += 1;
        }
        self.list
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind < CheckpointKind::Explicit && c.used != newest)
            .max_by_key(|(_, c)| {
                let trail = c.kind == CheckpointKind::Trail;
                (trail, crowd[&(trail, band(c))], std::cmp::Reverse(c.used))
            })
            .map(|(i, _)| i)
    }

    pub fn release_all(&mut self) {
        for c in self.list.drain(..) {
            c.snap.release();
        }
    }
}
