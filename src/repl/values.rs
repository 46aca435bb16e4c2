//! Variables of the stopped program: `print`, `info locals`, `info args`, the arguments
//! shown in frames, and `watch` / `last` on an expression.

use super::dwarf::{self, Place, Variable};
use super::expr::{self, Context, Value};
use super::session::Session;
use super::unwind;
use rtt_replay::timeline::{StopReason, WatchKey};

/// Evaluation in the selected frame of a session.
struct Scope<'a> {
    s: &'a mut Session,
    frame: usize,
}

impl Scope<'_> {
    /// The pc that names frame `frame`'s scope, its registers and CFA.
    fn frame(&mut self) -> Option<(u64, unwind::FrameRegs, Option<u64>)> {
        let frames = self.s.frames();
        let f = *frames.get(self.frame)?;
        let pc = unwind::pc(&f)?;
        let at = if self.frame == 0 { pc } else { pc - 1 };
        let cfa = frames.get(self.frame + 1).and_then(unwind::sp);
        Some((at, f, cfa))
    }

    fn value_of(
        &mut self,
        v: &Variable,
        debug_pc: u64,
        regs: &unwind::FrameRegs,
        cfa: Option<u64>,
        local: bool,
    ) -> Result<Value, String> {
        let s = &mut *self.s;
        let (debug, bias) = if local {
            s.syms
                .debug_at(debug_pc)
                .ok_or("no debugging information here")?
        } else {
            let (_, d, b) = s.syms.global(&v.name).ok_or("no such global")?;
            (d, b)
        };
        let tl = &mut s.tl;
        let mut read = |a: u64, n: usize| tl.read_memory(a, n).ok();
        let frame_base = if local {
            debug.scope(debug_pc - bias).1
        } else {
            None
        };
        let mut frame = dwarf::Frame {
            regs,
            cfa,
            bias,
            read: &mut read,
        };
        let place = debug
            .place(
                v,
                debug_pc.wrapping_sub(bias),
                frame_base.as_ref(),
                &mut frame,
            )
            .ok_or_else(|| format!("<optimized out>: {}", v.name))?;
        let size = v.ty.size() as usize;
        let (bytes, addr) = match place {
            Place::Memory(a) => (
                (frame.read)(a, size)
                    .ok_or_else(|| format!("Cannot access memory at address {a:#x}"))?,
                Some(a),
            ),
            Place::Register(r) => {
                let n = regs
                    .get(r as usize)
                    .copied()
                    .flatten()
                    .ok_or("<optimized out>")?;
                (n.to_le_bytes()[..size.min(8)].to_vec(), None)
            }
            Place::Value(n) => (n.to_le_bytes()[..size.min(8)].to_vec(), None),
        };
        Ok(Value {
            ty: v.ty.clone(),
            bytes,
            addr,
        })
    }
}

impl Context for Scope<'_> {
    fn variable(&mut self, name: &str) -> Result<Value, String> {
        if let Some((pc, regs, cfa)) = self.frame() {
            let found = self.s.syms.debug_at(pc).and_then(|(d, bias)| {
                d.scope(pc - bias)
                    .0
                    .into_iter()
                    .rev()
                    .find(|v| v.name == name)
            });
            if let Some(v) = found {
                return self.value_of(&v, pc, &regs, cfa, true);
            }
        }
        if let Some((v, _, _)) = self.s.syms.global(name) {
            let regs = [None; unwind::COLUMNS];
            return self.value_of(&v, 0, &regs, None, false);
        }
        if self.s.syms.function(name).is_some() || self.s.data_address(name).is_some() {
            return Err(format!(
                "'{name}' has unknown type; cast it to its declared type"
            ));
        }
        Err(format!("No symbol \"{name}\" in current context."))
    }

    fn register(&mut self, name: &str) -> Option<u64> {
        let regs = self.s.view_regs().ok()?;
        let name = match name {
            "pc" => "rip",
            "sp" => "rsp",
            "fp" => "rbp",
            n => n,
        };
        super::format::register(&regs, name)
    }

    fn read(&mut self, addr: u64, len: usize) -> Option<Vec<u8>> {
        self.s.tl.read_memory(addr, len).ok()
    }

    fn symbol(&mut self, addr: u64) -> Option<String> {
        self.s
            .syms
            .describe(addr)
            .or_else(|| self.s.data_name(addr))
    }
}

/// A watchpoint of the user's.
pub struct Watch {
    /// Its number (shared with breakpoints).
    pub num: u32,
    /// The expression as given.
    pub expr: String,
    /// What is watched.
    pub key: WatchKey,
    /// The type to show its values with.
    pub ty: dwarf::Type,
    /// `rwatch`: reads too.
    pub reads: bool,
}

impl Session {
    fn scope(&mut self) -> Scope<'_> {
        let frame = self.selected;
        Scope { s: self, frame }
    }

    /// `print EXPR`.
    pub(super) fn print(&mut self, text: &str) -> Result<String, String> {
        let mut cx = self.scope();
        let v = expr::evaluate(text, &mut cx)?;
        let shown = expr::show(&v, &mut cx);
        self.history += 1;
        Ok(format!("${} = {shown}", self.history))
    }

    /// The address an expression gives `x` and `break *`: a pointer's or an integer's
    /// value, or where an array or structure is.
    pub(super) fn expression_address(&mut self, text: &str) -> Result<u64, String> {
        let mut cx = self.scope();
        let v = expr::evaluate(text, &mut cx)?;
        match v.ty {
            dwarf::Type::Array(..) | dwarf::Type::Struct { .. } => {
                v.addr.ok_or_else(|| format!("`{text}' is not in memory"))
            }
            _ => Ok(expr::int(&v) as u64),
        }
    }

    /// The return type of the selected frame's function (None: void or unknown).
    pub(super) fn return_type(&mut self) -> Option<dwarf::Type> {
        let mut cx = self.scope();
        let (pc, _, _) = cx.frame()?;
        let (d, bias) = cx.s.syms.debug_at(pc)?;
        d.return_type(pc - bias)
    }

    /// gdb's `Value returned is $N = V` for a function that just returned a value of
    /// type `ty` (integers, pointers and enums come back in rax).
    pub(super) fn returned(&mut self, ty: dwarf::Type) -> Option<String> {
        let scalar = matches!(
            ty,
            dwarf::Type::Base { encoding, .. } if encoding != gimli::DW_ATE_float
        ) || matches!(ty, dwarf::Type::Pointer(_) | dwarf::Type::Enum { .. });
        if !scalar {
            return None;
        }
        let rax = self.tl.regs().ok()?.rax();
        let size = ty.size().clamp(1, 8) as usize;
        let v = Value {
            ty,
            bytes: rax.to_le_bytes()[..size].to_vec(),
            addr: None,
        };
        let mut cx = self.scope();
        let shown = expr::show(&v, &mut cx);
        self.history += 1;
        Some(format!("Value returned is ${} = {shown}", self.history))
    }

    /// Whether a breakpoint condition holds here (an error counts as true, so that the
    /// user sees the stop).
    pub(super) fn condition_holds(&mut self, cond: &str) -> bool {
        let frame = std::mem::replace(&mut self.selected, 0);
        let mut cx = self.scope();
        let r = expr::evaluate(cond, &mut cx).map(|v| expr::int(&v) != 0);
        self.selected = frame;
        r.unwrap_or(true)
    }

    /// `set var LVALUE = EXPR`: writes memory, which only the live end allows.
    pub(super) fn set_var(&mut self, target: &str, value: &str) -> Result<String, String> {
        let mut cx = self.scope();
        let lv = expr::evaluate(target, &mut cx)?;
        let addr = lv
            .addr
            .ok_or_else(|| format!("Left operand of assignment is not an lvalue: {target}"))?;
        let v = expr::evaluate(value, &mut cx)?;
        let size = lv.ty.size() as usize;
        if size == 0 || size > 8 {
            return Err(format!("cannot assign to `{target}' (only scalars)"));
        }
        let bytes = expr::int(&v).to_le_bytes()[..size].to_vec();
        self.tl
            .write_memory(addr, &bytes)
            .map_err(|e| format!("rtt: {e}"))?;
        Ok(String::new())
    }

    /// `info locals` / `info args` of the selected frame.
    pub(super) fn variables(&mut self, params: bool) -> Result<String, String> {
        let mut cx = self.scope();
        let (pc, regs, cfa) = cx.frame().ok_or("No frame selected.")?;
        let vars =
            cx.s.syms
                .debug_at(pc)
                .map(|(d, bias)| d.scope(pc - bias).0)
                .ok_or("No symbol table info available.")?;
        let mut out = Vec::new();
        for v in vars.iter().filter(|v| v.param == params) {
            let shown = match cx.value_of(v, pc, &regs, cfa, true) {
                Ok(val) => expr::show(&val, &mut cx),
                Err(e) => e,
            };
            out.push(format!("{} = {shown}", v.name));
        }
        if out.is_empty() {
            return Ok(if params {
                "No arguments."
            } else {
                "No locals."
            }
            .into());
        }
        Ok(out.join("\n"))
    }

    /// `name=value, ...` of frame `k`'s parameters (empty without debugging info).
    pub(super) fn frame_args(&mut self, k: usize) -> String {
        let mut cx = Scope { s: self, frame: k };
        let Some((pc, regs, cfa)) = cx.frame() else {
            return String::new();
        };
        let Some(vars) = cx.s.syms.debug_at(pc).map(|(d, bias)| d.scope(pc - bias).0) else {
            return String::new();
        };
        let mut parts = Vec::new();
        for v in vars.iter().filter(|v| v.param) {
            let shown = match cx.value_of(v, pc, &regs, cfa, true) {
                Ok(val) => expr::show(&val, &mut cx),
                Err(_) => "<optimized out>".into(),
            };
            parts.push(format!("{}={shown}", v.name));
        }
        parts.join(", ")
    }

    /// The memory an expression names, for `watch` and `last`.
    fn lvalue(&mut self, text: &str) -> Result<(Value, WatchKey), String> {
        let mut cx = self.scope();
        let v = expr::evaluate(text, &mut cx)?;
        let addr = v
            .addr
            .ok_or_else(|| format!("Cannot watch constant value `{text}'."))?;
        let len = v.ty.size().max(1) as u32;
        Ok((
            v,
            WatchKey {
                addr,
                len,
                reads: false,
            },
        ))
    }

    /// `watch [-l] EXPR` and `rwatch EXPR`.
    pub(super) fn add_watch(&mut self, text: &str, reads: bool) -> Result<String, String> {
        let text = text
            .trim_start_matches("-l")
            .trim_start_matches("-location")
            .trim();
        let (v, mut key) = self.lvalue(text)?;
        key.reads = reads;
        self.tl
            .add_watchpoint(key)
            .map_err(|e| format!("rtt: {e}"))?;
        let num = self.new_number();
        self.watches.push(Watch {
            num,
            expr: text.to_string(),
            key,
            ty: v.ty,
            reads,
        });
        let kind = if reads {
            "Hardware read watchpoint"
        } else {
            "Hardware watchpoint"
        };
        Ok(format!("{kind} {num}: {text}"))
    }

    /// The text of a watchpoint stop (values shown with the watched expression's type).
    pub(super) fn watch_stop(
        &mut self,
        key: WatchKey,
        before: Vec<u8>,
        after: Vec<u8>,
        backwards: bool,
    ) -> String {
        let Some(w) = self.watches.iter().find(|w| w.key == key) else {
            return format!("\nWatchpoint at {:#x} triggered.", key.addr);
        };
        let (num, expr, ty, reads) = (w.num, w.expr.clone(), w.ty.clone(), w.reads);
        let mut cx = self.scope();
        let mut show = |bytes: Vec<u8>| {
            expr::show(
                &Value {
                    ty: ty.clone(),
                    bytes,
                    addr: None,
                },
                &mut cx,
            )
        };
        if reads && before == after {
            return format!(
                "\nHardware read watchpoint {num}: {expr}\n\nValue = {}",
                show(after)
            );
        }
        // Backwards, "old" is the later value, as gdb shows it.
        let (old, new) = if backwards {
            (after, before)
        } else {
            (before, after)
        };
        let (old, new) = (show(old), show(new));
        let kind = if reads {
            "Hardware read watchpoint"
        } else {
            "Hardware watchpoint"
        };
        format!("\n{kind} {num}: {expr}\n\nOld value = {old}\nNew value = {new}")
    }

    /// `last EXPR`: back to the latest change of EXPR's value before here.
    pub(super) fn last(&mut self, text: &str) -> Result<String, String> {
        let (v, key) = self.lvalue(text)?;
        let temporary = !self.watches.iter().any(|w| w.key == key);
        if temporary {
            self.tl
                .add_watchpoint(key)
                .map_err(|e| format!("rtt: {e}"))?;
        }
        // A question about one value: breakpoints and other watchpoints do not stop it.
        let bps = self.tl_breakpoints();
        let others: Vec<WatchKey> = self
            .watches
            .iter()
            .map(|w| w.key)
            .filter(|k| *k != key)
            .collect();
        for &b in &bps {
            self.tl.remove_breakpoint(b);
        }
        for &w in &others {
            self.tl.remove_watchpoint(w);
        }
        let r = self.tl.reverse_cont();
        for &b in &bps {
            self.tl.add_breakpoint(b);
        }
        for &w in &others {
            let _ = self.tl.add_watchpoint(w);
        }
        if temporary {
            self.tl.remove_watchpoint(key);
        }
        match r.map_err(|e| format!("rtt: {e}"))? {
            StopReason::Watchpoint { before, after, .. } => {
                let mut cx = self.scope();
                let mut show = |bytes: Vec<u8>| {
                    expr::show(
                        &Value {
                            ty: v.ty.clone(),
                            bytes,
                            addr: None,
                        },
                        &mut cx,
                    )
                };
                let (b, a) = (show(before), show(after));
                let frame = self.frame_line(true);
                Ok(format!("{text} changed here from {b} to {a}\n{frame}"))
            }
            other => {
                let stop = self.stopped(other);
                Ok(format!("{text} did not change before here.{stop}"))
            }
        }
    }
}
