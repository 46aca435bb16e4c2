//! Symbols of the replayed program and its libraries, read from the trace's copies of the
//! files: functions by name and address (`object`), source lines (`addr2line`).

use anyhow::{Context, Result};
use object::{Object, ObjectSection, ObjectSymbol, SectionKind};
use std::collections::HashMap;
use std::path::Path;

/// One loaded file: the program or a library.
pub struct Module {
    /// Its recorded path.
    pub name: String,
    /// What was added to its addresses when it was loaded.
    pub bias: u64,
    /// Functions: (start, size, name), sorted by start (file addresses).
    functions: Vec<(u64, u64, String)>,
    /// Data objects: name -> file address.
    data: HashMap<String, u64>,
    /// Executable ranges (file addresses).
    text: Vec<(u64, u64)>,
    /// The code of the executable sections: (file address, bytes).
    code: Vec<(u64, Vec<u8>)>,
    /// Source lines, read when first asked for.
    dwarf: Option<addr2line::Loader>,
    /// Call frame information, for unwinding.
    cfi: Option<super::unwind::Cfi>,
    /// Variables and types.
    pub debug: Option<super::dwarf::Debug>,
    /// (file, line, file address) of every row of the line table.
    lines: Option<Vec<(String, u32, u64)>>,
    /// File addresses where the line changes (what stepping by lines stops at).
    boundaries: std::collections::HashSet<u64>,
}

/// Where an address is in the source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// The innermost function (demangled).
    pub function: Option<String>,
    /// The source file.
    pub file: Option<String>,
    /// The line.
    pub line: Option<u32>,
}

impl Module {
    /// Reads the file at `path` (the trace's copy) recorded as `name`, loaded at `bias`.
    pub fn load(name: &str, path: &Path, bias: u64) -> Result<Module> {
        let data = std::fs::read(path).with_context(|| format!("read {}", path.display()))?;
        let file = object::File::parse(&*data).with_context(|| format!("parse {name}"))?;
        // Separate debugging information of this machine's packages, by build id.
        let separate = separate_debug_file(&file, path);
        let extra = separate.as_ref().and_then(|p| std::fs::read(p).ok());
        let debug_file = extra.as_deref().and_then(|d| object::File::parse(d).ok());
        let symbol_files: Vec<&object::File> =
            std::iter::once(&file).chain(debug_file.as_ref()).collect();
        let text: Vec<(u64, u64)> = file
            .sections()
            .filter(|s| s.kind() == SectionKind::Text)
            .map(|s| (s.address(), s.address() + s.size()))
            .collect();
        let in_text = |a: u64| text.iter().any(|&(lo, hi)| (lo..hi).contains(&a));
        let code = file
            .sections()
            .filter(|s| s.kind() == SectionKind::Text)
            .filter_map(|s| Some((s.address(), s.data().ok()?.to_vec())))
            .collect();
        // Code labels of assembly (`_start`) have no type: code is what lies in code.
        let mut functions: Vec<(u64, u64, String)> = symbol_files
            .iter()
            .flat_map(|f| f.symbols().chain(f.dynamic_symbols()))
            .filter(|s| match s.kind() {
                object::SymbolKind::Text => s.address() != 0,
                object::SymbolKind::Unknown => in_text(s.address()),
                _ => false,
            })
            .filter_map(|s| Some((s.address(), s.size(), demangle(s.name().ok()?))))
            .filter(|(_, _, n)| !n.is_empty())
            .collect();
        // Every alias stays findable by name; an address shows the last of its names.
        functions.sort();
        functions.dedup();
        let data = symbol_files
            .iter()
            .flat_map(|f| f.symbols())
            .filter(|s| s.kind() == object::SymbolKind::Data && s.address() != 0)
            .filter_map(|s| Some((s.name().ok()?.to_string(), s.address())))
            .collect();
        let lines_from = separate.as_deref().unwrap_or(path);
        let debug = super::dwarf::Debug::load(&file)
            .or_else(|| debug_file.as_ref().and_then(super::dwarf::Debug::load));
        Ok(Module {
            name: name.to_string(),
            bias,
            functions,
            data,
            text,
            code,
            dwarf: addr2line::Loader::new(path)
                .ok()
                .filter(|_| file.section_by_name(".debug_info").is_some())
                .or_else(|| addr2line::Loader::new(lines_from).ok()),
            cfi: super::unwind::Cfi::load(&file),
            debug,
            lines: None,
            boundaries: Default::default(),
        })
    }

    /// The run-time address of data object `name`.
    pub fn data_symbol(&self, name: &str) -> Option<u64> {
        self.data.get(name).map(|a| a + self.bias)
    }

    /// The data object starting at run-time address `addr`.
    pub fn data_at(&self, addr: u64) -> Option<String> {
        let a = addr.wrapping_sub(self.bias);
        self.data
            .iter()
            .find(|(_, &v)| v == a)
            .map(|(n, _)| n.clone())
    }

    /// Up to `n` bytes of code at file address `a`.
    fn code_at(&self, a: u64, n: usize) -> &[u8] {
        for (start, bytes) in &self.code {
            if a >= *start && a < start + bytes.len() as u64 {
                let off = (a - start) as usize;
                return &bytes[off..(off + n).min(bytes.len())];
            }
        }
        &[]
    }

    /// The run-time range of its code.
    pub fn text_range(&self) -> (u64, u64) {
        let lo = self.text.iter().map(|t| t.0).min().unwrap_or(0);
        let hi = self.text.iter().map(|t| t.1).max().unwrap_or(0);
        (lo + self.bias, hi + self.bias)
    }

    fn contains(&self, addr: u64) -> bool {
        let a = addr.wrapping_sub(self.bias);
        self.text.iter().any(|&(lo, hi)| (lo..hi).contains(&a))
    }

    /// The function containing `addr` (a run-time address): its name and start.
    fn function_at(&self, addr: u64) -> Option<(&str, u64, u64)> {
        let a = addr.wrapping_sub(self.bias);
        let i = self
            .functions
            .partition_point(|f| f.0 <= a)
            .checked_sub(1)?;
        let (start, size, name) = &self.functions[i];
        (size == &0 || a < start + size).then_some((name.as_str(), start + self.bias, *size))
    }

    fn place(&self, addr: u64) -> Place {
        let a = addr.wrapping_sub(self.bias);
        let mut place = Place::default();
        if let Some(dwarf) = &self.dwarf {
            if let Ok(mut frames) = dwarf.find_frames(a) {
                while let Ok(Some(f)) = frames.next() {
                    if place.function.is_none() {
                        place.function = f
                            .function
                            .as_ref()
                            .and_then(|n| n.demangle().ok())
                            .map(|n| n.into_owned());
                    }
                    if place.file.is_none() {
                        if let Some(l) = f.location {
                            place.file = l.file.map(str::to_string);
                            place.line = l.line;
                        }
                    }
                }
            }
        }
        if place.function.is_none() {
            place.function = self.function_at(addr).map(|(n, _, _)| n.to_string());
        }
        place
    }

    fn line_table(&mut self) -> &[(String, u32, u64)] {
        if self.lines.is_none() {
            let mut v = Vec::new();
            if let Some(dwarf) = &self.dwarf {
                for &(lo, hi) in &self.text {
                    if let Ok(rows) = dwarf.find_location_range(lo, hi) {
                        for (addr, _, loc) in rows {
                            if let (Some(f), Some(l)) = (loc.file, loc.line) {
                                v.push((f.to_string(), l, addr));
                            }
                        }
                    }
                }
            }
            let mut by_addr: Vec<&(String, u32, u64)> = v.iter().collect();
            by_addr.sort_by_key(|r| r.2);
            let mut prev: Option<(&str, u32)> = None;
            for r in by_addr {
                if prev != Some((r.0.as_str(), r.1)) {
                    self.boundaries.insert(r.2);
                }
                prev = Some((r.0.as_str(), r.1));
            }
            self.lines = Some(v);
        }
        self.lines.as_deref().unwrap_or(&[])
    }
}

/// Every loaded module of the replayed process.
#[derive(Default)]
pub struct Symbols {
    modules: Vec<Module>,
}

impl Symbols {
    /// Replaces the module list.
    pub fn set(&mut self, modules: Vec<Module>) {
        self.modules = modules;
    }

    /// Takes the modules out (to reuse those still loaded).
    pub fn take(&mut self) -> Vec<Module> {
        std::mem::take(&mut self.modules)
    }

    /// The modules, program first.
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// The module holding code at `addr`.
    pub fn module_at(&self, addr: u64) -> Option<&Module> {
        self.modules.iter().find(|m| m.contains(addr))
    }

    /// The module holding code at `addr` with debugging information for it.
    pub fn debug_at(&self, addr: u64) -> Option<(&super::dwarf::Debug, u64)> {
        let m = self.module_at(addr)?;
        Some((m.debug.as_ref()?, m.bias))
    }

    /// The global variable `name` with the module it is in (its debug info and bias).
    pub fn global(
        &self,
        name: &str,
    ) -> Option<(super::dwarf::Variable, &super::dwarf::Debug, u64)> {
        self.modules.iter().find_map(|m| {
            let d = m.debug.as_ref()?;
            Some((d.global(name)?, d, m.bias))
        })
    }

    /// Where `addr` is in the source.
    pub fn place(&self, addr: u64) -> Place {
        self.module_at(addr)
            .map(|m| m.place(addr))
            .unwrap_or_default()
    }

    /// `name+off` for an address, if a function holds it.
    pub fn describe(&self, addr: u64) -> Option<String> {
        let m = self.module_at(addr)?;
        let (name, start, _) = m.function_at(addr)?;
        Some(match addr - start {
            0 => name.to_string(),
            off => format!("{name}+{off}"),
        })
    }

    /// The function holding `addr`: its start and size.
    pub fn function_range(&self, addr: u64) -> Option<(u64, u64)> {
        let m = self.module_at(addr)?;
        m.function_at(addr).map(|(_, start, size)| (start, size))
    }

    /// The start of function `name` (the program's first).
    pub fn function(&self, name: &str) -> Option<u64> {
        self.modules.iter().find_map(|m| {
            m.functions
                .iter()
                .find(|f| f.2 == name)
                .map(|f| f.0 + m.bias)
        })
    }

    /// Where a breakpoint on function `name` goes: after its prologue (see
    /// [`Symbols::after_prologue`]).
    pub fn function_breakpoint(&mut self, name: &str) -> Option<u64> {
        let start = self.function(name)?;
        Some(self.after_prologue(start))
    }

    /// The second line-table row of the function starting at `start`, as gdb places a
    /// breakpoint on a function (`start` when it has no lines).
    pub fn after_prologue(&mut self, start: u64) -> u64 {
        let Some((fstart, size)) = self.function_range(start) else {
            return start;
        };
        let Some(m) = self.modules.iter_mut().find(|m| m.contains(start)) else {
            return start;
        };
        let bias = m.bias;
        let (lo, hi) = (fstart - bias, fstart - bias + size.max(1));
        // Only code that sets up a frame pointer has a prologue to skip (gcc -O0); in
        // optimized code the first line starts at the function's first instruction.
        let head = m.code_at(lo, 5);
        let head = head
            .strip_prefix(&[0xf3, 0x0f, 0x1e, 0xfa][..])
            .unwrap_or(head);
        if head.first() != Some(&0x55) {
            return start;
        }
        let mut rows: Vec<(u64, u32)> = m
            .line_table()
            .iter()
            .filter(|(_, _, a)| (lo..hi).contains(a))
            .map(|(_, l, a)| (*a, *l))
            .collect();
        rows.sort();
        rows.dedup_by_key(|r| r.0);
        // The second row, even of the same line (a function written on one line).
        rows.get(1).map_or(start, |r| r.0 + bias)
    }

    /// The registers of the frame that called the one in `regs` (`innermost`: `regs` are
    /// the stopped thread's own; otherwise its pc is a return address).
    pub fn caller(
        &self,
        regs: &super::unwind::FrameRegs,
        innermost: bool,
        read: &mut dyn FnMut(u64) -> Option<u64>,
    ) -> Option<super::unwind::FrameRegs> {
        let pc = super::unwind::pc(regs)?;
        let at = if innermost { pc } else { pc.checked_sub(1)? };
        let m = self.module_at(at)?;
        let out = m.cfi.as_ref()?.caller(at - m.bias, regs, read)?;
        super::unwind::pc(&out).filter(|&p| p != 0)?;
        Some(out)
    }

    /// The addresses where line `line` of the file ending in `file` starts (one per
    /// function that has code for it, the lowest of each).
    pub fn line_addresses(&mut self, file: &str, line: u32) -> Vec<u64> {
        let mut out = Vec::new();
        for m in &mut self.modules {
            let bias = m.bias;
            let mut addrs: Vec<u64> = m
                .line_table()
                .iter()
                .filter(|(f, l, _)| *l == line && path_matches(f, file))
                .map(|(_, _, a)| a + bias)
                .collect();
            addrs.sort_unstable();
            addrs.dedup();
            out.extend(addrs);
        }
        // One per function.
        let mut seen = Vec::new();
        out.retain(|&a| {
            let f = self.function_range(a).map(|r| r.0);
            if seen.contains(&f) {
                false
            } else {
                seen.push(f);
                true
            }
        });
        out
    }

    /// Whether a source line's code starts at `addr`: the line changes there.
    pub fn is_line_start(&mut self, addr: u64) -> bool {
        let Some(m) = self.modules.iter_mut().find(|m| m.contains(addr)) else {
            return false;
        };
        m.line_table();
        m.boundaries.contains(&(addr - m.bias))
    }

    /// Whether gdb shows a stop at `addr` without its address: where a line starts, or
    /// where a breakpoint on its function goes (in a function written on one line, that
    /// is a second row of the same line).
    pub fn shows_without_address(&mut self, addr: u64) -> bool {
        if self.is_line_start(addr) {
            return true;
        }
        match self.function_range(addr) {
            Some((start, _)) => self.after_prologue(start) == addr,
            None => false,
        }
    }

    /// Function names, for completion.
    pub fn function_names(&self) -> impl Iterator<Item = &str> {
        self.modules
            .iter()
            .flat_map(|m| m.functions.iter().map(|f| f.2.as_str()))
    }
}

/// A symbol's name as the user writes it: demangled (Rust, C++), without Rust's hash.
fn demangle(name: &str) -> String {
    let d = addr2line::demangle_auto(std::borrow::Cow::Borrowed(name), None).into_owned();
    match d.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            head.to_string()
        }
        _ => d,
    }
}

/// The separate debugging information for a file with a build id: in the trace (`rtt
/// pack` puts it beside `files/`, where `copy` is), else in this machine's
/// `/usr/lib/debug/.build-id`.
fn separate_debug_file(file: &object::File, copy: &Path) -> Option<std::path::PathBuf> {
    let rel = crate::cmd::build_id_rel(file)?;
    let in_trace = copy
        .parent()
        .and_then(Path::parent)
        .map(|t| t.join(crate::cmd::DEBUG_DIR).join(&rel));
    in_trace
        .into_iter()
        .chain([Path::new("/usr/lib/debug/.build-id").join(&rel)])
        .find(|p| p.exists())
}

/// Whether source path `full` names `given` (a suffix at a path boundary).
fn path_matches(full: &str, given: &str) -> bool {
    full == given || (full.ends_with(given) && full[..full.len() - given.len()].ends_with('/'))
}

#[cfg(test)]
mod tests {
    use super::path_matches;

    #[test]
    fn names_are_demangled() {
        assert_eq!(
            super::demangle("_ZN11rust_locals10checkpoint17h0123456789abcdefE"),
            "rust_locals::checkpoint"
        );
        assert_eq!(super::demangle("main"), "main");
    }

    #[test]
    fn files_match_by_path_suffix() {
        assert!(path_matches("/src/a/bank.c", "bank.c"));
        assert!(path_matches("/src/a/bank.c", "a/bank.c"));
        assert!(path_matches("/src/a/bank.c", "/src/a/bank.c"));
        assert!(!path_matches("/src/a/mybank.c", "bank.c"));
    }
}
