//! The command line, declared with clap.

use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

/// rtt: a record/replay time-travel debugger for Linux x86-64 that needs no hardware
/// performance counters.
#[derive(Debug, Parser)]
#[command(name = "rtt", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run PROG under rtt and write a trace of the run.
    Record {
        /// Trace directory to create (must not exist or be empty). Default:
        /// $RTT_TRACE_DIR or ~/.local/share/rtt, as PROG-N.
        #[arg(short = 'o', long = "output", value_name = "DIR")]
        output: Option<PathBuf>,
        /// Run rtt and the program on this CPU (default: one chosen by rtt).
        #[arg(long, value_name = "N")]
        cpu: Option<usize>,
        #[command(flatten)]
        sched: SchedArgs,
        /// The program and its arguments.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "PROG [ARGS]..."
        )]
        command: Vec<OsString>,
    },
    /// Run PROG under recording in the REPL, stopped at its first instruction: debug it
    /// while it runs, and go back at any time.
    Run {
        /// Keep the trace when the session ends (its directory is printed).
        #[arg(long)]
        keep: bool,
        /// Run the REPL commands in FILE first.
        #[arg(short = 'x', value_name = "FILE")]
        script: Option<PathBuf>,
        /// Run rtt and the program on this CPU (default: one chosen by rtt).
        #[arg(long, value_name = "N")]
        cpu: Option<usize>,
        #[command(flatten)]
        sched: SchedArgs,
        /// The program and its arguments.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "PROG [ARGS]..."
        )]
        command: Vec<OsString>,
    },
    /// Replay a trace: in the REPL (the default), in gdb, or to the end (--autopilot).
    Replay {
        /// Replay to the end without a debugger, writing the program's output again.
        #[arg(long, conflicts_with_all = ["gdb", "gdb_stdio", "gdb_listen"])]
        autopilot: bool,
        /// Start gdb (from PATH, or $RTT_GDB) connected to the replay.
        #[arg(long, conflicts_with_all = ["gdb_stdio", "gdb_listen"])]
        gdb: bool,
        /// Serve the gdb remote protocol on stdin/stdout, for
        /// `target remote | rtt replay --gdb-stdio DIR` in gdb.
        #[arg(long, conflicts_with = "gdb_listen")]
        gdb_stdio: bool,
        /// Serve the gdb remote protocol on TCP at ADDR (HOST:PORT; port 0 picks one),
        /// for one connection. Give a loopback address unless others must connect.
        #[arg(long, value_name = "ADDR")]
        gdb_listen: Option<String>,
        /// Run the REPL commands in FILE first, then read more as usual.
        #[arg(short = 'x', value_name = "FILE", conflicts_with_all = ["autopilot", "gdb", "gdb_stdio", "gdb_listen"])]
        script: Option<PathBuf>,
        /// Run rtt and the replayed program on this CPU (default: one chosen by rtt).
        #[arg(long, value_name = "N")]
        cpu: Option<usize>,
        /// Replay only process PID (and its children), from its first exec (`rtt ps`
        /// lists the processes).
        #[arg(short = 'p', long = "pid", value_name = "PID")]
        pid: Option<i32>,
        /// Trace directory (default: the latest trace).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Record a test run (CMD's whole process tree) and keep a self-contained, replayable
    /// trace of each process that failed; exits with CMD's status.
    Ci {
        /// Directory for the kept traces and summary.json (must not exist or be empty).
        #[arg(
            short = 'o',
            long = "output",
            value_name = "DIR",
            default_value = "rtt-ci"
        )]
        output: PathBuf,
        /// Which processes keep a trace: the failed ones (each cut out on its own), or
        /// all (the whole recording).
        #[arg(long, value_enum, default_value = "failed")]
        keep: crate::cmd::Keep,
        /// Stop recording when the trace reaches SIZE (e.g. 500M, 2G): CMD runs on,
        /// unrecorded, and the traces end there.
        #[arg(long, value_name = "SIZE", value_parser = crate::cmd::parse_size)]
        max_trace_size: Option<u64>,
        /// Run rtt and the command on this CPU (default: one chosen by rtt).
        #[arg(long, value_name = "N")]
        cpu: Option<usize>,
        #[command(flatten)]
        sched: SchedArgs,
        /// The command and its arguments.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "CMD [ARGS]..."
        )]
        command: Vec<OsString>,
    },
    /// Print the events of a trace, one per line.
    Dump {
        /// Trace directory (default: the latest trace).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Make a trace self-contained: check every file it needs is in it (restoring missing
    /// ones from this machine when unchanged) and add separate debugging information.
    Pack {
        /// Trace directory (default: the latest trace).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// List the processes in a trace: pid, parent, exit status, command.
    Ps {
        /// Trace directory (default: the latest trace).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// How the recorder schedules the program's threads (one runs at a time).
#[derive(Debug, Args)]
pub struct SchedArgs {
    /// Time slice: a thread that spins while others are ready is preempted after this much
    /// CPU time (one that computes, after 100 slices without a syscall).
    #[arg(long, value_name = "MS", default_value_t = 20.0)]
    pub timeslice_ms: f64,
    /// Chaos mode: random time slices (up to --timeslice-ms) and a random choice among
    /// the ready threads at every switch, to bring out rare interleavings.
    #[arg(long)]
    pub chaos: bool,
    /// Seed for --chaos's random choices (default: from the clock; the trace keeps it).
    #[arg(long, value_name = "N", requires = "chaos")]
    pub chaos_seed: Option<u64>,
}

impl SchedArgs {
    /// The recorder's settings.
    pub fn scheduling(&self) -> anyhow::Result<rtt_replay::trace::Scheduling> {
        if !(self.timeslice_ms.is_finite()
            && self.timeslice_ms >= 0.05
            && self.timeslice_ms <= 60_000.0)
        {
            anyhow::bail!("--timeslice-ms: give a time between 0.05 and 60000 ms");
        }
        Ok(rtt_replay::trace::Scheduling {
            timeslice_us: (self.timeslice_ms * 1000.0).round() as u64,
            chaos: self.chaos,
            seed: self.chaos_seed.unwrap_or_else(|| {
                if self.chaos {
                    rtt_replay::record::chaos_seed()
                } else {
                    0
                }
            }),
        })
    }
}
