//! Receiving webhooks: the challenge-response check (CRC) X runs against a
//! registered webhook URL, the signature on every delivery, and the
//! delivered event envelopes, decoded tolerantly.
//!
//! X checks a webhook URL by sending `GET <url>?crc_token=<token>`; the
//! answer must be `200` with the JSON `{"response_token": "sha256=<base64>"}`
//! where the base64 is of the HMAC-SHA256 of the token keyed by the app's
//! consumer secret ([`crc_response`], [`crc_reply_json`]). Each delivery is a
//! `POST` whose `x-twitter-webhooks-signature` header holds the same kind of
//! value computed over the raw body ([`verify_signature`]); check it before
//! decoding the body ([`ActivityEnvelope::from_slice`]).
//!
//! ```
//! use xapi::webhooks::{crc_reply_json, verify_signature, ActivityEnvelope};
//!
//! let reply = crc_reply_json("consumer-secret", "token-from-the-query");
//! assert!(reply.starts_with(r#"{"response_token":"sha256="#));
//!
//! let body = br#"{"for_user_id":"2244994945","favorite_events":[{"id":"a1"}]}"#;
//! let header = xapi::webhooks::crc_response("consumer-secret", std::str::from_utf8(body).unwrap_or_default());
//! assert!(verify_signature("consumer-secret", body, &header));
//! let envelope = ActivityEnvelope::from_slice(body)?;
//! assert_eq!(envelope.for_user_id.as_deref(), Some("2244994945"));
//! assert_eq!(envelope.events.len(), 1);
//! # Ok::<(), xapi::webhooks::EnvelopeError>(())
//! ```

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use sha2::Sha256;

/// The header X puts the signature of a delivery in.
pub const SIGNATURE_HEADER: &str = "x-twitter-webhooks-signature";

/// The query parameter of a challenge-response check.
pub const CRC_TOKEN_PARAM: &str = "crc_token";

/// What precedes the base64 of the HMAC in a response token or signature.
const PREFIX: &str = "sha256=";

/// HMAC-SHA256 keyed by `consumer_secret`. HMAC accepts keys of any
/// length, so this is always `Some`; the `Option` only avoids a panic path.
fn mac(consumer_secret: &str) -> Option<Hmac<Sha256>> {
    Hmac::<Sha256>::new_from_slice(consumer_secret.as_bytes()).ok()
}

/// The `response_token` value for a challenge-response check: `sha256=`
/// followed by the base64 of HMAC-SHA256 keyed by `consumer_secret` over
/// `crc_token`.
pub fn crc_response(consumer_secret: &str, crc_token: &str) -> String {
    let digest = mac(consumer_secret)
        .map(|mut mac| {
            mac.update(crc_token.as_bytes());
            mac.finalize().into_bytes().to_vec()
        })
        .unwrap_or_default();
    format!("{PREFIX}{}", STANDARD.encode(digest))
}

/// The whole JSON body answering a challenge-response check:
/// `{"response_token":"sha256=…"}` (send it with status 200 and
/// `content-type: application/json`).
pub fn crc_reply_json(consumer_secret: &str, crc_token: &str) -> String {
    serde_json::json!({ "response_token": crc_response(consumer_secret, crc_token) }).to_string()
}

/// Whether `header` (the value of [`SIGNATURE_HEADER`]) is the signature of
/// `body` under `consumer_secret`: `sha256=` and the base64 of HMAC-SHA256
/// over the raw body. The comparison takes the same time wherever the
/// values differ. A header that is not of that form is `false`.
pub fn verify_signature(consumer_secret: &str, body: &[u8], header: &str) -> bool {
    let Some(encoded) = header.trim().strip_prefix(PREFIX) else {
        return false;
    };
    let Ok(expected) = STANDARD.decode(encoded) else {
        return false;
    };
    let Some(mut mac) = mac(consumer_secret) else {
        return false;
    };
    mac.update(body);
    // `verify_slice` compares in constant time (and refuses other lengths).
    mac.verify_slice(&expected).is_ok()
}

/// A body that is not a JSON object.
#[derive(Debug, thiserror::Error)]
#[error("webhook delivery is not a JSON object: {0}")]
pub struct EnvelopeError(#[source] serde_json::Error);

/// One delivery of the Account Activity API: the user it is for and the
/// events it carries, in the order of the arrays in the body.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct ActivityEnvelope {
    /// The subscribed user the events are for (`for_user_id`).
    pub for_user_id: Option<String>,
    /// `user_has_blocked`, sent with some `tweet_create_events` deliveries.
    pub user_has_blocked: Option<bool>,
    /// Every event of every `*_events` array (and the `user_event`
    /// object), decoded where its kind is known, kept raw otherwise.
    pub events: Vec<ActivityEvent>,
    /// `users` (a map from user id to user object), as sent.
    pub users: Option<Map<String, Value>>,
    /// Every other key of the envelope, as sent.
    pub extra: Map<String, Value>,
}

/// A delivered event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ActivityEvent {
    /// A post by or mentioning the user (`tweet_create_events`, a post
    /// object of API v1.1).
    PostCreate(EventPost),
    /// A post deleted (`tweet_delete_events`).
    PostDelete(PostDeleteEvent),
    /// A like (`favorite_events`).
    Favorite(FavoriteEvent),
    /// A follow or unfollow (`follow_events`; see [`RelationEvent::kind`]).
    Follow(RelationEvent),
    /// A block or unblock (`block_events`).
    Block(RelationEvent),
    /// A mute or unmute (`mute_events`).
    Mute(RelationEvent),
    /// A direct message (`direct_message_events`).
    DirectMessage(DirectMessageEvent),
    /// An event of a kind not listed above (typing indicators, read marks,
    /// revocations, new kinds), or one whose body did not fit its kind.
    Other {
        /// The key it came under (`direct_message_indicate_typing_events`).
        kind: String,
        /// The event as sent.
        value: Value,
    },
}

impl ActivityEvent {
    /// The key of the envelope the event came under.
    pub fn kind(&self) -> &str {
        match self {
            ActivityEvent::PostCreate(_) => "tweet_create_events",
            ActivityEvent::PostDelete(_) => "tweet_delete_events",
            ActivityEvent::Favorite(_) => "favorite_events",
            ActivityEvent::Follow(_) => "follow_events",
            ActivityEvent::Block(_) => "block_events",
            ActivityEvent::Mute(_) => "mute_events",
            ActivityEvent::DirectMessage(_) => "direct_message_events",
            ActivityEvent::Other { kind, .. } => kind,
        }
    }
}

/// An id sent as a string or a number.
fn lenient_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// The author of an [`EventPost`] or a side of a [`RelationEvent`] (a user
/// object of API v1.1, the fields bots use most).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "RawEventUser")]
#[non_exhaustive]
pub struct EventUser {
    /// `id_str` (or `id` when that is all there is).
    pub id_str: Option<String>,
    /// `screen_name`.
    pub screen_name: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// Every other field.
    pub extra: Map<String, Value>,
}

/// A post as the Account Activity API delivers it (API v1.1 shape).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(from = "RawEventPost")]
#[non_exhaustive]
pub struct EventPost {
    /// `id_str` (or `id` when that is all there is).
    pub id_str: Option<String>,
    /// `full_text` when the post carries it, else `text`.
    pub text: Option<String>,
    /// `in_reply_to_status_id_str`.
    pub in_reply_to_status_id_str: Option<String>,
    /// `user`: the author.
    pub user: Option<EventUser>,
    /// Every other field.
    pub extra: Map<String, Value>,
}

/// What an [`EventUser`] is read from: API v1.1 objects carry their id
/// twice (`id` a number, `id_str` text), which one field with an alias
/// would refuse as a duplicate.
#[derive(Deserialize)]
struct RawEventUser {
    #[serde(default, deserialize_with = "lenient_id")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient_id")]
    id_str: Option<String>,
    #[serde(default)]
    screen_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<RawEventUser> for EventUser {
    fn from(raw: RawEventUser) -> Self {
        EventUser {
            id_str: raw.id_str.or(raw.id),
            screen_name: raw.screen_name,
            name: raw.name,
            extra: raw.extra,
        }
    }
}

/// What an [`EventPost`] is read from (see [`RawEventUser`]; `text` and
/// `full_text` may come together too).
#[derive(Deserialize)]
struct RawEventPost {
    #[serde(default, deserialize_with = "lenient_id")]
    id: Option<String>,
    #[serde(default, deserialize_with = "lenient_id")]
    id_str: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    full_text: Option<String>,
    #[serde(default, deserialize_with = "lenient_id")]
    in_reply_to_status_id_str: Option<String>,
    #[serde(default)]
    user: Option<EventUser>,
    #[serde(flatten)]
    extra: Map<String, Value>,
}

impl From<RawEventPost> for EventPost {
    fn from(raw: RawEventPost) -> Self {
        EventPost {
            id_str: raw.id_str.or(raw.id),
            text: raw.full_text.or(raw.text),
            in_reply_to_status_id_str: raw.in_reply_to_status_id_str,
            user: raw.user,
            extra: raw.extra,
        }
    }
}

/// A deleted post (`tweet_delete_events`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct PostDeleteEvent {
    /// `status`: `{"id": …, "user_id": …}`.
    #[serde(default)]
    pub status: Option<Map<String, Value>>,
    /// `timestamp_ms`.
    #[serde(default, deserialize_with = "lenient_id")]
    pub timestamp_ms: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A like (`favorite_events`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct FavoriteEvent {
    /// `id` of the event.
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<String>,
    /// `favorited_status`: the post liked.
    #[serde(default)]
    pub favorited_status: Option<EventPost>,
    /// `user`: who liked it.
    #[serde(default)]
    pub user: Option<EventUser>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A follow, block or mute, or its undoing.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct RelationEvent {
    /// `type`: `follow`, `unfollow`, `block`, `unblock`, `mute`, `unmute`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `created_timestamp`.
    #[serde(default, deserialize_with = "lenient_id")]
    pub created_timestamp: Option<String>,
    /// `source`: who did it.
    #[serde(default)]
    pub source: Option<EventUser>,
    /// `target`: to whom.
    #[serde(default)]
    pub target: Option<EventUser>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A direct message (`direct_message_events`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct DirectMessageEvent {
    /// `type` (`message_create`).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// `id`.
    #[serde(default, deserialize_with = "lenient_id")]
    pub id: Option<String>,
    /// `created_timestamp`.
    #[serde(default, deserialize_with = "lenient_id")]
    pub created_timestamp: Option<String>,
    /// `message_create`: sender, target and message data.
    #[serde(default)]
    pub message_create: Option<Map<String, Value>>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DirectMessageEvent {
    /// `message_create.message_data.text`, when present.
    pub fn text(&self) -> Option<&str> {
        self.message_create
            .as_ref()?
            .get("message_data")?
            .get("text")?
            .as_str()
    }

    /// `message_create.sender_id`, when present.
    pub fn sender_id(&self) -> Option<&str> {
        self.message_create.as_ref()?.get("sender_id")?.as_str()
    }
}

/// Decodes one event of array `kind`; anything that does not fit is kept raw.
fn decode_event(kind: &str, value: Value) -> ActivityEvent {
    fn typed<T: serde::de::DeserializeOwned>(
        value: &Value,
        wrap: fn(T) -> ActivityEvent,
    ) -> Option<ActivityEvent> {
        if !value.is_object() {
            return None;
        }
        T::deserialize(value).ok().map(wrap)
    }
    let decoded = match kind {
        "tweet_create_events" => typed(&value, ActivityEvent::PostCreate),
        "tweet_delete_events" => typed(&value, ActivityEvent::PostDelete),
        "favorite_events" => typed(&value, ActivityEvent::Favorite),
        "follow_events" => typed(&value, ActivityEvent::Follow),
        "block_events" => typed(&value, ActivityEvent::Block),
        "mute_events" => typed(&value, ActivityEvent::Mute),
        "direct_message_events" => typed(&value, ActivityEvent::DirectMessage),
        _ => None,
    };
    decoded.unwrap_or_else(|| ActivityEvent::Other {
        kind: kind.to_owned(),
        value,
    })
}

impl ActivityEnvelope {
    /// Decodes a delivered body. Only a body that is not a JSON object is
    /// an error: unknown keys go to `extra`, unknown or ill-fitting events
    /// to [`ActivityEvent::Other`].
    pub fn from_slice(body: &[u8]) -> Result<Self, EnvelopeError> {
        let object: Map<String, Value> = serde_json::from_slice(body).map_err(EnvelopeError)?;
        Ok(Self::from_object(object))
    }

    /// Decodes an envelope already parsed as a JSON object.
    pub fn from_object(object: Map<String, Value>) -> Self {
        let mut envelope = ActivityEnvelope::default();
        for (key, value) in object {
            match (key.as_str(), value) {
                ("for_user_id", value) => {
                    envelope.for_user_id = match value {
                        Value::String(s) => Some(s),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    }
                }
                ("user_has_blocked", Value::Bool(b)) => envelope.user_has_blocked = Some(b),
                ("users", Value::Object(users)) => envelope.users = Some(users),
                (kind, Value::Array(items)) if kind.ends_with("_events") => {
                    envelope
                        .events
                        .extend(items.into_iter().map(|item| decode_event(kind, item)));
                }
                // `user_event` (an app's access revoked) is one object.
                (kind, value @ Value::Object(_)) if kind.ends_with("_event") => {
                    envelope.events.push(decode_event(kind, value));
                }
                (_, value) => {
                    envelope.extra.insert(key, value);
                }
            }
        }
        envelope
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// HMAC-SHA256 computed from its definition (RFC 2104) over SHA-256
    /// alone, independently of the `hmac` crate.
    fn reference_hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        let mut block = [0u8; 64];
        if key.len() > 64 {
            let digest = Sha256::digest(key);
            block[..32].copy_from_slice(&digest);
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&ipad)
            .chain_update(message)
            .finalize();
        Sha256::new()
            .chain_update(&opad)
            .chain_update(inner)
            .finalize()
            .to_vec()
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test setup"))
            .collect()
    }

    /// RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (case 5 is of a truncated
    /// output), as (key, data, expected HMAC-SHA256 in hex).
    fn rfc4231() -> Vec<(Vec<u8>, Vec<u8>, &'static str)> {
        vec![
            (
                vec![0x0b; 20],
                b"Hi There".to_vec(),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                vec![0xaa; 20],
                vec![0xdd; 50],
                "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
            ),
            (
                hex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                vec![0xcd; 50],
                "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
            ),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
            ),
            (
                vec![0xaa; 131],
                b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
            ),
        ]
    }

    #[test]
    fn reference_hmac_matches_rfc4231() {
        for (key, data, expected) in rfc4231() {
            assert_eq!(reference_hmac(&key, &data), hex(expected));
        }
    }

    #[test]
    fn crc_response_is_rfc4231_hmac_in_base64() {
        // Case 2 of RFC 4231 has a text key and text data: the CRC of X's
        // form over it must be the RFC's digest, base64-encoded.
        let expected = hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        assert_eq!(
            crc_response("Jefe", "what do ya want for nothing?"),
            format!("sha256={}", STANDARD.encode(expected))
        );
    }

    #[test]
    fn signatures_of_rfc4231_vectors_verify() {
        for (key, data, expected) in rfc4231() {
            let Ok(key) = String::from_utf8(key) else {
                continue;
            };
            let header = format!("sha256={}", STANDARD.encode(hex(expected)));
            assert!(verify_signature(&key, &data, &header), "key {key:?}");
        }
        // Keys of binary cases are not text; check text keys of both sizes
        // against the independent computation.
        for key in ["", "k", &"x".repeat(64), &"long key ".repeat(20)] {
            let body = b"{\"for_user_id\":\"1\"}";
            let header = format!(
                "sha256={}",
                STANDARD.encode(reference_hmac(key.as_bytes(), body))
            );
            assert!(
                verify_signature(key, body, &header),
                "key of {} bytes",
                key.len()
            );
        }
    }

    #[test]
    fn crc_cases_match_independent_hmac() {
        for (secret, token) in [
            ("consumer-secret", "crc-token-1"),
            ("", ""),
            ("s3cr3t/+=", "token with spaces & symbols ✓"),
            (&"z".repeat(100), "x"),
        ] {
            let expected = format!(
                "sha256={}",
                STANDARD.encode(reference_hmac(secret.as_bytes(), token.as_bytes()))
            );
            assert_eq!(crc_response(secret, token), expected);
            let reply: Value =
                serde_json::from_str(&crc_reply_json(secret, token)).expect("test setup");
            assert_eq!(reply, serde_json::json!({ "response_token": expected }));
        }
        assert_ne!(crc_response("a", "t"), crc_response("b", "t"));
        assert_ne!(crc_response("a", "t"), crc_response("a", "u"));
    }

    #[test]
    fn bad_signatures_are_refused() {
        let secret = "consumer-secret";
        let body = b"{\"for_user_id\":\"1\"}";
        let good = crc_response(secret, std::str::from_utf8(body).expect("test setup"));
        assert!(verify_signature(secret, body, &good));
        assert!(!verify_signature("other", body, &good));
        assert!(!verify_signature(secret, b"{\"for_user_id\":\"2\"}", &good));
        let digest = good.trim_start_matches("sha256=");
        let mut flipped = STANDARD.decode(digest).expect("test setup");
        flipped[31] ^= 1;
        let truncated = &STANDARD.decode(digest).expect("test setup")[..16];
        for header in [
            String::new(),
            "sha256=".to_owned(),
            "sha256".to_owned(),
            digest.to_owned(),
            format!("sha1={digest}"),
            format!("SHA256={digest}"),
            format!("sha256={}", &digest[..digest.len() - 1]),
            "sha256=!!!not base64!!!".to_owned(),
            format!("sha256={}", STANDARD.encode(flipped)),
            format!("sha256={}", STANDARD.encode(truncated)),
            format!("sha256={}", STANDARD.encode([0u8; 64])),
            "sha256=é".to_owned(),
        ] {
            assert!(!verify_signature(secret, body, &header), "{header:?}");
        }
    }

    #[test]
    fn a_post_with_both_id_and_id_str_is_decoded() {
        // API v1.1 objects carry the id twice: as a number and as text.
        let body = serde_json::json!({
            "for_user_id": "4337869213",
            "tweet_create_events": [
                { "id": 1790000000000000001u64, "id_str": "1790000000000000001",
                  "text": "@bot hel", "full_text": "@bot hello there",
                  "in_reply_to_status_id": 1780000000000000002u64,
                  "in_reply_to_status_id_str": "1780000000000000002",
                  "user": { "id": 11, "id_str": "11", "screen_name": "alice" } }
            ]
        });
        let envelope =
            ActivityEnvelope::from_slice(body.to_string().as_bytes()).expect("test setup");
        let ActivityEvent::PostCreate(post) = &envelope.events[0] else {
            panic!("{:?}", envelope.events[0]);
        };
        assert_eq!(post.id_str.as_deref(), Some("1790000000000000001"));
        assert_eq!(post.text.as_deref(), Some("@bot hello there"));
        assert_eq!(
            post.in_reply_to_status_id_str.as_deref(),
            Some("1780000000000000002")
        );
        let author = post.user.as_ref().expect("test setup");
        assert_eq!(author.id_str.as_deref(), Some("11"));
        assert_eq!(author.screen_name.as_deref(), Some("alice"));
        assert_eq!(
            post.extra.get("in_reply_to_status_id"),
            Some(&Value::from(1780000000000000002u64)),
            "other keys are kept"
        );
    }

    #[test]
    fn envelope_decodes_known_and_keeps_unknown() {
        let body = serde_json::json!({
            "for_user_id": 4337869213u64,
            "user_has_blocked": false,
            "tweet_create_events": [
                { "id_str": "1790000000000000001", "text": "@bot hello",
                  "in_reply_to_status_id_str": null,
                  "user": { "id": 11, "screen_name": "alice", "lang": "en" },
                  "lang": "en" }
            ],
            "favorite_events": [
                { "id": "ev1", "favorited_status": { "id": 42 }, "user": { "id_str": "12" } },
                "not an object"
            ],
            "follow_events": [
                { "type": "unfollow", "created_timestamp": "1517588749178",
                  "source": { "id": "13" }, "target": { "id": "4337869213" } }
            ],
            "direct_message_events": [
                { "type": "message_create", "id": "dm1",
                  "message_create": { "sender_id": "14", "message_data": { "text": "hi" } } }
            ],
            "direct_message_indicate_typing_events": [ { "sender_id": "14" } ],
            "user_event": { "revoke": { "source": { "app_id": "1" } } },
            "brand_new_events": [ { "what": 1 } ],
            "users": { "14": { "id": "14" } },
            "apps": { "1": { "name": "x" } },
            "favorite_events_count": 3
        });
        let envelope =
            ActivityEnvelope::from_slice(body.to_string().as_bytes()).expect("test setup");
        assert_eq!(envelope.for_user_id.as_deref(), Some("4337869213"));
        assert_eq!(envelope.user_has_blocked, Some(false));
        let kinds: Vec<&str> = envelope.events.iter().map(ActivityEvent::kind).collect();
        assert_eq!(
            kinds,
            [
                "tweet_create_events",
                "favorite_events",
                "favorite_events",
                "follow_events",
                "direct_message_events",
                "direct_message_indicate_typing_events",
                "user_event",
                "brand_new_events",
            ]
        );
        let ActivityEvent::PostCreate(post) = &envelope.events[0] else {
            panic!("{:?}", envelope.events[0]);
        };
        assert_eq!(post.id_str.as_deref(), Some("1790000000000000001"));
        assert_eq!(post.text.as_deref(), Some("@bot hello"));
        assert_eq!(post.in_reply_to_status_id_str, None);
        let author = post.user.as_ref().expect("test setup");
        assert_eq!(author.id_str.as_deref(), Some("11"));
        assert_eq!(author.screen_name.as_deref(), Some("alice"));
        assert_eq!(author.extra.get("lang"), Some(&Value::from("en")));
        assert_eq!(post.extra.get("lang"), Some(&Value::from("en")));
        let ActivityEvent::Favorite(like) = &envelope.events[1] else {
            panic!("{:?}", envelope.events[1]);
        };
        assert_eq!(
            like.favorited_status
                .as_ref()
                .and_then(|p| p.id_str.as_deref()),
            Some("42")
        );
        assert!(
            matches!(&envelope.events[2], ActivityEvent::Other { value, .. } if value == "not an object")
        );
        let ActivityEvent::Follow(follow) = &envelope.events[3] else {
            panic!("{:?}", envelope.events[3]);
        };
        assert_eq!(follow.kind.as_deref(), Some("unfollow"));
        assert_eq!(
            follow.source.as_ref().and_then(|u| u.id_str.as_deref()),
            Some("13")
        );
        let ActivityEvent::DirectMessage(dm) = &envelope.events[4] else {
            panic!("{:?}", envelope.events[4]);
        };
        assert_eq!((dm.text(), dm.sender_id()), (Some("hi"), Some("14")));
        assert!(envelope
            .users
            .as_ref()
            .is_some_and(|u| u.contains_key("14")));
        assert_eq!(
            envelope.extra.keys().collect::<Vec<_>>(),
            ["apps", "favorite_events_count"]
        );
    }

    #[test]
    fn envelope_refuses_only_non_objects() {
        assert!(ActivityEnvelope::from_slice(b"[1]").is_err());
        assert!(ActivityEnvelope::from_slice(b"{").is_err());
        let empty = ActivityEnvelope::from_slice(b"{}").expect("test setup");
        assert_eq!(empty, ActivityEnvelope::default());
        // Wrong types never fail the envelope.
        let odd = ActivityEnvelope::from_slice(
            br#"{"for_user_id":[1],"user_has_blocked":"no","tweet_create_events":[{"id_str":{"x":1}}]}"#,
        )
        .expect("test setup");
        assert_eq!(odd.for_user_id, None);
        assert_eq!(odd.extra.get("user_has_blocked"), Some(&Value::from("no")));
        assert!(matches!(&odd.events[..], [ActivityEvent::PostCreate(p)] if p.id_str.is_none()));
    }
}
