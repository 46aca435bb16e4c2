//! Drives the timeline for `scripts/bench`: times reverse execution after a long
//! computation, checkpoint creation, and the checkpoints' memory under the default
//! budget. Prints `name value` lines.
//!
//! Usage: timeline_bench reverse TRACE ADDR | checkpoint TRACE ADDR [N] | memory TRACE ADDR
//! (ADDR: hex address of the function to stop at).
//!
//! The timeline's thread traps rdtsc, so time is read with a raw clock_gettime syscall.

use rtt_replay::sys::clock_gettime;
use rtt_replay::timeline::{StopReason, Timeline, TimelineOptions};
use std::process::exit;

fn now() -> f64 {
    let (s, ns) = clock_gettime(libc::CLOCK_MONOTONIC).unwrap_or((0, 0));
    s as f64 + ns as f64 / 1e9
}

fn fail(msg: String) -> ! {
    eprintln!("timeline_bench: {msg}");
    exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        fail("usage: timeline_bench reverse|checkpoint|memory TRACE ADDR [N]".into());
    }
    let addr = u64::from_str_radix(args[3].trim_start_matches("0x"), 16)
        .unwrap_or_else(|e| fail(format!("bad address {}: {e}", args[3])));
    let t0 = now();
    let mut t = Timeline::open(TimelineOptions::new(&args[2]))
        .unwrap_or_else(|e| fail(format!("open: {e}")));
    println!("open_s {:.4}", now() - t0);
    t.add_breakpoint(addr);
    let run = |t: &mut Timeline,
               what: &str,
               f: &dyn Fn(&mut Timeline) -> rtt_replay::Result<StopReason>| {
        f(t).unwrap_or_else(|e| fail(format!("{what}: {e}")))
    };
    match args[1].as_str() {
        "reverse" => {
            let t1 = now();
            run(&mut t, "continue", &|t| t.cont());
            let t2 = now();
            println!("cont_s {:.4}", t2 - t1);
            let verbose = std::env::var_os("RTT_BENCH_VERBOSE").is_some();
            for _ in 0..30 {
                let a = now();
                run(&mut t, "reverse-stepi", &|t| t.reverse_stepi());
                if verbose {
                    eprintln!(
                        "reverse-stepi {:.1} ms to {}",
                        (now() - a) * 1e3,
                        t.position()
                    );
                }
            }
            let t3 = now();
            for _ in 0..30 {
                let a = now();
                run(&mut t, "stepi", &|t| t.stepi());
                if verbose {
                    eprintln!("stepi {:.1} ms to {}", (now() - a) * 1e3, t.position());
                }
            }
            let t4 = now();
            let r = run(&mut t, "reverse-continue", &|t| t.reverse_cont());
            let r = if r == (StopReason::Breakpoint { addr }) {
                run(&mut t, "reverse-continue", &|t| t.reverse_cont())
            } else {
                r
            };
            let t5 = now();
            if r != StopReason::StartOfHistory {
                fail(format!("reverse-continue stopped at {r:?}"));
            }
            println!("rsi30_s {:.4}", t3 - t2);
            println!("si30_s {:.4}", t4 - t3);
            println!("rc_s {:.4}", t5 - t4);
            println!("ops_s {:.4}", t5 - t2);
            println!("checkpoints {}", t.checkpoints().len());
        }
        "checkpoint" => {
            let n: u32 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(20);
            run(&mut t, "continue", &|t| t.cont());
            let mut make = 0.0;
            let mut drop = 0.0;
            for _ in 0..n {
                let t1 = now();
                let id = t
                    .checkpoint()
                    .unwrap_or_else(|e| fail(format!("checkpoint: {e}")));
                let t2 = now();
                t.delete_checkpoint(id)
                    .unwrap_or_else(|e| fail(format!("delete: {e}")));
                make += t2 - t1;
                drop += now() - t2;
            }
            println!("checkpoint_ms {:.3}", make * 1e3 / n as f64);
            println!("delete_ms {:.3}", drop * 1e3 / n as f64);
            let t3 = now();
            run(&mut t, "reverse-stepi", &|t| t.reverse_stepi());
            println!("first_reverse_stepi_ms {:.3}", (now() - t3) * 1e3);
        }
        "memory" => {
            let mut max = 0u64;
            let mut stops = 0;
            loop {
                match t.cont() {
                    Ok(StopReason::Breakpoint { .. }) => {
                        stops += 1;
                        max = max.max(t.checkpoint_bytes());
                    }
                    Ok(_) => break,
                    Err(e) => fail(format!("continue: {e}")),
                }
            }
            run(&mut t, "reverse-continue", &|t| t.reverse_cont());
            max = max.max(t.checkpoint_bytes());
            println!("stops {stops}");
            println!("checkpoints {}", t.checkpoints().len());
            println!("max_checkpoint_bytes {max}");
            println!(
                "budget_bytes {}",
                TimelineOptions::new("x").max_checkpoint_bytes
            );
        }
        other => fail(format!("unknown benchmark {other}")),
    }
}
