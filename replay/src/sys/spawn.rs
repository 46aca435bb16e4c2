//! Starting a program under ptrace: fork, the child's set-up (personality, rdtsc trap,
//! recorded limits and signal state, the seccomp filter every tracee runs under), execve.

use super::{check, kill, kill_hard, listen, resume, waitpid, Resume};
use crate::error::{Error, Result};
use nix::errno::Errno;
use std::ffi::CString;

/// What to start under ptrace.
pub struct SpawnSpec {
    /// Path of the executable, passed to execve.
    pub exe: CString,
    /// argv, argv[0] included.
    pub argv: Vec<CString>,
    /// The complete environment.
    pub envp: Vec<CString>,
    /// Working directory to change to before exec, if any.
    pub cwd: Option<CString>,
    /// Give the program /dev/null as stdin, stdout and stderr (replay).
    pub null_stdio: bool,
    /// Forbid core dumps (replay must not write files).
    pub no_core: bool,
    /// Signals to start the program with blocked (bit N-1 for signal N).
    pub sig_blocked: u64,
    /// Signals to start the program with ignored.
    pub sig_ignored: u64,
    /// The stack size limit to start the program with (soft, hard), if any.
    pub stack_limit: Option<(u64, u64)>,
}

/// The calling process's stack size limit (soft, hard; u64::MAX for unlimited).
pub fn stack_limit() -> (u64, u64) {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit struct, which `r` is.
    if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut r) } != 0 {
        return (u64::MAX, u64::MAX);
    }
    (r.rlim_cur, r.rlim_max)
}

/// The seccomp filter every tracee runs under: every syscall stops in a
/// PTRACE_EVENT_SECCOMP stop before it runs, where the tracer can complete it itself.
fn trace_all_filter() -> [libc::sock_filter; 1] {
    [libc::sock_filter {
        code: (libc::BPF_RET | libc::BPF_K) as u16,
        jt: 0,
        jf: 0,
        k: libc::SECCOMP_RET_TRACE,
    }]
}

/// Forks a child that disables ASLR, makes `rdtsc` trap, asks to be traced, stops itself
/// with SIGSTOP and then execs `spec`. Returns its pid once it is in that SIGSTOP stop.
/// If the exec fails, the child exits with status 127 (seen by the tracer).
pub fn spawn_traced(spec: &SpawnSpec) -> Result<i32> {
    let mut argv: Vec<*const libc::c_char> = spec.argv.iter().map(|a| a.as_ptr()).collect();
    argv.push(std::ptr::null());
    let mut envp: Vec<*const libc::c_char> = spec.envp.iter().map(|a| a.as_ptr()).collect();
    envp.push(std::ptr::null());
    let devnull = c"/dev/null";
    let filter = trace_all_filter();
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut libc::sock_filter,
    };
    let cwd_ptr = spec.cwd.as_ref().map(|c| c.as_ptr());

    // SAFETY: after fork the child only makes async-signal-safe calls on memory prepared
    // before the fork (no allocation, no locks) and ends in execve or _exit.
    let pid = unsafe { libc::fork() };
    if pid == -1 {
        return Err(Error::sys("fork", Errno::last()));
    }
    if pid == 0 {
        // SAFETY: see above; every pointer points into memory owned by `spec`, `argv` and
        // `envp`, which the child's copy of the address space still holds.
        unsafe {
            if let Some(dir) = cwd_ptr {
                if libc::chdir(dir) != 0 {
                    libc::_exit(127);
                }
            }
            if spec.null_stdio {
                // A replay: out of the terminal's process group too, so that Ctrl-C
                // reaches rtt only (what the program sees of its group is emulated).
                libc::setpgid(0, 0);
                let fd = libc::open(devnull.as_ptr(), libc::O_RDWR);
                if fd >= 0 {
                    for target in 0..3 {
                        libc::dup2(fd, target);
                    }
                    if fd > 2 {
                        libc::close(fd);
                    }
                }
            }
            if let Some((cur, max)) = spec.stack_limit {
                // Best effort: a hard limit below the recorded one cannot be raised.
                let want = libc::rlimit {
                    rlim_cur: cur,
                    rlim_max: max,
                };
                if libc::setrlimit(libc::RLIMIT_STACK, &want) != 0 {
                    let mut have = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    libc::getrlimit(libc::RLIMIT_STACK, &mut have);
                    have.rlim_cur = cur.min(have.rlim_max);
                    libc::setrlimit(libc::RLIMIT_STACK, &have);
                }
            }
            if spec.no_core {
                let zero = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::setrlimit(libc::RLIMIT_CORE, &zero);
            }
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
            for sig in 1..32 {
                if sig != libc::SIGKILL && sig != libc::SIGSTOP {
                    libc::signal(sig, libc::SIG_DFL);
                }
            }
            let persona = libc::personality(0xffff_ffff);
            if persona != -1 {
                libc::personality((persona | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong);
            }
            libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV, 0, 0, 0);
            // Wait, stopped, for the tracer to seize us and send SIGCONT.
            libc::kill(libc::getpid(), libc::SIGSTOP);
            // The dispositions and mask an exec keeps, once the SIGCONT has come.
            for sig in 1..65 {
                if spec.sig_ignored & (1u64 << (sig - 1)) != 0
                    && sig != libc::SIGKILL
                    && sig != libc::SIGSTOP
                {
                    libc::signal(sig, libc::SIG_IGN);
                }
            }
            for sig in 1..65 {
                if spec.sig_blocked & (1u64 << (sig - 1)) != 0 {
                    libc::sigaddset(&mut set, sig);
                }
            }
            libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
            // From here on every syscall is reported to the tracer before it runs.
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            if libc::syscall(libc::SYS_seccomp, libc::SECCOMP_SET_MODE_FILTER, 0, &prog) != 0 {
                libc::_exit(126);
            }
            libc::execve(spec.exe.as_ptr(), argv.as_ptr(), envp.as_ptr());
            libc::_exit(127);
        }
    }
    attach_spawned(pid).inspect_err(|_| kill_hard(pid))?;
    Ok(pid)
}

/// Seizes the child stopped by its own SIGSTOP and continues it to the SIGCONT's
/// signal-delivery stop (resuming from there with no signal lets it run on).
fn attach_spawned(pid: i32) -> Result<()> {
    let mut status = 0;
    // SAFETY: waitpid writes one int into `status`.
    let rc = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
    if rc != pid || !libc::WIFSTOPPED(status) {
        return Err(Error::Spawn(format!(
            "cannot start the program (status {status:#x})"
        )));
    }
    // SAFETY: SEIZE takes the option bits in `data`, no pointers.
    let rc = unsafe {
        libc::ptrace(
            libc::PTRACE_SEIZE,
            pid,
            0usize,
            crate::tracee::PTRACE_OPTIONS as libc::c_long,
        )
    };
    check("ptrace SEIZE", rc)?;
    kill(pid, libc::SIGCONT)?;
    loop {
        let Some((_, st)) = waitpid(pid, false)? else {
            continue;
        };
        match crate::wait::decode(st) {
            crate::wait::Stop::Signal(libc::SIGCONT) => return Ok(()),
            crate::wait::Stop::GroupStop(_) => listen(pid)?,
            crate::wait::Stop::EventStop | crate::wait::Stop::Signal(_) => {
                resume(Resume::Cont, pid, 0)?
            }
            other => {
                return Err(Error::Spawn(format!(
                    "cannot start the program: it stopped: {other:?}"
                )))
            }
        }
    }
}
