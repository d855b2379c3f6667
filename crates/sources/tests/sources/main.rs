//! Integration tests of the fetch layer and every scraper, against a local wiremock server that
//! replays real captured responses from `../shared/data/fixtures` (read at test time; without
//! them the fixture tests print SKIPPED and return).

mod support;

mod bettingpros;
mod espn;
mod nbacom;
mod oddsapi;
mod policy;
mod status;
