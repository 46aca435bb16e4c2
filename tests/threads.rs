//! Multithreaded programs: real threaded tools recorded and replayed, the scheduler's
//! options, and the REPL and gdb stopping in worker threads and going back across thread
//! switches (which restores checkpoints of a multithreaded process).

mod common;

use common::gdb::{assert_in_order, gdb};
use common::{code, record_replay_with, work_dir};
use std::path::{Path, PathBuf};

/// Records `argv` once and replays it three times, comparing output and status.
fn thrice(name: &str, argv: &[&str]) {
    record_replay_with(name, &[], argv, 0, 3);
}

fn input_file() -> PathBuf {
    let path = work_dir().join(format!("numbers-{}.txt", std::process::id()));
    if !path.exists() {
        // A fixed pseudo-random order, so that sorting has work to do.
        let text: String = (0..200_000u64)
            .map(|i| format!("{}\n", (i * 7_919_993) % 1_000_003))
            .collect();
        std::fs::write(&path, text).unwrap();
    }
    path
}

#[test]
fn sort_parallel() {
    let f = input_file();
    thrice(
        "sort-parallel",
        &[
            "sort",
            "--parallel=4",
            "-S",
            "1M",
            "-n",
            f.to_str().unwrap(),
        ],
    );
}

#[test]
fn xz_two_threads() {
    let f = input_file();
    thrice(
        "xz-T2",
        &["xz", "-T2", "-6", "-c", "-k", f.to_str().unwrap()],
    );
}

#[test]
fn python_threading() {
    let script = r#"import threading, queue
n = [0]
lock = threading.Lock()
q = queue.Queue()
def worker(i):
    for _ in range(3000):
        with lock:
            n[0] += i
    q.put(i)
ts = [threading.Thread(target=worker, args=(i,), name=f'w{i}') for i in range(4)]
for t in ts: t.start()
order = [q.get() for _ in ts]
for t in ts: t.join()
print(n[0], order)
"#;
    thrice("python-threading", &["python3", "-c", script]);
}

#[test]
fn cargo_test_binary() {
    let dir = work_dir().join(format!("cargo-tests-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"threads_demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/lib.rs"),
        "pub fn add(a: u64, b: u64) -> u64 { a + b }\n\
#[cfg(test)]\nmod tests {\n    use super::*;\n\
    #[test] fn adds() { assert_eq!(add(1, 2), 3); }\n\
    #[test] fn sums() { assert!((0..100_000).map(|x| add(x, 1)).sum::<u64>() > 0); }\n\
    #[test] fn spawns() { std::thread::spawn(|| add(2, 2)).join().unwrap(); }\n\
    #[test] fn shares() {\n        let s = std::sync::Arc::new(std::sync::Mutex::new(0));\n\
        let hs: Vec<_> = (0..4).map(|i| { let s = s.clone(); std::thread::spawn(move || *s.lock().unwrap() += i) }).collect();\n\
        for h in hs { h.join().unwrap(); }\n        assert_eq!(*s.lock().unwrap(), 6);\n    }\n}\n",
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["test", "--no-run", "--offline", "--message-format=short"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo test --no-run: {out:?}");
    let bin = std::fs::read_dir(dir.join("target/debug/deps"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("threads_demo-") && p.extension().is_none()
        })
        .expect("the test binary");
    let rec = record_replay_with("cargo-test-bin", &[], &[bin.to_str().unwrap()], 0, 3);
    let text = String::from_utf8_lossy(&rec.stdout);
    assert!(text.contains("4 passed"), "{text}");
}

#[test]
fn chaos_mode_is_kept_in_the_trace_and_replays() {
    let bin = common::build_testprog("thr_gdb");
    let trace = common::fresh_trace_dir("chaos-header");
    let rec = common::record_with(
        &trace,
        &["--chaos", "--timeslice-ms", "1", "--chaos-seed", "7"],
        &[bin.to_str().unwrap()],
    );
    assert_eq!(code(&rec), 0, "{rec:?}");
    let header = std::fs::read_to_string(trace.join("header.json")).unwrap();
    assert!(header.contains("\"chaos\": true"), "{header}");
    assert!(header.contains("\"seed\": 7"), "{header}");
    assert!(header.contains("\"timeslice_us\": 1000"), "{header}");
    let rep = common::replay(&trace);
    assert_eq!(code(&rep), 0, "{rep:?}");
    assert_eq!(rec.stdout, rep.stdout);
}

#[test]
fn a_bad_time_slice_is_refused() {
    let trace = common::fresh_trace_dir("bad-slice");
    for bad in ["0", "-3", "nan", "abc"] {
        let out = common::record_with(&trace, &["--timeslice-ms", bad], &["true"]);
        assert_ne!(code(&out), 0, "--timeslice-ms {bad}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("timeslice"), "{err}");
        assert!(!trace.exists(), "a trace was left for --timeslice-ms {bad}");
    }
}

/// The trace of `thr_gdb`, recorded once per test process.
fn thr_gdb_trace() -> PathBuf {
    static TRACE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TRACE
        .get_or_init(|| {
            let bin = common::build_testprog("thr_gdb");
            let trace = common::fresh_trace_dir("thr-gdb");
            let rec = common::record(&trace, &[bin.to_str().unwrap()]);
            assert_eq!(code(&rec), 0, "{rec:?}");
            trace
        })
        .clone()
}

fn repl(trace: &Path, input: &str) -> String {
    let out = common::run_with_input(common::rtt().arg("replay").arg(trace), input);
    assert_eq!(code(&out), 0, "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The values printed as `$N = V`, in order.
fn printed(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.split_once(" = ").filter(|(k, _)| k.starts_with('$')))
        .map(|(_, v)| v.to_string())
        .collect()
}

#[test]
fn repl_stops_in_workers_and_goes_back_across_thread_switches() {
    let out = repl(
        &thr_gdb_trace(),
        "break bump\ncontinue\nprint counter\ncontinue\nprint counter\ncontinue\nprint counter\n\
info threads\nreverse-continue\nprint counter\nreverse-continue\nprint counter\n\
continue\nprint counter\ninfo checkpoints\nthread 1\nbt 1\nthread\n",
    );
    // Forward: three hits; back twice and forward once retrace them exactly.
    let v = printed(&out);
    assert_eq!(v.len(), 6, "{out}");
    assert_eq!((&v[3], &v[4], &v[5]), (&v[1], &v[0], &v[1]), "{out}");
    // The hits alternate between the two workers, and going back switches thread too.
    let switches = out.matches("[Switching to thread").count();
    assert!(switches >= 4, "{out}");
    assert_in_order(&out, &["\"thr_gdb\"", "\"worker-1\"", "\"worker-2\""]);
    assert!(out.lines().any(|l| l.starts_with("* ")), "{out}");
    // Going back used checkpoints of the three-thread process taken at the stops.
    assert!(out.contains("  stop  "), "{out}");
    assert_in_order(
        &out,
        &[
            "[Switching to thread 1 (Thread",
            "\"thr_gdb\")]",
            "#0 ",
            "[Current thread is 1",
        ],
    );
}

#[test]
fn gdb_names_threads_and_reverse_continues_across_them() {
    let out = gdb(
        &thr_gdb_trace(),
        &[
            "break bump",
            "continue",
            "print counter",
            "continue",
            "print counter",
            "info threads",
            "reverse-continue",
            "print counter",
            "thread 1",
            "bt 1",
            "continue",
            "print counter",
        ],
    );
    let v = printed(&out);
    assert_eq!(v.len(), 4, "{out}");
    assert_eq!(v[2], v[0], "{out}");
    assert_eq!(v[3], v[1], "{out}");
    assert_in_order(
        &out,
        &[
            "hit Breakpoint 1, bump",
            "hit Breakpoint 1, bump",
            "(thr_gdb)",
            "(worker-",
            "(worker-",
            "hit Breakpoint 1, bump",
            "Switching to thread 1",
            "#0 ",
        ],
    );
    // The two forward hits are in different threads.
    let hits: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("hit Breakpoint 1"))
        .map(|l| l.split(" hit").next().unwrap())
        .collect();
    assert!(hits.len() >= 2 && hits[0] != hits[1], "{out}");
}

/// The `who` of each breakpoint stop in `bump`, in order.
fn bump_hits(out: &str) -> Vec<&str> {
    out.lines()
        .filter_map(|l| l.strip_prefix("Breakpoint 1, bump (who="))
        .filter_map(|l| l.split(')').next())
        .collect()
}

#[test]
fn rtt_run_goes_back_across_threads_and_its_kept_trace_replays_the_same_stops() {
    let bin = common::build_testprog("thr_gdb");
    let data = work_dir().join(format!("live-threads-{}", std::process::id()));
    let script = "break bump\nc\nc\nc\ninfo threads\nrc\nrc\nc\nc\nc\ndelete\nc\n";
    let out = common::run_with_input(
        common::rtt()
            .args(["run", "--keep"])
            .arg(&bin)
            .env("RTT_TRACE_DIR", &data),
        script,
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(code(&out), 0, "{out:?}");
    // Strict turns: forward 1 2 1, back 2 1, forward again 2 1 (replayed) and 2 (live).
    assert_eq!(
        bump_hits(&text),
        ["1", "2", "1", "2", "1", "2", "1", "2"],
        "{text}"
    );
    assert!(text.contains("counter=12 hits=4,4"), "{text}");
    let trace = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.is_dir())
        .expect("the kept trace");
    // The kept trace holds the pauses of the session: each stop is reported once.
    let replayed = repl(&trace, "break bump\nc\nc\nc\nc\nc\n");
    assert_eq!(
        bump_hits(&replayed),
        ["1", "2", "1", "2", "1"],
        "{replayed}"
    );
}
