//! Generates one integration test per C program in `testprogs/` (see tests/testprogs.rs).

use std::fmt::Write;

fn main() {
    println!("cargo:rerun-if-changed=testprogs");
    let mut names: Vec<String> = std::fs::read_dir("testprogs")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter_map(|n| n.strip_suffix(".c").map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::new();
    for n in &names {
        let _ = writeln!(
            out,
            "#[test]\nfn {n}() {{\n    common::record_replay_testprog({n:?});\n}}\n"
        );
    }
    let dest =
        std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("testprogs.rs");
    std::fs::write(dest, out).expect("write generated tests");
}
