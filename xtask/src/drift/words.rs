//! The word map that pairs renames: a name that disappears while the same
//! name with `tweet` → `post` (and the like) appears is a rename.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};

/// The word map used to pair renames.
#[derive(Clone, Debug)]
pub struct Words {
    map: BTreeMap<String, String>,
}

/// Word pairs every comparison uses.
pub const DEFAULT_WORDS: &[(&str, &str)] = &[
    ("tweet", "post"),
    ("tweets", "posts"),
    ("tweeted", "posted"),
    ("retweet", "repost"),
    ("retweets", "reposts"),
    ("retweeted", "reposted"),
];

impl Default for Words {
    fn default() -> Self {
        Words {
            map: DEFAULT_WORDS
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        }
    }
}

impl Words {
    /// The default map plus `OLD=NEW` pairs.
    pub fn with_extra(extra: &[String]) -> Result<Self> {
        let mut words = Words::default();
        for pair in extra {
            let Some((a, b)) = pair.split_once('=') else {
                bail!("--word wants OLD=NEW, got {pair:?}");
            };
            let (a, b) = (a.trim(), b.trim());
            if a.is_empty() || b.is_empty() || !a.chars().all(char::is_alphanumeric) {
                bail!("--word wants two words as OLD=NEW, got {pair:?}");
            }
            words.map.insert(a.to_lowercase(), b.to_owned());
        }
        Ok(words)
    }

    /// `name` with every mapped word replaced (words are runs of letters and
    /// digits; case is kept for capitalised and upper-case words).
    pub fn translate(&self, name: &str) -> String {
        let mut out = String::with_capacity(name.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            if word.is_empty() {
                return;
            }
            match self.map.get(&word.to_lowercase()) {
                Some(to) => {
                    let mut chars = word.chars();
                    let first_upper = chars.next().is_some_and(char::is_uppercase);
                    let all_upper = word.chars().all(|c| !c.is_lowercase());
                    if all_upper && word.chars().count() > 1 {
                        out.push_str(&to.to_uppercase());
                    } else if first_upper {
                        let mut t = to.chars();
                        if let Some(f) = t.next() {
                            out.extend(f.to_uppercase());
                            out.push_str(t.as_str());
                        }
                    } else {
                        out.push_str(to);
                    }
                }
                None => out.push_str(word),
            }
            word.clear();
        };
        for c in name.chars() {
            if c.is_alphanumeric() {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }

    /// Pairs names that disappeared with names that appeared when the word
    /// map turns one into the other. Returns the pairs, sorted.
    pub fn pair(&self, removed: &[String], added: &[String]) -> Vec<(String, String)> {
        let added: BTreeSet<&String> = added.iter().collect();
        let mut used = BTreeSet::new();
        let mut out = Vec::new();
        let mut removed: Vec<&String> = removed.iter().collect();
        removed.sort();
        for r in removed {
            let t = self.translate(r);
            if t != *r && added.contains(&t) && used.insert(t.clone()) {
                out.push((r.clone(), t));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_map_translates_words_not_substrings() {
        let w = Words::default();
        assert_eq!(
            w.translate("edit_history_tweet_ids"),
            "edit_history_post_ids"
        );
        assert_eq!(w.translate("referenced_tweets.id"), "referenced_posts.id");
        assert_eq!(w.translate("retweet_count"), "repost_count");
        assert_eq!(w.translate("Tweet"), "Post");
        assert_eq!(w.translate("tweetable"), "tweetable");
        let pairs = w.pair(
            &["tweet_count".into(), "geo".into()],
            &["post_count".into(), "place".into()],
        );
        assert_eq!(pairs, [("tweet_count".to_owned(), "post_count".to_owned())]);
    }
}
