//! Syscalls the recorder completes itself in the seccomp stop, sparing the tracee the
//! second ptrace stop that a syscall run by the tracee costs (a stop is ~18 µs here).
//!
//! Only what cannot block and behaves exactly as in the tracee qualifies: reads and writes
//! through a duplicate of the tracee's descriptor (`pidfd_getfd`, so the same open file
//! description, offset and flags), on regular files, a few character devices, and pipes and
//! sockets when data is already there; clock reads; getpid/gettid. Anything else, or any
//! doubt, falls back to letting the tracee run the syscall.

use crate::error::Result;
use crate::mem::Memory;
use crate::remote::RemoteAddr;
use crate::sys;
use crate::trace::MemWrite;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt};

/// Largest buffer the recorder reads or writes on the tracee's behalf.
const MAX_IO: usize = 1 << 20;
/// A write of at most this many bytes into an empty pipe never blocks (PIPE_BUF).
const PIPE_BUF: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Regular file or block device: never blocks.
    File,
    /// /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom: never block.
    QuietDevice,
    /// A terminal: reads may block, writes practically do not.
    Tty,
    Pipe,
    Socket,
    Other,
}

struct Dup {
    file: File,
    kind: Kind,
    /// 1 or 2 when this is rtt's own stdout or stderr.
    echo: Option<u8>,
}

/// What a completed syscall returned.
pub(super) struct Done {
    pub ret: i64,
    pub writes: Vec<MemWrite>,
    pub echo: Option<u8>,
}

/// Duplicates of tracee descriptors, by (pid, fd).
#[derive(Default)]
pub(super) struct FastPath {
    pidfds: HashMap<i32, OwnedFd>,
    dups: HashMap<(i32, i32), Dup>,
    /// Per process, a range of tracee memory found writable since the last syscall that
    /// may have changed the address space.
    writable: HashMap<i32, (u64, u64)>,
    /// Process id (thread group) of each thread, for getpid.
    tgids: HashMap<i32, i32>,
}

/// Whether `fd` is the pipe, terminal, character device or socket that rtt's descriptor
/// `mine` (1 or 2) is, opened separately (a regular file opened again has an offset of
/// its own: it must be the same open file).
fn same_stream(fd: &OwnedFd, mine: u8) -> bool {
    let b = if mine == 1 {
        nix::sys::stat::fstat(std::io::stdout().as_fd())
    } else {
        nix::sys::stat::fstat(std::io::stderr().as_fd())
    };
    let (Ok(a), Ok(b)) = (nix::sys::stat::fstat(fd), b) else {
        return false;
    };
    let kind = a.st_mode & libc::S_IFMT;
    let stream = matches!(kind, libc::S_IFIFO | libc::S_IFCHR | libc::S_IFSOCK);
    stream && (a.st_dev, a.st_ino, a.st_rdev) == (b.st_dev, b.st_ino, b.st_rdev)
}

fn kind_of(file: &File) -> Kind {
    let Ok(meta) = file.metadata() else {
        return Kind::Other;
    };
    // /proc files describe their reader: read by rtt, /proc/self/status would show the
    // tracee stopped. The tracee reads them itself.
    static PROC_DEV: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    let proc_dev = *PROC_DEV.get_or_init(|| std::fs::metadata("/proc/self").ok().map(|m| m.dev()));
    if Some(meta.dev()) == proc_dev {
        return Kind::Other;
    }
    let ft = meta.file_type();
    if ft.is_file() || ft.is_block_device() {
        Kind::File
    } else if ft.is_fifo() {
        Kind::Pipe
    } else if ft.is_socket() {
        Kind::Socket
    } else if ft.is_char_device() {
        let rdev = meta.rdev();
        let (major, minor) = (libc::major(rdev), libc::minor(rdev));
        match (major, minor) {
            (1, 3 | 5 | 7 | 8 | 9) => Kind::QuietDevice,
            (4 | 5, _) | (136..=143, _) => Kind::Tty,
            _ => Kind::Other,
        }
    } else {
        Kind::Other
    }
}

impl FastPath {
    /// Forgets every duplicate (some fd number may now name another file).
    pub fn invalidate(&mut self) {
        self.dups.clear();
    }

    /// Forgets what is known about address spaces (after mmap, munmap, mprotect, ...).
    pub fn address_spaces_changed(&mut self) {
        self.writable.clear();
    }

    fn writable(&mut self, pid: i32, mem: &Memory, addr: u64, len: usize) -> bool {
        let end = addr.saturating_add(len as u64);
        if let Some(&(s, e)) = self.writable.get(&pid) {
            if s <= addr && end <= e {
                return true;
            }
        }
        if !mem.probe_writable(RemoteAddr(addr), len) {
            return false;
        }
        // Remember the whole pages: buffers are reused from call to call.
        self.writable
            .insert(pid, (addr & !4095, (end + 4095) & !4095));
        true
    }

    /// The (device, inode) of regular file `fd` of `pid` and its current offset.
    pub fn file_of(&mut self, pid: i32, fd: i32, my_pid: i32) -> Option<((u64, u64), u64)> {
        use std::io::Seek;
        let dup = self.dup(pid, fd, my_pid)?;
        if dup.kind != Kind::File {
            return None;
        }
        let meta = dup.file.metadata().ok()?;
        let pos = (&dup.file).stream_position().ok()?;
        Some(((meta.dev(), meta.ino()), pos))
    }

    /// 1 or 2 when `fd` of `pid` writes to rtt's own stdout or stderr: the same open
    /// file, or the same pipe, terminal or socket opened again (`/dev/stdout`).
    /// None when the descriptor cannot be looked at (the caller falls back to kcmp).
    pub fn echo_of(&mut self, pid: i32, fd: i32, my_pid: i32) -> Option<Option<u8>> {
        self.dup(pid, fd, my_pid).map(|d| d.echo)
    }

    /// Forgets a process that ended.
    pub fn forget(&mut self, pid: i32) {
        self.writable.remove(&pid);
        self.tgids.remove(&pid);
        self.pidfds.remove(&pid);
        self.dups.retain(|(p, _), _| *p != pid);
    }

    fn dup(&mut self, pid: i32, fd: i32, my_pid: i32) -> Option<&Dup> {
        if fd < 0 {
            return None;
        }
        if !self.dups.contains_key(&(pid, fd)) {
            let pidfd = match self.pidfds.entry(pid) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(sys::pidfd_open(pid).ok()?)
                }
            };
            let owned = sys::pidfd_getfd(pidfd, fd).ok()?;
            let echo = [1u8, 2].into_iter().find(|&mine| {
                sys::same_open_file(my_pid, owned.as_raw_fd(), my_pid, i32::from(mine))
                    == Some(true)
                    || same_stream(&owned, mine)
            });
            let file = File::from(owned);
            let kind = kind_of(&file);
            self.dups.insert((pid, fd), Dup { file, kind, echo });
        }
        self.dups.get(&(pid, fd))
    }

    /// Completes syscall `nr` of `pid` if it qualifies; None to let the tracee run it.
    pub fn try_complete(
        &mut self,
        pid: i32,
        my_pid: i32,
        nr: i64,
        args: &[u64; 6],
        mem: &Memory,
    ) -> Result<Option<Done>> {
        let done = match nr {
            libc::SYS_read | libc::SYS_pread64 => self.read(pid, my_pid, nr, args, mem)?,
            libc::SYS_write | libc::SYS_pwrite64 => self.write(pid, my_pid, nr, args, mem)?,
            libc::SYS_clock_gettime => clock(args, mem)?,
            libc::SYS_gettid => Some(Done {
                ret: i64::from(pid),
                writes: vec![],
                echo: None,
            }),
            libc::SYS_getpid => {
                let tgid = match self.tgids.get(&pid) {
                    Some(&t) => Some(t),
                    None => crate::procmaps::tgid_of(pid),
                };
                tgid.map(|t| {
                    self.tgids.insert(pid, t);
                    Done {
                        ret: i64::from(t),
                        writes: vec![],
                        echo: None,
                    }
                })
            }
            _ => None,
        };
        Ok(done)
    }

    fn read(
        &mut self,
        pid: i32,
        my_pid: i32,
        nr: i64,
        args: &[u64; 6],
        mem: &Memory,
    ) -> Result<Option<Done>> {
        let count = args[2] as usize;
        if count > MAX_IO || args[1] == 0 {
            return Ok(None);
        }
        // The kernel would fail with EFAULT before consuming anything: only go ahead when
        // the buffer can be written with the tracee's own permissions.
        if !self.writable(pid, mem, args[1], count) {
            return Ok(None);
        }
        let Some(dup) = self.dup(pid, args[0] as i32, my_pid) else {
            return Ok(None);
        };
        let mut buf = vec![0u8; count];
        let res = match (dup.kind, nr) {
            (Kind::File | Kind::QuietDevice, libc::SYS_pread64) => {
                dup.file.read_at(&mut buf, args[3])
            }
            (Kind::File | Kind::QuietDevice, _) => (&dup.file).read(&mut buf),
            (Kind::Pipe, libc::SYS_read) => match sys::read_nowait(dup.file.as_fd(), &mut buf) {
                // EOPNOTSUPP: a pipe opened by name (/dev/stdin, a FIFO) takes no
                // RWF_NOWAIT; the tracee reads it itself.
                Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EOPNOTSUPP)) => {
                    return Ok(None)
                }
                other => other,
            },
            (Kind::Tty, libc::SYS_read)
                if sys::bytes_readable(dup.file.as_fd()).unwrap_or(0) > 0 =>
            {
                (&dup.file).read(&mut buf)
            }
            (Kind::Socket, libc::SYS_read) => {
                // Nothing there yet (EAGAIN): the tracee waits for it itself. Any other
                // error (ECONNRESET) is consumed by this call and is the result.
                match nix::sys::socket::recv(
                    dup.file.as_raw_fd(),
                    &mut buf,
                    nix::sys::socket::MsgFlags::MSG_DONTWAIT,
                ) {
                    Ok(n) => Ok(n),
                    Err(nix::errno::Errno::EAGAIN) => return Ok(None),
                    Err(e) => Err(std::io::Error::from_raw_os_error(e as i32)),
                }
            }
            _ => return Ok(None),
        };
        let Some(ret) = result_of(res, &[]) else {
            return Ok(None);
        };
        let mut writes = Vec::new();
        if ret > 0 {
            buf.truncate(ret as usize);
            mem.write(RemoteAddr(args[1]), &buf)?;
            writes.push(MemWrite {
                addr: args[1],
                data: buf,
            });
        }
        Ok(Some(Done {
            ret,
            writes,
            echo: None,
        }))
    }

    fn write(
        &mut self,
        pid: i32,
        my_pid: i32,
        nr: i64,
        args: &[u64; 6],
        mem: &Memory,
    ) -> Result<Option<Done>> {
        let count = args[2] as usize;
        if count > MAX_IO {
            return Ok(None);
        }
        let Ok(data) = mem.read(RemoteAddr(args[1]), count) else {
            return Ok(None);
        };
        let Some(dup) = self.dup(pid, args[0] as i32, my_pid) else {
            return Ok(None);
        };
        let res = match (dup.kind, nr) {
            (Kind::File | Kind::QuietDevice, libc::SYS_pwrite64) => {
                dup.file.write_at(&data, args[3])
            }
            (Kind::File | Kind::QuietDevice | Kind::Tty, libc::SYS_write) => {
                (&dup.file).write(&data)
            }
            // All or nothing (EAGAIN) up to PIPE_BUF; larger writes could be partial.
            (Kind::Pipe, libc::SYS_write) if count <= PIPE_BUF => {
                sys::write_nowait(dup.file.as_fd(), &data)
            }
            _ => return Ok(None),
        };
        // EPIPE must also raise SIGPIPE in the tracee: let it make the call itself. So
        // must EOPNOTSUPP, from a pipe opened by name (/dev/stdout, a FIFO), which takes
        // no RWF_NOWAIT.
        let Some(ret) = result_of(res, &[libc::EPIPE, libc::EOPNOTSUPP]) else {
            return Ok(None);
        };
        Ok(Some(Done {
            ret,
            writes: vec![],
            echo: dup.echo,
        }))
    }
}

/// The syscall result for `res` (a count or a negative errno), or None when the tracee
/// must make the call itself: it would have waited (EAGAIN, EINTR), the error is not one a
/// syscall returns, or it is one of `also_retry`.
fn result_of(res: std::io::Result<usize>, also_retry: &[i32]) -> Option<i64> {
    match res {
        Ok(n) => Some(n as i64),
        Err(e) => match e.raw_os_error() {
            Some(libc::EAGAIN | libc::EINTR) | None => None,
            Some(errno) if also_retry.contains(&errno) => None,
            Some(errno) => Some(-i64::from(errno)),
        },
    }
}

fn clock(args: &[u64; 6], mem: &Memory) -> Result<Option<Done>> {
    // Clocks that read the same in rtt as in the tracee (not CPU-time clocks).
    let id = match args[0] as i32 {
        c @ (libc::CLOCK_REALTIME
        | libc::CLOCK_MONOTONIC
        | libc::CLOCK_MONOTONIC_RAW
        | libc::CLOCK_REALTIME_COARSE
        | libc::CLOCK_MONOTONIC_COARSE
        | libc::CLOCK_BOOTTIME) => c,
        _ => return Ok(None),
    };
    if args[1] == 0 {
        return Ok(None);
    }
    let Some((sec, nsec)) = sys::clock_gettime(id) else {
        return Ok(None);
    };
    let mut data = Vec::with_capacity(16);
    data.extend_from_slice(&sec.to_le_bytes());
    data.extend_from_slice(&nsec.to_le_bytes());
    if !mem.probe_writable(RemoteAddr(args[1]), data.len()) {
        return Ok(None);
    }
    mem.write(RemoteAddr(args[1]), &data)?;
    Ok(Some(Done {
        ret: 0,
        writes: vec![MemWrite {
            addr: args[1],
            data,
        }],
        echo: None,
    }))
}
