//! Raw register access for emulated ptrace: words of `struct user` and register sets of a
//! stopped tracee, as a tracer of it asks for them.

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
