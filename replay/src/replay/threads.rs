//! Checkpoints of multithreaded processes. A fork copies only the thread that makes it (the
//! group leader, so that the copy's leader is the recorded one); the state of every other
//! thread is saved with the checkpoint and the threads are recreated on restore: an
//! injected `clone(CLONE_THREAD)`, then their registers (thread pointer included), extended
//! state, signal mask, robust list and clear-tid address. A thread parked in a syscall
//! whose result replay has not given yet (blocked in `futex` at record, say) is recreated
//! just before its `syscall` instruction and run into the same seccomp stop again.

use super::fork::{expect, first_stop, fork_failed, run_syscall};
use super::{At, Entry, Mode, Replayer, Task};
use crate::error::{Error, Result};
use crate::mem::Memory;
use crate::regs::Regs;
use crate::sys::{self, Resume};
use crate::wait::Stop;

/// How a saved thread is held in a syscall.
#[derive(Debug, Clone)]
pub(crate) enum Parked {
    /// In user mode.
    No,
    /// At the seccomp stop of a syscall that replay completes there (its registers hold the
    /// result already; the exit event writes its memory).
    InPlace(Entry),
    /// At the exit stop of a syscall that replay skipped and whose result the exit event
    /// gives (held: the replayer took the stop early, for the checkpoint).
    InFlight(Entry),
}

/// One thread of a checkpoint other than the one forked.
#[derive(Debug, Clone)]
pub(crate) struct ThreadSnap {
    /// Recorded thread id.
    pub tid: i32,
    regs: Regs,
    xstate: Vec<u8>,
    sigmask: u64,
    robust: (u64, u64),
    clear_tid: Option<u64>,
    name: String,
    initial: bool,
    parked: Parked,
    /// Debug registers an emulated tracer set.
    user_words: std::collections::BTreeMap<u64, u64>,
}

const CLONE_THREAD_FLAGS: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SYSVSEM) as u64;

/// Whether `t`, in a multithreaded process, is where a checkpoint can save it: with
/// nothing of rtt's pending, in user mode or parked in a syscall replay emulates.
pub(super) fn thread_saveable(t: &Task) -> bool {
    let quiet = t.pending_sig == 0 && !t.group_stopped && t.wake.is_none() && t.woken.is_none();
    // Single-stepped or skipping a syscall for an emulated tracer: kernel state a copy
    // would not have.
    let quiet = quiet && !t.step && !t.sysemu;
    let in_flight = t.at == At::Entry
        && matches!(t.entry.as_ref().map(|e| &e.mode), Some(Mode::Emulate))
        && (!t.stopped || t.held == Some(Stop::Syscall));
    let stopped = t.stopped && t.held.is_none();
    let in_place = stopped
        && t.at == At::Skipped
        && matches!(
            t.entry.as_ref().map(|e| &e.mode),
            Some(Mode::EmulateInPlace)
        );
    quiet && (in_flight || in_place || (stopped && t.entry.is_none() && in_user_mode(t)))
}

/// Stopped where resuming runs user code (a result the kernel would turn into a restart
/// is kernel state).
pub(super) fn in_user_mode(t: &Task) -> bool {
    match t.at {
        At::Skipped | At::Trap | At::Signal | At::Initial => true,
        At::Exit => sys::getregs(t.pid)
            .map(|r| !(512..=516).contains(&(r.rax() as i64).wrapping_neg()))
            .unwrap_or(false),
        At::Entry => false,
    }
}

/// Takes stopped thread `pid` to the seccomp stop of syscall `nr` with registers `regs`
/// there: back before its `syscall` instruction (at `regs`'s pc less 2), then run into it.
fn reenter(pid: i32, nr: i64, regs: &Regs) -> Result<()> {
    let mut r = *regs;
    r.set_rip(r.rip().wrapping_sub(2));
    r.set_rax(nr as u64);
    sys::setregs(pid, &r)?;
    sys::resume(Resume::Cont, pid, 0)?;
    expect(pid, Stop::Event(libc::PTRACE_EVENT_SECCOMP), Resume::Cont)?;
    let now = sys::getregs(pid)?;
    if now.orig_rax() as i64 != nr || now.rip() != regs.rip() {
        return Err(Error::Refused(format!(
            "cannot recreate a thread in its syscall: it stopped at {:#x} in syscall {}",
            now.rip(),
            now.orig_rax() as i64
        )));
    }
    sys::setregs(pid, regs)
}

/// Puts stopped thread `pid`, whose registers are to be `regs`, back where `parked` says.
pub(super) fn repark(pid: i32, parked: &Parked, regs: &Regs) -> Result<()> {
    match parked {
        Parked::No => {}
        Parked::InPlace(e) => reenter(pid, e.nr, regs)?,
        Parked::InFlight(e) => {
            reenter(pid, e.nr, regs)?;
            sys::resume(Resume::Syscall, pid, 0)?;
            expect(pid, Stop::Syscall, Resume::Syscall)?;
        }
    }
    Ok(())
}

impl Parked {
    /// Makes a recreated task's state say where [`repark`] put it.
    pub(super) fn mark(&self, task: &mut Task) {
        match self {
            Parked::No => {}
            Parked::InPlace(e) => {
                task.at = At::Skipped;
                task.entry = Some(e.clone());
            }
            Parked::InFlight(e) => {
                task.at = At::Entry;
                task.entry = Some(e.clone());
                task.held = Some(Stop::Syscall);
            }
        }
    }
}

impl Replayer {
    /// How `tid` is held in a syscall; takes the exit stop of one in flight now.
    pub(super) fn park_state(&mut self, tid: i32) -> Result<Parked> {
        if self.debug {
            let t = self.task(tid)?;
            eprintln!(
                "rtt-debug:   park {tid}: stopped {} held {:?} at {:?} entry {:?}",
                t.stopped,
                t.held,
                t.at,
                t.entry.as_ref().map(|e| e.nr)
            );
        }
        let t = self.task(tid)?;
        let Some(e) = t.entry.clone() else {
            return Ok(Parked::No);
        };
        if t.at == At::Skipped {
            return Ok(Parked::InPlace(e));
        }
        if t.held.is_none() {
            let stop = self.wait_for(tid, None)?;
            if stop != Stop::Syscall {
                return Err(self.diverged(format!(
                    "expected thread {tid} to return from a skipped syscall, it stopped: {stop:?}"
                )));
            }
            let t = self.task(tid)?;
            t.stopped = true;
            t.held = Some(stop);
        }
        Ok(Parked::InFlight(e))
    }

    /// Saves thread `tid` (not the one forked) for a checkpoint.
    pub(super) fn save_thread(&mut self, tid: i32) -> Result<ThreadSnap> {
        let parked = self.park_state(tid)?;
        let t = self.task(tid)?;
        let pid = t.pid;
        Ok(ThreadSnap {
            tid,
            regs: sys::getregs(pid)?,
            xstate: sys::get_xstate(pid)?,
            sigmask: sys::get_sigmask(pid)?,
            robust: sys::get_robust_list(pid)?,
            clear_tid: t.clear_tid,
            name: t.name.clone(),
            initial: t.at == At::Initial,
            parked,
            user_words: t.user_words.clone(),
        })
    }

    /// Recreates saved thread `th` in restored process `leader` (stopped in user mode, with
    /// a `syscall` instruction at `insn`), as a task of address space `mm`.
    pub(super) fn recreate_thread(
        &mut self,
        leader: i32,
        insn: u64,
        mm: u64,
        th: &ThreadSnap,
    ) -> Result<()> {
        let saved = sys::getregs(leader)?;
        let mut flags = CLONE_THREAD_FLAGS;
        if th.clear_tid.is_some() {
            flags |= libc::CLONE_CHILD_CLEARTID as u64;
        }
        let args = [flags, 0, 0, th.clear_tid.unwrap_or(0), 0, 0];
        let res = run_syscall(leader, insn, false, libc::SYS_clone, args);
        sys::setregs(leader, &saved)?;
        let pid = res?;
        if pid <= 0 {
            return Err(Error::Refused(format!(
                "cannot restore a checkpoint: recreating thread {} failed ({})",
                th.tid,
                nix::errno::Errno::from_raw(-pid as i32).desc()
            )));
        }
        let pid = pid as i32;
        if let Some(other) = first_stop(pid)? {
            return Err(fork_failed(pid, &other));
        }
        if th.robust.0 != 0 {
            let (head, len) = th.robust;
            run_syscall(
                pid,
                insn,
                false,
                libc::SYS_set_robust_list,
                [head, len, 0, 0, 0, 0],
            )?;
        }
        sys::setregs(pid, &th.regs)?;
        sys::set_xstate(pid, &th.xstate)?;
        sys::set_sigmask(pid, th.sigmask)?;
        let mut task = Task::new(pid, Memory::open(pid)?, mm);
        task.at = if th.initial { At::Initial } else { At::Trap };
        repark(pid, &th.parked, &th.regs)?;
        th.parked.mark(&mut task);
        task.syscall_insn = Some(insn);
        task.name = th.name.clone();
        task.clear_tid = th.clear_tid;
        super::nested::write_user_words(pid, &th.user_words)?;
        task.user_words = th.user_words.clone();
        self.tasks.insert(th.tid, task);
        Ok(())
    }
}
