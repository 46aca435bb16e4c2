//! The x86-64 syscall table: every syscall number of `arch/x86/entry/syscalls/syscall_64.tbl`
//! (0..=336 and 424..=462) with its name, argument count, policy and out-parameters.
//!
//! Rows are grouped by topic, not by number. Struct sizes are the x86-64 kernel ABI sizes.
//! Capturing a few bytes more than the kernel wrote is harmless (they are restored with the
//! same value they had at record); capturing less makes replay diverge, so when a layout can
//! only be approximated the row errs on the large side and says so.

use super::Custom::{Fcntl, Futex, Ioctl, Prctl, Pselect6, Recvmmsg, Recvmsg, Sendmmsg};
use super::Len::{self, Arg, ArgTimes, DerefU32, FdSet, Fixed, Ret, RetTimes};
use super::Out::{self, Custom};
use super::Policy::{Emulate, Fake, Reexec, ReexecRestoreResult, Special, Unsupported};
use super::SyscallDef;

const ENOSYS: i64 = libc::ENOSYS as i64;

// x86-64 sizes of the structures syscalls write.
const STAT: u32 = 144;
const STATX: u32 = 256;
const STATFS: u32 = 120;
const USTAT: u32 = 32;
const UTSNAME: u32 = 390;
const SYSINFO: u32 = 112;
const TMS: u32 = 32;
const TIMESPEC: u32 = 16;
const TIMEVAL: u32 = 16;
const TIMEZONE: u32 = 8;
const ITIMERVAL: u32 = 32;
const ITIMERSPEC: u32 = 32;
const TIMEX: u32 = 208;
const RLIMIT: u32 = 16;
const RUSAGE: u32 = 144;
const SIGINFO: u32 = 128;
/// The kernel's `struct sigaction` (handler, flags, restorer, 8-byte mask).
const KSIGACTION: u32 = 32;
const STACK_T: u32 = 24;
const EPOLL_EVENT: u32 = 12;
const POLLFD: u32 = 8;
const SOCKLEN: u32 = 4;
const CAP_HEADER: u32 = 8;
/// Two `__user_cap_data_struct` of 12 bytes (capability version 2 and 3).
const CAP_DATA: u32 = 24;
const SCHED_PARAM: u32 = 4;
const MQ_ATTR: u32 = 64;
const CACHESTAT: u32 = 40;
/// `struct file_handle` header (8 bytes) plus `MAX_HANDLE_SZ` (128) bytes of handle.
const FILE_HANDLE_MAX: u32 = 136;
/// `struct seccomp_notif_sizes` (three u16).
const SECCOMP_NOTIF_SIZES: u32 = 6;

/// Argument `ptr` points to `len` bytes the kernel writes.
const fn buf(ptr: u8, len: Len) -> Out {
    Out::Buf { ptr, len }
}

/// `ret` bytes scattered over the iovec array at argument `iov` with `cnt` entries.
const fn scatter(iov: u8, cnt: u8) -> Out {
    Out::Scatter { iov, cnt }
}

/// `sc!(nr, "name", nargs, Policy [, [outs...]] [, on_error])`
macro_rules! sc {
    ($nr:literal, $name:literal, $nargs:literal, $policy:expr) => {
        sc!($nr, $name, $nargs, $policy, [])
    };
    ($nr:literal, $name:literal, $nargs:literal, $policy:expr, [$($out:expr),* $(,)?]) => {
        SyscallDef {
            nr: $nr,
            name: $name,
            nargs: $nargs,
            policy: $policy,
            outs: &[$($out),*],
            outs_on_error: false,
        }
    };
    ($nr:literal, $name:literal, $nargs:literal, $policy:expr, [$($out:expr),* $(,)?], on_error) => {
        SyscallDef {
            nr: $nr,
            name: $name,
            nargs: $nargs,
            policy: $policy,
            outs: &[$($out),*],
            outs_on_error: true,
        }
    };
}

/// Every x86-64 syscall, grouped by topic.
#[rustfmt::skip]
pub static TABLE: &[SyscallDef] = &[
    // ---- Reading and writing file descriptors ----
    sc!(0,   "read",              3, Emulate, [buf(1, Ret)]),
    sc!(1,   "write",             3, Emulate),
    sc!(17,  "pread64",           4, Emulate, [buf(1, Ret)]),
    sc!(18,  "pwrite64",          4, Emulate),
    sc!(19,  "readv",             3, Emulate, [scatter(1, 2)]),
    sc!(20,  "writev",            3, Emulate),
    sc!(295, "preadv",            5, Emulate, [scatter(1, 2)]),
    sc!(296, "pwritev",           5, Emulate),
    sc!(327, "preadv2",           6, Emulate, [scatter(1, 2)]),
    sc!(328, "pwritev2",          6, Emulate),
    sc!(8,   "lseek",             3, Emulate),

    // ---- Opening, closing and duplicating file descriptors ----
    sc!(2,   "open",              3, Emulate),
    sc!(257, "openat",            4, Emulate),
    sc!(437, "openat2",           4, Emulate),
    sc!(85,  "creat",             2, Emulate),
    sc!(3,   "close",             1, Emulate),
    sc!(436, "close_range",       3, Emulate),
    sc!(32,  "dup",               1, Emulate),
    sc!(33,  "dup2",              2, Emulate),
    sc!(292, "dup3",              3, Emulate),
    // file_handle (header + handle bytes) at arg2, mount id at arg3; on EOVERFLOW the
    // kernel writes the header with the needed size. The handle is sized for
    // MAX_HANDLE_SZ, so a smaller caller buffer is over-captured.
    sc!(303, "name_to_handle_at", 5, Emulate, [buf(2, Fixed(FILE_HANDLE_MAX)), buf(3, Fixed(4))], on_error),
    sc!(304, "open_by_handle_at", 3, Emulate),

    // ---- ioctl, fcntl, locks ----
    sc!(16,  "ioctl",             3, Emulate, [Custom(Ioctl)]),
    sc!(72,  "fcntl",             3, Emulate, [Custom(Fcntl)]),
    sc!(73,  "flock",             2, Emulate),

    // ---- File metadata ----
    sc!(4,   "stat",              2, Emulate, [buf(1, Fixed(STAT))]),
    sc!(5,   "fstat",             2, Emulate, [buf(1, Fixed(STAT))]),
    sc!(6,   "lstat",             2, Emulate, [buf(1, Fixed(STAT))]),
    sc!(262, "newfstatat",        4, Emulate, [buf(2, Fixed(STAT))]),
    sc!(332, "statx",             5, Emulate, [buf(4, Fixed(STATX))]),
    sc!(21,  "access",            2, Emulate),
    sc!(269, "faccessat",         3, Emulate),
    sc!(439, "faccessat2",        4, Emulate),
    sc!(90,  "chmod",             2, Emulate),
    sc!(91,  "fchmod",            2, Emulate),
    sc!(268, "fchmodat",          3, Emulate),
    sc!(452, "fchmodat2",         4, Emulate),
    sc!(92,  "chown",             3, Emulate),
    sc!(93,  "fchown",            3, Emulate),
    sc!(94,  "lchown",            3, Emulate),
    sc!(260, "fchownat",          5, Emulate),
    sc!(95,  "umask",             1, Emulate),
    sc!(132, "utime",             2, Emulate),
    sc!(235, "utimes",            2, Emulate),
    sc!(261, "futimesat",         3, Emulate),
    sc!(280, "utimensat",         4, Emulate),
    sc!(76,  "truncate",          2, Emulate),
    sc!(77,  "ftruncate",         2, Emulate),
    sc!(285, "fallocate",         4, Emulate),
    sc!(221, "fadvise64",         4, Emulate),
    sc!(187, "readahead",         3, Emulate),
    // The file's page cache state (struct cachestat) at arg2.
    sc!(451, "cachestat",         4, Emulate, [buf(2, Fixed(CACHESTAT))]),

    // ---- Extended attributes: get* and list* return the byte count they wrote ----
    sc!(188, "setxattr",          5, Emulate),
    sc!(189, "lsetxattr",         5, Emulate),
    sc!(190, "fsetxattr",         5, Emulate),
    sc!(191, "getxattr",          4, Emulate, [buf(2, Ret)]),
    sc!(192, "lgetxattr",         4, Emulate, [buf(2, Ret)]),
    sc!(193, "fgetxattr",         4, Emulate, [buf(2, Ret)]),
    sc!(194, "listxattr",         3, Emulate, [buf(1, Ret)]),
    sc!(195, "llistxattr",        3, Emulate, [buf(1, Ret)]),
    sc!(196, "flistxattr",        3, Emulate, [buf(1, Ret)]),
    sc!(197, "removexattr",       2, Emulate),
    sc!(198, "lremovexattr",      2, Emulate),
    sc!(199, "fremovexattr",      2, Emulate),

    // ---- Directories and names ----
    sc!(78,  "getdents",          3, Emulate, [buf(1, Ret)]),
    sc!(217, "getdents64",        3, Emulate, [buf(1, Ret)]),
    sc!(79,  "getcwd",            2, Emulate, [buf(0, Ret)]),
    sc!(80,  "chdir",             1, Emulate),
    sc!(81,  "fchdir",            1, Emulate),
    sc!(83,  "mkdir",             2, Emulate),
    sc!(258, "mkdirat",           3, Emulate),
    sc!(84,  "rmdir",             1, Emulate),
    sc!(82,  "rename",            2, Emulate),
    sc!(264, "renameat",          4, Emulate),
    sc!(316, "renameat2",         5, Emulate),
    sc!(86,  "link",              2, Emulate),
    sc!(265, "linkat",            5, Emulate),
    sc!(87,  "unlink",            1, Emulate),
    sc!(263, "unlinkat",          3, Emulate),
    sc!(88,  "symlink",           2, Emulate),
    sc!(266, "symlinkat",         3, Emulate),
    sc!(89,  "readlink",          3, Emulate, [buf(1, Ret)]),
    sc!(267, "readlinkat",        4, Emulate, [buf(2, Ret)]),
    sc!(133, "mknod",             3, Emulate),
    sc!(259, "mknodat",           4, Emulate),

    // ---- File systems, syncing, mounts ----
    sc!(137, "statfs",            2, Emulate, [buf(1, Fixed(STATFS))]),
    sc!(138, "fstatfs",           2, Emulate, [buf(1, Fixed(STATFS))]),
    sc!(136, "ustat",             2, Emulate, [buf(1, Fixed(USTAT))]),
    sc!(162, "sync",              0, Emulate),
    sc!(306, "syncfs",            1, Emulate),
    sc!(74,  "fsync",             1, Emulate),
    sc!(75,  "fdatasync",         1, Emulate),
    sc!(277, "sync_file_range",   4, Emulate),
    sc!(161, "chroot",            1, Emulate),
    sc!(155, "pivot_root",        2, Emulate),
    sc!(165, "mount",             5, Emulate),
    sc!(166, "umount2",           2, Emulate),
    sc!(428, "open_tree",         3, Emulate),
    sc!(429, "move_mount",        5, Emulate),
    sc!(430, "fsopen",            2, Emulate),
    sc!(431, "fsconfig",          5, Emulate),
    sc!(432, "fsmount",           3, Emulate),
    sc!(433, "fspick",            3, Emulate),
    sc!(442, "mount_setattr",     5, Emulate),
    // struct statmount; its first u32 is the total size written (strings included).
    sc!(457, "statmount",         4, Emulate, [buf(1, DerefU32(1))]),
    // Returns the number of u64 mount ids written at arg1.
    sc!(458, "listmount",         4, Emulate, [buf(1, RetTimes(8))]),
    sc!(167, "swapon",            2, Emulate),
    sc!(168, "swapoff",           1, Emulate),
    // Output layout depends on the command (if_dqblk, if_dqinfo, fs_disk_quota, ...).
    sc!(179, "quotactl",          4, Unsupported),
    sc!(443, "quotactl_fd",       4, Unsupported),
    // Writes a file system name for option 2 of unknown length.
    sc!(139, "sysfs",             3, Unsupported),

    // ---- Pipes, splicing and special file descriptors ----
    sc!(22,  "pipe",              1, Emulate, [buf(0, Fixed(8))]),
    sc!(293, "pipe2",             2, Emulate, [buf(0, Fixed(8))]),
    // Offset pointers are updated in place.
    sc!(40,  "sendfile",          4, Emulate, [buf(2, Fixed(8))]),
    sc!(326, "copy_file_range",   6, Emulate, [buf(1, Fixed(8)), buf(3, Fixed(8))]),
    sc!(275, "splice",            6, Emulate, [buf(1, Fixed(8)), buf(3, Fixed(8))]),
    sc!(276, "tee",               4, Emulate),
    // Maps user pages into a pipe: later writes to them would show through.
    sc!(278, "vmsplice",          4, Unsupported),
    sc!(284, "eventfd",           1, Emulate),
    sc!(290, "eventfd2",          2, Emulate),
    sc!(282, "signalfd",          3, Emulate),
    sc!(289, "signalfd4",         4, Emulate),
    sc!(283, "timerfd_create",    2, Emulate),
    sc!(286, "timerfd_settime",   4, Emulate, [buf(3, Fixed(ITIMERSPEC))]),
    sc!(287, "timerfd_gettime",   2, Emulate, [buf(1, Fixed(ITIMERSPEC))]),
    sc!(253, "inotify_init",      0, Emulate),
    sc!(294, "inotify_init1",     1, Emulate),
    sc!(254, "inotify_add_watch", 3, Emulate),
    sc!(255, "inotify_rm_watch",  2, Emulate),
    sc!(300, "fanotify_init",     2, Emulate),
    sc!(301, "fanotify_mark",     5, Emulate),
    sc!(319, "memfd_create",      2, Emulate),
    // Its pages cannot be read through ptrace or /proc/pid/mem.
    sc!(447, "memfd_secret",      1, Unsupported),

    // ---- Polling ----
    // poll copies revents back even when interrupted (-EINTR), so outs on error too.
    sc!(7,   "poll",              3, Emulate, [buf(0, ArgTimes(1, POLLFD))], on_error),
    // select writes the remaining timeout even on error; the fd sets are only written on
    // success (capturing them on error restores unchanged bytes).
    sc!(23,  "select",            5, Emulate, [buf(1, FdSet(0)), buf(2, FdSet(0)), buf(3, FdSet(0)), buf(4, Fixed(TIMEVAL))], on_error),
    sc!(270, "pselect6",          6, Special, [Custom(Pselect6)], on_error),
    sc!(271, "ppoll",             5, Special, [buf(0, ArgTimes(1, POLLFD)), buf(2, Fixed(TIMESPEC))], on_error),
    sc!(213, "epoll_create",      1, Emulate),
    sc!(291, "epoll_create1",     1, Emulate),
    sc!(233, "epoll_ctl",         4, Emulate),
    sc!(232, "epoll_wait",        4, Emulate, [buf(1, RetTimes(EPOLL_EVENT))]),
    sc!(281, "epoll_pwait",       6, Special, [buf(1, RetTimes(EPOLL_EVENT))]),
    sc!(441, "epoll_pwait2",      6, Special, [buf(1, RetTimes(EPOLL_EVENT))]),

    // ---- Sockets ----
    sc!(41,  "socket",            3, Emulate),
    sc!(53,  "socketpair",        4, Emulate, [buf(3, Fixed(8))]),
    sc!(49,  "bind",              3, Emulate),
    sc!(50,  "listen",            2, Emulate),
    sc!(42,  "connect",           3, Emulate),
    // The address lengths are read back after the call (socklen_t in/out parameters).
    sc!(43,  "accept",            3, Emulate, [buf(1, DerefU32(2)), buf(2, Fixed(SOCKLEN))]),
    sc!(288, "accept4",           4, Emulate, [buf(1, DerefU32(2)), buf(2, Fixed(SOCKLEN))]),
    sc!(51,  "getsockname",       3, Emulate, [buf(1, DerefU32(2)), buf(2, Fixed(SOCKLEN))]),
    sc!(52,  "getpeername",       3, Emulate, [buf(1, DerefU32(2)), buf(2, Fixed(SOCKLEN))]),
    sc!(55,  "getsockopt",        5, Emulate, [buf(3, DerefU32(4)), buf(4, Fixed(SOCKLEN))]),
    sc!(54,  "setsockopt",        5, Emulate),
    sc!(44,  "sendto",            6, Emulate),
    sc!(45,  "recvfrom",          6, Emulate, [buf(1, Ret), buf(4, DerefU32(5)), buf(5, Fixed(SOCKLEN))]),
    sc!(46,  "sendmsg",           3, Emulate),
    sc!(47,  "recvmsg",           3, Emulate, [Custom(Recvmsg)]),
    sc!(307, "sendmmsg",          4, Emulate, [Custom(Sendmmsg)]),
    sc!(299, "recvmmsg",          5, Emulate, [Custom(Recvmmsg)]),
    sc!(48,  "shutdown",          2, Emulate),

    // ---- Memory ----
    sc!(9,   "mmap",              6, Special),
    sc!(11,  "munmap",            2, Reexec),
    sc!(10,  "mprotect",          3, Reexec),
    sc!(329, "pkey_mprotect",     4, Reexec),
    sc!(330, "pkey_alloc",        2, Reexec),
    sc!(331, "pkey_free",         1, Reexec),
    sc!(12,  "brk",               1, Reexec),
    sc!(25,  "mremap",            5, Reexec),
    sc!(28,  "madvise",           3, Reexec),
    // Sealing changes whether later (re-executed) munmap/mprotect calls succeed.
    sc!(462, "mseal",             3, Reexec),
    // Residency bytes, one per page of [addr, addr+len): (len + 4095) / 4096 bytes, which
    // no Len can express; re-executed so that the kernel writes the vector itself.
    sc!(27,  "mincore",           3, Reexec),
    sc!(26,  "msync",             3, Emulate),
    sc!(149, "mlock",             2, Emulate),
    sc!(150, "munlock",           2, Emulate),
    sc!(151, "mlockall",          1, Emulate),
    sc!(152, "munlockall",        0, Emulate),
    sc!(325, "mlock2",            3, Emulate),
    sc!(324, "membarrier",        3, Emulate),
    sc!(237, "mbind",             6, Emulate),
    sc!(238, "set_mempolicy",     3, Emulate),
    sc!(450, "set_mempolicy_home_node", 4, Emulate),
    // mode at arg0; the node mask gets ALIGN(maxnode - 1, 64) / 8 bytes, which FdSet(2)
    // covers (8 bytes more when maxnode - 1 is a multiple of 64).
    sc!(239, "get_mempolicy",     5, Emulate, [buf(0, Fixed(4)), buf(1, FdSet(2))]),
    sc!(256, "migrate_pages",     4, Emulate),
    // One int status per page at arg4.
    sc!(279, "move_pages",        6, Emulate, [buf(4, ArgTimes(1, 4))]),
    sc!(440, "process_madvise",   5, Emulate),
    sc!(448, "process_mrelease",  2, Emulate),
    sc!(216, "remap_file_pages",  5, Unsupported),
    sc!(453, "map_shadow_stack",  3, Unsupported),
    sc!(323, "userfaultfd",       1, Unsupported),
    // A tracer reading or writing its tracee's memory (a write is also recorded as the
    // tracee's memory change).
    sc!(310, "process_vm_readv",  6, Emulate, [scatter(1, 2)]),
    sc!(311, "process_vm_writev", 6, Emulate),

    // ---- Processes and threads ----
    sc!(56,  "clone",             5, Special),
    sc!(435, "clone3",            2, Special),
    sc!(57,  "fork",              0, Special),
    sc!(58,  "vfork",             0, Special),
    sc!(59,  "execve",            3, Special),
    sc!(322, "execveat",          5, Special),
    sc!(101, "ptrace",            4, Special),
    sc!(60,  "exit",              1, Reexec),
    sc!(231, "exit_group",        1, Reexec),
    sc!(61,  "wait4",             4, Emulate, [buf(1, Fixed(4)), buf(3, Fixed(RUSAGE))]),
    sc!(247, "waitid",            5, Emulate, [buf(2, Fixed(SIGINFO)), buf(4, Fixed(RUSAGE))]),
    sc!(218, "set_tid_address",   1, ReexecRestoreResult),
    sc!(273, "set_robust_list",   2, Reexec),
    sc!(274, "get_robust_list",   3, Emulate, [buf(1, Fixed(8)), buf(2, Fixed(8))]),
    sc!(334, "rseq",              4, Fake(-ENOSYS)),
    sc!(158, "arch_prctl",        2, Reexec),
    sc!(157, "prctl",             5, Emulate, [Custom(Prctl)]),
    sc!(135, "personality",       1, Reexec),
    // SECCOMP_GET_NOTIF_SIZES writes struct seccomp_notif_sizes at arg2; for the other
    // operations arg2 points to input at least that large, or is NULL.
    sc!(317, "seccomp",           3, Emulate, [buf(2, Fixed(SECCOMP_NOTIF_SIZES))]),
    sc!(272, "unshare",           1, Emulate),
    sc!(308, "setns",             2, Emulate),
    sc!(312, "kcmp",              5, Emulate),
    sc!(434, "pidfd_open",        2, Emulate),
    sc!(424, "pidfd_send_signal", 4, Emulate),
    // Installs a copy of another process's descriptor.
    sc!(438, "pidfd_getfd",       3, Unsupported),
    sc!(219, "restart_syscall",   0, Emulate),
    // The futex word is shared memory that other threads change while this one is in the
    // kernel, so a copy taken at the syscall exit could undo their later writes at
    // replay: only the words the kernel itself writes are kept (FUTEX_WAKE_OP's second
    // word, the PI operations' owner words).
    sc!(202, "futex",             6, Emulate, [Custom(Futex)]),
    sc!(449, "futex_waitv",       5, Emulate),
    sc!(454, "futex_wake",        4, Emulate),
    sc!(455, "futex_wait",        6, Emulate),
    sc!(456, "futex_requeue",     4, Emulate),

    // ---- Signals ----
    sc!(13,  "rt_sigaction",      4, Reexec, [buf(2, Fixed(KSIGACTION))]),
    sc!(14,  "rt_sigprocmask",    4, Reexec, [buf(2, Arg(3))]),
    sc!(15,  "rt_sigreturn",      0, Reexec),
    sc!(131, "sigaltstack",       2, Reexec, [buf(1, Fixed(STACK_T))]),
    sc!(130, "rt_sigsuspend",     2, Special),
    sc!(34,  "pause",             0, Special),
    sc!(127, "rt_sigpending",     2, Emulate, [buf(0, Arg(1))]),
    sc!(128, "rt_sigtimedwait",   4, Emulate, [buf(1, Fixed(SIGINFO))]),
    sc!(129, "rt_sigqueueinfo",   3, Emulate),
    sc!(297, "rt_tgsigqueueinfo", 4, Emulate),
    sc!(62,  "kill",              2, Emulate),
    sc!(200, "tkill",             2, Emulate),
    sc!(234, "tgkill",            3, Emulate),

    // ---- Time, sleeping and timers ----
    sc!(228, "clock_gettime",     2, Emulate, [buf(1, Fixed(TIMESPEC))]),
    sc!(229, "clock_getres",      2, Emulate, [buf(1, Fixed(TIMESPEC))]),
    sc!(227, "clock_settime",     2, Emulate),
    sc!(305, "clock_adjtime",     2, Emulate, [buf(1, Fixed(TIMEX))]),
    sc!(159, "adjtimex",          1, Emulate, [buf(0, Fixed(TIMEX))]),
    sc!(96,  "gettimeofday",      2, Emulate, [buf(0, Fixed(TIMEVAL)), buf(1, Fixed(TIMEZONE))]),
    sc!(164, "settimeofday",      2, Emulate),
    sc!(201, "time",              1, Emulate, [buf(0, Fixed(8))]),
    sc!(100, "times",             1, Emulate, [buf(0, Fixed(TMS))]),
    // The remaining time is written when a signal interrupts the sleep.
    sc!(35,  "nanosleep",         2, Emulate, [buf(1, Fixed(TIMESPEC))], on_error),
    sc!(230, "clock_nanosleep",   4, Emulate, [buf(3, Fixed(TIMESPEC))], on_error),
    sc!(37,  "alarm",             1, Emulate),
    sc!(36,  "getitimer",         2, Emulate, [buf(1, Fixed(ITIMERVAL))]),
    sc!(38,  "setitimer",         3, Emulate, [buf(2, Fixed(ITIMERVAL))]),
    sc!(222, "timer_create",      3, Emulate, [buf(2, Fixed(4))]),
    sc!(223, "timer_settime",     4, Emulate, [buf(3, Fixed(ITIMERSPEC))]),
    sc!(224, "timer_gettime",     2, Emulate, [buf(1, Fixed(ITIMERSPEC))]),
    sc!(225, "timer_getoverrun",  1, Emulate),
    sc!(226, "timer_delete",      1, Emulate),

    // ---- Identity and credentials ----
    sc!(39,  "getpid",            0, Emulate),
    sc!(110, "getppid",           0, Emulate),
    sc!(186, "gettid",            0, Emulate),
    sc!(102, "getuid",            0, Emulate),
    sc!(107, "geteuid",           0, Emulate),
    sc!(104, "getgid",            0, Emulate),
    sc!(108, "getegid",           0, Emulate),
    sc!(118, "getresuid",         3, Emulate, [buf(0, Fixed(4)), buf(1, Fixed(4)), buf(2, Fixed(4))]),
    sc!(120, "getresgid",         3, Emulate, [buf(0, Fixed(4)), buf(1, Fixed(4)), buf(2, Fixed(4))]),
    // With size 0 nothing is written but the count is returned (list is usually NULL then).
    sc!(115, "getgroups",         2, Emulate, [buf(1, RetTimes(4))]),
    sc!(116, "setgroups",         2, Emulate),
    sc!(105, "setuid",            1, Emulate),
    sc!(106, "setgid",            1, Emulate),
    sc!(113, "setreuid",          2, Emulate),
    sc!(114, "setregid",          2, Emulate),
    sc!(117, "setresuid",         3, Emulate),
    sc!(119, "setresgid",         3, Emulate),
    sc!(122, "setfsuid",          1, Emulate),
    sc!(123, "setfsgid",          1, Emulate),
    sc!(111, "getpgrp",           0, Emulate),
    sc!(121, "getpgid",           1, Emulate),
    sc!(109, "setpgid",           2, Emulate),
    sc!(124, "getsid",            1, Emulate),
    sc!(112, "setsid",            0, Emulate),
    // An unknown header version is answered with the preferred one and -EINVAL.
    sc!(125, "capget",            2, Emulate, [buf(0, Fixed(CAP_HEADER)), buf(1, Fixed(CAP_DATA))], on_error),
    sc!(126, "capset",            2, Emulate),

    // ---- System information, limits and scheduling ----
    sc!(63,  "uname",             1, Emulate, [buf(0, Fixed(UTSNAME))]),
    sc!(99,  "sysinfo",           1, Emulate, [buf(0, Fixed(SYSINFO))]),
    sc!(170, "sethostname",       2, Emulate),
    sc!(171, "setdomainname",     2, Emulate),
    sc!(318, "getrandom",         3, Emulate, [buf(0, Ret)]),
    sc!(309, "getcpu",            3, Emulate, [buf(0, Fixed(4)), buf(1, Fixed(4))]),
    sc!(97,  "getrlimit",         2, Emulate, [buf(1, Fixed(RLIMIT))]),
    sc!(160, "setrlimit",         2, ReexecRestoreResult),
    sc!(302, "prlimit64",         4, ReexecRestoreResult, [buf(3, Fixed(RLIMIT))]),
    sc!(98,  "getrusage",         2, Emulate, [buf(1, Fixed(RUSAGE))]),
    sc!(140, "getpriority",       2, Emulate),
    sc!(141, "setpriority",       3, Emulate),
    sc!(251, "ioprio_set",        3, Emulate),
    sc!(252, "ioprio_get",        2, Emulate),
    sc!(24,  "sched_yield",       0, Emulate),
    sc!(203, "sched_setaffinity", 3, Emulate),
    sc!(204, "sched_getaffinity", 3, Emulate, [buf(2, Ret)]),
    sc!(142, "sched_setparam",    2, Emulate),
    sc!(143, "sched_getparam",    2, Emulate, [buf(1, Fixed(SCHED_PARAM))]),
    sc!(144, "sched_setscheduler", 3, Emulate),
    sc!(145, "sched_getscheduler", 1, Emulate),
    sc!(146, "sched_get_priority_max", 1, Emulate),
    sc!(147, "sched_get_priority_min", 1, Emulate),
    sc!(148, "sched_rr_get_interval", 2, Emulate, [buf(1, Fixed(TIMESPEC))]),
    // On E2BIG the kernel stores the size it expects in attr->size (the first u32).
    sc!(314, "sched_setattr",     3, Emulate, [buf(1, Fixed(4))], on_error),
    // Writes at most `size` (arg2) bytes.
    sc!(315, "sched_getattr",     4, Emulate, [buf(1, Arg(2))]),

    // ---- System V IPC and POSIX message queues ----
    // Shared memory aliases the address space.
    sc!(29,  "shmget",            3, Unsupported),
    sc!(30,  "shmat",             3, Unsupported),
    sc!(31,  "shmctl",            3, Unsupported),
    sc!(67,  "shmdt",             1, Unsupported),
    sc!(64,  "semget",            3, Emulate),
    sc!(65,  "semop",             3, Emulate),
    sc!(220, "semtimedop",        4, Emulate),
    // Output depends on the command (semid_ds, GETALL arrays, seminfo).
    sc!(66,  "semctl",            4, Unsupported),
    sc!(68,  "msgget",            2, Emulate),
    sc!(69,  "msgsnd",            4, Emulate),
    // Writes mtype plus `ret` bytes of text: no Len describes 8 + ret.
    sc!(70,  "msgrcv",            5, Unsupported),
    sc!(71,  "msgctl",            3, Unsupported),
    sc!(240, "mq_open",           4, Emulate),
    sc!(241, "mq_unlink",         1, Emulate),
    sc!(242, "mq_timedsend",      5, Emulate),
    sc!(243, "mq_timedreceive",   5, Emulate, [buf(1, Ret), buf(3, Fixed(4))]),
    sc!(244, "mq_notify",         2, Emulate),
    sc!(245, "mq_getsetattr",     3, Emulate, [buf(2, Fixed(MQ_ATTR))]),

    // ---- Keys, modules, administration ----
    sc!(248, "add_key",           5, Emulate),
    sc!(249, "request_key",       4, Emulate),
    // Output depends on the operation (KEYCTL_READ, KEYCTL_DESCRIBE, ...).
    sc!(250, "keyctl",            5, Unsupported),
    sc!(175, "init_module",       3, Emulate),
    sc!(313, "finit_module",      3, Emulate),
    sc!(176, "delete_module",     2, Emulate),
    // The read actions (2, 3, 4) return the bytes written at arg1; the size queries
    // return a count and are normally called with a NULL buffer.
    sc!(103, "syslog",            3, Emulate, [buf(1, Ret)]),
    sc!(163, "acct",              1, Emulate),
    sc!(169, "reboot",            4, Emulate),
    sc!(153, "vhangup",           0, Emulate),
    sc!(246, "kexec_load",        4, Unsupported),
    sc!(320, "kexec_file_load",   5, Unsupported),
    sc!(321, "bpf",               3, Unsupported),
    sc!(298, "perf_event_open",   5, Unsupported),
    sc!(154, "modify_ldt",        3, Unsupported),
    sc!(172, "iopl",              1, Unsupported),
    sc!(173, "ioperm",            3, Unsupported),
    // Only meaningful from the kernel's uprobe trampolines.
    sc!(335, "uretprobe",         0, Unsupported),
    sc!(336, "uprobe",            0, Unsupported),

    // ---- Asynchronous I/O: completions land in memory asynchronously ----
    sc!(206, "io_setup",          2, Unsupported),
    sc!(207, "io_destroy",        1, Unsupported),
    sc!(208, "io_getevents",      5, Unsupported),
    sc!(209, "io_submit",         3, Unsupported),
    sc!(210, "io_cancel",         3, Unsupported),
    sc!(333, "io_pgetevents",     6, Unsupported),
    sc!(425, "io_uring_setup",    2, Unsupported),
    sc!(426, "io_uring_enter",    6, Unsupported),
    sc!(427, "io_uring_register", 4, Unsupported),

    // ---- Security modules ----
    sc!(444, "landlock_create_ruleset", 3, Emulate),
    sc!(445, "landlock_add_rule", 4, Emulate),
    sc!(446, "landlock_restrict_self", 2, Emulate),
    // ctx buffer of *size bytes and the u32 size; on E2BIG only the needed size is stored.
    sc!(459, "lsm_get_self_attr", 4, Emulate, [buf(1, DerefU32(2)), buf(2, Fixed(4))], on_error),
    sc!(460, "lsm_set_self_attr", 4, Emulate),
    // Returns the number of u64 ids written; stores the needed size on E2BIG.
    sc!(461, "lsm_list_modules",  3, Emulate, [buf(0, RetTimes(8)), buf(1, Fixed(4))], on_error),

    // ---- In the table but not implemented by the kernel (always -ENOSYS) ----
    sc!(134, "uselib",            1, Emulate),
    sc!(156, "_sysctl",           1, Emulate),
    sc!(174, "create_module",     2, Emulate),
    sc!(177, "get_kernel_syms",   1, Emulate),
    sc!(178, "query_module",      5, Emulate),
    sc!(180, "nfsservctl",        3, Emulate),
    sc!(181, "getpmsg",           5, Emulate),
    sc!(182, "putpmsg",           5, Emulate),
    sc!(183, "afs_syscall",       5, Emulate),
    sc!(184, "tuxcall",           3, Emulate),
    sc!(185, "security",          3, Emulate),
    sc!(205, "set_thread_area",   1, Emulate),
    sc!(211, "get_thread_area",   1, Emulate),
    sc!(214, "epoll_ctl_old",     4, Emulate),
    sc!(215, "epoll_wait_old",    4, Emulate),
    sc!(236, "vserver",           5, Emulate),
    // Removed in Linux 6.8; older kernels write the path (ret bytes) at arg1.
    sc!(212, "lookup_dcookie",    3, Emulate, [buf(1, Ret)]),
];

#[cfg(test)]
mod tests;
