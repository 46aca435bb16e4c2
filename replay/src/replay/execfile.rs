//! Exec'ing the recorded file, not whatever is at its path now.
//!
//! execve runs again at replay, and the kernel reads the file it names. The recorder
//! captured that file; the replayer writes the copy into its private directory under a
//! relative name of the same length as the original path (the path is copied onto the new
//! program's stack, so its length decides the stack layout), moves the tracee's working
//! directory there (at replay only exec resolves paths for real: every other path-taking
//! syscall is emulated), points execve at the copy, and after the exec puts the original
//! path back into argv and AT_EXECFN.

use super::Replayer;
use crate::error::{Error, Result};
use crate::regs::Regs;
use crate::remote::RemoteAddr;
use crate::sys::{self, Resume};
use crate::wait::Stop;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::PathBuf;

/// Bytes below the stack pointer the program may still use (the x86-64 red zone).
const RED_ZONE: u64 = 128;

impl Replayer {
    /// Makes the execve of `tid`, in its seccomp stop with registers `regs`, run the copy of
    /// the file with content hash `hash`. Leaves `tid` in the seccomp stop of the rewritten
    /// execve.
    pub(super) fn substitute_exec_file(&mut self, tid: i32, regs: &Regs, hash: &str) -> Result<()> {
        let pid = self.task(tid)?.pid;
        let original = self
            .task(tid)?
            .mem
            .read_cstr(RemoteAddr(regs.rdi()), 4096)?;
        if original.is_empty() {
            return Ok(());
        }
        let dir = self.exec_dir()?;
        let name = vec![b'x'; original.len()];
        let copy = dir.join(std::str::from_utf8(&name).unwrap_or("x"));
        // The previous copy under this name may be running: replace it, never rewrite it.
        let _ = std::fs::remove_file(&copy);
        let data = self.trace.read_file(hash)?;
        std::fs::write(&copy, &data)
            .map_err(|e| Error::io(format!("write {}", copy.display()), e))?;
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(format!("chmod {}", copy.display()), e))?;

        // Both strings go below the red zone: dead stack space, gone after the exec.
        let mut dir_c = dir.as_os_str().as_encoded_bytes().to_vec();
        dir_c.push(0);
        let mut name_c = name.clone();
        name_c.push(0);
        let name_addr = (regs.rsp() - RED_ZONE - name_c.len() as u64) & !15;
        let dir_addr = (name_addr - dir_c.len() as u64) & !15;
        let mem = &self.task(tid)?.mem;
        mem.write(RemoteAddr(name_addr), &name_c)?;
        mem.write(RemoteAddr(dir_addr), &dir_c)?;

        // This syscall becomes chdir(dir)...
        let mut chdir = *regs;
        chdir.set_orig_rax(libc::SYS_chdir as u64);
        chdir.set_rdi(dir_addr);
        sys::setregs(pid, &chdir)?;
        self.step_syscall(tid, Resume::Syscall, Stop::Syscall)?;
        let ret = sys::getregs(pid)?.rax() as i64;
        if ret != 0 {
            return Err(self.diverged(format!(
                "cannot prepare the exec of a recorded file: chdir returned {ret}"
            )));
        }
        // ...then the tracee runs its `syscall` instruction again, as execve(copy, ...).
        let mut exec = *regs;
        exec.set_rip(regs.rip() - 2);
        exec.set_rax(libc::SYS_execve as u64);
        exec.set_orig_rax(libc::SYS_execve as u64);
        exec.set_rdi(name_addr);
        sys::setregs(pid, &exec)?;
        self.step_syscall(tid, Resume::Cont, Stop::Event(libc::PTRACE_EVENT_SECCOMP))?;
        self.task(tid)?.exec_subst = Some((original, name));
        Ok(())
    }

    fn step_syscall(&mut self, tid: i32, how: Resume, expect: Stop) -> Result<()> {
        let pid = self.task(tid)?.pid;
        sys::resume(how, pid, 0)?;
        self.task(tid)?.stopped = false;
        let stop = self.wait_for(tid, None)?;
        if stop != expect {
            return Err(self.diverged(format!(
                "preparing an exec in thread {tid}: it stopped: {stop:?}"
            )));
        }
        Ok(())
    }

    /// rtt's private directory for copies of exec'd files (created on first use).
    fn exec_dir(&mut self) -> Result<PathBuf> {
        if let Some(d) = &self.exec_dir {
            return Ok(d.clone());
        }
        // One per replayer: a process may run several (the timeline's tests do).
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("rtt-exec-{}-{n}", std::process::id()));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .recursive(true)
            .create(&dir)
            .map_err(|e| Error::io(format!("create {}", dir.display()), e))?;
        self.exec_dir = Some(dir.clone());
        Ok(dir)
    }
}
