//! A conversation as a tree: every post found by `conversation_id:` search,
//! each linked to the post it replies to (its `referenced_tweets` entry of
//! type `replied_to`). A parent that is missing (deleted, protected, outside
//! the search's reach) does not lose its replies: they become roots, and
//! [`ConversationTree::missing_parent`] names the id they reply to.
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::collections::HashMap;

use xapi_generated::runtime::RequestParts;

use crate::answer::error::Error;
use crate::client::Client;
use crate::models::{Tweet, TweetReferencedTweetType};
use crate::research::pages::{fetch_raw, operation, RawPage};
use crate::research::search::Search;

/// The posts of a conversation, linked into a tree.
#[derive(Clone, Debug, Default)]
pub struct ConversationTree {
    posts: Vec<Tweet>,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

/// The id of the post `post` replies to.
pub fn replied_to(post: &Tweet) -> Option<&str> {
    post.referenced_tweets
        .iter()
        .flatten()
        .find(|r| r.type_ == Some(TweetReferencedTweetType::RepliedTo))
        .and_then(|r| r.id.as_deref())
}

impl ConversationTree {
    /// Links `posts` (any order; a post given twice is kept once). Children
    /// keep the order of their ids (oldest first for numeric ids).
    pub fn build(posts: impl IntoIterator<Item = Tweet>) -> Self {
        let mut seen = HashMap::new();
        let mut kept: Vec<Tweet> = Vec::new();
        for post in posts {
            let Some(id) = post.id.as_deref().map(str::to_owned) else {
                continue;
            };
            if seen.contains_key(&id) {
                continue;
            }
            seen.insert(id, kept.len());
            kept.push(post);
        }
        // Oldest first: ids grow with time (shorter is older).
        kept.sort_by(|a, b| {
            let (a, b) = (a.id.as_deref().unwrap_or(""), b.id.as_deref().unwrap_or(""));
            (a.len(), a).cmp(&(b.len(), b))
        });
        let index: HashMap<&str, usize> = kept
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((p.id.as_deref()?, i)))
            .collect();
        let mut parent = vec![None; kept.len()];
        let mut children = vec![Vec::new(); kept.len()];
        let mut roots = Vec::new();
        for (i, post) in kept.iter().enumerate() {
            match replied_to(post).and_then(|id| index.get(id)).copied() {
                Some(p) if p != i => {
                    if let (Some(slot), Some(list)) = (parent.get_mut(i), children.get_mut(p)) {
                        *slot = Some(p);
                        list.push(i);
                    }
                }
                _ => roots.push(i),
            }
        }
        ConversationTree {
            posts: kept,
            parent,
            children,
            roots,
        }
    }

    /// The posts, oldest first; the indexes below point into this.
    pub fn posts(&self) -> &[Tweet] {
        &self.posts
    }

    /// Number of posts.
    pub fn len(&self) -> usize {
        self.posts.len()
    }

    /// Whether there is no post.
    pub fn is_empty(&self) -> bool {
        self.posts.is_empty()
    }

    /// Posts without a parent in the tree: the conversation's first post,
    /// and replies whose parent is missing.
    pub fn roots(&self) -> &[usize] {
        &self.roots
    }

    /// The replies to post `i`.
    pub fn children(&self, i: usize) -> &[usize] {
        self.children.get(i).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The post `i` replies to, when it is in the tree.
    pub fn parent(&self, i: usize) -> Option<usize> {
        self.parent.get(i).copied().flatten()
    }

    /// The id `i` replies to when that post is not in the tree.
    pub fn missing_parent(&self, i: usize) -> Option<&str> {
        match self.parent(i) {
            Some(_) => None,
            None => self.posts.get(i).and_then(replied_to),
        }
    }

    /// Every post with its depth, parents before their replies.
    pub fn depth_first(&self) -> Vec<(usize, &Tweet)> {
        let mut out = Vec::with_capacity(self.posts.len());
        let mut stack: Vec<(usize, usize)> = self.roots.iter().rev().map(|&r| (r, 0)).collect();
        while let Some((i, depth)) = stack.pop() {
            if let Some(post) = self.posts.get(i) {
                out.push((depth, post));
            }
            for &c in self.children(i).iter().rev() {
                stack.push((c, depth.saturating_add(1)));
            }
        }
        out
    }
}

/// Looks up `post_id` (with `conversation_id`) and returns its conversation
/// id with the answer as received.
pub async fn conversation_id_of(
    client: &Client,
    post_id: &str,
    extra: &[(String, String)],
) -> Result<(String, RawPage), Error> {
    let op = operation("getPostsById")?;
    let mut parts = RequestParts::new(op);
    parts.set_path("id", post_id.to_owned());
    let mut fields = "conversation_id".to_owned();
    for (name, value) in extra {
        if name == "tweet.fields" {
            fields = format!("{value},conversation_id");
        } else {
            parts.set_query_owned(name.clone(), value.clone());
        }
    }
    parts.set_query("tweet.fields", fields);
    let page = fetch_raw(client, op, &parts, None).await?;
    #[derive(serde::Deserialize, serde::Serialize)]
    struct One {
        data: Option<Tweet>,
    }
    impl xapi_generated::runtime::Model for One {}
    let one = page.decode::<One>()?.into_body();
    let id = one
        .data
        .and_then(|p| p.conversation_id.or(p.id))
        .map(|id| id.to_string())
        .ok_or_else(|| Error::InvalidRequest {
            operation: "getPostsById",
            parameter: "id".into(),
            rule: format!("post {post_id} came back without a conversation id"),
        })?;
    Ok((id, page))
}

/// The search that finds the posts of conversation `conversation_id`.
pub fn conversation_search(conversation_id: &str, archive: bool) -> Search {
    Search::new(format!("conversation_id:{conversation_id}")).archive(archive)
}

/// Fetches the whole conversation of `post_id` (recent search, or
/// full-archive with `archive`) and links it into a tree; the post the
/// conversation started with is looked up too when the search does not
/// bring it.
pub async fn fetch_conversation(
    client: &Client,
    post_id: &str,
    archive: bool,
) -> Result<ConversationTree, Error> {
    let fields = vec![(
        "tweet.fields".to_owned(),
        "author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets".to_owned(),
    )];
    let (conversation_id, first) = conversation_id_of(client, post_id, &fields).await?;
    let mut posts: Vec<Tweet> = posts_of(&first)?;
    let mut pages = conversation_search(&conversation_id, archive)
        .max_results(Some(100))
        .extra(fields.clone())
        .pages(client)?;
    while let Some(page) = pages.next().await {
        posts.extend(posts_of(&page?)?);
    }
    if !posts
        .iter()
        .any(|p| p.id.as_deref() == Some(conversation_id.as_str()))
    {
        // The first post, when it can be had (a missing one is tolerated).
        if let Ok((_, root)) = conversation_id_of(client, &conversation_id, &fields).await {
            posts.extend(posts_of(&root)?);
        }
    }
    Ok(ConversationTree::build(posts))
}

/// The posts of a page whose `data` is one post or a list of them.
fn posts_of(page: &RawPage) -> Result<Vec<Tweet>, Error> {
    let value = page.decode::<serde_json::Value>()?.into_body();
    let decode = |v: &serde_json::Value| serde::Deserialize::deserialize(v).ok();
    let posts = match value.get("data") {
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(decode).collect(),
        Some(one @ serde_json::Value::Object(_)) => decode(one).into_iter().collect(),
        _ => Vec::new(),
    };
    Ok(posts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str, parent: Option<&str>) -> Tweet {
        let mut v = serde_json::json!({"id": id, "text": id});
        if let Some(p) = parent {
            v["referenced_tweets"] = serde_json::json!([{"type": "replied_to", "id": p}]);
        }
        serde_json::from_value(v).expect("post")
    }

    #[test]
    fn replies_link_to_their_parents_and_orphans_become_roots() {
        let tree = ConversationTree::build(vec![
            post("13", Some("11")),
            post("10", None),
            post("11", Some("10")),
            post("12", Some("10")),
            post("15", Some("14")), // 14 is missing
            post("12", Some("10")), // twice
        ]);
        assert_eq!(tree.len(), 5);
        let ids = |list: &[usize]| -> Vec<String> {
            list.iter()
                .map(|&i| tree.posts()[i].id.as_deref().unwrap_or("").to_owned())
                .collect()
        };
        assert_eq!(ids(tree.roots()), ["10", "15"]);
        let root = tree.roots()[0];
        assert_eq!(ids(tree.children(root)), ["11", "12"]);
        assert_eq!(tree.missing_parent(tree.roots()[1]), Some("14"));
        assert_eq!(tree.missing_parent(root), None);
        let order: Vec<(usize, &str)> = tree
            .depth_first()
            .into_iter()
            .map(|(d, p)| (d, p.id.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            order,
            [(0, "10"), (1, "11"), (2, "13"), (1, "12"), (0, "15")]
        );
    }
}
