//! The auxiliary vector at a fresh exec: hiding the vDSO and finding AT_RANDOM.
//!
//! Time functions in the vDSO never enter the kernel, so rtt could not record them. Turning
//! the AT_SYSINFO_EHDR entry into AT_IGNORE makes libc fall back to real syscalls.

use crate::error::Result;
use crate::mem::Memory;
use crate::remote::RemoteAddr;

const AT_NULL: u64 = 0;
const AT_IGNORE: u64 = 1;
const AT_RANDOM: u64 = 25;
const AT_SYSINFO_EHDR: u64 = 33;

/// Hides the vDSO from the program whose initial stack starts at `sp` (its `argc`), and
/// returns the address of the 16 AT_RANDOM bytes, if any.
pub fn patch_at_exec(mem: &Memory, sp: u64) -> Result<Option<RemoteAddr>> {
    let sp = RemoteAddr(sp);
    let argc = mem.read_u64(sp)?;
    // argv[argc] is NULL; the environment follows, NULL-terminated.
    let mut p = sp.offset(8 * (argc.min(1 << 20) + 2));
    for _ in 0..(1 << 20) {
        if mem.read_u64(p)? == 0 {
            break;
        }
        p = p.offset(8);
    }
    p = p.offset(8);
    let mut random = None;
    for _ in 0..512 {
        let kind = mem.read_u64(p)?;
        if kind == AT_NULL {
            break;
        }
        match kind {
            AT_SYSINFO_EHDR => mem.write(p, &AT_IGNORE.to_le_bytes())?,
            AT_RANDOM => random = Some(RemoteAddr(mem.read_u64(p.offset(8))?)),
            _ => {}
        }
        p = p.offset(16);
    }
    Ok(random)
}

/// The argv of the program whose initial stack starts at `sp`, lossily decoded (display).
pub fn read_argv(mem: &Memory, sp: u64) -> Result<Vec<String>> {
    let sp = RemoteAddr(sp);
    let argc = mem.read_u64(sp)?.min(4096);
    let mut out = Vec::with_capacity(argc as usize);
    for i in 0..argc {
        let ptr = mem.read_u64(sp.offset(8 * (i + 1)))?;
        let s = mem.read_cstr(RemoteAddr(ptr), 4096)?;
        out.push(String::from_utf8_lossy(&s).into_owned());
    }
    Ok(out)
}

const AT_EXECFN: u64 = 31;

/// Replaces, in the initial stack at `sp`, every argv string and the AT_EXECFN string equal
/// to `from` by `to` (same length): undoes the path substitution replay makes to exec a copy.
pub fn replace_strings(mem: &Memory, sp: u64, from: &[u8], to: &[u8]) -> Result<()> {
    if from.len() != to.len() {
        return Ok(());
    }
    let sp = RemoteAddr(sp);
    let argc = mem.read_u64(sp)?.min(4096);
    let fix = |ptr: u64| -> Result<()> {
        if mem.read_cstr(RemoteAddr(ptr), from.len() + 1)? == from {
            mem.write(RemoteAddr(ptr), to)?;
        }
        Ok(())
    };
    for i in 0..argc {
        fix(mem.read_u64(sp.offset(8 * (i + 1)))?)?;
    }
    let mut p = sp.offset(8 * (argc + 2));
    for _ in 0..(1 << 20) {
        if mem.read_u64(p)? == 0 {
            break;
        }
        p = p.offset(8);
    }
    p = p.offset(8);
    for _ in 0..512 {
        let kind = mem.read_u64(p)?;
        if kind == AT_NULL {
            break;
        }
        if kind == AT_EXECFN {
            fix(mem.read_u64(p.offset(8))?)?;
        }
        p = p.offset(16);
    }
    Ok(())
}
