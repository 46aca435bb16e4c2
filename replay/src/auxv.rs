//! The auxiliary vector at a fresh exec: hiding the vDSO and finding AT_RANDOM.
//!
//! Time functions in the vDSO never enter the kernel, so rtt could not record them. Turning
//! the AT_SYSINFO_EHDR entry into AT_IGNORE makes libc fall back to real syscalls.

use crate::error::Result;
use crate::mem::{Memory, PagedReader};
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

/// What the kernel put on a fresh program's stack: argv, environment, auxiliary vector.
#[derive(Debug, Clone, Default)]
pub struct InitialStack {
    /// The arguments, exactly.
    pub argv: Vec<Vec<u8>>,
    /// The environment, exactly.
    pub env: Vec<Vec<u8>>,
    /// The auxiliary vector's (type, value) pairs, AT_NULL excluded.
    pub aux: Vec<(u64, u64)>,
}

impl InitialStack {
    /// Reads the initial stack whose `argc` is at `sp`.
    pub fn read(mem: &Memory, sp: u64) -> Result<InitialStack> {
        let mut r = PagedReader::new(mem);
        let sp = RemoteAddr(sp);
        let argc = r.read_u64(sp)?.min(1 << 20);
        let mut out = InitialStack::default();
        for i in 0..argc {
            let ptr = r.read_u64(sp.offset(8 * (i + 1)))?;
            out.argv.push(r.read_cstr(RemoteAddr(ptr), 1 << 17)?);
        }
        let mut p = sp.offset(8 * (argc + 2));
        for _ in 0..(1 << 20) {
            let ptr = r.read_u64(p)?;
            p = p.offset(8);
            if ptr == 0 {
                break;
            }
            out.env.push(r.read_cstr(RemoteAddr(ptr), 1 << 17)?);
        }
        for _ in 0..512 {
            let kind = r.read_u64(p)?;
            if kind == AT_NULL {
                break;
            }
            out.aux.push((kind, r.read_u64(p.offset(8))?));
            p = p.offset(16);
        }
        Ok(out)
    }

    /// The value of auxiliary vector entry `kind`, if present.
    pub fn aux(&self, kind: u64) -> Option<u64> {
        self.aux.iter().find(|(k, _)| *k == kind).map(|(_, v)| *v)
    }

    /// The file name execve was given (the AT_EXECFN string).
    pub fn execfn(&self, mem: &Memory) -> Result<Vec<u8>> {
        match self.aux(AT_EXECFN) {
            Some(addr) => mem.read_cstr(RemoteAddr(addr), 4096),
            None => Ok(Vec::new()),
        }
    }
}

/// The strings of a NULL-terminated array of string pointers at `addr` (execve's argv or
/// envp); empty for a NULL array.
pub fn read_string_array(mem: &Memory, addr: u64) -> Result<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut r = PagedReader::new(mem);
    for i in 0..(1u64 << 20) {
        let ptr = r.read_u64(RemoteAddr(addr).offset(8 * i))?;
        if ptr == 0 {
            break;
        }
        out.push(r.read_cstr(RemoteAddr(ptr), 1 << 17)?);
    }
    Ok(out)
}

/// Auxiliary vector entry: address of the program headers.
pub const AT_PHDR: u64 = 3;
/// Auxiliary vector entry: number of program headers.
pub const AT_PHNUM: u64 = 5;
/// Auxiliary vector entry: load address of the ELF interpreter.
pub const AT_BASE: u64 = 7;
/// Auxiliary vector entry: the program's entry point.
pub const AT_ENTRY: u64 = 9;

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
