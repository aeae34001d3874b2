//! The lossless round-trip comparison used by tests and the decode tool.

/// Compares a decoded-and-reserialised value with the original JSON, the way
/// a lossless round trip is judged: key order is ignored, a number equals the
/// same number written as a string, `null` equals an absent key, and `true`
/// equals `"true"`. Returns the path and a description of the first difference.
pub fn json_equivalent(
    original: &serde_json::Value,
    reencoded: &serde_json::Value,
) -> Result<(), (String, String)> {
    fn scalar_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value as J;
        match (a, b) {
            (J::Number(x), J::Number(y)) => x == y || x.as_f64() == y.as_f64(),
            (J::Number(n), J::String(s)) | (J::String(s), J::Number(n)) => {
                s.trim() == n.to_string() || s.trim().parse::<f64>().ok() == n.as_f64()
            }
            (J::Bool(v), J::String(s)) | (J::String(s), J::Bool(v)) => {
                s == if *v { "true" } else { "false" }
            }
            _ => a == b,
        }
    }
    fn walk(
        a: &serde_json::Value,
        b: &serde_json::Value,
        path: &mut String,
    ) -> Result<(), (String, String)> {
        use serde_json::Value as J;
        match (a, b) {
            (J::Object(x), J::Object(y)) => {
                for (k, va) in x {
                    let len = path.len();
                    path.push('.');
                    path.push_str(k);
                    match y.get(k) {
                        Some(vb) => walk(va, vb, path)?,
                        None if va.is_null() => {}
                        None => return Err((path.clone(), "lost in the round trip".to_owned())),
                    }
                    path.truncate(len);
                }
                for (k, vb) in y {
                    if !x.contains_key(k) && !vb.is_null() {
                        return Err((
                            format!("{path}.{k}"),
                            format!("added by the round trip: {vb}"),
                        ));
                    }
                }
                Ok(())
            }
            (J::Array(x), J::Array(y)) => {
                if x.len() != y.len() {
                    return Err((
                        path.clone(),
                        format!("array of {} items became {} items", x.len(), y.len()),
                    ));
                }
                for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    walk(va, vb, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ if scalar_eq(a, b) => Ok(()),
            _ => Err((path.clone(), format!("{a} became {b}"))),
        }
    }
    let mut path = String::new();
    walk(original, reencoded, &mut path)
        .map_err(|(p, why)| (if p.is_empty() { ".".to_owned() } else { p }, why))
}
