//! `rtt ci`: a make-driven C suite and a cargo project, each with one failing test, run
//! under `rtt ci`; the kept traces replay after being moved and the binaries deleted.

mod common;

use common::{code, rtt, work_dir};
use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fresh copy of fixture `name` (tests/ci/NAME) to work in, for test `test`.
fn fixture(name: &str, test: &str) -> PathBuf {
    let dest = work_dir().join(format!("ci-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dest);
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ci")
        .join(name);
    let ok = Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&dest)
        .status()
        .unwrap();
    assert!(ok.success());
    dest
}

/// Runs `rtt ci ARGS` in `dir`, in a process group of its own (as a shell runs a job).
fn ci(dir: &Path, args: &[&str]) -> Output {
    rtt()
        .process_group(0)
        .arg("ci")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn summary(dir: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(dir.join("summary.json")).expect("summary.json");
    serde_json::from_str::<Value>(&text)
        .expect("summary.json is JSON")
        .as_array()
        .expect("a list")
        .clone()
}

fn commands(entries: &[Value]) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            e["command"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The entry whose command contains `needle`.
fn entry<'a>(entries: &'a [Value], needle: &str) -> &'a Value {
    let cmds = commands(entries);
    let i = cmds
        .iter()
        .position(|c| c.contains(needle))
        .unwrap_or_else(|| panic!("no entry for {needle} in {cmds:?}"));
    &entries[i]
}

/// Moves `out` elsewhere, then replays the trace of `e` with --autopilot, by its
/// one-line replay command with the new place.
fn replay_moved(out: &Path, e: &Value) -> Output {
    let moved = out.with_file_name(format!(
        "{}-moved",
        out.file_name().unwrap().to_string_lossy()
    ));
    if !moved.exists() {
        std::fs::rename(out, &moved).unwrap();
    }
    let trace = moved.join(e["trace"].as_str().unwrap());
    assert!(trace.join("header.json").exists(), "{}", trace.display());
    let line = e["replay"].as_str().unwrap();
    assert!(line.starts_with("rtt replay -p "), "{line}");
    rtt()
        .args(["replay", "--autopilot", "-p", &e["pid"].to_string()])
        .arg(&trace)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn make_suite_keeps_the_failing_test_and_it_replays_without_the_binaries() {
    let dir = fixture("make-suite", "make");
    let build = Command::new("make")
        .args(["-s", "test_sum", "test_strings", "test_parse"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(build.status.success(), "{build:?}");
    let out = ci(&dir, &["-o", "out", "--", "make", "-s", "check"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 2, "make's status: {err}");
    assert!(err.contains("test_parse: FAILED"), "{err}");
    let entries = summary(&dir.join("out"));
    let cmds = commands(&entries);
    // The failing test and the processes that failed because it did; no passing one.
    assert!(cmds.iter().any(|c| c == "./test_parse"), "{cmds:?}");
    assert!(
        !cmds
            .iter()
            .any(|c| c.contains("test_sum") && !c.contains("for t")),
        "{cmds:?}"
    );
    assert!(!cmds.iter().any(|c| c == "./test_strings"), "{cmds:?}");
    for e in &entries {
        assert_ne!(e["exit_code"], Value::from(0), "{e}");
        assert!(e["size_bytes"].as_u64().unwrap() > 0);
    }
    let failing = entry(&entries, "./test_parse").clone();
    assert_eq!(failing["exit_code"], Value::from(1));
    // Only the kept traces and the summary remain.
    let names: Vec<String> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), entries.len() + 1, "{names:?}");
    assert!(err.contains(failing["replay"].as_str().unwrap()), "{err}");

    for t in ["test_sum", "test_strings", "test_parse"] {
        std::fs::remove_file(dir.join(t)).unwrap();
    }
    let rep = replay_moved(&dir.join("out"), &failing);
    let rep_err = String::from_utf8_lossy(&rep.stderr);
    assert_eq!(code(&rep), 1, "{rep_err}");
    assert!(
        rep_err.contains("test_parse: FAILED: parse(\"12a4\") = 12, expected 1204"),
        "{rep_err}"
    );
    // make's trace holds the whole run: the passing tests' output replays too.
    let make = entry(&entries, "make -s check").clone();
    let rep = replay_moved(&dir.join("out"), &make);
    assert_eq!(code(&rep), 2);
    let text = String::from_utf8_lossy(&rep.stdout);
    assert!(
        text.contains("test_sum: ok") && text.contains("test_strings: ok"),
        "{text}"
    );
}

/// `rtt ci -o out -- CARGO test --offline -q` in `dir`, building into `target`.
fn ci_cargo_test(dir: &Path, cargo: &str, target: &Path) -> Output {
    rtt()
        .args(["ci", "-o", "out", "--", cargo, "test", "--offline", "-q"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn cargo_project_keeps_the_failing_test_binary_and_it_replays_without_it() {
    let dir = fixture("cargo-proj", "cargo");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = dir.join("target");
    let build = Command::new(&cargo)
        .args(["test", "--no-run", "--offline", "-q"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(build.status.success(), "{build:?}");
    let out = ci_cargo_test(&dir, &cargo, &target);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 101, "cargo's status: {err}");
    let entries = summary(&dir.join("out"));
    let test_bin = entry(&entries, "/deps/citarget-").clone();
    assert_eq!(test_bin["exit_code"], Value::from(101));
    // No passing process (rustc, the build script runner) is listed.
    for e in &entries {
        assert_ne!(e["exit_code"], Value::from(0), "{e}");
    }
    std::fs::remove_dir_all(&target).unwrap();
    let rep = replay_moved(&dir.join("out"), &test_bin);
    let text = String::from_utf8_lossy(&rep.stdout);
    assert_eq!(code(&rep), 101, "{text}");
    assert!(
        text.contains("assertion `left == right` failed: 7 / 2 rounded up"),
        "{text}"
    );
    assert!(
        text.contains("test result: FAILED. 2 passed; 1 failed"),
        "{text}"
    );
}

#[test]
fn a_passing_run_leaves_only_the_summary() {
    let dir = fixture("make-suite", "pass");
    let out = ci(
        &dir,
        &["-o", "out", "--", "sh", "-c", "true && ls / >/dev/null"],
    );
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let names: Vec<_> = std::fs::read_dir(dir.join("out")).unwrap().collect();
    assert_eq!(names.len(), 1);
    assert!(summary(&dir.join("out")).is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no process failed"));
}

#[test]
fn keep_all_lists_every_process_with_one_trace() {
    let dir = fixture("make-suite", "all");
    let out = ci(
        &dir,
        &[
            "-o",
            "out",
            "--keep",
            "all",
            "--",
            "sh",
            "-c",
            "true; (exit 3); ls /nonexistent",
        ],
    );
    assert_eq!(code(&out), 2);
    let entries = summary(&dir.join("out"));
    assert!(entries.len() >= 3, "{entries:?}");
    assert!(entries.iter().all(|e| e["trace"] == "trace"));
    let sub = entries
        .iter()
        .find(|e| e["exit_code"] == 3)
        .expect("the subshell that never exec'd");
    // A process that never exec'd replays with its parent; its own status comes back.
    let rep = replay_moved(&dir.join("out"), sub);
    assert_eq!(code(&rep), 3, "{}", String::from_utf8_lossy(&rep.stderr));
    assert!(String::from_utf8_lossy(&rep.stderr).contains("never exec'd"));
    // The REPL starts where that process first runs, with it selected.
    let pid = sub["pid"].to_string();
    let moved = dir.join("out-moved").join("trace");
    let out = common::run_with_input(
        rtt().args(["replay", "-p", &pid]).arg(&moved),
        "info threads\n",
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let current = text.lines().find(|l| l.starts_with('*')).unwrap_or("");
    assert!(current.contains(&format!("Thread {pid} ")), "{text}");
}

#[test]
fn bad_input_gets_clear_messages() {
    let dir = fixture("make-suite", "bad");
    let out = ci(&dir, &["-o", "out", "--", "./no-such-program"]);
    assert_eq!(code(&out), 127);
    assert!(String::from_utf8_lossy(&out.stderr).contains("program not found"));
    assert!(!dir.join("out").exists());

    std::fs::create_dir_all(dir.join("full")).unwrap();
    std::fs::write(dir.join("full/x"), "").unwrap();
    let out = ci(&dir, &["-o", "full", "--", "true"]);
    assert_eq!(code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an empty directory"));

    let out = ci(&dir, &["--max-trace-size", "12X", "--", "true"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("give a size like 500M"));

    let out = rtt()
        .args(["replay", "-p", "999999999"])
        .arg(dir.join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
}

/// A size limit or a failing write ends the trace early; the command runs on to its end and
/// its status comes back; the first process keeps a trace that replays up to the cut.
fn cut_run(dir: &Path, limit: &[&str], prlimit: Option<&str>) -> (Output, Vec<Value>) {
    // 20 MB of random bytes read (recorded), counted, then a failure.
    let script = "head -c 20000000 /dev/urandom | wc -c; ls /nonexistent";
    let mut cmd = match prlimit {
        Some(fsize) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--fsize={fsize}"))
                .arg(env!("CARGO_BIN_EXE_rtt"));
            c
        }
        None => rtt(),
    };
    let out = cmd
        .args(["ci", "-o", "out"])
        .args(limit)
        .args(["--", "sh", "-c", script])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 2, "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("20000000"));
    let entries = summary(&dir.join("out"));
    let sh = entry(&entries, "head -c").clone();
    assert_eq!(sh["exit_code"], Value::from(2), "{sh}");
    assert_eq!(sh["complete"], Value::from(false), "{sh}");
    let rep = rtt()
        .args(["replay", "--autopilot"])
        .arg(dir.join("out").join(sh["trace"].as_str().unwrap()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let rep_err = String::from_utf8_lossy(&rep.stderr);
    assert_eq!(code(&rep), 1, "{rep_err}");
    assert!(
        rep_err.contains("the recording stopped before the program did"),
        "{rep_err}"
    );
    (out, entries)
}

#[test]
fn a_size_limit_stops_recording_but_not_the_command() {
    let dir = fixture("make-suite", "limit");
    let (out, entries) = cut_run(&dir, &["--max-trace-size", "8M"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("recording stopped early: the trace reached its size limit"),
        "{err}"
    );
    for e in &entries {
        let size = e["size_bytes"].as_u64().unwrap();
        assert!(size < 8 << 20, "{e}");
    }
}

#[test]
fn a_failing_write_stops_recording_but_not_the_command() {
    let dir = fixture("make-suite", "write");
    // Files above 1 MiB cannot be written: libc's copy fails like a full disk would.
    let (out, _) = cut_run(&dir, &[], Some("1048576"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("recording stopped early: writing the trace failed"),
        "{err}"
    );
}

#[test]
fn ctrl_c_reaches_the_command_and_its_status_comes_back() {
    let dir = fixture("make-suite", "ctrlc");
    // The command interrupts its own process group, as a terminal's Ctrl-C would.
    let out = ci(
        &dir,
        &["-o", "out", "--", "sh", "-c", "kill -INT 0; sleep 5"],
    );
    assert_eq!(code(&out), 130, "{}", String::from_utf8_lossy(&out.stderr));
    let entries = summary(&dir.join("out"));
    assert_eq!(entry(&entries, "kill -INT")["signal"], "SIGINT");
}

/// A program whose ELF interpreter, and a script whose `#!` interpreter, exist only while
/// recording: the replay loads the trace's copies.
#[test]
fn traces_replay_without_their_interpreters() {
    let dir = fixture("make-suite", "interp");
    let lib = dir.join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    let ld = Command::new("gcc")
        .arg("-print-file-name=ld-linux-x86-64.so.2")
        .output()
        .unwrap();
    let ld = String::from_utf8_lossy(&ld.stdout).trim().to_string();
    let ld = if Path::new(&ld).is_absolute() {
        ld
    } else {
        "/lib64/ld-linux-x86-64.so.2".into()
    };
    std::fs::copy(&ld, lib.join("ld.so")).unwrap();
    std::fs::copy("/bin/sh", lib.join("mysh")).unwrap();
    let interp = format!("-Wl,--dynamic-linker={}", lib.join("ld.so").display());
    let built = Command::new("gcc")
        .args(["-O1", "-o"])
        .arg(dir.join("hello"))
        .arg(dir.join("test_sum.c"))
        .arg(&interp)
        .status()
        .unwrap();
    assert!(built.success());
    let script = dir.join("run.sh");
    std::fs::write(
        &script,
        format!(
            "#!{}\necho \"script $1\"\n./hello\nexit 7\n",
            lib.join("mysh").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = ci(&dir, &["-o", "out", "--", "./run.sh", "arg"]);
    assert_eq!(code(&out), 7, "{}", String::from_utf8_lossy(&out.stderr));
    let entries = summary(&dir.join("out"));
    let e = entry(&entries, "run.sh").clone();
    std::fs::remove_dir_all(&lib).unwrap();
    std::fs::remove_file(dir.join("hello")).unwrap();
    std::fs::remove_file(&script).unwrap();
    let rep = replay_moved(&dir.join("out"), &e);
    let text = String::from_utf8_lossy(&rep.stdout);
    assert_eq!(code(&rep), 7, "{}", String::from_utf8_lossy(&rep.stderr));
    assert_eq!(text, "script arg\ntest_sum: ok\n");
}

#[test]
fn pack_restores_a_missing_copy_or_says_what_is_missing() {
    let dir = fixture("make-suite", "pack");
    let prog = dir.join("test_strings");
    let built = Command::new("gcc")
        .args(["-O1", "-o"])
        .arg(&prog)
        .arg(dir.join("test_strings.c"))
        .status()
        .unwrap();
    assert!(built.success());
    let trace = dir.join("trace");
    let rec = common::record(&trace, &[prog.to_str().unwrap()]);
    assert_eq!(code(&rec), 0);
    let pack = || rtt().arg("pack").arg(&trace).output().unwrap();
    let out = pack();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("self-contained"));
    // Lose the program's copy: pack takes it back from the unchanged original.
    let data = std::fs::read(&prog).unwrap();
    let copy = std::fs::read_dir(trace.join("files"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read(p).unwrap() == data)
        .expect("the program's copy");
    std::fs::remove_file(&copy).unwrap();
    let out = pack();
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 restored"));
    assert!(copy.exists());
    // Lost with the original gone: named, and an error.
    std::fs::remove_file(&copy).unwrap();
    std::fs::remove_file(&prog).unwrap();
    let out = pack();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains(&format!(
            "not on this machine as recorded: {}",
            prog.display()
        )),
        "{err}"
    );
}

#[test]
fn a_cpu_without_a_recorded_feature_is_refused_by_name() {
    let dir = fixture("make-suite", "cpu");
    let trace = dir.join("trace");
    let rec = common::record(&trace, &["/bin/true"]);
    assert_eq!(code(&rec), 0);
    let text = std::fs::read_to_string(trace.join("header.json")).unwrap();
    let mut header: Value = serde_json::from_str(&text).unwrap();
    assert!(header["kernel"].as_str().is_some_and(|k| !k.is_empty()));
    assert_eq!(header["rtt_version"], env!("CARGO_PKG_VERSION"));
    let flags = header["cpu_flags"].as_array_mut().unwrap();
    assert!(flags.iter().any(|f| f == "sse2"), "{flags:?}");
    // A feature no CPU has: the replaying one lacks it.
    flags.push(Value::from("avx_from_the_future"));
    std::fs::write(trace.join("header.json"), header.to_string()).unwrap();
    let out = common::replay(&trace);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 1, "{err}");
    assert!(
        err.contains("this CPU lacks features the recording machine had: avx_from_the_future"),
        "{err}"
    );
}

/// A process started with an unlimited stack has its libraries mapped bottom-up: its cut
/// trace starts it with the same limit, whatever the replaying rtt's is.
#[test]
fn a_process_cut_out_keeps_its_stack_limit() {
    let dir = fixture("make-suite", "stack");
    let script = "ulimit -s unlimited && sh -c 'grep libc /proc/self/maps | head -1; exit 4'";
    let out = ci(&dir, &["-o", "out", "--", "sh", "-c", script]);
    assert_eq!(code(&out), 4, "{}", String::from_utf8_lossy(&out.stderr));
    let entries = summary(&dir.join("out"));
    let inner = entries
        .iter()
        .find(|e| {
            e["exit_code"] == 4
                && e["command"][0] == "sh"
                && e["command"][2].as_str().unwrap().starts_with("grep")
        })
        .cloned()
        .unwrap_or_else(|| panic!("{entries:?}"));
    let header = dir
        .join("out")
        .join(inner["trace"].as_str().unwrap())
        .join("header.json");
    let header: Value = serde_json::from_str(&std::fs::read_to_string(header).unwrap()).unwrap();
    assert_eq!(header["stack_limit"][0], u64::MAX);
    let rep = replay_moved(&dir.join("out"), &inner);
    assert_eq!(code(&rep), 4, "{}", String::from_utf8_lossy(&rep.stderr));
    assert_eq!(
        String::from_utf8_lossy(&rep.stdout),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The build recorded too: cargo (through rustup's multithreaded proxy, which execs the
/// toolchain's cargo) runs rustc, the linker and the tests; cargo's own kept trace replays
/// the whole build to the same output and status.
#[test]
fn cargo_building_and_testing_replays_whole() {
    let dir = fixture("cargo-proj", "cargo-build");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target = dir.join("target");
    let out = ci_cargo_test(&dir, &cargo, &target);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 101, "{err}");
    let entries = summary(&dir.join("out"));
    let root = entries
        .iter()
        .find(|e| e["command"][1] == "test")
        .cloned()
        .unwrap_or_else(|| panic!("cargo itself: {entries:?}"));
    std::fs::remove_dir_all(&target).unwrap();
    let rep = replay_moved(&dir.join("out"), &root);
    assert_eq!(code(&rep), 101, "{}", String::from_utf8_lossy(&rep.stderr));
    assert_eq!(rep.stdout, out.stdout);
    let moved = dir.join("out-moved");
    std::fs::remove_dir_all(moved).unwrap();
}

/// SIGTERM ends the recording and the command with it: the whole trace is kept, and the
/// summary lists what had failed and what had not ended.
#[test]
fn sigterm_keeps_the_whole_recording_and_a_summary() {
    let dir = fixture("make-suite", "term");
    let child = rtt()
        .process_group(0)
        .args(["ci", "-o", "out", "--", "sh", "-c"])
        .arg("ls /nonexistent; touch started; sleep 60")
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The command says when it is past the failing `ls` (no timing: a file appears).
    while !dir.join("started").exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(code(&out), 1, "{err}");
    assert!(err.contains("recording failed: interrupted"), "{err}");
    let entries = summary(&dir.join("out"));
    let ls = entries
        .iter()
        .find(|e| e["command"][0] == "ls")
        .cloned()
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert_eq!(ls["exit_code"], 2);
    assert_eq!(ls["trace"], "trace");
    assert_eq!(entry(&entries, "sleep 60")["complete"], false);
    let rep = replay_moved(&dir.join("out"), &ls);
    assert_eq!(code(&rep), 2, "{}", String::from_utf8_lossy(&rep.stderr));
    assert!(String::from_utf8_lossy(&rep.stderr).contains("cannot access '/nonexistent'"));
}
