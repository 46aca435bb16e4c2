//! Walking the stack with the call frame information (`.eh_frame`) of each module, so that
//! backtraces go through libc and through code built without frame pointers.

use gimli::{
    BaseAddresses, CfaRule, EhFrame, LittleEndian, Register, RegisterRule, UnwindContext,
    UnwindSection,
};
use object::{Object, ObjectSection};
use rtt_replay::regs::Regs;

/// DWARF's number for the return address column on x86-64.
const RA: usize = 16;
/// Columns tracked: rax, rdx, rcx, rbx, rsi, rdi, rbp, rsp, r8-r15, return address.
pub const COLUMNS: usize = 17;
/// DWARF's number for rsp.
const RSP: usize = 7;

/// The registers of one frame, by DWARF number (None: not known).
pub type FrameRegs = [Option<u64>; COLUMNS];

/// One module's call frame information.
pub struct Cfi {
    data: Vec<u8>,
    bases: BaseAddresses,
}

impl Cfi {
    /// Reads `.eh_frame` from a parsed file (None when it has none).
    pub fn load(file: &object::File) -> Option<Cfi> {
        let eh = file.section_by_name(".eh_frame")?;
        let mut bases = BaseAddresses::default().set_eh_frame(eh.address());
        if let Some(text) = file.section_by_name(".text") {
            bases = bases.set_text(text.address());
        }
        Some(Cfi {
            data: eh.data().ok()?.to_vec(),
            bases,
        })
    }

    /// The caller's registers, from `regs` at file address `addr` (the pc, or one less
    /// than a return address) of a frame whose code belongs to this module.
    pub fn caller(
        &self,
        addr: u64,
        regs: &FrameRegs,
        read: &mut dyn FnMut(u64) -> Option<u64>,
    ) -> Option<FrameRegs> {
        let eh = EhFrame::new(&self.data, LittleEndian);
        let mut ctx = UnwindContext::new();
        let row = eh
            .unwind_info_for_address(&self.bases, &mut ctx, addr, EhFrame::cie_from_offset)
            .ok()?;
        let cfa = match row.cfa() {
            CfaRule::RegisterAndOffset { register, offset } => regs
                .get(register.0 as usize)
                .copied()
                .flatten()?
                .wrapping_add(*offset as u64),
            CfaRule::Expression(_) => return None,
        };
        let mut out: FrameRegs = [None; COLUMNS];
        for (col, slot) in out.iter_mut().enumerate() {
            *slot = match row.register(Register(col as u16)) {
                RegisterRule::Undefined if col == RA => None,
                // Callee-saved registers keep their values unless a rule says otherwise.
                RegisterRule::Undefined | RegisterRule::SameValue => {
                    if [3, 6, 12, 13, 14, 15].contains(&col) {
                        regs[col]
                    } else {
                        None
                    }
                }
                RegisterRule::Offset(n) => read(cfa.wrapping_add(n as u64)),
                RegisterRule::ValOffset(n) => Some(cfa.wrapping_add(n as u64)),
                RegisterRule::Register(r) => regs.get(r.0 as usize).copied().flatten(),
                _ => None,
            };
        }
        out[RSP] = Some(cfa);
        Some(out)
    }
}

/// The registers of the innermost frame.
pub fn frame_regs(regs: &Regs) -> FrameRegs {
    let r = &regs.0;
    // user_regs_struct order: r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi
    // orig_rax rip cs eflags rsp ...
    [
        Some(r[10]), // rax
        Some(r[12]), // rdx
        Some(r[11]), // rcx
        Some(r[5]),  // rbx
        Some(r[13]), // rsi
        Some(r[14]), // rdi
        Some(r[4]),  // rbp
        Some(r[19]), // rsp
        Some(r[9]),  // r8
        Some(r[8]),  // r9
        Some(r[7]),  // r10
        Some(r[6]),  // r11
        Some(r[3]),  // r12
        Some(r[2]),  // r13
        Some(r[1]),  // r14
        Some(r[0]),  // r15
        Some(r[16]), // rip
    ]
}

/// The pc of a frame.
pub fn pc(regs: &FrameRegs) -> Option<u64> {
    regs[RA]
}

/// The stack pointer of a frame (for the innermost one, rsp; for callers, the CFA of
/// the frame below: rsp just after the call returned).
pub fn sp(regs: &FrameRegs) -> Option<u64> {
    regs[RSP]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn innermost_registers_come_from_the_right_words() {
        let mut regs = Regs([0; 27]);
        regs.set_rip(0x401000);
        regs.set_rsp(0x7ff0);
        regs.set_rax(5);
        let f = frame_regs(&regs);
        assert_eq!(pc(&f), Some(0x401000));
        assert_eq!(sp(&f), Some(0x7ff0));
        assert_eq!(f[0], Some(5));
    }
}
