//! The inspection commands: `info`, `x` (examine memory) and `disassemble`.

use super::*;

impl Session {
    pub(super) fn info(&mut self, what: Info) -> CmdResult {
        match what {
            Info::Breakpoints => {
                if self.bps.is_empty() && self.watches.is_empty() {
                    return Ok("No breakpoints or watchpoints.".into());
                }
                let mut t = String::from("Num     Type           Disp Enb Address            What");
                for b in &self.bps {
                    let disp = if b.temporary { "del " } else { "keep" };
                    let enb = if b.enabled { 'y' } else { 'n' };
                    let _ = write!(
                        t,
                        "\n{:<7} breakpoint     {disp} {enb}   {:#018x} {}",
                        b.num, b.addrs[0], b.what
                    );
                    if let Some(c) = &b.condition {
                        let _ = write!(t, "\n\tstop only if {c}");
                    }
                    if b.hits > 0 {
                        let s = if b.hits == 1 { "" } else { "s" };
                        let _ = write!(t, "\n\tbreakpoint already hit {} time{s}", b.hits);
                    }
                }
                for w in &self.watches {
                    let kind = if w.reads {
                        "read watchpoint"
                    } else {
                        "hw watchpoint"
                    };
                    let _ = write!(
                        t,
                        "\n{:<7} {kind:<14} keep y                      {}",
                        w.num, w.expr
                    );
                }
                Ok(t)
            }
            Info::Registers(which) => {
                let regs = self.view_regs().map_err(engine)?;
                let describe = |a: u64| self.syms.describe(a);
                format::registers(&regs, which.as_deref(), &describe)
            }
            Info::SharedLibrary => {
                let mut t =
                    String::from("From                To                  Shared Object Library");
                for m in self.syms.modules().iter().skip(1) {
                    let (lo, hi) = m.text_range();
                    let _ = write!(t, "\n{lo:#018x}  {hi:#018x}  {}", m.name);
                }
                Ok(t)
            }
            Info::Threads => self.info_threads(),
            Info::Frame => self.frame_info(),
            Info::Locals => self.variables(false),
            Info::Args => self.variables(true),
            Info::Checkpoints => {
                let list = self.tl.checkpoints();
                let mut t = String::new();
                for c in list {
                    let _ = writeln!(
                        t,
                        "{:>4}  {:<10} {:>8} KiB  {}",
                        c.id,
                        format!("{:?}", c.kind).to_lowercase(),
                        c.bytes / 1024,
                        c.position
                    );
                }
                Ok(t.trim_end().to_string())
            }
        }
    }

    pub(super) fn examine(&mut self, addr: u64, count: u64, fmt: char, unit: u64) -> CmdResult {
        if fmt == 'i' {
            return self.disassemble_n(addr, count);
        }
        if fmt == 's' {
            // Page by page: the string may end just before unmapped memory.
            let mut bytes = Vec::new();
            while bytes.len() < 4096 && !bytes.contains(&0) {
                let at = addr + bytes.len() as u64;
                let n = (4096 - at % 4096).min(256) as usize;
                match self.tl.read_memory(at, n) {
                    Ok(b) => bytes.extend(b),
                    Err(_) if bytes.is_empty() => return Err(memory_error(addr)),
                    Err(_) => break,
                }
            }
            let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
            return Ok(format!(
                "{addr:#x}:\t\"{}\"",
                String::from_utf8_lossy(&bytes[..end]).escape_default()
            ));
        }
        let len = (count * unit) as usize;
        let bytes = self
            .tl
            .read_memory(addr, len)
            .map_err(|_| memory_error(addr))?;
        let describe = |a: u64| self.syms.describe(a);
        Ok(format::examine(addr, &bytes, fmt, unit, &describe))
    }

    pub(super) fn disassemble(&mut self, addr: u64) -> CmdResult {
        let (start, size) = self
            .syms
            .function_range(addr)
            .filter(|r| r.1 > 0)
            .ok_or_else(|| format!("no function contains {addr:#x}"))?;
        let code = self
            .tl
            .read_memory(start, size as usize)
            .map_err(|_| memory_error(start))?;
        let pc = self.pc().ok();
        let name = self.syms.describe(start).unwrap_or_default();
        let describe = |a: u64| self.syms.describe(a);
        let body = format::disassemble(&code, start, pc, &describe)?;
        Ok(format!(
            "Dump of assembler code for function {name}:\n{body}End of assembler dump."
        ))
    }

    fn disassemble_n(&mut self, addr: u64, count: u64) -> CmdResult {
        let code = self
            .tl
            .read_memory(addr, (count * 15) as usize)
            .or_else(|_| self.tl.read_memory(addr, 16))
            .map_err(|_| memory_error(addr))?;
        let pc = self.pc().ok();
        let describe = |a: u64| self.syms.describe(a);
        let all = format::disassemble(&code, addr, pc, &describe)?;
        Ok(all
            .lines()
            .take(count as usize)
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

fn memory_error(addr: u64) -> String {
    format!("Cannot access memory at address {addr:#x}")
}
