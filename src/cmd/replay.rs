//! `rtt replay --autopilot`: replay a trace to its end.

use crate::tracedir;
use anyhow::Result;
use rtt_replay::replay::{replay, ReplayEnd, ReplayOptions};
use std::path::PathBuf;

pub fn run(cpu: Option<usize>, dir: Option<PathBuf>) -> Result<i32> {
    let trace_dir = tracedir::resolve(dir)?;
    let cut = rtt_replay::trace::TraceReader::open(&trace_dir)?.cut_reason();
    let outcome = replay(&ReplayOptions {
        trace_dir,
        cpu,
        echo: true,
    })?;
    match outcome.end {
        ReplayEnd::Complete => Ok(outcome.status.map(|s| s.shell_code()).unwrap_or(0)),
        ReplayEnd::Truncated if cut.is_some() => {
            eprintln!(
                "rtt: the recording stopped before the program did ({}); replayed all {} events it holds",
                cut.unwrap_or_default(),
                outcome.events
            );
            Ok(1)
        }
        ReplayEnd::Truncated => {
            eprintln!(
                "rtt: the trace is incomplete (the recorder did not finish); replayed all {} events it holds",
                outcome.events
            );
            Ok(1)
        }
        ReplayEnd::Unsupported { name, event } => {
            eprintln!("rtt: the recording stopped at unsupported syscall {name} at event {event}; replayed up to there");
            Ok(1)
        }
    }
}
