//! General-purpose register state of a tracee, in the kernel's `user_regs_struct` layout.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Number of 64-bit words in `struct user_regs_struct` on x86-64.
pub const NREGS: usize = 27;

/// Names of the words of `struct user_regs_struct`, in order.
pub const NAMES: [&str; NREGS] = [
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
    "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs",
    "gs",
];

/// The general registers of one thread.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regs(pub [u64; NREGS]);

macro_rules! reg {
    ($get:ident, $set:ident, $idx:expr) => {
        #[doc = concat!("The `", stringify!($get), "` register.")]
        pub fn $get(&self) -> u64 {
            self.0[$idx]
        }
        #[doc = concat!("Sets the `", stringify!($get), "` register.")]
        pub fn $set(&mut self, v: u64) {
            self.0[$idx] = v;
        }
    };
}

/// eflags bits that differ between a breakpoint stop and a signal stop at the same
/// instruction without meaning anything for the program: TF and RF.
const EFLAGS_IGNORED: u64 = 0x100 | 0x10000;

impl Regs {
    reg!(rax, set_rax, 10);
    reg!(rcx, set_rcx, 11);
    reg!(rdx, set_rdx, 12);
    reg!(rsi, set_rsi, 13);
    reg!(rdi, set_rdi, 14);
    reg!(r10, set_r10, 7);
    reg!(r11, set_r11, 6);
    reg!(r8, set_r8, 9);
    reg!(r9, set_r9, 8);
    reg!(orig_rax, set_orig_rax, 15);
    reg!(rip, set_rip, 16);
    reg!(rsp, set_rsp, 19);
    reg!(eflags, set_eflags, 18);

    /// The registers as the kernel's `user_regs_struct` bytes (PTRACE_GETREGS).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.0.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// Registers from `user_regs_struct` bytes; missing words read as 0.
    pub fn from_bytes(b: &[u8]) -> Regs {
        Regs(std::array::from_fn(|i| {
            b.get(i * 8..i * 8 + 8)
                .and_then(|w| w.try_into().ok())
                .map_or(0, u64::from_le_bytes)
        }))
    }

    /// The six syscall arguments (rdi, rsi, rdx, r10, r8, r9).
    pub fn syscall_args(&self) -> [u64; 6] {
        [
            self.rdi(),
            self.rsi(),
            self.rdx(),
            self.r10(),
            self.r8(),
            self.r9(),
        ]
    }

    /// Replaces the six syscall arguments.
    pub fn set_syscall_args(&mut self, a: &[u64; 6]) {
        self.set_rdi(a[0]);
        self.set_rsi(a[1]);
        self.set_rdx(a[2]);
        self.set_r10(a[3]);
        self.set_r8(a[4]);
        self.set_r9(a[5]);
    }

    /// The names of the registers whose values differ, for divergence reports. eflags' TF
    /// and RF bits are ignored.
    pub fn differences(&self, other: &Regs) -> Vec<String> {
        (0..NREGS)
            .filter(|&i| {
                let (a, b) = (self.0[i], other.0[i]);
                if i == 18 {
                    a & !EFLAGS_IGNORED != b & !EFLAGS_IGNORED
                } else {
                    a != b
                }
            })
            .map(|i| format!("{} {:#x} vs {:#x}", NAMES[i], self.0[i], other.0[i]))
            .collect()
    }

    /// Whether the two register sets describe the same program state.
    pub fn same_state(&self, other: &Regs) -> bool {
        self.differences(other).is_empty()
    }
}

impl fmt::Debug for Regs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (name, v) in NAMES.iter().zip(self.0.iter()) {
            m.entry(name, &format_args!("{v:#x}"));
        }
        m.finish()
    }
}
