//! Where credentials may travel: which base URLs may receive them, which
//! redirects the client follows, and how URLs are shown in `Debug` output.

use std::borrow::Cow;

use super::REDACTED;

/// Most redirects followed for one request.
pub(crate) const MAX_REDIRECTS: usize = 3;

/// Whether `url` names the loopback interface: an address in `127.0.0.0/8`,
/// `[::1]` (or an IPv4-mapped loopback address), or `localhost`.
pub(crate) fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Some(url::Host::Domain(name)) => {
            let name = name.strip_suffix('.').unwrap_or(name);
            name.eq_ignore_ascii_case("localhost")
        }
        None => false,
    }
}

/// Why credentials may not be sent to `base`: anything but `https` to a
/// host other than the loopback interface would expose them to everyone on
/// the way. `None` when they may.
pub(crate) fn unencrypted_refusal(base: &url::Url) -> Option<String> {
    if base.scheme() == "https" || is_loopback(base) {
        return None;
    }
    Some(format!(
        "credentials would be sent unencrypted ({}) to {}; use https, a loopback \
         address, or ClientBuilder::allow_insecure_http(true)",
        base.scheme(),
        base.host_str().unwrap_or("an unnamed host")
    ))
}

/// `url` with any user name and password (`user:password@`) replaced by
/// `[redacted]`, for `Debug` output and error messages. Works on text that
/// does not parse as a URL too.
pub(crate) fn redact_user_info(url: &str) -> Cow<'_, str> {
    let start = url
        .find("://")
        .and_then(|at| at.checked_add(3))
        .unwrap_or(0);
    let Some((head, rest)) = url.get(..start).zip(url.get(start..)) else {
        return Cow::Borrowed(REDACTED);
    };
    let authority_len = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = rest.get(..authority_len).unwrap_or(rest);
    let Some(at) = authority.rfind('@') else {
        return Cow::Borrowed(url);
    };
    let host_and_rest = at
        .checked_add(1)
        .and_then(|after| rest.get(after..))
        .unwrap_or_default();
    Cow::Owned(format!("{head}{REDACTED}@{host_and_rest}"))
}

/// Whether `a` and `b` have the same scheme, host and port.
fn same_origin(a: &url::Url, b: &url::Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The redirect policy of the clients [`crate::ClientBuilder`] builds.
///
/// A redirect policy is not told the request's method, so it only follows
/// what cannot repeat a request that changes something: `303 See Other`,
/// whose follow-up is always a body-less `GET` (or `HEAD`), to the origin
/// (scheme, host and port) of the original request, at most
/// [`MAX_REDIRECTS`] times. Every other redirect (`301`, `302`, `307` and
/// `308` may re-send a `POST`, `PUT` or `DELETE` with its body) and every
/// redirect to another origin is returned to the caller as it is, so
/// credentials never follow a redirect to another host.
pub(crate) fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let previous = attempt.previous();
        let follow = attempt.status() == reqwest::StatusCode::SEE_OTHER
            && previous.len() <= MAX_REDIRECTS
            && previous.iter().all(|url| same_origin(url, attempt.url()));
        if follow {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).expect("url")
    }

    #[test]
    fn loopback_hosts() {
        for yes in [
            "http://127.0.0.1:8080",
            "http://127.255.0.9",
            "http://localhost",
            "http://LocalHost.:1",
            "http://[::1]:9",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback(&url(yes)), "{yes}");
            assert_eq!(unencrypted_refusal(&url(yes)), None, "{yes}");
        }
        for no in [
            "http://example.com",
            "http://128.0.0.1",
            "http://[::2]",
            "http://localhost.example.com",
            "http://mylocalhost",
        ] {
            assert!(!is_loopback(&url(no)), "{no}");
            assert!(unencrypted_refusal(&url(no)).is_some(), "{no}");
        }
        assert_eq!(unencrypted_refusal(&url("https://example.com")), None);
    }

    #[test]
    fn user_info_is_redacted() {
        assert_eq!(
            redact_user_info("https://u:p@h.example:1/a@b?c=@#@"),
            "https://[redacted]@h.example:1/a@b?c=@#@"
        );
        assert_eq!(
            redact_user_info("https://a@b:c@h/x"),
            "https://[redacted]@h/x"
        );
        assert_eq!(redact_user_info("u:p@h/x"), "[redacted]@h/x");
        assert_eq!(redact_user_info("https://h/x@y"), "https://h/x@y");
        assert_eq!(redact_user_info("https://h?x@y"), "https://h?x@y");
        assert_eq!(redact_user_info(""), "");
    }

    #[test]
    fn origins() {
        assert!(same_origin(&url("http://h:80/a"), &url("http://h/b")));
        assert!(!same_origin(&url("http://h:81/a"), &url("http://h/b")));
        assert!(!same_origin(&url("http://h/a"), &url("https://h/a")));
        assert!(!same_origin(&url("http://h/a"), &url("http://g/a")));
    }
}
