//! The shared libraries a process has loaded, read from the dynamic loader's link map
//! (`r_debug`, found through the program's `DT_DEBUG`), as gdbserver does: where each
//! library is and what it is called.

const PT_DYNAMIC: u32 = 2;
const PT_PHDR: u32 = 6;
const DT_NULL: u64 = 0;
const DT_DEBUG: u64 = 21;
/// Size of an ELF64 program header.
const PHDR_SIZE: u64 = 56;
/// Links followed at most (a corrupt list must not loop forever).
const MAX_LIBRARIES: usize = 4096;

/// Reads `len` bytes of the process's memory at an address (None: unreadable).
pub type ReadMem<'a> = dyn FnMut(u64, usize) -> Option<Vec<u8>> + 'a;

use crate::auxv::{AT_PHDR, AT_PHNUM};

/// One loaded library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library {
    /// Its path as the loader knows it.
    pub name: String,
    /// Address of its `link_map` entry.
    pub lm: u64,
    /// Load bias: what was added to its addresses.
    pub l_addr: u64,
    /// Address of its dynamic section.
    pub l_ld: u64,
}

/// The link map of a process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkMap {
    /// The program's own entry (None before the loader set the map up, or for a static
    /// program).
    pub main_lm: Option<u64>,
    /// The libraries, in load order (the program itself and unnamed entries left out).
    pub libraries: Vec<Library>,
}

fn word(read: &mut ReadMem, addr: u64) -> Option<u64> {
    let b = read(addr, 8)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

/// Value of auxv entry `key`.
pub fn auxv_value(auxv: &[u8], key: u64) -> Option<u64> {
    auxv.chunks_exact(16).find_map(|e| {
        let k = u64::from_le_bytes(e[..8].try_into().ok()?);
        (k == key).then(|| u64::from_le_bytes(e[8..].try_into().unwrap_or([0; 8])))
    })
}

/// Address of the loader's `r_debug`, found through the program's DT_DEBUG entry (0 until
/// the loader has filled it in).
fn r_debug(auxv: &[u8], read: &mut ReadMem) -> Option<u64> {
    let phdr = auxv_value(auxv, AT_PHDR)?;
    let headers = program_headers(phdr, auxv_value(auxv, AT_PHNUM)?, read)?;
    let (_, dynamic) = headers.iter().find(|h| h.0 == PT_DYNAMIC)?;
    let dynamic = dynamic.wrapping_add(load_bias(&headers, phdr).unwrap_or(0));
    for i in 0..4096u64 {
        let tag = word(read, dynamic + 16 * i)?;
        match tag {
            DT_NULL => return None,
            DT_DEBUG => return word(read, dynamic + 16 * i + 8),
            _ => {}
        }
    }
    None
}

/// The (type, virtual address) of each of the `phnum` program headers a running program
/// has at `phdr` (its AT_PHDR).
pub fn program_headers(phdr: u64, phnum: u64, read: &mut ReadMem) -> Option<Vec<(u32, u64)>> {
    (0..phnum.min(256))
        .map(|i| {
            let h = read(phdr + i * PHDR_SIZE, PHDR_SIZE as usize)?;
            let p_type = u32::from_le_bytes(h.get(..4)?.try_into().ok()?);
            let p_vaddr = u64::from_le_bytes(h.get(16..24)?.try_into().ok()?);
            Some((p_type, p_vaddr))
        })
        .collect()
}

/// What was added to the program's addresses when it was loaded, from its PT_PHDR header
/// (None without one).
pub fn load_bias(headers: &[(u32, u64)], phdr: u64) -> Option<u64> {
    let (_, vaddr) = headers.iter().find(|h| h.0 == PT_PHDR)?;
    Some(phdr.wrapping_sub(*vaddr))
}

fn c_string(read: &mut ReadMem, addr: u64) -> Option<String> {
    let mut out = Vec::new();
    let mut at = addr;
    while out.len() < 4096 {
        // Never read across a page boundary: the next page may be unmapped.
        let chunk = (4096 - (at % 4096)).min(256) as usize;
        let b = read(at, chunk)?;
        if let Some(end) = b.iter().position(|&c| c == 0) {
            out.extend_from_slice(&b[..end]);
            return Some(String::from_utf8_lossy(&out).into_owned());
        }
        out.extend_from_slice(&b);
        at += chunk as u64;
    }
    None
}

/// The link map of the process whose auxiliary vector is `auxv`.
pub fn read_link_map(auxv: &[u8], read: &mut ReadMem) -> LinkMap {
    let map = r_debug(auxv, read)
        .filter(|&r| r != 0)
        .and_then(|r| word(read, r + 8))
        .filter(|&m| m != 0);
    let Some(main) = map else {
        return LinkMap::default();
    };
    let mut out = LinkMap {
        main_lm: Some(main),
        libraries: Vec::new(),
    };
    // The first link is the program itself; libraries follow.
    let mut lm = word(read, main + 24).unwrap_or(0);
    while lm != 0 && out.libraries.len() < MAX_LIBRARIES {
        let (Some(l_addr), Some(name_at), Some(l_ld), Some(next)) = (
            word(read, lm),
            word(read, lm + 8),
            word(read, lm + 16),
            word(read, lm + 24),
        ) else {
            break;
        };
        let name = c_string(read, name_at).unwrap_or_default();
        if !name.is_empty() {
            out.libraries.push(Library {
                name,
                lm,
                l_addr,
                l_ld,
            });
        }
        lm = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A fake address space holding little-endian words and strings.
    #[derive(Default)]
    struct Mem(BTreeMap<u64, u8>);

    impl Mem {
        fn put(&mut self, addr: u64, bytes: &[u8]) {
            for (i, &b) in bytes.iter().enumerate() {
                self.0.insert(addr + i as u64, b);
            }
        }
        fn word(&mut self, addr: u64, v: u64) {
            self.put(addr, &v.to_le_bytes());
        }
        /// Memory that was never written reads as zero (all of it is mapped).
        fn read(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
            Some(
                (0..len as u64)
                    .map(|i| self.0.get(&(addr + i)).copied().unwrap_or(0))
                    .collect(),
            )
        }
    }

    fn auxv(pairs: &[(u64, u64)]) -> Vec<u8> {
        pairs
            .iter()
            .flat_map(|(k, v)| [k.to_le_bytes(), v.to_le_bytes()].concat())
            .collect()
    }

    fn program(mem: &mut Mem, debug: u64) -> Vec<u8> {
        // PIE loaded at 0x5000_0000: PT_PHDR at vaddr 0x40, PT_DYNAMIC at vaddr 0x2000.
        let base = 0x5000_0000u64;
        let mut ph = vec![0u8; 56];
        ph[..4].copy_from_slice(&PT_PHDR.to_le_bytes());
        ph[16..24].copy_from_slice(&0x40u64.to_le_bytes());
        mem.put(base + 0x40, &ph);
        ph[..4].copy_from_slice(&PT_DYNAMIC.to_le_bytes());
        ph[16..24].copy_from_slice(&0x2000u64.to_le_bytes());
        mem.put(base + 0x40 + 56, &ph);
        let dynamic = base + 0x2000;
        mem.word(dynamic, 1);
        mem.word(dynamic + 8, 0);
        mem.word(dynamic + 16, DT_DEBUG);
        mem.word(dynamic + 24, debug);
        mem.word(dynamic + 32, DT_NULL);
        mem.word(dynamic + 40, 0);
        auxv(&[(AT_PHDR, base + 0x40), (AT_PHNUM, 2), (0, 0)])
    }

    #[test]
    fn lists_the_libraries_after_the_program() {
        let mut mem = Mem::default();
        let av = program(&mut mem, 0x7000);
        let (main, lib1, lib2) = (0x8000u64, 0x8100u64, 0x8200u64);
        mem.word(0x7008, main);
        for (lm, next, name_at) in [
            (main, lib1, 0x9000),
            (lib1, lib2, 0x9100),
            (lib2, 0, 0x9200),
        ] {
            mem.word(lm, lm * 16);
            mem.word(lm + 8, name_at);
            mem.word(lm + 16, lm + 1);
            mem.word(lm + 24, next);
        }
        mem.put(0x9000, b"\0");
        mem.put(0x9100, b"/lib/libc.so.6\0");
        mem.put(0x9200, b"/lib/a&b.so\0");
        let map = read_link_map(&av, &mut |a, n| mem.read(a, n));
        assert_eq!(map.main_lm, Some(0x8000));
        let libs: Vec<_> = map
            .libraries
            .iter()
            .map(|l| (l.name.as_str(), l.lm, l.l_addr, l.l_ld))
            .collect();
        assert_eq!(
            libs,
            vec![
                ("/lib/libc.so.6", 0x8100, 0x81000, 0x8101),
                ("/lib/a&b.so", 0x8200, 0x82000, 0x8201)
            ]
        );
    }

    #[test]
    fn before_the_loader_ran_the_list_is_empty() {
        let mut mem = Mem::default();
        let av = program(&mut mem, 0);
        assert_eq!(
            read_link_map(&av, &mut |a, n| mem.read(a, n)),
            LinkMap::default()
        );
        assert_eq!(
            read_link_map(&[], &mut |a, n| mem.read(a, n)),
            LinkMap::default()
        );
    }
}
