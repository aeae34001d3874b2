//! The commands, each a thin layer over `xapi::research`.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::{json, Value};
use xapi::research::compliance::{self, JobKind, Polling};
use xapi::research::conversation::{conversation_id_of, conversation_search};
use xapi::research::hydrate::{Hydrator, LookupKind};
use xapi::research::pages::{line_with, operation, rfc3339, RawPages, VERSION};
use xapi::research::search::Search;
use xapi::retry::RetryPolicy;
use xapi::rules::NewRule;
use xapi::runtime::{RequestParts, Sender};
use xapi::Client;

use crate::sink::Sink;
use crate::ui::Ui;
use crate::{Cli, Command, Fields, Kind, Out, RulesAction, Size};

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The API or the client.
    Api(xapi::Error),
    /// A file.
    Io(io::Error),
    /// Anything else, in words.
    Other(String),
}

impl From<xapi::Error> for Failure {
    fn from(e: xapi::Error) -> Self {
        Failure::Api(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

type Result<T> = std::result::Result<T, Failure>;

const TWEET_FIELDS: &str = "attachments,author_id,context_annotations,conversation_id,created_at,edit_controls,edit_history_tweet_ids,entities,geo,id,in_reply_to_user_id,lang,note_tweet,possibly_sensitive,public_metrics,referenced_tweets,reply_settings,source,text,withheld";
const USER_FIELDS: &str = "created_at,description,entities,id,location,most_recent_tweet_id,name,pinned_tweet_id,profile_image_url,protected,public_metrics,url,username,verified,verified_type,withheld";
const POST_EXPANSIONS: &str = "author_id,attachments.media_keys,attachments.poll_ids,entities.mentions.username,geo.place_id,in_reply_to_user_id,referenced_tweets.id,referenced_tweets.id.author_id";
const MEDIA_FIELDS: &str = "alt_text,duration_ms,height,media_key,preview_image_url,public_metrics,type,url,variants,width";
const POLL_FIELDS: &str = "duration_minutes,end_datetime,id,options,voting_status";
const PLACE_FIELDS: &str = "contained_within,country,country_code,full_name,geo,id,name,place_type";

/// The query parameters of `fields` for operations returning posts.
fn post_fields(fields: Fields) -> Vec<(String, String)> {
    match fields {
        Fields::Default => vec![],
        Fields::All => [
            ("tweet.fields", TWEET_FIELDS),
            ("user.fields", USER_FIELDS),
            ("expansions", POST_EXPANSIONS),
            ("media.fields", MEDIA_FIELDS),
            ("poll.fields", POLL_FIELDS),
            ("place.fields", PLACE_FIELDS),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec(),
    }
}

/// The query parameters of `fields` for operations returning users.
fn user_fields(fields: Fields) -> Vec<(String, String)> {
    match fields {
        Fields::Default => vec![],
        Fields::All => [
            ("user.fields", USER_FIELDS),
            ("expansions", "pinned_tweet_id"),
            ("tweet.fields", TWEET_FIELDS),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec(),
    }
}

fn client(cli: &Cli, ui: &Arc<Ui>) -> Result<Client> {
    let mut builder = Client::builder()
        .retry_policy(RetryPolicy::patient())
        .progress(ui.progress());
    if let Some(token) = cli.global.bearer_token.as_deref().filter(|t| !t.is_empty()) {
        builder = builder.bearer_token(token);
    }
    Ok(builder.build()?)
}

/// The arguments a checkpoint must match: the command without its output
/// flags.
fn arguments(command: &Command) -> Value {
    let text = format!("{command:?}");
    // The output flags are not part of what is pulled.
    let cut = text.split("out: Out {").next().unwrap_or(&text).to_owned();
    Value::String(cut)
}

fn open(out: &Out, command: &Command, name: &str) -> Result<Sink> {
    Ok(Sink::open(
        out.out.as_deref(),
        out.mode(),
        name,
        arguments(command),
    )?)
}

/// Runs the command.
pub async fn run(cli: Cli) -> Result<()> {
    let ui = Ui::new(cli.global.quiet);
    let result = dispatch(&cli, &ui).await;
    ui.finish();
    result
}

async fn dispatch(cli: &Cli, ui: &Arc<Ui>) -> Result<()> {
    let command = &cli.command;
    match command {
        Command::Flatten {
            input,
            csv,
            out,
            overwrite,
        } => return flatten(input, *csv, out.as_deref(), *overwrite, ui),
        Command::StreamRules { action } => return rules(&client(cli, ui)?, action).await,
        _ => {}
    }
    let client = client(cli, ui)?;
    match command {
        Command::Search {
            query,
            archive,
            count_first,
            bounds,
            size,
            out,
        } => {
            let search = search_of(query, *archive, bounds, size);
            let mut sink = open(out, command, "search")?;
            if *count_first && !sink.finished() {
                let total = search.expected_total(&client).await?;
                ui.say(&format!("expected: {total} posts"));
                ui.set_total(total);
            }
            let pages = search.pages(&client)?;
            pull(&mut sink, pages, size.limit, ui).await
        }
        Command::Counts {
            query,
            archive,
            granularity,
            bounds,
            out,
        } => {
            let search = search_of(query, *archive, bounds, &Size::default());
            let granularity = match granularity {
                crate::Granularity::Minute => "minute",
                crate::Granularity::Hour => "hour",
                crate::Granularity::Day => "day",
            };
            let mut sink = open(out, command, "counts")?;
            let pages = search.counts_pages(&client, granularity)?;
            pull(&mut sink, pages, None, ui).await
        }
        Command::Timeline {
            user,
            bounds,
            size,
            out,
        }
        | Command::Mentions {
            user,
            bounds,
            size,
            out,
        } => {
            let name = if matches!(command, Command::Timeline { .. }) {
                "timeline"
            } else {
                "mentions"
            };
            let mut sink = open(out, command, name)?;
            let id = user_id(&client, user).await?;
            let op_id = if name == "timeline" {
                "getUsersPosts"
            } else {
                "getUsersMentions"
            };
            let op = operation(op_id)?;
            let mut parts = RequestParts::new(op);
            parts.set_path("id", id);
            let pairs = [
                ("start_time", &bounds.start_time),
                ("end_time", &bounds.end_time),
                ("since_id", &bounds.since_id),
                ("until_id", &bounds.until_id),
            ];
            for (k, v) in pairs {
                if let Some(v) = v {
                    parts.set_query(k, v.clone());
                }
            }
            sized(&mut parts, size, post_fields(size.fields));
            pull(&mut sink, RawPages::new(&client, op, parts), size.limit, ui).await
        }
        Command::Followers { user, size, out } | Command::Following { user, size, out } => {
            let (name, op_id) = if matches!(command, Command::Followers { .. }) {
                ("followers", "getUsersFollowers")
            } else {
                ("following", "getUsersFollowing")
            };
            let mut sink = open(out, command, name)?;
            let id = user_id(&client, user).await?;
            let op = operation(op_id)?;
            let mut parts = RequestParts::new(op);
            parts.set_path("id", id);
            sized(&mut parts, size, user_fields(size.fields));
            pull(&mut sink, RawPages::new(&client, op, parts), size.limit, ui).await
        }
        Command::LikingUsers {
            post: id,
            size,
            out,
        }
        | Command::RepostedBy {
            post: id,
            size,
            out,
        }
        | Command::Quotes {
            post: id,
            size,
            out,
        }
        | Command::ListMembers {
            list: id,
            size,
            out,
        } => {
            let (name, op_id, fields) = match command {
                Command::LikingUsers { .. } => (
                    "liking-users",
                    "getPostsLikingUsers",
                    user_fields(size.fields),
                ),
                Command::RepostedBy { .. } => (
                    "reposted-by",
                    "getPostsRepostedBy",
                    user_fields(size.fields),
                ),
                Command::Quotes { .. } => {
                    ("quotes", "getPostsQuotedPosts", post_fields(size.fields))
                }
                _ => ("list-members", "getListsMembers", user_fields(size.fields)),
            };
            let mut sink = open(out, command, name)?;
            let op = operation(op_id)?;
            let mut parts = RequestParts::new(op);
            parts.set_path("id", id.clone());
            sized(&mut parts, size, fields);
            pull(&mut sink, RawPages::new(&client, op, parts), size.limit, ui).await
        }
        Command::Hydrate { ids, fields, out } => {
            let mut sink = open(out, command, "hydrate")?;
            let ids = read_ids(ids)?;
            hydrate(
                &client,
                &mut sink,
                LookupKind::Posts,
                ids,
                post_fields(*fields),
                ui,
            )
            .await
        }
        Command::Users {
            ids,
            usernames,
            fields,
            out,
        } => {
            let mut sink = open(out, command, "users")?;
            let ids = read_ids(ids)?;
            let kind = if *usernames {
                LookupKind::Usernames
            } else {
                LookupKind::Users
            };
            hydrate(&client, &mut sink, kind, ids, user_fields(*fields), ui).await
        }
        Command::Conversation {
            post,
            archive,
            fields,
            out,
        } => {
            let mut sink = open(out, command, "conversation")?;
            if sink.finished() {
                return Ok(());
            }
            let extra = post_fields(*fields);
            let conversation_id = match sink.state.cursor.get("conversation_id") {
                Some(Value::String(id)) => id.clone(),
                _ => {
                    let (id, page) = conversation_id_of(&client, post, &extra).await?;
                    sink.write(
                        &page.line(),
                        page.items as u64,
                        json!({ "conversation_id": id, "next_token": null }),
                    )?;
                    ui.page(page.items as u64);
                    id
                }
            };
            let search = conversation_search(&conversation_id, *archive)
                .max_results(Some(100))
                .extra(extra);
            let pages = search.pages(&client)?;
            pull(&mut sink, pages, None, ui).await
        }
        Command::Stream {
            sample,
            limit,
            fields,
            out,
        } => {
            let mut sink = open(out, command, "stream")?;
            stream(&client, &mut sink, *sample, *limit, *fields, ui).await
        }
        Command::Compliance {
            ids,
            kind,
            poll_seconds,
            out,
        } => {
            let mut sink = open(out, command, "compliance")?;
            let ids = read_ids(ids)?;
            let kind = match kind {
                Kind::Tweets => JobKind::Tweets,
                Kind::Users => JobKind::Users,
            };
            let interval = Duration::try_from_secs_f64(*poll_seconds)
                .map_err(|e| Failure::Other(format!("--poll-seconds: {e}")))?;
            comply(
                &client,
                &mut sink,
                kind,
                ids,
                Polling::default().interval(interval),
                ui,
            )
            .await
        }
        Command::Flatten { .. } | Command::StreamRules { .. } => Ok(()),
    }
}

fn search_of(query: &str, archive: bool, bounds: &crate::Bounds, size: &Size) -> Search {
    Search::new(query)
        .archive(archive)
        .start_time(bounds.start_time.clone())
        .end_time(bounds.end_time.clone())
        .since_id(bounds.since_id.clone())
        .until_id(bounds.until_id.clone())
        .max_results(size.max_results)
        .extra(post_fields(size.fields))
}

fn sized(parts: &mut RequestParts, size: &Size, fields: Vec<(String, String)>) {
    if let Some(n) = size.max_results {
        parts.set_query("max_results", n.to_string());
    }
    for (k, v) in fields {
        parts.set_query_owned(k, v);
    }
}

/// A user id from an id or `@username` (looked up).
async fn user_id(client: &Client, user: &str) -> Result<String> {
    let Some(name) = user.strip_prefix('@') else {
        return Ok(user.to_owned());
    };
    let op = operation("getUsersByUsername")?;
    let mut parts = RequestParts::new(op);
    parts.set_path("username", name.to_owned());
    let answer = client.send_operation::<Value>(op, parts).await?;
    answer
        .body()
        .get("data")
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Failure::Other(format!("user @{name} was not found")))
}

/// Follows `pages` into `sink` from its checkpoint, until the last page or
/// `limit` items.
async fn pull(sink: &mut Sink, mut pages: RawPages, limit: Option<u64>, ui: &Ui) -> Result<()> {
    if sink.finished() {
        ui.say("already complete: nothing to do");
        return Ok(());
    }
    if sink.state.pages > 0 {
        match sink.state.cursor.get("next_token").and_then(Value::as_str) {
            Some(token) => {
                ui.say(&format!(
                    "resuming after {} pages ({} items)",
                    sink.state.pages, sink.state.items
                ));
                pages = pages.resume_from(token);
            }
            None if sink.state.cursor.get("conversation_id").is_none() => {
                sink.finish()?;
                return Ok(());
            }
            None => {}
        }
    }
    ui.start_at(sink.state.pages, sink.state.items);
    while let Some(page) = pages.next().await {
        let page = page?;
        let items = page.items as u64;
        let mut cursor = json!({ "next_token": page.next_token });
        if let (Some(obj), Some(id)) = (
            cursor.as_object_mut(),
            sink.state.cursor.get("conversation_id"),
        ) {
            obj.insert("conversation_id".into(), id.clone());
        }
        let last = page.next_token.is_none();
        sink.write(&page.line(), items, cursor)?;
        ui.page(items);
        if last {
            break;
        }
        if limit.is_some_and(|l| sink.state.items >= l) {
            ui.say(&format!("limit reached: {} items", sink.state.items));
            break;
        }
    }
    sink.finish()?;
    Ok(())
}

/// The ids of a file (or standard input for `-`), one per line.
fn read_ids(path: &Path) -> Result<Vec<String>> {
    let mut text = String::new();
    if path == Path::new("-") {
        io::stdin().read_to_string(&mut text)?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
    }
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

async fn hydrate(
    client: &Client,
    sink: &mut Sink,
    kind: LookupKind,
    ids: Vec<String>,
    fields: Vec<(String, String)>,
    ui: &Ui,
) -> Result<()> {
    if sink.finished() {
        return Ok(());
    }
    let done = sink.state.cursor_count("done_ids");
    ui.set_total(ids.len() as u64);
    ui.start_at(sink.state.pages, done);
    let mut hydrator = Hydrator::new(client, kind, ids, fields);
    hydrator.skip(usize::try_from(done).unwrap_or(usize::MAX));
    let mut asked = done;
    let mut missing_total = 0u64;
    loop {
        // Posts and users differ only in the type of what was found.
        let (page, batch_ids, missing) = match kind {
            LookupKind::Posts => match hydrator.next_posts().await {
                None => break,
                Some(b) => {
                    let b = b?;
                    (b.page, b.ids, b.missing)
                }
            },
            _ => match hydrator.next_users().await {
                None => break,
                Some(b) => {
                    let b = b?;
                    (b.page, b.ids, b.missing)
                }
            },
        };
        asked += batch_ids.len() as u64;
        let missing_ids: Vec<Value> = missing
            .iter()
            .map(|m| json!({"id": m.id, "reason": m.reason()}))
            .collect();
        for m in &missing {
            ui.say(&format!("missing: {} ({})", m.id, m.reason()));
        }
        missing_total += missing.len() as u64;
        let mut provenance = page.provenance();
        if let Some(obj) = provenance.as_object_mut() {
            obj.insert("ids".into(), json!(batch_ids));
            obj.insert("missing".into(), Value::Array(missing_ids));
        }
        let line = line_with(&page.body, &provenance);
        sink.write(&line, page.items as u64, json!({ "done_ids": asked }))?;
        ui.page(batch_ids.len() as u64);
    }
    if missing_total > 0 {
        ui.say(&format!("{missing_total} ids not returned"));
    }
    sink.finish()?;
    Ok(())
}

async fn stream(
    client: &Client,
    sink: &mut Sink,
    sample: bool,
    limit: Option<u64>,
    fields: Fields,
    ui: &Ui,
) -> Result<()> {
    let op = operation(if sample {
        "streamPostsSample"
    } else {
        "streamPosts"
    })?;
    let mut parts = RequestParts::new(op);
    for (k, v) in post_fields(fields) {
        parts.set_query_owned(k, v);
    }
    let url = format!("{}{}", client.base_url(), op.path);
    let mut messages = client.open_stream::<Value>(op, parts).messages();
    let mut count = sink.state.items;
    ui.start_at(sink.state.pages, count);
    if limit.is_some_and(|l| count >= l) {
        return Ok(());
    }
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let next = tokio::select! {
            m = messages.next() => m,
            _ = &mut stop => {
                ui.say("interrupted: stopping");
                break;
            }
        };
        let Some(message) = next else { break };
        let message = message?;
        let body = serde_json::to_vec(message.body()).map_err(io::Error::from)?;
        let provenance = json!({
            "url": url,
            "retrieved_at": rfc3339(std::time::SystemTime::now()),
            "version": VERSION,
            "operation": op.id,
        });
        count += 1;
        sink.write(
            &line_with(&body, &provenance),
            1,
            json!({ "messages": count }),
        )?;
        ui.page(1);
        if limit.is_some_and(|l| count >= l) {
            break;
        }
    }
    sink.finish()?;
    Ok(())
}

async fn comply(
    client: &Client,
    sink: &mut Sink,
    kind: JobKind,
    ids: Vec<String>,
    polling: Polling,
    ui: &Ui,
) -> Result<()> {
    if sink.finished() {
        return Ok(());
    }
    let written = sink.state.cursor_count("lines");
    let done = match sink.state.cursor.get("job_id").and_then(Value::as_str) {
        Some(id) => {
            ui.say(&format!("resuming compliance job {id}"));
            compliance::resume_until_complete(client, id, &ids, polling).await?
        }
        None => {
            let created = compliance::create_job(client, kind, None).await?;
            let id = created.id.as_deref().unwrap_or("").to_owned();
            ui.say(&format!("compliance job {id} created"));
            sink.checkpoint(json!({ "job_id": id, "lines": 0 }))?;
            compliance::upload(client, &created, &ids).await?;
            ui.say(&format!("{} ids uploaded; waiting for the job", ids.len()));
            compliance::wait(client, &id, polling).await?
        }
    };
    let id = done.id.as_deref().unwrap_or("").to_owned();
    // Lines go out in blocks, each with its checkpoint, so that a download
    // cut half-way is resumed after the last block written.
    let mut block: Vec<u8> = Vec::new();
    let (mut seen, mut in_block) = (0u64, 0u64);
    let lines = compliance::download_lines(client, &done);
    futures::pin_mut!(lines);
    while let Some(line) = lines.next().await {
        let line = line?;
        seen = seen.saturating_add(1);
        if seen <= written {
            continue;
        }
        if !block.is_empty() {
            block.push(b'\n');
        }
        block.extend_from_slice(&line);
        in_block = in_block.saturating_add(1);
        if block.len() >= COMPLIANCE_BLOCK_BYTES {
            sink.write(&block, in_block, json!({ "job_id": id, "lines": seen }))?;
            block.clear();
            in_block = 0;
        }
    }
    if !block.is_empty() {
        sink.write(&block, in_block, json!({ "job_id": id, "lines": seen }))?;
    }
    ui.say(&format!("{seen} ids need action"));
    sink.finish()?;
    Ok(())
}

/// How much of a compliance result is written between two checkpoints.
const COMPLIANCE_BLOCK_BYTES: usize = 1 << 20;

fn flatten(input: &Path, csv: bool, out: Option<&Path>, overwrite: bool, ui: &Ui) -> Result<()> {
    let reader: Box<dyn BufRead> = if input == Path::new("-") {
        Box::new(BufReader::new(io::stdin()))
    } else {
        let file = std::fs::File::open(input)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", input.display())))?;
        Box::new(BufReader::with_capacity(1 << 20, file))
    };
    let counts = match out {
        Some(path) if path != Path::new("-") => {
            let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if len > 0 && !overwrite {
                return Err(Failure::Other(format!(
                    "{} exists and is not empty: give --overwrite to replace it",
                    path.display()
                )));
            }
            // Written beside, then renamed: a failure leaves OUT as it was.
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".xapi-tmp");
            let tmp = std::path::PathBuf::from(tmp);
            let file = std::fs::File::create(&tmp)?;
            let counts = crate::flat::flatten(reader, &file, csv);
            match counts {
                Ok(c) => {
                    file.sync_data()?;
                    std::fs::rename(&tmp, path)?;
                    c
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e.into());
                }
            }
        }
        _ => crate::flat::flatten(reader, io::stdout().lock(), csv)?,
    };
    ui.say(&format!("{} pages, {} items", counts.pages, counts.items));
    Ok(())
}

fn read_rules(path: &Path) -> Result<Vec<NewRule>> {
    Ok(read_ids(path)?
        .into_iter()
        .map(|line| match line.split_once('\t') {
            Some((value, tag)) => NewRule::tagged(value.trim(), tag.trim()),
            None => NewRule::new(line),
        })
        .collect())
}

async fn rules(client: &Client, action: &RulesAction) -> Result<()> {
    let rules = client.rules();
    let print = |v: Value| println!("{v}");
    let change = match action {
        RulesAction::List => {
            for rule in rules.list().await? {
                print(json!({"id": rule.id, "value": rule.value, "tag": rule.tag}));
            }
            return Ok(());
        }
        RulesAction::Add { file, dry_run } => rules.add(&read_rules(file)?, *dry_run).await?,
        RulesAction::Delete { file, dry_run } => {
            let lines = read_ids(file)?;
            if lines.iter().all(|l| l.bytes().all(|b| b.is_ascii_digit())) {
                rules.delete_ids(&lines, *dry_run).await?
            } else {
                rules.delete_values(&lines, *dry_run).await?
            }
        }
        RulesAction::Sync { file, dry_run } => rules.sync(&read_rules(file)?, *dry_run).await?.1,
    };
    for rule in &change.created {
        print(json!({"created": {"id": rule.id, "value": rule.value, "tag": rule.tag}}));
    }
    for id in &change.deleted {
        print(json!({ "deleted": id }));
    }
    for failure in &change.failures {
        print(json!({"failed": failure.rule, "reason": failure.problem.title}));
    }
    if change.failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Other(format!(
            "{} rule(s) refused",
            change.failures.len()
        )))
    }
}
