//! wait4 and waitid of a tracer: the stops of its emulated tracees, and the ends of those
//! that are not its children, are reported by rtt; its children's ends by the kernel.

use super::{ended, Recorder, State};
use crate::error::Result;
use crate::remote::RemoteAddr;
use crate::sys::{self, SIGINFO_SIZE};
use crate::trace::{Event, MemWrite};

const WNOHANG: u64 = 1;
const WSTOPPED: u64 = 2;
const WEXITED: u64 = 4;
const WCONTINUED: u64 = 8;
const WNOWAIT: u64 = 0x0100_0000;
/// The kernel's "restart the syscall unless a handler without SA_RESTART runs".
const ERESTARTSYS: i64 = -512;
const P_ALL: u64 = 0;
const P_PID: u64 = 1;
const P_PGID: u64 = 2;
const RUSAGE_SIZE: usize = 144;

/// What rtt does with a tracer's wait.
pub(in crate::record) enum Outcome {
    /// Completed here: the result and what it wrote into the tracer.
    Done(i64, Vec<MemWrite>),
    /// Nothing to report yet: held until a tracee stops or ends.
    Hold,
    /// Run by the kernel (a child's end, or nothing rtt emulates).
    Kernel,
}

/// A wait held for an emulated stop.
#[derive(Debug, Clone)]
pub(in crate::record) struct Waiter {
    nr: i64,
    args: [u64; 6],
}

/// Which children a wait asks about.
#[derive(Debug, Clone, Copy)]
enum Which {
    Any,
    Pid(i32),
    Group(i32),
}

/// What a wait found to report.
enum Found {
    Stop(i32),
    Exit(usize),
}

impl Recorder {
    /// The emulated part of wait4/waitid by `tid`; None when it has nothing to do with
    /// emulated tracing.
    ///
    /// Without `commit`, only says what it would do: nothing is reported or written (a
    /// `Done` is then a placeholder).
    pub(in crate::record) fn nested_wait(
        &mut self,
        tid: i32,
        nr: i64,
        args: &[u64; 6],
        commit: bool,
    ) -> Result<Option<Outcome>> {
        if self.nested.traced.is_empty() && self.nested.exits.is_empty() {
            return Ok(None);
        }
        let Some(tgid) = crate::procmaps::tgid_of(tid) else {
            return Ok(None);
        };
        let tracing = self.nested.traced.values().any(|t| t.tracer_tgid == tgid)
            || self.nested.exits.iter().any(|e| e.tracer_tgid == tgid);
        if !tracing {
            return Ok(None);
        }
        let (which, options) = match nr {
            libc::SYS_wait4 => {
                let pid = args[0] as i32;
                let which = match pid {
                    -1 => Which::Any,
                    0 => Which::Group(crate::procmaps::pgid_of(tid).unwrap_or(0)),
                    p if p < 0 => Which::Group(-p),
                    p => Which::Pid(p),
                };
                (which, args[2])
            }
            _ => {
                let which = match args[0] {
                    P_ALL => Which::Any,
                    P_PID => Which::Pid(args[1] as i32),
                    P_PGID if args[1] == 0 => {
                        Which::Group(crate::procmaps::pgid_of(tid).unwrap_or(0))
                    }
                    P_PGID => Which::Group(args[1] as i32),
                    _ => return Ok(Some(Outcome::Kernel)),
                };
                // Which changes waitid asks about (the kernel refuses none of them).
                if args[3] & (WEXITED | WSTOPPED | WCONTINUED) == 0 {
                    return Ok(Some(Outcome::Kernel));
                }
                (which, args[3])
            }
        };
        let exits_too = nr == libc::SYS_wait4 || options & WEXITED != 0;
        let matches = |t: i32| match which {
            Which::Any => true,
            Which::Pid(p) => p == t,
            Which::Group(g) => crate::procmaps::pgid_of(t) == Some(g),
        };
        let mut found: Option<(u64, Found)> = None;
        for (&t, tr) in &self.nested.traced {
            if tr.tracer_tgid != tgid || !matches(t) {
                continue;
            }
            if let Some(h) = tr.stop.as_ref().filter(|h| !h.reported) {
                if found.as_ref().is_none_or(|(s, _)| h.seq < *s) {
                    found = Some((h.seq, Found::Stop(t)));
                }
            }
        }
        for (i, e) in self.nested.exits.iter().enumerate() {
            if exits_too
                && e.tracer_tgid == tgid
                && matches(e.tid)
                && found.as_ref().is_none_or(|(s, _)| e.seq < *s)
            {
                found = Some((e.seq, Found::Exit(i)));
            }
        }
        let peek = nr == libc::SYS_waitid && options & WNOWAIT != 0;
        if found.is_some() && !commit {
            return Ok(Some(Outcome::Done(0, Vec::new())));
        }
        if let Some((_, f)) = found {
            let (pid, status, code, si_status) = match f {
                Found::Stop(t) => {
                    let h = self
                        .nested
                        .traced
                        .get_mut(&t)
                        .and_then(|tr| tr.stop.as_mut());
                    let Some(h) = h else {
                        return Ok(Some(Outcome::Kernel));
                    };
                    h.reported |= !peek;
                    (t, h.status, super::CLD_TRAPPED, h.status >> 8)
                }
                Found::Exit(i) => {
                    let e = if peek {
                        self.nested.exits[i].clone()
                    } else {
                        self.nested.exits.remove(i)
                    };
                    let (code, st) = super::child_code(e.status);
                    (e.tid, ended(e.status), code, st)
                }
            };
            let done = if nr == libc::SYS_wait4 {
                self.wait4_result(tid, args, pid, status)
            } else {
                self.waitid_result(tid, args, pid, code, si_status)
            };
            return Ok(Some(done));
        }
        // A child that has ended is the kernel's to report.
        let zombie = crate::procmaps::children_of(tgid)
            .into_iter()
            .any(|c| matches(c) && crate::procmaps::is_dead(c));
        let tracees = self
            .nested
            .traced
            .iter()
            .any(|(&t, tr)| tr.tracer_tgid == tgid && matches(t));
        if zombie || !tracees {
            return Ok(Some(Outcome::Kernel));
        }
        if options & WNOHANG != 0 {
            return Ok(Some(if nr == libc::SYS_wait4 || !commit {
                Outcome::Done(0, Vec::new())
            } else {
                self.waitid_result(tid, args, 0, 0, 0)
            }));
        }
        Ok(Some(Outcome::Hold))
    }

    fn wait4_result(&mut self, tid: i32, args: &[u64; 6], pid: i32, status: i32) -> Outcome {
        let mut writes = Vec::new();
        let mut ok = true;
        if args[1] != 0 {
            ok &= self.write_tracer(tid, args[1], &status.to_le_bytes(), &mut writes);
        }
        if args[3] != 0 {
            ok &= self.write_tracer(tid, args[3], &[0u8; RUSAGE_SIZE], &mut writes);
        }
        if ok {
            Outcome::Done(pid as i64, writes)
        } else {
            Outcome::Done(-(libc::EFAULT as i64), writes)
        }
    }

    fn waitid_result(
        &mut self,
        tid: i32,
        args: &[u64; 6],
        pid: i32,
        code: i32,
        status: i32,
    ) -> Outcome {
        let mut writes = Vec::new();
        let mut ok = true;
        if args[2] != 0 {
            let mut info = if pid == 0 {
                [0u8; SIGINFO_SIZE]
            } else {
                super::siginfo(libc::SIGCHLD, code, pid)
            };
            info[24..28].copy_from_slice(&status.to_le_bytes());
            ok &= self.write_tracer(tid, args[2], &info[..32], &mut writes);
        }
        if args[4] != 0 {
            ok &= self.write_tracer(tid, args[4], &[0u8; RUSAGE_SIZE], &mut writes);
        }
        Outcome::Done(if ok { 0 } else { -(libc::EFAULT as i64) }, writes)
    }

    /// Writes `data` into the memory of tracer thread `tid` at `addr`, noting it in
    /// `writes`. False when the address is bad.
    pub(in crate::record) fn write_tracer(
        &mut self,
        tid: i32,
        addr: u64,
        data: &[u8],
        writes: &mut Vec<MemWrite>,
    ) -> bool {
        let Some(t) = self.tasks.get(&tid) else {
            return false;
        };
        if t.mem.write(RemoteAddr(addr), data).is_err() {
            return false;
        }
        writes.push(MemWrite {
            addr,
            data: data.to_vec(),
        });
        true
    }

    /// Makes tracer thread `tid` wait, in the kernel, for an emulated stop or end: its
    /// wait is run as `pause`, which a signal ends as it would end the wait, and which
    /// rtt ends (PTRACE_INTERRUPT) when there is something to report. The wait's result
    /// is given at the exit (`finish_wait`).
    pub(in crate::record) fn hold_waiter(
        &mut self,
        tid: i32,
        nr: i64,
        args: [u64; 6],
    ) -> Result<()> {
        self.nested.waiting.insert(tid, Waiter { nr, args });
        let mut regs = sys::getregs(tid)?;
        regs.set_orig_rax(libc::SYS_pause as u64);
        sys::setregs(tid, &regs)?;
        self.resume_in_kernel(tid)?;
        self.task_mut(tid)?.state = State::Waiting;
        Ok(())
    }

    /// Interrupts the waits that now have something to report: those rtt holds, and
    /// real waits of the kernel's that began before their process traced anything (the
    /// kernel restarts them, and rtt answers then).
    pub(super) fn wake_waiters(&mut self) -> Result<()> {
        let n = &self.nested;
        if n.traced.is_empty() && n.exits.is_empty() && n.waiting.is_empty() {
            // Nothing emulated: every task's end goes through here.
            return Ok(());
        }
        let mut tids: Vec<i32> = self.nested.waiting.keys().copied().collect();
        tids.extend(self.tasks.iter().filter_map(|(&t, task)| {
            let waits = task
                .entry
                .as_ref()
                .is_some_and(|e| matches!(e.nr, libc::SYS_wait4 | libc::SYS_waitid));
            (task.state == State::InSyscall && waits).then_some(t)
        }));
        tids.sort_unstable();
        tids.dedup();
        for tid in tids {
            if self.nested.interrupted.contains(&tid) {
                continue;
            }
            let (nr, args) = match self.nested.waiting.get(&tid) {
                Some(w) => (w.nr, w.args),
                None => match self.tasks.get(&tid).and_then(|t| t.entry.as_ref()) {
                    Some(e) => (e.nr, e.args),
                    None => continue,
                },
            };
            let held = self.nested.waiting.contains_key(&tid);
            match self.nested_wait(tid, nr, &args, false)? {
                Some(Outcome::Done(..)) => {}
                Some(Outcome::Kernel) | None if held => {}
                _ => continue,
            }
            self.nested.interrupted.insert(tid);
            // Gone already: its end is on its way.
            let _ = sys::interrupt(tid);
        }
        Ok(())
    }

    /// `tid` stopped at a syscall's exit: an interrupt of rtt's that ended the syscall is
    /// answered by this stop (the kernel makes no trap stop of it after one).
    pub(in crate::record) fn interrupt_answered(&mut self, tid: i32) {
        self.nested.interrupted.remove(&tid);
    }

    /// At the exit of the `pause` that a waiting tracer thread `tid` ran instead of its
    /// wait: the wait's result if there is one now, else ERESTARTSYS (a signal ended it:
    /// the kernel restarts the wait or fails it with EINTR, as for the real wait). False
    /// when `tid` was not waiting.
    pub(in crate::record) fn finish_wait(&mut self, tid: i32) -> Result<bool> {
        let Some(w) = self.nested.waiting.remove(&tid) else {
            return Ok(false);
        };
        let (ret, writes) = match self.nested_wait(tid, w.nr, &w.args, true)? {
            Some(Outcome::Done(ret, writes)) => (ret, writes),
            _ => (ERESTARTSYS, Vec::new()),
        };
        self.end_syscall(tid, w.nr, ret, writes, false)?;
        Ok(true)
    }

    /// Ends the syscall `tid` is stopped at the entry of without running it: it returns
    /// `ret`, having written `writes`.
    pub(in crate::record) fn complete_skipped(
        &mut self,
        tid: i32,
        nr: i64,
        ret: i64,
        writes: Vec<MemWrite>,
    ) -> Result<()> {
        self.end_syscall(tid, nr, ret, writes, true)
    }

    /// Gives `tid`'s syscall `nr` its result `ret` (and records it with `writes`): at its
    /// entry, skipped; else at its exit, where the kernel ran something in its place.
    fn end_syscall(
        &mut self,
        tid: i32,
        nr: i64,
        ret: i64,
        writes: Vec<MemWrite>,
        at_entry: bool,
    ) -> Result<()> {
        self.task_mut(tid)?.entry = None;
        let mut regs = sys::getregs(tid)?;
        regs.set_orig_rax(if at_entry { u64::MAX } else { nr as u64 });
        regs.set_rax(ret as u64);
        sys::setregs(tid, &regs)?;
        self.w.append(&Event::SyscallExit {
            tid,
            ret,
            writes,
            mapped: None,
            echo: None,
        })?;
        self.syscall_done(tid, nr, ret, !at_entry)
    }
}
