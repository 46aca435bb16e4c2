//! The files gdb reads through host I/O (`vFile:`), served from the trace's captured
//! copies so that symbols load where the recorded binaries are gone or have changed.

use crate::Error;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The trace's files, and the ones gdb holds open through host I/O.
pub struct TraceFiles {
    index: rtt_replay::trace::TraceFiles,
    /// Host I/O descriptors gdb holds open (index = descriptor).
    open: Vec<Option<File>>,
}

impl TraceFiles {
    /// Reads the trace's event stream once for its executables and mapped files.
    pub fn index(dir: &Path) -> Result<TraceFiles, Error> {
        Ok(TraceFiles {
            index: rtt_replay::trace::TraceFiles::index(dir)?,
            open: Vec::new(),
        })
    }

    /// The program running before event `event`.
    pub fn exe_at(&self, event: u64) -> &str {
        self.index.exe_at(event)
    }

    /// Opens `path` for reading: the trace's copy when it has one, else the file on this
    /// machine (the dynamic loader and files the program never mapped are not captured).
    pub fn open(&mut self, path: &[u8]) -> std::io::Result<u32> {
        let file = match self.index.copy_of(path) {
            Some(copy) => File::open(copy)?,
            None => {
                File::open(Path::new(std::str::from_utf8(path).map_err(|_| {
                    std::io::Error::from(std::io::ErrorKind::InvalidInput)
                })?))?
            }
        };
        self.add(file)
    }

    fn add(&mut self, file: File) -> std::io::Result<u32> {
        let slot = self.open.iter().position(Option::is_none);
        let fd = match slot {
            Some(i) => {
                self.open[i] = Some(file);
                i
            }
            None => {
                self.open.push(Some(file));
                self.open.len() - 1
            }
        };
        Ok(fd as u32)
    }

    /// Opens `/proc/N/...` as the process replaying the program (`pid`) sees it: gdb
    /// names processes by the ids it was given, which are not this machine's.
    pub fn open_proc(&mut self, path: &[u8], pid: i32) -> std::io::Result<u32> {
        let path = std::str::from_utf8(path)
            .ok()
            .and_then(|p| proc_path(p, pid))
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        self.add(File::open(path)?)
    }

    fn file(&self, fd: u32) -> std::io::Result<&File> {
        self.open
            .get(fd as usize)
            .and_then(Option::as_ref)
            .ok_or_else(|| std::io::Error::from_raw_os_error(EBADF))
    }

    /// Closes a descriptor `open` returned.
    pub fn close(&mut self, fd: u32) -> std::io::Result<()> {
        self.file(fd)?;
        self.open[fd as usize] = None;
        Ok(())
    }

    /// Reads up to `buf.len()` bytes at `offset`.
    pub fn pread(&self, fd: u32, offset: u64, buf: &mut [u8]) -> std::io::Result<usize> {
        self.file(fd)?.read_at(buf, offset)
    }

    /// The metadata of an open file.
    pub fn fstat(&self, fd: u32) -> std::io::Result<std::fs::Metadata> {
        self.file(fd)?.metadata()
    }
}

/// `path` with its process and thread ids replaced by `pid`, when it is a process's
/// file under /proc.
pub fn proc_path(path: &str, pid: i32) -> Option<String> {
    let rest = path.strip_prefix("/proc/")?;
    let mut parts: Vec<String> = rest.split('/').map(str::to_string).collect();
    let is_id = |s: &str| s == "self" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    if !is_id(parts.first()?) {
        return None;
    }
    parts[0] = pid.to_string();
    if parts.get(1).map(String::as_str) == Some("task") && parts.get(2).is_some_and(|t| is_id(t)) {
        parts[2] = pid.to_string();
    }
    Some(format!("/proc/{}", parts.join("/")))
}

/// "Bad file descriptor".
const EBADF: i32 = 9;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_paths_name_the_replaying_process() {
        assert_eq!(
            proc_path("/proc/1/task/1/maps", 77).unwrap(),
            "/proc/77/task/77/maps"
        );
        assert_eq!(proc_path("/proc/self/auxv", 5).unwrap(), "/proc/5/auxv");
        assert_eq!(proc_path("/proc/cpuinfo", 5), None);
        assert_eq!(proc_path("/etc/passwd", 5), None);
    }

    #[test]
    fn descriptors_are_reused_and_checked() {
        let mut f = TraceFiles {
            index: Default::default(),
            open: Vec::new(),
        };
        let a = f.open(b"/proc/self/exe").unwrap();
        let b = f.open(b"/proc/self/exe").unwrap();
        assert_ne!(a, b);
        f.close(a).unwrap();
        assert!(f.close(a).is_err());
        assert_eq!(f.open(b"/proc/self/exe").unwrap(), a);
        let mut buf = [0u8; 4];
        assert_eq!(f.pread(b, 0, &mut buf).unwrap(), 4);
        assert_eq!(&buf, b"\x7fELF");
        assert!(f.open(b"/no/such/file").is_err());
    }
}
