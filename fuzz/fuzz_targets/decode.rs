//! Decoding arbitrary bodies as any operation's response never panics, and
//! whatever decodes re-encodes to a body that decodes to the same value.
//!
//! Input: byte 0 picks the operation (index into `OPERATIONS`, modulo its
//! length), byte 1 the status (`STATUSES`, modulo its length), the rest is the
//! body. Dispatch is the one `cargo xtask decode` uses: a 2xx status decodes
//! the success model (one message of a streaming operation), any other status
//! the problem model.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use xapi_generated::models::Problem;
use xapi_generated::ops::{reencode_stream_message, reencode_success, OPERATIONS};
use xapi_generated::runtime::{reencode, DecodeFailure};

/// Statuses the second byte chooses from (`cargo xtask fuzz` seeds use the same table).
const STATUSES: [u16; 8] = [200, 201, 400, 401, 403, 404, 429, 503];

fn dispatch(op: usize, status: u16, body: &[u8]) -> Option<Result<Value, DecodeFailure>> {
    let op = &OPERATIONS[op];
    if (200..300).contains(&status) {
        if op.streaming {
            reencode_stream_message(op.id, body)
        } else {
            reencode_success(op.id, body)
        }
    } else {
        Some(reencode::<Problem>(body))
    }
}

/// Equal, but floats may differ in the last place (serde_json's default
/// float parser is not exact for every 17-digit float).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x != y => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= x.abs().max(y.abs()) * f64::EPSILON,
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fuzz_target!(|data: &[u8]| {
    let [op, status, body @ ..] = data else {
        return;
    };
    let op = usize::from(*op) % OPERATIONS.len();
    let status = STATUSES[usize::from(*status) % STATUSES.len()];
    let Some(Ok(first)) = dispatch(op, status, body) else {
        return;
    };
    let again = serde_json::to_vec(&first).expect("a decoded value serialises");
    match dispatch(op, status, &again) {
        Some(Ok(second)) => assert!(
            same(&first, &second),
            "{} ({status}): re-decoding changed the value\nfirst:  {first}\nsecond: {second}",
            OPERATIONS[op].id
        ),
        other => panic!(
            "{} ({status}): the re-encoding does not decode: {other:?}\n{first}",
            OPERATIONS[op].id
        ),
    }
});
