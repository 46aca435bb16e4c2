//! Checks of the syscall table: every number present once, names, policies and out-parameters.

use super::super::{lookup, Len, Out, Policy};
use super::TABLE;
use std::collections::HashSet;

#[test]
fn numbers_are_unique() {
    let mut seen = HashSet::new();
    for def in TABLE {
        assert!(
            seen.insert(def.nr),
            "syscall number {} appears twice",
            def.nr
        );
    }
}

#[test]
fn names_are_unique_and_plain() {
    let mut seen = HashSet::new();
    for def in TABLE {
        assert!(
            seen.insert(def.name),
            "syscall name {} appears twice",
            def.name
        );
        assert!(
            def.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "odd name {:?}",
            def.name
        );
    }
}

#[test]
fn covers_the_whole_x86_64_table() {
    // syscall_64.tbl: 0..=336, then 424 onwards (387..=423 are reserved).
    for nr in (0..=336).chain(424..=462) {
        assert!(lookup(nr).is_some(), "syscall {nr} missing");
    }
    for nr in [337, 400, 423, 463] {
        assert!(lookup(nr).is_none(), "syscall {nr} should not exist");
    }
    assert_eq!(TABLE.len(), 337 + (462 - 424 + 1));
}

macro_rules! check_libc {
    ($($name:ident),* $(,)?) => {{
        let mut n = 0;
        $(
            let def = lookup(libc::$name).unwrap_or_else(|| panic!("{} missing", stringify!($name)));
            assert_eq!(
                format!("SYS_{}", def.name),
                stringify!($name),
                "number {} has the wrong name",
                def.nr
            );
            n += 1;
        )*
        n
    }};
}

#[test]
fn numbers_agree_with_libc() {
    let n = check_libc!(
        SYS_read,
        SYS_write,
        SYS_open,
        SYS_close,
        SYS_stat,
        SYS_fstat,
        SYS_lstat,
        SYS_poll,
        SYS_lseek,
        SYS_mmap,
        SYS_mprotect,
        SYS_munmap,
        SYS_brk,
        SYS_rt_sigaction,
        SYS_rt_sigprocmask,
        SYS_rt_sigreturn,
        SYS_ioctl,
        SYS_pread64,
        SYS_pwrite64,
        SYS_readv,
        SYS_writev,
        SYS_access,
        SYS_pipe,
        SYS_select,
        SYS_mremap,
        SYS_mincore,
        SYS_madvise,
        SYS_shmget,
        SYS_dup2,
        SYS_nanosleep,
        SYS_getpid,
        SYS_sendfile,
        SYS_socket,
        SYS_connect,
        SYS_accept,
        SYS_recvfrom,
        SYS_recvmsg,
        SYS_getsockopt,
        SYS_clone,
        SYS_fork,
        SYS_vfork,
        SYS_execve,
        SYS_exit,
        SYS_wait4,
        SYS_kill,
        SYS_uname,
        SYS_semctl,
        SYS_msgrcv,
        SYS_fcntl,
        SYS_getdents,
        SYS_getcwd,
        SYS_readlink,
        SYS_gettimeofday,
        SYS_getrlimit,
        SYS_sysinfo,
        SYS_times,
        SYS_ptrace,
        SYS_getuid,
        SYS_syslog,
        SYS_getresuid,
        SYS_getresgid,
        SYS_capget,
        SYS_rt_sigpending,
        SYS_rt_sigsuspend,
        SYS_sigaltstack,
        SYS_uselib,
        SYS_personality,
        SYS_ustat,
        SYS_statfs,
        SYS_sysfs,
        SYS_sched_rr_get_interval,
        SYS_munlockall,
        SYS_vhangup,
        SYS_modify_ldt,
        SYS__sysctl,
        SYS_prctl,
        SYS_arch_prctl,
        SYS_adjtimex,
        SYS_iopl,
        SYS_ioperm,
        SYS_init_module,
        SYS_quotactl,
        SYS_nfsservctl,
        SYS_getpmsg,
        SYS_putpmsg,
        SYS_afs_syscall,
        SYS_tuxcall,
        SYS_security,
        SYS_gettid,
        SYS_getxattr,
        SYS_flistxattr,
        SYS_fremovexattr,
        SYS_tkill,
        SYS_time,
        SYS_futex,
        SYS_sched_getaffinity,
        SYS_set_thread_area,
        SYS_io_setup,
        SYS_io_cancel,
        SYS_get_thread_area,
        SYS_lookup_dcookie,
        SYS_epoll_create,
        SYS_epoll_ctl_old,
        SYS_epoll_wait_old,
        SYS_remap_file_pages,
        SYS_getdents64,
        SYS_set_tid_address,
        SYS_restart_syscall,
        SYS_semtimedop,
        SYS_fadvise64,
        SYS_timer_create,
        SYS_clock_gettime,
        SYS_clock_nanosleep,
        SYS_exit_group,
        SYS_epoll_wait,
        SYS_tgkill,
        SYS_vserver,
        SYS_get_mempolicy,
        SYS_mq_getsetattr,
        SYS_kexec_load,
        SYS_waitid,
        SYS_keyctl,
        SYS_inotify_init,
        SYS_migrate_pages,
        SYS_openat,
        SYS_newfstatat,
        SYS_readlinkat,
        SYS_faccessat,
        SYS_pselect6,
        SYS_ppoll,
        SYS_set_robust_list,
        SYS_get_robust_list,
        SYS_splice,
        SYS_vmsplice,
        SYS_move_pages,
        SYS_utimensat,
        SYS_epoll_pwait,
        SYS_timerfd_gettime,
        SYS_accept4,
        SYS_pipe2,
        SYS_preadv,
        SYS_rt_tgsigqueueinfo,
        SYS_perf_event_open,
        SYS_recvmmsg,
        SYS_fanotify_mark,
        SYS_prlimit64,
        SYS_name_to_handle_at,
        SYS_clock_adjtime,
        SYS_sendmmsg,
        SYS_getcpu,
        SYS_process_vm_writev,
        SYS_kcmp,
        SYS_sched_getattr,
        SYS_renameat2,
        SYS_seccomp,
        SYS_getrandom,
        SYS_memfd_create,
        SYS_bpf,
        SYS_execveat,
        SYS_userfaultfd,
        SYS_membarrier,
        SYS_mlock2,
        SYS_copy_file_range,
        SYS_preadv2,
        SYS_pwritev2,
        SYS_pkey_free,
        SYS_statx,
        SYS_rseq,
        SYS_pidfd_send_signal,
        SYS_io_uring_setup,
        SYS_io_uring_register,
        SYS_open_tree,
        SYS_fspick,
        SYS_pidfd_open,
        SYS_clone3,
        SYS_close_range,
        SYS_openat2,
        SYS_pidfd_getfd,
        SYS_faccessat2,
        SYS_process_madvise,
        SYS_epoll_pwait2,
        SYS_mount_setattr,
        SYS_landlock_create_ruleset,
        SYS_landlock_restrict_self,
        SYS_memfd_secret,
        SYS_process_mrelease,
        SYS_futex_waitv,
        SYS_set_mempolicy_home_node,
    );
    assert!(n > 150);
}

fn len_args(len: Len) -> Vec<u8> {
    match len {
        Len::Arg(n) | Len::ArgTimes(n, _) | Len::DerefU32(n) | Len::FdSet(n) => vec![n],
        Len::Ret | Len::Fixed(_) | Len::RetTimes(_) => vec![],
    }
}

#[test]
fn out_arguments_are_in_range() {
    for def in TABLE {
        for out in def.outs {
            let used = match *out {
                Out::Buf { ptr, len } => {
                    let mut v = len_args(len);
                    v.push(ptr);
                    v
                }
                Out::Scatter { iov, cnt } => vec![iov, cnt],
                Out::Custom(_) => vec![],
            };
            for arg in used {
                assert!(
                    arg < def.nargs,
                    "{}: argument {} of {}",
                    def.name,
                    arg,
                    def.nargs
                );
            }
        }
        assert!(def.nargs <= 6, "{}", def.name);
    }
}

#[test]
fn policies_of_key_syscalls() {
    let policy = |name: &str| {
        TABLE
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.policy)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    for name in [
        "mmap", "execve", "execveat", "clone", "clone3", "fork", "vfork", "ptrace",
    ] {
        assert_eq!(policy(name), Policy::Special, "{name}");
    }
    for name in [
        "brk",
        "munmap",
        "mprotect",
        "rt_sigaction",
        "exit_group",
        "arch_prctl",
    ] {
        assert_eq!(policy(name), Policy::Reexec, "{name}");
    }
    assert_eq!(policy("set_tid_address"), Policy::ReexecRestoreResult);
    assert_eq!(policy("rseq"), Policy::Fake(-(libc::ENOSYS as i64)));
    for name in ["io_uring_setup", "shmat", "bpf", "vmsplice"] {
        assert_eq!(policy(name), Policy::Unsupported, "{name}");
    }
    for name in [
        "read",
        "openat",
        "statx",
        "clock_gettime",
        "getrandom",
        "recvmsg",
    ] {
        assert_eq!(policy(name), Policy::Emulate, "{name}");
    }
}
