//! What happens to a payload once it has arrived: checking it is what was asked for, writing
//! its exact bytes and index row into the raw store, and keeping secrets out of stored URLs.

use crate::error::SourceError;
use crate::fetch::{Expect, Fetched, Target};
use nba_props_core::BuildInfo;
use nba_props_store::{RawMeta, Store, raw};
use reqwest::header::HeaderMap;

/// One payload written to the raw store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub source: String,
    pub dataset: String,
    pub partition: String,
    /// The URL it came from, secrets redacted.
    pub url: String,
    pub http_status: u16,
    pub sha256: String,
    pub bytes: usize,
    /// False when this exact payload was already recorded for the same partition.
    pub new: bool,
}

/// Writes a fetched payload's exact bytes and its index row.
pub async fn store_payload(
    store: &Store,
    t: &Target,
    f: &Fetched,
    captured_at: Option<String>,
) -> Result<Stored, SourceError> {
    let err = |error| SourceError::Store {
        source_name: t.source.to_string(),
        dataset: t.dataset.clone(),
        partition: t.partition.clone(),
        error,
    };
    let (sha256, _) = store.raw.put(&f.body).map_err(err)?;
    let meta = RawMeta {
        source: t.source.to_string(),
        dataset: t.dataset.clone(),
        partition_key: t.partition.clone(),
        sha256: sha256.clone(),
        bytes: f.body.len() as i64,
        origin_path: f.url.clone(),
        origin: None,
        captured_at,
        fetched_at: jiff::Timestamp::now().to_string(),
        http_status: Some(i64::from(f.status)),
        build: BuildInfo::current().to_string(),
    };
    let new = raw::record(&store.db, &meta).await.map_err(err)?;
    tracing::info!(
        source = %meta.source,
        dataset = %meta.dataset,
        partition = %meta.partition_key,
        sha256 = %sha256,
        bytes = f.body.len(),
        new,
        "Stored a fetched payload."
    );
    Ok(Stored {
        source: meta.source,
        dataset: meta.dataset,
        partition: meta.partition_key,
        url: meta.origin_path,
        http_status: f.status,
        sha256,
        bytes: f.body.len(),
        new,
    })
}

/// Checks the payload is what was asked for: not empty, JSON that parses (an HTML page is
/// named as such), or a PDF.
pub(crate) fn validate(
    body: &[u8],
    expect: Expect,
    headers: &HeaderMap,
    t: &Target,
    host: &str,
    url: &str,
) -> Result<(), SourceError> {
    let trimmed = body.trim_ascii_start();
    if trimmed.is_empty() {
        return Err(SourceError::EmptyBody {
            host: host.into(),
            dataset: t.dataset.clone(),
            partition: t.partition.clone(),
            url: url.into(),
        });
    }
    let ctype = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let looks_html = trimmed.starts_with(b"<") || ctype.contains("html");
    let (expected, found) = match expect {
        Expect::Json if looks_html => ("JSON", "an HTML page".to_string()),
        Expect::Json => match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => return Ok(()),
            Err(e) => ("JSON", format!("invalid JSON ({e})")),
        },
        Expect::Pdf if body.starts_with(b"%PDF-") => return Ok(()),
        Expect::Pdf if looks_html => ("a PDF", "an HTML page".to_string()),
        Expect::Pdf => ("a PDF", "bytes that are not a PDF".to_string()),
    };
    let snippet: String = String::from_utf8_lossy(&trimmed[..trimmed.len().min(120)])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Err(SourceError::WrongContent {
        host: host.into(),
        dataset: t.dataset.clone(),
        partition: t.partition.clone(),
        url: url.into(),
        expected,
        found,
        snippet,
    })
}

const SECRET_PARAMS: &[&str] = &[
    "apikey",
    "api_key",
    "key",
    "token",
    "access_token",
    "secret",
];

/// The URL with the values of secret-looking query parameters replaced by `REDACTED`; text that
/// is not a URL is searched for `apiKey=` and the like.
pub fn redact_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(pos) = rest.find(['?', '&']) {
        out.push_str(&rest[..=pos]);
        rest = &rest[pos + 1..];
        let end = rest.find(['&', ' ', '#', '"', ')']).unwrap_or(rest.len());
        let pair = &rest[..end];
        match pair.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                out.push_str(k);
                out.push_str("=REDACTED");
            }
            _ => out.push_str(pair),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            redact_url("https://h/v4/x?apiKey=abc123&regions=us"),
            "https://h/v4/x?apiKey=REDACTED&regions=us"
        );
        assert_eq!(
            redact_url("error sending request for url (http://h/a?regions=us&api_key=s3cr3t)"),
            "error sending request for url (http://h/a?regions=us&api_key=REDACTED)"
        );
        assert_eq!(redact_url("http://h/a?b=c"), "http://h/a?b=c");
        assert_eq!(redact_url("no url"), "no url");
    }
}
