//! `rtt replay --gdb`, `--gdb-stdio` and `--gdb-listen`: a recorded run debugged in gdb.

use crate::tracedir;
use anyhow::{bail, Context, Result};
use rtt_gdbstub::{Ending, StdioConnection};
use rtt_replay::timeline::TimelineOptions;
use std::ffi::OsString;
use std::fs::File;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

/// Quotes `s` for `/bin/sh` (gdb runs `target remote | CMD` through the shell).
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn options(trace: &Path, cpu: Option<usize>) -> TimelineOptions {
    let mut opts = TimelineOptions::new(trace);
    opts.cpu = cpu;
    opts.echo = true;
    opts
}

/// Replaces rtt with gdb, which starts `rtt replay --gdb-stdio` as its remote target.
pub fn launch(cpu: Option<usize>, dir: Option<PathBuf>) -> Result<i32> {
    let trace = tracedir::resolve(dir)?;
    // A bad trace is reported here, before gdb starts.
    rtt_replay::trace::TraceReader::open(&trace)?;
    let rtt = std::env::current_exe().context("cannot find rtt's own executable")?;
    let mut server = format!("{} replay --gdb-stdio", shell_quote(&rtt.to_string_lossy()));
    if let Some(cpu) = cpu {
        server.push_str(&format!(" --cpu {cpu}"));
    }
    server.push(' ');
    server.push_str(&shell_quote(&trace.to_string_lossy()));
    let gdb = std::env::var_os("RTT_GDB").unwrap_or_else(|| OsString::from("gdb"));
    let err = std::process::Command::new(&gdb)
        .arg("-q")
        // Opening a long trace can take longer than gdb's default 2 s wait for a reply.
        .args(["-ex", "set remotetimeout 60"])
        .args(["-ex", &format!("target remote | {server}")])
        .exec();
    bail!(
        "cannot run {}: {err} (install gdb, or use --gdb-listen and connect a gdb of your own)",
        gdb.to_string_lossy()
    )
}

/// Serves gdb on stdin/stdout; the program's output goes to stderr.
pub fn serve_stdio(cpu: Option<usize>, dir: Option<PathBuf>) -> Result<i32> {
    let trace = tracedir::resolve(dir)?;
    let input = File::from(nix::unistd::dup(std::io::stdin()).context("dup stdin")?);
    let output = File::from(nix::unistd::dup(std::io::stdout()).context("dup stdout")?);
    // stdout is the protocol now: what the program prints, and rtt's messages, go to
    // stderr, which is gdb's terminal.
    nix::unistd::dup2_stdout(std::io::stderr()).context("redirect stdout")?;
    let mut target = rtt_gdbstub::open(options(&trace, cpu))?;
    interruptible(&mut target, input.as_raw_fd());
    let ending = rtt_gdbstub::serve(&mut target, StdioConnection::new(input, output))?;
    Ok(exit_code(ending))
}

/// gdb's Ctrl-C arrives on the connection while a run goes on: let it interrupt the run.
fn interruptible(target: &mut rtt_gdbstub::RttTarget, fd: RawFd) {
    rtt_replay::sys::catch_sigint();
    target.interrupt_on_input(fd);
}

/// rtt's exit status after a session: 0 however gdb ended it.
fn exit_code(_ending: Ending) -> i32 {
    0
}

/// Serves one gdb connection on TCP.
pub fn serve_tcp(addr: &str, cpu: Option<usize>, dir: Option<PathBuf>) -> Result<i32> {
    let trace = tracedir::resolve(dir)?;
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .with_context(|| format!("bad address `{addr}` for --gdb-listen (want HOST:PORT)"))?
        .collect();
    let listener =
        TcpListener::bind(&addrs[..]).with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr().context("listening address")?;
    if !local.ip().is_loopback() {
        eprintln!(
            "rtt: warning: {local} is not a loopback address: anyone who can reach it can \
             connect, drive the replay and read the recorded program's memory"
        );
    }
    let mut target = rtt_gdbstub::open(options(&trace, cpu))?;
    eprintln!("rtt: listening for gdb on {local}; in gdb: target remote {local}");
    let (stream, peer) = listener.accept().context("accepting gdb's connection")?;
    drop(listener);
    stream.set_nodelay(true).ok();
    eprintln!("rtt: gdb connected from {peer}");
    interruptible(&mut target, stream.as_raw_fd());
    let ending = rtt_gdbstub::serve(&mut target, stream)?;
    Ok(exit_code(ending))
}
