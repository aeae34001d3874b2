//! PKCE (RFC 7636) code verifiers and their S256 challenges.
//!
//! The authorization-code flow sends the *challenge* derived from a random
//! verifier in the authorization URL, then proves possession of the
//! *verifier* when exchanging the code for tokens.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::Rng as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::{AuthError, REDACTED};

/// Characters a verifier may contain (RFC 3986 "unreserved").
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/// Shortest verifier RFC 7636 allows.
pub const MIN_LEN: usize = 43;
/// Longest verifier RFC 7636 allows.
pub const MAX_LEN: usize = 128;
/// Length of verifiers made by [`PkceVerifier::new`].
pub const DEFAULT_LEN: usize = 64;

/// A PKCE code verifier. Keep it (server side) between building the
/// authorization URL and exchanging the code. `Debug` does not show it.
#[derive(Clone)]
pub struct PkceVerifier(SecretString);

impl PkceVerifier {
    /// A fresh random verifier of [`DEFAULT_LEN`] characters drawn with the
    /// thread-local cryptographically secure generator.
    pub fn new() -> Self {
        Self::random(DEFAULT_LEN)
    }

    /// A fresh random verifier of `len` characters (43 to 128).
    pub fn with_length(len: usize) -> Result<Self, AuthError> {
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(AuthError::Invalid(format!(
                "a PKCE verifier must be {MIN_LEN} to {MAX_LEN} characters long, not {len}"
            )));
        }
        Ok(Self::random(len))
    }

    fn random(len: usize) -> Self {
        let mut rng = rand::rng();
        let verifier: String = (0..len)
            .map(|_| {
                let idx = rng.random_range(0..ALPHABET.len());
                char::from(ALPHABET.get(idx).copied().unwrap_or(b'~'))
            })
            .collect();
        PkceVerifier(SecretString::from(verifier))
    }

    /// Wraps an existing verifier (for example one restored from a session
    /// store, or a fixed one in tests) after checking its length and alphabet.
    pub fn from_string(verifier: impl Into<String>) -> Result<Self, AuthError> {
        let verifier = verifier.into();
        let len = verifier.len();
        if !(MIN_LEN..=MAX_LEN).contains(&len) {
            return Err(AuthError::Invalid(format!(
                "a PKCE verifier must be {MIN_LEN} to {MAX_LEN} characters long, not {len}"
            )));
        }
        if !verifier.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(AuthError::Invalid(
                "a PKCE verifier may only contain A-Z a-z 0-9 - . _ ~".to_owned(),
            ));
        }
        Ok(PkceVerifier(SecretString::from(verifier)))
    }

    /// The verifier itself, as sent to the token endpoint.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The S256 challenge: SHA-256 of the verifier, base64url without padding.
    pub fn challenge_s256(&self) -> String {
        let digest = Sha256::digest(self.0.expose_secret().as_bytes());
        URL_SAFE_NO_PAD.encode(digest)
    }
}

impl Default for PkceVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PkceVerifier").field(&REDACTED).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let v = PkceVerifier::from_string("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
            .expect("valid verifier");
        assert_eq!(
            v.challenge_s256(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_verifiers_have_valid_length_and_alphabet() {
        let v = PkceVerifier::new();
        assert_eq!(v.expose_secret().len(), DEFAULT_LEN);
        for len in [MIN_LEN, 50, MAX_LEN] {
            let v = PkceVerifier::with_length(len).expect("length in range");
            let s = v.expose_secret();
            assert_eq!(s.len(), len);
            assert!(s.bytes().all(|b| ALPHABET.contains(&b)), "{len}");
            // Round-trips through validation.
            PkceVerifier::from_string(s).expect("generated verifier validates");
            assert_eq!(v.challenge_s256().len(), 43);
        }
        assert_ne!(
            PkceVerifier::new().expose_secret(),
            PkceVerifier::new().expose_secret()
        );
        // Over many draws, the special characters show up too.
        let many: String = (0..50)
            .map(|_| {
                PkceVerifier::with_length(MAX_LEN)
                    .expect("ok")
                    .expose_secret()
                    .to_owned()
            })
            .collect();
        assert!(many.contains('-') && many.contains('~'));
    }

    #[test]
    fn rejects_bad_verifiers() {
        assert!(PkceVerifier::with_length(42).is_err());
        assert!(PkceVerifier::with_length(129).is_err());
        assert!(PkceVerifier::from_string("short").is_err());
        assert!(PkceVerifier::from_string("a".repeat(129)).is_err());
        assert!(PkceVerifier::from_string(format!("{}+", "a".repeat(42))).is_err());
        assert!(PkceVerifier::from_string(format!("{}é", "a".repeat(42))).is_err());
    }

    #[test]
    fn debug_hides_verifier() {
        let v = PkceVerifier::from_string("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
            .expect("valid");
        let shown = format!("{v:?}");
        assert!(!shown.contains("dBjftJeZ"));
        assert!(shown.contains(REDACTED));
    }
}
