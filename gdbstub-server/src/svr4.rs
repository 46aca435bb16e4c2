//! The shared-library list gdb asks for (`qXfer:libraries-svr4:read`), read from the
//! dynamic loader's link map in the replayed process, as gdbserver does.

use std::fmt::Write as _;

const AT_PHDR: u64 = 3;
const AT_PHNUM: u64 = 5;
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
    let phnum = auxv_value(auxv, AT_PHNUM)?;
    let mut bias = None;
    let mut dynamic = None;
    for i in 0..phnum.min(256) {
        let h = read(phdr + i * PHDR_SIZE, PHDR_SIZE as usize)?;
        let p_type = u32::from_le_bytes(h[..4].try_into().ok()?);
        let p_vaddr = u64::from_le_bytes(h[16..24].try_into().ok()?);
        match p_type {
            PT_PHDR => bias = Some(phdr.wrapping_sub(p_vaddr)),
            PT_DYNAMIC => dynamic = Some(p_vaddr),
            _ => {}
        }
    }
    let dynamic = dynamic?.wrapping_add(bias.unwrap_or(0));
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

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

/// The `library-list-svr4` document for a process with auxiliary vector `auxv`. A static
/// program, or one whose loader has not set up its link map yet, has an empty list.
pub fn library_list(auxv: &[u8], read: &mut ReadMem) -> String {
    let mut xml = String::from("<library-list-svr4 version=\"1.0\"");
    let map = r_debug(auxv, read)
        .filter(|&r| r != 0)
        .and_then(|r| word(read, r + 8))
        .filter(|&m| m != 0);
    let Some(main) = map else {
        xml.push_str("/>");
        return xml;
    };
    let _ = write!(xml, " main-lm=\"{main:#x}\">");
    // The first link is the program itself (main-lm); libraries follow.
    let mut lm = word(read, main + 24).unwrap_or(0);
    let mut seen = 0;
    while lm != 0 && seen < MAX_LIBRARIES {
        seen += 1;
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
            let _ = write!(
                xml,
                "<library name=\"{}\" lm=\"{lm:#x}\" l_addr=\"{l_addr:#x}\" l_ld=\"{l_ld:#x}\" lmid=\"0x0\"/>",
                escape(&name)
            );
        }
        lm = next;
    }
    xml.push_str("</library-list-svr4>");
    xml
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
        let xml = library_list(&av, &mut |a, n| mem.read(a, n));
        assert_eq!(
            xml,
            "<library-list-svr4 version=\"1.0\" main-lm=\"0x8000\">\
             <library name=\"/lib/libc.so.6\" lm=\"0x8100\" l_addr=\"0x81000\" l_ld=\"0x8101\" lmid=\"0x0\"/>\
             <library name=\"/lib/a&amp;b.so\" lm=\"0x8200\" l_addr=\"0x82000\" l_ld=\"0x8201\" lmid=\"0x0\"/>\
             </library-list-svr4>"
        );
    }

    #[test]
    fn before_the_loader_ran_the_list_is_empty() {
        let mut mem = Mem::default();
        let av = program(&mut mem, 0);
        let xml = library_list(&av, &mut |a, n| mem.read(a, n));
        assert_eq!(xml, "<library-list-svr4 version=\"1.0\"/>");
        assert_eq!(
            library_list(&[], &mut |a, n| mem.read(a, n)),
            "<library-list-svr4 version=\"1.0\"/>"
        );
    }
}
