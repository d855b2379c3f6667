//! One loosely typed JSON value: a stats.nba.com `rowSet` cell, or a numeric field whose JSON
//! type varies by source (prices, points, scores, ids).
//!
//! Cells are read without a `serde_json::Value` tree (a season of box scores is ~800k cells)
//! and borrow their strings from the payload when it has no escapes. Arrays and objects are
//! accepted as [`Cell::Nested`] so that a wrong type is reported by the caller, which knows the
//! header name, rather than by serde, which only knows the cell's index.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    /// An array or an object, contents skipped.
    Nested,
}

/// Largest magnitude below which every integer is exact in an f64, so an integral float can be
/// taken as the integer it spells.
const EXACT_F64_INT: f64 = 9_007_199_254_740_992.0;

impl Cell<'_> {
    /// The cell as an error message names it: its JSON type and a short rendering of its value.
    pub(crate) fn describe(&self) -> String {
        match self {
            Cell::Null => "null".to_string(),
            Cell::Bool(b) => format!("boolean {b}"),
            Cell::Int(i) => format!("integer {i}"),
            Cell::Float(f) => format!("number {f}"),
            Cell::Str(s) => {
                let short: String = s.chars().take(40).collect();
                let more = if short.len() < s.len() { "…" } else { "" };
                format!("string {short:?}{more}")
            }
            Cell::Nested => "an array or object".to_string(),
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Cell::Null)
    }

    /// A JSON integer, or a float with an integral value (stats.nba.com sometimes writes `12.0`).
    pub(crate) fn to_i64(&self) -> Result<i64, String> {
        match *self {
            Cell::Int(i) => Ok(i),
            Cell::Float(f) if f.fract() == 0.0 && f.abs() < EXACT_F64_INT => Ok(f as i64),
            _ => Err(format!("expected an integer, got {}", self.describe())),
        }
    }

    pub(crate) fn to_i32(&self) -> Result<i32, String> {
        let v = self.to_i64()?;
        i32::try_from(v).map_err(|_| format!("integer {v} is out of range"))
    }

    /// Any JSON number.
    pub(crate) fn to_f64(&self) -> Result<f64, String> {
        match *self {
            Cell::Int(i) => Ok(i as f64),
            Cell::Float(f) => Ok(f),
            _ => Err(format!("expected a number, got {}", self.describe())),
        }
    }

    pub(crate) fn to_str(&self) -> Result<&str, String> {
        match self {
            Cell::Str(s) => Ok(s),
            _ => Err(format!("expected a string, got {}", self.describe())),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Cell<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CellVisitor(std::marker::PhantomData))
    }
}

struct CellVisitor<'a>(std::marker::PhantomData<Cell<'a>>);

impl<'de: 'a, 'a> Visitor<'de> for CellVisitor<'a> {
    type Value = Cell<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Cell::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Cell::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Cell::deserialize(d)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Cell::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Cell::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        // Beyond i64 no field of these payloads is meaningful; the float keeps the magnitude
        // for the error message.
        Ok(i64::try_from(v).map_or(Cell::Float(v as f64), Cell::Int))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Cell::Float(v))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cell::Str(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Cell::Nested)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Cell::Nested)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(json: &str) -> Vec<Cell<'_>> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn every_json_type_is_a_cell_and_strings_borrow() {
        let c = cells(
            r#"[null, true, 12, -3, 12.0, 0.5, "a", "b\"c", [1, [2]], {"k": 1}, 18446744073709551615]"#,
        );
        assert_eq!(c[0], Cell::Null);
        assert_eq!(c[1], Cell::Bool(true));
        assert_eq!(c[2], Cell::Int(12));
        assert_eq!(c[3], Cell::Int(-3));
        assert_eq!(c[4], Cell::Float(12.0));
        assert!(matches!(c[6], Cell::Str(Cow::Borrowed("a"))));
        assert_eq!(c[7], Cell::Str(Cow::Owned("b\"c".into())));
        assert_eq!(c[8], Cell::Nested);
        assert_eq!(c[9], Cell::Nested);
        assert!(c[10].to_i64().is_err());
    }

    #[test]
    fn integers_accept_integral_floats_only() {
        assert_eq!(Cell::Float(12.0).to_i32(), Ok(12));
        assert_eq!(Cell::Int(-7).to_i32(), Ok(-7));
        assert!(
            Cell::Float(12.5)
                .to_i32()
                .unwrap_err()
                .contains("number 12.5")
        );
        assert!(
            Cell::Str("12".into())
                .to_i32()
                .unwrap_err()
                .contains("string \"12\"")
        );
        assert!(Cell::Null.to_i32().unwrap_err().contains("null"));
        assert!(
            Cell::Int(1 << 40)
                .to_i32()
                .unwrap_err()
                .contains("out of range")
        );
        assert!(Cell::Float(1e300).to_i64().is_err());
    }
}
