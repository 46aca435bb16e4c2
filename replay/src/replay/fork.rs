//! Checkpoints of the replayed processes: a copy-on-write fork of each, made by running a
//! `clone` syscall inside it. Checkpoint processes never run; restoring forks them again
//! and replay continues in the copies.

use super::threads::{self, Parked, ThreadSnap};
use super::{At, Replayer, Tail, Task};
use crate::error::{Error, Result};
use crate::mem::Memory;
use crate::regs::Regs;
use crate::remote::RemoteAddr;
use crate::sys::{self, Resume};
use crate::wait::{decode, Stop};

/// One task of a checkpoint.
#[derive(Debug, Clone)]
pub(crate) struct TaskSnap {
    /// Recorded thread id.
    pub tid: i32,
    /// The stopped checkpoint process.
    pub pid: i32,
    regs: Regs,
    insn: u64,
    mm: u64,
    exec_subst: Option<super::execfile::ExecSubst>,
    /// Contents of shared writable mappings, which a fork does not copy: the checkpoint
    /// and the replay see the same pages, so they are saved and written back on restore.
    shared: std::sync::Arc<Vec<(u64, Vec<u8>)>>,
    name: String,
    clear_tid: Option<u64>,
    /// Debug registers an emulated tracer set.
    user_words: std::collections::BTreeMap<u64, u64>,
    /// How the forked thread is held in a syscall.
    parked: Parked,
    /// The process's other threads.
    threads: Vec<ThreadSnap>,
}

/// The replayer's state at a checkpoint, with the processes that hold the tracees' state.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    /// Number of the next event to replay.
    pub index: u64,
    /// The checkpoint processes.
    pub tasks: Vec<TaskSnap>,
    tails: Vec<Tail>,
}

impl Snapshot {
    /// Kills the checkpoint processes.
    pub fn release(&self) {
        for t in &self.tasks {
            discard(t.pid);
        }
    }

    /// The checkpoint processes' share of memory (proportional set size: each page
    /// divided among the processes that map it), in bytes. Summed over all checkpoints
    /// it bounds the memory they add. Walks page tables: tens of ms for a GiB.
    pub fn shared_bytes(&self) -> u64 {
        self.tasks.iter().map(|t| pss_bytes(t.pid)).sum()
    }

    /// Resident memory of the checkpoint processes (cheap to read): the most they can
    /// come to hold on their own.
    pub fn resident_bytes(&self) -> u64 {
        self.tasks.iter().map(|t| resident_bytes(t.pid)).sum()
    }
}

/// Kills stopped process `pid` and reaps it.
fn discard(pid: i32) {
    sys::kill_hard(pid);
    let _ = sys::waitpid(pid, false);
}

/// Resident memory of process `pid` in bytes (from /proc/PID/statm; 0 if gone).
pub(crate) fn resident_bytes(pid: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn pss_bytes(pid: i32) -> u64 {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
        return 0;
    };
    text.lines()
        .filter(|l| l.starts_with("Pss:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum::<u64>()
        * 1024
}

const CLONE_PARENT: u64 = 0x8000;
const ERESTARTNOINTR: i64 = 513;

impl Replayer {
    /// Whether every task is stopped in a state that a checkpoint captures exactly: in user
    /// mode (no syscall in progress, no signal waiting to be delivered), each process
    /// alone in its address space. In a multithreaded process, threads may also be parked
    /// at a syscall's seccomp stop (see [`threads`]).
    pub(crate) fn checkpointable(&self) -> bool {
        if self.tasks.is_empty() {
            return false;
        }
        self.groups().iter().all(|g| match g.as_slice() {
            [tid] => self.tasks.get(tid).is_some_and(|t| {
                threads::thread_saveable(t) && t.entry.is_none() && t.at != At::Initial
            }),

            _ => self.group_saveable(g),
        })
    }

    /// The recorded tids by address space, each group's leader first.
    fn groups(&self) -> Vec<Vec<i32>> {
        let mut by_mm: std::collections::BTreeMap<u64, Vec<i32>> = Default::default();
        for (&tid, t) in &self.tasks {
            by_mm.entry(t.mm).or_default().push(tid);
        }
        by_mm
            .into_values()
            .map(|mut g| {
                g.sort_unstable_by_key(|tid| {
                    let pid = self.tasks.get(tid).map_or(0, |t| t.pid);
                    (crate::procmaps::tgid_of(pid) != Some(pid), *tid)
                });
                g
            })
            .collect()
    }

    /// A multithreaded process: one thread group, led by a thread that can be forked.
    fn group_saveable(&self, g: &[i32]) -> bool {
        let pids: Vec<i32> = g
            .iter()
            .filter_map(|t| self.tasks.get(t))
            .map(|t| t.pid)
            .collect();
        let Some(tgid) = pids.first().and_then(|&p| crate::procmaps::tgid_of(p)) else {
            return false;
        };
        pids[0] == tgid
            && pids
                .iter()
                .all(|&p| crate::procmaps::tgid_of(p) == Some(tgid))
            && g.iter()
                .filter_map(|t| self.tasks.get(t))
                .all(threads::thread_saveable)
            && self.tasks.get(&g[0]).is_some_and(|t| t.at != At::Initial)
    }

    /// Forks every task into a checkpoint. The caller checked [`Self::checkpointable`].
    pub(crate) fn snapshot(&mut self) -> Result<Snapshot> {
        let mut tasks = Vec::new();
        for g in self.groups() {
            match self.snapshot_group(&g) {
                Ok(t) => tasks.push(t),
                Err(e) => {
                    tasks.iter().for_each(|t| discard(t.pid));
                    return Err(e);
                }
            }
        }
        Ok(Snapshot {
            index: self.events.next_index(),
            tasks,
            tails: self.tails.clone(),
        })
    }

    /// Forks process `g` (its leader first) and saves its other threads.
    fn snapshot_group(&mut self, g: &[i32]) -> Result<TaskSnap> {
        let mut others = Vec::new();
        for &tid in &g[1..] {
            others.push(self.save_thread(tid)?);
        }
        let mut snap = self.snapshot_task(g[0])?;
        snap.threads = others;
        Ok(snap)
    }

    fn snapshot_task(&mut self, tid: i32) -> Result<TaskSnap> {
        let parked = self.park_state(tid)?;
        let t = self.task(tid)?;
        let (pid, at) = (t.pid, t.at);
        let insn = match t.syscall_insn {
            Some(i) => i,
            None => {
                let i = find_syscall_insn(pid, &t.mem)?;
                self.task(tid)?.syscall_insn = Some(i);
                i
            }
        };
        let regs = sys::getregs(pid)?;
        let child = fork_process(pid, insn, at == At::Skipped, &regs)?;
        if let Parked::InPlace(_) = parked {
            // Its skipped syscall became the clone: enter it again.
            if let Err(e) = threads::repark(pid, &parked, &regs) {
                discard(child);
                return Err(e);
            }
        } else if at == At::Skipped {
            // The seccomp stop became the clone's exit stop.
            self.task(tid)?.at = At::Exit;
        }
        // Replay emulates all I/O: the checkpoint holds no pipe or socket open.
        let close_all = [0, u64::from(u32::MAX), 0, 0, 0, 0];
        let shared = run_syscall(child, insn, false, libc::SYS_close_range, close_all)
            .and_then(|_| shared_writable(pid, &self.task(tid)?.mem));
        let shared = match shared {
            Ok(s) => s,
            Err(e) => {
                discard(child);
                return Err(e);
            }
        };
        let t = self.task(tid)?;
        Ok(TaskSnap {
            tid,
            pid: child,
            regs,
            insn,
            mm: t.mm,
            exec_subst: t.exec_subst.clone(),
            shared: std::sync::Arc::new(shared),
            name: t.name.clone(),
            clear_tid: t.clear_tid,
            user_words: t.user_words.clone(),
            parked,
            threads: Vec::new(),
        })
    }

    /// Replaces the replayed processes by copies of checkpoint `snap`.
    pub(crate) fn restore(&mut self, snap: &Snapshot) -> Result<()> {
        self.kill_tasks();
        for ts in &snap.tasks {
            let pid = fork_process(ts.pid, ts.insn, false, &ts.regs)?;
            let mem = Memory::open(pid)?;
            for (addr, data) in ts.shared.iter() {
                mem.write(RemoteAddr(*addr), data)?;
            }
            // Threads are cloned from the leader in user mode, before it is parked.
            for th in &ts.threads {
                self.recreate_thread(pid, ts.insn, ts.mm, th)?;
            }
            let mut task = Task::new(pid, mem, ts.mm);
            task.at = At::Trap;
            threads::repark(pid, &ts.parked, &ts.regs)?;
            ts.parked.mark(&mut task);
            task.syscall_insn = Some(ts.insn);
            task.exec_subst = ts.exec_subst.clone();
            task.name = ts.name.clone();
            task.clear_tid = ts.clear_tid;
            super::nested::write_user_words(pid, &ts.user_words)?;
            task.user_words = ts.user_words.clone();
            self.tasks.insert(ts.tid, task);
        }
        self.tails = snap.tails.clone();
        self.events.seek(snap.index)?;
        self.index = snap.index;
        Ok(())
    }

    /// Kills the replayed processes (not the checkpoints).
    pub(crate) fn kill_tasks(&mut self) {
        // Every thread of the processes, known to the replayer or not (one recreated by a
        // restore that failed half-way): a thread group's leader is reaped only after its
        // other threads, so those are waited for first.
        let mut pids: Vec<(bool, i32)> = Vec::new();
        for t in self.tasks.values() {
            let tgid = crate::procmaps::tgid_of(t.pid);
            pids.push((tgid == Some(t.pid), t.pid));
            if let Some(tgid) = tgid {
                for tid in crate::procmaps::threads_of(tgid) {
                    pids.push((tid == tgid, tid));
                }
            }
        }
        pids.sort_unstable();
        pids.dedup();
        for &(_, pid) in &pids {
            sys::kill_hard(pid);
        }
        for &(_, pid) in &pids {
            let _ = sys::waitpid(pid, false);
        }
        self.tasks.clear();
    }
}

/// Runs syscall `nr(args)` in stopped process `pid` with the `syscall` instruction at
/// `insn`, and returns its result. `in_entry`: `pid` is in a seccomp stop, whose syscall is
/// replaced. The registers are left as the syscall's exit made them.
pub(super) fn run_syscall(
    pid: i32,
    insn: u64,
    in_entry: bool,
    nr: i64,
    args: [u64; 6],
) -> Result<i64> {
    let mut regs = sys::getregs(pid)?;
    if !in_entry {
        regs.set_rip(insn);
    }
    regs.set_rax(nr as u64);
    regs.set_orig_rax(nr as u64);
    regs.set_syscall_args(&args);
    sys::setregs(pid, &regs)?;
    if !in_entry {
        sys::resume(Resume::Cont, pid, 0)?;
        expect(pid, Stop::Event(libc::PTRACE_EVENT_SECCOMP), Resume::Cont)?;
    }
    sys::resume(Resume::Syscall, pid, 0)?;
    let mut stop = wait_raw(pid, Resume::Syscall)?;
    // fork fails with ERESTARTNOINTR while a signal is pending (a SIGCHLD from a replayed
    // child that really exited): let the kernel restart it past that signal, which is
    // not part of the recording and is dropped.
    for _ in 0..16 {
        if stop != Stop::Syscall || sys::getregs(pid)?.rax() as i64 != -ERESTARTNOINTR {
            break;
        }
        sys::resume(Resume::Cont, pid, 0)?;
        expect(pid, Stop::Event(libc::PTRACE_EVENT_SECCOMP), Resume::Cont)?;
        sys::resume(Resume::Syscall, pid, 0)?;
        stop = wait_raw(pid, Resume::Syscall)?;
    }
    if nr == libc::SYS_clone && stop != Stop::Syscall {
        if stop != Stop::Event(libc::PTRACE_EVENT_CLONE) {
            return Err(fork_failed(pid, &stop));
        }
        let child = sys::geteventmsg(pid)? as i64;
        sys::resume(Resume::Syscall, pid, 0)?;
        expect(pid, Stop::Syscall, Resume::Syscall)?;
        return Ok(child);
    }
    if stop != Stop::Syscall {
        return Err(fork_failed(pid, &stop));
    }
    Ok(sys::getregs(pid)?.rax() as i64)
}

/// Forks stopped process `pid` (a clone without exit signal, reported as a clone event)
/// and gives the child registers `regs`; the child is left stopped. `pid` keeps the
/// registers it had.
fn fork_process(pid: i32, insn: u64, in_entry: bool, regs: &Regs) -> Result<i32> {
    let saved = sys::getregs(pid)?;
    // No exit signal: killing a checkpoint must not send a real SIGCHLD to the replayed
    // process that is its parent (it would interrupt a fork or a sigsuspend there).
    let flags = CLONE_PARENT;
    let res = run_syscall(pid, insn, in_entry, libc::SYS_clone, [flags, 0, 0, 0, 0, 0]);
    sys::setregs(pid, &saved)?;
    let child = res?;
    if child <= 0 {
        return Err(Error::Refused(format!(
            "cannot make a checkpoint: clone failed ({})",
            nix::errno::Errno::from_raw(-child as i32).desc()
        )));
    }
    let child = child as i32;
    if let Some(other) = first_stop(child)? {
        return Err(fork_failed(child, &other));
    }
    sys::setregs(child, regs)?;
    Ok(child)
}

/// Waits for new child `pid`'s first stop (PTRACE_EVENT_STOP), passing over signals;
/// returns any other stop it makes instead.
pub(super) fn first_stop(pid: i32) -> Result<Option<Stop>> {
    loop {
        match wait_raw(pid, Resume::Cont)? {
            Stop::EventStop => return Ok(None),
            Stop::Signal(_) => sys::resume(Resume::Cont, pid, 0)?,
            other => return Ok(Some(other)),
        }
    }
}

pub(super) fn fork_failed(pid: i32, stop: &Stop) -> Error {
    Error::Refused(format!(
        "cannot make a checkpoint: process {pid} stopped unexpectedly ({stop:?})"
    ))
}

pub(super) fn expect(pid: i32, want: Stop, how: Resume) -> Result<()> {
    let stop = wait_raw(pid, how)?;
    if stop != want {
        return Err(fork_failed(pid, &stop));
    }
    Ok(())
}

/// Waits for the next stop of `pid`, passing over asynchronous signals (a SIGCHLD from a
/// checkpoint that was killed).
fn wait_raw(pid: i32, how: Resume) -> Result<Stop> {
    loop {
        let Some((_, status)) = sys::waitpid(pid, false)? else {
            continue;
        };
        let stop = decode(status);
        if let Stop::Signal(sig) = stop {
            if !matches!(
                sig,
                libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGTRAP
            ) {
                sys::resume(how, pid, 0)?;
                continue;
            }
        }
        return Ok(stop);
    }
}

/// The contents of the shared writable mappings of `pid`.
fn shared_writable(pid: i32, mem: &Memory) -> Result<Vec<(u64, Vec<u8>)>> {
    let mut out = Vec::new();
    for m in crate::procmaps::read(pid)? {
        let p = m.perms.as_bytes();
        if p.len() == 4 && p[1] == b'w' && p[3] == b's' {
            out.push((
                m.start,
                mem.read(RemoteAddr(m.start), (m.end - m.start) as usize)?,
            ));
        }
    }
    Ok(out)
}

/// Address of a `syscall` instruction in an executable mapping of `pid`.
fn find_syscall_insn(pid: i32, mem: &Memory) -> Result<u64> {
    for m in crate::procmaps::read(pid)? {
        if !m.perms.contains('x') {
            continue;
        }
        let len = (m.end - m.start).min(1 << 20) as usize;
        if let Ok(bytes) = mem.read(RemoteAddr(m.start), len) {
            if let Some(i) = bytes.windows(2).position(|w| w == [0x0f, 0x05]) {
                return Ok(m.start + i as u64);
            }
        }
    }
    Err(Error::Refused(
        "cannot make a checkpoint: no syscall instruction found in the program".into(),
    ))
}
