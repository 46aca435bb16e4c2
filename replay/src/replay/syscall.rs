//! Replaying one syscall: checking its entry, deciding from the trace whether it runs
//! again or is emulated, and restoring its result and the memory it wrote.

use super::{At, Entry, Mode, Replayer};
use crate::error::{Error, Result};
use crate::remote::RemoteAddr;
use crate::sys::{self, Resume};
use crate::syscalls::{self, Policy};
use crate::trace::{Event, MemWrite};
use crate::tracee;
use crate::wait::Stop;
use std::io::Write;
use std::sync::Arc;

const EINTR: i64 = 4;
/// The trap flag in rflags.
const TRAP_FLAG: u64 = 0x100;
const ERESTARTSYS: i64 = 512;
const ERESTARTNOHAND: i64 = 514;
const ERESTART_RESTARTBLOCK: i64 = 516;

fn interrupted_by_signal(ret: i64) -> bool {
    matches!(
        -ret,
        EINTR | ERESTARTSYS | ERESTARTNOHAND | ERESTART_RESTARTBLOCK
    )
}

/// Results the kernel acts on when it delivers a signal (it may restart the syscall), which
/// it does only if it sees them at a syscall exit with the syscall number in orig_rax.
fn needs_restart_handling(ret: i64) -> bool {
    matches!(
        -ret,
        ERESTARTSYS | ERESTARTNOHAND | ERESTART_RESTARTBLOCK | 513
    )
}

/// Sets `regs`, at the exit of syscall `nr` with result `ret`, the way the kernel does
/// when it restarts the syscall with no signal to deliver: back to the `syscall`
/// instruction, with the syscall (or `restart_syscall`) to run again. False when `ret`
/// does not ask for a restart.
pub(super) fn restart_without_signal(regs: &mut crate::regs::Regs, nr: u64, ret: i64) -> bool {
    let again = match -ret {
        ERESTARTSYS | 513 | ERESTARTNOHAND => nr,
        ERESTART_RESTARTBLOCK => libc::SYS_restart_syscall as u64,
        _ => return false,
    };
    regs.set_rax(again);
    regs.set_rip(regs.rip() - 2);
    true
}

impl Replayer {
    pub(super) fn syscall_entry(&mut self, tid: i32, nr: i64, args: [u64; 6]) -> Result<()> {
        let stop = self.advance(tid, None)?;
        if stop != Stop::Event(libc::PTRACE_EVENT_SECCOMP) {
            return Err(self.diverged(format!(
                "expected thread {tid} to enter {}, it stopped: {stop:?}",
                syscalls::name(nr)
            )));
        }
        let first_exec = self.index == 0 && nr == libc::SYS_execve;
        if nr == libc::SYS_prctl && args[0] == libc::PR_SET_NAME as u64 {
            let t = self.task(tid)?;
            if let Ok(b) = t.mem.read(crate::remote::RemoteAddr(args[1]), 16) {
                let end = b.iter().position(|&c| c == 0).unwrap_or(15).min(15);
                t.name = String::from_utf8_lossy(&b[..end]).into_owned();
            }
        }
        if nr == libc::SYS_set_tid_address {
            self.task(tid)?.clear_tid = (args[0] != 0).then_some(args[0]);
        }
        let t = self.task(tid)?;
        let pid = t.pid;
        let mut regs = sys::getregs(pid)?;
        t.syscall_insn = Some(regs.rip().wrapping_sub(2));
        if t.last_resume == Resume::Step && !t.step && regs.r11() & TRAP_FLAG != 0 {
            // `syscall` saved rflags in r11 with the trap flag of rtt's single-step:
            // give the program the value it had when not stepped (a step of its emulated
            // tracer's was one at record too).
            regs.set_r11(regs.r11() & !TRAP_FLAG);
            sys::setregs(pid, &regs)?;
        }
        let (got_nr, got_args) = (regs.orig_rax() as i64, regs.syscall_args());
        // The first execve is made by rtt's own child, with pointers into rtt's memory.
        if got_nr != nr || (got_args != args && !first_exec) {
            return Err(self.diverged(format!(
                "expected {}({}), got {}({})",
                syscalls::name(nr),
                hex_args(&args),
                syscalls::name(got_nr),
                hex_args(&got_args)
            )));
        }
        let (mut mode, wake) = self.entry_mode(tid, nr, &args)?;
        if nr == libc::SYS_execve && matches!(mode, Mode::Reexec) {
            if let Some(Event::Exec {
                file_hash: Some(hash),
                exe_hash,
                interp,
                ..
            }) = self.lookahead(tid, 1)?
            {
                let files = super::execfile::ExecFiles {
                    named: hash,
                    image: exe_hash,
                    interp,
                };
                self.substitute_exec_file(tid, &regs, &files)?;
            }
        }
        if let Mode::Emulate = mode {
            let next = self.lookahead(tid, 1)?;
            match next {
                Some(Event::SyscallExit { ret, .. }) if !needs_restart_handling(ret) => {
                    // Completed in the seccomp stop: the kernel skips it and leaves rax.
                    regs.set_orig_rax(u64::MAX);
                    regs.set_rax(ret as u64);
                    sys::setregs(pid, &regs)?;
                    mode = Mode::EmulateInPlace;
                }
                _ => {}
            }
        }
        match &mode {
            Mode::EmulateInPlace | Mode::Reexec | Mode::RestoreResult => {}
            Mode::Emulate => {
                regs.set_orig_rax(u64::MAX);
                sys::setregs(pid, &regs)?;
            }
            Mode::SuspendInstead => {
                let (mask, size) = self.temporary_mask(tid, nr, &args)?;
                regs.set_orig_rax(libc::SYS_rt_sigsuspend as u64);
                regs.set_rdi(mask);
                regs.set_rsi(size);
                sys::setregs(pid, &regs)?;
            }
            Mode::MapFile { .. } => {
                let ret = self.lookahead(tid, 1)?.and_then(|e| match e {
                    Event::SyscallExit { ret, .. } => Some(ret),
                    _ => None,
                });
                let addr = ret.unwrap_or(0) as u64;
                let shared = args[3] as i32 & libc::MAP_SHARED != 0;
                let writable = args[2] as i32 & libc::PROT_WRITE != 0;
                let kind = if shared && writable {
                    libc::MAP_SHARED
                } else {
                    libc::MAP_PRIVATE
                };
                let flags = kind | libc::MAP_FIXED | libc::MAP_ANONYMOUS;
                regs.set_syscall_args(&[addr, args[1], args[2], flags as u64, u64::MAX, 0]);
                sys::setregs(pid, &regs)?;
            }
        }
        let in_place = matches!(mode, Mode::EmulateInPlace);
        // exit_group and exec end the process's other threads at once: they stay at their
        // entry until those threads have had their recorded events (`exit`, `exec`).
        let ends_others = nr == libc::SYS_exit_group
            || (matches!(nr, libc::SYS_execve | libc::SYS_execveat)
                && matches!(mode, Mode::Reexec));
        // Where the kernel places a mapping depends on the ones made before it. The
        // recorder runs threads' such syscalls one at a time, in the order they enter: so
        // does replay. An anonymous mmap is also placed where it was (MAP_FIXED_NOREPLACE
        // at the recorded address), so that any other order fails at once.
        let placement =
            tracee::places_mappings(nr) && !matches!(mode, Mode::Emulate | Mode::EmulateInPlace);
        if placement && self.has_other_threads(tid)? {
            self.finish_placements(tid)?;
            if nr == libc::SYS_mmap && matches!(mode, Mode::Reexec) {
                self.place_as_recorded(tid, &mut regs, &args)?;
            }
        }
        let hold = ends_others && self.has_other_threads(tid)?;
        let t = self.task(tid)?;
        t.at = if in_place { At::Skipped } else { At::Entry };
        t.wake = wake;
        t.entry = Some(Entry { nr, args, mode });
        if !in_place && !hold {
            // Run it (or the skip) to its exit stop.
            sys::resume(Resume::Syscall, pid, 0)?;
            t.stopped = false;
        }
        if nr == libc::SYS_exit {
            // Dead before the next event, as at record (its clear-tid word is cleared).
            crate::procmaps::wait_until_dead(pid);
        }
        Ok(())
    }

    /// Lets every address-space syscall other threads of `tid`'s process are running in
    /// the kernel finish (their exit stops are kept for their exit events).
    fn finish_placements(&mut self, tid: i32) -> Result<()> {
        let mm = self.task(tid)?.mm;
        let running: Vec<i32> = self
            .tasks
            .iter()
            .filter(|(&t, x)| {
                t != tid
                    && x.mm == mm
                    && !x.stopped
                    && x.held.is_none()
                    && x.at == At::Entry
                    && x.entry.as_ref().is_some_and(|e| {
                        tracee::places_mappings(e.nr)
                            && !matches!(e.mode, Mode::Emulate | Mode::EmulateInPlace)
                    })
            })
            .map(|(&t, _)| t)
            .collect();
        for other in running {
            let stop = self.wait_for(other, None)?;
            self.task(other)?.held = Some(stop);
        }
        Ok(())
    }

    /// Makes the anonymous mmap `tid` is entering (registers `regs`) land at its recorded
    /// address, or fail there.
    fn place_as_recorded(
        &mut self,
        tid: i32,
        regs: &mut crate::regs::Regs,
        args: &[u64; 6],
    ) -> Result<()> {
        let flags = args[3] as i32;
        if flags & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0 {
            return Ok(());
        }
        let Some(Event::SyscallExit { ret, .. }) = self.lookahead(tid, 1)? else {
            return Ok(());
        };
        if ret < 0 {
            return Ok(());
        }
        let mut placed = *args;
        placed[0] = ret as u64;
        placed[3] = (flags | libc::MAP_FIXED_NOREPLACE) as u64;
        regs.set_syscall_args(&placed);
        sys::setregs(self.task(tid)?.pid, regs)
    }

    /// Whether another thread of `tid`'s process is alive in the replay (a vfork child or
    /// parent sharing its memory is not one: the parent waits for the child's exec).
    fn has_other_threads(&mut self, tid: i32) -> Result<bool> {
        let (pid, mm) = {
            let t = self.task(tid)?;
            (t.pid, t.mm)
        };
        let sharing: Vec<i32> = self
            .tasks
            .values()
            .filter(|x| x.pid != pid && x.mm == mm)
            .map(|x| x.pid)
            .collect();
        if sharing.is_empty() {
            return Ok(false);
        }
        let tgid = crate::procmaps::tgid_of(pid);
        Ok(tgid.is_some() && sharing.iter().any(|&p| crate::procmaps::tgid_of(p) == tgid))
    }

    /// How syscall `nr` is replayed, and the signal that ends it if rtt must send one.
    fn entry_mode(&mut self, tid: i32, nr: i64, args: &[u64; 6]) -> Result<(Mode, Option<i32>)> {
        if std::mem::take(&mut self.task(tid)?.sysemu) {
            // Its tracer emulated it: the kernel never ran it.
            return Ok((Mode::Emulate, None));
        }
        let Some(def) = syscalls::lookup(nr) else {
            return Err(self.diverged(format!("syscall {nr} is unknown")));
        };
        let mode = match def.policy {
            Policy::Emulate | Policy::Fake(_) => Mode::Emulate,
            Policy::Reexec => Mode::Reexec,
            Policy::ReexecRestoreResult => Mode::RestoreResult,
            Policy::Unsupported => {
                return Err(self.diverged(format!("{} cannot be replayed", def.name)))
            }
            Policy::Special => return self.special_mode(tid, nr, args),
        };
        // The program must not switch off the rdtsc trap: recorded as a fake success.
        if nr == libc::SYS_prctl && args[0] == 26 {
            return Ok((Mode::Emulate, None));
        }
        Ok((mode, None))
    }

    fn special_mode(&mut self, tid: i32, nr: i64, args: &[u64; 6]) -> Result<(Mode, Option<i32>)> {
        let next = self.lookahead(tid, 1)?;
        let failed = matches!(next, Some(Event::SyscallExit { ret, .. }) if ret < 0);
        let mode = match nr {
            libc::SYS_mmap => match next {
                Some(Event::SyscallExit {
                    ret,
                    mapped: Some(m),
                    ..
                }) if ret >= 0 => Mode::MapFile {
                    hash: m.hash,
                    offset: m.offset,
                    file_size: m.file_size,
                },
                _ if failed => Mode::Emulate,
                _ => Mode::Reexec,
            },
            // A failed exec or clone is not tried again: replay must not depend on files
            // or limits of this machine.
            libc::SYS_execve | libc::SYS_execveat => {
                if matches!(next, Some(Event::Exec { .. })) {
                    Mode::Reexec
                } else {
                    Mode::Emulate
                }
            }
            n if tracee::is_clone(n) => {
                if failed {
                    Mode::Emulate
                } else {
                    Mode::RestoreResult
                }
            }
            libc::SYS_rt_sigsuspend | libc::SYS_pause => {
                return Ok((Mode::Reexec, self.waking_signal(tid)?));
            }
            libc::SYS_ppoll
            | libc::SYS_pselect6
            | libc::SYS_epoll_pwait
            | libc::SYS_epoll_pwait2 => {
                let interrupted = matches!(next, Some(Event::SyscallExit { ret, .. }) if interrupted_by_signal(ret));
                let has_mask = self.temporary_mask(tid, nr, args)?.0 != 0;
                match self.waking_signal(tid)? {
                    Some(sig) if interrupted && has_mask => {
                        return Ok((Mode::SuspendInstead, Some(sig)))
                    }
                    _ => Mode::Emulate,
                }
            }
            _ => Mode::Emulate,
        };
        Ok((mode, None))
    }

    /// The asynchronous signal delivered right after the pending syscall of `tid` returns.
    fn waking_signal(&mut self, tid: i32) -> Result<Option<i32>> {
        Ok(match self.lookahead(tid, 2)? {
            Some(Event::Signal {
                signo, sync: false, ..
            }) => Some(signo),
            _ => None,
        })
    }

    /// The (sigset pointer, size) a ppoll-like syscall uses while it waits.
    fn temporary_mask(&mut self, tid: i32, nr: i64, args: &[u64; 6]) -> Result<(u64, u64)> {
        Ok(match nr {
            libc::SYS_ppoll => (args[3], args[4]),
            libc::SYS_epoll_pwait | libc::SYS_epoll_pwait2 => (args[4], args[5]),
            libc::SYS_pselect6 if args[5] != 0 => {
                let mem = &self.task(tid)?.mem;
                let pair = mem.read(RemoteAddr(args[5]), 16)?;
                let w = |i: usize| u64::from_le_bytes(pair[i..i + 8].try_into().unwrap_or([0; 8]));
                (w(0), w(8))
            }
            _ => (0, 0),
        })
    }

    /// The `k`-th next event (1-based) that belongs to `tid`.
    pub(super) fn lookahead(&mut self, tid: i32, k: usize) -> Result<Option<Event>> {
        let mut seen = 0;
        self.events.find_ahead(usize::MAX, |e| {
            if e.tid() == Some(tid) {
                seen += 1;
            }
            seen == k
        })
    }

    /// The next event of `tid` that it runs to: past the stops its emulated tracer saw
    /// and the changes it made meanwhile.
    pub(super) fn next_run(&mut self, tid: i32) -> Result<Option<Event>> {
        self.events.find_ahead(usize::MAX, |e| {
            e.tid() == Some(tid)
                && !matches!(
                    e,
                    Event::Nested { .. } | Event::SetRegs { .. } | Event::MemoryChanged { .. }
                )
        })
    }

    pub(super) fn syscall_exit(
        &mut self,
        tid: i32,
        ret: i64,
        writes: &[MemWrite],
        echo: Option<u8>,
    ) -> Result<()> {
        let t = self.task(tid)?;
        let pid = t.pid;
        if let Some(sig) = t.wake.take() {
            sys::tgkill(crate::procmaps::tgid_of(pid).unwrap_or(pid), pid, sig)?;
            t.woken = Some(sig);
        }
        let Some(entry) = t.entry.take() else {
            return Err(self.diverged(format!(
                "thread {tid} returns from a syscall it did not enter"
            )));
        };
        if let Mode::EmulateInPlace = entry.mode {
            return self.finish_exit(tid, &entry, ret, writes, echo, At::Skipped);
        }
        // Held when a checkpoint took the stop early.
        if self.debug {
            let t = self.task(tid)?;
            eprintln!(
                "rtt-debug:   exit of {tid}: mode {:?} stopped {} held {:?} at {:?}",
                entry.mode, t.stopped, t.held, t.at
            );
        }
        let stop = match self.task(tid)?.held.take() {
            Some(stop) => stop,
            None => self.wait_for(tid, None)?,
        };
        if stop != Stop::Syscall {
            return Err(self.diverged(format!(
                "expected thread {tid} to return from {}, it stopped: {stop:?}",
                syscalls::name(entry.nr)
            )));
        }
        let mut regs = sys::getregs(pid)?;
        let got = regs.rax() as i64;
        match &entry.mode {
            Mode::EmulateInPlace => {}
            Mode::Emulate | Mode::RestoreResult => {
                regs.set_rax(ret as u64);
                regs.set_orig_rax(entry.nr as u64);
                sys::setregs(pid, &regs)?;
            }
            Mode::SuspendInstead => {
                regs.set_rax(ret as u64);
                regs.set_orig_rax(entry.nr as u64);
                regs.set_syscall_args(&entry.args);
                sys::setregs(pid, &regs)?;
            }
            Mode::Reexec => {
                if got != ret {
                    return Err(self.diverged(format!(
                        "{} returned {got:#x} at replay, {ret:#x} when recorded",
                        syscalls::name(entry.nr)
                    )));
                }
                if entry.nr == libc::SYS_mmap && ret >= 0 {
                    // The arguments as the program gave them (placement may have changed them).
                    regs.set_syscall_args(&entry.args);
                    sys::setregs(pid, &regs)?;
                    self.prefer_huge_pages(tid, ret as u64, &entry.args)?;
                }
            }
            Mode::MapFile {
                hash,
                offset,
                file_size,
            } => {
                if got != ret {
                    return Err(self.diverged(format!(
                        "mmap of a file returned {got:#x} at replay, {ret:#x} when recorded"
                    )));
                }
                regs.set_orig_rax(entry.nr as u64);
                regs.set_syscall_args(&entry.args);
                sys::setregs(pid, &regs)?;
                self.fill_mapping(
                    tid,
                    ret as u64,
                    entry.args[1],
                    entry.args[2],
                    hash,
                    *offset,
                    *file_size,
                )?;
            }
        }
        let at = if needs_restart_handling(ret)
            && !matches!(entry.mode, Mode::Reexec)
            && matches!(self.next_run(tid)?, Some(Event::SyscallEntry { .. }))
        {
            // At record the kernel restarted the syscall without delivering a signal to
            // this thread (another thread took the process-wide signal that woke it); here
            // nothing is pending to make it do so.
            let mut regs = sys::getregs(pid)?;
            restart_without_signal(&mut regs, entry.nr as u64, ret);
            sys::setregs(pid, &regs)?;
            At::Trap
        } else {
            At::Exit
        };
        self.finish_exit(tid, &entry, ret, writes, echo, at)
    }

    /// Backs a large private anonymous mapping with transparent huge pages at replay
    /// (invisible to the program: its memory holds the same bytes), so that forking a
    /// checkpoint copies one page-table entry per 2 MiB instead of 512.
    fn prefer_huge_pages(&mut self, tid: i32, addr: u64, args: &[u64; 6]) -> Result<()> {
        const HUGE: u64 = 2 << 20;
        let flags = args[3] as i32;
        let private_anon = flags & libc::MAP_ANONYMOUS != 0 && flags & libc::MAP_PRIVATE != 0;
        if !private_anon || args[1] < 4 * HUGE {
            return Ok(());
        }
        self.inject_syscall(
            tid,
            libc::SYS_madvise,
            [addr, args[1], libc::MADV_HUGEPAGE as u64, 0, 0, 0],
        )?;
        Ok(())
    }

    /// Restores the memory a syscall wrote and echoes what it wrote to stdout/stderr.
    fn finish_exit(
        &mut self,
        tid: i32,
        entry: &Entry,
        ret: i64,
        writes: &[MemWrite],
        echo: Option<u8>,
        at: At,
    ) -> Result<()> {
        let t = self.task(tid)?;
        for w in writes {
            t.mem.write(RemoteAddr(w.addr), &w.data)?;
        }
        t.at = at;
        let fresh = self.index >= self.echoed_to;
        if let (Some(fd), true) = (echo, self.echo && ret > 0 && fresh) {
            self.echoed_to = self.index + 1;
            let data = tracee::written_bytes(entry.nr, &entry.args, ret, &self.task(tid)?.mem)?;
            let res = if fd == 2 {
                std::io::stderr().write_all(&data)
            } else {
                let mut out = std::io::stdout().lock();
                out.write_all(&data).and_then(|()| out.flush())
            };
            // rtt's own output closed (a pipe to `head`): stop echoing, keep replaying.
            if res.is_err() {
                self.echo = false;
            }
        }
        Ok(())
    }

    /// Copies the captured file content into a mapping made anonymous at replay.
    #[allow(clippy::too_many_arguments)]
    fn fill_mapping(
        &mut self,
        tid: i32,
        addr: u64,
        len: u64,
        prot: u64,
        hash: &str,
        offset: u64,
        file_size: u64,
    ) -> Result<()> {
        let data = match self.files.get(hash) {
            Some(d) => Arc::clone(d),
            None => {
                let d = Arc::new(self.trace.read_file(hash)?);
                if d.len() as u64 != file_size {
                    return Err(Error::Trace(format!(
                        "captured file {hash} has the wrong size"
                    )));
                }
                self.files.insert(hash.to_string(), Arc::clone(&d));
                d
            }
        };
        let page_len = len.div_ceil(4096) * 4096;
        if offset < file_size {
            let end = file_size.min(offset.saturating_add(page_len));
            let slice = &data[offset as usize..end as usize];
            self.task(tid)?.mem.write(RemoteAddr(addr), slice)?;
        }
        // Whole pages past the end of the file raised SIGBUS at record. Make them
        // inaccessible: the SIGSEGV that touching them now raises stands for that SIGBUS.
        let data_pages = file_size.saturating_sub(offset).div_ceil(4096) * 4096;
        if data_pages < page_len {
            let (start, size) = (addr + data_pages, page_len - data_pages);
            let prot_none = libc::PROT_NONE as u64;
            if let Some((0, insn)) =
                self.inject_syscall(tid, libc::SYS_mprotect, [start, size, prot_none, 0, 0, 0])?
            {
                self.tails.push(super::Tail {
                    tid,
                    start,
                    end: start + size,
                    prot,
                    insn,
                });
            }
        }
        Ok(())
    }
}

fn hex_args(a: &[u64; 6]) -> String {
    a.iter()
        .map(|v| format!("{v:#x}"))
        .collect::<Vec<_>>()
        .join(", ")
}
