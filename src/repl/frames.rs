//! The stack as the REPL shows it: `backtrace`, selecting frames, and `list`.

use super::session::Session;
use super::unwind::{self, FrameRegs};
use std::fmt::Write as _;

/// Frames shown at most.
const MAX_FRAMES: usize = 256;

impl Session {
    /// The frames of the current thread, innermost first.
    pub(super) fn frames(&mut self) -> Vec<FrameRegs> {
        let Ok(regs) = self.view_regs() else {
            return Vec::new();
        };
        let mut frames = vec![unwind::frame_regs(&regs)];
        let (syms, tl) = (&self.syms, &mut self.tl);
        let mut read = |a: u64| {
            let b = tl.read_memory(a, 8).ok()?;
            Some(u64::from_le_bytes(b.try_into().ok()?))
        };
        while frames.len() < MAX_FRAMES {
            let last = &frames[frames.len() - 1];
            let Some(next) = syms.caller(last, frames.len() == 1, &mut read) else {
                break;
            };
            // A stack that does not grow towards its base is a broken unwind.
            if unwind::sp(&next) <= unwind::sp(last) {
                break;
            }
            frames.push(next);
        }
        frames
    }

    /// `#N  [0x... in] func () at file:line` for frame `k`.
    pub(super) fn frame_summary(&mut self, k: usize) -> String {
        let frames = self.frames();
        match frames.get(k) {
            Some(f) => self.describe_frame(k, f),
            None => format!("#{k}  ??"),
        }
    }

    fn describe_frame(&mut self, k: usize, f: &FrameRegs) -> String {
        let pc = unwind::pc(f).unwrap_or(0);
        // A caller's line is the one of its call, just before the return address.
        let at = if k == 0 { pc } else { pc.saturating_sub(1) };
        let place = self.syms.place(at);
        let func = place.function.unwrap_or_else(|| "??".into());
        let addr = if k == 0 && self.syms.shows_without_address(pc) {
            String::new()
        } else {
            format!("{pc:#018x} in ")
        };
        match (place.file, place.line) {
            (Some(file), Some(line)) => {
                let args = self.frame_args(k);
                let (func, file) = (self.paint(&func, 33), self.paint(basename(&file), 32));
                format!("#{k:<2} {addr}{func} ({args}) at {file}:{line}",)
            }
            _ => {
                let from = self
                    .syms
                    .module_at(at)
                    .map(|m| format!(" from {}", m.name))
                    .unwrap_or_default();
                format!("#{k:<2} {pc:#018x} in {func} (){from}")
            }
        }
    }

    /// `backtrace [N]`.
    pub(super) fn backtrace(&mut self, n: Option<u64>) -> String {
        let frames = self.frames();
        if frames.is_empty() {
            return "No stack.".into();
        }
        let shown = n.map_or(frames.len(), |n| (n as usize).min(frames.len()));
        let mut out = String::new();
        for (k, f) in frames.iter().take(shown).enumerate() {
            let _ = writeln!(out, "{}", self.describe_frame(k, f));
        }
        if shown < frames.len() {
            out.push_str("(More stack frames follow...)\n");
        }
        out.trim_end().to_string()
    }

    /// Selects frame `k` and shows it with its source line.
    pub(super) fn select_frame(&mut self, k: usize) -> Result<String, String> {
        let frames = self.frames();
        let f = match frames.get(k) {
            Some(f) => *f,
            None if k == self.selected + 1 => {
                return Err("Initial frame selected; you cannot go up.".into())
            }
            None => return Err(format!("No frame at level {k}.")),
        };
        self.selected = k;
        let mut out = self.describe_frame(k, &f);
        let pc = unwind::pc(&f).unwrap_or(0);
        let place = self
            .syms
            .place(if k == 0 { pc } else { pc.saturating_sub(1) });
        if let (Some(file), Some(line)) = (place.file, place.line) {
            let text = self.source_line(&file, line);
            let _ = write!(out, "\n{line}\t{text}");
            self.current = Some((file, line));
        }
        Ok(out)
    }

    /// `info frame`: the selected frame's address, pc, caller and arguments.
    pub(super) fn frame_info(&mut self) -> Result<String, String> {
        let frames = self.frames();
        let k = self.selected;
        let f = frames.get(k).copied().ok_or("No stack.")?;
        let pc = unwind::pc(&f).unwrap_or(0);
        let at = if k == 0 { pc } else { pc.saturating_sub(1) };
        let place = self.syms.place(at);
        let func = place.function.unwrap_or_else(|| "??".into());
        let cfa = frames.get(k + 1).and_then(unwind::sp);
        let mut out = match cfa {
            Some(c) => format!("Stack level {k}, frame at {c:#x}:"),
            None => format!("Stack level {k}:"),
        };
        let loc = match (place.file, place.line) {
            (Some(file), Some(line)) => format!(" ({}:{line})", basename(&file)),
            _ => String::new(),
        };
        let _ = write!(out, "\n rip = {pc:#x} in {func}{loc}");
        if let Some(ret) = frames.get(k + 1).and_then(unwind::pc) {
            let _ = write!(out, "; saved rip = {ret:#x}");
        }
        if let Some(up) = frames.get(k + 2).and_then(unwind::sp) {
            let _ = write!(out, "\n called by frame at {up:#x}");
        }
        if k > 0 {
            if let Some(down) = frames.get(k).and_then(unwind::sp) {
                let _ = write!(out, "\n caller of frame at {down:#x}");
            }
        }
        let args = self.frame_args(k);
        let _ = write!(out, "\n args: {args}");
        if let Some(c) = cfa {
            let _ = write!(out, "\n Previous frame's sp is {c:#x}");
        }
        Ok(out)
    }

    /// `list [LINE|FUNCTION]`: ten lines around the place.
    pub(super) fn list(&mut self, at: Option<&str>) -> Result<String, String> {
        let (file, center) = match at {
            None => self.current.clone().ok_or("No default source file.")?,
            Some(a) => match a.parse::<u32>() {
                Ok(line) => {
                    let file = self.current.clone().ok_or("No default source file.")?.0;
                    (file, line)
                }
                Err(_) => {
                    let addr = self
                        .syms
                        .function_breakpoint(a)
                        .ok_or_else(|| format!("Function \"{a}\" not defined."))?;
                    let place = self.syms.place(addr);
                    match (place.file, place.line) {
                        (Some(f), Some(l)) => (f, l),
                        _ => return Err(format!("no line information for {a}")),
                    }
                }
            },
        };
        let first = center.saturating_sub(5).max(1);
        let mut out = String::new();
        for line in first..first + 10 {
            let text = self.source_line(&file, line);
            if text.starts_with("in ") && line > center {
                break;
            }
            let _ = writeln!(out, "{line}\t{text}");
        }
        Ok(out.trim_end().to_string())
    }
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
