//! `rtt dump`: the events of a trace, one per line.

use crate::tracedir;
use anyhow::Result;
use rtt_replay::syscalls;
use rtt_replay::trace::{Event, NestedOp, TraceReader};
use rtt_replay::wait::signal_name;
use std::io::Write;

pub fn run(dir: Option<std::path::PathBuf>) -> Result<i32> {
    let dir = tracedir::resolve(dir)?;
    let trace = TraceReader::open(&dir)?;
    let h = trace.header();
    let mut out = std::io::stdout().lock();
    let argv: Vec<String> = h.argv.iter().map(|a| a.lossy()).collect();
    let _ = writeln!(out, "# trace of: {}", argv.join(" "));
    let _ = writeln!(
        out,
        "# rtt {} format {} kernel {}",
        h.rtt_version, h.version, h.kernel
    );
    let mut events = trace.events()?;
    let mut complete = false;
    loop {
        let n = events.next_index();
        let Some(ev) = events.next()? else { break };
        complete |= matches!(ev, Event::End { .. } | Event::Unsupported { .. });
        if writeln!(out, "{n} {}", describe(&ev)).is_err() {
            return Ok(0); // stdout closed (| head)
        }
    }
    if !complete {
        let _ = writeln!(
            out,
            "# incomplete: the recorder did not finish{}",
            if events.truncated() {
                " (last chunk truncated)"
            } else {
                ""
            }
        );
    }
    Ok(0)
}

/// One event as a line of text.
pub fn describe(ev: &Event) -> String {
    match ev {
        Event::SyscallEntry { tid, nr, args } => {
            let n = syscalls::lookup(*nr).map(|d| d.nargs as usize).unwrap_or(6);
            let a: Vec<String> = args[..n].iter().map(|v| format!("{v:#x}")).collect();
            format!("{tid} enter {}({})", syscalls::name(*nr), a.join(", "))
        }
        Event::SyscallExit {
            tid,
            ret,
            writes,
            mapped,
            echo,
        } => {
            let mut s = format!("{tid} exit = {}", fmt_ret(*ret));
            if !writes.is_empty() {
                let bytes: usize = writes.iter().map(|w| w.data.len()).sum();
                s += &format!(" wrote {bytes} bytes in {} ranges", writes.len());
            }
            if let Some(m) = mapped {
                s += &format!(" mapped {} at offset {:#x}", m.path, m.offset);
            }
            if let Some(fd) = echo {
                s += &format!(" (to rtt's {})", if *fd == 1 { "stdout" } else { "stderr" });
            }
            s
        }
        Event::Signal {
            tid,
            signo,
            regs,
            sync,
            ..
        } => format!(
            "{tid} signal {} ({}) at {:#x}",
            signal_name(*signo),
            if *sync { "fault" } else { "async" },
            regs.rip()
        ),
        Event::MemoryChanged { tid, writes } => {
            let bytes: usize = writes.iter().map(|w| w.data.len()).sum();
            format!("{tid} memory changed: {bytes} bytes of a mapped file were written")
        }
        Event::GroupStop { tid, signo } => format!("{tid} stopped by {}", signal_name(*signo)),
        Event::Rdtsc { tid, value, aux } => match aux {
            Some(a) => format!("{tid} rdtscp = {value:#x} aux {a:#x}"),
            None => format!("{tid} rdtsc = {value:#x}"),
        },
        Event::NewTask {
            parent,
            child,
            kind,
            ..
        } => format!("{parent} new task {child} ({kind:?})"),
        Event::Exec { tid, exe, argv, .. } => format!(
            "{tid} exec {exe} [{}]",
            rtt_replay::trace::shown_command(argv)
        ),
        Event::Exit { tid, status } => format!("{tid} ended: {status}"),
        Event::Unsupported { tid, nr } => format!(
            "{tid} unsupported syscall {} ({nr}): recording stopped",
            syscalls::name(*nr)
        ),
        Event::End { status } => format!("end: first process {status}"),
        Event::Pause { tid, regs } => format!("{tid} paused by the debugger at {:#x}", regs.rip()),
        Event::Preempt { tid, regs } => format!("{tid} preempted at {:#x}", regs.rip()),
        Event::SetRegs { tid, regs } => {
            format!(
                "{tid} registers set by the debugger or its tracer (rip {:#x})",
                regs.rip()
            )
        }
        Event::Nested { tid, op } => describe_nested(*tid, op),
    }
}

/// An event of emulated ptrace.
fn describe_nested(tid: i32, op: &NestedOp) -> String {
    match op {
        NestedOp::Stop(kind) => format!("{tid} stopped for its tracer: {kind:?}"),
        NestedOp::Resume { step, sig, .. } => {
            let how = if *step { "single-steps" } else { "resumes" };
            let sig = match sig {
                Some(0) => " suppressing the signal".to_string(),
                Some(s) => format!(" with {}", signal_name(*s)),
                None => String::new(),
            };
            format!("{tid}: its tracer {how} it{sig}")
        }
        NestedOp::PokeUser { offset, value } => {
            format!("{tid}: its tracer wrote {value:#x} at offset {offset} of struct user")
        }
        NestedOp::SetRegset { nt, data } => {
            format!(
                "{tid}: its tracer wrote register set {nt:#x} ({} bytes)",
                data.len()
            )
        }
        NestedOp::SetSigmask { mask } => format!("{tid}: its tracer blocked signals {mask:#x}"),
        NestedOp::Unsupported { request } => {
            format!("{tid} made ptrace request {request:#x}, which rtt does not emulate: EIO")
        }
    }
}

fn fmt_ret(ret: i64) -> String {
    if (-4095..0).contains(&ret) {
        let e = nix::errno::Errno::from_raw(-ret as i32);
        format!("-{} ({})", -ret, e)
    } else if ret > 0xffff {
        format!("{ret:#x}")
    } else {
        ret.to_string()
    }
}
