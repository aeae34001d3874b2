//! Searches for archiving: recent or full-archive, with the time and id
//! bounds, as raw pages; and the counts call that tells how many posts a
//! search will bring, for a progress bar's total and ETA.
//!
//! A full-archive search or count without `start_time` starts at the
//! beginning of the archive, [`ARCHIVE_START`] (2006-03-21T00:00:00Z),
//! rather than the API's default of the last 30 days: asking the archive is
//! asking for all of it. Full-archive calls are spaced per second by the
//! client ([`ClientBuilder::archive_pacing`](crate::ClientBuilder::archive_pacing)).

use xapi_generated::runtime::RequestParts;

use crate::answer::error::Error;
use crate::client::Client;
use crate::research::pages::{operation, RawPages};

/// The first instant of the full archive, used as `start_time` of a
/// full-archive search or count that names none.
pub const ARCHIVE_START: &str = "2006-03-21T00:00:00Z";

/// A search: its query, bounds and the fields to ask for.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct Search {
    /// The query (`from:XDevelopers -is:retweet`).
    pub query: String,
    /// Full-archive (`/2/tweets/search/all`) rather than the last 7 days.
    pub archive: bool,
    /// Oldest time (RFC 3339), inclusive.
    pub start_time: Option<String>,
    /// Newest time (RFC 3339), exclusive.
    pub end_time: Option<String>,
    /// Only posts newer than this id.
    pub since_id: Option<String>,
    /// Only posts older than this id.
    pub until_id: Option<String>,
    /// Page size (10–100 recent, 10–500 full-archive).
    pub max_results: Option<u32>,
    /// More query parameters (`tweet.fields`, `expansions`, …).
    pub extra: Vec<(String, String)>,
}

setters!(Search {
    archive: bool,
    start_time: Option<String>,
    end_time: Option<String>,
    since_id: Option<String>,
    until_id: Option<String>,
    max_results: Option<u32>,
    extra: Vec<(String, String)>,
});

impl Search {
    /// A recent search for `query`.
    pub fn new(query: impl Into<String>) -> Self {
        Search {
            query: query.into(),
            ..Default::default()
        }
    }

    /// The search operation's id.
    pub fn operation_id(&self) -> &'static str {
        if self.archive {
            "searchPostsAll"
        } else {
            "searchPostsRecent"
        }
    }

    /// The counts operation's id.
    pub fn counts_operation_id(&self) -> &'static str {
        if self.archive {
            "getPostsCountsAll"
        } else {
            "getPostsCountsRecent"
        }
    }

    /// The start time sent: the one given, or [`ARCHIVE_START`] for a
    /// full-archive search.
    pub fn effective_start_time(&self) -> Option<&str> {
        match &self.start_time {
            Some(t) => Some(t),
            None if self.archive => Some(ARCHIVE_START),
            None => None,
        }
    }

    fn bounds(&self, parts: &mut RequestParts) {
        parts.set_query("query", self.query.clone());
        if let Some(t) = self.effective_start_time() {
            parts.set_query("start_time", t.to_owned());
        }
        let optional = [
            ("end_time", &self.end_time),
            ("since_id", &self.since_id),
            ("until_id", &self.until_id),
        ];
        for (name, value) in optional {
            if let Some(v) = value {
                parts.set_query(name, v.clone());
            }
        }
    }

    /// The request parts of the search (without a page token).
    pub fn parts(&self) -> RequestParts {
        let mut parts = RequestParts::default();
        self.bounds(&mut parts);
        if let Some(n) = self.max_results {
            parts.set_query("max_results", n.to_string());
        }
        for (name, value) in &self.extra {
            parts.set_query_owned(name.clone(), value.clone());
        }
        parts
    }

    /// The request parts of the matching counts call at `granularity`
    /// (`minute`, `hour`, `day`).
    pub fn counts_parts(&self, granularity: &str) -> RequestParts {
        let mut parts = RequestParts::default();
        self.bounds(&mut parts);
        parts.set_query("granularity", granularity.to_owned());
        parts
    }

    /// The pages of the search, as received.
    pub fn pages(&self, client: &Client) -> Result<RawPages, Error> {
        Ok(RawPages::new(
            client,
            operation(self.operation_id())?,
            self.parts(),
        ))
    }

    /// The pages of the counts, as received.
    pub fn counts_pages(&self, client: &Client, granularity: &str) -> Result<RawPages, Error> {
        Ok(RawPages::new(
            client,
            operation(self.counts_operation_id())?,
            self.counts_parts(granularity),
        ))
    }

    /// How many posts the search will bring: the sum of
    /// `meta.total_tweet_count` over the counts pages (daily buckets). One
    /// counts call per 31 days of full-archive range; recent counts take one.
    pub async fn expected_total(&self, client: &Client) -> Result<u64, Error> {
        let mut pages = self.counts_pages(client, "day")?;
        let mut total = 0u64;
        while let Some(page) = pages.next().await {
            total = total.saturating_add(page?.total_count.unwrap_or(0));
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_searches_start_at_the_archive_start() {
        let recent = Search::new("rust").parts();
        assert_eq!(recent.query_value("start_time"), None);
        let all = Search::new("rust")
            .archive(true)
            .max_results(Some(500))
            .parts();
        assert_eq!(all.query_value("start_time"), Some(ARCHIVE_START));
        assert_eq!(all.query_value("max_results"), Some("500"));
        let given = Search::new("rust")
            .archive(true)
            .start_time(Some("2020-01-01T00:00:00Z".into()))
            .counts_parts("hour");
        assert_eq!(
            given.query_value("start_time"),
            Some("2020-01-01T00:00:00Z")
        );
        assert_eq!(given.query_value("granularity"), Some("hour"));
        assert_eq!(given.query_value("max_results"), None);
    }
}
