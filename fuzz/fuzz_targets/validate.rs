//! Request validation never panics, whatever the parameters hold, and a
//! request it accepts always has every path parameter the template needs.
//!
//! Input: byte 0 picks the operation; bytes 1-2 (little-endian) are the
//! length of the body that follows (none when 0; any bytes, checked against
//! the operation's body shape); then, for each of its parameters in table
//! order, one byte says whether it is set (odd) and one byte how long its
//! value is; the values are taken in turn from the remaining bytes (lossily
//! decoded as UTF-8). The rest is one extra query parameter `name=value`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xapi_generated::ops::OPERATIONS;
use xapi_generated::runtime::RequestParts;

fn take<'a>(rest: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, tail) = rest.split_at(n.min(rest.len()));
    *rest = tail;
    head
}

fuzz_target!(|data: &[u8]| {
    let Some((&op, mut rest)) = data.split_first() else {
        return;
    };
    let op = &OPERATIONS[usize::from(op) % OPERATIONS.len()];
    let mut parts = RequestParts::new(op);
    let body_len = take(&mut rest, 2);
    let body_len = match body_len {
        [lo, hi] => usize::from(u16::from_le_bytes([*lo, *hi])),
        _ => 0,
    };
    if body_len > 0 {
        parts.body = Some(take(&mut rest, body_len).to_vec());
    }
    for param in op.params {
        let header = take(&mut rest, 2);
        let [set, len] = header else {
            break;
        };
        if set % 2 == 0 {
            continue;
        }
        let value = String::from_utf8_lossy(take(&mut rest, usize::from(*len))).into_owned();
        match param.location {
            "path" => parts.set_path(param.name, value),
            "query" => parts.set_query(param.name, value),
            _ => {}
        }
    }
    let extra = String::from_utf8_lossy(take(&mut rest, usize::MAX)).into_owned();
    if let Some((name, value)) = extra.split_once('=') {
        parts.set_query_owned(name.to_owned(), value.to_owned());
    }
    let verdict = xapi::validate::check(op, &parts);
    let filled = parts.fill_path(op.path);
    if verdict.is_ok() {
        let path = filled.expect("validation accepted a request whose path cannot be filled");
        assert!(path.starts_with('/'), "{path}");
        assert!(!path.contains('{'), "unfilled template: {path}");
    }
});
