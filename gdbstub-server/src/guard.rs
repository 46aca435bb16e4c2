//! Surviving bad packets. `gdbstub` ends a session on a packet it cannot parse; rtt
//! instead answers it with an error and starts a new stub on the same connection, first
//! replaying to it (silently) the setup gdb did: features, no-ack mode, thread choice.

use gdbstub::conn::{Connection, ConnectionExt};
use std::collections::VecDeque;
use std::io;

/// Packets whose effect lives in the stub, by the prefix that names them.
const SETUP: [&str; 4] = ["qSupported", "QStartNoAckMode", "Hg", "Hc"];

/// A connection that remembers gdb's setup packets and can replay them.
pub struct Guarded<'a> {
    inner: &'a mut dyn ConnectionExt<Error = io::Error>,
    /// Bytes the stub reads before gdb's (setup packets being replayed).
    feed: VecDeque<u8>,
    /// Replies to replayed packets still to be kept from gdb.
    swallow: usize,
    /// Inside a swallowed reply: None before its '#', else checksum digits left.
    reply_tail: Option<Option<u8>>,
    /// The packet gdb is sending, from its '$'.
    incoming: Option<Vec<u8>>,
    /// Checksum digits of `incoming` still to come.
    incoming_tail: Option<u8>,
    /// The latest setup packet of each kind, in the order gdb first sent them.
    setup: Vec<(usize, Vec<u8>)>,
    /// gdb turned acknowledgements off.
    no_ack: bool,
}

impl<'a> Guarded<'a> {
    /// Wraps `inner`.
    pub fn new(inner: &'a mut dyn ConnectionExt<Error = io::Error>) -> Guarded<'a> {
        Guarded {
            inner,
            feed: VecDeque::new(),
            swallow: 0,
            reply_tail: None,
            incoming: None,
            incoming_tail: None,
            setup: Vec::new(),
            no_ack: false,
        }
    }

    /// Answers the packet the stub rejected with an error, and prepares the setup
    /// packets for the next stub.
    pub fn reject_and_reset(&mut self) -> io::Result<()> {
        let reply: &[u8] = if self.no_ack { b"$E01#a6" } else { b"+$E01#a6" };
        self.inner.write_all(reply)?;
        self.inner.flush()?;
        self.incoming = None;
        self.incoming_tail = None;
        self.feed.clear();
        for (_, p) in &self.setup {
            self.feed.extend(p.iter().copied());
        }
        self.swallow = self.setup.len();
        self.reply_tail = None;
        Ok(())
    }

    /// Follows gdb's packets to remember the setup ones.
    fn observe(&mut self, b: u8) {
        if let Some(left) = self.incoming_tail {
            let p = self.incoming.as_mut().expect("a packet is open");
            p.push(b);
            if left > 1 {
                self.incoming_tail = Some(left - 1);
                return;
            }
            self.incoming_tail = None;
            let packet = self.incoming.take().unwrap_or_default();
            self.remember(packet);
            return;
        }
        match (b, self.incoming.as_mut()) {
            (b'$', _) => self.incoming = Some(vec![b]),
            (b'#', Some(p)) => {
                p.push(b);
                self.incoming_tail = Some(2);
            }
            (_, Some(p)) => p.push(b),
            (_, None) => {}
        }
    }

    fn remember(&mut self, packet: Vec<u8>) {
        let body = &packet[1..packet.len().saturating_sub(3)];
        let Some(kind) = SETUP.iter().position(|k| body.starts_with(k.as_bytes())) else {
            return;
        };
        if SETUP[kind] == "QStartNoAckMode" {
            self.no_ack = true;
        }
        match self.setup.iter_mut().find(|(k, _)| *k == kind) {
            Some(slot) => slot.1 = packet,
            None => self.setup.push((kind, packet)),
        }
    }

    /// Whether `b`, written by the stub, belongs to a reply to a replayed packet.
    fn swallowed(&mut self, b: u8) -> bool {
        if self.swallow == 0 {
            return false;
        }
        match self.reply_tail {
            None if b == b'$' => self.reply_tail = Some(None),
            Some(None) if b == b'#' => self.reply_tail = Some(Some(2)),
            Some(Some(left)) => {
                if left > 1 {
                    self.reply_tail = Some(Some(left - 1));
                } else {
                    self.reply_tail = None;
                    self.swallow -= 1;
                }
            }
            _ => {}
        }
        true
    }
}

impl Connection for Guarded<'_> {
    type Error = io::Error;

    fn write(&mut self, byte: u8) -> io::Result<()> {
        if self.swallowed(byte) {
            return Ok(());
        }
        self.inner.write(byte)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if self.swallow == 0 {
            return self.inner.write_all(buf);
        }
        buf.iter().try_for_each(|&b| self.write(b))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl ConnectionExt for Guarded<'_> {
    fn read(&mut self) -> io::Result<u8> {
        if let Some(b) = self.feed.pop_front() {
            return Ok(b);
        }
        let b = self.inner.read()?;
        self.observe(b);
        Ok(b)
    }

    fn peek(&mut self) -> io::Result<Option<u8>> {
        match self.feed.front() {
            Some(&b) => Ok(Some(b)),
            None => self.inner.peek(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection over fixed input that records output.
    struct Script {
        input: VecDeque<u8>,
        output: Vec<u8>,
    }

    impl Connection for Script {
        type Error = io::Error;
        fn write(&mut self, b: u8) -> io::Result<()> {
            self.output.push(b);
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl ConnectionExt for Script {
        fn read(&mut self) -> io::Result<u8> {
            self.input
                .pop_front()
                .ok_or_else(|| io::ErrorKind::UnexpectedEof.into())
        }
        fn peek(&mut self) -> io::Result<Option<u8>> {
            Ok(self.input.front().copied())
        }
    }

    #[test]
    fn setup_is_replayed_and_its_replies_kept_from_gdb() {
        let gdb = b"$qSupported:x+#00+$QStartNoAckMode#b0$Hg1#00$Hg2#00$mzz#00";
        let mut s = Script {
            input: gdb.iter().copied().collect(),
            output: Vec::new(),
        };
        let mut g = Guarded::new(&mut s);
        for _ in 0..gdb.len() {
            g.read().unwrap();
        }
        g.reject_and_reset().unwrap();
        let mut fed = Vec::new();
        while let Some(b) = g.feed.pop_front() {
            fed.push(b);
        }
        assert_eq!(fed, b"$qSupported:x+#00$QStartNoAckMode#b0$Hg2#00");
        g.feed.extend(fed);
        // The new stub's replies to the three replayed packets do not reach gdb.
        g.write_all(b"+$PacketSize=1000#00+$OK#9a+$OK#9a").unwrap();
        g.write_all(b"$T05#00").unwrap();
        drop(g);
        assert_eq!(s.output, b"$E01#a6$T05#00");
    }
}
