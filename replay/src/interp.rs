//! The interpreters an exec loads besides the file it names: the ELF interpreter named by
//! PT_INTERP (`ld.so`) and a script's `#!` interpreter, found in the file or in memory.
//!
//! The kernel opens both by path, so a replay that must not depend on the replaying
//! machine's files points these paths at the trace's copies (`replay::execfile`).

use crate::auxv::{InitialStack, AT_PHDR, AT_PHNUM};
use crate::error::{Error, Result};
use crate::linkmap;
use crate::mem::Memory;
use crate::remote::RemoteAddr;
use std::ops::Range;

const PT_INTERP: u32 = 3;
const PHDR_SIZE: usize = 56;

/// One 64-bit ELF program header: (type, file offset, virtual address, size in the file).
fn phdr(b: &[u8]) -> Option<(u32, u64, u64, u64)> {
    let u32_at = |o: usize| Some(u32::from_le_bytes(b.get(o..o + 4)?.try_into().ok()?));
    let u64_at = |o: usize| Some(u64::from_le_bytes(b.get(o..o + 8)?.try_into().ok()?));
    Some((u32_at(0)?, u64_at(8)?, u64_at(16)?, u64_at(32)?))
}

/// The bytes of the PT_INTERP path in a 64-bit little-endian ELF file (NULs excluded).
pub fn elf_interp(data: &[u8]) -> Option<Range<usize>> {
    if data.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let phoff = u64::from_le_bytes(data.get(0x20..0x28)?.try_into().ok()?) as usize;
    let phnum = u16::from_le_bytes(data.get(0x38..0x3a)?.try_into().ok()?) as usize;
    (0..phnum).find_map(|i| {
        let at = phoff.checked_add(i * PHDR_SIZE)?;
        let (kind, offset, _, filesz) = phdr(data.get(at..at + PHDR_SIZE)?)?;
        if kind != PT_INTERP {
            return None;
        }
        let start = offset as usize;
        let bytes = data.get(start..start.checked_add(filesz as usize)?)?;
        let len = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
        (len > 0).then_some(start..start + len)
    })
}

/// The interpreter path of a `#!` script (the first word after `#!`), as the kernel reads
/// it from the first line.
pub fn script_interp(data: &[u8]) -> Option<Range<usize>> {
    let rest = data.strip_prefix(b"#!")?;
    let line = &rest[..rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len())];
    let start = line.iter().position(|&c| c != b' ' && c != b'\t')?;
    let len = line[start..]
        .iter()
        .position(|&c| c == b' ' || c == b'\t' || c == 0)
        .unwrap_or(line.len() - start);
    (len > 0).then_some(2 + start..2 + start + len)
}

/// Where the running program's PT_INTERP path is in its memory, and the path there, found
/// through its program headers (AT_PHDR). None for a static program, or one without a
/// PT_PHDR header to locate itself by.
pub fn interp_in_memory(
    mem: &Memory,
    stack: &InitialStack,
) -> Result<Option<(RemoteAddr, Vec<u8>)>> {
    let (Some(at_phdr), Some(phnum)) = (stack.aux(AT_PHDR), stack.aux(AT_PHNUM)) else {
        return Ok(None);
    };
    let mut read = |a: u64, n: usize| mem.read(RemoteAddr(a), n).ok();
    let headers = linkmap::program_headers(at_phdr, phnum, &mut read)
        .ok_or_else(|| Error::Trace(format!("cannot read the program headers at {at_phdr:#x}")))?;
    let Some(bias) = linkmap::load_bias(&headers, at_phdr) else {
        return Ok(None);
    };
    let Some(&(_, vaddr)) = headers.iter().find(|h| h.0 == PT_INTERP) else {
        return Ok(None);
    };
    let addr = RemoteAddr(bias.wrapping_add(vaddr));
    let path = mem.read_cstr(addr, 4096)?;
    Ok(Some((addr, path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_lines() {
        assert_eq!(script_interp(b"#!/bin/sh\necho"), Some(2..9));
        assert_eq!(script_interp(b"#! /usr/bin/env python3\n"), Some(3..15));
        assert_eq!(script_interp(b"#!\n"), None);
        assert_eq!(script_interp(b"\x7fELF"), None);
    }

    #[test]
    fn elf_of_this_test() {
        let me = std::fs::read("/proc/self/exe").unwrap();
        let r = elf_interp(&me).expect("a dynamically linked test binary");
        assert!(me[r].starts_with(b"/"));
        assert_eq!(elf_interp(b"#!/bin/sh\n"), None);
    }
}
