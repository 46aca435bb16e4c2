//! Driving a real gdb in batch mode (`gdb -nx -batch -x script`) for the tests.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Longest a gdb session may take before it is taken for hung (a safety net only: no
/// assertion depends on time).
const HANG_LIMIT: Duration = Duration::from_secs(600);

/// Waits for `child`, killing it if it outlives [`HANG_LIMIT`].
pub fn wait_bounded(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let mut waited = Duration::ZERO;
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            return st;
        }
        if waited > HANG_LIMIT {
            let _ = child.kill();
            panic!("{what} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
        waited += Duration::from_millis(20);
    }
}

/// Runs gdb in batch mode with `target` as the connection command and then `commands`;
/// returns everything gdb printed (stdout and stderr interleaved) and its exit status.
pub fn gdb_session(connect: &str, commands: &[&str]) -> (String, std::process::ExitStatus) {
    let dir = super::work_dir().join("gdb-scripts");
    std::fs::create_dir_all(&dir).unwrap();
    let n = {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    };
    let script = dir.join(format!("s{}-{n}.gdb", std::process::id()));
    let out = dir.join(format!("s{}-{n}.out", std::process::id()));
    // A loaded machine (the whole suite runs at once) can take longer than gdb's default
    // 2 s to answer; gdb would then resend and lose the protocol's thread.
    let mut text = format!("set remotetimeout 120\n{connect}\n");
    for c in commands {
        text.push_str(c);
        text.push('\n');
    }
    std::fs::write(&script, text).unwrap();
    let log = std::fs::File::create(&out).unwrap();
    let mut child = Command::new("gdb")
        .args(["-nx", "-batch", "-x"])
        .arg(&script)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("run gdb (is it installed?)");
    let status = wait_bounded(&mut child, "gdb");
    (std::fs::read_to_string(&out).unwrap(), status)
}

/// A gdb session over `trace` through `rtt replay --gdb-stdio`.
pub fn gdb(trace: &Path, commands: &[&str]) -> String {
    let connect = format!(
        "target remote | {} replay --gdb-stdio {}",
        env!("CARGO_BIN_EXE_rtt"),
        trace.display()
    );
    gdb_session(&connect, commands).0
}

/// Asserts that `needles` appear in `out` in this order.
#[track_caller]
pub fn assert_in_order(out: &str, needles: &[&str]) {
    let mut rest = out;
    for n in needles {
        match rest.find(n) {
            Some(i) => rest = &rest[i + n.len()..],
            None => panic!("expected `{n}` (in order) in gdb's output:\n{out}"),
        }
    }
}
