//! Our own corrections to the document, applied before anything else.
//!
//! The overlay is a TOML file (`spec/overlay.toml`) of patches, each a JSON
//! pointer into the document, the new value (or a removal) and a one-line
//! reason. A patch whose target does not exist fails the run, so a correction
//! that a new document version makes unnecessary is noticed, not silently kept.

use serde::Deserialize;

/// The whole overlay file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlay {
    /// Patches, applied in order.
    #[serde(default, rename = "patch")]
    pub patches: Vec<Patch>,
}

/// One correction.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// JSON pointer (RFC 6901) of the value to replace or remove.
    pub pointer: String,
    /// The new value, written as TOML; absent with `remove = true`.
    pub value: Option<toml::Value>,
    /// Remove the target instead of replacing it.
    #[serde(default)]
    pub remove: bool,
    /// Document versions the patch applies to; empty means every version.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Why we correct the document here.
    pub reason: String,
}

/// Parses an overlay file.
pub fn parse(text: &str) -> Result<Overlay, String> {
    toml::from_str(text).map_err(|e| format!("overlay: {e}"))
}

fn toml_to_json(value: &toml::Value) -> serde_json::Value {
    match value {
        toml::Value::String(s) => serde_json::Value::String(s.clone()),
        toml::Value::Integer(i) => serde_json::Value::from(*i),
        toml::Value::Float(f) => serde_json::Value::from(*f),
        toml::Value::Boolean(b) => serde_json::Value::Bool(*b),
        toml::Value::Datetime(d) => serde_json::Value::String(d.to_string()),
        toml::Value::Array(a) => serde_json::Value::Array(a.iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), toml_to_json(v)))
                .collect(),
        ),
    }
}

/// Applies the overlay to a document of version `version`.
pub fn apply(
    doc: &mut serde_json::Value,
    overlay: &Overlay,
    version: &str,
) -> Result<usize, String> {
    let mut applied = 0;
    for patch in &overlay.patches {
        if !patch.versions.is_empty() && !patch.versions.iter().any(|v| v == version) {
            continue;
        }
        let (parent_ptr, last) = patch
            .pointer
            .rsplit_once('/')
            .ok_or_else(|| format!("overlay: bad pointer {:?}", patch.pointer))?;
        let key = last.replace("~1", "/").replace("~0", "~");
        let parent = doc
            .pointer_mut(parent_ptr)
            .and_then(|p| p.as_object_mut())
            .ok_or_else(|| format!("overlay: {} does not exist ({})", parent_ptr, patch.reason))?;
        if !parent.contains_key(&key) {
            return Err(format!(
                "overlay: {} does not exist ({})",
                patch.pointer, patch.reason
            ));
        }
        if patch.remove {
            parent.remove(&key);
        } else {
            let value = patch.value.as_ref().ok_or_else(|| {
                format!("overlay: {} has neither value nor remove", patch.pointer)
            })?;
            parent.insert(key, toml_to_json(value));
        }
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_removes_and_fails_on_missing_targets() {
        let mut doc = serde_json::json!({"a": {"b/c": {"format": "data-time", "x": 1}}});
        let overlay = parse(
            r#"
            [[patch]]
            pointer = "/a/b~1c/format"
            value = "date-time"
            reason = "typo"

            [[patch]]
            pointer = "/a/b~1c/x"
            remove = true
            reason = "gone"

            [[patch]]
            pointer = "/a/b~1c/y"
            value = 1
            versions = ["9.9"]
            reason = "only for another version"
            "#,
        )
        .expect("parses");
        assert_eq!(apply(&mut doc, &overlay, "1.0"), Ok(2));
        assert_eq!(
            doc,
            serde_json::json!({"a": {"b/c": {"format": "date-time"}}})
        );

        let missing =
            parse("[[patch]]\npointer = \"/a/zzz\"\nvalue = 1\nreason = \"r\"\n").expect("parses");
        assert!(apply(&mut doc, &missing, "1.0").is_err());
    }
}
