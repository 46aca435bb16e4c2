//! The REPL (`rtt replay [DIR]`): reads commands (a line editor on a terminal, plain
//! lines otherwise) and runs them on a timeline over the trace.
//!
//! The timeline lives in its own thread, which becomes the tracer and traps `rdtsc`
//! (see `Timeline::open`); the line editor, history and terminal stay in the main thread,
//! which also keeps Ctrl-C away from itself so that it interrupts the engine's waits.

mod commands;
mod dwarf;
mod expr;
mod format;
mod frames;
mod session;
mod stepping;
mod symbols;
mod threads;
mod unwind;
mod values;

use anyhow::{anyhow, Context, Result};
use rtt_replay::record::RecordOptions;
use rtt_replay::timeline::TimelineOptions;
use session::{Outcome, Session};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc;

/// The prompt.
const PROMPT: &str = "(rtt) ";

/// The engine thread's side: commands in, outcomes out.
struct Engine {
    lines: mpsc::Sender<String>,
    outcomes: mpsc::Receiver<Outcome>,
    done: mpsc::Receiver<()>,
}

impl Engine {
    /// Opens the trace in a new thread; returns the first stop's text and the function
    /// names (for completion).
    fn start(
        open: impl FnOnce() -> Result<Session> + Send + 'static,
    ) -> Result<(Engine, String, Vec<String>)> {
        let (line_tx, line_rx) = mpsc::channel::<String>();
        let (out_tx, out_rx) = mpsc::channel::<Outcome>();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(String, Vec<String>), String>>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("rtt-engine".into())
            .spawn(move || {
                rtt_replay::sys::catch_sigint();
                let mut s = match open() {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("{e:#}")));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok((s.intro(), s.function_names())));
                for line in line_rx {
                    let out = s.run_line(&line);
                    rtt_replay::sys::clear_interrupted();
                    let quit = out.quit;
                    if quit {
                        let _ = s.close();
                    }
                    if out_tx.send(out).is_err() || quit {
                        break;
                    }
                }
                let _ = s.close();
                let _ = done_tx.send(());
            })
            .context("start the engine thread")?;
        rtt_replay::sys::block_sigint_in_this_thread();
        let (intro, names) = ready_rx
            .recv()
            .map_err(|_| anyhow!("the engine thread ended"))?
            .map_err(|e| anyhow!(e))?;
        Ok((
            Engine {
                lines: line_tx,
                outcomes: out_rx,
                done: done_rx,
            },
            intro,
            names,
        ))
    }

    /// Ends the session and waits for the engine to finish (a live recording is
    /// completed before this returns).
    fn stop(self) {
        drop(self.lines);
        let _ = self.done.recv();
    }
}

fn show(text: &str) {
    if !text.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", text.trim_start_matches('\n'));
        let _ = out.flush();
    }
}

/// Runs one line; true when the REPL should end. On a terminal, a command that takes
/// longer than half a second shows where the replay is until it is done.
fn step(engine: &Engine, line: &str) -> Result<bool> {
    engine
        .lines
        .send(line.to_string())
        .map_err(|_| anyhow!("the engine thread ended"))?;
    let started = std::time::Instant::now();
    let terminal = std::io::stdout().is_terminal();
    let mut shown = false;
    let out = loop {
        match engine
            .outcomes
            .recv_timeout(std::time::Duration::from_millis(200))
        {
            Ok(out) => break out,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let waited = started.elapsed();
                if terminal && waited.as_millis() >= 500 {
                    let mut o = std::io::stdout().lock();
                    let _ = write!(
                        o,
                        "\r\x1b[K[replaying: event {}, {:.1} s; Ctrl-C stops]",
                        rtt_replay::replay::progress(),
                        waited.as_secs_f64()
                    );
                    let _ = o.flush();
                    shown = true;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(anyhow!("the engine thread ended"))
            }
        }
    };
    if shown {
        print!("\r\x1b[K");
    }
    show(&out.text);
    Ok(out.quit)
}

/// `rtt replay [-x FILE] [DIR]`: the REPL over a trace.
/// `prelude`: commands to run before the script (shown as they run).
pub fn run(
    trace_dir: PathBuf,
    cpu: Option<usize>,
    script: Option<PathBuf>,
    prelude: Option<String>,
) -> Result<i32> {
    let script = match (prelude, read_script(script)?) {
        (Some(p), Some(s)) => Some(p + &s),
        (p, s) => p.or(s),
    };
    let mut opts = TimelineOptions::new(&trace_dir);
    opts.cpu = cpu;
    opts.echo = true;
    let colour = colour();
    let (engine, intro, names) =
        Engine::start(move || Session::open(opts).map(|s| s.with_colour(colour)))?;
    session(engine, intro, names, script)
}

/// `rtt run [--keep] PROG [ARGS...]`: the REPL over the program, recorded as it runs.
/// Returns the trace directory when it is to be kept.
pub fn run_live(rec: RecordOptions, cpu: Option<usize>, script: Option<PathBuf>) -> Result<i32> {
    let script = read_script(script)?;
    let mut opts = TimelineOptions::new(&rec.trace_dir);
    opts.cpu = cpu;
    // The live program's output already reached the terminal: replays stay quiet.
    opts.echo = false;
    let colour = colour();
    let (engine, intro, names) =
        Engine::start(move || Session::open_live(&rec, opts).map(|s| s.with_colour(colour)))?;
    session(engine, intro, names, script)
}

/// Colour on a terminal, unless NO_COLOR is set.
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn read_script(script: Option<PathBuf>) -> Result<Option<String>> {
    script
        .map(|p| {
            std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))
        })
        .transpose()
}

/// Runs a session: the script, then the terminal or stdin, until quit or EOF.
fn session(
    engine: Engine,
    intro: String,
    names: Vec<String>,
    script: Option<String>,
) -> Result<i32> {
    show(&intro);
    let r = (|| -> Result<()> {
        if let Some(text) = script {
            for line in text.lines() {
                if step(&engine, line)? {
                    return Ok(());
                }
            }
        }
        if std::io::stdin().is_terminal() {
            interactive(&engine, names)
        } else {
            // Scripted: each command echoed before its output.
            for line in std::io::stdin().lock().lines() {
                let line = line.context("read stdin")?;
                show(&format!("{PROMPT}{line}"));
                if step(&engine, &line)? {
                    return Ok(());
                }
            }
            Ok(())
        }
    })();
    engine.stop();
    r.map(|()| 0)
}

/// Completes command names, then function names.
struct Completer {
    names: Vec<String>,
}

impl rustyline::completion::Completer for Completer {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &rustyline::Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let start = line[..pos].rfind(' ').map_or(0, |i| i + 1);
        let word = &line[start..pos];
        let pool: Vec<&str> = if start == 0 {
            commands::COMMANDS.iter().map(|c| c.name).collect()
        } else {
            self.names.iter().map(String::as_str).collect()
        };
        let found = pool
            .into_iter()
            .filter(|c| c.starts_with(word))
            .map(str::to_string)
            .collect();
        Ok((start, found))
    }
}

impl rustyline::hint::Hinter for Completer {
    type Hint = String;
}
impl rustyline::highlight::Highlighter for Completer {}
impl rustyline::validate::Validator for Completer {}
impl rustyline::Helper for Completer {}

fn history_file() -> Option<PathBuf> {
    let base = std::env::var_os("RTT_TRACE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/rtt")))?;
    std::fs::create_dir_all(&base).ok()?;
    Some(base.join("history"))
}

fn interactive(engine: &Engine, names: Vec<String>) -> Result<()> {
    let mut ed = rustyline::Editor::<Completer, rustyline::history::DefaultHistory>::new()
        .context("start the line editor")?;
    ed.set_helper(Some(Completer { names }));
    let history = history_file();
    if let Some(h) = &history {
        let _ = ed.load_history(h);
    }
    let mut last = String::new();
    loop {
        match ed.readline(PROMPT) {
            Ok(line) => {
                // An empty line repeats the last command, as in gdb.
                let line = if line.trim().is_empty() {
                    last.clone()
                } else {
                    line
                };
                if !line.trim().is_empty() {
                    let _ = ed.add_history_entry(line.as_str());
                    last = line.clone();
                }
                if step(engine, &line)? {
                    break;
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = ed.save_history(h);
    }
    Ok(())
}
