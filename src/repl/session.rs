//! Running the REPL's commands on a timeline: execution both ways, breakpoints, and
//! showing where the program stopped the way gdb does.

mod inspect;

use super::commands::{self, Command, Info, Location};
use super::format;
use super::symbols::{Module, Symbols};
use rtt_replay::auxv::{AT_BASE, AT_ENTRY};
use rtt_replay::linkmap;
use rtt_replay::record::RecordOptions;
use rtt_replay::timeline::{LiveTimeline, StopReason, Timeline, TimelineOptions, Travel};
use rtt_replay::trace::TraceFiles;
use std::collections::HashMap;
use std::fmt::Write as _;

/// A user breakpoint.
struct Breakpoint {
    num: u32,
    what: String,
    addrs: Vec<u64>,
    enabled: bool,
    temporary: bool,
    hits: u64,
    /// Stop only where this expression is true.
    condition: Option<String>,
}

/// Commands that share a handler but differ in one respect.
enum CmdKind {
    Until,
    Other,
}

/// What a command produced.
pub struct Outcome {
    /// Text to print.
    pub text: String,
    /// The user asked to leave.
    pub quit: bool,
}

/// A debugging session over one trace.
pub struct Session {
    pub(super) tl: Box<dyn Travel>,
    files: TraceFiles,
    pub(super) syms: Symbols,
    bps: Vec<Breakpoint>,
    next_bp: u32,
    /// Source files by path (None: unreadable).
    sources: HashMap<String, Option<Vec<String>>>,
    /// The source file and line of the last stop (for bare line numbers and `list`).
    pub(super) current: Option<(String, u32)>,
    /// The frame `up`, `down` and `frame` selected (0: the innermost).
    pub(super) selected: usize,
    /// The function of the last stop shown (a step into another one names it).
    last_function: Option<u64>,
    /// The user's watchpoints.
    pub(super) watches: Vec<super::values::Watch>,
    /// Values printed so far (`$N`).
    pub(super) history: u32,
    /// The command running goes backwards (watchpoint values are shown the other way).
    going_back: bool,
    /// Function names, files and addresses in colour (as gdb styles them).
    colour: bool,
    /// Threads as `info threads` numbers them.
    pub(super) threads: super::threads::Threads,
}

pub(super) type CmdResult = Result<String, String>;

pub(super) fn engine(e: rtt_replay::Error) -> String {
    match e {
        rtt_replay::Error::Interrupted => {
            "Interrupted: the program is back where this command started.".into()
        }
        e => format!("rtt: {e}"),
    }
}

impl Session {
    /// Opens the trace and stops at the start of history. The calling thread becomes the
    /// tracer (see [`Timeline::open`]).
    pub fn open(opts: TimelineOptions) -> anyhow::Result<Session> {
        let files = TraceFiles::index(&opts.trace_dir)?;
        let tl = Timeline::open(opts)?;
        Ok(Session::new(Box::new(tl), files))
    }

    /// Starts recording `rec` and stops at the program's first instruction: a live
    /// session, the program running for real (`rtt run`).
    pub fn open_live(rec: &RecordOptions, opts: TimelineOptions) -> anyhow::Result<Session> {
        let tl = LiveTimeline::start(rec, opts)?;
        // The live program's files are where it runs: no index of the trace's copies.
        let files = TraceFiles::for_program(&rec.exe.to_string_lossy());
        Ok(Session::new(Box::new(tl), files))
    }

    fn new(tl: Box<dyn Travel>, files: TraceFiles) -> Session {
        let mut s = Session {
            tl,
            files,
            syms: Symbols::default(),
            bps: Vec::new(),
            next_bp: 1,
            sources: HashMap::new(),
            current: None,
            selected: 0,
            threads: Default::default(),
            last_function: None,
            watches: Vec::new(),
            history: 0,
            going_back: false,
            colour: false,
        };
        s.refresh_symbols();
        s
    }

    /// Shows function names, files and addresses in colour.
    pub fn with_colour(mut self, on: bool) -> Session {
        self.colour = on;
        self
    }

    /// `text` in ANSI colour `code` when colour is on.
    pub(super) fn paint(&self, text: &str, code: u8) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[m")
        } else {
            text.to_string()
        }
    }

    /// Ends the session (a live recording is completed, its program killed).
    pub fn close(&mut self) -> anyhow::Result<()> {
        Ok(self.tl.close()?)
    }

    /// Where the program is at the start.
    pub fn intro(&mut self) -> String {
        self.note_first_thread();
        self.frame_line(true)
    }

    /// Function names, for completion.
    pub fn function_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.syms.function_names().map(str::to_string).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Runs one command line.
    pub fn run_line(&mut self, line: &str) -> Outcome {
        let (text, quit) = match commands::parse(line) {
            Ok(None) => (String::new(), false),
            Ok(Some(Command::Quit)) => (String::new(), true),
            Ok(Some(cmd)) => match self.execute(cmd) {
                Ok(t) => (t, false),
                Err(e) => (e, false),
            },
            Err(e) => (e, false),
        };
        Outcome { text, quit }
    }

    /// A new breakpoint or watchpoint number.
    pub(super) fn new_number(&mut self) -> u32 {
        let n = self.next_bp;
        self.next_bp += 1;
        n
    }

    /// The data symbol at exactly `addr`.
    pub(super) fn data_name(&self, addr: u64) -> Option<String> {
        self.syms.modules().iter().find_map(|m| m.data_at(addr))
    }

    /// The address of data symbol `name` (from the symbol table).
    pub(super) fn data_address(&self, name: &str) -> Option<u64> {
        self.data_symbol(name)
    }

    fn execute(&mut self, cmd: Command) -> CmdResult {
        let moves = matches!(
            cmd,
            Command::Continue
                | Command::Step(_)
                | Command::Next(_)
                | Command::Finish
                | Command::Until(_)
                | Command::Advance(_)
                | Command::Stepi(_)
                | Command::Nexti(_)
                | Command::ReverseContinue
                | Command::ReverseStep(_)
                | Command::ReverseNext(_)
                | Command::ReverseFinish
                | Command::ReverseStepi(_)
        );
        if moves {
            if let Some(note) = self.schedule_note() {
                return self.dispatch(cmd).map(|out| format!("{note}\n{out}"));
            }
        }
        self.dispatch(cmd)
    }

    fn dispatch(&mut self, cmd: Command) -> CmdResult {
        let cmd_kind = if matches!(cmd, Command::Until(_)) {
            CmdKind::Until
        } else {
            CmdKind::Other
        };
        self.going_back = matches!(
            cmd,
            Command::ReverseContinue
                | Command::ReverseStep(_)
                | Command::ReverseNext(_)
                | Command::ReverseStepi(_)
                | Command::ReverseFinish
        );
        match cmd {
            Command::Continue => {
                let r = self.run_checking(|s| s.tl.cont())?;
                Ok(self.stopped(r))
            }
            Command::Stepi(n) => self.repeat(n, |s| s.tl.stepi()),
            Command::Nexti(n) => self.repeat(n, Session::nexti),
            Command::ReverseContinue => {
                let r = self.run_checking(|s| s.tl.reverse_cont())?;
                Ok(self.stopped(r))
            }
            Command::ReverseStepi(n) => self.repeat(n, |s| s.tl.reverse_stepi()),
            Command::Break {
                at,
                temporary,
                condition,
            } => self.add_breakpoint(at, temporary, condition),
            Command::Delete(nums) => {
                let (watches, rest): (Vec<u32>, Vec<u32>) = nums
                    .iter()
                    .partition(|n| self.watches.iter().any(|w| w.num == **n));
                for n in &watches {
                    if let Some(i) = self.watches.iter().position(|w| w.num == *n) {
                        let w = self.watches.remove(i);
                        self.tl.remove_watchpoint(w.key);
                    }
                }
                if nums.is_empty() {
                    for w in std::mem::take(&mut self.watches) {
                        self.tl.remove_watchpoint(w.key);
                    }
                } else if rest.is_empty() {
                    return Ok(String::new());
                }
                self.each_breakpoint(&rest, |bps, i| {
                    bps.remove(i);
                })
            }
            Command::Print(e) => self.print(&e),
            Command::Set { target, value } => self.set_var(&target, &value),
            Command::Watch { expr, reads } => self.add_watch(&expr, reads),
            Command::Last(e) => self.last(&e),
            Command::Enable(nums, on) => self.each_breakpoint(&nums, |bps, i| {
                bps[i].enabled = on;
            }),
            Command::Info(what) => self.info(what),
            Command::Examine {
                count,
                format,
                unit,
                address,
            } => {
                let addr = self.address(&address)?;
                self.examine(addr, count, format, unit)
            }
            Command::Disassemble(at) => {
                let addr = match at {
                    Some(a) => self.address(&a)?,
                    None => self.pc()?,
                };
                self.disassemble(addr)
            }
            Command::When => {
                let p = self.tl.position();
                Ok(format!("event {}, position {p}", p.event))
            }
            Command::Goto(event) => {
                self.tl.goto_event(event).map_err(engine)?;
                Ok(self.frame_line(true))
            }
            Command::Checkpoint => {
                let id = self.tl.checkpoint().map_err(engine)?;
                Ok(format!("checkpoint {id} at {}", self.tl.position()))
            }
            Command::Restart(id) => {
                self.tl.restart(id).map_err(engine)?;
                Ok(self.frame_line(true))
            }
            Command::Step(n) => self.repeat(n, |s| s.step_line(false)),
            Command::Next(n) => self.repeat(n, |s| s.step_line(true)),
            Command::ReverseStep(n) => self.repeat(n, |s| s.reverse_step_line(false)),
            Command::ReverseNext(n) => self.repeat(n, |s| s.reverse_step_line(true)),
            Command::Until(None) => self.repeat(1, Session::until_next),
            Command::Until(Some(at)) | Command::Advance(at) => {
                let in_frame = matches!(cmd_kind, CmdKind::Until);
                let (addrs, _) = self.resolve(&at)?;
                let r = self.run_to_any(&addrs, in_frame).map_err(engine)?;
                Ok(self.stopped(r))
            }
            Command::Finish => {
                let from = self.frame_summary(self.selected);
                let ty = self.return_type();
                let r = self.finish().map_err(engine)?;
                let returned = r == StopReason::Step;
                let mut text = format!("Run till exit from {from}\n{}", self.stopped(r));
                if let Some(v) = ty.filter(|_| returned).and_then(|t| self.returned(t)) {
                    text.push('\n');
                    text.push_str(&v);
                }
                Ok(text)
            }
            Command::ReverseFinish => {
                let from = self.frame_summary(0);
                let r = self.reverse_finish().map_err(engine)?;
                Ok(format!("Run back to call of {from}\n{}", self.stopped(r)))
            }
            Command::Backtrace(n) => Ok(self.backtrace(n)),
            Command::Frame(k) => self.select_frame(k.unwrap_or(self.selected as u64) as usize),
            Command::Thread(n) => self.select_thread(n),
            Command::Up(n) => self.select_frame(self.selected + n as usize),
            Command::Down(n) => {
                let k = self
                    .selected
                    .checked_sub(n as usize)
                    .ok_or("Bottom (innermost) frame selected; you cannot go down.")?;
                self.select_frame(k)
            }
            Command::List(at) => self.list(at.as_deref()),
            Command::Echo(text) => Ok(text),
            Command::Help(topic) => commands::help(topic.as_deref()),
            Command::Quit => Ok(String::new()),
        }
    }

    /// Runs `op` again while it stops at breakpoints whose conditions are false.
    fn run_checking(
        &mut self,
        mut op: impl FnMut(&mut Session) -> rtt_replay::Result<StopReason>,
    ) -> Result<StopReason, String> {
        loop {
            let r = op(self).map_err(engine)?;
            let StopReason::Breakpoint { addr } = r else {
                return Ok(r);
            };
            let conds: Vec<String> = self
                .bps
                .iter()
                .filter(|b| b.enabled && b.addrs.contains(&addr))
                .map(|b| b.condition.clone())
                .collect::<Option<Vec<String>>>()
                .unwrap_or_default();
            // Stops when a breakpoint there has no condition or a true one.
            if conds.is_empty() || conds.iter().any(|c| self.condition_holds(c)) {
                return Ok(r);
            }
        }
    }

    /// Runs an execution command `n` times, stopping early at anything but a step.
    fn repeat(
        &mut self,
        n: u64,
        mut op: impl FnMut(&mut Session) -> rtt_replay::Result<StopReason>,
    ) -> CmdResult {
        let mut last = StopReason::Step;
        for _ in 0..n.max(1) {
            last = op(self).map_err(engine)?;
            if last != StopReason::Step {
                break;
            }
        }
        Ok(self.stopped(last))
    }

    /// One instruction, a call counting as one (run to the instruction after it).
    fn nexti(&mut self) -> rtt_replay::Result<StopReason> {
        let pc = self.tl.regs()?.rip();
        let code = self.tl.read_memory(pc, 16).unwrap_or_default();
        match format::call_length(&code, pc) {
            None => self.tl.stepi(),
            Some(len) => {
                let after = pc + len;
                let sp = self.tl.regs()?.rsp();
                self.run_to(after, |s| s == sp)
            }
        }
    }

    pub(super) fn tl_breakpoints(&self) -> Vec<u64> {
        self.bps
            .iter()
            .filter(|b| b.enabled)
            .flat_map(|b| b.addrs.iter().copied())
            .collect()
    }

    /// Makes the timeline's breakpoints those of the enabled user breakpoints.
    fn sync_breakpoints(&mut self, before: &[u64]) {
        let now = self.tl_breakpoints();
        for a in before.iter().filter(|a| !now.contains(a)) {
            self.tl.remove_breakpoint(*a);
        }
        for a in now.iter().filter(|a| !before.contains(a)) {
            self.tl.add_breakpoint(*a);
        }
    }

    fn each_breakpoint(
        &mut self,
        nums: &[u32],
        mut f: impl FnMut(&mut Vec<Breakpoint>, usize),
    ) -> CmdResult {
        let before = self.tl_breakpoints();
        if nums.is_empty() {
            for i in (0..self.bps.len()).rev() {
                f(&mut self.bps, i);
            }
        }
        for n in nums {
            let i = self
                .bps
                .iter()
                .position(|b| b.num == *n)
                .ok_or_else(|| format!("no breakpoint number {n}"))?;
            f(&mut self.bps, i);
        }
        self.sync_breakpoints(&before);
        Ok(String::new())
    }

    /// The addresses a location names, and how to show it.
    pub(super) fn resolve(&mut self, at: &Location) -> Result<(Vec<u64>, String), String> {
        Ok(match at {
            Location::Function(name) => {
                let a = self
                    .syms
                    .function_breakpoint(name)
                    .ok_or_else(|| format!("function \"{name}\" not defined"))?;
                (vec![a], name.clone())
            }
            Location::Line { file, line } => {
                // As gdb: the file of the last stop, else the one holding main.
                let main_file = || {
                    let main = self.syms.function("main")?;
                    self.syms.place(main).file
                };
                let file = file
                    .clone()
                    .or_else(|| self.current.as_ref().map(|c| c.0.clone()))
                    .or_else(main_file)
                    .ok_or("no default source file: give FILE:LINE")?;
                let addrs = self.syms.line_addresses(&file, *line);
                if addrs.is_empty() {
                    return Err(format!("no code at {file}:{line}"));
                }
                (addrs, format!("{file}:{line}"))
            }
            Location::Address(expr) => (vec![self.address(expr)?], format!("*{expr}")),
        })
    }

    fn add_breakpoint(
        &mut self,
        at: Location,
        temporary: bool,
        condition: Option<String>,
    ) -> CmdResult {
        let (addrs, what) = self.resolve(&at)?;
        let before = self.tl_breakpoints();
        let num = self.new_number();
        let kind = if temporary {
            "Temporary breakpoint"
        } else {
            "Breakpoint"
        };
        let mut text = format!("{kind} {num} at {:#x}", addrs[0]);
        let place = self.syms.place(addrs[0]);
        if let (Some(f), Some(l)) = (&place.file, place.line) {
            let _ = write!(text, ": file {}, line {l}.", basename(f));
        }
        self.bps.push(Breakpoint {
            num,
            what,
            addrs,
            enabled: true,
            temporary,
            hits: 0,
            condition,
        });
        self.sync_breakpoints(&before);
        Ok(text)
    }

    /// Evaluates an address: a number, `$reg`, a function or `&symbol`, with `+N`/`-N`.
    fn address(&mut self, expr: &str) -> Result<u64, String> {
        let expr = expr.trim();
        if let Some(i) = expr.rfind(['+', '-']).filter(|&i| i > 0) {
            let base = self.address(&expr[..i])?;
            let off = commands::number(&expr[i + 1..])?;
            return Ok(if &expr[i..=i] == "+" {
                base.wrapping_add(off)
            } else {
                base.wrapping_sub(off)
            });
        }
        if let Some(reg) = expr.strip_prefix('$') {
            let regs = self.view_regs().map_err(engine)?;
            let name = match reg {
                "pc" => "rip",
                "sp" => "rsp",
                "fp" => "rbp",
                r => r,
            };
            return format::register(&regs, name).ok_or_else(|| format!("no register ${reg}"));
        }
        if let Ok(n) = commands::number(expr) {
            return Ok(n);
        }
        let name = expr.strip_prefix('&').unwrap_or(expr);
        if let Some(a) = self.syms.function(name).or_else(|| self.data_symbol(name)) {
            return Ok(a);
        }
        // Any expression: a pointer's or integer's value, an object's address.
        self.expression_address(expr)
    }

    pub(super) fn data_symbol(&self, name: &str) -> Option<u64> {
        self.syms.modules().iter().find_map(|m| m.data_symbol(name))
    }

    pub(super) fn pc(&mut self) -> Result<u64, String> {
        Ok(self.view_regs().map_err(engine)?.rip())
    }

    /// Reloads the symbols when the program or its libraries changed.
    fn refresh_symbols(&mut self) {
        let Ok(Some(tid)) = self.tl.current_tid() else {
            return;
        };
        let auxv = self.tl.auxv_of(tid).unwrap_or_default();
        let tl = &mut self.tl;
        let map = linkmap::read_link_map(&auxv, &mut |a, n| tl.read_memory_of(tid, a, n).ok());
        let exe = self.files.exe_at(self.tl.position().event).to_string();
        let entry = linkmap::auxv_value(&auxv, AT_ENTRY).unwrap_or(0);
        let mut wanted: Vec<(String, Option<u64>)> = vec![(exe.clone(), None)];
        wanted.extend(
            map.libraries
                .iter()
                .map(|l| (l.name.clone(), Some(l.l_addr))),
        );
        // The dynamic loader is there before its own list is.
        let base = linkmap::auxv_value(&auxv, AT_BASE).unwrap_or(0);
        if base != 0 {
            if let Some(interp) = format::interpreter(&self.files.source_of(&exe)) {
                if !wanted.iter().any(|(n, _)| *n == interp) {
                    wanted.push((interp, Some(base)));
                }
            }
        }
        let mut old = self.syms.take();
        let mut modules = Vec::new();
        for (name, bias) in wanted {
            let source = self.files.source_of(&name);
            let bias = match bias {
                Some(b) => b,
                None => format::exe_bias(&source, entry).unwrap_or(0),
            };
            if let Some(i) = old.iter().position(|m| m.name == name && m.bias == bias) {
                modules.push(old.swap_remove(i));
            } else if let Ok(m) = Module::load(&name, &source, bias) {
                modules.push(m);
            }
        }
        self.syms.set(modules);
    }

    /// What a stop looks like.
    pub(super) fn stopped(&mut self, reason: StopReason) -> String {
        self.selected = 0;
        self.threads.selected = None;
        let mut reason = reason;
        if let StopReason::EndOfHistory { .. } = reason {
            if let Some(last) = self.tl.last_live_position() {
                if self.tl.goto(&last).is_ok() {
                    reason = StopReason::EndOfHistory {
                        end: rtt_replay::replay::ReplayEnd::Complete,
                        status: None,
                    };
                }
            }
        }
        self.refresh_symbols();
        let text = self.describe_stop(reason);
        match self.thread_switch_note() {
            Some(note) => format!("{note}\n{}", text.trim_start_matches('\n')),
            None => text,
        }
    }

    fn describe_stop(&mut self, reason: StopReason) -> String {
        match reason {
            StopReason::Breakpoint { addr } => {
                let Some(i) = self
                    .bps
                    .iter()
                    .position(|b| b.enabled && b.addrs.contains(&addr))
                else {
                    return self.frame_line(false);
                };
                self.bps[i].hits += 1;
                let (num, temporary) = (self.bps[i].num, self.bps[i].temporary);
                if temporary {
                    let before = self.tl_breakpoints();
                    self.bps.remove(i);
                    self.sync_breakpoints(&before);
                }
                let kind = if temporary {
                    "Temporary breakpoint"
                } else {
                    "Breakpoint"
                };
                format!("\n{kind} {num}, {}", self.frame_line(true))
            }
            StopReason::Signal { signo, .. } => format!(
                "\nProgram received signal {}.\n{}",
                rtt_replay::wait::signal_name(signo),
                self.frame_line(true)
            ),
            StopReason::StartOfHistory | StopReason::EndOfHistory { .. } => format!(
                "\nNo more reverse-execution history.\n{}",
                self.frame_line(true)
            ),
            StopReason::Watchpoint { key, before, after } => {
                let back = self.going_back;
                let text = self.watch_stop(key, before, after, back);
                format!("{text}\n{}", self.frame_line(true))
            }
            _ => self.frame_line(false),
        }
    }

    /// `func () at file:line` and the source line (with `header`), or just the source
    /// line (after a step; prefixed by the pc when it is not at the line's start).
    pub(super) fn frame_line(&mut self, header: bool) -> String {
        let Ok(pc) = self.pc() else {
            return "The program is not being run.".into();
        };
        let place = self.syms.place(pc);
        let func = place.function.clone().unwrap_or_else(|| "??".into());
        let function = self.syms.function_range(pc).map(|r| r.0);
        let header = header || function != self.last_function;
        self.last_function = function;
        let (Some(file), Some(line)) = (place.file.clone(), place.line) else {
            let from = self
                .syms
                .module_at(pc)
                .map(|m| format!(" from {}", m.name))
                .unwrap_or_default();
            return format!("{pc:#018x} in {func} (){from}");
        };
        self.current = Some((file.clone(), line));
        let text = self.source_line(&file, line);
        let at_start = self.syms.shows_without_address(pc);
        let src = if at_start || header {
            format!("{line}\t{text}")
        } else {
            format!("{pc:#018x}\t{line}\t{text}")
        };
        if header {
            let prefix = if at_start {
                String::new()
            } else {
                format!("{pc:#018x} in ")
            };
            let args = self.frame_args(0);
            let (func, file) = (self.paint(&func, 33), self.paint(basename(&file), 32));
            format!("{prefix}{func} ({args}) at {file}:{line}\n{src}",)
        } else {
            src
        }
    }

    pub(super) fn source_line(&mut self, file: &str, line: u32) -> String {
        let lines = self.sources.entry(file.to_string()).or_insert_with(|| {
            std::fs::read_to_string(file)
                .ok()
                .map(|t| t.lines().map(str::to_string).collect())
        });
        match lines {
            Some(v) => v
                .get(line as usize - 1)
                .cloned()
                .unwrap_or_else(|| format!("in {}", basename(file))),
            None => format!("in {}", basename(file)),
        }
    }
}

pub(super) fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
