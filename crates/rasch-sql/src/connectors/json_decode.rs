//! Schema-driven JSON decoding: serde visits the line once and writes each field straight
//! into its [`Value`] (no intermediate JSON tree; strings without escapes are copied once).

use super::json::JsonOptions;
use crate::exec::prune::{Need, Needs};
use crate::types::{DataType, Field};
use crate::value::Value;
use crate::value::decimal::{self, rescale};
use crate::value::time::{MILLIS_PER_DAY, parse_timestamp};
use compact_str::CompactString;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;
use std::sync::Arc;

/// Decodes one JSON object into the values of `schema`; with `needs`, fields nobody reads are
/// skipped and left NULL.
pub fn decode_values(line: &str, schema: &[Field], o: &JsonOptions, needs: Option<&Needs>) -> Result<Vec<Value>, String> {
    let mut de = serde_json::Deserializer::from_str(line);
    let values = RowSeed { fields: schema, o, needs }.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(values)
}

struct RowSeed<'a> {
    fields: &'a [Field],
    o: &'a JsonOptions,
    needs: Option<&'a Needs>,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Vec<Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Value>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Vec<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Value>, A::Error> {
        let mut values = vec![Value::Null; self.fields.len()];
        let mut seen = 0u64;
        while let Some(key) = map.next_key::<KeyName<'de>>()? {
            let name = key.as_str();
            let pos = self.fields.iter().position(|f| f.name == name);
            let need = match (pos, self.needs) {
                (Some(i), Some(n)) => n.get(&i).map(|n| match n {
                    Need::Whole => None,
                    Need::Fields(f) => Some(f),
                }),
                (Some(_), None) => Some(None),
                (None, _) => None,
            };
            match (pos, need) {
                (Some(i), Some(needs)) => {
                    values[i] = map.next_value_seed(ValueSeed { ty: &self.fields[i].data_type, o: self.o, needs })?;
                    if i < 64 {
                        seen |= 1 << i;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let needed = |i: usize| self.needs.is_none_or(|n| n.contains_key(&i));
        if self.o.fail_on_missing_field
            && let Some(f) = self.fields.iter().enumerate().find(|(i, _)| *i < 64 && needed(*i) && seen & (1 << i) == 0)
        {
            return Err(de::Error::custom(format!("Could not find field with name '{}'", f.1.name)));
        }
        Ok(values)
    }
}

/// An object key, borrowed from the input when it has no escapes.
enum KeyName<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl KeyName<'_> {
    fn as_str(&self) -> &str {
        match self {
            KeyName::Borrowed(s) => s,
            KeyName::Owned(s) => s,
        }
    }
}

impl<'de> de::Deserialize<'de> for KeyName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<KeyName<'de>, E> {
                Ok(KeyName::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyName<'de>, E> {
                Ok(KeyName::Owned(v.to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

struct ValueSeed<'a> {
    ty: &'a DataType,
    o: &'a JsonOptions,
    needs: Option<&'a Needs>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl ValueSeed<'_> {
    fn bad<E: de::Error>(&self, what: impl fmt::Display) -> E {
        E::custom(format!("cannot read {what} as {}", self.ty))
    }

    fn parse_text<E: de::Error>(&self, s: &str) -> Result<Value, E> {
        let t = self.ty;
        Ok(match t {
            DataType::Char(_) | DataType::Varchar(_) => Value::Str(CompactString::from(s)),
            DataType::Timestamp(_) | DataType::TimestampLtz(_) => Value::Timestamp(parse_timestamp(s).ok_or_else(|| self.bad(s))?),
            DataType::Date => Value::Int(parse_timestamp(s).ok_or_else(|| self.bad(s))?.div_euclid(MILLIS_PER_DAY)),
            t if t.is_integer() => Value::Int(s.trim().parse().map_err(|_| self.bad(s))?),
            DataType::Float | DataType::Double => Value::Double(s.trim().parse().map_err(|_| self.bad(s))?),
            DataType::Decimal(p, sc) => {
                let (u, _, fs) = decimal::parse_literal(s.trim()).ok_or_else(|| self.bad(s))?;
                let v = rescale(u, fs, *sc).ok_or_else(|| self.bad(s))?;
                if decimal::fits(v, *p) { Value::Decimal(v) } else { Value::Null }
            }
            DataType::Boolean => match s {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(self.bad(s)),
            },
            _ => return Err(self.bad(s)),
        })
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a value of type {}", self.ty)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        match self.ty {
            DataType::Boolean => Ok(Value::Bool(v)),
            DataType::Char(_) | DataType::Varchar(_) => Ok(Value::Str(CompactString::from(if v { "true" } else { "false" }))),
            _ => Err(self.bad(v)),
        }
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        match self.ty {
            t if t.is_integer() => Ok(Value::Int(v)),
            DataType::Float | DataType::Double => Ok(Value::Double(v as f64)),
            DataType::Decimal(p, s) => Ok(rescale(v as i128, 0, *s).filter(|d| decimal::fits(*d, *p)).map_or(Value::Null, Value::Decimal)),
            _ => self.parse_text(&v.to_string()),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        match i64::try_from(v) {
            Ok(i) => self.visit_i64(i),
            Err(_) => self.parse_text(&v.to_string()),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        match self.ty {
            DataType::Float | DataType::Double => Ok(Value::Double(v)),
            _ => self.parse_text(&v.to_string()),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.parse_text(v)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        match self.ty {
            DataType::Row(fields) => Ok(Value::Row(Arc::from(RowSeed { fields, o: self.o, needs: self.needs }.visit_map(map)?))),
            _ => Err(self.bad("an object")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> Vec<Field> {
        vec![
            Field::new("a", DataType::BigInt),
            Field::new("s", DataType::string()),
            Field::new("r", DataType::Row(vec![Field::new("t", DataType::Timestamp(3)), Field::new("d", DataType::Decimal(5, 2))])),
        ]
    }

    #[test]
    fn decodes_by_schema_nested_rows_and_unknown_keys() {
        let o = JsonOptions::default();
        let v =
            decode_values(r#"{"x":[1,{"y":2}],"s":"h\"i","a":7,"r":{"t":"2015-07-15 00:00:01.1","d":1.5}}"#, &schema(), &o, None).unwrap();
        assert_eq!(v[0], Value::Int(7));
        assert_eq!(v[1], Value::Str("h\"i".into()));
        let Value::Row(r) = &v[2] else { panic!("{v:?}") };
        assert_eq!(r[1], Value::Decimal(150));
        assert_eq!(r[0], Value::Timestamp(parse_timestamp("2015-07-15 00:00:01.100").unwrap()));
    }

    #[test]
    fn missing_fields_are_null_unless_required_and_bad_values_are_errors() {
        let v = decode_values(r#"{"a":null}"#, &schema(), &JsonOptions::default(), None).unwrap();
        assert!(v.iter().all(Value::is_null));
        let strict = JsonOptions { fail_on_missing_field: true, ..JsonOptions::default() };
        assert!(decode_values(r#"{"a":1}"#, &schema(), &strict, None).unwrap_err().contains("Could not find field with name 's'"));
        assert!(decode_values(r#"{"a":"x"}"#, &schema(), &JsonOptions::default(), None).unwrap_err().contains("as BIGINT"));
        assert!(decode_values(r#"{"a":1} trailing"#, &schema(), &JsonOptions::default(), None).is_err());
    }

    #[test]
    fn unread_fields_are_skipped() {
        use std::collections::BTreeMap;
        let needs = Needs::from([(2, Need::Fields(BTreeMap::from([(1, Need::Whole)])))]);
        let strict = JsonOptions { fail_on_missing_field: true, ..JsonOptions::default() };
        let v = decode_values(r#"{"a":7,"r":{"t":"bad but unread","d":2}}"#, &schema(), &strict, Some(&needs)).unwrap();
        assert_eq!(v[0], Value::Null);
        let Value::Row(r) = &v[2] else { panic!("{v:?}") };
        assert_eq!(r[..], [Value::Null, Value::Decimal(200)]);
    }
}
