//! Spark's CSV functions on one record: `from_csv`, `to_csv` and `schema_of_csv`, following
//! `csvExpressions.scala`, `UnivocityParser`/`UnivocityGenerator` and `CSVInferSchema` with
//! Spark's default options (`sep` `,`, quote `"`, escape `\`, an empty field is NULL).

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, Fields, TimeUnit};
use datafusion::common::scalar::ScalarStructBuilder;
use datafusion::common::{Result, ScalarValue, plan_err};

use super::formats::{self, Options};
use super::json::{decimal, timestamp_value};
use crate::connect::show::{cell, java_double, java_float};

const QUOTE: char = '"';
const ESCAPE: char = '\\';

/// The separator: option `sep` or `delimiter`, `,` by default.
fn separator(options: &Options) -> Result<char> {
    let text = options.get("sep").or_else(|| options.get("delimiter")).unwrap_or(",");
    let text = if text == "\\t" { "\t" } else { text };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => plan_err!("CSV separators of more than one character ({text:?}) are not supported"),
    }
}

/// The fields of one record: quoted fields may hold the separator, `\"` or `""` for a quote;
/// an empty unquoted field is None (Spark's default `nullValue`).
fn fields(record: &str, separator: char, options: &Options) -> Vec<Option<String>> {
    let trim_leading = options.flag("ignoreLeadingWhiteSpace", false);
    let trim_trailing = options.flag("ignoreTrailingWhiteSpace", false);
    let mut out = Vec::new();
    let mut chars = record.chars().peekable();
    loop {
        let mut field = String::new();
        let mut quoted = false;
        if trim_leading {
            while chars.peek().is_some_and(|c| c.is_whitespace() && *c != separator) {
                chars.next();
            }
        }
        if chars.peek() == Some(&QUOTE) {
            quoted = true;
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    ESCAPE if chars.peek() == Some(&QUOTE) => field.push(chars.next().unwrap_or(QUOTE)),
                    QUOTE if chars.peek() == Some(&QUOTE) => {
                        chars.next();
                        field.push(QUOTE);
                    }
                    QUOTE => break,
                    c => field.push(c),
                }
            }
        }
        let mut ended = true;
        for c in chars.by_ref() {
            if c == separator {
                ended = false;
                break;
            }
            field.push(c);
        }
        if trim_trailing {
            field.truncate(field.trim_end().len());
        }
        out.push(if field.is_empty() && !quoted { None } else { Some(field) });
        if ended {
            return out;
        }
    }
}

/// The record `text` read into a struct of `fields`, and why part of it could not be read.
pub(super) fn from_csv(text: &str, struct_fields: &Fields, options: &Options) -> Result<(ScalarValue, Option<String>)> {
    let values = fields(text, separator(options)?, options);
    let mut problem =
        (values.len() != struct_fields.len()).then(|| format!("[MALFORMED_CSV_RECORD] Malformed CSV record: {text}"));
    let mut builder = ScalarStructBuilder::new();
    for (i, field) in struct_fields.iter().enumerate() {
        let text = values.get(i).cloned().flatten();
        let value = match text {
            None => None,
            Some(t) => {
                let read = read_value(&t, field.data_type(), options);
                if read.is_none() {
                    problem = problem.or(Some(format!(
                        "cannot parse {t:?} as {} for the field {}",
                        formats::sql_type(field.data_type()),
                        field.name()
                    )));
                }
                read
            }
        };
        builder =
            builder.with_scalar(field.clone(), value.map_or_else(|| ScalarValue::try_from(field.data_type()), Ok)?);
    }
    Ok((builder.build()?, problem))
}

fn read_value(text: &str, ty: &DataType, options: &Options) -> Option<ScalarValue> {
    Some(match ty {
        DataType::Utf8 => ScalarValue::Utf8(Some(text.to_string())),
        DataType::Boolean => ScalarValue::Boolean(Some(match text.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return None,
        })),
        DataType::Int8 => ScalarValue::Int8(Some(text.parse().ok()?)),
        DataType::Int16 => ScalarValue::Int16(Some(text.parse().ok()?)),
        DataType::Int32 => ScalarValue::Int32(Some(text.parse().ok()?)),
        DataType::Int64 => ScalarValue::Int64(Some(text.parse().ok()?)),
        DataType::Float32 => ScalarValue::Float32(Some(java_parse_double(text)? as f32)),
        DataType::Float64 => ScalarValue::Float64(Some(java_parse_double(text)?)),
        DataType::Decimal128(p, s) => ScalarValue::Decimal128(Some(decimal(text, *p, *s)?), *p, *s),
        DataType::Date32 => ScalarValue::Date32(Some(formats::parse_date(text, options.get("dateFormat"))?)),
        DataType::Timestamp(TimeUnit::Microsecond, zone) => {
            let pattern = options.get(if zone.is_some() { "timestampFormat" } else { "timestampNTZFormat" });
            ScalarValue::TimestampMicrosecond(
                Some(formats::parse_timestamp(text, pattern, zone.as_deref())?),
                zone.clone(),
            )
        }
        _ => return None,
    })
}

/// Java's `Double.parseDouble`: also `NaN`, `Infinity` and a trailing `d`/`f`.
fn java_parse_double(text: &str) -> Option<f64> {
    let trimmed = text.trim();
    let body = trimmed.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(trimmed);
    match body.trim_start_matches(['+', '-']) {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(if body.starts_with('-') { f64::NEG_INFINITY } else { f64::INFINITY }),
        digits if digits.starts_with(|c: char| c.is_ascii_digit() || c == '.') => body.parse().ok(),
        _ => None,
    }
}

/// `to_csv(struct)`: the fields as one CSV record, NULL as an empty field.
pub(super) fn to_csv(array: &ArrayRef, row: usize, options: &Options) -> Result<Option<String>> {
    if array.is_null(row) {
        return Ok(None);
    }
    let separator = separator(options)?;
    let mut out = String::new();
    for (i, column) in array.as_struct().columns().iter().enumerate() {
        if i > 0 {
            out.push(separator);
        }
        if formats::null_at(column, row) {
            continue;
        }
        let text = field_text(column, row, options)?;
        let text = text.trim();
        if text.is_empty() || text.contains([separator, QUOTE, '\n', '\r']) {
            out.push(QUOTE);
            out.push_str(&text.replace(QUOTE, "\\\""));
            out.push(QUOTE);
        } else {
            out.push_str(text);
        }
    }
    Ok(Some(out))
}

fn field_text(column: &ArrayRef, row: usize, options: &Options) -> Result<String> {
    use datafusion::arrow::datatypes::{Date32Type, Float32Type, Float64Type};
    Ok(match column.data_type() {
        DataType::Float64 => java_double(column.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => java_float(column.as_primitive::<Float32Type>().value(row)),
        DataType::Date32 => {
            formats::format_date(column.as_primitive::<Date32Type>().value(row), options.get("dateFormat"))?
        }
        DataType::Timestamp(unit, zone) => {
            let pattern = options.get(if zone.is_some() { "timestampFormat" } else { "timestampNTZFormat" });
            formats::format_timestamp(timestamp_value(column, row, unit), unit, zone.as_deref(), pattern)?
        }
        _ => cell(column, row),
    })
}

/// `schema_of_csv`: the type Spark infers for each field of one record, as SQL text.
pub(super) fn schema_of_csv(text: &str, options: &Options) -> Result<String> {
    let inferred: Vec<Field> = fields(text, separator(options)?, options)
        .into_iter()
        .enumerate()
        .map(|(i, value)| Field::new(format!("_c{i}"), value.map_or(DataType::Utf8, |v| infer(&v)), true))
        .collect();
    Ok(formats::sql_type(&DataType::Struct(Fields::from(inferred))))
}

/// `CSVInferSchema.inferField` for one value: INT, BIGINT, DECIMAL(n,0), DOUBLE, DATE,
/// TIMESTAMP, BOOLEAN, else STRING.
fn infer(text: &str) -> DataType {
    let integral = text.strip_prefix(['-', '+']).unwrap_or(text);
    if text.parse::<i32>().is_ok() {
        DataType::Int32
    } else if text.parse::<i64>().is_ok() {
        DataType::Int64
    } else if !integral.is_empty() && integral.bytes().all(|b| b.is_ascii_digit()) && integral.len() <= 38 {
        DataType::Decimal128(integral.trim_start_matches('0').len().max(1) as u8, 0)
    } else if java_parse_double(text).is_some() {
        DataType::Float64
    } else if text.len() <= 10 && text.matches('-').count() == 2 && formats::parse_date(text, None).is_some() {
        DataType::Date32
    } else if formats::parse_timestamp(text, None, Some("UTC")).is_some() {
        DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
    } else if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
        DataType::Boolean
    } else {
        DataType::Utf8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_split_like_univocity() {
        let none = Options::default();
        assert_eq!(fields(r#"1,"a,b",x"#, ',', &none), vec![Some("1".into()), Some("a,b".into()), Some("x".into())]);
        assert_eq!(fields("1,2,", ',', &none), vec![Some("1".into()), Some("2".into()), None]);
        assert_eq!(fields(r#""a\"b",c"#, ',', &none), vec![Some("a\"b".into()), Some("c".into())]);
        let trim = Options::from_pairs(&[("ignoreLeadingWhiteSpace", "true")]);
        assert_eq!(fields("   abc", ',', &trim), vec![Some("abc".into())]);
    }

    #[test]
    fn schemas_are_inferred_like_spark() {
        let sep = Options::from_pairs(&[("sep", "|")]);
        assert_eq!(schema_of_csv("1|a|true", &sep).unwrap(), "STRUCT<_c0: INT, _c1: STRING, _c2: BOOLEAN>");
        assert_eq!(schema_of_csv("1||true", &sep).unwrap(), "STRUCT<_c0: INT, _c1: STRING, _c2: BOOLEAN>");
        let text = "1,abc,2.5,true,2024-02-03,2024-02-03 10:00:00,,99999999999,1e3,1.5e400";
        assert_eq!(
            schema_of_csv(text, &Options::default()).unwrap(),
            "STRUCT<_c0: INT, _c1: STRING, _c2: DOUBLE, _c3: BOOLEAN, _c4: DATE, _c5: TIMESTAMP, _c6: STRING, _c7: BIGINT, _c8: DOUBLE, _c9: DOUBLE>"
        );
        assert_eq!(
            schema_of_csv("12345678901234567890123", &Options::default()).unwrap(),
            "STRUCT<_c0: DECIMAL(23,0)>"
        );
        assert_eq!(schema_of_csv(r#""a",1"#, &Options::default()).unwrap(), "STRUCT<_c0: STRING, _c1: INT>");
    }
}
