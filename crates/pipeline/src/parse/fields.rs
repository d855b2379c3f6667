//! Reading named fields out of a flat JSON object (a box score's `statistics`, an ESPN odds
//! block) with errors that name the field's full path. Parsers deserialize such objects as
//! [`Fields`] and read each value by name, so a payload that adds, drops or reorders fields is
//! read the same way, and a missing or mistyped field is reported as itself.

use super::cell::Cell;
use super::{ParseError, Source};
use std::borrow::Cow;
use std::collections::HashMap;

/// A JSON object whose values are scalars (nested values are [`Cell::Nested`]).
pub(crate) type Fields<'a> = HashMap<Cow<'a, str>, Cell<'a>>;

/// Where a field is: the path of its object and a source to name in errors.
pub(crate) struct At<'s, 'a> {
    pub src: &'s Source<'a>,
    pub path: String,
}

impl At<'_, '_> {
    pub fn field(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }

    pub fn error(&self, name: &str, message: impl Into<String>) -> ParseError {
        self.src.error(self.field(name), message)
    }

    fn get<'f, 'a>(&self, f: &'f Fields<'a>, name: &str) -> Result<&'f Cell<'a>, ParseError> {
        f.get(name).ok_or_else(|| self.error(name, "missing"))
    }

    /// A required integer (integral floats such as `-6.0` included).
    pub fn int(&self, f: &Fields<'_>, name: &str) -> Result<i32, ParseError> {
        self.get(f, name)?.to_i32().map_err(|m| self.error(name, m))
    }

    /// An integer that may be absent or null.
    pub fn opt_int(&self, f: &Fields<'_>, name: &str) -> Result<Option<i32>, ParseError> {
        match f.get(name) {
            None | Some(Cell::Null) => Ok(None),
            Some(c) => c.to_i32().map(Some).map_err(|m| self.error(name, m)),
        }
    }

    /// A number that may be absent or null.
    pub fn opt_f64(&self, f: &Fields<'_>, name: &str) -> Result<Option<f64>, ParseError> {
        match f.get(name) {
            None | Some(Cell::Null) => Ok(None),
            Some(c) => c.to_f64().map(Some).map_err(|m| self.error(name, m)),
        }
    }

    /// A string that may be absent or null; empty strings are `None`.
    pub fn opt_str<'f>(
        &self,
        f: &'f Fields<'_>,
        name: &str,
    ) -> Result<Option<&'f str>, ParseError> {
        match f.get(name) {
            None | Some(Cell::Null) => Ok(None),
            Some(c) => c
                .to_str()
                .map(|s| Some(s.trim()).filter(|s| !s.is_empty()))
                .map_err(|m| self.error(name, m)),
        }
    }
}

/// `0`/`1`, `"0"`/`"1"` or a boolean, as the CDN writes flags.
pub(crate) fn flag(c: &Cell<'_>) -> Result<bool, String> {
    match c {
        Cell::Bool(b) => Ok(*b),
        Cell::Int(0) => Ok(false),
        Cell::Int(1) => Ok(true),
        Cell::Str(s) if s.trim() == "0" => Ok(false),
        Cell::Str(s) if s.trim() == "1" => Ok(true),
        other => Err(format!("expected a flag 0 or 1, got {}", other.describe())),
    }
}
