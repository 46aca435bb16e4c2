//! What stops the timeline: breakpoints, watchpoints (debug registers, or single-stepping
//! beyond them), caught syscalls, forks, execs and exits, and signals.

use super::{Catch, Key, Timeline, WatchKey};
use crate::error::{Error, Result};

/// Whether a debug register can watch `w`.
pub(super) fn hw_watchable(w: &WatchKey) -> bool {
    [1, 2, 4, 8].contains(&w.len) && w.addr.is_multiple_of(u64::from(w.len))
}

impl Timeline {
    /// Adds a software breakpoint (in every process).
    ///
    /// A hit count still held for `addr` stays: counts are dropped as soon as a run
    /// could miss hits (see `forward::arm`), so one held now is right. gdb removes a
    /// breakpoint, steps over it and inserts it again at every conditional stop.
    pub fn add_breakpoint(&mut self, addr: u64) {
        self.bps.insert(addr);
    }

    /// Removes a software breakpoint; false if there was none.
    pub fn remove_breakpoint(&mut self, addr: u64) -> bool {
        self.bps.remove(&addr)
    }

    /// Adds a watchpoint on `key.len` bytes at `key.addr`. Up to four of 1, 2, 4 or 8
    /// aligned bytes use the debug registers DR0-DR3; others are watched by
    /// single-stepping and comparing the bytes after each instruction (about 25 µs per
    /// instruction, as gdb's software watchpoints), which cannot see reads.
    pub fn add_watchpoint(&mut self, key: WatchKey) -> Result<()> {
        if key.len == 0 || key.len > 1 << 20 {
            return Err(Error::Refused(format!(
                "cannot watch {} bytes (1 byte to 1 MiB)",
                key.len
            )));
        }
        if self.watches.contains(&key) {
            return Ok(());
        }
        let hardware = self.watches.iter().filter(|w| hw_watchable(w)).count();
        if !(hw_watchable(&key) && hardware < 4) && key.reads {
            return Err(Error::Refused(format!(
                "a read watchpoint needs a debug register: 1, 2, 4 or 8 bytes at an aligned address, at most four ({} at {:#x} is not possible)",
                key.len, key.addr
            )));
        }
        self.watches.push(key);
        if !hw_watchable(&key) {
            self.counts.remove(&Key::Watch(key));
        }
        Ok(())
    }

    /// The watchpoints that use debug registers (the first four that fit one).
    pub(super) fn hw_watches(&self) -> Vec<WatchKey> {
        self.watches
            .iter()
            .filter(|w| hw_watchable(w))
            .take(4)
            .copied()
            .collect()
    }

    /// The watchpoints watched by single-stepping.
    pub(super) fn soft_watches(&self) -> Vec<WatchKey> {
        let hw = self.hw_watches();
        self.watches
            .iter()
            .filter(|w| !hw.contains(w))
            .copied()
            .collect()
    }

    /// Removes a watchpoint; false if there was none.
    pub fn remove_watchpoint(&mut self, key: WatchKey) -> bool {
        let before = self.watches.len();
        self.watches.retain(|w| *w != key);
        self.watches.len() != before
    }

    /// Sets what else the timeline stops at.
    pub fn set_catch(&mut self, catch: Catch) {
        self.catch = catch;
    }

    /// Whether signal `signo` stops the timeline (by default all but SIGALRM, SIGURG,
    /// SIGCHLD, SIGWINCH, SIGIO, SIGPROF and SIGVTALRM, as in gdb).
    pub fn set_signal_stops(&mut self, signo: i32, stop: bool) {
        if stop {
            self.quiet_signals.remove(&signo);
        } else {
            self.quiet_signals.insert(signo);
        }
    }
}
