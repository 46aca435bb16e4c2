//! Exec'ing the recorded files, not whatever is at their paths now.
//!
//! execve runs again at replay, and the kernel reads the file it names. The recorder
//! captured that file; the replayer writes the copy into its private directory under a
//! relative name of the same length as the original path (the path is copied onto the new
//! program's stack, so its length decides the stack layout), moves the tracee's working
//! directory there (at replay only exec resolves paths for real: every other path-taking
//! syscall is emulated), points execve at the copy, and after the exec puts the original
//! path back into argv and AT_EXECFN.
//!
//! The kernel also opens interpreters by path: a script's `#!` interpreter and the ELF
//! interpreter (`ld.so`) named by PT_INTERP. Their copies are written beside the program's
//! under names of the same length, the names in the copies are rewritten to point at them
//! (relative names, resolved in that directory), and after the exec the original names are
//! put back into argv and into the program's memory. The replay then needs none of the
//! recording machine's files.

use super::Replayer;
use crate::error::{Error, Result};
use crate::interp;
use crate::regs::Regs;
use crate::remote::RemoteAddr;
use crate::sys::{self, Resume};
use crate::trace::LoadedFile;
use crate::wait::Stop;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::PathBuf;

/// Bytes below the stack pointer the program may still use (the x86-64 red zone).
const RED_ZONE: u64 = 128;

/// The recorded files of one exec.
pub(crate) struct ExecFiles {
    /// Content hash of the file execve named.
    pub named: String,
    /// Content hash of the executable that ran (the interpreter, for a script).
    pub image: String,
    /// The ELF interpreter the kernel loaded, if captured.
    pub interp: Option<LoadedFile>,
}

/// What to undo after an exec of copies.
#[derive(Debug, Clone, Default)]
pub(crate) struct ExecSubst {
    /// (original, substitute) names of equal length, to put back in argv and AT_EXECFN.
    pub names: Vec<(Vec<u8>, Vec<u8>)>,
    /// The PT_INTERP path to put back in the new program's memory.
    pub interp: Option<Vec<u8>>,
}

/// A relative name of `len` bytes made of `c` (never a path that exists elsewhere).
fn name_like(c: u8, len: usize) -> Vec<u8> {
    vec![c; len]
}

impl Replayer {
    /// Makes the execve of `tid`, in its seccomp stop with registers `regs`, run the
    /// recorded copies of `files`. Leaves `tid` in the seccomp stop of the rewritten execve.
    pub(super) fn substitute_exec_file(
        &mut self,
        tid: i32,
        regs: &Regs,
        files: &ExecFiles,
    ) -> Result<()> {
        let pid = self.task(tid)?.pid;
        let original = self
            .task(tid)?
            .mem
            .read_cstr(RemoteAddr(regs.rdi()), 4096)?;
        if original.is_empty() {
            return Ok(());
        }
        let dir = self.exec_dir()?;
        let mut subst = ExecSubst::default();
        let name = name_like(b'x', original.len());
        let mut data = self.trace.read_file(&files.named)?;
        let mut image = None;
        if let Some(r) = interp::script_interp(&data) {
            // The kernel runs the script's interpreter: the recorded executable.
            let script_interp = data[r.clone()].to_vec();
            let copy_name = name_like(b's', r.len());
            data[r].copy_from_slice(&copy_name);
            image = Some((self.trace.read_file(&files.image)?, copy_name.clone()));
            subst.names.push((script_interp, copy_name));
        }
        let elf = match &mut image {
            Some((bytes, _)) => bytes,
            None => &mut data,
        };
        if let (Some(loaded), Some(r)) = (&files.interp, interp::elf_interp(elf)) {
            if elf[r.clone()] == *loaded.path.as_bytes() {
                let ld = self.trace.read_file(&loaded.hash)?;
                elf[r.clone()].copy_from_slice(&name_like(b'l', r.len()));
                write_executable(&dir.join(os_name(&name_like(b'l', r.len()))), &ld)?;
                subst.interp = Some(loaded.path.as_bytes().to_vec());
            }
        }
        if let Some((bytes, copy_name)) = &image {
            write_executable(&dir.join(os_name(copy_name)), bytes)?;
        }
        write_executable(&dir.join(os_name(&name)), &data)?;
        subst.names.push((original, name.clone()));

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
        self.task(tid)?.exec_subst = Some(subst);
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

fn os_name(b: &[u8]) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b)
}

/// Writes an executable copy. An earlier copy under this name may be running: it is
/// replaced, never rewritten.
fn write_executable(path: &std::path::Path, data: &[u8]) -> Result<()> {
    let _ = std::fs::remove_file(path);
    std::fs::write(path, data).map_err(|e| Error::io(format!("write {}", path.display()), e))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io(format!("chmod {}", path.display()), e))
}
