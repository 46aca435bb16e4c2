//! Source-level execution both ways: step, next, finish and their reverse forms, built on
//! the timeline's instruction steps and breakpoints, as gdb builds them.

use super::session::Session;
use rtt_replay::timeline::StopReason;
use rtt_replay::Result;

/// Instructions stepped at most by one source-level step.
const MAX_STEPS: u32 = 200_000;

impl Session {
    fn function_of(&self, pc: u64) -> Option<u64> {
        self.syms.function_range(pc).map(|r| r.0)
    }

    fn line_of(&self, pc: u64) -> Option<u32> {
        self.syms.place(pc).line
    }

    fn read_u64(&mut self, addr: u64) -> Option<u64> {
        let b = self.tl.read_memory(addr, 8).ok()?;
        Some(u64::from_le_bytes(b.try_into().ok()?))
    }

    /// The canonical frame address of the innermost frame: the stack pointer its caller
    /// has once it returns.
    fn cfa(&mut self) -> Option<u64> {
        self.frames().get(1).and_then(super::unwind::sp)
    }

    /// Runs forwards until `addr` is reached with a stack pointer `at_sp` accepts (a
    /// recursive call's return does not count); any other stop ends the run.
    pub(super) fn run_to(&mut self, addr: u64, at_sp: impl Fn(u64) -> bool) -> Result<StopReason> {
        self.run_to_with(addr, at_sp, false)
    }

    /// The same, backwards.
    fn back_to(&mut self, addr: u64, at_sp: impl Fn(u64) -> bool) -> Result<StopReason> {
        self.run_to_with(addr, at_sp, true)
    }

    fn run_to_with(
        &mut self,
        addr: u64,
        at_sp: impl Fn(u64) -> bool,
        backwards: bool,
    ) -> Result<StopReason> {
        let user = self.tl_breakpoints().contains(&addr);
        if !user {
            self.tl.add_breakpoint(addr);
        }
        let r = loop {
            let r = if backwards {
                self.tl.reverse_cont()
            } else {
                self.tl.cont()
            };
            match r {
                Ok(StopReason::Breakpoint { addr: a }) if a == addr => match self.tl.regs() {
                    Ok(regs) if at_sp(regs.rsp()) => break Ok(StopReason::Step),
                    Ok(_) => continue,
                    Err(e) => break Err(e),
                },
                other => break other,
            }
        };
        if !user {
            self.tl.remove_breakpoint(addr);
        }
        r
    }

    /// `until` without a location: `next`, but not back round a loop.
    pub(super) fn until_next(&mut self) -> Result<StopReason> {
        let pc0 = self.tl.regs()?.rip();
        let f0 = self.function_of(pc0);
        loop {
            let r = self.step_line(true)?;
            if r != StopReason::Step {
                return Ok(r);
            }
            let pc = self.tl.regs()?.rip();
            if self.function_of(pc) == f0 && pc <= pc0 {
                continue;
            }
            return Ok(StopReason::Step);
        }
    }

    /// `until LOCATION` (`in_frame`: in this frame or an outer one) and `advance`: runs
    /// to one of `addrs`, or until the current frame returns.
    pub(super) fn run_to_any(&mut self, addrs: &[u64], in_frame: bool) -> Result<StopReason> {
        let sp0 = self.tl.regs()?.rsp();
        let caller = self.frames().get(1).copied();
        let ret = caller.and_then(|c| Some((super::unwind::pc(&c)?, super::unwind::sp(&c)?)));
        let user = self.tl_breakpoints();
        let mut internal: Vec<u64> = addrs.to_vec();
        internal.extend(ret.map(|r| r.0));
        internal.retain(|a| !user.contains(a));
        internal.sort_unstable();
        internal.dedup();
        for &a in &internal {
            self.tl.add_breakpoint(a);
        }
        let r = loop {
            let r = match self.tl.cont() {
                Ok(r) => r,
                Err(e) => break Err(e),
            };
            let StopReason::Breakpoint { addr } = r else {
                break Ok(r);
            };
            let sp = match self.tl.regs() {
                Ok(regs) => regs.rsp(),
                Err(e) => break Err(e),
            };
            if addrs.contains(&addr) && (!in_frame || sp >= sp0) {
                break Ok(StopReason::Step);
            }
            if ret.is_some_and(|(pc, rsp)| pc == addr && rsp == sp) {
                break Ok(StopReason::Step);
            }
            if internal.contains(&addr) {
                continue;
            }
            break Ok(r);
        };
        for &a in &internal {
            self.tl.remove_breakpoint(a);
        }
        r
    }

    /// `finish`: runs until the selected frame returns to its caller.
    pub(super) fn finish(&mut self) -> Result<StopReason> {
        let frames = self.frames();
        let caller = frames.get(self.selected + 1).copied().ok_or_else(|| {
            rtt_replay::Error::Refused("\"finish\" not meaningful in the outermost frame".into())
        })?;
        let (Some(ret), Some(sp)) = (super::unwind::pc(&caller), super::unwind::sp(&caller)) else {
            return Err(rtt_replay::Error::Refused("cannot find the caller".into()));
        };
        self.run_to(ret, |s| s == sp)
    }

    /// `reverse-finish`: goes back to the call of the current function (the caller's
    /// call instruction).
    pub(super) fn reverse_finish(&mut self) -> Result<StopReason> {
        let pc = self.tl.regs()?.rip();
        let (Some(start), Some(cfa)) = (self.function_of(pc), self.cfa()) else {
            return Err(rtt_replay::Error::Refused(
                "cannot find the current function's caller".into(),
            ));
        };
        // At its first instruction the function's stack holds just the return address.
        let entry_sp = cfa - 8;
        if pc != start {
            let r = self.back_to(start, |s| s == entry_sp)?;
            if r != StopReason::Step {
                return Ok(r);
            }
        }
        self.tl.reverse_stepi()
    }

    /// `step` (into calls with line information) or `next` (over calls).
    pub(super) fn step_line(&mut self, over: bool) -> Result<StopReason> {
        let regs = self.tl.regs()?;
        let pc0 = regs.rip();
        let Some(line0) = self.line_of(pc0) else {
            // No line information here: run until this function returns, as gdb does.
            return self.finish();
        };
        let (mut pc0, mut line0) = (pc0, line0);
        let mut f0 = self.function_of(pc0);
        let mut cfa0 = self.cfa().unwrap_or(regs.rsp());
        for _ in 0..MAX_STEPS {
            let r = self.tl.stepi()?;
            if r != StopReason::Step {
                return Ok(r);
            }
            let regs = self.tl.regs()?;
            let (pc, sp) = (regs.rip(), regs.rsp());
            let f = self.function_of(pc);
            if f != f0 && sp >= cfa0 {
                // Returned to the caller, in the middle of the line that called: go on
                // to the start of its next line, as gdb does.
                let Some(line) = self.line_of(pc) else {
                    return Ok(StopReason::Step);
                };
                (pc0, line0, f0) = (pc, line, f);
                cfa0 = self.cfa().unwrap_or(sp);
                continue;
            }
            if f != f0 && sp < cfa0 {
                // Called a function.
                let has_lines = self.line_of(pc).is_some();
                if over || !has_lines {
                    let Some(ret) = self.read_u64(sp) else {
                        return Ok(StopReason::Step);
                    };
                    let r = self.run_to(ret, |s| s == sp + 8)?;
                    if r != StopReason::Step {
                        return Ok(r);
                    }
                    let pc = self.tl.regs()?.rip();
                    if self.syms.is_line_start(pc) && self.line_of(pc) != Some(line0) {
                        return Ok(StopReason::Step);
                    }
                    continue;
                }
                let start = f.unwrap_or(pc);
                let body = self.syms.after_prologue(start);
                if pc != body {
                    let r = self.run_to(body, |s| s < cfa0)?;
                    if r != StopReason::Step {
                        return Ok(r);
                    }
                }
                return Ok(StopReason::Step);
            }
            if self.syms.is_line_start(pc) {
                let line = self.line_of(pc);
                if line.is_some() && (line != Some(line0) || pc < pc0) {
                    return Ok(StopReason::Step);
                }
            }
        }
        Ok(StopReason::Step)
    }

    /// `reverse-step` / `reverse-next`: back to the start of the current line when in the
    /// middle of it, else to the start of the previous one.
    pub(super) fn reverse_step_line(&mut self, over: bool) -> Result<StopReason> {
        let regs = self.tl.regs()?;
        let pc0 = regs.rip();
        if self.line_of(pc0).is_none() {
            return self.reverse_finish();
        }
        let f0 = self.function_of(pc0);
        let cfa0 = self.cfa().unwrap_or(regs.rsp());
        // Its prologue belongs to no line the user wrote: going back into it is leaving.
        let body = f0.map(|f| self.syms.after_prologue(f));
        let in_body = body.is_some_and(|b| pc0 >= b);
        for _ in 0..MAX_STEPS {
            let r = self.tl.reverse_stepi()?;
            if r != StopReason::Step {
                return Ok(r);
            }
            let regs = self.tl.regs()?;
            let (pc, sp) = (regs.rip(), regs.rsp());
            let f = self.function_of(pc);
            if f != f0 && sp >= cfa0 {
                // Back before this function was entered, at the caller's call: on to the
                // start of the caller's line.
                return self.back_to_line_start();
            }
            if f == f0 && in_body && body.is_some_and(|b| pc < b) {
                continue;
            }
            if f != f0 && sp < cfa0 {
                // Back into a function this line called, at its return.
                let has_lines = self.line_of(pc).is_some();
                if over || !has_lines {
                    let Some(start) = f else {
                        return Ok(StopReason::Step);
                    };
                    // Its stack at entry held just the return address, as at its ret.
                    let r = self.back_to(start, |s| s == sp)?;
                    if r != StopReason::Step {
                        return Ok(r);
                    }
                    let r = self.tl.reverse_stepi()?;
                    if r != StopReason::Step {
                        return Ok(r);
                    }
                    continue;
                }
                // reverse-step into it: to the start of its last line.
                return self.back_to_line_start();
            }
            if self.syms.is_line_start(pc) && self.line_of(pc).is_some() {
                return Ok(StopReason::Step);
            }
        }
        Ok(StopReason::Step)
    }

    /// Back to the first instruction of the current line's code here.
    fn back_to_line_start(&mut self) -> Result<StopReason> {
        for _ in 0..MAX_STEPS {
            let pc = self.tl.regs()?.rip();
            if self.syms.is_line_start(pc) {
                return Ok(StopReason::Step);
            }
            let r = self.tl.reverse_stepi()?;
            if r != StopReason::Step {
                return Ok(r);
            }
        }
        Ok(StopReason::Step)
    }
}
