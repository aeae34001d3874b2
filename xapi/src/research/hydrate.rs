//! Hydrating lists of ids: any number of post ids, user ids or usernames,
//! fetched in batches of the lookup's maximum (100), found objects in the
//! order of the input, and every id that did not come back named beside
//! them (deleted, suspended, protected, or simply absent).
#![cfg_attr(not(test), deny(clippy::arithmetic_side_effects))]

use std::collections::HashMap;

use xapi_generated::runtime::{Model, RequestParts};

use crate::answer::error::Error;
use crate::client::Client;
use crate::models::{Problem, Tweet, User};
use crate::research::pages::{fetch_raw, operation, RawPage};

/// Largest number of ids one lookup takes.
pub const BATCH_SIZE: usize = 100;

/// What is looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookupKind {
    /// Post ids (`GET /2/tweets?ids=`).
    Posts,
    /// User ids (`GET /2/users?ids=`).
    Users,
    /// Usernames, with or without `@` (`GET /2/users/by?usernames=`).
    Usernames,
}

impl LookupKind {
    /// The lookup operation's id.
    pub fn operation_id(self) -> &'static str {
        match self {
            LookupKind::Posts => "getPostsByIds",
            LookupKind::Users => "getUsersByIds",
            LookupKind::Usernames => "getUsersByUsernames",
        }
    }

    fn param(self) -> &'static str {
        match self {
            LookupKind::Posts | LookupKind::Users => "ids",
            LookupKind::Usernames => "usernames",
        }
    }
}

/// An id of the input that did not come back as an object.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Missing {
    /// The id (or username) as given.
    pub id: String,
    /// The API's partial error about it (`Not Found Error`, `Authorization
    /// Error`, …), when it sent one.
    pub problem: Option<Problem>,
}

impl Missing {
    /// The problem's title, or `not returned` when the API said nothing.
    pub fn reason(&self) -> &str {
        self.problem
            .as_ref()
            .and_then(|p| p.title.as_deref().or(p.detail.as_deref()))
            .unwrap_or("not returned")
    }
}

/// One batch: the ids asked for, the answer as received, the objects found
/// (in the order of the ids) and the ids missing (also in that order).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Batch<T> {
    /// The ids of this batch, in input order.
    pub ids: Vec<String>,
    /// The answer, byte for byte.
    pub page: RawPage,
    /// The objects found, in the order of `ids`.
    pub found: Vec<T>,
    /// The ids not found, in the order of `ids`.
    pub missing: Vec<Missing>,
}

/// The key an object answers to: its id, or its username in lower case.
trait Keyed {
    fn key(&self, kind: LookupKind) -> Option<String>;
}

impl Keyed for Tweet {
    fn key(&self, _: LookupKind) -> Option<String> {
        self.id.as_deref().map(str::to_owned)
    }
}

impl Keyed for User {
    fn key(&self, kind: LookupKind) -> Option<String> {
        match kind {
            LookupKind::Usernames => self.username.as_deref().map(str::to_lowercase),
            _ => self.id.as_deref().map(str::to_owned),
        }
    }
}

fn normalise(kind: LookupKind, id: &str) -> String {
    let id = id.trim();
    match kind {
        LookupKind::Usernames => id.trim_start_matches('@').to_lowercase(),
        _ => id.to_owned(),
    }
}

/// The body of a lookup answer.
#[derive(serde::Deserialize, serde::Serialize)]
struct Lookup<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default = "Vec::new")]
    errors: Vec<Problem>,
}

impl<T: serde::de::DeserializeOwned + serde::Serialize> Model for Lookup<T> {}

/// Hydrates `ids` in batches of [`BATCH_SIZE`], one batch per call of
/// [`Hydrator::next`].
#[derive(Debug)]
pub struct Hydrator {
    client: Client,
    kind: LookupKind,
    ids: std::vec::IntoIter<String>,
    query: Vec<(String, String)>,
}

impl Hydrator {
    /// A hydrator of `ids` (blank lines and surrounding spaces dropped; for
    /// usernames a leading `@` too); `query` adds parameters to each lookup
    /// (`tweet.fields`, `expansions`, …).
    pub fn new(
        client: &Client,
        kind: LookupKind,
        ids: impl IntoIterator<Item = String>,
        query: Vec<(String, String)>,
    ) -> Self {
        let ids: Vec<String> = ids
            .into_iter()
            .map(|id| match kind {
                LookupKind::Usernames => id.trim().trim_start_matches('@').to_owned(),
                _ => id.trim().to_owned(),
            })
            .filter(|id| !id.is_empty())
            .collect();
        Hydrator {
            client: client.clone(),
            kind,
            ids: ids.into_iter(),
            query,
        }
    }

    /// Ids not yet asked for.
    pub fn remaining(&self) -> usize {
        self.ids.len()
    }

    /// Skips the first `n` ids (already hydrated by an earlier run).
    pub fn skip(&mut self, n: usize) {
        for _ in 0..n {
            if self.ids.next().is_none() {
                break;
            }
        }
    }

    /// The next batch as raw page and found/missing split, the objects
    /// decoded as `T` ([`Tweet`] for posts, [`User`] for users).
    async fn next_of<T>(&mut self) -> Option<Result<Batch<T>, Error>>
    where
        T: Keyed + Model + Send + 'static,
    {
        let ids: Vec<String> = self.ids.by_ref().take(BATCH_SIZE).collect();
        if ids.is_empty() {
            return None;
        }
        Some(self.batch(ids).await)
    }

    async fn batch<T>(&self, ids: Vec<String>) -> Result<Batch<T>, Error>
    where
        T: Keyed + Model + Send + 'static,
    {
        let op = operation(self.kind.operation_id())?;
        let mut parts = RequestParts::new(op);
        parts.set_query(self.kind.param(), ids.join(","));
        for (name, value) in &self.query {
            parts.set_query_owned(name.clone(), value.clone());
        }
        let page = fetch_raw(&self.client, op, &parts, None).await?;
        let body = page.decode::<Lookup<T>>()?.into_body();
        let (found, missing) = order(self.kind, &ids, body.data, body.errors);
        Ok(Batch {
            ids,
            page,
            found,
            missing,
        })
    }
}

impl Hydrator {
    /// The next batch of posts (for [`LookupKind::Posts`]); `None` when
    /// every id has been asked for.
    pub async fn next_posts(&mut self) -> Option<Result<Batch<Tweet>, Error>> {
        self.next_of::<Tweet>().await
    }

    /// The next batch of users (for [`LookupKind::Users`] and
    /// [`LookupKind::Usernames`]).
    pub async fn next_users(&mut self) -> Option<Result<Batch<User>, Error>> {
        self.next_of::<User>().await
    }
}

/// Puts `found` in the order of `ids` and names the ids without an object,
/// with the partial error about each when there is one.
fn order<T: Keyed>(
    kind: LookupKind,
    ids: &[String],
    found: Vec<T>,
    errors: Vec<Problem>,
) -> (Vec<T>, Vec<Missing>) {
    let mut by_key: HashMap<String, T> = HashMap::with_capacity(found.len());
    for object in found {
        if let Some(key) = object.key(kind) {
            by_key.entry(key).or_insert(object);
        }
    }
    let mut problems: HashMap<String, Problem> = HashMap::new();
    for problem in errors {
        let key = problem
            .resource_id
            .as_deref()
            .or(problem.value.as_deref())
            .map(|k| normalise(kind, k));
        if let Some(key) = key {
            problems.entry(key).or_insert(problem);
        }
    }
    let mut ordered = Vec::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        let key = normalise(kind, id);
        match by_key.remove(&key) {
            Some(object) => ordered.push(object),
            // An id given twice is found once: the second is no loss.
            None if ordered
                .iter()
                .any(|o: &T| o.key(kind).as_deref() == Some(&key)) => {}
            None => missing.push(Missing {
                id: id.clone(),
                problem: problems.remove(&key),
            }),
        }
    }
    (ordered, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: &str) -> Tweet {
        serde_json::from_value(serde_json::json!({"id": id, "text": "t"})).expect("post")
    }

    #[test]
    fn found_objects_follow_the_input_and_missing_ids_are_named() {
        let ids: Vec<String> = ["3", "1", "9", "2"].map(String::from).to_vec();
        let found = vec![post("1"), post("2"), post("3")];
        let errors: Vec<Problem> = vec![serde_json::from_value(serde_json::json!({
            "resource_id": "9", "title": "Not Found Error", "value": "9"
        }))
        .expect("problem")];
        let (ordered, missing) = order(LookupKind::Posts, &ids, found, errors);
        let got: Vec<_> = ordered.iter().filter_map(|p| p.id.as_deref()).collect();
        assert_eq!(got, ["3", "1", "2"]);
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].id, "9");
        assert_eq!(missing[0].reason(), "Not Found Error");
    }

    #[test]
    fn usernames_match_without_case_or_at_sign() {
        let ids: Vec<String> = ["@Alice", "bob"].map(String::from).to_vec();
        let alice: User =
            serde_json::from_value(serde_json::json!({"id": "1", "username": "alice"}))
                .expect("user");
        let (ordered, missing) = order(LookupKind::Usernames, &ids, vec![alice], vec![]);
        assert_eq!(ordered.len(), 1);
        assert_eq!(missing[0].id, "bob");
        assert_eq!(missing[0].reason(), "not returned");
    }
}
