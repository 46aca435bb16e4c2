//! Keeping file mappings coherent with writes to the file.
//!
//! A write to a file that a tracee has mapped changes what the tracee sees in memory (in a
//! shared mapping, and in private pages not yet copied on write). Replay maps files as
//! private copies taken at mmap time, so the recorder records those pages after the write,
//! as a `MemoryChanged` event.

use std::collections::HashMap;

/// One mapping of part of a file into a process.
#[derive(Debug, Clone, Copy)]
struct Range {
    pid: i32,
    addr: u64,
    len: u64,
    /// File offset mapped at `addr`.
    offset: u64,
}

/// The file mappings of all tracees, by (device, inode).
#[derive(Debug, Default)]
pub(super) struct Mappings {
    by_file: HashMap<(u64, u64), Vec<Range>>,
}

impl Mappings {
    /// Records that `pid` mapped `len` bytes of file (`dev`, `ino`) from `offset` at `addr`.
    pub fn add(&mut self, file: (u64, u64), pid: i32, addr: u64, len: u64, offset: u64) {
        self.unmap(pid, addr, len);
        self.by_file.entry(file).or_default().push(Range {
            pid,
            addr,
            len,
            offset,
        });
    }

    /// Forgets whatever `pid` had mapped in [addr, addr + len).
    pub fn unmap(&mut self, pid: i32, addr: u64, len: u64) {
        let end = addr.saturating_add(len);
        for ranges in self.by_file.values_mut() {
            let mut kept = Vec::with_capacity(ranges.len());
            for r in ranges.drain(..) {
                let r_end = r.addr + r.len;
                if r.pid != pid || r_end <= addr || end <= r.addr {
                    kept.push(r);
                    continue;
                }
                if r.addr < addr {
                    kept.push(Range {
                        len: addr - r.addr,
                        ..r
                    });
                }
                if end < r_end {
                    kept.push(Range {
                        addr: end,
                        len: r_end - end,
                        offset: r.offset + (end - r.addr),
                        ..r
                    });
                }
            }
            *ranges = kept;
        }
        self.by_file.retain(|_, v| !v.is_empty());
    }

    /// Forgets every mapping of `pid` (exec, exit).
    pub fn forget(&mut self, pid: i32) {
        for ranges in self.by_file.values_mut() {
            ranges.retain(|r| r.pid != pid);
        }
        self.by_file.retain(|_, v| !v.is_empty());
    }

    /// Whether anything maps file `file`.
    pub fn is_mapped(&self, file: (u64, u64)) -> bool {
        self.by_file.contains_key(&file)
    }

    /// The memory ranges (pid, address, length) that show bytes [off, off + len) of `file`.
    pub fn showing(&self, file: (u64, u64), off: u64, len: u64) -> Vec<(i32, u64, u64)> {
        let end = off.saturating_add(len);
        let Some(ranges) = self.by_file.get(&file) else {
            return Vec::new();
        };
        ranges
            .iter()
            .filter_map(|r| {
                let (lo, hi) = (off.max(r.offset), end.min(r.offset + r.len));
                (lo < hi).then(|| (r.pid, r.addr + (lo - r.offset), hi - lo))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_trims_ranges() {
        let mut m = Mappings::default();
        let f = (1, 2);
        m.add(f, 10, 0x1000, 0x3000, 0x2000);
        assert_eq!(m.showing(f, 0x2800, 0x10), vec![(10, 0x1800, 0x10)]);
        assert!(m.showing(f, 0, 0x100).is_empty());
        m.unmap(10, 0x2000, 0x1000);
        assert_eq!(m.showing(f, 0x3000, 0x1000), Vec::new());
        assert_eq!(m.showing(f, 0x4000, 0x10), vec![(10, 0x3000, 0x10)]);
        m.forget(10);
        assert!(!m.is_mapped(f));
    }
}
