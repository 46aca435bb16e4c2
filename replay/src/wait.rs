//! Decoding of wait statuses into the ptrace stops rtt distinguishes.

/// What a `waitpid` status says about a tracee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The process exited with this code.
    Exited(i32),
    /// The process was killed by this signal.
    Killed(i32),
    /// Syscall entry or exit stop (PTRACE_O_TRACESYSGOOD).
    Syscall,
    /// A PTRACE_EVENT_* stop other than PTRACE_EVENT_STOP.
    Event(i32),
    /// A seized tracee stopped by a stop signal (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU).
    GroupStop(i32),
    /// A seized tracee's other PTRACE_EVENT_STOP: a new task's first stop, or a tracee in
    /// PTRACE_LISTEN that was continued.
    EventStop,
    /// Signal-delivery-stop (or group-stop; tell them apart with GETSIGINFO).
    Signal(i32),
}

/// Decodes a raw wait status.
pub fn decode(status: i32) -> Stop {
    if libc::WIFEXITED(status) {
        Stop::Exited(libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        Stop::Killed(libc::WTERMSIG(status))
    } else {
        let sig = (status >> 8) & 0xff;
        let event = (status >> 16) & 0xff;
        if sig == (libc::SIGTRAP | 0x80) {
            Stop::Syscall
        } else if event == libc::PTRACE_EVENT_STOP {
            match sig {
                libc::SIGSTOP | libc::SIGTSTP | libc::SIGTTIN | libc::SIGTTOU => {
                    Stop::GroupStop(sig)
                }
                _ => Stop::EventStop,
            }
        } else if event != 0 {
            Stop::Event(event)
        } else {
            Stop::Signal(sig)
        }
    }
}

/// How a process ended, as recorded in a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ExitStatus {
    /// exit(code).
    Code(i32),
    /// Killed by a signal.
    Signal(i32),
}

impl ExitStatus {
    /// The shell's view of the status: the code, or 128 + signal.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Code(c) => c,
            ExitStatus::Signal(s) => 128 + s,
        }
    }
}

impl std::fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExitStatus::Code(c) => write!(f, "exit {c}"),
            ExitStatus::Signal(s) => write!(f, "killed by {}", signal_name(*s)),
        }
    }
}

/// The name of signal `sig` ("SIGSEGV"), or "SIG<n>" for real-time ones.
pub fn signal_name(sig: i32) -> String {
    const NAMES: [&str; 32] = [
        "0",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    match usize::try_from(sig).ok().and_then(|i| NAMES.get(i)) {
        Some(n) => n.to_string(),
        None => format!("SIG{sig}"),
    }
}
