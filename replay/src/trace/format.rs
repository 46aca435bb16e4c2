//! The trace's on-disk types. These serde types are the schema; `docs/trace-format.md`
//! describes them for people.

use crate::regs::Regs;
use crate::wait::ExitStatus;
use serde::{Deserialize, Serialize};

/// Trace format version; a reader refuses any other.
pub const FORMAT_VERSION: u32 = 2;
/// The `format` field of every header.
pub const FORMAT_NAME: &str = "rtt-trace";

/// A byte string that is stored as text when it is UTF-8 (argv, environment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Bytes {
    /// Valid UTF-8.
    Text(String),
    /// Anything else.
    Raw(Vec<u8>),
}

impl Bytes {
    /// Copies raw bytes.
    pub fn from_slice(b: &[u8]) -> Bytes {
        Bytes::new(b.to_vec())
    }
    /// Wraps raw bytes.
    pub fn new(b: Vec<u8>) -> Bytes {
        match String::from_utf8(b) {
            Ok(s) => Bytes::Text(s),
            Err(e) => Bytes::Raw(e.into_bytes()),
        }
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Bytes::Text(s) => s.as_bytes(),
            Bytes::Raw(b) => b,
        }
    }
    /// A lossy string for display.
    pub fn lossy(&self) -> String {
        String::from_utf8_lossy(self.as_bytes()).into_owned()
    }
}

/// `header.json`: what was recorded, where and how.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// Always "rtt-trace".
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub version: u32,
    /// Version of the rtt that recorded it.
    pub rtt_version: String,
    /// Absolute path of the executable that was started.
    pub exe: Bytes,
    /// The command line, argv[0] included.
    pub argv: Vec<Bytes>,
    /// The complete environment given to the program.
    pub env: Vec<Bytes>,
    /// The working directory.
    pub cwd: Bytes,
    /// CPU feature flags of the recording machine (/proc/cpuinfo).
    pub cpu_flags: Vec<String>,
    /// Kernel release of the recording machine.
    pub kernel: String,
    /// Seconds since the epoch when recording started.
    pub started: u64,
    /// How threads were scheduled (older traces lack it: the defaults).
    #[serde(default)]
    pub scheduling: Scheduling,
    /// Signals the program started with blocked (bit N-1 for signal N): nonzero in a
    /// trace cut out of a bigger one at an exec (`extract`).
    #[serde(default)]
    pub sig_blocked: u64,
    /// Signals the program started with ignored.
    #[serde(default)]
    pub sig_ignored: u64,
    /// The stack size limit the program started with (soft, hard; u64::MAX for
    /// unlimited): replay starts it with the same, as it decides the address-space layout.
    #[serde(default)]
    pub stack_limit: Option<(u64, u64)>,
}

/// The recorder's scheduling settings, kept in the header for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduling {
    /// The time slice: CPU time after which a thread that spins while others are ready is
    /// preempted (one that computes, after many slices).
    pub timeslice_us: u64,
    /// Chaos mode: random slices and random choice among ready threads.
    pub chaos: bool,
    /// Seed of chaos mode's random choices.
    pub seed: u64,
}

impl Default for Scheduling {
    fn default() -> Scheduling {
        Scheduling {
            timeslice_us: DEFAULT_TIMESLICE_US,
            chaos: false,
            seed: 0,
        }
    }
}

/// The default time slice.
pub const DEFAULT_TIMESLICE_US: u64 = 20_000;

/// One memory range the kernel wrote during a syscall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemWrite {
    /// Start address in the tracee.
    pub addr: u64,
    /// The bytes.
    #[serde(with = "serde_bytes")]
    pub data: Vec<u8>,
}

/// A file mapping, captured at record so that replay does not need the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedFile {
    /// Content hash naming the copy in `files/`.
    pub hash: String,
    /// The file's path at record time (for display).
    pub path: String,
    /// Offset of the mapping in the file.
    pub offset: u64,
    /// Size of the file at record time.
    pub file_size: u64,
}

/// A file the kernel loaded at an exec (the ELF interpreter), captured into the trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedFile {
    /// The path as the executable names it (its PT_INTERP string).
    pub path: String,
    /// Content hash naming the copy in `files/`.
    pub hash: String,
}

/// One line of /proc/PID/maps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// Start address.
    pub start: u64,
    /// End address (exclusive).
    pub end: u64,
    /// Permissions, e.g. "r-xp".
    pub perms: String,
    /// Path or pseudo-name ("[stack]"), empty for anonymous memory.
    pub name: String,
}

/// How a new task was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloneKind {
    /// fork, or clone without CLONE_VM.
    Fork,
    /// vfork, or clone with CLONE_VFORK.
    Vfork,
    /// clone sharing the address space (a thread or CLONE_VM process).
    Clone,
}

/// One entry of the event stream. Events are numbered from 0 in stream order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A task stopped at the entry of syscall `nr`.
    SyscallEntry {
        /// Recorded thread id.
        tid: i32,
        /// Syscall number.
        nr: i64,
        /// Its six argument registers.
        args: [u64; 6],
    },
    /// The syscall of `tid` returned.
    SyscallExit {
        /// Recorded thread id.
        tid: i32,
        /// The return value (negative errno on failure).
        ret: i64,
        /// Memory the kernel wrote.
        writes: Vec<MemWrite>,
        /// A file mapping made by this (mmap) syscall.
        mapped: Option<MappedFile>,
        /// 1 or 2 when this was a write to rtt's own stdout or stderr.
        echo: Option<u8>,
    },
    /// A signal was delivered to `tid`.
    Signal {
        /// Recorded thread id.
        tid: i32,
        /// Signal number.
        signo: i32,
        /// The kernel's siginfo.
        #[serde(with = "serde_bytes")]
        siginfo: Vec<u8>,
        /// Registers at delivery.
        regs: Regs,
        /// Raised by the instruction at `regs.rip` (a fault), so it recurs by itself.
        sync: bool,
    },
    /// `tid` entered a group-stop (job control: SIGSTOP, SIGTSTP, ...); it stays stopped
    /// until a SIGCONT, recorded as a `Signal` event.
    GroupStop {
        /// Recorded thread id.
        tid: i32,
        /// The stop signal.
        signo: i32,
    },
    /// Memory of `tid` changed without a syscall of its own: a file it maps was written.
    MemoryChanged {
        /// Recorded thread id.
        tid: i32,
        /// The new contents.
        writes: Vec<MemWrite>,
    },
    /// `rdtsc` or `rdtscp` executed by `tid`, emulated.
    Rdtsc {
        /// Recorded thread id.
        tid: i32,
        /// The counter value given to the program.
        value: u64,
        /// TSC_AUX for rdtscp.
        aux: Option<u32>,
    },
    /// `parent`'s fork/vfork/clone created `child`.
    NewTask {
        /// The creating thread.
        parent: i32,
        /// The new thread's id.
        child: i32,
        /// Which kind of creation.
        kind: CloneKind,
        /// Where the kernel stored the child's tid in the child (CLONE_CHILD_SETTID).
        child_tid_addr: Option<u64>,
        /// Where the kernel stored the child's tid in the parent (CLONE_PARENT_SETTID).
        parent_tid_addr: Option<u64>,
    },
    /// `tid` completed an execve.
    Exec {
        /// Recorded thread id.
        tid: i32,
        /// The new executable's path.
        exe: String,
        /// Content hash of the new executable.
        exe_hash: String,
        /// The new program's argv, exactly.
        argv: Vec<serde_bytes::ByteBuf>,
        /// Content hash of the file execve named (the executable, or a `#!` script), so that
        /// replay can exec a copy instead of whatever is at that path now.
        file_hash: Option<String>,
        /// The file name execve was given (AT_EXECFN), exactly: a trace cut out from this
        /// exec starts the program under the same name, so its stack is laid out the same.
        #[serde(with = "serde_bytes")]
        filename: Vec<u8>,
        /// The new program's environment, exactly.
        env: Vec<serde_bytes::ByteBuf>,
        /// The working directory at the exec.
        #[serde(with = "serde_bytes")]
        cwd: Vec<u8>,
        /// The ELF interpreter the kernel loaded (`ld.so`), with its copy: replay loads
        /// the copy, not whatever is at that path on the replaying machine.
        interp: Option<LoadedFile>,
        /// Signals blocked at the exec (bit N-1 for signal N): the mask survives exec.
        sig_blocked: u64,
        /// Signals ignored at the exec: SIG_IGN survives exec too.
        sig_ignored: u64,
        /// The stack size limit (soft, hard; u64::MAX for unlimited): above 128 MiB it
        /// moves where the kernel maps libraries.
        stack_limit: (u64, u64),
        /// The 16 AT_RANDOM bytes the kernel gave the program.
        at_random: [u8; 16],
        /// The address space right after exec.
        maps: Vec<Mapping>,
    },
    /// `tid` ended.
    Exit {
        /// Recorded thread id.
        tid: i32,
        /// How.
        status: ExitStatus,
    },
    /// Recording stopped at a syscall rtt does not support.
    Unsupported {
        /// Recorded thread id.
        tid: i32,
        /// The syscall number.
        nr: i64,
    },
    /// The recording finished normally; the first process ended with `status`.
    End {
        /// The status of the first process.
        status: ExitStatus,
    },
    /// A debugger paused `tid` here while recording (`rtt run`): replay reaches the same
    /// point, found by these registers, so that the live stop has an exact position.
    Pause {
        /// Recorded thread id.
        tid: i32,
        /// Its registers there.
        regs: Regs,
    },
    /// The scheduler took the CPU from `tid` here, in user code, when its time slice ran
    /// out while other threads were ready: replay finds the point by these registers, like
    /// a pause, and lets the next event's thread run.
    Preempt {
        /// Recorded thread id.
        tid: i32,
        /// Its registers there.
        regs: Regs,
    },
    /// A debugger set `tid`'s registers while recording (at the live end of history).
    SetRegs {
        /// Recorded thread id.
        tid: i32,
        /// The new registers.
        regs: Regs,
    },
    /// Emulated ptrace: what a tracer among the tracees did to thread `tid`, its tracee
    /// (or, for `Unsupported`, what the tracer `tid` asked for in vain).
    Nested {
        /// The thread concerned.
        tid: i32,
        /// What happened.
        op: NestedOp,
    },
}

/// A stop of a thread traced by an emulated tracer, as the tracer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NestedStopKind {
    /// At a syscall's entry, before the syscall ran (replay brings the thread there).
    SyscallEntry,
    /// After a syscall's exit.
    SyscallExit,
    /// A signal's delivery (the signal's own event came before).
    Signal,
    /// A ptrace event (exec, fork, clone) or an interrupt.
    Event,
    /// At a syscall's entry under PTRACE_SYSEMU: the syscall is not run (replay brings the
    /// thread there, and skips it).
    SysemuEntry,
    /// In a group-stop (the GroupStop event came before); resuming it ends rtt's
    /// PTRACE_LISTEN of it.
    GroupStop,
    /// An event stop made at a syscall's entry, before the syscall (the exit event of
    /// `exit`/`exit_group`): replay brings the thread to that entry.
    EntryEvent,
}

/// What an emulated tracer did to its tracee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum NestedOp {
    /// The tracee stopped for its tracer.
    Stop(NestedStopKind),
    /// The tracer resumed it.
    Resume {
        /// Single-stepping (until the step's SIGTRAP).
        step: bool,
        /// At a signal's delivery: the signal delivered (0: none).
        sig: Option<i32>,
        /// The signal's information, when the tracer replaced it (else empty).
        #[serde(with = "serde_bytes")]
        siginfo: Vec<u8>,
    },
    /// The tracer wrote a word of `struct user` outside the general registers (a debug
    /// register).
    PokeUser {
        /// Offset in `struct user`.
        offset: u64,
        /// The word written.
        value: u64,
    },
    /// The tracer wrote a register set other than the general registers.
    SetRegset {
        /// The set (NT_PRFPREG, NT_X86_XSTATE, ...).
        nt: u64,
        /// Its contents.
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
    },
    /// The tracer set the tracee's blocked signals (PTRACE_SETSIGMASK).
    SetSigmask {
        /// The mask (bit N-1 for signal N).
        mask: u64,
    },
    /// The tracer made a ptrace request rtt does not emulate: it failed with EIO.
    Unsupported {
        /// The request number.
        request: i64,
    },
}

impl Event {
    /// The captured files replaying this event needs: (recorded path, content hash).
    pub fn captured_files(&self) -> Vec<(String, String)> {
        match self {
            Event::Exec {
                exe,
                exe_hash,
                file_hash,
                filename,
                interp,
                ..
            } => {
                let mut files = vec![(exe.clone(), exe_hash.clone())];
                if let Some(h) = file_hash {
                    files.push((String::from_utf8_lossy(filename).into_owned(), h.clone()));
                }
                if let Some(i) = interp {
                    files.push((i.path.clone(), i.hash.clone()));
                }
                files
            }
            Event::SyscallExit {
                mapped: Some(m), ..
            } => vec![(m.path.clone(), m.hash.clone())],
            _ => Vec::new(),
        }
    }

    /// The thread the event belongs to, if any.
    pub fn tid(&self) -> Option<i32> {
        match self {
            Event::SyscallEntry { tid, .. }
            | Event::SyscallExit { tid, .. }
            | Event::Signal { tid, .. }
            | Event::Rdtsc { tid, .. }
            | Event::GroupStop { tid, .. }
            | Event::MemoryChanged { tid, .. }
            | Event::Exec { tid, .. }
            | Event::Exit { tid, .. }
            | Event::Unsupported { tid, .. }
            | Event::Pause { tid, .. }
            | Event::Preempt { tid, .. }
            | Event::SetRegs { tid, .. }
            | Event::Nested { tid, .. } => Some(*tid),
            Event::NewTask { parent, .. } => Some(*parent),
            Event::End { .. } => None,
        }
    }
}

/// A command line for display: the arguments lossily decoded, joined by spaces.
pub fn shown_command<A: AsRef<[u8]>>(argv: &[A]) -> String {
    argv.iter()
        .map(|a| String::from_utf8_lossy(a.as_ref()).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
