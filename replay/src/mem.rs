//! Reading and writing a tracee's memory through `/proc/PID/mem`.
//!
//! `/proc/PID/mem` lets the tracer read and write any mapping, even read-only or PROT_NONE
//! ones, the way a debugger does. The file must be reopened after the tracee execs, since it
//! names the address space that existed when it was opened.

use crate::error::{Error, Result};
use crate::remote::RemoteAddr;
use std::fs::File;
use std::os::unix::fs::FileExt;

/// An open handle on one tracee's address space.
#[derive(Debug)]
pub struct Memory {
    pid: i32,
    file: File,
}

impl Memory {
    /// Opens the address space of `pid`.
    pub fn open(pid: i32) -> Result<Memory> {
        let path = format!("/proc/{pid}/mem");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("open {path}"), e))?;
        Ok(Memory { pid, file })
    }

    /// Reads `len` bytes at `addr`; fails if any of them is unmapped.
    pub fn read(&self, addr: RemoteAddr, len: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        self.file.read_exact_at(&mut buf, addr.0).map_err(|e| {
            Error::io(
                format!("read {len} bytes at {addr} in process {}", self.pid),
                e,
            )
        })?;
        Ok(buf)
    }

    /// Reads one little-endian u64 at `addr`.
    pub fn read_u64(&self, addr: RemoteAddr) -> Result<u64> {
        let b = self.read(addr, 8)?;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    /// Reads a NUL-terminated string of at most `max` bytes at `addr`.
    pub fn read_cstr(&self, addr: RemoteAddr, max: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut cur = addr;
        while out.len() < max {
            // Read up to the end of the page so we never cross into an unmapped one.
            let chunk = (4096 - (cur.0 % 4096)) as usize;
            let mut buf = vec![0u8; chunk.min(max - out.len())];
            let n = self
                .file
                .read_at(&mut buf, cur.0)
                .map_err(|e| Error::io(format!("read string at {addr}"), e))?;
            if n == 0 {
                break;
            }
            if let Some(pos) = buf[..n].iter().position(|&b| b == 0) {
                out.extend_from_slice(&buf[..pos]);
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
            cur = cur.offset(n as u64);
        }
        Ok(out)
    }

    /// Whether `len` bytes at `addr` are writable with the tracee's own page permissions
    /// (what the kernel checks when a syscall writes there). Leaves memory unchanged.
    pub fn probe_writable(&self, addr: RemoteAddr, len: usize) -> bool {
        use nix::sys::uio::{process_vm_readv, process_vm_writev, RemoteIoVec};
        use std::io::{IoSlice, IoSliceMut};
        if len == 0 {
            return true;
        }
        let pid = nix::unistd::Pid::from_raw(self.pid);
        let remote = [RemoteIoVec {
            base: addr.0 as usize,
            len,
        }];
        let mut buf = vec![0u8; len];
        let read = process_vm_readv(pid, &mut [IoSliceMut::new(&mut buf)], &remote);
        if read != Ok(len) {
            return false;
        }
        process_vm_writev(pid, &[IoSlice::new(&buf)], &remote) == Ok(len)
    }

    /// Writes `data` at `addr`, even into read-only private mappings.
    pub fn write(&self, addr: RemoteAddr, data: &[u8]) -> Result<()> {
        self.file.write_all_at(data, addr.0).map_err(|e| {
            Error::io(
                format!(
                    "write {} bytes at {addr} in process {}",
                    data.len(),
                    self.pid
                ),
                e,
            )
        })
    }
}

/// Reads of one address space a page at a time, each page read once: walking many small
/// values (an exec's argv, environment and auxiliary vector) costs one `pread` per page
/// instead of one per value.
#[derive(Debug)]
pub struct PagedReader<'a> {
    mem: &'a Memory,
    pages: std::collections::HashMap<u64, Vec<u8>>,
}

const PAGE: u64 = 4096;

impl<'a> PagedReader<'a> {
    /// A reader of `mem`.
    pub fn new(mem: &'a Memory) -> PagedReader<'a> {
        PagedReader {
            mem,
            pages: std::collections::HashMap::new(),
        }
    }

    fn page(&mut self, base: u64) -> Result<&[u8]> {
        if !self.pages.contains_key(&base) {
            let data = self.mem.read(RemoteAddr(base), PAGE as usize)?;
            self.pages.insert(base, data);
        }
        Ok(&self.pages[&base])
    }

    /// Reads `out.len()` bytes at `addr`.
    fn read_into(&mut self, addr: u64, out: &mut [u8]) -> Result<()> {
        let mut done = 0;
        while done < out.len() {
            let at = addr + done as u64;
            let page = self.page(at & !(PAGE - 1))?;
            let off = (at % PAGE) as usize;
            let n = (out.len() - done).min(page.len() - off);
            out[done..done + n].copy_from_slice(&page[off..off + n]);
            done += n;
        }
        Ok(())
    }

    /// Reads one little-endian u64 at `addr`.
    pub fn read_u64(&mut self, addr: RemoteAddr) -> Result<u64> {
        let mut b = [0u8; 8];
        self.read_into(addr.0, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Reads a NUL-terminated string of at most `max` bytes at `addr`.
    pub fn read_cstr(&mut self, addr: RemoteAddr, max: usize) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = addr.0;
        while out.len() < max {
            let page = self.page(at & !(PAGE - 1))?;
            let off = (at % PAGE) as usize;
            let rest = &page[off..];
            let rest = &rest[..rest.len().min(max - out.len())];
            if let Some(end) = rest.iter().position(|&c| c == 0) {
                out.extend_from_slice(&rest[..end]);
                return Ok(out);
            }
            out.extend_from_slice(rest);
            at += rest.len() as u64;
        }
        Ok(out)
    }
}
