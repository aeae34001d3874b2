//! TLS set-up for the real API.
//!
//! With the `rustls` feature (the default), reqwest is built without a crypto
//! provider of its own and takes rustls' process-wide default.
//! [`ensure_provider`] installs the ring provider as that default when the
//! program has not installed one, so a program that chose its own provider
//! keeps it; [`Client::builder`](crate::Client::builder) calls it. A program
//! that builds its own `reqwest::Client` (for the OAuth 2.0 token calls, say)
//! before any `xapi::Client` calls it first. The `rustls-aws-lc` feature
//! leaves the choice to reqwest (aws-lc-rs), whose C library takes longer to
//! build.

/// Makes sure rustls has a process-wide crypto provider before a
/// `reqwest::Client` is built (without one, building it fails). Cheap to call
/// again.
#[cfg(feature = "rustls")]
pub fn ensure_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may install one first: either way there is one.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Without the `rustls` feature there is nothing to set up.
#[cfg(not(feature = "rustls"))]
pub fn ensure_provider() {}

#[cfg(all(test, feature = "rustls"))]
mod tests {
    #[test]
    fn a_provider_is_installed_once_and_a_client_builds() {
        super::ensure_provider();
        let first = rustls::crypto::CryptoProvider::get_default().map(|p| p.cipher_suites.len());
        assert!(
            first.is_some_and(|n| n > 0),
            "no provider after ensure_provider"
        );
        // A second call keeps the installed provider.
        super::ensure_provider();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        crate::Client::builder()
            .bearer_token("t")
            .base_url("https://127.0.0.1:9")
            .build()
            .expect("a client with TLS builds");
    }
}
