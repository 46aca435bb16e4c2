//! The checkpoints a timeline keeps (making, listing, restoring them) and the guard that
//! puts the replay back where it was when an operation fails.

use super::checkpoints::CheckpointInfo;
use super::{forward, Anchor, CheckpointKind, Key, Position, StopReason, Timeline};
use crate::error::{Error, Result};
use crate::sys;
use std::collections::HashMap;

impl Timeline {
    /// Makes a checkpoint here that is kept until deleted; returns its number.
    pub fn checkpoint(&mut self) -> Result<u64> {
        self.recover()?;
        if let Some(c) = self.ckpts.at(&self.pos) {
            if c.kind >= CheckpointKind::Explicit {
                return Ok(c.id);
            }
        }
        self.take_checkpoint(CheckpointKind::Explicit)?
            .ok_or_else(|| {
                Error::Refused(
                    "cannot checkpoint here (a syscall or signal is in progress); step first"
                        .into(),
                )
            })
    }

    /// Goes to checkpoint `id`.
    pub fn restart(&mut self, id: u64) -> Result<StopReason> {
        if self.ckpts.find(id).is_none() {
            return Err(Error::Refused(format!("no checkpoint {id}")));
        }
        self.guard(|t| {
            t.restore(id)?;
            Ok(StopReason::Reached)
        })
    }

    /// Runs one operation of the public API. If it fails (a divergence, Ctrl-C, a
    /// position that cannot be reached), the replay is put back where the last
    /// operation that succeeded left it, and the error is returned.
    pub(super) fn guard<T>(&mut self, op: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.recover()?;
        match op(self) {
            Ok(v) => {
                self.settled = self.pos.clone();
                Ok(v)
            }
            Err(e) => {
                self.broken = true;
                let _ = self.recover();
                Err(e)
            }
        }
    }

    /// After a failed operation: back to the last settled position.
    pub(super) fn recover(&mut self) -> Result<()> {
        if !self.broken {
            return Ok(());
        }
        if sys::interrupted() {
            return Err(Error::Interrupted);
        }
        self.r.arm = Default::default();
        self.broken = false;
        let back = self.settled.clone();
        let r = self.best_checkpoint(&back, &[]).and_then(|id| {
            self.restore_towards(id, Some(&back))?;
            self.forward(forward::Goal::To(back), forward::Report::Quiet)
        });
        if r.is_err() {
            self.broken = true;
        }
        r.map(drop)
    }

    /// Deletes checkpoint `id` (not the start of history).
    pub fn delete_checkpoint(&mut self, id: u64) -> Result<()> {
        if self.ckpts.remove(id) {
            Ok(())
        } else {
            Err(Error::Refused(format!("no checkpoint {id} to delete")))
        }
    }

    /// The checkpoints kept now.
    pub fn checkpoints(&self) -> Vec<CheckpointInfo> {
        self.ckpts
            .list
            .iter()
            .map(|c| CheckpointInfo {
                id: c.id,
                position: c.pos.clone(),
                kind: c.kind,
                bytes: c.bytes,
            })
            .collect()
    }

    /// Memory the checkpoints account for (their proportional share of the pages they
    /// map), in bytes, measured now.
    pub fn checkpoint_bytes(&mut self) -> u64 {
        self.ckpts.measure();
        self.ckpts.total_bytes()
    }

    /// Tracee CPU time between automatic checkpoints while running forward: the
    /// configured interval, longer for big programs (4 ms per MiB resident), because
    /// after a checkpoint the program's next write to each page copies it.
    pub(super) fn checkpoint_interval_ns(&self) -> u64 {
        let by_size = (self.r.resident_bytes() >> 20) * 4;
        self.opts.checkpoint_interval_ms.max(by_size) * 1_000_000
    }

    /// Checkpoints the current position, if the processes are in a state that allows it.
    pub(super) fn take_checkpoint(&mut self, kind: CheckpointKind) -> Result<Option<u64>> {
        if self.end.is_some() || !self.r.checkpointable() {
            return Ok(None);
        }
        let snap = self.r.snapshot()?;
        let counts = if self.fresh {
            self.all_counts()
        } else {
            self.counts.clone()
        };
        let stretch = self.stretch_counts();
        let id = self.ckpts.add(
            self.pos.clone(),
            kind,
            snap,
            counts,
            stretch,
            self.pos.event,
        );
        self.recent = Some((id, super::now_ms()));
        Ok(Some(id))
    }

    /// Checkpoints the current state, which has no name yet (a long run was interrupted
    /// here): it becomes a mark, and the current position is named from it.
    pub(super) fn take_mark(&mut self, stretch: HashMap<Key, u64>) -> Result<()> {
        let snap = self.r.snapshot()?;
        let id = self.ckpts.next_id();
        let pos = Position {
            event: self.pos.event,
            mark: Some(id),
            anchor: Anchor::Start,
            steps: 0,
        };
        let current = self.pos.event;
        self.ckpts.add(
            pos.clone(),
            CheckpointKind::Mark,
            snap,
            HashMap::new(),
            stretch,
            current,
        );
        self.recent = Some((id, super::now_ms()));
        self.pos = pos;
        Ok(())
    }

    /// Hit counts since the stretch start known here.
    pub(super) fn stretch_counts(&self) -> HashMap<Key, u64> {
        let here = if self.fresh {
            self.all_counts()
        } else {
            self.counts.clone()
        };
        match self.mark.and_then(|m| self.ckpts.find(m)) {
            None if self.mark.is_none() => here,
            None => HashMap::new(),
            Some(m) => here
                .into_iter()
                .filter(|(k, _)| m.knows(k))
                .map(|(k, n)| (k, m.count(&k) + n))
                .collect(),
        }
    }

    /// The counts of every armed key (those not hit yet are 0), when all are known.
    pub(super) fn all_counts(&self) -> HashMap<Key, u64> {
        let mut m = self.counts.clone();
        for &pc in &self.bps {
            m.entry(Key::Pc(pc)).or_insert(0);
        }
        for &w in &self.watches {
            m.entry(Key::Watch(w)).or_insert(0);
        }
        m
    }

    /// Replaces the replay by a copy of checkpoint `id`.
    pub(super) fn restore(&mut self, id: u64) -> Result<()> {
        self.restore_towards(id, None)
    }

    /// Replaces the replay by a copy of checkpoint `id`, counting hits the way `target`
    /// is named: from the checkpoint's mark if `target` is named from it, otherwise from
    /// the stretch start (with the counts the checkpoint knows).
    pub(super) fn restore_towards(&mut self, id: u64, target: Option<&Position>) -> Result<()> {
        let c = self
            .ckpts
            .find(id)
            .ok_or_else(|| Error::Refused(format!("no checkpoint {id}")))?;
        let (pos, mut counts, mut start) = (c.pos.clone(), c.counts.clone(), c.at_base_start());
        self.mark = pos.mark;
        let from_mark = target.is_some_and(|t| t.mark.is_some() && t.mark == pos.mark);
        if pos.mark.is_some() && !from_mark {
            self.mark = None;
            counts = c.stretch_counts.clone();
            start = false;
        }
        let snap = c.snap.clone();
        self.r.restore(&snap)?;
        self.ckpts.touch(id);
        self.recent = Some((id, super::now_ms()));
        self.pos = pos;
        self.counts = counts;
        self.fresh = start;
        self.end = None;
        self.in_syscall.clear();
        Ok(())
    }

    /// A stop the user sees: checkpoint it so that coming back is cheap.
    pub(super) fn user_stop(&mut self, reason: StopReason) -> Result<StopReason> {
        if self.ckpts.at(&self.pos).is_none() {
            self.take_checkpoint(CheckpointKind::Stop)?;
        }
        Ok(reason)
    }

    /// A stop the user sees after running forwards: checkpointed unless the checkpoint
    /// the replay last left is so recent that coming back from it is cheap too (stops in
    /// quick succession: stepping, or a conditional breakpoint gdb evaluates). Forwards,
    /// the hit counts stay known without a checkpoint.
    pub(super) fn forward_stop(&mut self, reason: StopReason) -> Result<StopReason> {
        let close = self.recent.is_some_and(|(id, ms)| {
            super::now_ms().saturating_sub(ms) < super::STOP_CHECKPOINT_MS
                && self.ckpts.find(id).is_some()
        });
        if close {
            return Ok(reason);
        }
        self.user_stop(reason)
    }

    pub(super) fn hit_count(&self, key: &Key) -> Option<u64> {
        match self.counts.get(key) {
            Some(&n) => Some(n),
            None if self.fresh => Some(0),
            None => None,
        }
    }
}
