//! `cargo xtask decode` (the `xapi-decode` binary): output lines, exit status,
//! `--stream` line numbers, `--roundtrip` and `--emit`.

use std::process::Command;

use xapi_tests::root;

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xapi-decode"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("xapi-decode-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[test]
fn good_and_bad_bodies() {
    let dir = scratch("bodies");
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        r#"{"data": [{"id": "1", "public_metrics": {"like_count": "lots"}}]}"#,
    )
    .expect("write");
    let good = "tests/fixtures/searchPostsRecent/200_expansions.json";
    let (ok, out) = run(&[
        "--op",
        "GET /2/tweets/search/recent",
        "--status",
        "200",
        "--roundtrip",
        good,
        bad.to_str().expect("utf-8"),
    ]);
    assert!(!ok, "a failure makes the exit status non-zero");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], format!("ok {good}"));
    assert!(
        lines[1].starts_with(&format!(
            "err {}: data[0].public_metrics.like_count: ",
            bad.display()
        )),
        "{}",
        lines[1]
    );
    assert_eq!(lines.last().copied(), Some("1 passed, 1 failed"));
}

#[test]
fn streams_report_line_numbers_and_emit_writes_lines() {
    let dir = scratch("stream");
    let capture = dir.join("capture.jsonl");
    std::fs::write(
        &capture,
        "{\"data\":{\"id\":\"1\",\"text\":\"a\"}}\r\n\r\n{\"data\":{\"id\":{}}}\r\n",
    )
    .expect("write");
    let emit = dir.join("out");
    let (ok, out) = run(&[
        "--op",
        "streamPosts",
        "--status",
        "200",
        "--stream",
        "--roundtrip",
        "--emit",
        emit.to_str().expect("utf-8"),
        capture.to_str().expect("utf-8"),
    ]);
    assert!(!ok);
    assert!(
        out.contains(&format!("err {}:3: data.id: ", capture.display())),
        "{out}"
    );
    assert!(out.ends_with("1 passed, 1 failed\n"), "{out}");
    let emitted = std::fs::read_to_string(emit.join("capture.jsonl")).expect("emitted");
    let first: serde_json::Value =
        serde_json::from_str(emitted.lines().next().expect("a line")).expect("json");
    assert_eq!(first["data"]["id"], "1");
}

#[test]
fn error_statuses_use_the_problem_model() {
    let (ok, out) = run(&[
        "--op",
        "getUsersById",
        "--status",
        "404",
        "--roundtrip",
        "tests/fixtures/getUsersById/404_not_found.json",
    ]);
    assert!(ok, "{out}");
    assert!(out.ends_with("1 passed, 0 failed\n"));
}
