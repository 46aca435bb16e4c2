//! Bad input gets a one-line error and a non-zero exit, never a panic or a hang; a killed
//! recorder or tracee leaves a trace that replays.

mod common;

use common::{code, fresh_trace_dir, record, replay, rtt, work_dir};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_clean_error(o: &std::process::Output, needle: &str) {
    let e = stderr(o);
    assert_ne!(code(o), 0, "expected failure, stderr: {e}");
    assert!(e.contains(needle), "stderr lacks {needle:?}: {e}");
    assert!(!e.contains("panicked"), "rtt panicked: {e}");
}

#[test]
fn missing_program() {
    let t = fresh_trace_dir("missing");
    let o = record(&t, &["/no/such/program"]);
    assert_eq!(code(&o), 127);
    assert_clean_error(&o, "program not found");
    assert!(!t.exists(), "no trace is left for a program that never ran");
    let o = record(&t, &["no-such-program-in-path-xyz"]);
    assert_eq!(code(&o), 127);
}

#[test]
fn non_executable_program() {
    let t = fresh_trace_dir("nonexec");
    let o = record(&t, &["/etc/passwd"]);
    assert_eq!(code(&o), 126);
    assert_clean_error(&o, "not an executable");
}

#[test]
fn unknown_flag() {
    let o = rtt()
        .args(["record", "--bogus-flag", "true"])
        .output()
        .unwrap();
    assert_clean_error(&o, "--bogus-flag");
    let o = rtt().args(["frobnicate"]).output().unwrap();
    assert_clean_error(&o, "frobnicate");
}

#[test]
fn output_dir_not_empty() {
    let t = fresh_trace_dir("notempty");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(t.join("x"), "x").unwrap();
    let o = record(&t, &["true"]);
    assert_clean_error(&o, "not an empty directory");
}

#[test]
fn dir_that_is_not_a_trace() {
    let d = work_dir().join("not-a-trace");
    std::fs::create_dir_all(&d).unwrap();
    for cmd in ["replay", "dump", "ps"] {
        let mut c = rtt();
        c.arg(cmd);
        if cmd == "replay" {
            c.arg("--autopilot");
        }
        let o = c.arg(&d).output().unwrap();
        assert_clean_error(&o, "not an rtt trace");
    }
    let o = rtt()
        .args(["replay", "--autopilot", "/no/such/dir"])
        .output()
        .unwrap();
    assert_clean_error(&o, "not a directory");
}

fn recorded_trace(name: &str, script: &str) -> std::path::PathBuf {
    let t = fresh_trace_dir(name);
    let o = record(&t, &["sh", "-c", script]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    t
}

#[test]
fn corrupt_trace_is_reported() {
    let t = recorded_trace("corrupt", "echo corrupt me");
    let events = t.join("events");
    let mut data = std::fs::read(&events).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0xff;
    std::fs::write(&events, &data).unwrap();
    let o = replay(&t);
    assert_clean_error(&o, "corrupt trace");
    let o = rtt().arg("dump").arg(&t).output().unwrap();
    assert_clean_error(&o, "corrupt trace");

    std::fs::write(t.join("header.json"), "{ not json").unwrap();
    let o = replay(&t);
    assert_clean_error(&o, "corrupt trace header");
}

#[test]
fn newer_format_version_is_refused() {
    let t = recorded_trace("version", "true");
    let h = std::fs::read_to_string(t.join("header.json")).unwrap();
    std::fs::write(
        t.join("header.json"),
        h.replace("\"version\": 2", "\"version\": 99"),
    )
    .unwrap();
    let o = replay(&t);
    assert_clean_error(&o, "format version 99");
    std::fs::write(
        t.join("header.json"),
        h.replace("\"version\": 2", "\"version\": 1"),
    )
    .unwrap();
    let o = replay(&t);
    assert_clean_error(&o, "recorded by an older rtt; record it again");
}

#[test]
fn truncated_trace_replays_its_prefix() {
    let t = recorded_trace(
        "truncated",
        "i=0; while [ $i -lt 30000 ]; do echo line $i; i=$((i+1)); done",
    );
    let events = t.join("events");
    let data = std::fs::read(&events).unwrap();
    std::fs::write(&events, &data[..data.len() - 7]).unwrap();
    let o = replay(&t);
    assert_clean_error(&o, "incomplete");
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.starts_with("line 0\nline 1\n"),
        "the complete chunks replay"
    );
    std::fs::write(&events, &data[..10]).unwrap();
    let o = replay(&t);
    assert_clean_error(&o, "incomplete");
    let o = rtt().arg("dump").arg(&t).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("# incomplete"));
}

/// A recorder killed with SIGKILL leaves a trace that replays everything flushed, and
/// its tracees die with it.
#[test]
fn killed_recorder_leaves_replayable_prefix() {
    let t = fresh_trace_dir("killed");
    // Far more than one chunk of events, so at least one chunk is flushed by size, then a
    // line that tells the test to kill, then a read that blocks forever.
    let script =
        "i=0; while [ $i -lt 40000 ]; do echo line $i; i=$((i+1)); done; echo READY; read x";
    let mut child = rtt()
        .arg("record")
        .arg("-o")
        .arg(&t)
        .args(["--", "bash", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut recorded = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line == "READY";
        recorded.push(line);
        if done {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let o = replay(&t);
    assert_clean_error(&o, "incomplete");
    let out = String::from_utf8_lossy(&o.stdout);
    let replayed: Vec<&str> = out.lines().collect();
    assert!(!replayed.is_empty(), "nothing was flushed");
    assert_eq!(
        &recorded[..replayed.len()],
        &replayed[..],
        "replayed output is not a prefix"
    );
}

/// A tracee killed from outside: the recording ends with its death, and replays it.
#[test]
fn tracee_killed_from_outside() {
    let t = fresh_trace_dir("sigkill");
    let mut child = rtt()
        .arg("record")
        .arg("-o")
        .arg(&t)
        .args(["--", "sh", "-c", "echo $$; exec sleep 1000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let pid: i32 = lines.next().unwrap().unwrap().trim().parse().unwrap();
    // Wait until the shell has become sleep, so the kill lands in a known place.
    for _ in 0..2000 {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "sleep" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(137));
    let o = replay(&t);
    assert_eq!(code(&o), 137, "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), pid.to_string());
}

#[test]
fn ps_lists_processes() {
    let t = recorded_trace("ps", "true; echo x | cat");
    let o = rtt().arg("ps").arg(&t).output().unwrap();
    assert_eq!(code(&o), 0);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("PID"), "{out}");
    assert!(out.lines().count() >= 3, "{out}");
    assert!(out.contains("cat"), "{out}");
}

#[test]
fn dump_shows_events() {
    let t = recorded_trace("dump", "echo hi");
    let o = rtt().arg("dump").arg(&t).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("exec /usr/bin/dash")
            || out.contains("exec /bin/dash")
            || out.contains("exec "),
        "{out}"
    );
    assert!(out.contains("enter write("), "{out}");
    assert!(out.contains("end: first process exit 0"), "{out}");
}

#[test]
fn default_trace_location_and_latest() {
    let base = work_dir().join(format!("default-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let o = rtt()
        .env("RTT_TRACE_DIR", &base)
        .args(["record", "echo", "x"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(base.join("echo-0").is_dir());
    assert!(stderr(&o).contains("echo-0"));
    let o = rtt()
        .env("RTT_TRACE_DIR", &base)
        .args(["record", "echo", "y"])
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    assert!(base.join("echo-1").is_dir());
    let o = rtt()
        .env("RTT_TRACE_DIR", &base)
        .args(["replay", "--autopilot"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "y\n");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(base.join("echo-1"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
    let _ = std::fs::remove_dir_all(&base);
}

/// Ctrl-C while recording belongs to the program (it dies of SIGINT, which is recorded);
/// Ctrl-C while replaying stops rtt cleanly with no tracee left behind.
#[test]
fn ctrl_c_during_record_and_replay() {
    let dir = work_dir().join(format!("ctrlc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("spin.c");
    // Prints "start", then computes for about two seconds natively, then prints "end".
    std::fs::write(
        &src,
        "#include <stdio.h>\n#include <unistd.h>\nint main(void){printf(\"start\\n\");fflush(stdout);\n\
         volatile unsigned long x=1;for(unsigned long i=0;i<1500000000UL;i++)x=x*6364136223846793005UL+1;\n\
         printf(\"end %lu\\n\",x);return 0;}\n",
    )
    .unwrap();
    let bin = dir.join("spin");
    let cc = std::process::Command::new("gcc")
        .args(["-O1", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .unwrap();
    assert!(cc.success());

    // Record: SIGINT to the whole process group, as a terminal's Ctrl-C does.
    let t = fresh_trace_dir("ctrlc");
    let mut cmd = rtt();
    cmd.arg("record").arg("-o").arg(&t).arg("--").arg(&bin);
    let rec = ctrl_c_after_first_line(cmd);
    let status = rec.status;
    assert_eq!(
        status.code(),
        Some(130),
        "the program died of SIGINT and rtt says so"
    );

    // Replay reaches the same death.
    let o = replay(&t);
    assert_eq!(code(&o), 130, "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "start\n");

    // Record a full run, then interrupt its replay during the computation.
    let t2 = fresh_trace_dir("ctrlc-full");
    let o = record(&t2, &[bin.to_str().unwrap()]);
    assert_eq!(code(&o), 0);
    let mut cmd = rtt();
    cmd.args(["replay", "--autopilot"]).arg(&t2);
    let o = ctrl_c_after_first_line(cmd);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(stderr(&o).contains("interrupted"), "{}", stderr(&o));
    // No replayed process is left running.
    let left = std::process::Command::new("pgrep")
        .arg("-f")
        .arg(bin.to_str().unwrap())
        .output()
        .unwrap();
    assert!(
        left.stdout.is_empty(),
        "tracee left running: {}",
        String::from_utf8_lossy(&left.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `cmd` in its own process group, waits for its first line ("start"), then sends
/// SIGINT to the group as a terminal's Ctrl-C does, and collects the rest.
fn ctrl_c_after_first_line(mut cmd: std::process::Command) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "start\n");
    let pgid = nix::unistd::Pid::from_raw(-(child.id() as i32));
    nix::sys::signal::kill(pgid, nix::sys::signal::Signal::SIGINT).unwrap();
    child.wait_with_output().unwrap()
}

/// A syscall rtt cannot record stops the recording with a message naming it; the trace
/// replays up to there.
#[test]
fn unsupported_syscall_stops_recording() {
    let dir = work_dir().join(format!("unsupported-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("uring.c");
    std::fs::write(
        &src,
        "#include <stdio.h>\n#include <unistd.h>\n#include <sys/syscall.h>\nint main(void){printf(\"before\\n\");fflush(stdout);\n\
         syscall(425, 1, (void*)0);printf(\"after\\n\");return 0;}\n",
    )
    .unwrap();
    let bin = dir.join("uring");
    let cc = std::process::Command::new("gcc")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .status()
        .unwrap();
    assert!(cc.success());
    let t = fresh_trace_dir("unsupported");
    let o = record(&t, &[bin.to_str().unwrap()]);
    assert_clean_error(&o, "unsupported syscall io_uring_setup (425) at event");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "before\n");
    let o = replay(&t);
    assert_clean_error(&o, "unsupported syscall io_uring_setup");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "before\n");
    let _ = std::fs::remove_dir_all(&dir);
}
