//! The stream framer gives the same frames however the bytes are chunked.
//!
//! Input: byte 0 is the number of cuts (modulo 16), then two bytes per cut
//! (a little-endian offset, modulo the payload length), then the payload.
//! Frames from pushing the chunks one by one (draining after each push) must
//! equal the frames from one push of the whole payload. With a small line
//! limit, the framer may refuse a line, but only one longer than the limit,
//! and only after yielding a prefix of the unlimited frames.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xapi::stream::{Frame, LineFramer};

fn drain(framer: &mut LineFramer, out: &mut Vec<Frame>) -> Result<(), usize> {
    while let Some(frame) = framer.next_frame()? {
        out.push(frame);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 16);
    if rest.len() < 2 * n {
        return;
    }
    let (cuts, payload) = rest.split_at(2 * n);
    let mut offsets: Vec<usize> = cuts
        .chunks_exact(2)
        .map(|c| usize::from(u16::from_le_bytes([c[0], c[1]])) % (payload.len() + 1))
        .collect();
    offsets.sort_unstable();
    offsets.dedup();

    let mut whole = LineFramer::new(usize::MAX);
    whole.push(payload);
    let mut expected = Vec::new();
    drain(&mut whole, &mut expected).expect("no limit, no refusal");
    let leftover = whole.pending();

    let mut split = LineFramer::new(usize::MAX);
    let mut frames = Vec::new();
    let mut start = 0;
    for &end in offsets.iter().chain(std::iter::once(&payload.len())) {
        split.push(&payload[start..end]);
        drain(&mut split, &mut frames).expect("no limit, no refusal");
        start = end;
    }
    assert_eq!(frames, expected, "chunking changed the frames");
    assert_eq!(
        split.pending(),
        leftover,
        "chunking changed what is left over"
    );

    // The same chunks under a small limit.
    let limit = 1 + usize::from(cuts.first().copied().unwrap_or(0) % 64);
    let mut limited = LineFramer::new(limit);
    let mut got = Vec::new();
    let mut start = 0;
    for &end in offsets.iter().chain(std::iter::once(&payload.len())) {
        limited.push(&payload[start..end]);
        if let Err(len) = drain(&mut limited, &mut got) {
            assert!(
                len > limit,
                "refused a {len}-byte line under a {limit}-byte limit"
            );
            break;
        }
        start = end;
    }
    assert!(
        expected.starts_with(&got),
        "a limit changed the frames it let through"
    );
});
