//! Candidate predecessors of an instruction, from disassembly: the instructions that end
//! where it starts (execution fell through), and, when one of them is a direct call, the
//! `ret`s of the function it calls (execution returned). Candidates are guesses: the
//! caller confirms one by running (see `predecessor.rs`).

use capstone::arch::x86::ArchMode;
use capstone::arch::BuildsCapstone;
use capstone::Capstone;

/// Longest x86 instruction.
const MAX_INSN: u64 = 15;
/// Bytes of a called function scanned for its `ret`s.
const SCAN_BYTES: usize = 8192;

/// Reads `len` bytes of the tracee's memory at an address (None: unreadable).
pub(super) type ReadMem<'a> = dyn FnMut(u64, usize) -> Option<Vec<u8>> + 'a;

/// Where execution may have been one instruction before reaching `pc` with `stack_top`
/// the word at the stack pointer: at most `max` addresses. A function's first
/// instruction follows the call whose return address is on the stack; others follow the
/// instruction that ends where they start, or the `ret` of the function that one calls.
pub(super) fn candidates(
    read: &mut ReadMem,
    pc: u64,
    stack_top: Option<u64>,
    max: usize,
) -> Vec<u64> {
    let Ok(cs) = Capstone::new().x86().mode(ArchMode::Mode64).build() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(ret) = stack_top {
        out.extend(call_before(&cs, read, ret));
    }
    // Longer decodings first: a short one ending at `pc` is usually the tail of a longer.
    for len in (1..=MAX_INSN).rev() {
        let at = pc.wrapping_sub(len);
        let Some(bytes) = read(at, len as usize) else {
            continue;
        };
        let Ok(insns) = cs.disasm_count(&bytes, at, 1) else {
            continue;
        };
        let Some(insn) = insns.iter().next() else {
            continue;
        };
        if insn.len() as u64 != len {
            continue;
        }
        match insn.mnemonic().unwrap_or("") {
            "call" => {
                if let Some(target) = immediate(insn.op_str().unwrap_or("")) {
                    out.extend(callee_rets(&cs, read, target, max));
                }
            }
            m if never_falls_through(m) => {}
            _ => out.push(at),
        }
    }
    out.dedup();
    out.truncate(max);
    out
}

/// The call instruction that returns to `ret`, if one ends there.
fn call_before(cs: &Capstone, read: &mut ReadMem, ret: u64) -> Option<u64> {
    // call rel32, call *%reg, call *(%reg), call *disp(%rip), call *disp8(%reg)...
    [5u64, 2, 3, 6, 7, 4].into_iter().find_map(|len| {
        let at = ret.checked_sub(len)?;
        let bytes = read(at, len as usize)?;
        let insns = cs.disasm_count(&bytes, at, 1).ok()?;
        let insn = insns.iter().next()?;
        (insn.len() as u64 == len && insn.mnemonic() == Some("call")).then_some(at)
    })
}

/// Instructions after which execution never continues at the next address.
fn never_falls_through(m: &str) -> bool {
    matches!(
        m,
        "jmp" | "bnd jmp" | "notrack jmp" | "ret" | "bnd ret" | "retf" | "iretq" | "ud2" | "hlt"
    )
}

/// The absolute address of a direct branch operand ("0x401020").
fn immediate(op: &str) -> Option<u64> {
    u64::from_str_radix(op.trim().strip_prefix("0x")?, 16).ok()
}

/// The `ret` instructions of the function at `entry`, following a PLT stub (an indirect
/// jump through the GOT) to the function it leads to.
fn callee_rets(cs: &Capstone, read: &mut ReadMem, entry: u64, max: usize) -> Vec<u64> {
    let mut entry = entry;
    for _ in 0..2 {
        let Some(bytes) = read_some(read, entry, 32) else {
            return Vec::new();
        };
        let Ok(insns) = cs.disasm_count(&bytes, entry, 2) else {
            return Vec::new();
        };
        let list: Vec<_> = insns.iter().collect();
        let jump = list
            .iter()
            .take_while(|i| matches!(i.mnemonic(), Some("endbr64" | "jmp" | "bnd jmp")))
            .find(|i| i.mnemonic() != Some("endbr64"));
        let Some(j) = jump else { break };
        let op = j.op_str().unwrap_or("");
        let next = j.address() + j.len() as u64;
        entry = if let Some(t) = immediate(op) {
            t
        } else if let Some(disp) = rip_relative(op) {
            match read(next.wrapping_add(disp as u64), 8) {
                Some(b) => u64::from_le_bytes(b.try_into().unwrap_or([0; 8])),
                None => return Vec::new(),
            }
        } else {
            return Vec::new();
        };
    }
    let mut rets = Vec::new();
    let mut at = entry;
    let end = entry + SCAN_BYTES as u64;
    while at < end && rets.len() < max {
        let Some(bytes) = read_some(read, at, 256) else {
            break;
        };
        let Ok(insns) = cs.disasm_all(&bytes, at) else {
            break;
        };
        let mut next = at;
        for i in insns.iter() {
            if matches!(i.mnemonic(), Some("ret" | "bnd ret")) {
                rets.push(i.address());
            }
            next = i.address() + i.len() as u64;
        }
        if next == at {
            break; // undecodable bytes: not code
        }
        // The last instruction of a chunk may be cut short: decode again from it.
        at = next.max(at + 1);
    }
    rets.truncate(max);
    rets
}

/// Up to `len` bytes at `at`: fewer when the mapping ends sooner.
fn read_some(read: &mut ReadMem, at: u64, len: usize) -> Option<Vec<u8>> {
    let mut n = len;
    while n > 0 {
        if let Some(b) = read(at, n) {
            return Some(b);
        }
        n /= 2;
    }
    None
}

/// The displacement of a `qword ptr [rip + 0x..]` operand.
fn rip_relative(op: &str) -> Option<i64> {
    let inner = op.split("[rip").nth(1)?.trim_end_matches(']').trim();
    let (sign, num) = if let Some(n) = inner.strip_prefix('+') {
        (1, n.trim())
    } else if let Some(n) = inner.strip_prefix('-') {
        (-1, n.trim())
    } else {
        return None;
    };
    let v = i64::from_str_radix(num.strip_prefix("0x")?, 16).ok()?;
    Some(sign * v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn mem(chunks: &[(u64, &[u8])]) -> BTreeMap<u64, u8> {
        let mut m = BTreeMap::new();
        for (at, bytes) in chunks {
            for (i, b) in bytes.iter().enumerate() {
                m.insert(at + i as u64, *b);
            }
        }
        m
    }

    fn reader(m: &BTreeMap<u64, u8>) -> impl FnMut(u64, usize) -> Option<Vec<u8>> + '_ {
        |a, n| (0..n as u64).map(|i| m.get(&(a + i)).copied()).collect()
    }

    #[test]
    fn fall_through_and_return_sites() {
        // 0x1000: call 0x2000 (e8 fb 0f 00 00); 0x1005: mov rdx, rax (48 89 c2)
        // 0x2000: push rbp; mov eax, 1; pop rbp; ret
        let m = mem(&[
            (0x1000, &[0xe8, 0xfb, 0x0f, 0x00, 0x00, 0x48, 0x89, 0xc2]),
            (0x2000, &[0x55, 0xb8, 1, 0, 0, 0, 0x5d, 0xc3]),
        ]);
        let mut r = reader(&m);
        // Before 0x1008: the mov (and its 2-byte tail decoded alone, a different insn).
        let c = candidates(&mut r, 0x1008, None, 4);
        assert_eq!(c[0], 0x1005);
        // Before 0x1005 (after the call): the callee's ret.
        assert_eq!(candidates(&mut r, 0x1005, None, 4)[0], 0x2007);
        // Before the callee's entry, with the return address on the stack: the call.
        assert_eq!(candidates(&mut r, 0x2000, Some(0x1005), 4)[0], 0x1000);
    }

    #[test]
    fn a_plt_stub_leads_to_the_function() {
        // 0x1000: call 0x3000; 0x3000: jmp qword ptr [rip + 0xffa] -> GOT at 0x4000.
        let mut m = mem(&[
            (0x1000, &[0xe8, 0xfb, 0x1f, 0x00, 0x00]),
            (0x3000, &[0xff, 0x25, 0xfa, 0x0f, 0x00, 0x00, 0xcc, 0xcc]),
            (0x5000, &[0x31, 0xc0, 0xc3]),
        ]);
        for (i, b) in 0x5000u64.to_le_bytes().iter().enumerate() {
            m.insert(0x4000 + i as u64, *b);
        }
        let mut r = reader(&m);
        assert_eq!(candidates(&mut r, 0x1005, None, 4)[0], 0x5002);
    }

    #[test]
    fn after_a_jump_nothing_falls_through() {
        // 0x1000: jmp 0x1000 (eb fe)
        let m = mem(&[(0x1000, &[0xeb, 0xfe])]);
        let mut r = reader(&m);
        assert!(candidates(&mut r, 0x1002, None, 4).is_empty());
        assert_eq!(rip_relative("qword ptr [rip + 0x2fe2]"), Some(0x2fe2));
        assert_eq!(rip_relative("qword ptr [rip - 0x10]"), Some(-0x10));
    }
}
