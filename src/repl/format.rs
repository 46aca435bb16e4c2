//! Text the REPL shows: registers, memory dumps and disassembly, in gdb's layout.

use capstone::arch::x86::{ArchMode, ArchSyntax};
use capstone::arch::{BuildsCapstone, BuildsCapstoneSyntax};
use capstone::Capstone;
use rtt_replay::regs::{Regs, NAMES};
use std::fmt::Write as _;

/// Names a code address (`main+4`), if a function holds it.
pub type Describe<'a> = dyn Fn(u64) -> Option<String> + 'a;

const GENERAL: [&str; 24] = [
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13",
    "r14", "r15", "rip", "eflags", "cs", "ss", "ds", "es", "fs", "gs",
];

const EFLAGS: [(&str, u32); 9] = [
    ("CF", 0),
    ("PF", 2),
    ("AF", 4),
    ("ZF", 6),
    ("SF", 7),
    ("TF", 8),
    ("IF", 9),
    ("DF", 10),
    ("OF", 11),
];

/// The value of register `name` (also `fs_base`, `gs_base`, `orig_rax`).
pub fn register(regs: &Regs, name: &str) -> Option<u64> {
    NAMES.iter().position(|n| *n == name).map(|i| regs.0[i])
}

/// `info registers [NAME]`.
pub fn registers(regs: &Regs, which: Option<&str>, describe: &Describe) -> Result<String, String> {
    let names: Vec<&str> = match which {
        Some(w) => w
            .split_whitespace()
            .map(|n| n.trim_start_matches('$'))
            .collect(),
        None => GENERAL.to_vec(),
    };
    let mut out = Vec::new();
    for name in names {
        let v = register(regs, name).ok_or_else(|| format!("Invalid register `{name}'"))?;
        let shown = match name {
            "rip" => format!("{v:#x} <{}>", describe(v).unwrap_or_else(|| "??".into())),
            "eflags" => {
                let set: Vec<&str> = EFLAGS
                    .iter()
                    .filter(|(_, b)| v & (1 << b) != 0)
                    .map(|(n, _)| *n)
                    .collect();
                format!("[ {} ]", set.join(" "))
            }
            "rsp" | "rbp" => format!("{v:#x}"),
            _ => format!("{}", v as i64),
        };
        out.push(format!("{name:<15}{:<19}{shown}", format!("{v:#x}")));
    }
    Ok(out.join("\n"))
}

/// The load bias of a position-independent program whose entry is at `entry` at run
/// time (0 for one linked at a fixed address).
pub fn exe_bias(path: &std::path::Path, entry: u64) -> Option<u64> {
    use object::Object;
    let data = std::fs::read(path).ok()?;
    let file = object::File::parse(&*data).ok()?;
    Some(entry.wrapping_sub(file.entry()))
}

/// The dynamic loader a program asks for (its `.interp`).
pub fn interpreter(path: &std::path::Path) -> Option<String> {
    use object::{Object, ObjectSection};
    let data = std::fs::read(path).ok()?;
    let file = object::File::parse(&*data).ok()?;
    let bytes = file.section_by_name(".interp")?.data().ok()?;
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
}

fn capstone() -> Result<Capstone, String> {
    Capstone::new()
        .x86()
        .mode(ArchMode::Mode64)
        .syntax(ArchSyntax::Att)
        .build()
        .map_err(|e| format!("disassembler: {e}"))
}

/// The length of the call instruction at `pc`, if it is one.
pub fn call_length(code: &[u8], pc: u64) -> Option<u64> {
    let cs = capstone().ok()?;
    let insns = cs.disasm_count(code, pc, 1).ok()?;
    let i = insns.iter().next()?;
    i.mnemonic()
        .is_some_and(|m| m.starts_with("call"))
        .then_some(i.len() as u64)
}

/// gdb's `disassemble` body: one line per instruction, `=>` on the one at `pc`.
pub fn disassemble(
    code: &[u8],
    start: u64,
    pc: Option<u64>,
    describe: &Describe,
) -> Result<String, String> {
    let cs = capstone()?;
    let insns = cs
        .disasm_all(code, start)
        .map_err(|e| format!("disassembler: {e}"))?;
    let mut out = String::new();
    for i in insns.iter() {
        let a = i.address();
        let mark = if Some(a) == pc { "=> " } else { "   " };
        let name = describe(a).map(|n| format!(" <{n}>")).unwrap_or_default();
        let mut ops = i.op_str().unwrap_or("").to_string();
        // Name the targets of direct calls and jumps, as gdb does.
        if let Some(t) = ops
            .strip_prefix("0x")
            .and_then(|h| u64::from_str_radix(h, 16).ok())
        {
            if let Some(n) = describe(t) {
                ops = format!("{ops} <{n}>");
            }
        }
        let line = format!(
            "{mark}{a:#018x}{name}:\t{:<6} {ops}",
            i.mnemonic().unwrap_or("")
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    Ok(out)
}

/// gdb's `x/NFU` for formats other than `i` and `s`.
pub fn examine(addr: u64, bytes: &[u8], fmt: char, unit: u64, describe: &Describe) -> String {
    let per_line = match (fmt, unit) {
        ('c', _) | (_, 1) => 8,
        (_, 2) => 8,
        (_, 4) => 4,
        _ => 2,
    };
    let mut out = String::new();
    for (n, chunk) in bytes.chunks(unit as usize).enumerate() {
        let at = addr + n as u64 * unit;
        if n % per_line == 0 {
            if n > 0 {
                out.push('\n');
            }
            let name = describe(at).map(|d| format!(" <{d}>")).unwrap_or_default();
            let _ = write!(out, "{at:#x}{name}:");
        }
        let mut buf = [0u8; 8];
        buf[..chunk.len()].copy_from_slice(chunk);
        let v = u64::from_le_bytes(buf);
        let bits = unit * 8;
        let signed = if bits == 64 {
            v as i64
        } else {
            ((v << (64 - bits)) as i64) >> (64 - bits)
        };
        let text = match fmt {
            'x' => format!("{v:#0width$x}", width = (unit * 2 + 2) as usize),
            'd' => signed.to_string(),
            'u' => v.to_string(),
            'o' => format!("{v:#o}"),
            't' => format!("{v:0width$b}", width = bits as usize),
            'c' => format!("{} '{}'", signed, (v as u8 as char).escape_default()),
            'a' => match describe(v) {
                Some(d) => format!("{v:#x} <{d}>"),
                None => format!("{v:#x}"),
            },
            _ => format!("{v:#x}"),
        };
        let _ = write!(out, "\t{text}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_in_gdb_layout() {
        let none = |_| None;
        let bytes: Vec<u8> = (1u32..=5).flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            examine(0x1000, &bytes, 'x', 4, &none),
            "0x1000:\t0x00000001\t0x00000002\t0x00000003\t0x00000004\n0x1010:\t0x00000005"
        );
        assert_eq!(examine(0x10, &[0xff, 0xff], 'd', 2, &none), "0x10:\t-1");
        assert_eq!(examine(0x10, b"A", 'c', 1, &none), "0x10:\t65 'A'");
        let named = |a| (a == 0x10).then(|| "buf".to_string());
        assert_eq!(examine(0x10, &[7], 'u', 1, &named), "0x10 <buf>:\t7");
    }

    #[test]
    fn calls_are_recognised_and_code_is_listed() {
        // call rel32 (5 bytes); push %rbp; ret
        let code = [0xe8, 0, 0, 0, 0, 0x55, 0xc3];
        assert_eq!(call_length(&code, 0x1000), Some(5));
        assert_eq!(call_length(&code[5..], 0x1005), None);
        let none = |_| None;
        let text = disassemble(&code[5..], 0x1005, Some(0x1006), &none).unwrap();
        assert_eq!(
            text,
            "   0x0000000000001005:\tpushq  %rbp\n=> 0x0000000000001006:\tretq\n"
        );
    }

    #[test]
    fn registers_in_gdb_layout() {
        let mut regs = Regs([0; 27]);
        regs.set_rax(28);
        regs.set_eflags(0x246);
        let none = |_| None;
        let t = registers(&regs, Some("rax eflags"), &none).unwrap();
        assert_eq!(
            t,
            "rax            0x1c               28\neflags         0x246              [ PF ZF IF ]"
        );
        assert!(registers(&regs, Some("xyz"), &none).is_err());
    }
}
