//! `rtt record`: find the program, pick the trace directory, record, report.

use crate::tracedir;
use anyhow::{Context, Result};
use rtt_replay::record::{record, RecordOptions};
use rtt_replay::trace::Scheduling;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The program to record cannot be run.
#[derive(Debug)]
pub enum ProgramError {
    /// No such file (or not in PATH).
    NotFound(String),
    /// Not an executable file.
    NotExecutable(String),
}

impl std::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProgramError::NotFound(p) => write!(f, "{p}: program not found"),
            ProgramError::NotExecutable(p) => write!(f, "{p}: not an executable file"),
        }
    }
}

impl std::error::Error for ProgramError {}

/// Finds `prog` the way a shell does: a path if it has a slash, else in $PATH.
fn find_program(prog: &Path) -> Result<PathBuf, ProgramError> {
    let shown = prog.display().to_string();
    let candidates: Vec<PathBuf> = if prog.as_os_str().as_encoded_bytes().contains(&b'/') {
        vec![prog.to_path_buf()]
    } else {
        let path =
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
        std::env::split_paths(&path).map(|d| d.join(prog)).collect()
    };
    let mut found_non_exec = false;
    for c in candidates {
        if let Ok(meta) = std::fs::metadata(&c) {
            if meta.is_file() && meta.permissions().mode() & 0o111 != 0 {
                return Ok(std::path::absolute(&c).unwrap_or(c));
            }
            found_non_exec = true;
        }
    }
    Err(if found_non_exec {
        ProgramError::NotExecutable(shown)
    } else {
        ProgramError::NotFound(shown)
    })
}

/// What to record for `command` into `output` (or a new default directory): the
/// options, and whether the directory is the default place.
pub fn options(
    output: Option<PathBuf>,
    cpu: Option<usize>,
    scheduling: Scheduling,
    command: Vec<OsString>,
) -> Result<(RecordOptions, bool)> {
    let prog = PathBuf::from(&command[0]);
    let exe = find_program(&prog)?;
    let default_place = output.is_none();
    let dir = match output {
        Some(d) => d,
        None => tracedir::new_default(&exe)?,
    };
    tracedir::refuse_non_empty(&dir)?;
    let opts = RecordOptions {
        exe,
        argv: command,
        env: std::env::vars_os()
            .map(|(k, v)| {
                let mut kv = k;
                kv.push("=");
                kv.push(v);
                kv
            })
            .collect(),
        cwd: std::env::current_dir().context("cannot read the current directory")?,
        trace_dir: dir,
        cpu,
        scheduling,
        keep_going: false,
        max_trace_size: None,
    };
    Ok((opts, default_place))
}

pub fn run(
    output: Option<PathBuf>,
    cpu: Option<usize>,
    scheduling: Scheduling,
    command: Vec<OsString>,
) -> Result<i32> {
    let (opts, default_place) = options(output, cpu, scheduling, command)?;
    let dir = opts.trace_dir.clone();
    let result = record(&opts);
    if default_place && dir.exists() {
        tracedir::set_latest(&dir)?;
    }
    match result {
        Ok(outcome) => {
            eprintln!("rtt: trace written to {}", dir.display());
            Ok(outcome.status.shell_code())
        }
        Err(e @ rtt_replay::Error::Unsupported { .. }) => {
            eprintln!("rtt: {e}");
            eprintln!("rtt: the trace in {} replays up to there", dir.display());
            Ok(1)
        }
        Err(e @ rtt_replay::Error::Spawn(_)) => {
            // Nothing worth keeping: the program never ran.
            let _ = std::fs::remove_dir_all(&dir);
            Err(e).with_context(|| format!("cannot record {}", opts.argv[0].to_string_lossy()))
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!(
            "recording stopped; partial trace in {}",
            dir.display()
        ))),
    }
}
