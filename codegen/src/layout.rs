//! Layout of the generated text after formatting: the formatter leaves macro
//! invocations as it finds them, so each `impl_model!` is laid out here with
//! one field per line, and a change to one property is a one-line diff.

const OPEN: &str = "crate::runtime::impl_model!(";

/// Rewrites every `impl_model!(Name { "wire" => field, ... })` invocation of
/// `text` with one `"wire" => field,` pair per line.
pub fn model_macros(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let body_start = OPEN.len();
        let Some(end) = from[body_start..].find(");") else {
            out.push_str(from);
            return out;
        };
        let body = &from[body_start..body_start + end];
        match lay_out(body) {
            Some(laid) => out.push_str(&laid),
            None => out.push_str(&from[..body_start + end + 2]),
        }
        rest = &from[body_start + end + 2..];
    }
    out.push_str(rest);
    out
}

/// `Name { "a" => a, "b" => b }` → the invocation with one pair per line;
/// `None` when the body is not of that shape (left as it is).
fn lay_out(body: &str) -> Option<String> {
    let body = body.trim();
    let (name, pairs) = body.split_once('{')?;
    let pairs = pairs.trim_end().strip_suffix('}')?;
    let name = name.trim();
    let mut lines = Vec::new();
    let mut rest = pairs.trim_start();
    while !rest.is_empty() {
        // A string literal: the wire name (may hold escaped quotes).
        let literal = rest.strip_prefix('"')?;
        let mut close = None;
        let mut escaped = false;
        for (i, c) in literal.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    close = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let close = close?;
        let wire = &literal[..close];
        let after = literal[close + 1..]
            .trim_start()
            .strip_prefix("=>")?
            .trim_start();
        let field_end = after
            .find(|c: char| c == ',' || c.is_whitespace())
            .unwrap_or(after.len());
        let field = &after[..field_end];
        if field.is_empty() {
            return None;
        }
        lines.push(format!("    \"{wire}\" => {field},\n"));
        rest = after[field_end..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    if lines.is_empty() {
        return Some(format!("{OPEN}{name} {{}});"));
    }
    Some(format!("{OPEN}{name} {{\n{}}});", lines.concat()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_field_per_line() {
        let text = "a\ncrate::runtime::impl_model!(\n    Thing { \"a\" => a, \"b.c\" =>\n    b_c, \"q\\\"x\" => q }\n);\nb\n";
        assert_eq!(
            model_macros(text),
            "a\ncrate::runtime::impl_model!(Thing {\n    \"a\" => a,\n    \"b.c\" => b_c,\n    \"q\\\"x\" => q,\n});\nb\n"
        );
    }

    #[test]
    fn empty_models_and_other_text_are_kept() {
        assert_eq!(
            model_macros("crate::runtime::impl_model!(Empty {});"),
            "crate::runtime::impl_model!(Empty {});"
        );
        let odd = "crate::runtime::impl_model!(not a model);";
        assert_eq!(model_macros(odd), odd);
        assert_eq!(model_macros("no macros here"), "no macros here");
    }
}
