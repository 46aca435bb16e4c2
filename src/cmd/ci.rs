//! `rtt ci -- CMD`: record a test run's whole process tree, keep a self-contained trace of
//! each process that failed, write `summary.json`, and exit with CMD's status.
//!
//! The run is recorded into one trace (`DIR/.recording`). At the end every process that
//! failed (nonzero exit, killed by a signal) is cut out of it from its first exec
//! (`focus::cut_point`, `rtt_replay::trace::extract`) into `DIR/NAME-PID`, with its
//! descendants and hard links to the files it needs; then the whole recording is deleted.
//! With `--keep all` the whole recording is kept instead, and every process is listed.

use super::focus::cut_point;
use crate::tracedir;
use anyhow::{Context, Result};
use rtt_replay::record::record;
use rtt_replay::trace::{extract, processes, Process, Scheduling, TraceReader};
use rtt_replay::wait::ExitStatus;
use serde::Serialize;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Which processes keep a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Keep {
    /// Only the processes that failed, each cut out into its own trace.
    Failed,
    /// The whole recording, with every process listed.
    All,
}

/// What `rtt ci` was asked to do.
pub struct CiArgs {
    pub output: PathBuf,
    pub keep: Keep,
    pub max_trace_size: Option<u64>,
    pub cpu: Option<usize>,
    pub scheduling: Scheduling,
    pub command: Vec<OsString>,
}

/// One entry of `summary.json`.
#[derive(Debug, Serialize)]
struct Entry {
    command: Vec<String>,
    pid: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<String>,
    trace: String,
    size_bytes: u64,
    replay: String,
    /// False when the trace stops before the process ended (the recording was cut).
    complete: bool,
}

const RECORDING: &str = ".recording";
const SUMMARY: &str = "summary.json";

/// Parses a size: bytes, or a number with K, M or G (powers of 1024).
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let (num, mult) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                _ => {
                    return Err(format!(
                        "{s}: give a size like 500M, 2G or a number of bytes"
                    ))
                }
            };
            (&t[..i], m)
        }
        _ => (t, 1),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s}: give a size like 500M, 2G or a number of bytes"))?;
    match n.checked_mul(mult) {
        Some(v) if v > 0 => Ok(v),
        _ => Err(format!("{s}: give a size above 0 and below 16 EiB")),
    }
}

pub fn run(args: CiArgs) -> Result<i32> {
    let dir = args.output.clone();
    // The program is looked for first: a missing one leaves nothing behind.
    let (mut opts, _) = super::record::options(
        Some(dir.join(RECORDING)),
        args.cpu,
        args.scheduling.clone(),
        args.command.clone(),
    )?;
    opts.keep_going = true;
    opts.max_trace_size = args.max_trace_size;
    tracedir::refuse_non_empty(&dir)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let recording = opts.trace_dir.clone();
    let prog = PathBuf::from(&args.command[0]);
    let outcome = match record(&opts) {
        Ok(o) => o,
        Err(e @ rtt_replay::Error::Spawn(_)) => {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(e).with_context(|| format!("cannot run {}", prog.display()));
        }
        Err(e) => {
            // The command was killed with the recording: keep it whole, and list what had
            // failed by then and what was still running.
            let kept = dir.join("trace");
            let _ = std::fs::rename(&recording, &kept);
            eprintln!("rtt: recording failed: {e}");
            eprintln!("rtt: what was recorded is in {}", kept.display());
            if let Ok(entries) = unfinished(&dir, &kept) {
                if let Ok(json) = serde_json::to_vec_pretty(&entries) {
                    let _ = std::fs::write(dir.join(SUMMARY), json);
                }
            }
            return Ok(1);
        }
    };
    if let Some(why) = &outcome.cut {
        eprintln!("rtt: recording stopped early: {why}; the command ran on unrecorded");
    }
    let code = outcome.status.shell_code();
    let entries = keep_traces(&dir, &args, outcome.status, outcome.cut.is_some())
        .context("cannot keep the traces")?;
    let json = serde_json::to_vec_pretty(&entries).context("cannot encode the summary")?;
    std::fs::write(dir.join(SUMMARY), json)
        .with_context(|| format!("cannot write {}", dir.join(SUMMARY).display()))?;
    report(&args.command, outcome.status, &dir, &entries, args.keep);
    Ok(code)
}

/// Turns the recording into the kept traces; returns the summary's entries.
///
/// A recording that was cut holds no end for the processes alive then: when the command
/// failed, they are kept too (their traces stop at the cut), the first process with the
/// status the recorder saw.
fn keep_traces(dir: &Path, args: &CiArgs, status: ExitStatus, cut: bool) -> Result<Vec<Entry>> {
    let recording = dir.join(RECORDING);
    let trace = TraceReader::open(&recording)?;
    let (procs, _) = processes(&trace)?;
    let unended = cut && status != ExitStatus::Code(0);
    // The first process's end, when the trace lacks it, is the one the recorder saw.
    let exit_of = |p: &Process| p.exit.or_else(|| p.ppid.is_none().then_some(status));
    let mut entries = Vec::new();
    match args.keep {
        Keep::All => {
            let kept = dir.join("trace");
            drop(trace);
            std::fs::rename(&recording, &kept)?;
            let size = dir_size(&kept);
            for p in &procs {
                entries.push(entry(p, exit_of(p), dir, &kept, size));
            }
        }
        Keep::Failed => {
            for p in &procs {
                let exit = exit_of(p);
                let failed = matches!(exit, Some(s) if s != ExitStatus::Code(0));
                if !(failed || (unended && p.exit.is_none())) {
                    continue;
                }
                let (root, exec) = match cut_point(&procs, p.pid) {
                    Ok(point) => point,
                    Err(e) => {
                        eprintln!("rtt: no trace kept for process {}: {e:#}", p.pid);
                        continue;
                    }
                };
                let name = format!("{}-{}", short_name(p), p.pid);
                let dest = dir.join(&name);
                // Each kept trace is within the limit too.
                extract(&trace, &root, exec, &dest, args.max_trace_size)?;
                entries.push(entry(p, exit, dir, &dest, dir_size(&dest)));
            }
            drop(trace);
            std::fs::remove_dir_all(&recording)
                .with_context(|| format!("cannot remove {}", recording.display()))?;
        }
    }
    Ok(entries)
}

/// The summary of a recording that failed: the processes that failed, or had not ended,
/// all in the whole trace `kept`.
fn unfinished(dir: &Path, kept: &Path) -> Result<Vec<Entry>> {
    let trace = TraceReader::open(kept)?;
    let (procs, _) = processes(&trace)?;
    let size = dir_size(kept);
    Ok(procs
        .iter()
        .filter(|p| p.failed() || p.exit.is_none())
        .map(|p| entry(p, p.exit, dir, kept, size))
        .collect())
}

/// `exit`: how it ended (the trace's record of it, or the recorder's for the first
/// process); the entry is complete when the trace holds that end.
fn entry(p: &Process, exit: Option<ExitStatus>, dir: &Path, trace: &Path, size: u64) -> Entry {
    let rel = trace
        .strip_prefix(dir)
        .unwrap_or(trace)
        .to_string_lossy()
        .into_owned();
    let (exit_code, signal) = match exit {
        Some(ExitStatus::Code(c)) => (Some(c), None),
        Some(ExitStatus::Signal(s)) => (None, Some(rtt_replay::wait::signal_name(s))),
        None => (None, None),
    };
    Entry {
        command: p
            .argv
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
        pid: p.pid,
        exit_code,
        signal,
        replay: format!(
            "rtt replay -p {} {}",
            p.pid,
            shell_quote(&trace.display().to_string())
        ),
        trace: rel,
        size_bytes: size,
        complete: p.exit.is_some(),
    }
}

/// The program's file name, for naming its trace.
fn short_name(p: &Process) -> String {
    let arg0 = p
        .argv
        .first()
        .map(|a| String::from_utf8_lossy(a).into_owned());
    let base = arg0
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .filter(|b| !b.is_empty())
        .unwrap_or("process");
    base.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect()
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Bytes in the files under `dir`.
fn dir_size(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn human(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{} KiB", b.div_ceil(1024)),
    }
}

fn report(command: &[OsString], status: ExitStatus, dir: &Path, entries: &[Entry], keep: Keep) {
    let cmd: Vec<String> = command
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let summary = dir.join(SUMMARY);
    eprintln!("rtt: `{}` ended: {status}", cmd.join(" "));
    if keep == Keep::Failed && entries.is_empty() {
        eprintln!(
            "rtt: no process failed; no trace kept ({})",
            summary.display()
        );
        return;
    }
    match keep {
        Keep::Failed => eprintln!(
            "rtt: {} failed process{} kept ({}):",
            entries.len(),
            if entries.len() == 1 { "" } else { "es" },
            summary.display()
        ),
        Keep::All => eprintln!(
            "rtt: the whole run kept, {} processes ({}):",
            entries.len(),
            summary.display()
        ),
    }
    for e in entries {
        let how = match (&e.exit_code, &e.signal) {
            (Some(c), _) => format!("exit {c}"),
            (_, Some(s)) => format!("killed by {s}"),
            _ => "still running".into(),
        };
        let partial = if e.complete { "" } else { ", incomplete" };
        eprintln!(
            "  {:>7}  {:<16} {}  ({}{partial})",
            e.pid,
            how,
            e.command.join(" "),
            human(e.size_bytes)
        );
        eprintln!("           {}", e.replay);
    }
}
