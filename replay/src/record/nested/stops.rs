//! Where a traced thread stops for its emulated tracer: the recorder's hooks at syscall
//! entries and exits, signal deliveries, new threads, and ends.

use super::{
    siginfo, ExitReport, Expect, Recorder, State, Traced, CLD_DUMPED, CLD_EXITED, CLD_KILLED,
};
use super::{Mode, PTRACE_EVENT_STOP, SI_USER};
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
        tr.after_entry = true;
        tr.skip_entry = tr.mode == Mode::Sysemu;
        let kind = if tr.skip_entry {
            NestedStopKind::SysemuEntry
        } else {
            NestedStopKind::SyscallEntry
        };
        let code = if tr.sysgood() {
            libc::SIGTRAP | 0x80
        } else {
            libc::SIGTRAP
        };
        self.hold(tid, kind, code, siginfo(libc::SIGTRAP, code, 0), 0)?;
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
        tr.after_entry = true;
        // Past its entry stop, if it had one.
        tr.entry_seen = true;
        let code = libc::SIGTRAP | (libc::PTRACE_EVENT_EXIT << 8);
        let info = siginfo(libc::SIGTRAP, code, 0);
        self.hold(tid, NestedStopKind::Event, code, info, (status & 0xff) << 8)?;
        Ok(true)
    }

    /// A syscall of `tid` is done (its exit recorded): holds it for its tracer in the
    /// stops the syscall makes (a fork or exec event, the syscall exit, the SIGTRAP after
    /// an exec), or lets it run on.
    pub(in crate::record) fn syscall_done(&mut self, tid: i32, nr: i64, ret: i64) -> Result<()> {
        let Some(tr) = self.nested.traced.get_mut(&tid) else {
            self.make_ready(tid);
            return Ok(());
        };
        let mut stops: Vec<(NestedStopKind, i32, u64)> = Vec::new();
        if let Some((ev, child)) = tr.fork_event.take() {
            let code = libc::SIGTRAP | (ev << 8);
            stops.push((NestedStopKind::Event, code, child as u64));
            let done = tr.options & libc::PTRACE_O_TRACEVFORKDONE as u64 != 0;
            if ev == libc::PTRACE_EVENT_VFORK && done {
                // The parent resumes once the child has exec'd or ended: so it has here.
                let code = libc::SIGTRAP | (libc::PTRACE_EVENT_VFORK_DONE << 8);
                stops.push((NestedStopKind::Event, code, child as u64));
            }
        }
        let exec = (nr == libc::SYS_execve || nr == libc::SYS_execveat) && ret == 0;
        let trace_exec = tr.options & libc::PTRACE_O_TRACEEXEC as u64 != 0;
        if exec && trace_exec {
            let code = libc::SIGTRAP | (libc::PTRACE_EVENT_EXEC << 8);
            stops.push((NestedStopKind::Event, code, tid as u64));
        }
        if std::mem::take(&mut tr.exit_due) {
            let code = if tr.sysgood() {
                libc::SIGTRAP | 0x80
            } else {
                libc::SIGTRAP
            };
            stops.push((NestedStopKind::SyscallExit, code, 0));
        }
        if exec && !trace_exec {
            // The SIGTRAP the kernel sends a traced thread that execs.
            stops.push((NestedStopKind::Signal, libc::SIGTRAP, 0));
        }
        if stops.is_empty() {
            self.make_ready(tid);
            return Ok(());
        }
        for (kind, code, msg) in stops {
            if kind == NestedStopKind::Signal {
                self.hold_made_up(tid, code, siginfo(code, SI_USER, 0))?;
            } else {
                self.hold(tid, kind, code, siginfo(libc::SIGTRAP, code, 0), msg)?;
            }
        }
        Ok(())
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
        if sig == libc::SIGTRAP {
            self.task_mut(tid)?.step = false;
        }
        let tr = self.nested.traced.get_mut(&tid).expect("checked above");
        if sig == libc::SIGSTOP {
            match tr.expect.take() {
                Some(Expect::Interrupt) => {
                    let code = libc::SIGTRAP | (PTRACE_EVENT_STOP << 8);
                    let info = siginfo(libc::SIGTRAP, code, 0);
                    let mut held = self.nested.new_held(NestedStopKind::Event, code, info, 0);
                    held.from_signal = true;
                    self.hold_stop(tid, held)?;
                    return Ok(true);
                }
                Some(Expect::Attach) => {
                    let tracer = tr.tracer_tgid;
                    self.hold(
                        tid,
                        NestedStopKind::Signal,
                        sig,
                        siginfo(sig, SI_USER, tracer),
                        0,
                    )?;
                    return Ok(true);
                }
                None => {}
            }
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
        let option = match ev {
            libc::PTRACE_EVENT_FORK => libc::PTRACE_O_TRACEFORK,
            libc::PTRACE_EVENT_VFORK => libc::PTRACE_O_TRACEVFORK,
            _ => libc::PTRACE_O_TRACECLONE,
        } as u64;
        // CLONE_PTRACE traces the child whatever the options; CLONE_UNTRACED never.
        let follow = (tr.options & option != 0 || flags & libc::CLONE_PTRACE as u64 != 0)
            && flags & libc::CLONE_UNTRACED as u64 == 0;
        if !follow {
            return Ok(());
        }
        if tr.options & option != 0 {
            tr.fork_event = Some((ev, child));
        }
        let mut t = Traced::new(tr.tracer, tr.tracer_tgid, tr.options, tr.seized);
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
            let code = libc::SIGTRAP | (PTRACE_EVENT_STOP << 8);
            self.hold(
                tid,
                NestedStopKind::Event,
                code,
                siginfo(libc::SIGTRAP, code, 0),
                0,
            )
        } else {
            let info = siginfo(libc::SIGSTOP, SI_USER, 0);
            self.hold_made_up(tid, libc::SIGSTOP, info)
        }
    }

    /// `tid` ended: its tracer learns of it, and the threads it traced are let go (or
    /// killed, with PTRACE_O_EXITKILL).
    pub(in crate::record) fn nested_exited(&mut self, tid: i32, status: ExitStatus) -> Result<()> {
        self.nested.waiting.remove(&tid);
        if let Some(tr) = self.nested.traced.remove(&tid) {
            // A parent learns of its child's end from the kernel; another tracer from rtt.
            let parent = crate::procmaps::ppid_of(tid);
            if parent != Some(tr.tracer_tgid) {
                self.nested.seq += 1;
                self.nested.exits.push(ExitReport {
                    tid,
                    tracer_tgid: tr.tracer_tgid,
                    status,
                    seq: self.nested.seq,
                });
                let (code, st) = match status {
                    ExitStatus::Code(c) => (CLD_EXITED, c),
                    ExitStatus::Signal(s) if s & 0x80 != 0 => (CLD_DUMPED, s & 0x7f),
                    ExitStatus::Signal(s) => (CLD_KILLED, s),
                };
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
