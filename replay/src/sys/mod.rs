//! The only module that makes raw system calls and contains `unsafe`.
//!
//! Everything else in the engine calls these typed, safe wrappers. Each `unsafe` block
//! states why it is sound. The crate denies `unsafe_code` (its `Cargo.toml`); this module
//! alone allows it.
#![allow(unsafe_code)]

use crate::error::{Error, Result};
use crate::regs::{Regs, NREGS};
use nix::errno::Errno;
use std::sync::atomic::{AtomicBool, Ordering};

mod spawn;
mod tracer;
mod watch;
pub use spawn::{spawn_traced, stack_limit, SpawnSpec};
pub use tracer::{get_regset, interrupt, peeksiginfo, peekuser, pokeuser, set_regset};
pub use watch::{catch_sigint, InputWatch};

/// How to resume a stopped tracee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// Run until the next syscall entry or exit, signal or event.
    Syscall,
    /// Run until the next signal or event.
    Cont,
    /// Execute one instruction.
    Step,
}

fn check(what: &str, rc: libc::c_long) -> Result<libc::c_long> {
    if rc == -1 {
        Err(Error::sys(what, Errno::last()))
    } else {
        Ok(rc)
    }
}

/// Resumes `pid`, delivering signal `sig` (0 for none).
pub fn resume(how: Resume, pid: i32, sig: i32) -> Result<()> {
    let req = match how {
        Resume::Syscall => libc::PTRACE_SYSCALL,
        Resume::Cont => libc::PTRACE_CONT,
        Resume::Step => libc::PTRACE_SINGLESTEP,
    };
    // SAFETY: resume requests take no pointers; `data` is the signal number.
    let rc = unsafe { libc::ptrace(req, pid, 0usize, sig as libc::c_long) };
    check("ptrace resume", rc).map(drop)
}

/// Reads the general registers of stopped tracee `pid`.
pub fn getregs(pid: i32) -> Result<Regs> {
    let mut raw = [0u64; NREGS];
    // SAFETY: user_regs_struct on x86-64 is exactly NREGS u64 words; the kernel writes
    // that many bytes into `raw`, which is large enough and properly aligned.
    let rc = unsafe { libc::ptrace(libc::PTRACE_GETREGS, pid, 0usize, raw.as_mut_ptr()) };
    check("ptrace GETREGS", rc)?;
    Ok(Regs(raw))
}

/// Writes the general registers of stopped tracee `pid`.
pub fn setregs(pid: i32, regs: &Regs) -> Result<()> {
    // SAFETY: the kernel reads NREGS u64 words from a buffer of exactly that size.
    let rc = unsafe { libc::ptrace(libc::PTRACE_SETREGS, pid, 0usize, regs.0.as_ptr()) };
    check("ptrace SETREGS", rc).map(drop)
}

/// Size of a kernel `siginfo_t`.
pub const SIGINFO_SIZE: usize = 128;

/// Reads the siginfo of the signal that stopped `pid`. Fails (EINVAL) in a group-stop.
pub fn getsiginfo(pid: i32) -> Result<[u8; SIGINFO_SIZE]> {
    let mut buf = [0u8; SIGINFO_SIZE];
    // SAFETY: the kernel writes one siginfo_t (128 bytes) into the 128-byte buffer.
    let rc = unsafe { libc::ptrace(libc::PTRACE_GETSIGINFO, pid, 0usize, buf.as_mut_ptr()) };
    check("ptrace GETSIGINFO", rc)?;
    Ok(buf)
}

/// Replaces the siginfo of the signal about to be delivered to `pid`.
pub fn setsiginfo(pid: i32, info: &[u8; SIGINFO_SIZE]) -> Result<()> {
    // SAFETY: the kernel reads one 128-byte siginfo_t from the buffer.
    let rc = unsafe { libc::ptrace(libc::PTRACE_SETSIGINFO, pid, 0usize, info.as_ptr()) };
    check("ptrace SETSIGINFO", rc).map(drop)
}

/// The message of the last ptrace event (new child's pid, exit status, ...).
pub fn geteventmsg(pid: i32) -> Result<u64> {
    let mut msg: libc::c_ulong = 0;
    // SAFETY: the kernel writes one unsigned long into `msg`.
    let rc = unsafe { libc::ptrace(libc::PTRACE_GETEVENTMSG, pid, 0usize, &mut msg) };
    check("ptrace GETEVENTMSG", rc)?;
    Ok(msg as u64)
}

/// Sets the ptrace options of `pid`.
pub fn setoptions(pid: i32, options: libc::c_int) -> Result<()> {
    // SAFETY: SETOPTIONS takes the option bits in `data`, no pointers.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_SETOPTIONS,
            pid,
            0usize,
            options as libc::c_long,
        )
    };
    check("ptrace SETOPTIONS", rc).map(drop)
}

/// Waits for a state change of any tracee of the calling thread (not those of rtt's other
/// threads: a live recording and its replays trace from different threads).
pub fn waitpid_own(nohang: bool) -> Result<Option<(i32, i32)>> {
    wait_with(-1, nohang, libc::__WALL | libc::__WNOTHREAD)
}

thread_local! {
    /// Stops of tracees taken by a wait for any tracee that were not its caller's: a live
    /// recording's wait can take a stop of a replay traced by the same thread, whose own
    /// wait for that pid then gets it from here.
    static STASHED: std::cell::RefCell<std::collections::HashMap<i32, i32>> =
        Default::default();
}

/// Keeps the raw `status` of `pid`, taken by a wait for another purpose, for the next
/// [`waitpid`] of `pid` in this thread.
pub fn stash_stop(pid: i32, status: i32) {
    STASHED.with(|s| s.borrow_mut().insert(pid, status));
}

/// Takes a stop of `pid` kept by [`stash_stop`].
pub fn take_stashed(pid: i32) -> Option<i32> {
    STASHED.with(|s| s.borrow_mut().remove(&pid))
}

/// Waits for a state change of `pid` (-1: any tracee). Returns the pid and raw status, or
/// None when `nohang` and nothing is ready. Retries on EINTR unless rtt was interrupted.
pub fn waitpid(pid: i32, nohang: bool) -> Result<Option<(i32, i32)>> {
    if pid > 0 {
        if let Some(status) = take_stashed(pid) {
            return Ok(Some((pid, status)));
        }
    }
    wait_with(pid, nohang, libc::__WALL)
}

fn wait_with(pid: i32, nohang: bool, base: i32) -> Result<Option<(i32, i32)>> {
    let mut flags = base;
    if nohang {
        flags |= libc::WNOHANG;
    }
    loop {
        let mut status = 0;
        // SAFETY: waitpid writes one int into `status`.
        let rc = unsafe { libc::waitpid(pid, &mut status, flags) };
        if rc == -1 {
            let e = Errno::last();
            if e == Errno::EINTR {
                if interrupted() {
                    return Err(Error::Interrupted);
                }
                continue;
            }
            return Err(Error::sys("waitpid", e));
        }
        if rc == 0 {
            return Ok(None);
        }
        return Ok(Some((rc, status)));
    }
}

/// Sends signal `sig` to thread `tid` of thread group `tgid`.
pub fn tgkill(tgid: i32, tid: i32, sig: i32) -> Result<()> {
    // SAFETY: tgkill takes integers only.
    let rc = unsafe { libc::syscall(libc::SYS_tgkill, tgid, tid, sig) };
    check("tgkill", rc).map(drop)
}

/// Sends SIGKILL to `pid`, ignoring a process that is already gone.
pub fn kill_hard(pid: i32) {
    take_stashed(pid);
    // SAFETY: kill takes integers only; failure (ESRCH) is harmless here.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

/// Whether fd `fd1` of `pid1` and fd `fd2` of `pid2` are the same open file description
/// (kcmp KCMP_FILE). None when the kernel cannot tell (an fd is closed).
pub fn same_open_file(pid1: i32, fd1: i32, pid2: i32, fd2: i32) -> Option<bool> {
    const KCMP_FILE: libc::c_long = 0;
    // SAFETY: kcmp takes integers only.
    let rc = unsafe { libc::syscall(libc::SYS_kcmp, pid1, pid2, KCMP_FILE, fd1, fd2) };
    (rc >= 0).then_some(rc == 0)
}

/// Makes `rdtsc` trap in the calling thread too, as it does in every tracee.
///
/// A context switch between a thread that may read the TSC and one that may not rewrites
/// CR4, which in these VMs is a VM exit: measured 8.6 µs per ptrace stop without it and
/// 23.7 µs with it. The tracer thread switches with its tracees at every stop, so it takes
/// the same setting. From then on the thread must not read clocks through the vDSO (which
/// executes rdtsc): use [`clock_gettime`], and [`rdtsc`] lifts the trap for one read.
pub fn trap_tsc_in_this_thread() {
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV, 0, 0, 0);
    }
}

/// Undoes [`trap_tsc_in_this_thread`] (when this thread traces nothing any more and is to
/// start programs that read clocks).
pub fn untrap_tsc_in_this_thread() {
    // SAFETY: prctl with integer arguments only.
    unsafe {
        libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_ENABLE, 0, 0, 0);
    }
}

fn with_tsc<T>(f: impl FnOnce() -> T) -> T {
    let mut mode: libc::c_int = 0;
    // SAFETY: PR_GET_TSC writes one int into `mode`; PR_SET_TSC takes integers.
    unsafe {
        libc::prctl(libc::PR_GET_TSC, &mut mode as *mut libc::c_int, 0, 0, 0);
        libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_ENABLE, 0, 0, 0);
    }
    let v = f();
    if mode == libc::PR_TSC_SIGSEGV {
        trap_tsc_in_this_thread();
    }
    v
}

/// Reads the time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no memory effects; `with_tsc` makes sure it does not trap.
    with_tsc(|| unsafe { core::arch::x86_64::_rdtsc() })
}

/// Reads the time-stamp counter and TSC_AUX.
pub fn rdtscp() -> (u64, u32) {
    let mut aux = 0u32;
    // SAFETY: __rdtscp writes TSC_AUX into `aux`, a valid u32; `with_tsc` makes sure it
    // does not trap.
    let tsc = with_tsc(|| unsafe { core::arch::x86_64::__rdtscp(&mut aux) });
    (tsc, aux)
}

/// clock_gettime as a real syscall, never through the vDSO (see
/// [`trap_tsc_in_this_thread`]). Returns (seconds, nanoseconds).
pub fn clock_gettime(clock: libc::clockid_t) -> Option<(i64, i64)> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: the kernel writes one timespec into `ts`.
    let rc = unsafe { libc::syscall(libc::SYS_clock_gettime, clock, &mut ts) };
    (rc == 0).then_some((ts.tv_sec, ts.tv_nsec))
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_sig: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether Ctrl-C (SIGINT) or SIGTERM reached rtt since [`catch_interrupts`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Forgets an earlier Ctrl-C (after the front end has handled it).
pub fn clear_interrupted() {
    INTERRUPTED.store(false, Ordering::SeqCst);
}

/// Keeps SIGINT from this thread, so that the process's other threads take it.
pub fn block_sigint_in_this_thread() {
    let mut set = nix::sys::signal::SigSet::empty();
    set.add(nix::sys::signal::Signal::SIGINT);
    let _ = nix::sys::signal::pthread_sigmask(
        nix::sys::signal::SigmaskHow::SIG_BLOCK,
        Some(&set),
        None,
    );
}

/// Keeps SIGINT, SIGTERM and SIGHUP from this helper thread: they must interrupt the
/// thread that waits for tracees, not one that sleeps for its own reasons.
pub fn block_interrupts_in_this_thread() {
    let mut set = nix::sys::signal::SigSet::empty();
    for sig in [
        nix::sys::signal::Signal::SIGINT,
        nix::sys::signal::Signal::SIGTERM,
        nix::sys::signal::Signal::SIGHUP,
    ] {
        set.add(sig);
    }
    let _ = nix::sys::signal::pthread_sigmask(
        nix::sys::signal::SigmaskHow::SIG_BLOCK,
        Some(&set),
        None,
    );
}

/// Makes SIGINT, SIGTERM and SIGHUP set a flag (see [`interrupted`]) and interrupt a
/// blocking wait, instead of killing rtt.
pub fn catch_interrupts() {
    catch(&[libc::SIGINT, libc::SIGTERM, libc::SIGHUP]);
}

/// Like [`catch_interrupts`] for SIGTERM and SIGHUP only.
pub fn catch_interrupts_except_int() {
    catch(&[libc::SIGTERM, libc::SIGHUP]);
}

fn catch(sigs: &[libc::c_int]) {
    for &sig in sigs {
        // SAFETY: `on_interrupt` only stores to an atomic, which is async-signal-safe; the
        // sigaction struct is fully initialised (zeroed, then handler set, no SA_RESTART so
        // that waitpid returns EINTR).
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Makes rtt ignore SIGINT and SIGQUIT (while recording, Ctrl-C is for the program), and
/// SIGXFSZ (a trace write past the file-size limit then fails with EFBIG, handled as a
/// failed write).
pub fn ignore_terminal_signals() {
    for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGXFSZ] {
        // SAFETY: setting a disposition to SIG_IGN has no memory-safety requirements.
        unsafe {
            libc::signal(sig, libc::SIG_IGN);
        }
    }
}

/// Lets a tracee in group-stop stay stopped, while the tracer is told when it is
/// continued (PTRACE_LISTEN).
pub fn listen(pid: i32) -> Result<()> {
    // SAFETY: LISTEN takes no pointers.
    let rc = unsafe { libc::ptrace(libc::PTRACE_LISTEN, pid, 0usize, 0usize) };
    check("ptrace LISTEN", rc).map(drop)
}

/// Sends signal `sig` to process `pid`.
pub fn kill(pid: i32, sig: i32) -> Result<()> {
    // SAFETY: kill takes integers only.
    let rc = unsafe { libc::kill(pid, sig) };
    check("kill", rc as libc::c_long).map(drop)
}

/// Opens a pidfd for process `pid`.
pub fn pidfd_open(pid: i32) -> Result<std::os::fd::OwnedFd> {
    // SAFETY: pidfd_open takes integers and returns a new fd or -1.
    let rc = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = check("pidfd_open", rc)?;
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    Ok(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd as i32) })
}

/// Duplicates fd `fd` of the process behind `pidfd` into rtt (same open file description).
pub fn pidfd_getfd(pidfd: &std::os::fd::OwnedFd, fd: i32) -> Result<std::os::fd::OwnedFd> {
    use std::os::fd::AsRawFd;
    // SAFETY: pidfd_getfd takes integers and returns a new fd or -1.
    let rc = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd.as_raw_fd(), fd, 0) };
    let new = check("pidfd_getfd", rc)?;
    // SAFETY: `new` is a fresh descriptor that nothing else owns.
    Ok(unsafe { <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(new as i32) })
}

/// Bytes ready to be read from a pipe, socket or tty (FIONREAD).
pub fn bytes_readable(fd: std::os::fd::BorrowedFd<'_>) -> Option<usize> {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int into `n`.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut n) };
    (rc == 0).then_some(n.max(0) as usize)
}

fn iov_result(rc: isize) -> std::io::Result<usize> {
    if rc < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(rc as usize)
    }
}

/// Reads from a pipe or socket without blocking (preadv2 RWF_NOWAIT at the current
/// position): EAGAIN when nothing is there.
pub fn read_nowait(fd: std::os::fd::BorrowedFd<'_>, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    let iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: one iovec describing `buf`, valid and writable for its length.
    let rc = unsafe { libc::preadv2(fd.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
    iov_result(rc)
}

/// Writes to a pipe without blocking (pwritev2 RWF_NOWAIT at the current position): EAGAIN
/// when it does not fit. Writes of at most PIPE_BUF bytes are all-or-nothing.
pub fn write_nowait(fd: std::os::fd::BorrowedFd<'_>, buf: &[u8]) -> std::io::Result<usize> {
    use std::os::fd::AsRawFd;
    let iov = libc::iovec {
        iov_base: buf.as_ptr() as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: one iovec describing `buf`, valid for reads for its length.
    let rc = unsafe { libc::pwritev2(fd.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
    iov_result(rc)
}

/// Byte offset of `u_debugreg[n]` in the kernel's `struct user` on x86-64.
fn debugreg_offset(n: usize) -> usize {
    // struct user: regs (27*8) + u_fpvalid (4, padded to 8) + i387 (512) + tsize, dsize,
    // ssize (3*8) + start_code, start_stack (2*8) + signal (8) + reserved (4, padded) +
    // u_ar0, u_fpstate (2*8) + magic (8) + u_comm (32) = 848, then u_debugreg[8].
    848 + n * 8
}

/// Reads debug register `n` (0-7) of stopped tracee `pid`.
pub fn get_debugreg(pid: i32, n: usize) -> Result<u64> {
    Errno::clear();
    // SAFETY: PEEKUSER takes an offset into `struct user` and returns the word; no
    // pointers are written.
    let v = unsafe { libc::ptrace(libc::PTRACE_PEEKUSER, pid, debugreg_offset(n), 0usize) };
    if v == -1 && Errno::last() != Errno::UnknownErrno {
        return Err(Error::sys(
            "ptrace PEEKUSER (debug register)",
            Errno::last(),
        ));
    }
    Ok(v as u64)
}

/// Writes debug register `n` (0-7) of stopped tracee `pid`.
pub fn set_debugreg(pid: i32, n: usize, value: u64) -> Result<()> {
    // SAFETY: POKEUSER takes an offset into `struct user` and the word to store.
    let rc = unsafe { libc::ptrace(libc::PTRACE_POKEUSER, pid, debugreg_offset(n), value) };
    check("ptrace POKEUSER (debug register)", rc).map(drop)
}

/// The extended register state (XSAVE area: x87, SSE, AVX, AVX-512) of stopped tracee
/// `pid`, as PTRACE_GETREGSET NT_X86_XSTATE returns it.
pub fn get_xstate(pid: i32) -> Result<Vec<u8>> {
    const NT_X86_XSTATE: usize = 0x202;
    let mut buf = vec![0u8; 16384];
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: the iovec describes `buf`, writable for its length; the kernel writes at
    // most that many bytes and stores the length it wrote in iov_len.
    let rc = unsafe { libc::ptrace(libc::PTRACE_GETREGSET, pid, NT_X86_XSTATE, &mut iov) };
    check("ptrace GETREGSET (xstate)", rc)?;
    buf.truncate(iov.iov_len);
    Ok(buf)
}

/// Writes the extended register state of stopped tracee `pid` (a buffer from
/// [`get_xstate`]).
pub fn set_xstate(pid: i32, xstate: &[u8]) -> Result<()> {
    const NT_X86_XSTATE: usize = 0x202;
    let mut buf = xstate.to_vec();
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // SAFETY: the iovec describes `buf`, readable for its length; the kernel only reads it.
    let rc = unsafe { libc::ptrace(libc::PTRACE_SETREGSET, pid, NT_X86_XSTATE, &mut iov) };
    check("ptrace SETREGSET (xstate)", rc).map(drop)
}

const PTRACE_GETSIGMASK: libc::c_uint = 0x420a;
const PTRACE_SETSIGMASK: libc::c_uint = 0x420b;

/// The blocked-signal mask of stopped tracee `pid`.
pub fn get_sigmask(pid: i32) -> Result<u64> {
    let mut mask = 0u64;
    // SAFETY: GETSIGMASK writes 8 bytes (the size passed as `addr`) into `mask`.
    let rc = unsafe { libc::ptrace(PTRACE_GETSIGMASK, pid, 8usize, &mut mask as *mut u64) };
    check("ptrace GETSIGMASK", rc)?;
    Ok(mask)
}

/// Sets the blocked-signal mask of stopped tracee `pid`.
pub fn set_sigmask(pid: i32, mask: u64) -> Result<()> {
    // SAFETY: SETSIGMASK reads 8 bytes (the size passed as `addr`) from `mask`.
    let rc = unsafe { libc::ptrace(PTRACE_SETSIGMASK, pid, 8usize, &mask as *const u64) };
    check("ptrace SETSIGMASK", rc).map(drop)
}

/// The robust futex list (head address, length) that thread `tid` registered.
pub fn get_robust_list(tid: i32) -> Result<(u64, u64)> {
    let (mut head, mut len) = (0u64, 0u64);
    // SAFETY: get_robust_list stores one pointer and one size_t through the two pointers.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_get_robust_list,
            tid,
            &mut head as *mut u64,
            &mut len as *mut u64,
        )
    };
    check("get_robust_list", rc)?;
    Ok((head, len))
}

/// Makes rtt the reaper of orphaned descendants, so that checkpoint processes whose
/// parent tracee ended are reparented to rtt and can be waited for.
pub fn become_subreaper() -> Result<()> {
    // SAFETY: prctl with integer arguments only.
    let rc = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    check("prctl PR_SET_CHILD_SUBREAPER", rc as libc::c_long).map(drop)
}

/// The `si_fd` of a siginfo (meaningful for signals sent by descriptors, such as a
/// [`CpuAlarm`]'s).
pub fn siginfo_fd(info: &[u8]) -> i32 {
    match info.get(24..28) {
        Some(b) => i32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        None => -1,
    }
}

/// The signal a [`CpuAlarm`] sends (unused by programs on x86-64 Linux).
pub const ALARM_SIGNAL: i32 = libc::SIGSTKFLT;

/// A CPU-time alarm on one tracee thread (a software task-clock perf event): after the
/// thread has run for a set time in user mode, the kernel sends it [`ALARM_SIGNAL`],
/// which stops it under ptrace. Needs no hardware counter.
#[derive(Debug)]
pub struct CpuAlarm {
    fd: std::os::fd::OwnedFd,
}

const PERF_EVENT_IOC_ENABLE: libc::c_ulong = 0x2400;
const PERF_EVENT_IOC_DISABLE: libc::c_ulong = 0x2401;
const PERF_EVENT_IOC_RESET: libc::c_ulong = 0x2403;
const PERF_EVENT_IOC_PERIOD: libc::c_ulong = 0x4008_2404;

impl CpuAlarm {
    /// Opens a disarmed alarm on thread `tid`.
    pub fn open(tid: i32) -> Result<CpuAlarm> {
        use std::os::fd::{AsRawFd, FromRawFd};
        // struct perf_event_attr, first version (64 bytes): type, size, config,
        // sample_period, sample_type, read_format, flag bits, wakeup_events + bp_type,
        // config1.
        let mut attr = [0u64; 8];
        attr[0] = 1 | (64 << 32); // PERF_TYPE_SOFTWARE, size 64
        attr[1] = 1; // PERF_COUNT_SW_TASK_CLOCK
        attr[2] = u64::MAX >> 1; // sample period, set when armed
        attr[5] = 1 | (1 << 5) | (1 << 6); // disabled, exclude_kernel, exclude_hv
        attr[6] = 1; // wakeup_events
                     // SAFETY: `attr` is a valid 64-byte perf_event_attr that the kernel only reads.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_perf_event_open,
                attr.as_ptr(),
                tid,
                -1,
                -1,
                8 as libc::c_ulong, // PERF_FLAG_FD_CLOEXEC
            )
        };
        let fd = check("perf_event_open (task clock)", rc)? as i32;
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
        let raw = fd.as_raw_fd();
        let owner = [0i32, tid]; // struct f_owner_ex { F_OWNER_TID, tid }
                                 // SAFETY: fcntl on our own descriptor; F_SETOWN_EX reads one f_owner_ex.
        unsafe {
            check(
                "fcntl F_SETSIG",
                libc::fcntl(raw, 10 /* F_SETSIG */, ALARM_SIGNAL) as libc::c_long,
            )?;
            check(
                "fcntl F_SETOWN_EX",
                libc::fcntl(raw, 15 /* F_SETOWN_EX */, owner.as_ptr()) as libc::c_long,
            )?;
            check(
                "fcntl F_SETFL",
                libc::fcntl(raw, libc::F_SETFL, libc::O_ASYNC) as libc::c_long,
            )?;
        }
        Ok(CpuAlarm { fd })
    }

    /// The descriptor (the `si_fd` of the signals it sends).
    pub fn raw_fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.fd.as_raw_fd()
    }

    /// Arms the alarm to fire after `ns` nanoseconds of the thread's user time from now,
    /// and restarts its clock.
    pub fn arm(&self, ns: u64) -> Result<()> {
        let period = ns.max(10_000);
        let fd = self.raw_fd();
        // SAFETY: perf ioctls on our own descriptor; PERIOD reads one u64.
        unsafe {
            check(
                "perf ioctl DISABLE",
                libc::ioctl(fd, PERF_EVENT_IOC_DISABLE, 0) as libc::c_long,
            )?;
            check(
                "perf ioctl PERIOD",
                libc::ioctl(fd, PERF_EVENT_IOC_PERIOD, &period) as libc::c_long,
            )?;
            check(
                "perf ioctl RESET",
                libc::ioctl(fd, PERF_EVENT_IOC_RESET, 0) as libc::c_long,
            )?;
            check(
                "perf ioctl ENABLE",
                libc::ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) as libc::c_long,
            )?;
        }
        Ok(())
    }

    /// The thread's user time since the alarm was armed, in ns.
    pub fn elapsed(&self) -> u64 {
        let mut v = 0u64;
        // SAFETY: an 8-byte read of the counter into `v`.
        unsafe {
            libc::read(self.raw_fd(), (&mut v as *mut u64).cast(), 8);
        }
        v
    }

    /// Stops the alarm.
    pub fn disarm(&self) {
        // SAFETY: perf ioctl on our own descriptor.
        unsafe {
            libc::ioctl(self.raw_fd(), PERF_EVENT_IOC_DISABLE, 0);
        }
    }
}
