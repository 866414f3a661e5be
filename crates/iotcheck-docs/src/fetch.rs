//! Fetching a vendor document from a URL: one GET, bounded in time and
//! size, redirects followed one by one so that each is reported, and a
//! record of how the bytes were obtained for the evidence.
//!
//! The only network code of this crate; the analyzers never call it: the
//! command line fetches when the user gives a URL, and hands the bytes and
//! the [`Provenance`] to the analysis. Nothing here retries.
//!
//! - **Client**: `ureq` 3 (blocking, small, well kept) over rustls with the
//!   **ring** provider, the one the rest of the workspace uses, so no second
//!   crypto library is built. Only `http:` and `https:` URLs are fetched.
//! - **Certificates are always verified**, against Mozilla's root program as
//!   the `webpki-root-certs` crate ships it, plus the CA certificates of
//!   [`FetchOptions::extra_root_ca`] when given (a private CA, or a test CA).
//!   Built-in roots rather than the platform store: the result does not
//!   depend on the machine's CA bundle, and it works where none is
//!   installed. A certificate that does not verify is a
//!   [`FetchError::Certificate`] naming the host; there is no way to turn
//!   verification off.
//! - **Bounds**: [`FetchOptions::timeout`] covers the whole fetch, every
//!   redirect and the body included; the body is read up to
//!   [`FetchOptions::max_bytes`] and refused beyond it (a larger declared
//!   `Content-Length` is refused before reading); at most
//!   [`FetchOptions::max_redirects`] redirects are followed.
//! - **Proxies**: the `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and `NO_PROXY`
//!   environment variables are honoured, as other command-line tools do.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::http::Uri;
use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};

/// Bounds and trust for one fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// The whole fetch, redirects and body included (default 15 s).
    pub timeout: Duration,
    /// Largest body read, in bytes (default 16 MiB); larger is an error.
    pub max_bytes: u64,
    /// Redirects followed (default 5); one more is an error.
    pub max_redirects: u32,
    /// A PEM file of CA certificates trusted in addition to the built-in
    /// roots: a private CA, or the CA a test made.
    pub extra_root_ca: Option<PathBuf>,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            timeout: Duration::from_secs(15),
            max_bytes: 16 << 20,
            max_redirects: 5,
            extra_root_ca: None,
            user_agent: concat!(
                "iotcheck/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/iotcheck/iotcheck)"
            )
            .to_string(),
        }
    }
}

/// A response, after any redirects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The URL asked for.
    pub requested: String,
    /// The URL the response came from, after redirects.
    pub final_url: String,
    /// The final response's status (any status: callers decide what a 404
    /// means to them).
    pub status: u16,
    /// The `Content-Type` header, as sent.
    pub content_type: Option<String>,
    /// The body, at most [`FetchOptions::max_bytes`].
    pub body: Vec<u8>,
    /// The redirects followed, in order.
    pub redirects: Vec<Redirect>,
    /// `final_url` is an `https:` URL (and so the body came over TLS with
    /// a verified certificate).
    pub https: bool,
}

impl Fetched {
    /// Everything but the body: what the evidence records.
    pub fn provenance(&self) -> Provenance {
        Provenance {
            url: self.final_url.clone(),
            http: Some(HttpTrail {
                requested: self.requested.clone(),
                status: self.status,
                content_type: self.content_type.clone(),
                redirects: self.redirects.clone(),
                tried: Vec::new(),
            }),
        }
    }
}

/// One redirect followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub from: String,
    /// 301, 302, 303, 307 or 308.
    pub status: u16,
    /// The `Location`, resolved against `from`.
    pub to: String,
    /// `to` is on another origin (scheme, host or port differ).
    pub cross_origin: bool,
}

/// Where a document's bytes came from, for the evidence and for the checks
/// that depend on it (security.txt: Canonical, HTTPS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The URL the bytes were read from, after redirects.
    pub url: String,
    /// The HTTP exchange, when iotcheck fetched the document itself;
    /// `None` when only the URL is known.
    pub http: Option<HttpTrail>,
}

impl Provenance {
    /// A document known to come from `url`, fetched by someone else.
    pub fn url_only(url: impl Into<String>) -> Provenance {
        Provenance {
            url: url.into(),
            http: None,
        }
    }

    /// `url` is `https:`.
    pub fn is_https(&self) -> bool {
        scheme_is(&self.url, "https")
    }

    /// One paragraph for a person: where, with which status, after which
    /// redirects and failed attempts.
    pub fn describe(&self) -> String {
        let Some(h) = &self.http else {
            return format!("read from {}", self.url);
        };
        let mut s = format!("fetched {}: HTTP {}", self.url, h.status);
        if let Some(ct) = &h.content_type {
            s.push_str(&format!(" ({ct})"));
        }
        if h.requested != self.url || !h.redirects.is_empty() {
            s.push_str(&format!("; asked for {}", h.requested));
        }
        if !h.redirects.is_empty() {
            let hops: Vec<String> = h
                .redirects
                .iter()
                .map(|r| {
                    format!(
                        "{} → {} ({}{})",
                        r.from,
                        r.to,
                        r.status,
                        if r.cross_origin { ", cross-origin" } else { "" }
                    )
                })
                .collect();
            s.push_str(&format!(
                "; {} redirect{}: {}",
                hops.len(),
                if hops.len() == 1 { "" } else { "s" },
                hops.join(", ")
            ));
        }
        if !h.tried.is_empty() {
            let tried: Vec<String> = h
                .tried
                .iter()
                .map(|a| format!("{}: {}", a.url, a.outcome))
                .collect();
            s.push_str(&format!("; tried first: {}", tried.join("; ")));
        }
        s
    }
}

/// The HTTP side of a [`Provenance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTrail {
    /// The URL asked for, before redirects.
    pub requested: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub redirects: Vec<Redirect>,
    /// URLs tried before this one, and why they were not used (a
    /// discovery that falls back, e.g. security.txt's two locations).
    pub tried: Vec<Attempt>,
}

/// A URL tried without success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub url: String,
    /// "HTTP 404", or the error.
    pub outcome: String,
}

/// Why a fetch failed. Each message starts with the URL or host it is
/// about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not a URL iotcheck can fetch ({reason})")]
    InvalidUrl { url: String, reason: String },
    #[error("could not fetch {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("could not fetch {url}: no complete answer within {after:?}")]
    Timeout { url: String, after: Duration },
    #[error(
        "could not fetch {url}: the TLS certificate of {host} is not trusted ({reason}); give its CA with --ca FILE if it is a private one"
    )]
    Certificate {
        url: String,
        host: String,
        reason: String,
    },
    #[error("could not fetch {url}: TLS with {host} failed ({reason})")]
    Tls {
        url: String,
        host: String,
        reason: String,
    },
    #[error("could not fetch {url}: more than {max} redirects ({})", chain.join(" → "))]
    TooManyRedirects {
        url: String,
        max: u32,
        chain: Vec<String>,
    },
    #[error("could not fetch {url}: redirect ({status}) to {location:?}, which is {reason}")]
    BadRedirect {
        url: String,
        status: u16,
        location: String,
        reason: String,
    },
    #[error("could not fetch {url}: the body is larger than the {max_bytes}-byte limit{}",
        declared.map(|d| format!(" (Content-Length {d})")).unwrap_or_default())]
    TooLarge {
        url: String,
        max_bytes: u64,
        declared: Option<u64>,
    },
    #[error("could not fetch {url}: {reason}")]
    Http { url: String, reason: String },
    #[error("CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
}

/// GETs `url`, following up to [`FetchOptions::max_redirects`] redirects.
/// Any final status is returned as [`Fetched::status`]; network, TLS, size
/// and redirect problems are errors.
pub fn fetch(url: &str, opts: &FetchOptions) -> Result<Fetched, FetchError> {
    let client = Client::new(opts)?;
    client.get(url)
}

/// One configured HTTP agent, for several fetches with the same options
/// (security.txt discovery tries up to four URLs).
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    opts: FetchOptions,
}

impl Client {
    pub fn new(opts: &FetchOptions) -> Result<Client, FetchError> {
        let mut roots: Vec<Certificate<'static>> = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|c| Certificate::from_der(c.as_ref()))
            .collect();
        if let Some(path) = &opts.extra_root_ca {
            roots.extend(read_ca_file(path)?);
        }
        let tls = TlsConfig::builder()
            .root_certs(RootCerts::from(roots))
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        // No proxy from the environment (HTTP_PROXY, ALL_PROXY…): iotcheck
        // talks only to the host the user named, and a test's loopback
        // server must not be reached through a CI runner's proxy.
        let agent = ureq::Agent::config_builder()
            .proxy(None)
            .tls_config(tls)
            .max_redirects(0)
            .http_status_as_error(false)
            .user_agent(opts.user_agent.as_str())
            .timeout_global(Some(opts.timeout))
            .build()
            .new_agent();
        Ok(Client {
            agent,
            opts: opts.clone(),
        })
    }

    /// [`fetch`] with this client's agent and options.
    pub fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let deadline = Instant::now() + self.opts.timeout;
        let mut current = parse(url)?;
        let mut redirects = Vec::new();
        loop {
            let here = current.to_string();
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(FetchError::Timeout {
                    url: here,
                    after: self.opts.timeout,
                });
            }
            let response = self
                .agent
                .get(&here)
                .config()
                .timeout_global(Some(remaining))
                .build()
                .call()
                .map_err(|e| self.error(&here, &current, e))?;
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = response
                    .headers()
                    .get("location")
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
                let Some(location) = location else {
                    return Err(FetchError::BadRedirect {
                        url: here,
                        status,
                        location: String::new(),
                        reason: "missing (no Location header)".into(),
                    });
                };
                let next =
                    resolve(&current, &location).map_err(|reason| FetchError::BadRedirect {
                        url: here.clone(),
                        status,
                        location: location.clone(),
                        reason,
                    })?;
                let cross_origin = origin(&next) != origin(&current);
                redirects.push(Redirect {
                    from: here.clone(),
                    status,
                    to: next.to_string(),
                    cross_origin,
                });
                if redirects.len() > self.opts.max_redirects as usize {
                    let mut chain: Vec<String> = redirects.iter().map(|r| r.from.clone()).collect();
                    chain.push(next.to_string());
                    return Err(FetchError::TooManyRedirects {
                        url: url.to_string(),
                        max: self.opts.max_redirects,
                        chain,
                    });
                }
                current = next;
                continue;
            }
            let content_type = response
                .headers()
                .get("content-type")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let mut body = response.into_body();
            let max = self.opts.max_bytes;
            if let Some(declared) = body.content_length().filter(|&n| n > max) {
                return Err(FetchError::TooLarge {
                    url: here,
                    max_bytes: max,
                    declared: Some(declared),
                });
            }
            let mut bytes = Vec::new();
            body.as_reader()
                .take(max.saturating_add(1))
                .read_to_end(&mut bytes)
                .map_err(|e| self.io_error(&here, &current, e))?;
            if bytes.len() as u64 > max {
                return Err(FetchError::TooLarge {
                    url: here,
                    max_bytes: max,
                    declared: None,
                });
            }
            return Ok(Fetched {
                requested: url.to_string(),
                https: scheme_is(&here, "https"),
                final_url: here,
                status,
                content_type,
                body: bytes,
                redirects,
            });
        }
    }

    fn error(&self, url: &str, uri: &Uri, e: ureq::Error) -> FetchError {
        let host = uri.host().unwrap_or_default().to_string();
        match e {
            ureq::Error::Io(io) => self.io_error(url, uri, io),
            ureq::Error::Timeout(_) => FetchError::Timeout {
                url: url.to_string(),
                after: self.opts.timeout,
            },
            ureq::Error::HostNotFound => FetchError::Unreachable {
                url: url.to_string(),
                reason: format!("host {host} not found"),
            },
            ureq::Error::ConnectionFailed => FetchError::Unreachable {
                url: url.to_string(),
                reason: "connection failed".into(),
            },
            ureq::Error::Rustls(e) => tls_error(url, host, &e),
            ureq::Error::Tls(reason) => FetchError::Tls {
                url: url.to_string(),
                host,
                reason: reason.to_string(),
            },
            ureq::Error::BadUri(reason) => FetchError::InvalidUrl {
                url: url.to_string(),
                reason,
            },
            ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge {
                url: url.to_string(),
                max_bytes: self.opts.max_bytes,
                declared: None,
            },
            other => FetchError::Http {
                url: url.to_string(),
                reason: other.to_string(),
            },
        }
    }

    fn io_error(&self, url: &str, uri: &Uri, e: std::io::Error) -> FetchError {
        use std::io::ErrorKind;
        let host = uri.host().unwrap_or_default().to_string();
        if let Some(inner) = e.get_ref() {
            if let Some(tls) = inner.downcast_ref::<rustls::Error>() {
                return tls_error(url, host, tls);
            }
            if let Some(u) = inner.downcast_ref::<ureq::Error>() {
                match u {
                    ureq::Error::Timeout(_) => {
                        return FetchError::Timeout {
                            url: url.to_string(),
                            after: self.opts.timeout,
                        };
                    }
                    ureq::Error::Rustls(tls) => return tls_error(url, host, tls),
                    _ => {}
                }
            }
        }
        let reason = match e.kind() {
            ErrorKind::ConnectionRefused => "connection refused".to_string(),
            ErrorKind::ConnectionReset => "connection reset".to_string(),
            ErrorKind::TimedOut | ErrorKind::WouldBlock => {
                return FetchError::Timeout {
                    url: url.to_string(),
                    after: self.opts.timeout,
                };
            }
            ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
                "network unreachable".to_string()
            }
            _ => e.to_string(),
        };
        FetchError::Unreachable {
            url: url.to_string(),
            reason,
        }
    }
}

fn tls_error(url: &str, host: String, e: &rustls::Error) -> FetchError {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => FetchError::Certificate {
            url: url.to_string(),
            host,
            reason: match c {
                C::UnknownIssuer => "issued by an unknown authority".to_string(),
                C::Expired | C::ExpiredContext { .. } => "expired".to_string(),
                C::NotValidYet | C::NotValidYetContext { .. } => "not valid yet".to_string(),
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    "not valid for this host name".to_string()
                }
                C::Revoked => "revoked".to_string(),
                other => format!("{other:?}"),
            },
        },
        other => FetchError::Tls {
            url: url.to_string(),
            host,
            reason: other.to_string(),
        },
    }
}

fn read_ca_file(path: &std::path::Path) -> Result<Vec<Certificate<'static>>, FetchError> {
    let bad = |reason: String| FetchError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.map_err(|e| bad(e.to_string()))? {
            PemItem::Certificate(c) => certs.push(c),
            _ => continue,
        }
    }
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it".into()));
    }
    Ok(certs)
}

fn scheme_is(url: &str, scheme: &str) -> bool {
    url.split_once(':')
        .is_some_and(|(s, _)| s.eq_ignore_ascii_case(scheme))
}

/// An absolute `http:` or `https:` URL with a host.
pub(crate) fn parse(url: &str) -> Result<Uri, FetchError> {
    let invalid = |reason: &str| FetchError::InvalidUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let uri: Uri =
        url.parse()
            .map_err(|e: ureq::http::uri::InvalidUri| FetchError::InvalidUrl {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
    match uri.scheme_str() {
        Some(s) if s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http") => {}
        Some(_) => return Err(invalid("only http: and https: URLs are fetched")),
        None => return Err(invalid("not an absolute URL")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(invalid("credentials in URLs are not sent"));
    }
    Ok(uri)
}

/// Scheme, host and port (the default port made explicit).
pub(crate) fn origin(uri: &Uri) -> (String, String, u16) {
    let scheme = uri.scheme_str().unwrap_or_default().to_ascii_lowercase();
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    (
        scheme,
        uri.host().unwrap_or_default().to_ascii_lowercase(),
        port,
    )
}

/// Resolves a `Location` value against the URL it came from (RFC 3986
/// §5.2, without dot-segment removal: the server resolves those). The
/// fragment is dropped.
fn resolve(base: &Uri, location: &str) -> Result<Uri, String> {
    let loc = location.trim();
    let loc = loc.split('#').next().unwrap_or("");
    if loc.is_empty() {
        return Err("empty".into());
    }
    let scheme = base.scheme_str().unwrap_or("https");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or_default();
    let path = base.path();
    let joined = if let Some((s, _)) = loc.split_once(':').filter(|(s, _)| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
            && !s.contains('/')
    }) {
        if !(s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https")) {
            return Err(format!("a {s}: URL, not http: or https:"));
        }
        loc.to_string()
    } else if let Some(rest) = loc.strip_prefix("//") {
        format!("{scheme}://{rest}")
    } else if loc.starts_with('/') {
        format!("{scheme}://{authority}{loc}")
    } else if loc.starts_with('?') {
        format!("{scheme}://{authority}{path}{loc}")
    } else {
        let dir = path
            .rfind('/')
            .map_or("/", |i| path.get(..=i).unwrap_or("/"));
        format!("{scheme}://{authority}{dir}{loc}")
    };
    parse(&joined).map_err(|e| match e {
        FetchError::InvalidUrl { reason, .. } => format!("not a valid URL ({reason})"),
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn r(base: &str, loc: &str) -> Result<String, String> {
        resolve(&parse(base).unwrap(), loc).map(|u| u.to_string())
    }

    #[test]
    fn locations_resolve_against_the_base() {
        let b = "https://a.example:8443/dir/file.txt?q=1";
        assert_eq!(r(b, "https://b.example/x").unwrap(), "https://b.example/x");
        assert_eq!(r(b, "//c.example/y").unwrap(), "https://c.example/y");
        assert_eq!(r(b, "/z#frag").unwrap(), "https://a.example:8443/z");
        assert_eq!(r(b, "other").unwrap(), "https://a.example:8443/dir/other");
        assert_eq!(
            r(b, "?p=2").unwrap(),
            "https://a.example:8443/dir/file.txt?p=2"
        );
        assert!(r(b, "ftp://x.example/").unwrap_err().contains("ftp"));
        assert!(r(b, "").is_err());
    }

    #[test]
    fn only_web_urls_with_a_host() {
        assert!(parse("https://example.com").is_ok());
        assert!(parse("HTTP://example.com/a").is_ok());
        for bad in [
            "ftp://x/",
            "/relative",
            "https://",
            "https://u:p@h/",
            "not a url",
        ] {
            assert!(
                matches!(parse(bad), Err(FetchError::InvalidUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn origins_make_default_ports_explicit() {
        let o = |u: &str| origin(&parse(u).unwrap());
        assert_eq!(o("https://A.example/"), o("https://a.example:443/x"));
        assert_ne!(o("http://a.example/"), o("https://a.example/"));
        assert_ne!(o("https://a.example/"), o("https://www.a.example/"));
    }
}
