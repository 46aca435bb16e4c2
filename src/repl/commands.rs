//! The REPL's commands: gdb's names and short forms, their help (generated from this
//! table), and parsing a line into a command.

/// One command as the user sees it.
pub struct Spec {
    /// Full name.
    pub name: &'static str,
    /// Short forms besides unique prefixes of the name.
    pub aliases: &'static [&'static str],
    /// Arguments, for help.
    pub args: &'static str,
    /// One line of help.
    pub help: &'static str,
}

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[Spec] = &[
    Spec {
        name: "continue",
        aliases: &["c"],
        args: "",
        help: "run until a breakpoint, a signal or the end of history",
    },
    Spec {
        name: "step",
        aliases: &["s"],
        args: "[N]",
        help: "run to the next source line, into calls",
    },
    Spec {
        name: "next",
        aliases: &["n"],
        args: "[N]",
        help: "run to the next source line, over calls",
    },
    Spec {
        name: "finish",
        aliases: &["fin"],
        args: "",
        help: "run until the selected frame returns",
    },
    Spec {
        name: "until",
        aliases: &["u"],
        args: "[LOCATION]",
        help: "run to a line past this one (not back round a loop), or to LOCATION in this frame",
    },
    Spec {
        name: "advance",
        aliases: &[],
        args: "LOCATION",
        help: "run to LOCATION, stopping if this frame returns",
    },
    Spec {
        name: "stepi",
        aliases: &["si"],
        args: "[N]",
        help: "execute N instructions (default 1)",
    },
    Spec {
        name: "nexti",
        aliases: &["ni"],
        args: "[N]",
        help: "execute N instructions, a call counting as one",
    },
    Spec {
        name: "reverse-continue",
        aliases: &["rc"],
        args: "",
        help: "run backwards to the previous breakpoint hit or the start of history",
    },
    Spec {
        name: "reverse-stepi",
        aliases: &["rsi"],
        args: "[N]",
        help: "go back N instructions (default 1)",
    },
    Spec {
        name: "reverse-step",
        aliases: &["rs"],
        args: "[N]",
        help: "go back to the start of the previous source line, into calls",
    },
    Spec {
        name: "reverse-next",
        aliases: &["rn"],
        args: "[N]",
        help: "go back to the start of the previous source line, over calls",
    },
    Spec {
        name: "reverse-finish",
        aliases: &["rf"],
        args: "",
        help: "go back to where the current function was called",
    },
    Spec {
        name: "backtrace",
        aliases: &["bt", "where"],
        args: "[N]",
        help: "the stack: every frame, or the innermost N",
    },
    Spec {
        name: "frame",
        aliases: &["f"],
        args: "[N]",
        help: "select frame N (show the selected one)",
    },
    Spec {
        name: "thread",
        aliases: &[],
        args: "[N]",
        help: "select thread N of info threads to inspect (show the selected one)",
    },
    Spec {
        name: "up",
        aliases: &[],
        args: "[N]",
        help: "select the frame N levels up (towards main)",
    },
    Spec {
        name: "down",
        aliases: &[],
        args: "[N]",
        help: "select the frame N levels down",
    },
    Spec {
        name: "list",
        aliases: &["l"],
        args: "[LINE|FUNCTION]",
        help: "source lines around the current line (or the given one)",
    },
    Spec {
        name: "print",
        aliases: &["p", "inspect"],
        args: "EXPR",
        help: "show a value: variables, *p, &x, a.b, p->x, a[i], $reg, (int) casts",
    },
    Spec {
        name: "set",
        aliases: &[],
        args: "var LVALUE = EXPR",
        help:
            "change a variable: only at the live end of `rtt run` (the recorded past cannot change)",
    },
    Spec {
        name: "watch",
        aliases: &[],
        args: "[-l] EXPR",
        help: "stop when EXPR's memory is written (forwards and backwards)",
    },
    Spec {
        name: "rwatch",
        aliases: &[],
        args: "EXPR",
        help: "stop when EXPR's memory is read or written",
    },
    Spec {
        name: "last",
        aliases: &[],
        args: "EXPR",
        help: "go back to the latest change of EXPR's value; again for the one before",
    },
    Spec {
        name: "break",
        aliases: &["b"],
        args: "FUNCTION | [FILE:]LINE | *ADDRESS [if COND]",
        help: "stop when execution reaches that place (and COND is true)",
    },
    Spec {
        name: "tbreak",
        aliases: &[],
        args: "LOCATION",
        help: "like break, deleted at its first stop",
    },
    Spec {
        name: "delete",
        aliases: &["d"],
        args: "[N...]",
        help: "delete breakpoints N (all without N)",
    },
    Spec {
        name: "disable",
        aliases: &[],
        args: "[N...]",
        help: "disable breakpoints N (all without N)",
    },
    Spec {
        name: "enable",
        aliases: &[],
        args: "[N...]",
        help: "enable breakpoints N (all without N)",
    },
    Spec {
        name: "info",
        aliases: &["i"],
        args: "breakpoints|registers [REG]|frame|locals|args|sharedlibrary|threads|checkpoints",
        help: "show state",
    },
    Spec {
        name: "x",
        aliases: &[],
        args: "/NFU ADDRESS",
        help: "examine memory: N units, format x d u o t c a i s, unit b h w g",
    },
    Spec {
        name: "disassemble",
        aliases: &[],
        args: "[ADDRESS]",
        help: "disassemble the function (the current instruction marked =>)",
    },
    Spec {
        name: "when",
        aliases: &[],
        args: "",
        help: "the current event number and exact position",
    },
    Spec {
        name: "goto",
        aliases: &[],
        args: "EVENT",
        help: "go to the start of the stretch before event EVENT",
    },
    Spec {
        name: "checkpoint",
        aliases: &[],
        args: "",
        help: "keep a checkpoint here",
    },
    Spec {
        name: "restart",
        aliases: &[],
        args: "N",
        help: "go to checkpoint N",
    },
    Spec {
        name: "echo",
        aliases: &[],
        args: "TEXT",
        help: "print TEXT",
    },
    Spec {
        name: "help",
        aliases: &["h"],
        args: "[COMMAND]",
        help: "list the commands, or describe one",
    },
    Spec {
        name: "quit",
        aliases: &["q"],
        args: "",
        help: "leave rtt",
    },
];

/// Where a breakpoint goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A function's first line after its prologue.
    Function(String),
    /// A source line (in the current file when none is given).
    Line {
        /// The file, as given.
        file: Option<String>,
        /// The line.
        line: u32,
    },
    /// An instruction address (an expression evaluated when the breakpoint is set).
    Address(String),
}

/// What `info` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Info {
    Breakpoints,
    Registers(Option<String>),
    Frame,
    Locals,
    Args,
    SharedLibrary,
    Threads,
    Checkpoints,
}

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Continue,
    Step(u64),
    Next(u64),
    Finish,
    Until(Option<Location>),
    Advance(Location),
    ReverseStep(u64),
    ReverseNext(u64),
    ReverseFinish,
    Backtrace(Option<u64>),
    Frame(Option<u64>),
    Thread(Option<u64>),
    Up(u64),
    Down(u64),
    List(Option<String>),
    Stepi(u64),
    Nexti(u64),
    ReverseContinue,
    ReverseStepi(u64),
    Break {
        at: Location,
        temporary: bool,
        condition: Option<String>,
    },
    Delete(Vec<u32>),
    Enable(Vec<u32>, bool),
    Info(Info),
    Examine {
        count: u64,
        format: char,
        unit: u64,
        address: String,
    },
    Disassemble(Option<String>),
    When,
    Goto(u64),
    Checkpoint,
    Restart(u64),
    Echo(String),
    Help(Option<String>),
    Print(String),
    Set {
        target: String,
        value: String,
    },
    Watch {
        expr: String,
        reads: bool,
    },
    Last(String),
    Quit,
}

/// The command spec a word names: its full name, an alias, or a unique prefix.
pub fn lookup(word: &str) -> Result<&'static Spec, String> {
    if let Some(s) = COMMANDS
        .iter()
        .find(|s| s.name == word || s.aliases.contains(&word))
    {
        return Ok(s);
    }
    let matches: Vec<&Spec> = COMMANDS
        .iter()
        .filter(|s| s.name.starts_with(word))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(format!("undefined command: \"{word}\"; try \"help\"")),
        many => Err(format!(
            "ambiguous command \"{word}\": {}",
            many.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn count(arg: &str) -> Result<u64, String> {
    if arg.is_empty() {
        return Ok(1);
    }
    number(arg)
}

/// A decimal or 0x-hexadecimal number.
pub fn number(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("not a number: \"{s}\""))
}

fn numbers(arg: &str) -> Result<Vec<u32>, String> {
    arg.split_whitespace()
        .map(|w| {
            w.parse()
                .map_err(|_| format!("not a breakpoint number: \"{w}\""))
        })
        .collect()
}

/// Parses a breakpoint location.
pub fn location(arg: &str) -> Result<Location, String> {
    let arg = arg.trim();
    if arg.is_empty() {
        return Err("a location is needed: FUNCTION, [FILE:]LINE or *ADDRESS".into());
    }
    if let Some(a) = arg.strip_prefix('*') {
        return Ok(Location::Address(a.trim().to_string()));
    }
    if let Ok(line) = arg.parse::<u32>() {
        return Ok(Location::Line { file: None, line });
    }
    if let Some((file, line)) = arg.rsplit_once(':') {
        if let Ok(line) = line.parse::<u32>() {
            return Ok(Location::Line {
                file: Some(file.to_string()),
                line,
            });
        }
    }
    if arg.contains(char::is_whitespace) {
        return Err(format!("bad location \"{arg}\""));
    }
    Ok(Location::Function(arg.to_string()))
}

fn examine(word: &str, rest: &str) -> Result<Command, String> {
    let fmt = word.strip_prefix('x').unwrap_or("");
    let fmt = fmt.strip_prefix('/').unwrap_or(fmt);
    let digits: String = fmt.chars().take_while(char::is_ascii_digit).collect();
    let mut count = if digits.is_empty() {
        1
    } else {
        number(&digits)?
    };
    let (mut format, mut unit) = ('x', 4);
    for c in fmt[digits.len()..].chars() {
        match c {
            'b' => unit = 1,
            'h' => unit = 2,
            'w' => unit = 4,
            'g' => unit = 8,
            'x' | 'd' | 'u' | 'o' | 't' | 'c' | 'a' | 'i' | 's' => format = c,
            _ => return Err(format!("bad format letter '{c}' in x/{fmt}")),
        }
    }
    if format == 'a' {
        unit = 8;
    }
    if format == 'c' && !fmt.contains(['h', 'w', 'g']) {
        unit = 1;
    }
    if count == 0 {
        count = 1;
    }
    if rest.is_empty() {
        return Err("x needs an address".into());
    }
    Ok(Command::Examine {
        count,
        format,
        unit,
        address: rest.to_string(),
    })
}

/// Parses one line; None for an empty one.
pub fn parse(line: &str) -> Result<Option<Command>, String> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = match line.find(|c: char| c.is_whitespace()) {
        Some(i) => (&line[..i], line[i..].trim()),
        None => (line, ""),
    };
    if word == "x" || word.starts_with("x/") {
        return examine(word, rest).map(Some);
    }
    let spec = lookup(word)?;
    let cmd = match spec.name {
        "continue" => Command::Continue,
        "step" => Command::Step(count(rest)?),
        "next" => Command::Next(count(rest)?),
        "finish" => Command::Finish,
        "until" if rest.is_empty() => Command::Until(None),
        "until" => Command::Until(Some(location(rest)?)),
        "advance" => Command::Advance(location(rest)?),
        "reverse-step" => Command::ReverseStep(count(rest)?),
        "reverse-next" => Command::ReverseNext(count(rest)?),
        "reverse-finish" => Command::ReverseFinish,
        "backtrace" => Command::Backtrace((!rest.is_empty()).then(|| number(rest)).transpose()?),
        "frame" => Command::Frame((!rest.is_empty()).then(|| number(rest)).transpose()?),
        "thread" => Command::Thread((!rest.is_empty()).then(|| number(rest)).transpose()?),
        "up" => Command::Up(count(rest)?),
        "down" => Command::Down(count(rest)?),
        "list" => Command::List((!rest.is_empty()).then(|| rest.to_string())),
        "stepi" => Command::Stepi(count(rest)?),
        "nexti" => Command::Nexti(count(rest)?),
        "reverse-continue" => Command::ReverseContinue,
        "reverse-stepi" => Command::ReverseStepi(count(rest)?),
        "break" | "tbreak" => {
            let (at, condition) = match rest.split_once(" if ") {
                Some((l, c)) => (l, Some(c.trim().to_string())),
                None => (rest, None),
            };
            Command::Break {
                at: location(at)?,
                temporary: spec.name == "tbreak",
                condition,
            }
        }
        "delete" => Command::Delete(numbers(rest)?),
        "disable" => Command::Enable(numbers(rest)?, false),
        "enable" => Command::Enable(numbers(rest)?, true),
        "info" => {
            let (what, arg) = match rest.split_once(char::is_whitespace) {
                Some((w, a)) => (w, a.trim()),
                None => (rest, ""),
            };
            let kinds = [
                ("breakpoints", Info::Breakpoints),
                ("registers", Info::Registers(None)),
                ("frame", Info::Frame),
                ("locals", Info::Locals),
                ("args", Info::Args),
                ("sharedlibrary", Info::SharedLibrary),
                ("threads", Info::Threads),
                ("checkpoints", Info::Checkpoints),
            ];
            let found: Vec<&(&str, Info)> = kinds
                .iter()
                .filter(|(k, _)| !what.is_empty() && k.starts_with(what))
                .collect();
            match found.as_slice() {
                [(_, Info::Registers(_))] => {
                    Command::Info(Info::Registers((!arg.is_empty()).then(|| arg.to_string())))
                }
                [(_, kind)] => Command::Info(kind.clone()),
                _ => return Err(format!("info what? {}", spec.args)),
            }
        }
        "disassemble" => Command::Disassemble((!rest.is_empty()).then(|| rest.to_string())),
        "when" => Command::When,
        "goto" => Command::Goto(number(rest).map_err(|_| "usage: goto EVENT".to_string())?),
        "checkpoint" => Command::Checkpoint,
        "restart" => Command::Restart(number(rest).map_err(|_| "usage: restart N".to_string())?),
        "echo" => Command::Echo(rest.replace("\\n", "\n")),
        "print" | "watch" | "rwatch" | "last" if rest.is_empty() => {
            return Err(format!("usage: {} {}", spec.name, spec.args))
        }
        "print" => Command::Print(rest.to_string()),
        "set" => {
            let rest = rest.strip_prefix("var").map(str::trim).unwrap_or(rest);
            let (target, value) = rest
                .split_once('=')
                .filter(|(t, v)| {
                    !t.trim().is_empty() && !v.trim().is_empty() && !v.starts_with('=')
                })
                .ok_or("usage: set var LVALUE = EXPR")?;
            Command::Set {
                target: target.trim().to_string(),
                value: value.trim().to_string(),
            }
        }
        "watch" => Command::Watch {
            expr: rest.to_string(),
            reads: false,
        },
        "rwatch" => Command::Watch {
            expr: rest.to_string(),
            reads: true,
        },
        "last" => Command::Last(rest.to_string()),
        "help" => Command::Help((!rest.is_empty()).then(|| rest.to_string())),
        "quit" => Command::Quit,
        _ => return Err(format!("internal: no parser for {}", spec.name)),
    };
    Ok(Some(cmd))
}

/// The text of `help` (all commands) or `help COMMAND`.
pub fn help(topic: Option<&str>) -> Result<String, String> {
    let show = |s: &Spec| {
        let mut names = vec![s.name];
        names.extend(s.aliases);
        format!(
            "{:<22} {:<10} {}",
            names.join(", "),
            s.args.split(' ').next().unwrap_or(""),
            s.help
        )
    };
    match topic {
        None => Ok(COMMANDS.iter().map(show).collect::<Vec<_>>().join("\n")),
        Some(t) => {
            let s = lookup(t)?;
            Ok(format!("{} {}\n  {}", s.name, s.args, s.help))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_prefixes() {
        assert_eq!(parse("c").unwrap(), Some(Command::Continue));
        assert_eq!(parse("cont").unwrap(), Some(Command::Continue));
        assert_eq!(parse("rsi 3").unwrap(), Some(Command::ReverseStepi(3)));
        assert_eq!(parse("si").unwrap(), Some(Command::Stepi(1)));
        assert_eq!(parse("  ").unwrap(), None);
        assert!(parse("frobnicate")
            .unwrap_err()
            .contains("undefined command"));
        assert!(parse("re").unwrap_err().contains("ambiguous"));
        assert_eq!(parse("n 2").unwrap(), Some(Command::Next(2)));
        assert_eq!(parse("bt").unwrap(), Some(Command::Backtrace(None)));
        assert_eq!(parse("rf").unwrap(), Some(Command::ReverseFinish));
        assert_eq!(parse("s").unwrap(), Some(Command::Step(1)));
        assert_eq!(
            parse("set var x = 3").unwrap(),
            Some(Command::Set {
                target: "x".into(),
                value: "3".into()
            })
        );
        assert!(parse("set var x == 3").is_err());
        assert_eq!(parse("until").unwrap(), Some(Command::Until(None)));
        assert_eq!(
            parse("u 52").unwrap(),
            Some(Command::Until(Some(Location::Line {
                file: None,
                line: 52
            })))
        );
        assert_eq!(
            parse("info frame").unwrap(),
            Some(Command::Info(Info::Frame))
        );
        assert!(parse("si x").is_err());
    }

    #[test]
    fn conditions() {
        assert_eq!(
            parse("b square if x == 3").unwrap(),
            Some(Command::Break {
                at: Location::Function("square".into()),
                temporary: false,
                condition: Some("x == 3".into()),
            })
        );
    }

    #[test]
    fn locations() {
        assert_eq!(location("main").unwrap(), Location::Function("main".into()));
        assert_eq!(
            location("12").unwrap(),
            Location::Line {
                file: None,
                line: 12
            }
        );
        assert_eq!(
            location("bank.c:40").unwrap(),
            Location::Line {
                file: Some("bank.c".into()),
                line: 40
            }
        );
        assert_eq!(
            location("*0x401000").unwrap(),
            Location::Address("0x401000".into())
        );
        assert!(location("").is_err());
        assert!(location("two words").is_err());
    }

    #[test]
    fn examine_formats() {
        assert_eq!(
            parse("x/4xg $sp").unwrap(),
            Some(Command::Examine {
                count: 4,
                format: 'x',
                unit: 8,
                address: "$sp".into()
            })
        );
        assert_eq!(
            parse("x/s 0x10").unwrap(),
            Some(Command::Examine {
                count: 1,
                format: 's',
                unit: 4,
                address: "0x10".into()
            })
        );
        assert!(parse("x/4q 0").is_err());
        assert!(parse("x/4x").is_err());
    }

    #[test]
    fn info_and_help() {
        assert_eq!(
            parse("info b").unwrap(),
            Some(Command::Info(Info::Breakpoints))
        );
        assert_eq!(
            parse("i r rip").unwrap(),
            Some(Command::Info(Info::Registers(Some("rip".into()))))
        );
        assert!(parse("info").is_err());
        let all = help(None).unwrap();
        for s in COMMANDS {
            assert!(all.contains(s.name), "{}", s.name);
        }
        assert!(help(Some("rc")).unwrap().starts_with("reverse-continue"));
    }
}
