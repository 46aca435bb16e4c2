//! The x86-64 register set rtt shows gdb: general, segment, x87, SSE, `orig_rax`,
//! `fs_base`/`gs_base` and the AVX upper halves, with the target description naming them.

use gdbstub::arch::{Arch, RegId, Registers};
use rtt_replay::regs::{Regs, NAMES};
use std::fmt::Write as _;
use std::num::NonZeroUsize;
use std::sync::OnceLock;

/// x86-64 Linux as rtt describes it to gdb.
pub enum RttX86_64 {}

impl Arch for RttX86_64 {
    type Usize = u64;
    type Registers = RegImage;
    type RegId = RawRegId;
    type BreakpointKind = usize;

    fn target_description_xml() -> Option<&'static str> {
        static XML: OnceLock<String> = OnceLock::new();
        Some(XML.get_or_init(target_xml))
    }
}

/// A register number as gdb numbers them (the order of [`REGISTERS`]).
#[derive(Debug, Clone, Copy)]
pub struct RawRegId(pub usize);

impl RegId for RawRegId {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let size = layout().get(id)?.1;
        Some((RawRegId(id), NonZeroUsize::new(size)))
    }
}

/// Where a register's value comes from.
#[derive(Clone, Copy)]
enum Src {
    /// A word of `user_regs_struct`, by name, truncated to the register's size.
    User(&'static str),
    /// Bytes of the XSAVE area at this offset.
    Xsave(usize),
    /// The full x87 tag word, computed from the abridged one in the XSAVE area.
    Ftag,
    /// The AVX upper half of ymm N (XSAVE component 2).
    YmmHi(usize),
}

/// One register: name, size in bits, gdb type, target-description feature, source.
struct Reg {
    name: String,
    bits: usize,
    ty: &'static str,
    feature: usize,
    src: Src,
}

const FEATURES: [&str; 5] = [
    "org.gnu.gdb.i386.core",
    "org.gnu.gdb.i386.sse",
    "org.gnu.gdb.i386.linux",
    "org.gnu.gdb.i386.segments",
    "org.gnu.gdb.i386.avx",
];

/// Offset of the AVX state (YMM_Hi128) in the standard XSAVE layout.
const XSAVE_AVX: usize = 576;
/// Offset of XSTATE_BV, the bitmap of components whose state is not the initial one.
const XSAVE_BV: usize = 512;

/// The registers in gdb's numbering.
fn registers() -> &'static [Reg] {
    static REGS: OnceLock<Vec<Reg>> = OnceLock::new();
    REGS.get_or_init(|| {
        let mut v = Vec::new();
        let mut add = |name: &str, bits, ty, feature, src| {
            v.push(Reg {
                name: name.to_string(),
                bits,
                ty,
                feature,
                src,
            })
        };
        let general = [
            "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15",
        ];
        for name in general {
            let ty = match name {
                "rbp" | "rsp" => "data_ptr",
                _ => "int64",
            };
            add(name, 64, ty, 0, Src::User(user_name(name)));
        }
        add("rip", 64, "code_ptr", 0, Src::User("rip"));
        add("eflags", 32, "i386_eflags", 0, Src::User("eflags"));
        for seg in ["cs", "ss", "ds", "es", "fs", "gs"] {
            add(seg, 32, "int32", 0, Src::User(user_name(seg)));
        }
        for i in 0..8 {
            add(
                &format!("st{i}"),
                80,
                "i387_ext",
                0,
                Src::Xsave(32 + 16 * i),
            );
        }
        add("fctrl", 32, "int", 0, Src::Xsave(0));
        add("fstat", 32, "int", 0, Src::Xsave(2));
        add("ftag", 32, "int", 0, Src::Ftag);
        add("fiseg", 32, "int", 0, Src::Xsave(12));
        add("fioff", 32, "int", 0, Src::Xsave(8));
        add("foseg", 32, "int", 0, Src::Xsave(20));
        add("fooff", 32, "int", 0, Src::Xsave(16));
        add("fop", 32, "int", 0, Src::Xsave(6));
        for i in 0..16 {
            add(
                &format!("xmm{i}"),
                128,
                "vec128",
                1,
                Src::Xsave(160 + 16 * i),
            );
        }
        add("mxcsr", 32, "i386_mxcsr", 1, Src::Xsave(24));
        add("orig_rax", 64, "int", 2, Src::User("orig_rax"));
        add("fs_base", 64, "int", 3, Src::User("fs_base"));
        add("gs_base", 64, "int", 3, Src::User("gs_base"));
        for i in 0..16 {
            add(&format!("ymm{i}h"), 128, "uint128", 4, Src::YmmHi(i));
        }
        v
    })
}

/// The `user_regs_struct` word holding a register (they share names).
fn user_name(name: &'static str) -> &'static str {
    NAMES.iter().copied().find(|n| *n == name).unwrap_or(name)
}

/// (offset in the register image, size in bytes) of every register.
fn layout() -> &'static [(usize, usize)] {
    static LAYOUT: OnceLock<Vec<(usize, usize)>> = OnceLock::new();
    LAYOUT.get_or_init(|| {
        let mut off = 0;
        registers()
            .iter()
            .map(|r| {
                let at = (off, r.bits / 8);
                off += r.bits / 8;
                at
            })
            .collect()
    })
}

const EFLAGS_BITS: [(&str, u32); 17] = [
    ("CF", 0),
    ("", 1),
    ("PF", 2),
    ("AF", 4),
    ("ZF", 6),
    ("SF", 7),
    ("TF", 8),
    ("IF", 9),
    ("DF", 10),
    ("OF", 11),
    ("NT", 14),
    ("RF", 16),
    ("VM", 17),
    ("AC", 18),
    ("VIF", 19),
    ("VIP", 20),
    ("ID", 21),
];

const MXCSR_BITS: [(&str, u32); 16] = [
    ("IE", 0),
    ("DE", 1),
    ("ZE", 2),
    ("OE", 3),
    ("UE", 4),
    ("PE", 5),
    ("DAZ", 6),
    ("IM", 7),
    ("DM", 8),
    ("ZM", 9),
    ("OM", 10),
    ("UM", 11),
    ("PM", 12),
    ("FZ", 15),
    ("", 13),
    ("", 14),
];

fn flags_xml(out: &mut String, id: &str, bits: &[(&str, u32)]) {
    let _ = writeln!(out, r#"<flags id="{id}" size="4">"#);
    for (name, bit) in bits
        .iter()
        .filter(|(n, _)| !n.is_empty() || id == "i386_eflags")
    {
        let _ = writeln!(
            out,
            r#"<field name="{name}" start="{bit}" end="{bit}" type="bool"/>"#
        );
    }
    out.push_str("</flags>\n");
}

/// The target description: which registers exist, in which order, of which types.
fn target_xml() -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n\
         <architecture>i386:x86-64</architecture>\n<osabi>GNU/Linux</osabi>\n",
    );
    for (f, feature) in FEATURES.iter().enumerate() {
        let _ = writeln!(x, r#"<feature name="{feature}">"#);
        match f {
            0 => flags_xml(&mut x, "i386_eflags", &EFLAGS_BITS),
            1 => {
                let lanes = [
                    ("v4f", "ieee_single", 4),
                    ("v2d", "ieee_double", 2),
                    ("v16i8", "int8", 16),
                    ("v8i16", "int16", 8),
                    ("v4i32", "int32", 4),
                    ("v2i64", "int64", 2),
                ];
                for (id, ty, n) in lanes {
                    let _ = writeln!(x, r#"<vector id="{id}" type="{ty}" count="{n}"/>"#);
                }
                x.push_str("<union id=\"vec128\">\n");
                for (field, ty) in [
                    ("v4_float", "v4f"),
                    ("v2_double", "v2d"),
                    ("v16_int8", "v16i8"),
                    ("v8_int16", "v8i16"),
                    ("v4_int32", "v4i32"),
                    ("v2_int64", "v2i64"),
                    ("uint128", "uint128"),
                ] {
                    let _ = writeln!(x, r#"<field name="{field}" type="{ty}"/>"#);
                }
                x.push_str("</union>\n");
                flags_xml(&mut x, "i386_mxcsr", &MXCSR_BITS);
            }
            _ => {}
        }
        for (n, r) in registers()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.feature == f)
        {
            let group = match (r.feature, r.name.as_str()) {
                (0, name) if name.starts_with('f') && name.len() > 2 => r#" group="float""#,
                (1, "mxcsr") => r#" group="vector""#,
                _ => "",
            };
            let _ = writeln!(
                x,
                r#"<reg name="{}" bitsize="{}" type="{}" regnum="{n}"{group}/>"#,
                r.name, r.bits, r.ty
            );
        }
        x.push_str("</feature>\n");
    }
    x.push_str("</target>\n");
    x
}

/// The registers of one thread in gdb's `g` packet layout (empty: unavailable).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegImage(pub Vec<u8>);

impl Registers for RegImage {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        let (off, _) = layout()[16];
        self.0
            .get(off..off + 8)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        if self.0.is_empty() {
            let total: usize = layout().iter().map(|(_, s)| s).sum();
            (0..total).for_each(|_| write_byte(None));
        }
        self.0.iter().for_each(|&b| write_byte(Some(b)));
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        self.0 = bytes.to_vec();
        Ok(())
    }
}

impl RegImage {
    /// Whether `other` holds the same values, `orig_rax` aside: gdb sets it to -1 when it
    /// writes the pc (so that the kernel does not restart a syscall), which changes nothing
    /// in a replay, where rtt decides what syscalls do.
    pub fn same_as(&self, other: &RegImage) -> bool {
        let i = registers()
            .iter()
            .position(|r| r.name == "orig_rax")
            .unwrap_or(0);
        let (off, size) = layout()[i];
        let mask = |img: &RegImage| {
            let mut b = img.0.clone();
            if let Some(slot) = b.get_mut(off..off + size) {
                slot.fill(0);
            }
            b
        };
        mask(self) == mask(other)
    }

    /// Builds the image from the general registers and the XSAVE area (empty when the
    /// extended state could not be read: those registers read as zero).
    pub fn build(regs: &Regs, xsave: &[u8]) -> RegImage {
        let mut out = Vec::new();
        for r in registers() {
            let size = r.bits / 8;
            let mut bytes = vec![0u8; size];
            match r.src {
                Src::User(name) => {
                    let idx = NAMES.iter().position(|n| *n == name).unwrap_or(0);
                    let v = regs.0[idx].to_le_bytes();
                    bytes.copy_from_slice(&v[..size]);
                }
                Src::Xsave(off) => {
                    // x87 control words are 16 bits in the XSAVE area, 32 for gdb.
                    let n = if matches!(off, 0 | 2 | 6) { 2 } else { size };
                    if let Some(src) = xsave.get(off..off + n) {
                        bytes[..n].copy_from_slice(src);
                    }
                    if r.name == "fop" {
                        bytes[1] &= 0x07;
                    }
                }
                Src::Ftag => {
                    bytes[..2].copy_from_slice(&full_tag_word(xsave).to_le_bytes());
                }
                Src::YmmHi(i) => {
                    let in_use = xsave.get(XSAVE_BV).is_some_and(|bv| bv & (1 << 2) != 0);
                    let off = XSAVE_AVX + 16 * i;
                    if let (true, Some(src)) = (in_use, xsave.get(off..off + 16)) {
                        bytes.copy_from_slice(src);
                    }
                }
            }
            out.extend_from_slice(&bytes);
        }
        RegImage(out)
    }
}

/// The x87 tag word (2 bits per physical register) from FXSAVE's abridged one (1 bit:
/// empty or not) and the register contents, as FSAVE would store it.
fn full_tag_word(xsave: &[u8]) -> u16 {
    let (Some(&abridged), Some(fsw)) = (xsave.get(4), xsave.get(2..4)) else {
        return 0xffff;
    };
    let top = (u16::from_le_bytes([fsw[0], fsw[1]]) >> 11) & 7;
    let mut word = 0u16;
    for phys in 0..8u16 {
        let tag = if abridged & (1 << phys) == 0 {
            3 // empty
        } else {
            let st = ((phys + 8 - top) % 8) as usize;
            let r = xsave
                .get(32 + 16 * st..32 + 16 * st + 10)
                .unwrap_or(&[0; 10]);
            let mantissa = u64::from_le_bytes(r[..8].try_into().unwrap_or([0; 8]));
            let exponent = u16::from_le_bytes([r[8], r[9]]) & 0x7fff;
            match (exponent, mantissa) {
                (0x7fff, _) => 2,
                (0, 0) => 1,
                (0, _) => 2,
                (_, m) if m >> 63 == 0 => 2,
                _ => 0,
            }
        };
        word |= tag << (2 * phys);
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_matches_the_description() {
        let total: usize = layout().iter().map(|(_, s)| s).sum();
        let img = RegImage::build(&Regs([0; 27]), &[]);
        assert_eq!(img.0.len(), total);
        let xml = target_xml();
        assert_eq!(xml.matches("<reg ").count(), registers().len());
        assert!(xml.contains(r#"<reg name="rip" bitsize="64" type="code_ptr" regnum="16"/>"#));
    }

    #[test]
    fn pc_and_general_registers_land_in_place() {
        let mut regs = Regs([0; 27]);
        regs.set_rip(0x401000);
        regs.set_rax(7);
        regs.set_eflags(0x246);
        let img = RegImage::build(&regs, &[]);
        assert_eq!(img.pc(), 0x401000);
        assert_eq!(&img.0[..8], &7u64.to_le_bytes());
        let (off, size) = layout()[17];
        assert_eq!(&img.0[off..off + size], &0x246u32.to_le_bytes());
    }

    #[test]
    fn orig_rax_alone_does_not_make_a_difference() {
        let mut regs = Regs([0; 27]);
        regs.set_orig_rax(59);
        let a = RegImage::build(&regs, &[]);
        regs.set_orig_rax(u64::MAX);
        let b = RegImage::build(&regs, &[]);
        assert!(a.same_as(&b) && a != b);
        regs.set_rax(1);
        assert!(!a.same_as(&RegImage::build(&regs, &[])));
    }

    #[test]
    fn empty_x87_stack_tags_every_register_empty() {
        let mut xsave = vec![0u8; 1024];
        xsave[0] = 0x7f;
        xsave[1] = 0x03;
        assert_eq!(full_tag_word(&xsave), 0xffff);
        // One valid value (1.0) pushed: top = 7, physical register 7 holds st0.
        xsave[4] = 0x80;
        xsave[3] = 7 << 3;
        xsave[32..40].copy_from_slice(&(1u64 << 63).to_le_bytes());
        xsave[40..42].copy_from_slice(&0x3fffu16.to_le_bytes());
        assert_eq!(full_tag_word(&xsave), 0x3fff);
    }

    #[test]
    fn avx_halves_are_read_only_when_in_use() {
        let mut xsave = vec![0u8; 1024];
        xsave[XSAVE_AVX] = 0xaa;
        let idx = registers().iter().position(|r| r.name == "ymm0h").unwrap();
        let (off, _) = layout()[idx];
        assert_eq!(RegImage::build(&Regs([0; 27]), &xsave).0[off], 0);
        xsave[XSAVE_BV] = 0b100;
        assert_eq!(RegImage::build(&Regs([0; 27]), &xsave).0[off], 0xaa);
    }
}
