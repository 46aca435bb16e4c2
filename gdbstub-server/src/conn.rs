//! The protocol over a pair of pipes (`target remote | rtt replay --gdb-stdio`).

use gdbstub::conn::{Connection, ConnectionExt};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};

/// A connection reading gdb's packets from one file and writing replies to another.
pub struct StdioConnection {
    input: BufReader<File>,
    output: BufWriter<File>,
}

impl StdioConnection {
    /// A connection over `input` (from gdb) and `output` (to gdb).
    pub fn new(input: File, output: File) -> StdioConnection {
        StdioConnection {
            input: BufReader::new(input),
            output: BufWriter::new(output),
        }
    }
}

impl Connection for StdioConnection {
    type Error = std::io::Error;

    fn write(&mut self, byte: u8) -> std::io::Result<()> {
        self.output.write_all(&[byte])
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.output.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.output.flush()
    }
}

impl ConnectionExt for StdioConnection {
    fn read(&mut self) -> std::io::Result<u8> {
        let mut b = [0u8; 1];
        self.input.read_exact(&mut b)?;
        Ok(b[0])
    }

    /// Only what is already buffered: looking further would block.
    fn peek(&mut self) -> std::io::Result<Option<u8>> {
        Ok(self.input.buffer().first().copied())
    }
}

impl StdioConnection {
    /// Whether gdb has sent more than has been read (used only by tests).
    #[cfg(test)]
    fn buffered(&mut self) -> usize {
        use std::io::BufRead;
        self.input.fill_buf().map_or(0, |b| b.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bytes_in_order_and_writes_through() {
        let dir = std::env::temp_dir().join(format!("rtt-conn-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let inp = dir.join("in");
        let out = dir.join("out");
        std::fs::write(&inp, b"$g#67").unwrap();
        let mut c = StdioConnection::new(File::open(&inp).unwrap(), File::create(&out).unwrap());
        assert_eq!(c.peek().unwrap(), None);
        assert_eq!(c.read().unwrap(), b'$');
        assert_eq!(c.buffered(), 4);
        assert_eq!(c.peek().unwrap(), Some(b'g'));
        c.write_all(b"+$OK#9a").unwrap();
        c.flush().unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"+$OK#9a");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
