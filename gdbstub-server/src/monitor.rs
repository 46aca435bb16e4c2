//! `monitor` commands: rtt's own operations on the timeline, from the gdb prompt.

use crate::target::RttTarget;
use crate::Error;
use gdbstub::target::ext::monitor_cmd::{outputln, ConsoleOutput, MonitorCmd};

/// The commands, with their help.
const COMMANDS: [(&str, &str); 6] = [
    ("when", "show the current event number and exact position"),
    ("checkpoint", "keep a checkpoint here; prints its number"),
    ("restart N", "go back (or forward) to checkpoint N"),
    (
        "goto EVENT",
        "go to the start of the stretch before event EVENT",
    ),
    ("info checkpoints", "list the checkpoints kept now"),
    ("help", "this list"),
];

/// Said after commands that move the program: gdb keeps what it read before.
const MOVED: &str = "gdb still shows what it read before: run `maint flush register-cache` \
     and `maint flush dcache` to read the new state";

impl RttTarget {
    fn monitor(&mut self, line: &str) -> Result<Vec<String>, rtt_replay::Error> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let number = |w: Option<&&str>, what: &str| -> Result<u64, rtt_replay::Error> {
            w.and_then(|s| s.parse().ok()).ok_or_else(|| {
                rtt_replay::Error::Refused(format!("usage: monitor {what} (a number)"))
            })
        };
        let out = match words.as_slice() {
            ["when"] => vec![format!(
                "event {}, position {}",
                self.tl.position().event,
                self.tl.position()
            )],
            ["checkpoint"] => {
                let id = self.tl.checkpoint()?;
                vec![format!("checkpoint {id} at {}", self.tl.position())]
            }
            ["restart", rest @ ..] => {
                let id = number(rest.first(), "restart N")?;
                self.tl.restart(id)?;
                self.moved();
                vec![
                    format!("at checkpoint {id}: {}", self.tl.position()),
                    MOVED.into(),
                ]
            }
            ["goto", rest @ ..] => {
                let event = number(rest.first(), "goto EVENT")?;
                self.tl.goto_event(event)?;
                self.moved();
                vec![format!("at {}", self.tl.position()), MOVED.into()]
            }
            ["info", "checkpoints"] => {
                let list = self.tl.checkpoints();
                if list.is_empty() {
                    vec!["no checkpoints".into()]
                } else {
                    list.iter()
                        .map(|c| {
                            format!(
                                "{:>4}  {:<12} {:>10} KiB  {}",
                                c.id,
                                format!("{:?}", c.kind).to_lowercase(),
                                c.bytes / 1024,
                                c.position
                            )
                        })
                        .collect()
                }
            }
            [] | ["help"] => COMMANDS
                .iter()
                .map(|(c, h)| format!("monitor {c:<18} {h}"))
                .collect(),
            _ => {
                return Err(rtt_replay::Error::Refused(format!(
                    "unknown monitor command `{line}`; `monitor help` lists them"
                )))
            }
        };
        Ok(out)
    }
}

impl MonitorCmd for RttTarget {
    fn handle_monitor_cmd(&mut self, cmd: &[u8], mut out: ConsoleOutput<'_>) -> Result<(), Error> {
        let line = String::from_utf8_lossy(cmd).into_owned();
        match self.monitor(&line) {
            Ok(lines) => lines.iter().for_each(|l| outputln!(out, "{l}")),
            Err(rtt_replay::Error::Refused(msg)) => outputln!(out, "rtt: {msg}"),
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}
