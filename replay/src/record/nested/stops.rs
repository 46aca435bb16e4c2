//! Where a traced thread stops for its emulated tracer: the recorder's hooks at syscall
//! entries and exits, signal deliveries, new threads, and ends.

use super::{child_code, siginfo, ExitReport, Expect, Recorder, State, Traced};
use super::{
    After, Mode, INTERRUPT_CODE, SI_USER, SYSCALL_ENTRY_MSG, SYSCALL_EXIT_MSG, TRAP_BRKPT,
};
use crate::error::Result;
use crate::sys::{self, SIGINFO_SIZE};
use crate::trace::NestedStopKind;
use crate::wait::ExitStatus;

impl Recorder {
    /// At a seccomp stop of `tid`: holds it in a syscall-entry stop if its tracer asked
    /// for one. True when held.
    pub(in crate::record) fn nested_entry_stop(&mut self, tid: i32) -> Result<bool> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(false);
        };
        if tr.entry_seen {
            tr.entry_seen = false;
            return Ok(false);
        }
        if tr.mode == Mode::Cont {
            return Ok(false);
        }
        tr.entry_seen = true;
        tr.after = After::Entry;
        tr.skip_entry = tr.mode == Mode::Sysemu;
        let kind = if tr.skip_entry {
            NestedStopKind::SysemuEntry
        } else {
            NestedStopKind::SyscallEntry
        };
        let code = tr.syscall_code();
        self.hold_trap(tid, kind, code, SYSCALL_ENTRY_MSG)?;
        Ok(true)
    }

    /// At the entry of exit or exit_group by `tid`, after any syscall-entry stop: holds it
    /// in the exit event its tracer asked for (PTRACE_O_TRACEEXIT). True when held.
    pub(in crate::record) fn nested_exit_event(
        &mut self,
        tid: i32,
        nr: i64,
        status: u64,
    ) -> Result<bool> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(false);
        };
        let wanted = tr.options & libc::PTRACE_O_TRACEEXIT as u64 != 0;
        if !wanted || tr.exit_event_done || !matches!(nr, libc::SYS_exit | libc::SYS_exit_group) {
            return Ok(false);
        }
        tr.exit_event_done = true;
        tr.after = After::Entry;
        // Past its entry stop, if it had one.
        tr.entry_seen = true;
        let code = libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8);
        self.hold_trap(tid, NestedStopKind::EntryEvent, code, (status & 0xff) << 8)?;
        Ok(true)
    }

    /// A syscall of `tid` is done (its exit recorded; `in_kernel`: the kernel ran it):
    /// holds it for its tracer in the stops that follow (VFORK_DONE, the syscall exit,
    /// the SIGTRAP after an exec, the trap of a single-step over the syscall), or lets it
    /// run on.
    pub(in crate::record) fn syscall_done(
        &mut self,
        tid: i32,
        nr: i64,
        ret: i64,
        in_kernel: bool,
    ) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            self.make_ready(tid);
            return Ok(());
        };
        let mut stops: Vec<(NestedStopKind, i32, u64)> = Vec::new();
        if let Some(child) = tr.vfork_done.take() {
            // The parent resumes once the child has exec'd or ended: so it has here.
            let code = libc::SIGTRAP | (libc::PTRACE_EVENT_VFORK_DONE << 8);
            stops.push((NestedStopKind::Event, code, child as u64));
        }
        if std::mem::take(&mut tr.exit_due) {
            let code = tr.syscall_code();
            stops.push((NestedStopKind::SyscallExit, code, SYSCALL_EXIT_MSG));
        }
        let exec = (nr == libc::SYS_execve || nr == libc::SYS_execveat) && ret == 0;
        let trace_exec = tr.options & libc::PTRACE_O_TRACEEXEC as u64 != 0;
        if exec && !trace_exec && !tr.seized {
            // The SIGTRAP the kernel sends a traced thread that execs.
            stops.push((NestedStopKind::Signal, libc::SIGTRAP, SI_USER as u64));
        }
        if tr.expect == Some(Expect::Interrupt) && stops.is_empty() {
            // rtt's PTRACE_INTERRUPT ended the syscall: the tracer's interrupt stop.
            tr.expect = None;
            stops.push((NestedStopKind::Event, INTERRUPT_CODE, 0));
        }
        let stepped = self.tasks.get(&tid).is_some_and(|t| t.step);
        if in_kernel && stepped {
            // Single-stepped onto the syscall: rtt ran it with PTRACE_SYSCALL, which ends
            // the step; the kernel's trap comes right after the syscall.
            stops.push((NestedStopKind::Signal, libc::SIGTRAP, TRAP_BRKPT as u64));
        }
        if stops.is_empty() {
            self.make_ready(tid);
            return Ok(());
        }
        for (kind, code, msg) in stops {
            if kind == NestedStopKind::Signal {
                self.hold_made_up(tid, code, siginfo(code, msg as i32, 0))?;
            } else {
                self.hold_trap(tid, kind, code, msg)?;
            }
        }
        Ok(())
    }

    /// At rtt's fork, vfork or clone event stop of traced `parent`, which created
    /// `child`: the event its tracer asked for is reported there, the parent held inside
    /// the syscall. True when held.
    pub(in crate::record) fn nested_fork_event(
        &mut self,
        parent: i32,
        child: i32,
        ev: i32,
    ) -> Result<bool> {
        let Some(tr) = self.nested.traced.get_mut(&parent) else {
            return Ok(false);
        };
        if tr.options & event_option(ev) == 0 {
            return Ok(false);
        }
        if ev == libc::PTRACE_EVENT_VFORK && tr.options & libc::PTRACE_O_TRACEVFORKDONE as u64 != 0
        {
            tr.vfork_done = Some(child);
        }
        tr.after = After::Kernel;
        let code = libc::SIGTRAP | (ev << 8);
        self.hold_trap(parent, NestedStopKind::Event, code, child as u64)?;
        Ok(true)
    }

    /// At rtt's exec event stop of traced `tid`: the exec event its tracer asked for
    /// (PTRACE_O_TRACEEXEC), the thread held inside execve. True when held.
    pub(in crate::record) fn nested_exec_event(&mut self, tid: i32) -> Result<bool> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(false);
        };
        if tr.options & libc::PTRACE_O_TRACEEXEC as u64 == 0 {
            return Ok(false);
        }
        tr.after = After::Kernel;
        let code = libc::SIGTRAP | (libc::PTRACE_EVENT_EXEC << 8);
        self.hold_trap(tid, NestedStopKind::Event, code, tid as u64)?;
        Ok(true)
    }

    /// A signal-delivery stop of `tid` (its Signal event recorded): holds it for its
    /// tracer, which decides what is delivered. True when held.
    pub(in crate::record) fn nested_signal_stop(
        &mut self,
        tid: i32,
        sig: i32,
        info: &[u8; SIGINFO_SIZE],
    ) -> Result<bool> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(false);
        };
        if tr.pass_signal == sig {
            tr.pass_signal = 0;
            return Ok(false);
        }
        if sig == libc::SIGSTOP && tr.expect == Some(Expect::Attach) {
            // The SIGSTOP of an attach, as sent by the tracer.
            tr.expect = None;
            let info = siginfo(sig, SI_USER, tr.tracer_tgid);
            self.hold(tid, NestedStopKind::Signal, sig, info, 0)?;
            return Ok(true);
        }
        self.hold(tid, NestedStopKind::Signal, sig, *info, 0)?;
        Ok(true)
    }

    /// A fork, vfork or clone event of `parent`, which created `child`: a traced parent
    /// reports it, and the child is traced too when the tracer asked for that.
    pub(in crate::record) fn nested_new_task(
        &mut self,
        parent: i32,
        child: i32,
        ev: i32,
        flags: u64,
    ) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&parent) else {
            return Ok(());
        };
        let option = event_option(ev);
        // CLONE_PTRACE traces the child whatever the options; CLONE_UNTRACED never.
        let follow = (tr.options & option != 0 || flags & libc::CLONE_PTRACE as u64 != 0)
            && flags & libc::CLONE_UNTRACED as u64 == 0;
        if !follow {
            return Ok(());
        }
        let thread = flags & libc::CLONE_THREAD as u64 != 0;
        let parent = if thread {
            0
        } else {
            crate::procmaps::tgid_of(parent).unwrap_or(parent)
        };
        let mut t = Traced::new(tr.tracer, tr.tracer_tgid, tr.options, tr.seized, parent);
        t.birth_stop = true;
        self.nested.traced.insert(child, t);
        if self.tasks.get(&child).map(|t| t.state) == Some(State::Ready) {
            self.nested_born(child)?;
        }
        Ok(())
    }

    /// The first stop of a thread: one its tracer follows starts in a stop of its own.
    pub(in crate::record) fn nested_born(&mut self, tid: i32) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            return Ok(());
        };
        // Only a child its tracer follows from its creation (not one attached to since).
        if !std::mem::take(&mut tr.birth_stop) {
            return Ok(());
        }
        if tr.seized {
            self.hold_trap(tid, NestedStopKind::Event, INTERRUPT_CODE, 0)
        } else {
            let info = siginfo(libc::SIGSTOP, SI_USER, 0);
            self.hold_made_up(tid, libc::SIGSTOP, info)
        }
    }

    /// `tid` ended: its tracer learns of it, and the threads it traced are let go (or
    /// killed, with PTRACE_O_EXITKILL).
    pub(in crate::record) fn nested_exited(&mut self, tid: i32, status: ExitStatus) -> Result<()> {
        self.nested.interrupted.remove(&tid);
        self.nested.waiting.remove(&tid);
        if let Some(tr) = self.nested.traced.remove(&tid) {
            // A parent learns of its child's end from the kernel; another tracer from rtt.
            if tr.parent != tr.tracer_tgid {
                let seq = self.nested.next_seq();
                self.nested.exits.push(ExitReport {
                    tid,
                    tracer_tgid: tr.tracer_tgid,
                    status,
                    seq,
                });
                let (code, st) = child_code(status);
                self.notify_tracer(tr.tracer_tgid, tid, code, st)?;
            }
        }
        let tracees: Vec<i32> = self
            .nested
            .traced
            .iter()
            .filter(|(_, t)| t.tracer == tid)
            .map(|(&t, _)| t)
            .collect();
        for tracee in tracees {
            let exitkill =
                self.nested.traced[&tracee].options & libc::PTRACE_O_EXITKILL as u64 != 0;
            if exitkill {
                sys::kill_hard(tracee);
                self.nested.traced.remove(&tracee);
            } else {
                self.detach(tracee, 0)?;
            }
        }
        self.wake_waiters()
    }
}

/// The option that makes a tracer follow event `ev` (fork, vfork or clone).
fn event_option(ev: i32) -> u64 {
    (match ev {
        libc::PTRACE_EVENT_FORK => libc::PTRACE_O_TRACEFORK,
        libc::PTRACE_EVENT_VFORK => libc::PTRACE_O_TRACEVFORK,
        _ => libc::PTRACE_O_TRACECLONE,
    }) as u64
}
