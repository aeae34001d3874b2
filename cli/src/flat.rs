//! `xapi flatten`: pages to one post (or user) per line, or to CSV.

use std::io::{self, BufRead, Write};

use xapi::models::{Tweet, User};
use xapi::research::flatten::{flatten_page, FlatPost, FlatUser, Item};

/// Columns of a post row.
pub const POST_COLUMNS: &[&str] = &[
    "id",
    "text",
    "created_at",
    "author_id",
    "author.username",
    "author.name",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "source",
    "possibly_sensitive",
    "public_metrics.retweet_count",
    "public_metrics.reply_count",
    "public_metrics.like_count",
    "public_metrics.quote_count",
    "public_metrics.bookmark_count",
    "public_metrics.impression_count",
    "attachments.media_keys",
    "geo.place_id",
];

/// Columns of a user row.
pub const USER_COLUMNS: &[&str] = &[
    "id",
    "username",
    "name",
    "created_at",
    "description",
    "location",
    "url",
    "verified",
    "protected",
    "public_metrics.followers_count",
    "public_metrics.following_count",
    "public_metrics.tweet_count",
    "public_metrics.listed_count",
    "pinned_tweet_id",
];

fn s(v: Option<&str>) -> String {
    v.unwrap_or("").to_owned()
}

fn n<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn post_row(p: &FlatPost<'_>) -> Vec<String> {
    let post: &Tweet = p.post;
    let m = post.public_metrics.as_ref();
    let refs = post
        .referenced_tweets
        .iter()
        .flatten()
        .map(|r| {
            format!(
                "{}:{}",
                r.type_.as_ref().map(|t| t.as_str()).unwrap_or(""),
                r.id.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let media = post
        .attachments
        .as_ref()
        .and_then(|a| a.media_keys.as_ref())
        .map(|k| k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    vec![
        s(post.id.as_deref()),
        s(post.text.as_deref()),
        s(post.created_at.as_deref()),
        s(post.author_id.as_deref()),
        s(p.author.and_then(|u| u.username.as_deref())),
        s(p.author.and_then(|u| u.name.as_deref())),
        s(post.conversation_id.as_deref()),
        s(post.in_reply_to_user_id.as_deref()),
        refs,
        s(post.lang.as_deref()),
        s(post.source.as_deref()),
        n(post.possibly_sensitive),
        n(m.and_then(|m| m.retweet_count)),
        n(m.and_then(|m| m.reply_count)),
        n(m.and_then(|m| m.like_count)),
        n(m.and_then(|m| m.quote_count)),
        n(m.and_then(|m| m.bookmark_count)),
        n(m.and_then(|m| m.impression_count)),
        media,
        s(post.geo.as_ref().and_then(|g| g.place_id.as_deref())),
    ]
}

fn user_row(u: &FlatUser<'_>) -> Vec<String> {
    let user: &User = u.user;
    let m = user.public_metrics.as_ref();
    vec![
        s(user.id.as_deref()),
        s(user.username.as_deref()),
        s(user.name.as_deref()),
        s(user.created_at.as_deref()),
        s(user.description.as_deref()),
        s(user.location.as_deref()),
        s(user.url.as_deref()),
        n(user.verified),
        n(user.protected),
        n(m.and_then(|m| m.followers_count)),
        n(m.and_then(|m| m.following_count)),
        n(m.and_then(|m| m.tweet_count)),
        n(m.and_then(|m| m.listed_count)),
        s(user.pinned_tweet_id.as_deref()),
    ]
}

/// Counts of a flattening.
#[derive(Debug, Default)]
pub struct Flattened {
    /// Pages read.
    pub pages: u64,
    /// Items written.
    pub items: u64,
}

enum Dest<W: Write> {
    Json(io::BufWriter<W>),
    Csv(Box<csv::Writer<io::BufWriter<W>>>, bool),
}

/// Flattens every page of `input` into `output`, as JSON Lines or CSV.
/// Blank lines are skipped; a line that is not a page is an error naming
/// its line number.
pub fn flatten(input: impl BufRead, output: impl Write, csv: bool) -> io::Result<Flattened> {
    let mut input = input;
    let mut counts = Flattened::default();
    let mut line = Vec::with_capacity(1 << 20);
    let mut buf = Vec::with_capacity(1 << 20);
    let out = io::BufWriter::with_capacity(1 << 20, output);
    let mut dest = if csv {
        Dest::Csv(
            Box::new(
                csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(out),
            ),
            false,
        )
    } else {
        Dest::Json(out)
    };
    let mut number = 0u64;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        number += 1;
        if line.trim_ascii().is_empty() {
            continue;
        }
        counts.pages += 1;
        let n = flatten_page(&line, |item| {
            match &mut dest {
                Dest::Json(out) => {
                    buf.clear();
                    item.write_json(&mut buf)?;
                    buf.push(b'\n');
                    out.write_all(&buf)?;
                }
                Dest::Csv(w, header) => {
                    let (columns, row) = match &item {
                        Item::Post(p) => (POST_COLUMNS, post_row(p)),
                        Item::User(u) => (USER_COLUMNS, user_row(u)),
                        _ => return Ok(()),
                    };
                    if !*header {
                        w.write_record(columns)?;
                        *header = true;
                    }
                    w.write_record(&row)?;
                }
            }
            Ok(())
        })
        .map_err(|e| io::Error::new(e.kind(), format!("line {number}: {e}")))?;
        counts.items += n as u64;
    }
    match dest {
        Dest::Json(mut out) => out.flush()?,
        Dest::Csv(mut w, _) => w.flush()?,
    }
    Ok(counts)
}
