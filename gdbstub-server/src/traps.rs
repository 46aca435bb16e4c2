//! gdb's breakpoints, watchpoints and syscall catchpoints, kept on the timeline.
//!
//! gdb may set the same address more than once (a breakpoint and a `hbreak`, an `rwatch`
//! and an `awatch`); the timeline holds each once, for as long as gdb holds any.

use crate::target::RttTarget;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps, SwBreakpoint,
    SwBreakpointOps, WatchKind,
};
use gdbstub::target::ext::catch_syscalls::{CatchSyscalls, SyscallNumbers};
use gdbstub::target::TargetResult;
use rtt_replay::timeline::{Catch, WatchKey};
use std::collections::HashMap;

/// What gdb has inserted.
#[derive(Default)]
pub struct Traps {
    /// Address -> (software, hardware) insertions.
    breakpoints: HashMap<u64, (u32, u32)>,
    /// Watched range -> the kinds gdb asked for, once per insertion.
    watches: HashMap<WatchKey, Vec<WatchKind>>,
}

impl Traps {
    /// Whether gdb has a breakpoint at `pc`.
    pub fn has_breakpoint(&self, pc: u64) -> bool {
        self.breakpoints.contains_key(&pc)
    }

    /// Whether the only breakpoints at `pc` are hardware ones.
    pub fn is_hw_breakpoint(&self, pc: u64) -> bool {
        matches!(self.breakpoints.get(&pc), Some((0, hw)) if *hw > 0)
    }

    /// The kind to report for a trigger of `key`.
    pub fn watch_kind(&self, key: &WatchKey) -> WatchKind {
        let kinds = self.watches.get(key).map(Vec::as_slice).unwrap_or(&[]);
        if !key.reads {
            WatchKind::Write
        } else if kinds.contains(&WatchKind::ReadWrite) {
            WatchKind::ReadWrite
        } else {
            WatchKind::Read
        }
    }
}

fn watch_key(addr: u64, len: u64, kind: WatchKind) -> WatchKey {
    WatchKey {
        addr,
        len: len as u32,
        reads: kind != WatchKind::Write,
    }
}

impl RttTarget {
    fn insert_breakpoint(&mut self, addr: u64, hw: bool) -> bool {
        let e = self.traps.breakpoints.entry(addr).or_default();
        if *e == (0, 0) {
            self.tl.add_breakpoint(addr);
        }
        if hw {
            e.1 += 1;
        } else {
            e.0 += 1;
        }
        true
    }

    fn drop_breakpoint(&mut self, addr: u64, hw: bool) -> bool {
        let Some(e) = self.traps.breakpoints.get_mut(&addr) else {
            return false;
        };
        let n = if hw { &mut e.1 } else { &mut e.0 };
        if *n == 0 {
            return false;
        }
        *n -= 1;
        if *e == (0, 0) {
            self.traps.breakpoints.remove(&addr);
            self.tl.remove_breakpoint(addr);
        }
        true
    }
}

impl Breakpoints for RttTarget {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for RttTarget {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.insert_breakpoint(addr, false))
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.drop_breakpoint(addr, false))
    }
}

/// `hbreak` works like `break`: rtt's breakpoints never show in memory either way.
impl HwBreakpoint for RttTarget {
    fn add_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.insert_breakpoint(addr, true))
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        Ok(self.drop_breakpoint(addr, true))
    }
}

impl HwWatchpoint for RttTarget {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let key = watch_key(addr, len, kind);
        let kinds = self.traps.watches.entry(key).or_default();
        if kinds.is_empty() {
            if let Err(e) = self.tl.add_watchpoint(key) {
                eprintln!("rtt: {e}");
                self.traps.watches.remove(&key);
                return Ok(false);
            }
        }
        self.traps.watches.entry(key).or_default().push(kind);
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let key = watch_key(addr, len, kind);
        let Some(kinds) = self.traps.watches.get_mut(&key) else {
            return Ok(false);
        };
        let Some(i) = kinds.iter().position(|k| *k == kind) else {
            return Ok(false);
        };
        kinds.remove(i);
        if kinds.is_empty() {
            self.traps.watches.remove(&key);
            self.tl.remove_watchpoint(key);
        }
        Ok(true)
    }
}

impl CatchSyscalls for RttTarget {
    fn enable_catch_syscalls(
        &mut self,
        filter: Option<SyscallNumbers<'_, u64>>,
    ) -> TargetResult<(), Self> {
        let set = filter
            .map(|f| f.map(|n| n as i64).collect())
            .unwrap_or_default();
        self.tl.set_catch(Catch {
            syscalls: Some(set),
            ..Catch::default()
        });
        Ok(())
    }

    fn disable_catch_syscalls(&mut self) -> TargetResult<(), Self> {
        self.tl.set_catch(Catch::default());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_kinds_follow_what_gdb_asked_for() {
        let mut t = Traps::default();
        let w = watch_key(0x1000, 4, WatchKind::Write);
        let r = watch_key(0x1000, 4, WatchKind::Read);
        assert_eq!(t.watch_kind(&w), WatchKind::Write);
        t.watches.insert(r, vec![WatchKind::Read]);
        assert_eq!(t.watch_kind(&r), WatchKind::Read);
        t.watches.get_mut(&r).unwrap().push(WatchKind::ReadWrite);
        assert_eq!(t.watch_kind(&r), WatchKind::ReadWrite);
        t.breakpoints.insert(0x10, (0, 1));
        t.breakpoints.insert(0x20, (1, 1));
        assert!(t.is_hw_breakpoint(0x10) && !t.is_hw_breakpoint(0x20));
        assert!(t.has_breakpoint(0x20) && !t.has_breakpoint(0x30));
    }
}
