//! The integration tests, one binary: each module is one area of behaviour.
//!
//! Run one area with `cargo test -p xapi-tests --test it <module>::`, e.g.
//! `cargo test -p xapi-tests --test it streaming::`. The per-fixture contract
//! tests are a separate binary (`--test fixtures`), one named test per file.

mod auth_faults;
mod bad_inputs;
mod compression;
mod decode_cli;
mod dual_naming;
mod facade;
mod faults;
mod generated_fresh;
mod login;
mod media_upload;
mod mentions;
mod pagination;
mod posts;
mod prism;
mod proptests;
mod raw;
mod research;
mod rules;
mod secrets;
#[cfg(feature = "redis")]
mod shared_budget;
mod soak;
mod streaming;
mod threads;
mod wire;

/// A mock server that must receive no request at all: its expectation is
/// checked when it is dropped.
pub(crate) async fn server_expecting_nothing() -> wiremock::MockServer {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}
