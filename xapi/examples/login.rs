//! Logging a user in, each flow in turn: OAuth 2.0 with PKCE, OAuth 1.0a
//! three-legged, and OAuth 1.0a with a PIN; then using, restoring and
//! revoking the saved OAuth 2.0 tokens.
//!
//! ```text
//! cargo run --example login                                   # says what each flow needs
//! X_CLIENT_ID=… cargo run --example login -- oauth2           # + X_CLIENT_SECRET for a confidential client
//! X_CLIENT_ID=… cargo run --example login -- restore          # the saved tokens, after a restart
//! X_CLIENT_ID=… cargo run --example login -- logout           # revokes them and deletes the file
//! X_CONSUMER_KEY=… X_CONSUMER_SECRET=… cargo run --example login -- oauth1
//! X_CONSUMER_KEY=… X_CONSUMER_SECRET=… cargo run --example login -- pin
//! ```
//!
//! The browser comes back to a listener on 127.0.0.1 (`LOGIN_REDIRECT`,
//! default `http://127.0.0.1:8765/callback`: register it as the app's
//! callback URL). OAuth 2.0 tokens are kept in `X_TOKEN_FILE` (default
//! `x-tokens.json`, mode 0600), refreshed tokens included. Nothing is sent
//! anywhere unless the variables a flow needs are set.

use std::time::Duration;

use rand::distr::Alphanumeric;
use rand::Rng as _;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};
use xapi::auth::oauth1_login::{OAuth1Login, RequestToken, OOB};
use xapi::auth::oauth2::OAuth2Client;
use xapi::auth::{Credentials, FileTokenStore, PkceVerifier, TokenStore, UserTokenManager};
use xapi::{Api, Client};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const DEFAULT_REDIRECT: &str = "http://127.0.0.1:8765/callback";
const SCOPES: &[&str] = &["tweet.read", "users.read", "offline.access"];

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn redirect_uri() -> String {
    env("LOGIN_REDIRECT").unwrap_or_else(|| DEFAULT_REDIRECT.to_owned())
}

fn token_file() -> String {
    env("X_TOKEN_FILE").unwrap_or_else(|| "x-tokens.json".to_owned())
}

fn http() -> Result<reqwest::Client> {
    xapi::tls::ensure_provider();
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?)
}

fn usage() {
    println!(
        "Which login? `cargo run --example login -- FLOW`, FLOW one of:\n\
         \n  oauth2   OAuth 2.0 with PKCE: needs X_CLIENT_ID (and X_CLIENT_SECRET for a\n\
         \x20          confidential client); the browser returns to {redirect}\n\
         \x20 restore  the tokens saved by oauth2 in {file}, refreshed as needed: X_CLIENT_ID\n\
         \x20 logout   revokes the saved tokens and deletes {file}: X_CLIENT_ID\n\
         \x20 oauth1   OAuth 1.0a three-legged: needs X_CONSUMER_KEY and X_CONSUMER_SECRET;\n\
         \x20          the browser returns to {redirect}\n\
         \x20 pin      OAuth 1.0a with a PIN typed in here: X_CONSUMER_KEY, X_CONSUMER_SECRET\n\
         \nLOGIN_REDIRECT and X_TOKEN_FILE change the callback URL and the token file.",
        redirect = redirect_uri(),
        file = token_file(),
    );
}

/// Says which of `names`, which a flow needs, are not set.
fn missing(names: &[&str]) {
    let absent: Vec<&str> = names.iter().copied().filter(|n| env(n).is_none()).collect();
    println!(
        "This flow talks to the X API and needs {} to be set; nothing was sent.",
        absent.join(" and ")
    );
}

fn random_state() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// Waits for the browser to come back to `redirect` (an `http://127.0.0.1`
/// URL) and gives the request target (`/callback?…`), after answering it.
async fn wait_for_redirect(redirect: &str) -> Result<String> {
    let url = url::Url::parse(redirect)?;
    if url.scheme() != "http" || url.host_str() != Some("127.0.0.1") {
        return Err(format!("the redirect {redirect} is not an http://127.0.0.1 URL").into());
    }
    let port = url.port_or_known_default().unwrap_or(80);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("Waiting on 127.0.0.1:{port} for the browser to come back (5 minutes at most)…");
    let wait = async {
        loop {
            let (socket, _) = listener.accept().await?;
            let mut reader = tokio::io::BufReader::new(socket.take(16 * 1024));
            let mut line = String::new();
            reader.read_line(&mut line).await?;
            // The rest of the head is not needed; answer and close.
            let target = line
                .split_whitespace()
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            let mut socket = reader.into_inner().into_inner();
            let found = target.split('?').next() == Some(url.path());
            let page = if found {
                "Back from X: you can close this tab and return to the terminal."
            } else {
                "Not found."
            };
            let answer = format!(
                "HTTP/1.1 {}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{page}",
                if found { "200 OK" } else { "404 Not Found" },
                page.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
            let _ = socket.shutdown().await;
            if found {
                return Ok::<String, std::io::Error>(target);
            }
        }
    };
    Ok(tokio::time::timeout(Duration::from_secs(300), wait).await??)
}

fn oauth2_client() -> Option<OAuth2Client> {
    let id = env("X_CLIENT_ID")?;
    let client = OAuth2Client::new(id, redirect_uri());
    Some(match env("X_CLIENT_SECRET") {
        Some(secret) => client.with_client_secret(secret),
        None => client,
    })
}

/// OAuth 2.0: authorization code with PKCE, tokens saved to the file.
async fn oauth2() -> Result<()> {
    let Some(client) = oauth2_client() else {
        missing(&["X_CLIENT_ID"]);
        return Ok(());
    };
    let verifier = PkceVerifier::new();
    let state = random_state();
    let url = client.authorize_url(SCOPES, &state, &verifier)?;
    println!("Open this page and approve the app:\n\n  {url}\n");
    let target = wait_for_redirect(&client.redirect_uri).await?;
    let query = url::Url::parse("http://127.0.0.1")?.join(&target)?;
    let mut code = None;
    let mut returned_state = None;
    for (name, value) in query.query_pairs() {
        match &*name {
            "code" => code = Some(value.into_owned()),
            "state" => returned_state = Some(value.into_owned()),
            "error" => return Err(format!("the login was refused: {value}").into()),
            _ => {}
        }
    }
    if returned_state.as_deref() != Some(state.as_str()) {
        return Err("the state sent back is not the one sent: not this login".into());
    }
    let code = code.ok_or("the redirect carries no code")?;
    let http = http()?;
    let pair = client.exchange_code(&http, &code, &verifier).await?;
    let store = FileTokenStore::new(token_file());
    store.save(&pair).await?;
    println!(
        "Tokens saved to {} (scopes: {}).",
        token_file(),
        pair.scopes.join(" ")
    );
    let manager = UserTokenManager::new(client, pair).with_store(store);
    who_am_i(Credentials::oauth2_user(manager)).await
}

/// The tokens saved by `oauth2`, refreshed when due (and saved again).
async fn restore() -> Result<()> {
    let Some(client) = oauth2_client() else {
        missing(&["X_CLIENT_ID"]);
        return Ok(());
    };
    let store = FileTokenStore::new(token_file());
    let Some(manager) = UserTokenManager::restore(client, store).await? else {
        println!("No tokens in {}: run the oauth2 flow first.", token_file());
        return Ok(());
    };
    who_am_i(Credentials::oauth2_user(manager)).await
}

/// Revokes the saved tokens and deletes the file.
async fn logout() -> Result<()> {
    let Some(client) = oauth2_client() else {
        missing(&["X_CLIENT_ID"]);
        return Ok(());
    };
    let store = FileTokenStore::new(token_file());
    let Some(manager) = UserTokenManager::restore(client, store).await? else {
        println!("No tokens in {}: nothing to revoke.", token_file());
        return Ok(());
    };
    manager.revoke(&http()?).await?;
    std::fs::remove_file(token_file())?;
    println!("Revoked, and {} deleted.", token_file());
    Ok(())
}

fn oauth1_login() -> Option<OAuth1Login> {
    Some(OAuth1Login::new(
        env("X_CONSUMER_KEY")?,
        env("X_CONSUMER_SECRET")?,
    ))
}

/// OAuth 1.0a: the browser comes back to the local listener.
async fn oauth1() -> Result<()> {
    let Some(login) = oauth1_login() else {
        missing(&["X_CONSUMER_KEY", "X_CONSUMER_SECRET"]);
        return Ok(());
    };
    let http = http()?;
    let request = login.request_token(&http, &redirect_uri()).await?;
    println!(
        "Open this page and approve the app:\n\n  {}\n",
        login.authorize_url(&request)?
    );
    let target = wait_for_redirect(&redirect_uri()).await?;
    let verifier = request.verifier_from_callback(&target)?;
    finish_oauth1(&login, &http, &request, &verifier).await
}

/// OAuth 1.0a with a PIN: X shows the PIN, the user types it in here.
async fn pin() -> Result<()> {
    let Some(login) = oauth1_login() else {
        missing(&["X_CONSUMER_KEY", "X_CONSUMER_SECRET"]);
        return Ok(());
    };
    let http = http()?;
    let request = login.request_token(&http, OOB).await?;
    println!(
        "Open this page, approve the app, and type in the PIN it shows:\n\n  {}\n",
        login.authorize_url(&request)?
    );
    let mut pin = String::new();
    tokio::io::BufReader::new(tokio::io::stdin())
        .read_line(&mut pin)
        .await?;
    finish_oauth1(&login, &http, &request, pin.trim()).await
}

async fn finish_oauth1(
    login: &OAuth1Login,
    http: &reqwest::Client,
    request: &RequestToken,
    verifier: &str,
) -> Result<()> {
    let access = login.access_token(http, request, verifier).await?;
    println!(
        "Logged in as @{} (user id {}). Keep the access token and secret somewhere safe:\n\
         Credentials::oauth1(key, secret, access_token, access_token_secret) signs as this user.",
        access.screen_name, access.user_id
    );
    who_am_i(access.into()).await
}

/// One call as the user: `GET /2/users/me`.
async fn who_am_i(credentials: Credentials) -> Result<()> {
    let client = Client::builder().credentials(credentials).build()?;
    let me = client.users().get_me().send().await?;
    let username = me.data().and_then(|u| u.username.as_deref()).unwrap_or("?");
    println!("The API says this is @{username}.");
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let flow = std::env::args().nth(1).unwrap_or_default();
    match flow.as_str() {
        "oauth2" => oauth2().await,
        "restore" => restore().await,
        "logout" => logout().await,
        "oauth1" => oauth1().await,
        "pin" => pin().await,
        _ => {
            usage();
            Ok(())
        }
    }
}
