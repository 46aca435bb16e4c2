//! A tracer writing its tracee's memory with a file write to `/proc/PID/mem` or with
//! `process_vm_writev`: replay skips those syscalls, so the change is recorded as the
//! tracee's own memory change.

use super::Recorder;
use crate::error::Result;
use crate::remote::RemoteAddr;
use crate::trace::{Event, MemWrite};
use crate::tracee;

impl Recorder {
    /// After syscall `nr` of `tid` returned `ret`: records what it wrote into another
    /// tracee's memory, if it did. True when it did.
    pub(in crate::record) fn tracee_memory_written(
        &mut self,
        tid: i32,
        nr: i64,
        args: &[u64; 6],
        ret: i64,
    ) -> Result<bool> {
        if ret <= 0 {
            return Ok(false);
        }
        if nr == libc::SYS_process_vm_writev {
            return self.vm_written(tid, args, ret);
        }
        if !tracee::is_write(nr) {
            return Ok(false);
        }
        let fd = args[0] as i32;
        let Some(target) = self.proc_mem_of(tid, fd) else {
            return Ok(false);
        };
        let start = tracee::write_offset(nr, args, ret, || fd_position(tid, fd));
        let Some(t) = self.tasks.get(&tid) else {
            return Ok(false);
        };
        let data = tracee::written_bytes(nr, args, ret, &t.mem)?;
        let writes = vec![MemWrite { addr: start, data }];
        self.w.append(&Event::MemoryChanged {
            tid: target,
            writes,
        })?;
        Ok(true)
    }

    /// The tracee whose `/proc/PID/mem` is `tid`'s file descriptor `fd`.
    fn proc_mem_of(&self, tid: i32, fd: i32) -> Option<i32> {
        let link = std::fs::read_link(format!("/proc/{tid}/fd/{fd}")).ok()?;
        // /proc/PID/mem or /proc/PID/task/TID/mem
        let inner = link
            .to_str()?
            .strip_prefix("/proc/")?
            .strip_suffix("/mem")?;
        let pid: i32 = inner.rsplit('/').next()?.parse().ok()?;
        self.any_thread_of(pid)
    }

    /// A thread of the recording that shares process `pid`'s memory.
    fn any_thread_of(&self, pid: i32) -> Option<i32> {
        if self.tasks.contains_key(&pid) {
            return Some(pid);
        }
        crate::procmaps::threads_of(pid)
            .into_iter()
            .find(|t| self.tasks.contains_key(t))
    }

    /// process_vm_writev(pid, local, nlocal, remote, nremote, flags) wrote `ret` bytes.
    fn vm_written(&mut self, tid: i32, args: &[u64; 6], ret: i64) -> Result<bool> {
        let Some(target) = self.any_thread_of(args[0] as i32) else {
            return Ok(false);
        };
        let (Some(me), Some(them)) = (self.tasks.get(&tid), self.tasks.get(&target)) else {
            return Ok(false);
        };
        let count = (args[4] as usize).min(1024);
        let iov = me.mem.read(RemoteAddr(args[3]), count * 16)?;
        let mut left = ret as u64;
        let mut writes = Vec::new();
        for e in iov.chunks_exact(16) {
            if left == 0 {
                break;
            }
            let base = u64::from_le_bytes(e[0..8].try_into().unwrap_or([0; 8]));
            let len = u64::from_le_bytes(e[8..16].try_into().unwrap_or([0; 8])).min(left);
            left -= len;
            if len > 0 {
                let data = them.mem.read(RemoteAddr(base), len as usize)?;
                writes.push(MemWrite { addr: base, data });
            }
        }
        self.w.append(&Event::MemoryChanged {
            tid: target,
            writes,
        })?;
        Ok(true)
    }
}

/// The file position of `tid`'s descriptor `fd`, from /proc.
fn fd_position(tid: i32, fd: i32) -> u64 {
    std::fs::read_to_string(format!("/proc/{tid}/fdinfo/{fd}"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("pos:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}
