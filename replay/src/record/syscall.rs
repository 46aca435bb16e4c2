//! Recording one syscall: its entry (number, arguments, policy) and its exit (result and
//! the memory the kernel wrote).

use super::nested::Outcome;
use super::{fastpath, Entry, Recorder};
use crate::error::{Error, Result};
use crate::remote::RemoteAddr;
use crate::syscalls::{self, Policy};
use crate::trace::{Event, MappedFile, MemWrite};
use crate::{sys, tracee};
use std::os::unix::fs::MetadataExt;

const PR_SET_TSC: u64 = 26;

impl Recorder {
    pub(super) fn syscall_entry(&mut self, tid: i32) -> Result<()> {
        if self.nested_entry_stop(tid)? {
            return Ok(());
        }
        let mut regs = self.regs(tid)?;
        let nr = regs.orig_rax() as i64;
        let args = regs.syscall_args();
        if self.nested_exit_event(tid, nr, args[0])? {
            return Ok(());
        }
        self.task_mut(tid)?.last_nr = Some(nr);
        let event = self.w.event_count();
        let def = syscalls::lookup(nr);
        let unsupported = match def {
            None => true,
            Some(d) => {
                d.policy == Policy::Unsupported
                    || (nr == libc::SYS_ioctl && !syscalls::ioctl_is_known(args[1]))
            }
        };
        if unsupported && !self.w.is_cut() {
            self.w.append(&Event::Unsupported { tid, nr })?;
            let mut name = syscalls::name(nr);
            if nr == libc::SYS_ioctl {
                name = format!("ioctl request {:#x}", args[1]);
            }
            if !self.keep_going {
                return Err(Error::Unsupported { name, nr, event });
            }
            // The recording ends here; the program goes on, this syscall run for real.
            self.w
                .cut(format!("unsupported syscall {name} at event {event}"));
        }
        self.w.append(&Event::SyscallEntry { tid, nr, args })?;
        match self.nested_syscall(tid, nr, &args)? {
            Some(Outcome::Done(ret, writes)) => return self.complete_skipped(tid, nr, ret, writes),
            Some(Outcome::Hold) => {
                self.task_mut(tid)?.entry = Some(Entry {
                    nr,
                    args,
                    echo: None,
                    exec_file: None,
                    exec_args: None,
                });
                return self.hold_waiter(tid, nr, args);
            }
            Some(Outcome::Kernel) | None => {}
        }
        if tracee::may_replace_fds(nr) {
            self.fast.invalidate();
        }
        let mut fake = match def.map(|d| d.policy) {
            Some(Policy::Fake(v)) => Some(v),
            _ => None,
        };
        // The program must not switch off the rdtsc trap rtt relies on.
        if nr == libc::SYS_prctl && args[0] == PR_SET_TSC {
            fake = Some(0);
        }
        let done = match fake {
            Some(ret) => Some(fastpath::Done {
                ret,
                writes: Vec::new(),
                echo: None,
            }),
            None if def.map(|d| d.policy) == Some(Policy::Emulate) => {
                let mem = &self
                    .tasks
                    .get(&tid)
                    .ok_or_else(|| Error::Trace(format!("internal: unknown tracee {tid}")))?
                    .mem;
                self.fast.try_complete(tid, self.my_pid, nr, &args, mem)?
            }
            None => None,
        };
        if done.is_none() {
            // Anything run by the tracee may change its address space.
            self.fast.address_spaces_changed();
        }
        if let Some(done) = done {
            // Completed here: skip the syscall in the tracee and give it the result.
            regs.set_orig_rax(u64::MAX);
            regs.set_rax(done.ret as u64);
            sys::setregs(tid, &regs)?;
            self.w.append(&Event::SyscallExit {
                tid,
                ret: done.ret,
                writes: done.writes,
                mapped: None,
                echo: done.echo,
            })?;
            self.after_file_write(tid, nr, &args, done.ret)?;
            return self.syscall_done(tid, nr, done.ret, false);
        }
        let echo = if tracee::is_write(nr) {
            self.echo_target(tid, args[0] as i32)
        } else {
            None
        };
        let (exec_file, exec_args) = if nr == libc::SYS_execve {
            let mem = &self.task_mut(tid)?.mem;
            let given = crate::auxv::read_string_array(mem, args[1])
                .and_then(|argv| Ok((argv, crate::auxv::read_string_array(mem, args[2])?)))
                .ok();
            (self.capture_exec_file(tid, args[0]), given)
        } else {
            (None, None)
        };
        self.task_mut(tid)?.entry = Some(Entry {
            nr,
            args,
            echo,
            exec_file,
            exec_args,
        });
        let robust = (nr == libc::SYS_exit)
            .then(|| sys::get_robust_list(tid).ok())
            .flatten()
            .filter(|r| r.0 != 0);
        let tgid = crate::procmaps::tgid_of(tid);
        if tracee::places_mappings(nr) {
            self.finish_other_placements(tid, tgid)?;
        }
        self.resume_in_kernel(tid)?;
        if nr == libc::SYS_exit {
            // The kernel clears the thread's clear-tid word as it dies, which a joining
            // thread reads: let that happen before any other thread runs, as at replay.
            crate::procmaps::wait_until_dead(tid);
            if let (Some((head, _)), Some(tgid)) = (robust, tgid) {
                self.robust_released(tid, tgid, head)?;
            }
        }
        if nr == libc::SYS_futex && matches!(args[1] & 0x7f, 6 | 13) {
            // FUTEX_LOCK_PI(2) marks the word as contended (FUTEX_WAITERS) when it blocks,
            // long before its exit: the owner's unlock depends on that bit.
            crate::procmaps::wait_until_blocked(tid);
            let mem = &self.task_mut(tid)?.mem;
            if let Ok(data) = mem.read(RemoteAddr(args[0]), 4) {
                let writes = vec![MemWrite {
                    addr: args[0],
                    data,
                }];
                self.w.append(&Event::MemoryChanged { tid, writes })?;
            }
        }
        Ok(())
    }

    /// Lets another thread of process `tgid` that is in the kernel placing or removing
    /// mappings finish, and records its exit, before `tid` starts its own: where a mapping
    /// goes depends on the ones before it, and two in the kernel at once could be placed in
    /// either order, and their exits reported in either order, which replay could not tell.
    fn finish_other_placements(&mut self, tid: i32, tgid: Option<i32>) -> Result<()> {
        let placing = |x: &super::Task| {
            x.state == super::State::InSyscall
                && x.entry
                    .as_ref()
                    .is_some_and(|e| tracee::places_mappings(e.nr))
        };
        let others: Vec<i32> = self
            .tasks
            .iter()
            .filter(|(&t, x)| t != tid && placing(x))
            .map(|(&t, _)| t)
            .collect();
        for other in others {
            if tgid.is_none() || crate::procmaps::tgid_of(other) != tgid {
                continue;
            }
            // These syscalls do not block: the exit stop comes at once.
            while self.tasks.get(&other).is_some_and(placing) {
                if let Some((t, status)) = sys::waitpid(other, false)? {
                    self.handle(t, status)?;
                }
            }
        }
        Ok(())
    }

    /// Records the futex words of the robust list at `head` of thread `tid` (of process
    /// `tgid`), which just died: the kernel marked the mutexes it held FUTEX_OWNER_DIED,
    /// which replay cannot redo (the words hold the recorded thread id, not the replayed
    /// one). Written as a memory change seen by a living thread of the process.
    fn robust_released(&mut self, tid: i32, tgid: i32, head: u64) -> Result<()> {
        let witness = self
            .tasks
            .keys()
            .copied()
            .find(|&t| t != tid && crate::procmaps::tgid_of(t) == Some(tgid));
        let Some(witness) = witness else {
            return Ok(());
        };
        let mem = &self.task_mut(witness)?.mem;
        let word = |a: u64| -> Option<u64> {
            let b = mem.read(RemoteAddr(a), 8).ok()?;
            Some(u64::from_le_bytes(b.try_into().ok()?))
        };
        // struct robust_list_head { next, futex_offset, list_op_pending }
        let (Some(mut entry), Some(offset), Some(pending)) =
            (word(head), word(head + 8), word(head + 16))
        else {
            return Ok(());
        };
        let mut entries = Vec::new();
        while entry != head && entry != 0 && entries.len() < 2048 {
            entries.push(entry);
            entry = word(entry).unwrap_or(0);
        }
        if pending != 0 {
            entries.push(pending);
        }
        let mut writes = Vec::new();
        for e in entries {
            let addr = e.wrapping_add(offset);
            if let Ok(data) = mem.read(RemoteAddr(addr), 4) {
                writes.push(MemWrite { addr, data });
            }
        }
        if !writes.is_empty() {
            self.w.append(&Event::MemoryChanged {
                tid: witness,
                writes,
            })?;
        }
        Ok(())
    }

    /// 1 or 2 when fd `fd` of `tid` is rtt's own stdout or stderr.
    fn echo_target(&mut self, tid: i32, fd: i32) -> Option<u8> {
        if let Some(echo) = self.fast.echo_of(tid, fd, self.my_pid) {
            return echo;
        }
        [1u8, 2]
            .into_iter()
            .find(|&mine| sys::same_open_file(tid, fd, self.my_pid, i32::from(mine)) == Some(true))
    }

    pub(super) fn syscall_exit(&mut self, tid: i32) -> Result<()> {
        // An interrupt of rtt's that ended this syscall is answered by this stop: the
        // kernel makes no trap stop of it after one.
        self.interrupt_answered(tid);
        if self.finish_wait(tid)? {
            return Ok(());
        }
        let Some(entry) = self.task_mut(tid)?.entry.take() else {
            // An exit stop without an entry: the tracee was attached mid-syscall.
            self.make_ready(tid);
            return Ok(());
        };
        let ret = self.regs(tid)?.rax() as i64;
        let is_exec = entry.nr == libc::SYS_execve || entry.nr == libc::SYS_execveat;
        if is_exec && ret < 0 && tid == self.first && !self.exec_seen {
            self.first_exec_error = Some(ret);
        }
        let writes = self.captured_writes(tid, &entry, ret)?;
        let mapped = if entry.nr == libc::SYS_mmap && ret >= 0 && !self.w.is_cut() {
            self.mapped_file(tid, &entry.args)?
        } else {
            None
        };
        let file = mapped.as_ref().map(|(_, file)| *file);
        let mapped = mapped.map(|(m, _)| m);
        self.w.append(&Event::SyscallExit {
            tid,
            ret,
            writes,
            mapped,
            echo: entry.echo,
        })?;
        let a = &entry.args;
        match entry.nr {
            libc::SYS_mmap if ret >= 0 => {
                if let Some(file) = file {
                    self.maps
                        .add(file, tid, ret as u64, a[1].div_ceil(4096) * 4096, a[5]);
                }
            }
            libc::SYS_munmap | libc::SYS_mremap if ret >= 0 => self.maps.unmap(tid, a[0], a[1]),
            _ => self.after_file_write(tid, entry.nr, a, ret)?,
        }
        self.syscall_done(tid, entry.nr, ret, true)
    }

    /// The memory an emulated syscall wrote, read back from the tracee.
    fn captured_writes(&mut self, tid: i32, entry: &Entry, ret: i64) -> Result<Vec<MemWrite>> {
        let Some(def) = syscalls::lookup(entry.nr) else {
            return Ok(Vec::new());
        };
        if def.outs.is_empty() || matches!(def.policy, Policy::Reexec | Policy::Fake(_)) {
            return Ok(Vec::new());
        }
        let mem = &self.task_mut(tid)?.mem;
        let mut reader = |addr: u64, len: usize| mem.read(RemoteAddr(addr), len).ok();
        let regions = syscalls::output_regions(def, &entry.args, ret, &mut reader);
        let mut writes = Vec::with_capacity(regions.len());
        for (addr, len) in regions {
            // A region the kernel did not really write may be unreadable: skip it.
            if let Ok(data) = mem.read(RemoteAddr(addr), len) {
                writes.push(MemWrite { addr, data });
            }
        }
        Ok(writes)
    }

    /// For an mmap of a file: a copy of the file in the trace.
    fn mapped_file(
        &mut self,
        tid: i32,
        args: &[u64; 6],
    ) -> Result<Option<(MappedFile, (u64, u64))>> {
        let flags = args[3] as i32;
        let fd = args[4] as i32;
        if flags & libc::MAP_ANONYMOUS != 0 || fd < 0 {
            return Ok(None);
        }
        let fd_path = format!("/proc/{tid}/fd/{fd}");
        let meta =
            std::fs::metadata(&fd_path).map_err(|e| Error::io(format!("stat {fd_path}"), e))?;
        let path = std::fs::read_link(&fd_path)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !meta.is_file() {
            if path == "/dev/zero" {
                return Ok(None);
            }
            return Err(Error::Unsupported {
                name: format!("mmap of {path}"),
                nr: libc::SYS_mmap,
                event: self.w.event_count(),
            });
        }
        let (hash, file_size) = self.capture_file(&fd_path)?;
        let mapped = MappedFile {
            hash,
            path,
            offset: args[5],
            file_size,
        };
        Ok(Some((mapped, (meta.dev(), meta.ino()))))
    }

    /// Captures the file at `path` (the tracee's /proc view of it) into the trace.
    /// Captures the file an execve names (resolved like the kernel does, against the
    /// tracee's working directory), if it is a readable regular file.
    fn capture_exec_file(&mut self, tid: i32, name_ptr: u64) -> Option<String> {
        let name = self
            .tasks
            .get(&tid)?
            .mem
            .read_cstr(RemoteAddr(name_ptr), 4096)
            .ok()?;
        let name = String::from_utf8(name).ok()?;
        // /proc/self must name the tracee, not rtt.
        let name = match name
            .strip_prefix("/proc/self/")
            .or_else(|| name.strip_prefix("/proc/thread-self/"))
        {
            Some(rest) => format!("/proc/{tid}/{rest}"),
            None => name,
        };
        let path = if name.starts_with('/') {
            name
        } else {
            format!("/proc/{tid}/cwd/{name}")
        };
        if !std::fs::metadata(&path).ok()?.is_file() {
            return None;
        }
        self.capture_file(&path).ok().map(|(hash, _)| hash)
    }

    /// Returns (content hash, size).
    pub(super) fn capture_file(&mut self, path: &str) -> Result<(String, u64)> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("stat {path}"), e))?;
        let key = (
            meta.dev(),
            meta.ino(),
            meta.size() as i64,
            meta.mtime(),
            meta.mtime_nsec(),
        );
        if let Some(v) = self.file_cache.get(&key) {
            return Ok(v.clone());
        }
        let v = self.w.store_file(std::path::Path::new(path))?;
        self.file_cache.insert(key, v.clone());
        Ok(v)
    }
}

impl Recorder {
    /// After a write to a file: records the pages of every mapping of it that now show
    /// different bytes (see `coherence`).
    fn after_file_write(&mut self, tid: i32, nr: i64, args: &[u64; 6], ret: i64) -> Result<()> {
        if self.tracee_memory_written(tid, nr, args, ret)? {
            return Ok(());
        }
        if ret <= 0 || !tracee::is_write(nr) {
            return Ok(());
        }
        let Some((file, pos)) = self.fast.file_of(tid, args[0] as i32, self.my_pid) else {
            return Ok(());
        };
        if !self.maps.is_mapped(file) {
            return Ok(());
        }
        let start = tracee::write_offset(nr, args, ret, || pos);
        for (pid, addr, len) in self.maps.showing(file, start, ret as u64) {
            let Some(t) = self.tasks.get(&pid) else {
                continue;
            };
            // Pages past the end of the file cannot be read; they show nothing new.
            if let Ok(data) = t.mem.read(RemoteAddr(addr), len as usize) {
                self.w.append(&Event::MemoryChanged {
                    tid: pid,
                    writes: vec![MemWrite { addr, data }],
                })?;
            }
        }
        Ok(())
    }
}
