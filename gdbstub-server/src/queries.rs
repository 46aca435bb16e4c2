//! What gdb reads to find the program's symbols: the executable's path, the auxiliary
//! vector, the shared-library list, and the files themselves (host I/O).

use crate::target::RttTarget;
use gdbstub::common::Pid;
use gdbstub::target::ext::auxv::Auxv;
use gdbstub::target::ext::exec_file::ExecFile;
use gdbstub::target::ext::host_io::{
    FsKind, HostIo, HostIoClose, HostIoCloseOps, HostIoErrno, HostIoError, HostIoFstat,
    HostIoFstatOps, HostIoOpen, HostIoOpenFlags, HostIoOpenMode, HostIoOpenOps, HostIoPread,
    HostIoPreadOps, HostIoResult, HostIoSetfs, HostIoSetfsOps, HostIoStat,
};
use gdbstub::target::ext::libraries::LibrariesSvr4;
use gdbstub::target::TargetResult;
use std::os::unix::fs::MetadataExt;

/// Copies the part of `data` gdb asked for (`qXfer` reads come in pieces).
fn piece(data: &[u8], offset: u64, length: usize, buf: &mut [u8]) -> usize {
    let start = (offset as usize).min(data.len());
    let n = length.min(buf.len()).min(data.len() - start);
    buf[..n].copy_from_slice(&data[start..start + n]);
    n
}

impl ExecFile for RttTarget {
    fn get_exec_file(
        &self,
        _pid: Option<Pid>,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        Ok(piece(self.info.exe.as_bytes(), offset, length, buf))
    }
}

impl Auxv for RttTarget {
    fn get_auxv(&self, offset: u64, length: usize, buf: &mut [u8]) -> TargetResult<usize, Self> {
        Ok(piece(&self.info.auxv, offset, length, buf))
    }
}

impl LibrariesSvr4 for RttTarget {
    fn get_libraries_svr4(
        &self,
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        Ok(piece(self.info.libraries.as_bytes(), offset, length, buf))
    }
}

impl HostIo for RttTarget {
    fn support_open(&mut self) -> Option<HostIoOpenOps<'_, Self>> {
        Some(self)
    }
    fn support_close(&mut self) -> Option<HostIoCloseOps<'_, Self>> {
        Some(self)
    }
    fn support_pread(&mut self) -> Option<HostIoPreadOps<'_, Self>> {
        Some(self)
    }
    fn support_fstat(&mut self) -> Option<HostIoFstatOps<'_, Self>> {
        Some(self)
    }
    fn support_setfs(&mut self) -> Option<HostIoSetfsOps<'_, Self>> {
        Some(self)
    }
}

impl HostIoOpen for RttTarget {
    fn open(
        &mut self,
        filename: &[u8],
        flags: HostIoOpenFlags,
        _mode: HostIoOpenMode,
    ) -> HostIoResult<u32, Self> {
        let writes = HostIoOpenFlags::O_WRONLY
            | HostIoOpenFlags::O_RDWR
            | HostIoOpenFlags::O_CREAT
            | HostIoOpenFlags::O_TRUNC
            | HostIoOpenFlags::O_APPEND;
        if flags.intersects(writes) {
            return Err(HostIoError::Errno(HostIoErrno::EACCES));
        }
        if filename.starts_with(b"/proc/") {
            let tid = self.current_tid();
            let pid = self
                .tl
                .pid_of(tid)
                .map_err(|_| HostIoError::Errno(HostIoErrno::ENOENT))?;
            return Ok(self.files.open_proc(filename, pid)?);
        }
        Ok(self.files.open(filename)?)
    }
}

impl HostIoClose for RttTarget {
    fn close(&mut self, fd: u32) -> HostIoResult<(), Self> {
        Ok(self.files.close(fd)?)
    }
}

impl HostIoPread for RttTarget {
    fn pread(
        &mut self,
        fd: u32,
        count: usize,
        offset: u64,
        buf: &mut [u8],
    ) -> HostIoResult<usize, Self> {
        let n = count.min(buf.len());
        Ok(self.files.pread(fd, offset, &mut buf[..n])?)
    }
}

impl HostIoFstat for RttTarget {
    fn fstat(&mut self, fd: u32) -> HostIoResult<HostIoStat, Self> {
        let m = self.files.fstat(fd)?;
        Ok(HostIoStat {
            st_dev: m.dev() as u32,
            st_ino: m.ino() as u32,
            st_mode: HostIoOpenMode::from_bits_truncate(m.mode()),
            st_nlink: m.nlink() as u32,
            st_uid: m.uid(),
            st_gid: m.gid(),
            st_rdev: m.rdev() as u32,
            st_size: m.size(),
            st_blksize: m.blksize(),
            st_blocks: m.blocks(),
            st_atime: m.atime() as u32,
            st_mtime: m.mtime() as u32,
            st_ctime: m.ctime() as u32,
        })
    }
}

/// Files are served from the trace whatever namespace gdb names.
impl HostIoSetfs for RttTarget {
    fn setfs(&mut self, _fs: FsKind) -> HostIoResult<(), Self> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::piece;

    #[test]
    fn pieces_are_clipped_to_the_data_and_the_buffer() {
        let mut buf = [0u8; 4];
        assert_eq!(piece(b"abcdef", 0, 10, &mut buf), 4);
        assert_eq!(&buf, b"abcd");
        assert_eq!(piece(b"abcdef", 4, 10, &mut buf), 2);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(piece(b"abcdef", 9, 10, &mut buf), 0);
    }
}
