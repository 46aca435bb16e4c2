//! `rtt`: record a Linux program, replay it exactly, inspect the trace.
//!
//! This binary only parses the command line and dispatches; the engine is the
//! `rtt-replay` crate.

mod cli;
mod cmd;
mod repl;
mod tracedir;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rtt: {e:#}");
            cmd::exit_code_for(&e)
        }
    };
    std::process::exit(code);
}
