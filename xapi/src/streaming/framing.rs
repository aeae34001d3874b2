//! Line framing of a streaming body: messages end with `\r\n`, an empty
//! line is a keep-alive.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use bytes::{Bytes, BytesMut};

/// Splits a chunked body into messages.
///
/// Messages end with `\r\n` (a bare `\n` is accepted too); an empty line is a
/// keep-alive. A message may arrive split across chunks, and a chunk may hold
/// several messages. A message longer than `max_line` is an error rather than
/// a reason to buffer without bound.
///
/// A message that lies whole inside a chunk is handed out as a slice of that
/// chunk (no copy); only a message split across chunks is gathered in a
/// carry buffer.
#[derive(Debug)]
pub struct LineFramer {
    /// Bytes before `chunk` not handed out yet: the start of a message begun
    /// in an earlier chunk (or whole lines, when chunks are pushed without
    /// draining the framer in between).
    carry: BytesMut,
    /// How much of `carry` is known to hold no line end.
    scanned: usize,
    /// The unread rest of the latest chunk.
    chunk: Bytes,
    /// Where copied chunks are stored; its allocation is reused once every
    /// message sliced from the previous chunk has been dropped.
    store: BytesMut,
    max_line: usize,
}

/// Buffer capacity kept between messages; a larger one is released.
const KEEP_CAPACITY: usize = 64 * 1024;

/// One framed unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete message (without its line ending).
    Message(Bytes),
    /// An empty line.
    KeepAlive,
}

impl LineFramer {
    /// A framer that refuses messages longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        LineFramer {
            carry: BytesMut::new(),
            scanned: 0,
            chunk: Bytes::new(),
            store: BytesMut::new(),
            max_line,
        }
    }

    /// Adds a chunk (copied once; messages are then slices of the copy).
    pub fn push(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        self.stash_chunk();
        self.store.extend_from_slice(chunk);
        self.chunk = self.store.split().freeze();
    }

    /// Adds a chunk without copying it: messages inside it are handed out as
    /// slices of it.
    pub fn push_bytes(&mut self, chunk: Bytes) {
        if chunk.is_empty() {
            return;
        }
        self.stash_chunk();
        self.chunk = chunk;
    }

    /// Moves the unread rest of the current chunk to the carry buffer.
    fn stash_chunk(&mut self) {
        if !self.chunk.is_empty() {
            self.carry.extend_from_slice(&self.chunk);
        }
        self.chunk = Bytes::new();
    }

    /// The next complete frame, if any. `Err` (with the bytes held) when a
    /// line exceeds the limit.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, usize> {
        if !self.carry.is_empty() {
            let unscanned = self.carry.get(self.scanned..).unwrap_or_default();
            if let Some(rel) = memchr::memchr(b'\n', unscanned) {
                let line = self
                    .carry
                    .split_to(self.scanned.saturating_add(rel).saturating_add(1))
                    .freeze();
                self.scanned = 0;
                return Ok(Some(Self::frame(line)));
            }
            self.scanned = self.carry.len();
            if let Some(pos) = memchr::memchr(b'\n', &self.chunk) {
                // The end of a message split across chunks.
                self.carry
                    .extend_from_slice(self.chunk.get(..=pos).unwrap_or_default());
                self.consume_chunk(pos.saturating_add(1));
                let line = Bytes::copy_from_slice(&self.carry);
                self.release_carry();
                self.scanned = 0;
                return Ok(Some(Self::frame(line)));
            }
        } else if let Some(pos) = memchr::memchr(b'\n', &self.chunk) {
            let line = self.consume_chunk(pos.saturating_add(1));
            return Ok(Some(Self::frame(line)));
        }
        // No line end in what is held: keep the start of the message.
        self.stash_chunk();
        self.scanned = self.carry.len();
        if self.carry.len() > self.max_line {
            Err(self.carry.len())
        } else {
            Ok(None)
        }
    }

    /// Takes the first `n` bytes of the current chunk.
    fn consume_chunk(&mut self, n: usize) -> Bytes {
        if n >= self.chunk.len() {
            std::mem::take(&mut self.chunk)
        } else {
            self.chunk.split_to(n)
        }
    }

    /// A line (with its `\n`) as a frame.
    fn frame(mut line: Bytes) -> Frame {
        let mut end = line.len().saturating_sub(1);
        if end > 0 && line.get(end.saturating_sub(1)) == Some(&b'\r') {
            end = end.saturating_sub(1);
        }
        line.truncate(end);
        // Messages start with `{`: only a line starting with white space
        // needs the full look.
        if line.first().is_none_or(u8::is_ascii_whitespace)
            && line.iter().all(u8::is_ascii_whitespace)
        {
            Frame::KeepAlive
        } else {
            Frame::Message(line)
        }
    }

    /// Bytes of an unfinished message held so far.
    pub fn pending(&self) -> usize {
        self.carry.len().saturating_add(self.chunk.len())
    }

    /// Drops any partial message (after a disconnect).
    pub fn clear(&mut self) {
        self.release_carry();
        self.scanned = 0;
        self.chunk = Bytes::new();
        if self.store.capacity() > KEEP_CAPACITY {
            self.store = BytesMut::new();
        }
    }

    /// Empties the carry buffer, and gives its memory back when a large
    /// message grew it: one big message must not pin its size for the rest
    /// of a days-long stream.
    fn release_carry(&mut self) {
        if self.carry.capacity() > KEEP_CAPACITY {
            self.carry = BytesMut::new();
        } else {
            self.carry.clear();
        }
    }

    /// Bytes of buffer the framer holds on to (for tests and metrics).
    pub fn capacity(&self) -> usize {
        self.carry.capacity().saturating_add(self.store.capacity())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_large_message_does_not_pin_its_buffer() {
        let mut f = super::LineFramer::new(16 * 1024 * 1024);
        let piece = bytes::Bytes::from(vec![b'x'; 64 * 1024]);
        for _ in 0..32 {
            f.push_bytes(piece.clone());
            assert_eq!(f.next_frame(), Ok(None));
        }
        f.push(b"\r\nnext");
        let big = f.next_frame().expect("fits").expect("a message");
        assert!(matches!(big, super::Frame::Message(ref m) if m.len() == 2 * 1024 * 1024));
        drop(big);
        assert!(
            f.capacity() <= super::KEEP_CAPACITY,
            "holds {}",
            f.capacity()
        );
        // Over the limit: cleared, and the memory goes too.
        let mut f = super::LineFramer::new(100 * 1024);
        for _ in 0..3 {
            f.push_bytes(piece.clone());
            let _ = f.next_frame();
        }
        f.clear();
        assert!(
            f.capacity() <= super::KEEP_CAPACITY,
            "holds {}",
            f.capacity()
        );
    }

    use super::*;

    fn drain(f: &mut LineFramer) -> Vec<Frame> {
        let mut out = Vec::new();
        while let Ok(Some(frame)) = f.next_frame() {
            out.push(frame);
        }
        out
    }

    #[test]
    fn frames_split_and_batched_messages_and_keepalives() {
        let mut f = LineFramer::new(1024);
        f.push(b"{\"a\":");
        assert!(drain(&mut f).is_empty());
        f.push(b"1}\r\n\r\n{\"b\":2}\r\n{\"c\"");
        assert_eq!(
            drain(&mut f),
            vec![
                Frame::Message(Bytes::from_static(b"{\"a\":1}")),
                Frame::KeepAlive,
                Frame::Message(Bytes::from_static(b"{\"b\":2}"))
            ]
        );
        assert_eq!(f.pending(), 4);
        f.push(b":3}\n");
        assert_eq!(
            drain(&mut f),
            vec![Frame::Message(Bytes::from_static(b"{\"c\":3}"))]
        );
    }

    #[test]
    fn chunking_does_not_change_the_frames() {
        let payload: &[u8] =
            b"{\"a\":1}\r\n\r\n  \t\r\n{\"b\":2}\n\n{\"c\":3}\r\n \"x\"\r\n\r{\"d\":4}\r\n{\"e\"";
        let mut whole = LineFramer::new(usize::MAX);
        whole.push(payload);
        let expected = drain(&mut whole);
        assert_eq!(expected.len(), 8, "{expected:?}");
        assert_eq!(expected[2], Frame::KeepAlive);
        assert_eq!(expected[6], Frame::Message(Bytes::from_static(b" \"x\"")));
        assert_eq!(
            expected[7],
            Frame::Message(Bytes::from_static(b"\r{\"d\":4}"))
        );
        for step in 1..payload.len() {
            for owned in [false, true] {
                let mut f = LineFramer::new(usize::MAX);
                let mut got = Vec::new();
                for piece in payload.chunks(step) {
                    if owned {
                        f.push_bytes(Bytes::copy_from_slice(piece));
                    } else {
                        f.push(piece);
                    }
                    got.extend(drain(&mut f));
                }
                assert_eq!(got, expected, "chunks of {step}");
                assert_eq!(f.pending(), whole.pending(), "chunks of {step}");
            }
            // Several pushes before draining.
            let mut f = LineFramer::new(usize::MAX);
            for piece in payload.chunks(step) {
                f.push(piece);
            }
            assert_eq!(drain(&mut f), expected, "undrained chunks of {step}");
            assert_eq!(f.pending(), whole.pending());
        }
    }

    #[test]
    fn a_split_line_over_the_limit_is_refused_and_clear_recovers() {
        let mut f = LineFramer::new(8);
        f.push(b"{\"ok\":1}\r\n0123");
        assert_eq!(
            f.next_frame(),
            Ok(Some(Frame::Message(Bytes::from_static(b"{\"ok\":1}"))))
        );
        assert_eq!(f.next_frame(), Ok(None));
        f.push(b"45678");
        assert_eq!(f.next_frame(), Err(9));
        assert_eq!(f.pending(), 9);
        f.clear();
        assert_eq!(f.pending(), 0);
        f.push_bytes(Bytes::from_static(b"\r\n{}\n"));
        assert_eq!(
            drain(&mut f),
            vec![Frame::KeepAlive, Frame::Message(Bytes::from_static(b"{}"))]
        );
    }

    #[test]
    fn oversized_lines_are_refused() {
        let mut f = LineFramer::new(8);
        f.push(b"0123456789");
        assert_eq!(f.next_frame(), Err(10));
    }
}
