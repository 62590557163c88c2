//! What Spark's JSON and CSV functions share: the options map (`map('mode', 'FAILFAST')`, sent by
//! PySpark as `create_map` of string literals), the parse mode, the schema argument (a literal DDL
//! or JSON string, as `from_json(col, "a INT")` and `from_json(col, StructType)` both arrive), the
//! `STRUCT<a: BIGINT>` text `schema_of_json`/`schema_of_csv` answer, and dates and timestamps
//! read and written with Spark's default or a Java pattern.

use std::collections::HashMap;
use std::sync::Arc;

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Offset, TimeZone};

use super::datetime::pattern::SparkPattern;
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::array::{Int32Array, ListBuilder, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::kernels::cast_utils::string_to_datetime;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::arrow::datatypes::{Field, FieldRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The options of one call, keys compared case-insensitively as Spark does.
#[derive(Debug, Default)]
pub(super) struct Options(HashMap<String, String>);

impl Options {
    /// The options in `argument` (a map of strings, the same on every row), or none.
    pub(super) fn from_argument(function: &str, argument: Option<&ColumnarValue>) -> Result<Self> {
        let Some(argument) = argument else { return Ok(Self::default()) };
        let array = argument.to_array(1)?;
        let DataType::Map(_, _) = array.data_type() else {
            return plan_err!(
                "[INVALID_OPTIONS.NON_MAP_FUNCTION] Invalid options: {function} takes its options as map()"
            );
        };
        let map = array.as_map();
        let mut options = HashMap::new();
        if !map.is_empty() && !map.is_null(0) {
            let entries = map.value(0);
            let keys = strings(entries.column(0))?;
            let values = strings(entries.column(1))?;
            for i in 0..keys.len() {
                if keys.is_valid(i) {
                    let value = if values.is_valid(i) { values.value(i).to_string() } else { String::new() };
                    options.insert(keys.value(i).to_ascii_lowercase(), value);
                }
            }
        }
        Ok(Self(options))
    }

    #[cfg(test)]
    pub(super) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self(pairs.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect())
    }

    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0.get(&key.to_ascii_lowercase()).map(String::as_str)
    }

    /// A boolean option, `default` when absent.
    pub(super) fn flag(&self, key: &str, default: bool) -> bool {
        self.get(key).map_or(default, |v| v.eq_ignore_ascii_case("true"))
    }

    /// The parse mode: PERMISSIVE (malformed fields become NULL) or FAILFAST (an error).
    pub(super) fn failfast(&self, function: &str) -> Result<bool> {
        match self.get("mode").map(str::to_ascii_uppercase).as_deref() {
            None | Some("PERMISSIVE") => Ok(false),
            Some("FAILFAST") => Ok(true),
            Some(other) => plan_err!(
                "[PARSE_MODE_UNSUPPORTED] The function `{function}` doesn't support the {other} mode. Acceptable modes are PERMISSIVE and FAILFAST."
            ),
        }
    }
}

/// `array` as UTF-8 strings, whatever string type it has.
pub(super) fn strings(array: &ArrayRef) -> Result<StringArray> {
    Ok(cast(array, &DataType::Utf8)?.as_string::<i32>().clone())
}

/// Whether row `row` of `array` is NULL, also for arrays of the NULL type (`named_struct('a', NULL)`),
/// which have no null buffer.
pub(super) fn null_at(array: &ArrayRef, row: usize) -> bool {
    array.logical_nulls().is_some_and(|nulls| nulls.is_null(row))
}

/// The error FAILFAST raises for a malformed record.
pub(super) fn malformed(record: &str, cause: &str) -> DataFusionError {
    DataFusionError::Execution(format!(
        "[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in record parsing: {record}. \
         Parse Mode: FAILFAST. To process malformed records as null result, try setting the option 'mode' as \
         'PERMISSIVE'. Cause: {cause}"
    ))
}

/// The session time zone, which TIMESTAMP in a schema stands for.
pub(super) fn session_time_zone(config: &ConfigOptions) -> Arc<str> {
    config.execution.time_zone.clone().unwrap_or_else(|| "UTC".into()).into()
}

/// The type the literal schema argument at `index` names: DDL (`a INT, b STRING`), a type
/// (`MAP<STRING,INT>`, `array<int>`), or Spark's JSON for a type (`StructType.json()`).
pub(super) fn schema_argument(
    function: &str,
    scalar_arguments: &[Option<&ScalarValue>],
    index: usize,
    time_zone: &str,
) -> Result<DataType> {
    let text = match scalar_arguments.get(index).copied().flatten() {
        Some(ScalarValue::Utf8(Some(t)) | ScalarValue::LargeUtf8(Some(t)) | ScalarValue::Utf8View(Some(t))) => t,
        _ => {
            return plan_err!(
                "[INVALID_SCHEMA.NON_STRING_LITERAL] The schema of {function} must be a string literal (DDL or JSON), \
                 or schema_of_json/schema_of_csv of a literal"
            );
        }
    };
    let parse_error = |e: crate::connect::error::ConnectError| {
        DataFusionError::Plan(format!(
            "[INVALID_SCHEMA.PARSE_ERROR] The input schema {text:?} is not a valid schema: {e}"
        ))
    };
    match crate::connect::types::parse_type(text, time_zone) {
        Ok(ty) => Ok(ty),
        Err(_) => {
            let schema = crate::connect::types::parse_schema(text, time_zone).map_err(parse_error)?;
            Ok(DataType::Struct(schema.fields().clone()))
        }
    }
}

/// Spark's SQL text of a type, as `schema_of_json` answers it: `STRUCT<a: BIGINT, b: ARRAY<DOUBLE>>`.
pub(super) fn sql_type(ty: &DataType) -> String {
    match ty {
        DataType::Struct(fields) => {
            let inner: Vec<String> =
                fields.iter().map(|f| format!("{}: {}", quote_if_needed(f.name()), sql_type(f.data_type()))).collect();
            format!("STRUCT<{}>", inner.join(", "))
        }
        DataType::List(element) => format!("ARRAY<{}>", sql_type(element.data_type())),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                format!("MAP<{}, {}>", sql_type(kv[0].data_type()), sql_type(kv[1].data_type()))
            }
            _ => "MAP".into(),
        },
        other => crate::connect::types::simple_string(other).to_uppercase(),
    }
}

/// A field name as Spark writes it in SQL: back-quoted unless it is a plain identifier.
fn quote_if_needed(name: &str) -> String {
    let plain = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if plain { name.to_string() } else { format!("`{}`", name.replace('`', "``")) }
}

/// Days since the epoch of `text`: with `pattern` (a Java pattern) when given, else Spark's
/// lenient default (`yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, then anything after `T` or a space).
pub(super) fn parse_date(text: &str, pattern: Option<&str>) -> Option<i32> {
    let date = match pattern {
        Some(p) => SparkPattern::new(p).ok()?.parse(text).ok()??.0.date(),
        None => {
            let text = text.trim();
            let date_part = text.split(['T', ' ']).next()?;
            let mut parts = date_part.split('-');
            let year: i32 = digits(parts.next()?, 4, 7)?;
            let month = parts.next().map_or(Some(1), |m| digits(m, 1, 2))?;
            let day = parts.next().map_or(Some(1), |d| digits(d, 1, 2))?;
            if parts.next().is_some() {
                return None;
            }
            NaiveDate::from_ymd_opt(year, month, day)?
        }
    };
    Some((date - NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days() as i32)
}

fn digits<T: std::str::FromStr>(text: &str, min: usize, max: usize) -> Option<T> {
    if (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) { text.parse().ok() } else { None }
}

/// Microseconds since the epoch of `text`, read in `time_zone` unless it names its own offset;
/// with `pattern` when given, else Spark's default (ISO 8601 with `T` or a space, an optional
/// fraction and zone, or a date alone). `time_zone` None reads a TIMESTAMP_NTZ.
pub(super) fn parse_timestamp(text: &str, pattern: Option<&str>, time_zone: Option<&str>) -> Option<i64> {
    let zone: Tz = time_zone.unwrap_or("UTC").parse().ok()?;
    let instant = match pattern {
        Some(p) => match SparkPattern::new(p).ok()?.parse(text).ok()?? {
            (local, Some(offset_seconds)) => local.and_utc().timestamp_micros() - i64::from(offset_seconds) * 1_000_000,
            (local, None) => zone.from_local_datetime(&local).earliest()?.timestamp_micros(),
        },
        None => {
            let parsed = string_to_datetime(&zone, text.trim()).ok()?;
            if time_zone.is_none() {
                parsed.naive_local().and_utc().timestamp_micros()
            } else {
                parsed.timestamp_micros()
            }
        }
    };
    Some(instant)
}

/// `days` as `yyyy-MM-dd`, or with a Spark `pattern`.
pub(super) fn format_date(days: i32, pattern: Option<&str>) -> Result<String> {
    let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + chrono::Duration::days(days as i64);
    match pattern {
        Some(p) => SparkPattern::new(p)?.format(date.and_time(chrono::NaiveTime::MIN), &Tz::from_str("UTC")?),
        None => Ok(date.format("%Y-%m-%d").to_string()),
    }
}

/// A timestamp of `unit` as Spark's JSON and CSV writers print it: by default
/// `yyyy-MM-dd'T'HH:mm:ss.SSSXXX` in `time_zone` (`Z` for UTC), without the zone for
/// TIMESTAMP_NTZ (`time_zone` None), or with a Java `pattern`.
pub(super) fn format_timestamp(
    value: i64,
    unit: &TimeUnit,
    time_zone: Option<&str>,
    pattern: Option<&str>,
) -> Result<String> {
    let micros = match unit {
        TimeUnit::Second => value * 1_000_000,
        TimeUnit::Millisecond => value * 1_000,
        TimeUnit::Microsecond => value,
        TimeUnit::Nanosecond => value.div_euclid(1_000),
    };
    let Some(utc) = DateTime::from_timestamp_micros(micros) else { return exec_err!("timestamp {value} out of range") };
    let (local, offset_seconds) = match time_zone {
        Some(zone) => {
            let zone: Tz = zone.parse()?;
            let local = utc.with_timezone(&zone);
            (local.naive_local(), Some(local.offset().fix().local_minus_utc()))
        }
        None => (utc.naive_utc(), None),
    };
    if let Some(p) = pattern {
        let zone: Tz = time_zone.unwrap_or("UTC").parse()?;
        return SparkPattern::new(p)?.format(local, &zone);
    }
    let mut text = local.format("%Y-%m-%dT%H:%M:%S%.3f").to_string();
    if let Some(seconds) = offset_seconds {
        if seconds == 0 {
            text.push('Z');
        } else {
            let sign = if seconds < 0 { '-' } else { '+' };
            let seconds = seconds.abs();
            text.push_str(&format!("{sign}{:02}:{:02}", seconds / 3600, seconds / 60 % 60));
        }
    }
    Ok(text)
}

/// The JSON and CSV functions, one implementation told apart by [`Kind`].
pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    [
        Kind::FromJson,
        Kind::ToJson,
        Kind::GetJsonObject,
        Kind::SchemaOfJson,
        Kind::JsonArrayLength,
        Kind::JsonObjectKeys,
        Kind::FromCsv,
        Kind::ToCsv,
        Kind::SchemaOfCsv,
    ]
    .into_iter()
    .map(|kind| Arc::new(ScalarUDF::new_from_impl(TextFunction::new(kind, "UTC".into()))))
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    FromJson,
    ToJson,
    GetJsonObject,
    SchemaOfJson,
    JsonArrayLength,
    JsonObjectKeys,
    FromCsv,
    ToCsv,
    SchemaOfCsv,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::FromJson => "from_json",
            Kind::ToJson => "to_json",
            Kind::GetJsonObject => "get_json_object",
            Kind::SchemaOfJson => "schema_of_json",
            Kind::JsonArrayLength => "json_array_length",
            Kind::JsonObjectKeys => "json_object_keys",
            Kind::FromCsv => "from_csv",
            Kind::ToCsv => "to_csv",
            Kind::SchemaOfCsv => "schema_of_csv",
        }
    }

    /// The number of arguments accepted: the last is the options map where there is one.
    fn arity(self) -> std::ops::RangeInclusive<usize> {
        match self {
            Kind::FromJson | Kind::FromCsv => 2..=3,
            Kind::ToJson | Kind::ToCsv | Kind::SchemaOfJson | Kind::SchemaOfCsv => 1..=2,
            Kind::GetJsonObject => 2..=2,
            Kind::JsonArrayLength | Kind::JsonObjectKeys => 1..=1,
        }
    }

    /// The index of the options argument, for the functions that take one.
    fn options_index(self) -> Option<usize> {
        match self {
            Kind::FromJson | Kind::FromCsv => Some(2),
            Kind::ToJson | Kind::ToCsv | Kind::SchemaOfJson | Kind::SchemaOfCsv => Some(1),
            Kind::GetJsonObject | Kind::JsonArrayLength | Kind::JsonObjectKeys => None,
        }
    }
}

/// One of Spark's JSON or CSV functions. It knows the session time zone, which a TIMESTAMP in
/// a `from_json` schema means.
#[derive(Debug, PartialEq, Eq, Hash)]
struct TextFunction {
    kind: Kind,
    time_zone: Arc<str>,
    signature: Signature,
}

impl TextFunction {
    fn new(kind: Kind, time_zone: Arc<str>) -> Self {
        Self { kind, time_zone, signature: Signature::variadic_any(Volatility::Immutable) }
    }

    fn options(&self, args: &[ColumnarValue]) -> Result<Options> {
        Options::from_argument(self.kind.name(), self.kind.options_index().and_then(|i| args.get(i)))
    }
}

impl ScalarUDFImpl for TextFunction {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn with_updated_config(&self, config: &ConfigOptions) -> Option<ScalarUDF> {
        Some(ScalarUDF::new_from_impl(TextFunction::new(self.kind, session_time_zone(config))))
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("{} types its result from its arguments", self.name())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let count = args.arg_fields.len();
        if !self.kind.arity().contains(&count) {
            return plan_err!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{}` requires {:?} parameters but the actual number is {count}.",
                self.name(),
                self.kind.arity()
            );
        }
        let ty = match self.kind {
            Kind::FromJson => schema_argument(self.name(), args.scalar_arguments, 1, &self.time_zone)?,
            Kind::FromCsv => match schema_argument(self.name(), args.scalar_arguments, 1, &self.time_zone)? {
                ty @ DataType::Struct(_) => ty,
                other => {
                    return plan_err!(
                        "[INVALID_SCHEMA.NON_STRUCT_TYPE] from_csv needs a struct schema, not {}",
                        sql_type(&other)
                    );
                }
            },
            Kind::ToJson => {
                super::json::Writer::check(args.arg_fields[0].data_type())?;
                DataType::Utf8
            }
            Kind::ToCsv => match args.arg_fields[0].data_type() {
                DataType::Struct(_) => DataType::Utf8,
                other => {
                    return plan_err!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] to_csv takes a struct, not {}",
                        sql_type(other)
                    );
                }
            },
            Kind::GetJsonObject | Kind::SchemaOfJson | Kind::SchemaOfCsv => DataType::Utf8,
            Kind::JsonArrayLength => DataType::Int32,
            Kind::JsonObjectKeys => DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
        };
        Ok(Arc::new(Field::new(self.name(), ty, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let options = self.options(&args.args)?;
        let input = args.args[0].to_array(rows)?;
        let return_type = args.return_field.data_type();
        let result: ArrayRef = match self.kind {
            Kind::FromJson | Kind::FromCsv => {
                let texts = strings(&input)?;
                let failfast = options.failfast(self.name())?;
                let mut values = Vec::with_capacity(rows);
                for row in 0..rows {
                    let text = texts.is_valid(row).then(|| texts.value(row));
                    let (value, problem) = match (self.kind, text, return_type) {
                        (Kind::FromCsv, Some(text), DataType::Struct(fields)) => {
                            super::csv::from_csv(text, fields, &options)?
                        }
                        (Kind::FromCsv, _, _) => (ScalarValue::try_from(return_type)?, None),
                        _ => super::json::Converter { options: &options }.record(text, return_type)?,
                    };
                    if let (true, Some(problem)) = (failfast, problem) {
                        return Err(malformed(text.unwrap_or_default(), &problem));
                    }
                    values.push(value);
                }
                super::json::array_of(values, return_type)?
            }
            Kind::ToJson => {
                let writer = super::json::Writer { options: &options };
                Arc::new((0..rows).map(|row| writer.row(&input, row)).collect::<Result<StringArray>>()?)
            }
            Kind::ToCsv => Arc::new(
                (0..rows).map(|row| super::csv::to_csv(&input, row, &options)).collect::<Result<StringArray>>()?,
            ),
            Kind::GetJsonObject => {
                let texts = strings(&input)?;
                let paths = strings(&args.args[1].to_array(rows)?)?;
                Arc::new(
                    (0..rows)
                        .map(|row| {
                            (texts.is_valid(row) && paths.is_valid(row))
                                .then(|| super::json::get_json_object(texts.value(row), paths.value(row)))
                                .flatten()
                        })
                        .collect::<StringArray>(),
                )
            }
            Kind::SchemaOfJson | Kind::SchemaOfCsv => {
                let texts = strings(&input)?;
                let infer: fn(&str, &Options) -> Result<String> = if self.kind == Kind::SchemaOfJson {
                    super::json::schema_of_json
                } else {
                    super::csv::schema_of_csv
                };
                Arc::new(
                    (0..rows)
                        .map(|row| texts.is_valid(row).then(|| infer(texts.value(row), &options)).transpose())
                        .collect::<Result<StringArray>>()?,
                )
            }
            Kind::JsonArrayLength => {
                let texts = strings(&input)?;
                Arc::new(
                    (0..rows)
                        .map(|row| {
                            texts.is_valid(row).then(|| super::json::json_array_length(texts.value(row))).flatten()
                        })
                        .collect::<Int32Array>(),
                )
            }
            Kind::JsonObjectKeys => {
                let texts = strings(&input)?;
                let mut keys = ListBuilder::new(StringBuilder::new());
                for row in 0..rows {
                    match texts.is_valid(row).then(|| super::json::json_object_keys(texts.value(row))).flatten() {
                        Some(names) => {
                            names.iter().for_each(|name| keys.values().append_value(name));
                            keys.append(true);
                        }
                        None => keys.append(false),
                    }
                }
                Arc::new(keys.finish())
            }
        };
        Ok(ColumnarValue::Array(result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_leniently_like_spark() {
        // Spark: from_json('{"d": "2015-8-6"}', 'd DATE') is 2015-08-06, "2015-08-26T10:00:00" a date too.
        assert_eq!(parse_date("2015-08-26", None), parse_date("2015-08-26T10:00:00", None));
        assert_eq!(format_date(parse_date("2015-8-6", None).unwrap(), None).unwrap(), "2015-08-06");
        assert_eq!(format_date(parse_date("26/08/2015", Some("dd/MM/yyyy")).unwrap(), None).unwrap(), "2015-08-26");
        assert_eq!(parse_date("x", None), None);
    }

    #[test]
    fn timestamps_print_like_sparks_json_writer() {
        let micros = parse_timestamp("2024-02-03 10:45:11.123456", None, Some("UTC")).unwrap();
        assert_eq!(
            format_timestamp(micros, &TimeUnit::Microsecond, Some("UTC"), None).unwrap(),
            "2024-02-03T10:45:11.123Z"
        );
        assert_eq!(format_timestamp(micros, &TimeUnit::Microsecond, None, None).unwrap(), "2024-02-03T10:45:11.123");
        let shifted = parse_timestamp("2015-08-26T18:00:01+02:00", None, Some("UTC")).unwrap();
        assert_eq!(
            format_timestamp(shifted, &TimeUnit::Microsecond, Some("UTC"), None).unwrap(),
            "2015-08-26T16:00:01.000Z"
        );
        let custom = parse_timestamp("26/08/2015 18:00", Some("dd/MM/yyyy HH:mm"), Some("UTC")).unwrap();
        assert_eq!(
            format_timestamp(custom, &TimeUnit::Microsecond, Some("UTC"), Some("yyyy-MM-dd HH:mm")).unwrap(),
            "2015-08-26 18:00"
        );
    }

    #[test]
    fn sql_types_quote_names_like_spark() {
        let ty = crate::connect::types::parse_type("struct<`a b`: bigint, `c``d`: array<double>>", "UTC").unwrap();
        assert_eq!(sql_type(&ty), "STRUCT<`a b`: BIGINT, `c``d`: ARRAY<DOUBLE>>");
    }
}
