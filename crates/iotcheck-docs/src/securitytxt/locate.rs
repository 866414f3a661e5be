//! Finding a site's security.txt on the web (RFC 9116 §3).
//!
//! Given an origin (`https://vendor.example` or `https://vendor.example/`),
//! the file is looked for at `/.well-known/security.txt`, then at the
//! legacy `/security.txt` (§3: "MAY ... redirect ... for legacy
//! compatibility"). Given any other URL, that URL alone is fetched.
//!
//! The file MUST be accessed over HTTPS (§3). Given an `http:` URL, the
//! `https:` equivalent is tried first, and only if no file is found there
//! is plain HTTP tried; the failed attempts are kept in the
//! [`Provenance`], so that a `fetched-without-https` finding can say
//! that HTTPS was tried and how it failed.

use crate::fetch::{Attempt, Client, FetchError, FetchOptions, Provenance, parse};

/// A security.txt found on the web: its bytes and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub body: Vec<u8>,
    pub provenance: Provenance,
}

/// Why no security.txt could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocateError {
    /// The network, TLS, size or redirect error of the last URL tried.
    #[error(transparent)]
    Fetch(FetchError),
    /// Every location answered, none with the file.
    #[error("no security.txt at {url}: {}", tried.iter().map(|a| format!("{} answered {}", a.url, a.outcome)).collect::<Vec<_>>().join("; "))]
    NotFound { url: String, tried: Vec<Attempt> },
}

/// The well-known location, then the legacy one (RFC 9116 §3).
pub const LOCATIONS: [&str; 2] = ["/.well-known/security.txt", "/security.txt"];

/// Fetches the security.txt `url` points at (see the module docs for where
/// it is looked for). The first `200 OK` wins, whatever its content type
/// (the analysis reports what it finds). A network or TLS error on an
/// `https:` URL ends the search with that error, except when the user gave
/// an `http:` URL: then plain HTTP is tried next.
pub fn locate(url: &str, opts: &FetchOptions) -> Result<Found, LocateError> {
    let uri = parse(url).map_err(LocateError::Fetch)?;
    let scheme = uri.scheme_str().unwrap_or("https").to_ascii_lowercase();
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let is_origin = matches!(uri.path(), "" | "/") && uri.query().is_none();
    let candidates = |s: &str| -> Vec<String> {
        if is_origin {
            LOCATIONS
                .iter()
                .map(|p| format!("{s}://{authority}{p}"))
                .collect()
        } else {
            let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            vec![format!("{s}://{authority}{path}")]
        }
    };
    let mut groups = vec![candidates("https")];
    if scheme == "http" {
        groups.push(candidates("http"));
    }
    let client = Client::new(opts).map_err(LocateError::Fetch)?;
    let mut tried = Vec::new();
    let n_groups = groups.len();
    for (g, group) in groups.into_iter().enumerate() {
        let last_group = g + 1 == n_groups;
        for candidate in group {
            match client.get(&candidate) {
                Ok(f) if f.status == 200 => {
                    let mut provenance = f.provenance();
                    if let Some(h) = provenance.http.as_mut() {
                        h.requested = url.to_string();
                        h.tried = tried;
                    }
                    return Ok(Found {
                        body: f.body,
                        provenance,
                    });
                }
                Ok(f) => tried.push(Attempt {
                    url: candidate,
                    outcome: if f.redirects.is_empty() {
                        format!("HTTP {}", f.status)
                    } else {
                        format!("HTTP {} (at {})", f.status, f.final_url)
                    },
                }),
                Err(e) if !last_group => {
                    // This origin cannot be reached over HTTPS: its other
                    // location cannot either; go on with plain HTTP.
                    tried.push(Attempt {
                        url: candidate,
                        outcome: short(&e),
                    });
                    break;
                }
                Err(e) => return Err(LocateError::Fetch(e)),
            }
        }
    }
    Err(LocateError::NotFound {
        url: url.to_string(),
        tried,
    })
}

/// The reason part of a fetch error, without the URL (the attempt names it).
fn short(e: &FetchError) -> String {
    let full = e.to_string();
    match full.split_once(": ") {
        Some((head, rest)) if head.starts_with("could not fetch") => rest.to_string(),
        _ => full,
    }
}
