//! Replaying process events: new tasks (with their recorded ids written where the kernel
//! wrote the new ones) and execve (vDSO hidden, AT_RANDOM restored, layout checked).

use super::{At, Replayer, Task};
use crate::error::{Error, Result};
use crate::mem::Memory;
use crate::remote::RemoteAddr;
use crate::trace::{CloneKind, Mapping};
use crate::wait::Stop;
use crate::{auxv, procmaps, sys};
use std::os::unix::fs::MetadataExt;

impl Replayer {
    pub(super) fn new_task(
        &mut self,
        parent: i32,
        child: i32,
        kind: CloneKind,
        ctid: Option<u64>,
        ptid: Option<u64>,
    ) -> Result<()> {
        let stop = self.wait_for(parent, None)?;
        let is_fork = matches!(
            stop,
            Stop::Event(
                libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE
            )
        );
        if !is_fork {
            return Err(self.diverged(format!(
                "expected thread {parent} to create {child}, it stopped: {stop:?}"
            )));
        }
        let ppid = self.task(parent)?.pid;
        let pid = sys::geteventmsg(ppid)? as i32;
        if let Some(other) = super::fork::first_stop(pid)? {
            return Err(self.diverged(format!("new task {child} stopped: {other:?}")));
        }
        let mem = Memory::open(pid)?;
        if let Some(a) = ctid {
            mem.write(RemoteAddr(a), &child.to_le_bytes())?;
        }
        if let Some(a) = ptid {
            self.task(parent)?
                .mem
                .write(RemoteAddr(a), &child.to_le_bytes())?;
        }
        let mm = match kind {
            CloneKind::Fork => self.new_mm(),
            CloneKind::Vfork | CloneKind::Clone => self.task(parent)?.mm,
        };
        let mut task = Task::new(pid, mem, mm);
        task.syscall_insn = self.task(parent)?.syscall_insn;
        task.name = self.task(parent)?.name.clone();
        let p = self.task(parent)?;
        task.clear_tid = p.entry.as_ref().and_then(|e| {
            crate::tracee::clone_info(e.nr, &e.args, &p.mem)
                .ok()
                .and_then(|i| i.clear_tid_addr)
        });
        self.tasks.insert(child, task);
        sys::resume(sys::Resume::Syscall, ppid, 0)?;
        self.task(parent)?.stopped = false;
        Ok(())
    }

    pub(super) fn exec(
        &mut self,
        tid: i32,
        exe: &str,
        exe_hash: &str,
        at_random: &[u8; 16],
        maps: &[Mapping],
    ) -> Result<()> {
        let t = self.task(tid)?;
        if t.stopped {
            // Held at its entry while the process's other threads ran (no other thread
            // ended first to let it go).
            sys::resume(sys::Resume::Syscall, t.pid, 0)?;
            t.stopped = false;
        }
        let stop = self.wait_for(tid, None)?;
        if stop != Stop::Event(libc::PTRACE_EVENT_EXEC) {
            return Err(self.diverged(format!(
                "expected thread {tid} to exec {exe}, it stopped: {stop:?}"
            )));
        }
        let pid = self.task(tid)?.pid;
        let mem = Memory::open(pid)?;
        self.task(tid)?.name = comm_of(exe);
        let subst = self.task(tid)?.exec_subst.take();
        // The copies rtt wrote are what was recorded (with interpreter names rewritten);
        // a file exec'd in place must be unchanged.
        if subst.is_none() && self.exe_hash(pid)? != exe_hash {
            return Err(Error::Trace(format!(
                "{exe} has changed since it was recorded; this trace cannot be replayed with it"
            )));
        }
        let regs = sys::getregs(pid)?;
        if let Some(addr) = auxv::patch_at_exec(&mem, regs.rsp())? {
            mem.write(addr, at_random)?;
        }
        if let Some(subst) = subst {
            for (original, copy) in &subst.names {
                auxv::replace_strings(&mem, regs.rsp(), copy, original)?;
            }
            if let Some(path) = &subst.interp {
                let stack = auxv::InitialStack::read(&mem, regs.rsp())?;
                if let Some((addr, _)) = crate::interp::interp_in_memory(&mem, &stack)? {
                    mem.write(addr, path)?;
                }
            }
        }
        let now = procmaps::read(pid)?;
        let shape = |m: &[Mapping]| {
            m.iter()
                .map(|m| (m.start, m.end, m.perms.clone()))
                .collect::<Vec<_>>()
        };
        if shape(&now) != shape(maps) {
            let first = now
                .iter()
                .zip(maps)
                .find(|(a, b)| (a.start, a.end, &a.perms) != (b.start, b.end, &b.perms))
                .map(|(a, b)| {
                    format!(
                        "{:#x}-{:#x} {} {} vs recorded {:#x}-{:#x} {} {}",
                        a.start, a.end, a.perms, a.name, b.start, b.end, b.perms, b.name
                    )
                })
                .unwrap_or_else(|| format!("{} mappings vs {} recorded", now.len(), maps.len()));
            return Err(self.diverged(format!(
                "address space after exec of {exe} differs: {first}"
            )));
        }
        let mm = self.new_mm();
        let t = self.task(tid)?;
        t.mem = mem;
        t.mm = mm;
        t.syscall_insn = None;
        t.at = At::Exit;
        sys::resume(sys::Resume::Syscall, pid, 0)?;
        t.stopped = false;
        Ok(())
    }

    fn exe_hash(&mut self, pid: i32) -> Result<String> {
        let link = format!("/proc/{pid}/exe");
        let meta = std::fs::metadata(&link).map_err(|e| Error::io(format!("stat {link}"), e))?;
        let key = (meta.dev(), meta.ino(), meta.mtime(), meta.mtime_nsec());
        if let Some(h) = self.exe_hashes.get(&key) {
            return Ok(h.clone());
        }
        let data = std::fs::read(&link).map_err(|e| Error::io(format!("read {link}"), e))?;
        let h = blake3::hash(&data).to_hex().to_string();
        self.exe_hashes.insert(key, h.clone());
        Ok(h)
    }
}

/// The name the kernel gives a thread that executes `exe`: its file name, at most 15 bytes.
fn comm_of(exe: &str) -> String {
    let base = exe.rsplit('/').next().unwrap_or(exe).as_bytes();
    String::from_utf8_lossy(&base[..base.len().min(15)]).into_owned()
}
