//! Raw ptrace requests rtt makes for an emulated tracer (another tracee): words of
//! `struct user`, register sets and queued signals of a stopped tracee.

use super::check;
use crate::error::{Error, Result};
use nix::errno::Errno;

/// Reads the word at `offset` in `struct user` of stopped tracee `pid`.
pub fn peekuser(pid: i32, offset: u64) -> Result<u64> {
    Errno::clear();
    // SAFETY: PEEKUSER takes an offset and returns the word; the kernel checks the offset
    // and writes no memory of ours.
    let v = unsafe { libc::ptrace(libc::PTRACE_PEEKUSER, pid, offset as usize, 0usize) };
    if v == -1 && Errno::last() != Errno::UnknownErrno {
        return Err(Error::sys("ptrace PEEKUSER", Errno::last()));
    }
    Ok(v as u64)
}

/// Writes the word at `offset` in `struct user` of stopped tracee `pid`.
pub fn pokeuser(pid: i32, offset: u64, value: u64) -> Result<()> {
    // SAFETY: POKEUSER takes an offset and the word to store; no pointers.
    let rc = unsafe { libc::ptrace(libc::PTRACE_POKEUSER, pid, offset as usize, value) };
    check("ptrace POKEUSER", rc).map(drop)
}

/// Register set `nt` (NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE, ...) of stopped tracee
/// `pid`, at most `max` bytes.
pub fn get_regset(pid: i32, nt: u64, max: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; max];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: the iovec describes `buf`, writable for its length; the kernel writes at
    // most that many bytes and stores the length it wrote in iov_len.
    let rc = unsafe { libc::ptrace(libc::PTRACE_GETREGSET, pid, nt as usize, &mut iov) };
    check("ptrace GETREGSET", rc)?;
    buf.truncate(iov.iov_len);
    Ok(buf)
}

/// Writes register set `nt` of stopped tracee `pid` from `data`.
pub fn set_regset(pid: i32, nt: u64, data: &[u8]) -> Result<()> {
    let mut buf = data.to_vec();
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: the iovec describes `buf`, readable for its length; the kernel only reads it.
    let rc = unsafe { libc::ptrace(libc::PTRACE_SETREGSET, pid, nt as usize, &mut iov) };
    check("ptrace SETREGSET", rc).map(drop)
}

/// The signals queued for stopped tracee `pid` (PTRACE_PEEKSIGINFO): up to `nr` siginfos
/// from the `off`th, of the thread's queue or (`flags` 1) its process's.
pub fn peeksiginfo(pid: i32, off: u64, flags: u32, nr: i32) -> Result<Vec<u8>> {
    const PTRACE_PEEKSIGINFO: libc::c_uint = 0x4209;
    #[repr(C)]
    struct Args {
        off: u64,
        flags: u32,
        nr: i32,
    }
    let nr = nr.clamp(0, 1024);
    let args = Args { off, flags, nr };
    let mut buf = vec![0u8; nr as usize * super::SIGINFO_SIZE];
    // SAFETY: `args` is the kernel's struct ptrace_peeksiginfo_args; `buf` holds `nr`
    // siginfos, as many as the kernel may write.
    let rc = unsafe { libc::ptrace(PTRACE_PEEKSIGINFO, pid, &args, buf.as_mut_ptr()) };
    let n = check("ptrace PEEKSIGINFO", rc)?;
    buf.truncate(n as usize * super::SIGINFO_SIZE);
    Ok(buf)
}

/// Stops tracee `pid` (PTRACE_INTERRUPT; it must have been seized): one under
/// PTRACE_LISTEN reports its group-stop again, and can then be resumed.
pub fn interrupt(pid: i32) -> Result<()> {
    // SAFETY: INTERRUPT takes no pointers.
    let rc = unsafe { libc::ptrace(libc::PTRACE_INTERRUPT, pid, 0usize, 0usize) };
    check("ptrace INTERRUPT", rc).map(drop)
}
