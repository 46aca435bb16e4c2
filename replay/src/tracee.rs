//! Facts about tracees shared by the recorder and the replayer: ptrace options, how a
//! clone's flags are read, which signals are synchronous, rdtsc decoding.

use crate::error::Result;
use crate::mem::Memory;
use crate::remote::RemoteAddr;
use crate::trace::CloneKind;

/// ptrace options for every tracee.
pub const PTRACE_OPTIONS: libc::c_int = libc::PTRACE_O_TRACESYSGOOD
    | libc::PTRACE_O_TRACEFORK
    | libc::PTRACE_O_TRACEVFORK
    | libc::PTRACE_O_TRACECLONE
    | libc::PTRACE_O_TRACEEXEC
    | libc::PTRACE_O_TRACESECCOMP
    | libc::PTRACE_O_EXITKILL;

/// Syscalls after which a file descriptor number may name another file than before.
pub fn may_replace_fds(nr: i64) -> bool {
    matches!(
        nr,
        libc::SYS_close
            | libc::SYS_dup2
            | libc::SYS_dup3
            | libc::SYS_close_range
            | libc::SYS_execve
            | libc::SYS_execveat
    )
}

/// `si_code` of signals sent by the kernel itself.
pub const SI_KERNEL: i32 = 0x80;

/// The signal number and `si_code` of a raw siginfo.
pub fn siginfo_code(info: &[u8]) -> (i32, i32) {
    let word = |i: usize| {
        info.get(i..i + 4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0)
    };
    (word(0), word(8))
}

/// Whether a signal was raised by the instruction the thread is executing (a fault, a
/// trap) and so recurs by itself at replay.
pub fn is_synchronous(signo: i32, si_code: i32) -> bool {
    matches!(
        signo,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGFPE | libc::SIGILL | libc::SIGTRAP
    ) && si_code > 0
}

/// The time-stamp counter instruction at an address, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TscInsn {
    /// `rdtsc` (2 bytes).
    Rdtsc,
    /// `rdtscp` (3 bytes).
    Rdtscp,
}

impl TscInsn {
    /// Decodes the instruction bytes at the faulting pc.
    pub fn decode(bytes: &[u8]) -> Option<TscInsn> {
        match bytes {
            [0x0f, 0x31, ..] => Some(TscInsn::Rdtsc),
            [0x0f, 0x01, 0xf9, ..] => Some(TscInsn::Rdtscp),
            _ => None,
        }
    }
    /// Its length in bytes.
    pub fn length(self) -> u64 {
        match self {
            TscInsn::Rdtsc => 2,
            TscInsn::Rdtscp => 3,
        }
    }
}

const CLONE_VM: u64 = 0x100;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;

/// What a clone-family syscall asked for.
#[derive(Debug, Clone, Copy)]
pub struct CloneInfo {
    /// Fork, vfork or shared-memory clone.
    pub kind: CloneKind,
    /// CLONE_CHILD_SETTID address.
    pub child_tid_addr: Option<u64>,
    /// CLONE_PARENT_SETTID address.
    pub parent_tid_addr: Option<u64>,
    /// CLONE_CHILD_CLEARTID address (zeroed and woken when the child ends).
    pub clear_tid_addr: Option<u64>,
}

/// Reads the flags of the fork/vfork/clone/clone3 syscall `nr` with `args`.
pub fn clone_info(nr: i64, args: &[u64; 6], mem: &Memory) -> Result<CloneInfo> {
    let (flags, ptid, ctid) = match nr {
        libc::SYS_fork => (0, 0, 0),
        libc::SYS_vfork => (CLONE_VM | CLONE_VFORK, 0, 0),
        libc::SYS_clone3 => {
            let a = mem.read(RemoteAddr(args[0]), 32)?;
            let w = |i: usize| u64::from_le_bytes(a[i..i + 8].try_into().unwrap_or([0; 8]));
            (w(0), w(24), w(16))
        }
        _ => (args[0], args[2], args[3]),
    };
    let kind = if flags & CLONE_VFORK != 0 {
        CloneKind::Vfork
    } else if flags & CLONE_VM != 0 {
        CloneKind::Clone
    } else {
        CloneKind::Fork
    };
    Ok(CloneInfo {
        kind,
        child_tid_addr: (flags & CLONE_CHILD_SETTID != 0 && ctid != 0).then_some(ctid),
        parent_tid_addr: (flags & CLONE_PARENT_SETTID != 0 && ptid != 0).then_some(ptid),
        clear_tid_addr: (flags & CLONE_CHILD_CLEARTID != 0 && ctid != 0).then_some(ctid),
    })
}

/// Whether `nr` creates a task.
pub fn is_clone(nr: i64) -> bool {
    matches!(
        nr,
        libc::SYS_clone | libc::SYS_clone3 | libc::SYS_fork | libc::SYS_vfork
    )
}

/// The syscalls whose output goes to an fd and whose bytes replay can echo.
pub fn is_write(nr: i64) -> bool {
    matches!(
        nr,
        libc::SYS_write
            | libc::SYS_writev
            | libc::SYS_pwrite64
            | libc::SYS_pwritev
            | libc::SYS_pwritev2
    )
}

/// The bytes a write-family syscall wrote (`ret` of them), read from the tracee.
pub fn written_bytes(nr: i64, args: &[u64; 6], ret: i64, mem: &Memory) -> Result<Vec<u8>> {
    let total = usize::try_from(ret).unwrap_or(0);
    match nr {
        libc::SYS_write | libc::SYS_pwrite64 => mem.read(RemoteAddr(args[1]), total),
        _ => {
            let cnt = (args[2] as usize).min(1024);
            let iov = mem.read(RemoteAddr(args[1]), cnt * 16)?;
            let mut out = Vec::with_capacity(total);
            for e in iov.chunks_exact(16) {
                if out.len() >= total {
                    break;
                }
                let base = u64::from_le_bytes(e[0..8].try_into().unwrap_or([0; 8]));
                let len = u64::from_le_bytes(e[8..16].try_into().unwrap_or([0; 8])) as usize;
                let take = len.min(total - out.len());
                out.extend(mem.read(RemoteAddr(base), take)?);
            }
            Ok(out)
        }
    }
}

/// Where in its file write syscall `nr` (which returned `ret`) wrote: the offset it was
/// given (pwrite), else the file position after it (`pos_after`) less what it wrote.
pub fn write_offset(nr: i64, args: &[u64; 6], ret: i64, pos_after: impl FnOnce() -> u64) -> u64 {
    let explicit = matches!(
        nr,
        libc::SYS_pwrite64 | libc::SYS_pwritev | libc::SYS_pwritev2
    ) && args[3] as i64 >= 0;
    if explicit {
        args[3]
    } else {
        pos_after().saturating_sub(ret as u64)
    }
}

/// Whether syscall `nr` places or removes mappings, so that where later mappings go depends
/// on it.
pub fn places_mappings(nr: i64) -> bool {
    matches!(
        nr,
        libc::SYS_mmap | libc::SYS_munmap | libc::SYS_mremap | libc::SYS_brk
    )
}
