//! The rules [`NewPost::validate`](super::NewPost::validate) checks, one
//! function per part of the post (listed in the [module documentation](super)).

use unicode_normalization::UnicodeNormalization;

use super::*;

impl NewPost {
    pub(super) fn check_exclusions(&self) -> Result<(), Error> {
        let has_media = !self.media_ids.is_empty();
        let has_poll = self.poll.is_some();
        let has_quote = self.quote_post_id.is_some();
        let has_card = self.card_uri.is_some();
        // (field at fault, present, other field, present, schema property that states it)
        let pairs = [
            ("poll", has_poll, "media", has_media, "poll"),
            ("poll", has_poll, "quote_tweet_id", has_quote, "poll"),
            ("media", has_media, "quote_tweet_id", has_quote, "media"),
            ("card_uri", has_card, "media", has_media, "card_uri"),
            ("card_uri", has_card, "poll", has_poll, "card_uri"),
            (
                "card_uri",
                has_card,
                "quote_tweet_id",
                has_quote,
                "card_uri",
            ),
            (
                "card_uri",
                has_card,
                "direct_message_deep_link",
                self.direct_message_deep_link.is_some(),
                "card_uri",
            ),
        ];
        for (field, a, other, b, source) in pairs {
            if a && b {
                return invalid(
                    field,
                    format!(
                        "cannot be combined with {other} (mutually exclusive per \
                         TweetCreateRequest.{source})"
                    ),
                );
            }
        }
        Ok(())
    }

    pub(super) fn check_text(&self) -> Result<(), Error> {
        let text = self.text.as_deref().unwrap_or("");
        let carries_content =
            !self.media_ids.is_empty() || self.poll.is_some() || self.quote_post_id.is_some();
        if text.trim().is_empty() {
            if carries_content {
                return Ok(());
            }
            return invalid(
                "text",
                "is empty: a post needs text unless it carries media, a poll or a quoted post",
            );
        }
        let length = crate::write::text::weighted_length(text);
        if length.has_invalid_characters {
            return invalid(
                "text",
                "holds a code point X refuses (U+FFFE, U+FEFF or U+FFFF)",
            );
        }
        if length.weighted > length.max {
            return invalid(
                "text",
                format!(
                    "weighted length is {}, more than {} (URLs count 23, emoji and CJK \
                     characters 2)",
                    length.weighted, length.max
                ),
            );
        }
        Ok(())
    }

    pub(super) fn check_reply(&self) -> Result<(), Error> {
        match &self.in_reply_to {
            Some(id) => check_id("reply.in_reply_to_tweet_id", id)?,
            None => {
                if !self.exclude_reply_user_ids.is_empty() {
                    return invalid(
                        "reply.in_reply_to_tweet_id",
                        "is required when reply.exclude_reply_user_ids is given",
                    );
                }
                if self.auto_populate_reply_metadata.is_some() {
                    return invalid(
                        "reply.in_reply_to_tweet_id",
                        "is required when reply.auto_populate_reply_metadata is given",
                    );
                }
            }
        }
        check_ids("reply.exclude_reply_user_ids", &self.exclude_reply_user_ids)
    }

    pub(super) fn check_media(&self) -> Result<(), Error> {
        if self.media_ids.is_empty() {
            if !self.tagged_user_ids.is_empty() {
                return invalid(
                    "media.media_ids",
                    "is required when media.tagged_user_ids is given",
                );
            }
            return Ok(());
        }
        let n = self.media_ids.len();
        if !(MEDIA_MIN_IDS..=MEDIA_MAX_IDS).contains(&n) {
            return invalid(
                "media.media_ids",
                format!("takes {MEDIA_MIN_IDS} to {MEDIA_MAX_IDS} media ids (has {n})"),
            );
        }
        check_ids("media.media_ids", &self.media_ids)?;
        let tagged = self.tagged_user_ids.len();
        if tagged > MAX_TAGGED_USERS {
            return invalid(
                "media.tagged_user_ids",
                format!("takes at most {MAX_TAGGED_USERS} user ids (has {tagged})"),
            );
        }
        check_ids("media.tagged_user_ids", &self.tagged_user_ids)
    }

    pub(super) fn check_poll(&self) -> Result<(), Error> {
        let Some(poll) = &self.poll else {
            return Ok(());
        };
        let n = poll.options.len();
        if !(POLL_MIN_OPTIONS..=POLL_MAX_OPTIONS).contains(&n) {
            return invalid(
                "poll.options",
                format!("takes {POLL_MIN_OPTIONS} to {POLL_MAX_OPTIONS} options (has {n})"),
            );
        }
        for (i, option) in poll.options.iter().enumerate() {
            let chars = option.nfc().count();
            if !(POLL_OPTION_MIN_CHARS..=POLL_OPTION_MAX_CHARS).contains(&chars) {
                return invalid(
                    format!("poll.options[{i}]"),
                    format!(
                        "must be {POLL_OPTION_MIN_CHARS} to {POLL_OPTION_MAX_CHARS} characters \
                         long (is {chars})"
                    ),
                );
            }
            if option.trim().is_empty() {
                return invalid(format!("poll.options[{i}]"), "must not be blank");
            }
        }
        let minutes = poll.duration_minutes;
        if !(POLL_MIN_MINUTES..=POLL_MAX_MINUTES).contains(&minutes) {
            return invalid(
                "poll.duration_minutes",
                format!("must be {POLL_MIN_MINUTES} to {POLL_MAX_MINUTES} minutes (is {minutes})"),
            );
        }
        if let Some(settings) = &poll.reply_settings {
            check_reply_settings("poll.reply_settings", settings.as_str())?;
        }
        Ok(())
    }
}

pub(super) fn invalid(parameter: impl Into<String>, rule: impl Into<String>) -> Result<(), Error> {
    Err(invalid_error(CREATE, parameter, rule))
}

pub(super) fn invalid_error(
    operation: &'static str,
    parameter: impl Into<String>,
    rule: impl Into<String>,
) -> Error {
    Error::InvalidRequest {
        operation,
        parameter: parameter.into(),
        rule: rule.into(),
    }
}

pub(super) fn id_rule(id: &str) -> String {
    format!("{id:?} is not an id (pattern ^[0-9]{{1,19}}$)")
}

pub(super) fn check_id(parameter: &str, id: &str) -> Result<(), Error> {
    if is_valid_id(id) {
        Ok(())
    } else {
        invalid(parameter, id_rule(id))
    }
}

pub(super) fn check_ids(parameter: &str, ids: &[String]) -> Result<(), Error> {
    for (i, id) in ids.iter().enumerate() {
        check_id(&format!("{parameter}[{i}]"), id)?;
    }
    Ok(())
}

pub(super) fn check_not_blank(parameter: &str, value: &str) -> Result<(), Error> {
    if value.trim().is_empty() {
        invalid(parameter, "must not be blank")
    } else {
        Ok(())
    }
}

pub(super) fn check_reply_settings(parameter: &str, value: &str) -> Result<(), Error> {
    if ReplySettings::from_wire(value).is_known() {
        return Ok(());
    }
    let allowed: Vec<&str> = ReplySettings::ALL
        .iter()
        .map(ReplySettings::as_str)
        .collect();
    invalid(
        parameter,
        format!("{value:?} is not one of {}", allowed.join(", ")),
    )
}

/// Checks an id the operation table cannot check: ids in request bodies,
/// and the user id in the path of the like, repost and bookmark operations,
/// whose schema (`UserIdMatchesAuthenticatedUser`) has no pattern in the
/// API document although user ids are numeric (`UserId`).
pub(super) fn check_id_for(
    operation: &'static str,
    parameter: &str,
    id: &str,
) -> Result<(), Error> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(invalid_error(operation, parameter, id_rule(id)))
    }
}
