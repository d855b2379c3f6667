//! Helpers shared by the parser tests.

use super::{ParseError, Quarantined};
use std::path::{Path, PathBuf};

/// Every file under `dir` whose name ends with `ext`, sorted, recursing into folders.
pub(crate) fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

pub(crate) fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// The error names the file, the dataset and a non-empty field, in its fields and its Display.
pub(crate) fn assert_names(e: &ParseError, file: &str, dataset: &str) {
    let shown = e.to_string();
    assert_eq!(e.file, file, "{shown}");
    assert_eq!(e.dataset, dataset, "{shown}");
    assert!(!e.field.is_empty(), "{shown}");
    assert!(!e.message.is_empty(), "{shown}");
    assert!(
        shown.contains(file) && shown.contains(dataset) && shown.contains(&e.field),
        "{shown}"
    );
}

/// The error names the file and dataset and exactly this field.
pub(crate) fn assert_field(e: &ParseError, file: &str, dataset: &str, field: &str) {
    assert_names(e, file, dataset);
    assert_eq!(e.field, field, "{e}");
}

pub(crate) const ACCESS_DENIED: &str = "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \nYou don't have permission to access \"http&#58;&#47;&#47;stats&#46;nba&#46;com&#47;stats&#47;leaguegamelog\" on this server.<P>\nReference&#32;&#35;18&#46;bd3d3b17&#46;1700000000&#46;1a2b3c4d\n</BODY>\n</HTML>\n";

/// A fixture under `../shared/data/fixtures` (`najicham/bp_events/raw_75470647.json`), or `None`
/// after a loud SKIPPED line when the corpus is absent.
pub(crate) fn fixture(rel: &str) -> Option<Vec<u8>> {
    let dir = crate::testdata::shared_data_dir()?;
    let path = dir.join("fixtures").join(rel);
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!(
                "SKIPPED: fixture {} is not readable ({e}); this test did not run",
                path.display()
            );
            None
        }
    }
}

/// The real stats.nba.com `boxscoretraditionalv3` capture (swar/nba_api cassette, CHI @ CLE,
/// 2023-01-02, 0022200552).
pub(crate) const V3_FIXTURE: &str = "nba_api/boxscoretraditionalv3__EndPeriod=0_EndRange=0_GameID=0022200552_RangeType=0_StartPeriod=0_StartRange=0.json";
/// The real CDN live box score capture (pbpstats, GSW @ BKN, 2020-12-22, 0022000001).
pub(crate) const CDN_FIXTURE: &str = "pbpstats/tests/data/game_details/live_0022000001.json";

/// The error `parse` gives on `good` after `edit` damaged it: for tests that break one field of
/// a payload that parses.
pub(crate) fn error_after(
    good: &serde_json::Value,
    edit: &dyn Fn(&mut serde_json::Value),
    parse: impl Fn(&[u8]) -> Result<Vec<Quarantined>, ParseError>,
) -> ParseError {
    let mut v = good.clone();
    edit(&mut v);
    match parse(v.to_string().as_bytes()) {
        Err(e) => e,
        // A damaged row is set aside and the payload's other rows kept.
        Ok(q) => match q.as_slice() {
            [one] => one.error.clone(),
            _ => panic!("the damaged payload must not parse, or set one row aside: {q:?}"),
        },
    }
}
