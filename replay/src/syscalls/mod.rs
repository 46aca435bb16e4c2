//! The syscall table: for every x86-64 syscall, its name and how rtt records and replays it.
//!
//! The record and replay paths never grow a `match` per syscall: they look the syscall up
//! here and act on its [`Policy`], and compute the memory the kernel wrote from its [`Out`]
//! descriptions with [`output_regions`].

mod outs;
mod table;

pub use outs::{ioctl_is_known, output_regions};

/// How a syscall is treated at record and at replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Runs for real at record; skipped at replay, where its result and the memory it
    /// wrote are restored from the trace (read, stat, clock_gettime, socket I/O, ...).
    Emulate,
    /// Runs at record and again at replay; the replayed result must equal the recorded one
    /// (brk, anonymous mmap, mprotect, sigaction, ...).
    Reexec,
    /// Runs at record and at replay, but the replayed result is replaced by the recorded
    /// one because it names something that differs between runs (set_tid_address).
    ReexecRestoreResult,
    /// Never runs: at record and replay it returns this (negative errno) value, e.g. rseq is
    /// reported as unavailable so that libc does not use it.
    Fake(i64),
    /// Handled by dedicated code in the recorder and replayer (mmap, execve, clone, ...).
    Special,
    /// rtt cannot record it: recording stops with a clear error naming it.
    Unsupported,
}

/// Where the length of an output buffer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Len {
    /// The syscall's (non-negative) return value, in bytes.
    Ret,
    /// A fixed size in bytes.
    Fixed(u32),
    /// The value of argument N, in bytes.
    Arg(u8),
    /// The return value times this many bytes.
    RetTimes(u32),
    /// Argument N times this many bytes.
    ArgTimes(u8, u32),
    /// The `u32` that argument N points to, read after the syscall (socklen_t out-params).
    DerefU32(u8),
    /// An `fd_set` sized for `nfds` = argument N: `(nfds + 63) / 64 * 8` bytes.
    FdSet(u8),
}

/// Out-parameters whose layout needs code (nested pointers, request-dependent sizes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Custom {
    /// ioctl: size from the request number.
    Ioctl,
    /// fcntl: F_GETLK and friends.
    Fcntl,
    /// prctl: PR_GET_NAME and friends.
    Prctl,
    /// recvmsg: the msghdr, its name, iovecs and control buffer.
    Recvmsg,
    /// recvmmsg: an array of mmsghdr.
    Recvmmsg,
    /// sendmmsg: the msg_len fields of the mmsghdr array.
    Sendmmsg,
    /// pselect6: the fd sets and timeout.
    Pselect6,
    /// futex: the words the kernel itself writes (FUTEX_WAKE_OP's second word, the PI
    /// operations' owner words).
    Futex,
}

/// One piece of memory a syscall may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// Argument `ptr` points to a buffer of `len` bytes (skipped when the pointer is NULL).
    Buf {
        /// Index of the pointer argument (0-5).
        ptr: u8,
        /// Its length.
        len: Len,
    },
    /// readv-style: `ret` bytes scattered over the iovec array at argument `iov`
    /// with `cnt` entries (argument index).
    Scatter {
        /// Index of the iovec pointer argument.
        iov: u8,
        /// Index of the iovec count argument.
        cnt: u8,
    },
    /// Computed by code.
    Custom(Custom),
}

/// One row of the table.
#[derive(Debug)]
pub struct SyscallDef {
    /// x86-64 syscall number.
    pub nr: u32,
    /// Its name, as in `man 2`.
    pub name: &'static str,
    /// How many arguments it takes (for display).
    pub nargs: u8,
    /// How it is recorded and replayed.
    pub policy: Policy,
    /// Memory it writes on success.
    pub outs: &'static [Out],
    /// Whether `outs` are written on failure too (nanosleep's remaining time on EINTR).
    pub outs_on_error: bool,
}

/// The definition of syscall `nr`, if it is a known x86-64 syscall.
pub fn lookup(nr: i64) -> Option<&'static SyscallDef> {
    let idx = usize::try_from(nr).ok()?;
    by_number().get(idx).copied().flatten()
}

/// The name of syscall `nr`, or `"syscall_N"` when it has none.
pub fn name(nr: i64) -> String {
    match lookup(nr) {
        Some(def) => def.name.to_string(),
        None => format!("syscall_{nr}"),
    }
}

fn by_number() -> &'static [Option<&'static SyscallDef>] {
    static INDEX: std::sync::OnceLock<Vec<Option<&'static SyscallDef>>> =
        std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let max = table::TABLE
            .iter()
            .map(|d| d.nr as usize)
            .max()
            .unwrap_or(0);
        let mut v = vec![None; max + 1];
        for def in table::TABLE {
            v[def.nr as usize] = Some(def);
        }
        v
    })
}
