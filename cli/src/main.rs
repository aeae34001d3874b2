//! `xapi`: archive posts and users from the X API v2 as JSON Lines.
//!
//! Every command is a thin layer over `xapi::research`; this file holds the
//! command line (clap) and the error line, `commands.rs` the commands,
//! `sink.rs` the safe output and its checkpoint, `flat.rs` flattening to
//! JSON Lines or CSV, `ui.rs` the progress bar and the messages on stderr.

mod commands;
mod flat;
mod sink;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

const AFTER_HELP: &str = "\
Credentials: X_BEARER_TOKEN (or --bearer-token). XAPI_BASE_URL sends every request elsewhere (a proxy, a mock).

Output is JSON Lines: one API response page per line, exactly the body received plus an \"__xapi\" object (request URL, retrieval time, version). OUT defaults to standard output (-). An existing, non-empty OUT is never replaced unless --overwrite is given; --resume continues an interrupted run from OUT.xapi-state (same arguments required).

Exit codes: 0 done, 1 API or I/O error, 2 usage error.";

/// Archive posts and users from the X API v2 as JSON Lines, resumable after
/// any interruption.
#[derive(Parser, Debug)]
#[command(name = "xapi", version, after_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Args, Debug, Clone)]
struct Global {
    /// App-only bearer token (or set X_BEARER_TOKEN).
    #[arg(long, env = "X_BEARER_TOKEN", hide_env_values = true, global = true)]
    bearer_token: Option<String>,
    /// No progress bar and no messages on stderr (errors are still shown).
    #[arg(long, short, global = true)]
    quiet: bool,
}

/// The output file and what may be done to it.
#[derive(Args, Debug, Clone, Default)]
struct Out {
    /// Output file (JSON Lines); `-` or none for standard output.
    #[arg(value_name = "OUT")]
    out: Option<PathBuf>,
    /// Continue an interrupted run from OUT.xapi-state (same arguments).
    #[arg(long, conflicts_with = "overwrite")]
    resume: bool,
    /// Replace a non-empty OUT (only once the first page has arrived).
    #[arg(long)]
    overwrite: bool,
}

impl Out {
    fn mode(&self) -> sink::Mode {
        if self.resume {
            sink::Mode::Resume
        } else if self.overwrite {
            sink::Mode::Overwrite
        } else {
            sink::Mode::Fresh
        }
    }
}

/// Which fields and expansions to ask for.
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Fields {
    /// The API's defaults (ids and text).
    Default,
    /// Every field and expansion (what `flatten` joins).
    #[default]
    All,
}

/// Time and id bounds of a search or timeline.
#[derive(Args, Debug, Clone, Default, Serialize)]
struct Bounds {
    /// Oldest time, RFC 3339 (`2024-01-01T00:00:00Z`), inclusive. A
    /// full-archive search without it starts at 2006-03-21T00:00:00Z.
    #[arg(long)]
    start_time: Option<String>,
    /// Newest time, RFC 3339, exclusive.
    #[arg(long)]
    end_time: Option<String>,
    /// Only posts newer than this id.
    #[arg(long)]
    since_id: Option<String>,
    /// Only posts older than this id.
    #[arg(long)]
    until_id: Option<String>,
}

/// Size of the pull.
#[derive(Args, Debug, Clone, Default, Serialize)]
struct Size {
    /// Stop once this many items are written (whole pages are kept, so the
    /// last page may bring a few more).
    #[arg(long)]
    limit: Option<u64>,
    /// Page size (the API's limits apply: 10–100 for recent search, 10–500
    /// full-archive, 5–100 timelines, 1–1000 followers).
    #[arg(long)]
    max_results: Option<u32>,
    /// Fields and expansions to ask for.
    #[arg(long, value_enum, default_value_t = Fields::All)]
    fields: Fields,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Search posts: the last 7 days, or the full archive with --archive.
    Search {
        /// The search query (`from:XDevelopers -is:retweet`).
        query: String,
        /// Full-archive search (/2/tweets/search/all), paced to 1 request/s.
        #[arg(long)]
        archive: bool,
        /// Ask the counts endpoint first, for a progress total and ETA.
        #[arg(long)]
        count_first: bool,
        #[command(flatten)]
        bounds: Bounds,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// Count posts matching a query, per minute, hour or day.
    Counts {
        /// The search query.
        query: String,
        /// Full-archive counts (/2/tweets/counts/all).
        #[arg(long)]
        archive: bool,
        /// Bucket size.
        #[arg(long, value_enum, default_value_t = Granularity::Day)]
        granularity: Granularity,
        #[command(flatten)]
        bounds: Bounds,
        #[command(flatten)]
        out: Out,
    },
    /// The posts of a user (up to the latest 3200).
    Timeline {
        /// A user id, or `@username`.
        user: String,
        #[command(flatten)]
        bounds: Bounds,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// The posts mentioning a user.
    Mentions {
        /// A user id, or `@username`.
        user: String,
        #[command(flatten)]
        bounds: Bounds,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// The followers of a user.
    Followers {
        /// A user id, or `@username`.
        user: String,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// The accounts a user follows.
    Following {
        /// A user id, or `@username`.
        user: String,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// The users who liked a post.
    LikingUsers {
        /// A post id.
        post: String,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// The users who reposted a post.
    RepostedBy {
        /// A post id.
        post: String,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// The posts quoting a post.
    Quotes {
        /// A post id.
        post: String,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// The members of a list.
    ListMembers {
        /// A list id.
        list: String,
        #[command(flatten)]
        size: Size,
        #[command(flatten)]
        out: Out,
    },
    /// Look up posts by id, 100 per request; ids not returned are reported.
    Hydrate {
        /// A file of post ids, one per line (`-` for standard input).
        ids: PathBuf,
        /// Fields and expansions to ask for.
        #[arg(long, value_enum, default_value_t = Fields::All)]
        fields: Fields,
        #[command(flatten)]
        out: Out,
    },
    /// Look up users by id (or by username with --usernames), 100 per request.
    Users {
        /// A file of user ids (or usernames), one per line (`-` for stdin).
        ids: PathBuf,
        /// The file holds usernames (with or without `@`).
        #[arg(long)]
        usernames: bool,
        /// Fields and expansions to ask for.
        #[arg(long, value_enum, default_value_t = Fields::All)]
        fields: Fields,
        #[command(flatten)]
        out: Out,
    },
    /// The whole conversation of a post: the post, then every reply found
    /// by `conversation_id:` search.
    Conversation {
        /// A post id.
        post: String,
        /// Search the full archive (the recent search sees 7 days).
        #[arg(long)]
        archive: bool,
        /// Fields and expansions to ask for.
        #[arg(long, value_enum, default_value_t = Fields::All)]
        fields: Fields,
        #[command(flatten)]
        out: Out,
    },
    /// The filtered stream (or the sample stream), one message per line,
    /// until Ctrl-C or --limit.
    Stream {
        /// The 1% sample stream instead of the filtered stream.
        #[arg(long)]
        sample: bool,
        /// Stop after this many messages.
        #[arg(long)]
        limit: Option<u64>,
        /// Fields and expansions to ask for.
        #[arg(long, value_enum, default_value_t = Fields::All)]
        fields: Fields,
        #[command(flatten)]
        out: Out,
    },
    /// List, add, delete or sync the filtered stream's rules.
    StreamRules {
        #[command(subcommand)]
        action: RulesAction,
    },
    /// Batch compliance: upload ids, wait for the job, write what needs action.
    Compliance {
        /// A file of post or user ids, one per line.
        ids: PathBuf,
        /// What the ids are.
        #[arg(long, value_enum)]
        kind: Kind,
        /// Seconds between two status checks of the job.
        #[arg(long, default_value_t = 30.0)]
        poll_seconds: f64,
        #[command(flatten)]
        out: Out,
    },
    /// Pages to one post (or user) per line, with author, referenced posts,
    /// media, poll, place, replied-to and mentioned users joined in.
    Flatten {
        /// Pages written by another command (`-` for standard input).
        input: PathBuf,
        /// Write CSV with a header row instead of JSON Lines.
        #[arg(long)]
        csv: bool,
        /// Output file; `-` or none for standard output.
        #[arg(value_name = "OUT")]
        out: Option<PathBuf>,
        /// Replace a non-empty OUT.
        #[arg(long)]
        overwrite: bool,
    },
}

#[derive(Subcommand, Debug)]
enum RulesAction {
    /// Print the rules, one JSON object per line.
    List,
    /// Add the rules of FILE: one per line, `VALUE` or `VALUE<TAB>TAG`.
    Add {
        /// The rules file.
        file: PathBuf,
        /// Only validate them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete the rules of FILE: ids or values, one per line.
    Delete {
        /// The file of ids or values.
        file: PathBuf,
        /// Only validate.
        #[arg(long)]
        dry_run: bool,
    },
    /// Make the rules exactly those of FILE (same format as `add`).
    Sync {
        /// The rules file.
        file: PathBuf,
        /// Only show what would change.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Bucket size of counts.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Granularity {
    /// Per minute.
    Minute,
    /// Per hour.
    Hour,
    /// Per day.
    Day,
}

/// Ids of a compliance job.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    /// Post ids.
    Tweets,
    /// User ids.
    Users,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(1)
        }
    }
}

/// An error as one line: for an API error the status, the problem's title
/// and detail, and the request id.
fn one_line(e: &commands::Failure) -> String {
    let text = match e {
        commands::Failure::Api(err) => match err.api() {
            Some(api) => {
                let mut s = format!("HTTP {}", api.status);
                if let Some(p) = &api.problem {
                    if let Some(t) = p.title.as_deref() {
                        s.push_str(&format!(" {t}"));
                    }
                    if let Some(d) = p.detail.as_deref() {
                        s.push_str(&format!(": {d}"));
                    }
                }
                s.push_str(&format!(" ({})", api.operation));
                if let Some(id) = &api.request_id {
                    s.push_str(&format!(", request id {id}"));
                }
                s
            }
            None => err.to_string(),
        },
        commands::Failure::Io(err) => err.to_string(),
        commands::Failure::Other(s) => s.clone(),
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
