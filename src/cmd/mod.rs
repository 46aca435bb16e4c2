//! One module per subcommand; this one dispatches and maps errors to exit codes.

mod ci;
mod dump;
mod focus;
mod gdb;
mod pack;
mod ps;
mod record;
mod replay;

use crate::cli::{Cli, Command};
use anyhow::Result;
pub use ci::{parse_size, Keep};
pub use pack::{build_id_rel, DEBUG_DIR};

/// Runs the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Record {
            output,
            cpu,
            sched,
            command,
        } => record::run(output, cpu, sched.scheduling()?, command),
        Command::Replay {
            autopilot,
            gdb,
            gdb_stdio,
            gdb_listen,
            script,
            cpu,
            pid,
            dir,
        } => {
            let focused = match pid {
                Some(pid) => Some(focus::focus(&crate::tracedir::resolve(dir.clone())?, pid)?),
                None => None,
            };
            let dir = focused.as_ref().map(|f| f.dir.clone()).or(dir);
            if let Some(p) = focused.as_ref().and_then(|f| f.inner.as_ref()) {
                eprintln!(
                    "rtt: process {} never exec'd: it is replayed with the ancestor that did ({})",
                    p.pid,
                    p.command()
                );
            }
            if gdb {
                gdb::launch(cpu, dir)
            } else if gdb_stdio {
                gdb::serve_stdio(cpu, dir)
            } else if let Some(addr) = gdb_listen {
                gdb::serve_tcp(&addr, cpu, dir)
            } else if autopilot {
                let code = replay::run(cpu, dir)?;
                // A process replayed with its ancestor: its own recorded end.
                let inner = focused.as_ref().and_then(|f| f.inner.as_ref());
                Ok(inner.and_then(|p| p.exit).map_or(code, |s| s.shell_code()))
            } else {
                // A process replayed with its ancestor: start where it first runs.
                let prelude = match focused.as_ref().and_then(|f| f.inner.as_ref()) {
                    Some(p) => focus::first_event_of(dir.as_deref(), p.pid)?.map(|e| {
                        eprintln!(
                            "rtt: starting where process {} first runs (event {e})",
                            p.pid
                        );
                        format!("goto {e}\n")
                    }),
                    None => None,
                };
                crate::repl::run(crate::tracedir::resolve(dir)?, cpu, script, prelude)
            }
        }
        Command::Run {
            keep,
            script,
            cpu,
            sched,
            command,
        } => run_live(keep, script, cpu, sched.scheduling()?, command),
        Command::Ci {
            output,
            keep,
            max_trace_size,
            cpu,
            sched,
            command,
        } => ci::run(ci::CiArgs {
            output,
            keep,
            max_trace_size,
            cpu,
            scheduling: sched.scheduling()?,
            command,
        }),
        Command::Dump { dir } => dump::run(dir),
        Command::Ps { dir } => ps::run(dir),
        Command::Pack { dir } => pack::run(dir),
    }
}

/// `rtt run`: records into a new default trace directory while the REPL debugs; the
/// trace is deleted at the end unless `keep`.
fn run_live(
    keep: bool,
    script: Option<std::path::PathBuf>,
    cpu: Option<usize>,
    sched: rtt_replay::trace::Scheduling,
    command: Vec<std::ffi::OsString>,
) -> Result<i32> {
    let (opts, _) = record::options(None, cpu, sched, command)?;
    let dir = opts.trace_dir.clone();
    let r = crate::repl::run_live(opts, cpu, script);
    if keep && dir.exists() {
        crate::tracedir::set_latest(&dir)?;
        eprintln!("rtt: trace kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    r
}

/// The exit code for an error that ended rtt.
pub fn exit_code_for(e: &anyhow::Error) -> i32 {
    match e.downcast_ref::<record::ProgramError>() {
        Some(record::ProgramError::NotFound(_)) => 127,
        Some(record::ProgramError::NotExecutable(_)) => 126,
        None => match e.downcast_ref::<rtt_replay::Error>() {
            Some(rtt_replay::Error::Interrupted) => 130,
            _ => 1,
        },
    }
}
