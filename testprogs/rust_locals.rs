//! A Rust program whose locals the REPL tests read: integers, a tuple, a slice.
#[inline(never)]
fn checkpoint(label: &str, value: i64) -> i64 {
    value + label.len() as i64
}

fn main() {
    let count: u32 = 3;
    let values = [10i64, 20, 30];
    let total: i64 = values.iter().sum::<i64>() + count as i64 - 3;
    let pair = (count, -7i32);
    let r = checkpoint("sum", total);
    println!("{count} {total} {} {r}", pair.1);
}
