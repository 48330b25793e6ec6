//! The `datagen` connector (Flink's DataGen table source): rows generated from the schema —
//! per field `'fields.<name>.kind' = 'random'` (default: uniform in `min`..`max`, strings of
//! `length` characters) or `'sequence'` (`start`..`end`, which also bounds the table).
//! `'number-of-rows'` bounds it, `'rows-per-second'` (default 10000) paces it. Random values
//! are a pure function of the row number, so a run is reproducible.

use crate::catalog::TableDef;
use crate::error::{SqlError, SqlResult};
use crate::exec::calc::{RowCalc, Step};
use crate::types::{DataType, Field};
use crate::value::{Row, Value};
use compact_str::CompactString;
use rasch_api::{DataStream, StreamEnv};
use std::sync::Arc;

/// How one field is generated.
#[derive(Debug, Clone)]
enum Gen {
    Sequence(i64),
    Random { min: f64, max: f64, length: usize },
}

/// The source stream of a `datagen` table, with `steps` applied.
pub fn source(env: &StreamEnv, t: &TableDef, steps: Vec<Step>) -> SqlResult<DataStream<Row>> {
    let schema = t.physical_schema();
    let num = |k: &str| -> SqlResult<Option<f64>> {
        t.option(k)
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| SqlError::validation(format!("table '{}': option '{k}' must be a number, not '{v}'", t.name)))
            })
            .transpose()
    };
    let mut count = num("number-of-rows")?.map(|n| n.max(0.0) as u64);
    let rate = num("rows-per-second")?.unwrap_or(10_000.0);
    let mut gens = Vec::new();
    for f in &schema {
        let key = |s: &str| format!("fields.{}.{s}", f.name);
        let kind = t.option(&key("kind")).unwrap_or("random");
        gens.push(match kind {
            "sequence" => {
                let (Some(start), Some(end)) = (num(&key("start"))?, num(&key("end"))?) else {
                    return Err(SqlError::validation(format!("table '{}': sequence field '{}' needs 'start' and 'end'", t.name, f.name)));
                };
                if !f.data_type.is_integer() {
                    return Err(SqlError::unsupported(format!("table '{}': sequence of {} (integers only)", t.name, f.data_type)));
                }
                let len = (end - start + 1.0).max(0.0) as u64;
                count = Some(count.map_or(len, |c| c.min(len)));
                Gen::Sequence(start as i64)
            }
            "random" => {
                let (lo, hi) = bounds(&f.data_type);
                Gen::Random {
                    min: num(&key("min"))?.unwrap_or(lo),
                    max: num(&key("max"))?.unwrap_or(hi),
                    length: num(&key("length"))?.unwrap_or(100.0).max(0.0) as usize,
                }
            }
            other => return Err(SqlError::validation(format!("table '{}': unknown kind '{other}' of field '{}'", t.name, f.name))),
        });
    }
    let fields: Arc<[(Field, Gen)]> = schema.into_iter().zip(gens).collect();
    let stream =
        env.datagen(count, Some(rate), move |i| Row::insert(fields.iter().enumerate().map(|(j, (f, g))| generate(f, g, i, j)).collect()));
    let stream = stream.name(&format!("TableSourceScan(table=[{}])", t.name));
    Ok(if steps.is_empty() { stream } else { stream.flat_map_rich(RowCalc { steps: steps.into() }).name("Calc") })
}

fn bounds(t: &DataType) -> (f64, f64) {
    match t {
        DataType::TinyInt => (i8::MIN as f64, i8::MAX as f64),
        DataType::SmallInt => (i16::MIN as f64, i16::MAX as f64),
        DataType::Int => (i32::MIN as f64, i32::MAX as f64),
        DataType::BigInt => (-9.007e15, 9.007e15),
        _ => (0.0, 1.0),
    }
}

/// SplitMix64 of the row number and field position: a uniform `u64`.
fn mix(i: u64, j: usize) -> u64 {
    let mut z = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (j as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn generate(f: &Field, g: &Gen, i: u64, j: usize) -> Value {
    match g {
        Gen::Sequence(start) => Value::Int(start + i as i64),
        Gen::Random { min, max, length } => {
            let r = mix(i, j);
            let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
            match &f.data_type {
                t if t.is_integer() => Value::Int((min + (unit * (max - min + 1.0)).floor()).min(*max) as i64),
                DataType::Float | DataType::Double => Value::Double(min + unit * (max - min)),
                DataType::Boolean => Value::Bool(r & 1 == 1),
                DataType::Char(_) | DataType::Varchar(_) => {
                    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
                    let s: String = (0..*length).map(|k| ALPHABET[(mix(r, k) % ALPHABET.len() as u64) as usize] as char).collect();
                    Value::Str(CompactString::from(s))
                }
                _ => Value::Null,
            }
        }
    }
}
