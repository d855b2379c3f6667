//! Shared plumbing: sniffing bodies that are not the expected format at all, deserializing JSON
//! with the path reached on failure, and the small value parsers several payloads need.

use super::{DOCUMENT, ParseError, Source};
use nba_props_core::team::Team;
use serde::Deserialize;
use serde::de::DeserializeSeed;
use std::marker::PhantomData;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Rejects bodies that are not `expected` ("JSON", "CSV") before a parser reads them, with a
/// message a person can act on: an empty body, a gzip stream, or an HTML error page (a CDN or
/// WAF answers "Access Denied" with HTTP 200 often enough). Returns the body without a BOM.
pub(crate) fn check_body<'b>(
    bytes: &'b [u8],
    src: &Source,
    expected: &str,
) -> Result<&'b [u8], ParseError> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let body = bytes.trim_ascii_start();
    if body.is_empty() {
        return Err(src.error(DOCUMENT, "empty payload"));
    }
    if body.starts_with(&[0x1f, 0x8b]) {
        return Err(src.error(
            DOCUMENT,
            format!("expected {expected}, got gzip-compressed bytes (decompress first)"),
        ));
    }
    if body.first() == Some(&b'<') {
        return Err(src.error(
            DOCUMENT,
            format!(
                "expected {expected}, got an HTML page: {}",
                one_line(body, 80)
            ),
        ));
    }
    Ok(bytes)
}

/// The first `max` characters of `bytes` on one line, whitespace runs collapsed.
fn one_line(bytes: &[u8], max: usize) -> String {
    let head = bytes.get(..max * 4).unwrap_or(bytes);
    let text = String::from_utf8_lossy(head);
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// [`check_body`] for JSON, plus: the top level must be an object, as in every payload here
/// (serde would read a top-level array as a struct's fields in order and report a baffling type
/// error at `[0]`).
pub(crate) fn check_json<'b>(bytes: &'b [u8], src: &Source) -> Result<&'b [u8], ParseError> {
    let bytes = check_body(bytes, src, "JSON")?;
    let body = bytes.trim_ascii_start();
    if let Some(&b) = body.first()
        && (b == b'[' || b == b'"' || b == b'-' || b.is_ascii_digit() || b"tfn".contains(&b))
    {
        return Err(src.error(
            DOCUMENT,
            format!("expected a JSON object, got: {}", one_line(body, 40)),
        ));
    }
    Ok(bytes)
}

/// Deserializes a whole JSON document; on failure the error's field is the path serde reached
/// (`leagueSchedule.gameDates[3].games[0]`), extended by the field name when one is missing.
pub(crate) fn from_json<'de, T: Deserialize<'de>>(
    bytes: &'de [u8],
    src: &Source,
) -> Result<T, ParseError> {
    let bytes = check_json(bytes, src)?;
    serde_json::from_slice(bytes).map_err(|_| locate_error(bytes, src, PhantomData::<T>))
}

/// Reads a payload that failed to deserialize a second time, tracking the path, to say where it
/// failed. Tracking costs about a third of the parse time, so only failures pay for it; the
/// same input fails at the same place again.
pub(crate) fn locate_error<'de, S: DeserializeSeed<'de>>(
    bytes: &'de [u8],
    src: &Source,
    seed: S,
) -> ParseError {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut track = serde_path_to_error::Track::new();
    match seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track)) {
        Err(e) => path_error(track.path(), e, src),
        Ok(_) => match de.end() {
            Err(e) => src.error(
                DOCUMENT,
                format!("unexpected data after the JSON document: {e}"),
            ),
            Ok(()) => src.error(
                DOCUMENT,
                "the payload failed to parse, then parsed when read again",
            ),
        },
    }
}

fn path_error(
    path: serde_path_to_error::Path,
    inner: serde_json::Error,
    src: &Source,
) -> ParseError {
    let mut field = path.to_string();
    let message = inner.to_string();
    // `?` is a segment serde_path_to_error could not name (EOF before the next key): the
    // object holding it is the most precise place left.
    while field == "." || field == "?" || field.ends_with(".?") {
        field.truncate(field.len().saturating_sub(2));
    }
    // serde reports a missing field at its parent object; naming the field itself is what helps.
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        field = if field.is_empty() {
            name.to_string()
        } else {
            format!("{field}.{name}")
        };
    }
    let message = match inner.classify() {
        serde_json::error::Category::Eof => format!("truncated JSON: {message}"),
        serde_json::error::Category::Syntax => format!("malformed JSON: {message}"),
        _ => message,
    };
    src.error(field, message)
}

/// An RFC 3339 instant such as `2023-09-16T10:33:37.3337Z`.
pub(crate) fn timestamp(s: &str) -> Result<jiff::Timestamp, String> {
    s.trim().parse::<jiff::Timestamp>().map_err(|e| {
        format!("expected an RFC 3339 timestamp like 2024-01-25T03:55:40Z, got {s:?}: {e}")
    })
}

/// A full team name. Guards the core lookup, which slices the name by byte length and so must
/// only ever see ASCII (every NBA team name is ASCII, so nothing else can match anyway).
pub(crate) fn team_from_name(s: &str) -> Result<Team, String> {
    if !s.is_ascii() {
        return Err(format!("unknown team name {s:?}"));
    }
    Team::from_name(s).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: Source = Source {
        file: "f.json",
        dataset: "ds",
    };

    #[test]
    fn bodies_that_are_not_json_are_named_as_such() {
        let e = check_body(b"  \n ", &SRC, "JSON").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ds payload f.json: field (document): empty payload"
        );
        let html = b"\n<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \nYou don't have permission to access this server. Reference #18.1234";
        let e = check_body(html, &SRC, "JSON").unwrap_err();
        assert_eq!(
            e.message,
            "expected JSON, got an HTML page: <HTML><HEAD> <TITLE>Access Denied</TITLE> </HEAD><BODY> <H1>Access Denied</H1> Y"
        );
        let e = check_body(&[0x1f, 0x8b, 8, 0], &SRC, "JSON").unwrap_err();
        assert!(e.message.contains("gzip"));
        assert_eq!(check_body(b"\xEF\xBB\xBF{}", &SRC, "JSON").unwrap(), b"{}");
    }

    #[test]
    fn serde_errors_carry_the_path_and_the_missing_field() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            a: i64,
            b: i64,
        }
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            xs: Vec<Inner>,
        }
        let e = from_json::<Outer>(br#"{"xs":[{"a":1,"b":2},{"a":1}]}"#, &SRC).unwrap_err();
        assert_eq!(e.field, "xs[1].b");
        assert!(e.message.starts_with("missing field `b`"), "{e}");
        let e = from_json::<Outer>(br#"{"xs":[{"a":1,"b":"2"}]}"#, &SRC).unwrap_err();
        assert_eq!(e.field, "xs[0].b");
        let e = from_json::<Outer>(br#"{"xs":[{"a":1,"b":2},{"a":1"#, &SRC).unwrap_err();
        assert_eq!(e.field, "xs[1]");
        assert!(
            e.message.starts_with("truncated JSON: EOF while parsing"),
            "{e}"
        );
        assert!(e.message.contains("line 1 column"), "{e}");
        let e = from_json::<Outer>(br#"{"xs":[]} x"#, &SRC).unwrap_err();
        assert_eq!(e.field, DOCUMENT);
        let e = from_json::<Outer>(br#""x""#, &SRC).unwrap_err();
        assert_eq!(e.field, DOCUMENT);
        let e = from_json::<Outer>(b" [[]]", &SRC).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            (DOCUMENT, "expected a JSON object, got: [[]]")
        );
    }

    #[test]
    fn team_names_outside_ascii_are_errors_not_panics() {
        assert!(team_from_name("Denver Nugget\u{e9}").is_err());
        // Same byte length as "Atlanta Hawks", with byte 7 inside the 'é': the core lookup
        // would slice there and panic.
        assert!(team_from_name("Atlant\u{e9}Hawks").is_err());
        assert_eq!(team_from_name("Denver Nuggets").unwrap().tricode(), "DEN");
    }
}
