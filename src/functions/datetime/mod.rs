//! Spark's datetime functions that read or write Spark datetime patterns, or move between epoch
//! numbers, wall-clock times and time zones: `to_timestamp` (and `try_`, `_ltz`, `_ntz`),
//! `to_date`, `unix_timestamp`, `from_unixtime`, `date_format` / `to_char`, `timestamp_seconds`
//! and its kin, `date_from_unix_date`, `make_timestamp` and its variants, `convert_timezone`,
//! `from_utc_timestamp` / `to_utc_timestamp` and `months_between`; and `to_char` of numbers with `to_number`, which read Spark's number
//! formats ([`number_format`]).
//!
//! Every one works in the session time zone (`spark.sql.session.timeZone`, which the session
//! keeps in DataFusion's `datafusion.execution.time_zone`): Spark's `timestamp` is an instant
//! shown in that zone (Arrow's timestamp with a zone), `timestamp_ntz` a wall-clock time (Arrow's
//! timestamp without one). Patterns are read in [`pattern`]. Text that does not parse is NULL in
//! the `try_` variants and with ANSI off, Spark's error (`CANNOT_PARSE_TIMESTAMP` with a pattern,
//! `CAST_INVALID_INPUT` without) otherwise.

mod number_format;
pub(super) mod pattern;
mod values;

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike};
use datafusion::arrow::array::timezone::Tz;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Decimal128Array, Float64Array, Int64Array, StringArray,
    TimestampMicrosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Decimal128Type, Field, FieldRef, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use datafusion::common::config::ConfigOptions;
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

use self::number_format::NumberFormat;
use self::pattern::SparkPattern;
use self::values::{Moment, Target, micros_of, moments, time_zone};

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    use Kind::*;
    [
        ParseTimestamp { name: "to_timestamp", try_: false, ntz: false },
        ParseTimestamp { name: "try_to_timestamp", try_: true, ntz: false },
        ParseTimestamp { name: "to_timestamp_ltz", try_: false, ntz: false },
        ParseTimestamp { name: "to_timestamp_ntz", try_: false, ntz: true },
        ParseDate { name: "to_date", try_: false },
        ParseDate { name: "try_to_date", try_: true },
        UnixTimestamp { name: "unix_timestamp" },
        UnixTimestamp { name: "to_unix_timestamp" },
        FromUnixtime,
        Format { name: "date_format" },
        Format { name: "to_char" },
        Format { name: "to_varchar" },
        EpochTimestamp { name: "timestamp_seconds", micros_per_unit: 1_000_000 },
        EpochTimestamp { name: "timestamp_millis", micros_per_unit: 1_000 },
        EpochTimestamp { name: "timestamp_micros", micros_per_unit: 1 },
        DateFromUnixDate,
        MakeTimestamp { name: "make_timestamp", try_: false, ntz: false },
        MakeTimestamp { name: "make_timestamp_ltz", try_: false, ntz: false },
        MakeTimestamp { name: "make_timestamp_ntz", try_: false, ntz: true },
        MakeTimestamp { name: "try_make_timestamp", try_: true, ntz: false },
        MakeTimestamp { name: "try_make_timestamp_ltz", try_: true, ntz: false },
        MakeTimestamp { name: "try_make_timestamp_ntz", try_: true, ntz: true },
        ConvertTimezone,
        UtcShift { name: "from_utc_timestamp", from_utc: true },
        UtcShift { name: "to_utc_timestamp", from_utc: false },
        MonthsBetween,
        TimestampAdd,
        TimestampDiff,
        ToNumber { name: "to_number", try_: false },
        ToNumber { name: "try_to_number", try_: true },
    ]
    .into_iter()
    .map(|kind| Arc::new(ScalarUDF::new_from_impl(DatetimeFunction::new(kind, "UTC"))))
    .collect()
}

/// Spark's default pattern for `unix_timestamp` and `from_unixtime`.
const DEFAULT_PATTERN: &str = "yyyy-MM-dd HH:mm:ss";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    ParseTimestamp {
        name: &'static str,
        try_: bool,
        ntz: bool,
    },
    ParseDate {
        name: &'static str,
        try_: bool,
    },
    UnixTimestamp {
        name: &'static str,
    },
    FromUnixtime,
    Format {
        name: &'static str,
    },
    EpochTimestamp {
        name: &'static str,
        micros_per_unit: i64,
    },
    DateFromUnixDate,
    MakeTimestamp {
        name: &'static str,
        try_: bool,
        ntz: bool,
    },
    ConvertTimezone,
    /// `from_utc_timestamp` (the wall-clock time in a zone of an instant, read as UTC) and
    /// `to_utc_timestamp` (the reverse).
    UtcShift {
        name: &'static str,
        from_utc: bool,
    },
    MonthsBetween,
    /// `timestampadd(unit, quantity, timestamp)`.
    TimestampAdd,
    /// `timestampdiff(unit, start, end)`.
    TimestampDiff,
    ToNumber {
        name: &'static str,
        try_: bool,
    },
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::ParseTimestamp { name, .. }
            | Kind::ParseDate { name, .. }
            | Kind::UnixTimestamp { name }
            | Kind::Format { name }
            | Kind::EpochTimestamp { name, .. }
            | Kind::MakeTimestamp { name, .. }
            | Kind::ToNumber { name, .. }
            | Kind::UtcShift { name, .. } => name,
            Kind::FromUnixtime => "from_unixtime",
            Kind::DateFromUnixDate => "date_from_unix_date",
            Kind::ConvertTimezone => "convert_timezone",
            Kind::MonthsBetween => "months_between",
            Kind::TimestampAdd => "timestampadd",
            Kind::TimestampDiff => "timestampdiff",
        }
    }

    /// How many arguments Spark takes.
    fn arities(self) -> std::ops::RangeInclusive<usize> {
        match self {
            Kind::ParseTimestamp { .. } | Kind::ParseDate { .. } | Kind::FromUnixtime => 1..=2,
            Kind::UnixTimestamp { .. } => 0..=2,
            Kind::Format { .. } | Kind::ToNumber { .. } | Kind::UtcShift { .. } => 2..=2,
            Kind::EpochTimestamp { .. } | Kind::DateFromUnixDate => 1..=1,
            Kind::MakeTimestamp { ntz: true, .. } => 6..=6,
            Kind::MakeTimestamp { .. } => 6..=7,
            Kind::ConvertTimezone | Kind::MonthsBetween => 2..=3,
            Kind::TimestampAdd | Kind::TimestampDiff => 3..=3,
        }
    }

    fn result_type(self, zone: &str) -> DataType {
        let instant = DataType::Timestamp(TimeUnit::Microsecond, Some(zone.into()));
        let wall_clock = DataType::Timestamp(TimeUnit::Microsecond, None);
        match self {
            Kind::ParseTimestamp { ntz: true, .. } | Kind::MakeTimestamp { ntz: true, .. } | Kind::ConvertTimezone => {
                wall_clock
            }
            Kind::ParseTimestamp { .. }
            | Kind::EpochTimestamp { .. }
            | Kind::MakeTimestamp { .. }
            | Kind::UtcShift { .. }
            | Kind::TimestampAdd => instant,
            Kind::ParseDate { .. } | Kind::DateFromUnixDate => DataType::Date32,
            Kind::UnixTimestamp { .. } | Kind::TimestampDiff => DataType::Int64,
            Kind::FromUnixtime | Kind::Format { .. } => DataType::Utf8,
            Kind::MonthsBetween => DataType::Float64,
            // The format decides the decimal: see return_field_from_args.
            Kind::ToNumber { .. } => DataType::Decimal128(38, 0),
        }
    }
}

/// One of the functions, with the session time zone it types its results in.
#[derive(Debug, PartialEq, Eq, Hash)]
struct DatetimeFunction {
    kind: Kind,
    signature: Signature,
    /// The session zone when the function was registered or the zone last changed
    /// ([`ScalarUDFImpl::with_updated_config`]): the zone of the timestamps it returns.
    session_zone: String,
}

impl DatetimeFunction {
    fn new(kind: Kind, session_zone: &str) -> Self {
        // unix_timestamp() is the time the query runs: stable, not immutable.
        let volatility =
            if matches!(kind, Kind::UnixTimestamp { .. }) { Volatility::Stable } else { Volatility::Immutable };
        // Any arguments: the arity is checked when the result is typed, the types when read.
        let signature = Signature::one_of(vec![TypeSignature::Nullary, TypeSignature::VariadicAny], volatility);
        Self { kind, signature, session_zone: session_zone.to_string() }
    }
}

/// The session's zone name from the options, UTC when none is set.
fn zone_name(options: &ConfigOptions) -> &str {
    options.execution.time_zone.as_deref().unwrap_or("UTC")
}

/// What a function does with text that does not parse or fields out of range.
#[derive(Debug, Clone, Copy, PartialEq)]
enum OnInvalid {
    Null,
    /// Raise, naming the `try_` function that would give NULL.
    Raise(&'static str),
}

impl OnInvalid {
    fn new(try_: bool, options: &ConfigOptions, try_name: &'static str) -> Self {
        if try_ || !options.execution.enable_ansi_mode { OnInvalid::Null } else { OnInvalid::Raise(try_name) }
    }

    /// None, or the error, for `text` that `pattern` does not read.
    fn unparsed<T>(self, text: &str) -> Result<Option<T>> {
        match self {
            OnInvalid::Null => Ok(None),
            OnInvalid::Raise(try_name) => exec_err!(
                "[CANNOT_PARSE_TIMESTAMP] Text '{text}' could not be parsed. Use `{try_name}` to tolerate invalid input string and return NULL instead. SQLSTATE: 22007"
            ),
        }
    }

    fn out_of_range<T>(self, message: String) -> Result<Option<T>> {
        match self {
            OnInvalid::Null => Ok(None),
            OnInvalid::Raise(_) => Err(DataFusionError::Execution(message)),
        }
    }
}

impl ScalarUDFImpl for DatetimeFunction {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.kind.result_type(&self.session_zone))
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let count = args.arg_fields.len();
        if !self.kind.arities().contains(&count) {
            let arities = self.kind.arities();
            return plan_err!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{}` requires {} to {} parameters but the actual number is {count}.",
                self.name(),
                arities.start(),
                arities.end()
            );
        }
        if let Kind::ToNumber { .. } = self.kind {
            let Some(Some(ScalarValue::Utf8(Some(format)) | ScalarValue::Utf8View(Some(format)))) =
                args.scalar_arguments.get(1)
            else {
                return plan_err!("{}() needs its format as a literal string", self.name());
            };
            let (precision, scale) = NumberFormat::new(format)?.decimal_type();
            return Ok(Arc::new(Field::new(self.name(), DataType::Decimal128(precision, scale), true)));
        }
        if let (Kind::Format { .. }, Some(value), Some(Some(ScalarValue::Utf8(Some(format))))) =
            (self.kind, args.arg_fields.first(), args.scalar_arguments.get(1))
            && value.data_type().is_numeric()
        {
            // A malformed number format fails when the query is planned, as in Spark.
            NumberFormat::new(format)?;
        }
        if let (Kind::MakeTimestamp { .. }, Some(first)) = (self.kind, args.arg_fields.first())
            && matches!(first.data_type(), DataType::Date32 | DataType::Date64)
        {
            return plan_err!("{}(date, time) is not supported yet: minispark has no TIME type", self.name());
        }
        if let (Kind::TimestampAdd, Some(timestamp)) = (self.kind, args.arg_fields.get(2))
            && matches!(timestamp.data_type(), DataType::Timestamp(_, None))
        {
            // Spark adds to a timestamp_ntz as a wall-clock time and answers one.
            return Ok(Arc::new(Field::new(self.name(), DataType::Timestamp(TimeUnit::Microsecond, None), true)));
        }
        Ok(Arc::new(Field::new(self.name(), self.kind.result_type(&self.session_zone), true)))
    }

    fn with_updated_config(&self, config: &ConfigOptions) -> Option<ScalarUDF> {
        Some(ScalarUDF::new_from_impl(Self::new(self.kind, zone_name(config))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let is_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = if args.args.is_empty() { vec![] } else { ColumnarValue::values_to_arrays(&args.args)? };
        let options = args.config_options.as_ref();
        let zone = time_zone(zone_name(options))?;
        // Scalars are evaluated once, as one row.
        let rows = if is_scalar { 1 } else { args.number_rows };
        let result = Evaluation { options, zone, rows }.run(self.kind, &arrays)?;
        let result = retyped(result, args.return_field.data_type())?;
        if is_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?));
        }
        Ok(ColumnarValue::Array(result))
    }
}

/// `result` with the type the plan gave it: timestamps are labelled with the zone the plan typed
/// them with (not converted: their values are already UTC or wall-clock micros), decimals with
/// the precision and scale of `to_number`'s format.
fn retyped(result: ArrayRef, data_type: &DataType) -> Result<ArrayRef> {
    Ok(match data_type {
        DataType::Timestamp(TimeUnit::Microsecond, zone) => {
            Arc::new(result.as_primitive::<TimestampMicrosecondType>().clone().with_timezone_opt(zone.clone()))
        }
        DataType::Decimal128(precision, scale) => {
            Arc::new(result.as_primitive::<Decimal128Type>().clone().with_precision_and_scale(*precision, *scale)?)
        }
        _ => cast(&result, data_type)?,
    })
}

/// One call's context: the session's options and zone, and the batch size.
struct Evaluation<'a> {
    options: &'a ConfigOptions,
    zone: Tz,
    rows: usize,
}

impl Evaluation<'_> {
    fn run(&self, kind: Kind, args: &[ArrayRef]) -> Result<ArrayRef> {
        let zone = &self.zone;
        Ok(match kind {
            Kind::ParseTimestamp { name, try_, ntz } => {
                let try_name = "try_to_timestamp";
                let on_invalid = OnInvalid::new(try_, self.options, try_name);
                let target = if ntz { Target::WallClock } else { Target::Timestamp };
                let values = self.parse(name, &args[0], args.get(1), on_invalid, target)?;
                let micros =
                    values.iter().map(|m| m.map(|m| if ntz { micros_of(m.local(zone)) } else { m.instant(zone) }));
                Arc::new(micros.collect::<TimestampMicrosecondArray>())
            }
            Kind::ParseDate { name, try_ } => {
                let on_invalid = OnInvalid::new(try_, self.options, "try_to_date");
                let values = self.parse(name, &args[0], args.get(1), on_invalid, Target::Date)?;
                Arc::new(values.iter().map(|m| m.map(|m| days_of(m.local(zone).date()))).collect::<Date32Array>())
            }
            Kind::UnixTimestamp { name } => {
                let Some(value) = args.first() else {
                    let now = chrono::Utc::now().timestamp();
                    return Ok(Arc::new(Int64Array::from(vec![now; self.rows])));
                };
                let on_invalid = OnInvalid::new(false, self.options, "try_to_timestamp");
                let default = pattern_array(DEFAULT_PATTERN, self.rows);
                let pattern = if value.data_type().is_null() || is_text(value.data_type()) {
                    Some(args.get(1).unwrap_or(&default))
                } else {
                    None
                };
                let values = self.parse(name, value, pattern, on_invalid, Target::Timestamp)?;
                Arc::new(
                    values.iter().map(|m| m.map(|m| m.instant(zone).div_euclid(1_000_000))).collect::<Int64Array>(),
                )
            }
            Kind::FromUnixtime => {
                let seconds = cast(&args[0], &DataType::Int64)?;
                let default = pattern_array(DEFAULT_PATTERN, self.rows);
                let patterns = texts(args.get(1).unwrap_or(&default))?;
                let mut cache = PatternCache::default();
                let mut out = Vec::with_capacity(self.rows);
                for (seconds, pattern) in seconds.as_primitive::<Int64Type>().iter().zip(patterns.iter()) {
                    let (Some(seconds), Some(pattern)) = (seconds, pattern) else {
                        out.push(None);
                        continue;
                    };
                    let local = Moment::Instant(seconds.saturating_mul(1_000_000)).local(zone);
                    out.push(Some(cache.get(pattern)?.format(local, zone)?));
                }
                Arc::new(StringArray::from(out))
            }
            Kind::Format { .. } if args[0].data_type().is_numeric() => {
                let (numbers, formats) = (plain_decimals(&args[0])?, texts(&args[1])?);
                let mut out = Vec::with_capacity(self.rows);
                for (number, format) in numbers.iter().zip(formats.iter()) {
                    out.push(match (number, format) {
                        (Some(number), Some(format)) => Some(NumberFormat::new(format)?.format(number)),
                        _ => None,
                    });
                }
                Arc::new(StringArray::from(out))
            }
            Kind::Format { name } => {
                let values = moments(
                    &args[0],
                    zone,
                    OnInvalid::Raise("try_to_timestamp").for_cast(self.options),
                    Target::Timestamp,
                    name,
                )?;
                let patterns = texts(&args[1])?;
                let mut cache = PatternCache::default();
                let mut out = Vec::with_capacity(self.rows);
                for (value, pattern) in values.iter().zip(patterns.iter()) {
                    let (Some(value), Some(pattern)) = (value, pattern) else {
                        out.push(None);
                        continue;
                    };
                    out.push(Some(cache.get(pattern)?.format(value.local(zone), zone)?));
                }
                Arc::new(StringArray::from(out))
            }
            Kind::EpochTimestamp { name, micros_per_unit } => epoch_timestamp(name, &args[0], micros_per_unit)?,
            Kind::DateFromUnixDate => cast(&cast(&args[0], &DataType::Int32)?, &DataType::Date32)?,
            Kind::MakeTimestamp { name, try_, ntz } => {
                let on_invalid = OnInvalid::new(try_, self.options, "try_make_timestamp");
                self.make_timestamp(name, args, on_invalid, ntz)?
            }
            Kind::ConvertTimezone => {
                let (source, target, value) = match args {
                    [target, value] => (None, target, value),
                    [source, target, value] => (Some(texts(source)?), target, value),
                    _ => return plan_err!("convert_timezone takes 2 or 3 arguments"),
                };
                let targets = texts(target)?;
                let values = moments(
                    value,
                    zone,
                    OnInvalid::Raise("").for_cast(self.options),
                    Target::WallClock,
                    "convert_timezone",
                )?;
                let mut out = Vec::with_capacity(self.rows);
                for (row, value) in values.iter().enumerate() {
                    let source_zone = match &source {
                        Some(sources) if sources.is_null(row) => None,
                        Some(sources) => Some(time_zone(sources.value(row))?),
                        None => Some(*zone),
                    };
                    let (Some(value), Some(source_zone), false) = (value, source_zone, targets.is_null(row)) else {
                        out.push(None);
                        continue;
                    };
                    let instant = Moment::Local(value.local(zone)).instant(&source_zone);
                    out.push(Some(micros_of(Moment::Instant(instant).local(&time_zone(targets.value(row))?))));
                }
                Arc::new(TimestampMicrosecondArray::from(out))
            }
            Kind::UtcShift { name, from_utc } => {
                let on_invalid = OnInvalid::Raise("").for_cast(self.options);
                let values = moments(&args[0], zone, on_invalid, Target::Timestamp, name)?;
                let zones = texts(&args[1])?;
                let utc = time_zone("UTC")?;
                let mut out = Vec::with_capacity(self.rows);
                for (value, zone_name) in values.iter().zip(zones.iter()) {
                    let (Some(value), Some(zone_name)) = (value, zone_name) else {
                        out.push(None);
                        continue;
                    };
                    let other = time_zone(zone_name)?;
                    let instant = value.instant(zone);
                    let (from, to) = if from_utc { (&utc, &other) } else { (&other, &utc) };
                    out.push(Some(Moment::Local(Moment::Instant(instant).local(to)).instant(from)));
                }
                Arc::new(TimestampMicrosecondArray::from(out))
            }
            Kind::MonthsBetween => {
                let on_invalid = OnInvalid::Raise("").for_cast(self.options);
                let first = moments(&args[0], zone, on_invalid, Target::Timestamp, "months_between")?;
                let second = moments(&args[1], zone, on_invalid, Target::Timestamp, "months_between")?;
                let round = match args.get(2) {
                    Some(round) => cast(round, &DataType::Boolean)?.as_boolean().iter().collect::<Vec<_>>(),
                    None => vec![Some(true); self.rows],
                };
                let values = first.iter().zip(&second).zip(round).map(|((a, b), round)| {
                    Some(months_between(a.as_ref()?.local(zone), b.as_ref()?.local(zone), round?))
                });
                Arc::new(values.collect::<Float64Array>())
            }
            Kind::TimestampAdd => {
                let units = texts(&args[0])?;
                let quantities = cast(&args[1], &DataType::Int64)?;
                let quantities = quantities.as_primitive::<Int64Type>();
                let wall_clock = matches!(args[2].data_type(), DataType::Timestamp(_, None));
                let on_invalid = OnInvalid::Raise("").for_cast(self.options);
                let values = moments(&args[2], zone, on_invalid, Target::Timestamp, "timestampadd")?;
                let mut out = Vec::with_capacity(self.rows);
                for (row, value) in values.iter().enumerate() {
                    let (Some(value), false, false) = (value, units.is_null(row), quantities.is_null(row)) else {
                        out.push(None);
                        continue;
                    };
                    let (unit, quantity) = (units.value(row), quantities.value(row));
                    let zone = if wall_clock { &time_zone("UTC")? } else { zone };
                    out.push(Some(timestamp_add(unit, quantity, value.instant(zone), zone)?));
                }
                Arc::new(TimestampMicrosecondArray::from(out))
            }
            Kind::TimestampDiff => {
                let units = texts(&args[0])?;
                let on_invalid = OnInvalid::Raise("").for_cast(self.options);
                let starts = moments(&args[1], zone, on_invalid, Target::Timestamp, "timestampdiff")?;
                let ends = moments(&args[2], zone, on_invalid, Target::Timestamp, "timestampdiff")?;
                let mut out = Vec::with_capacity(self.rows);
                for (row, (start, end)) in starts.iter().zip(&ends).enumerate() {
                    let (Some(start), Some(end), false) = (start, end, units.is_null(row)) else {
                        out.push(None);
                        continue;
                    };
                    out.push(Some(timestamp_diff(units.value(row), start.local(zone), end.local(zone))?));
                }
                Arc::new(Int64Array::from(out))
            }
            Kind::ToNumber { try_, .. } => {
                let (values, formats) = (texts(&args[0])?, texts(&args[1])?);
                let mut out = Vec::with_capacity(self.rows);
                for (text, format) in values.iter().zip(formats.iter()) {
                    let (Some(text), Some(format)) = (text, format) else {
                        out.push(None);
                        continue;
                    };
                    let format = NumberFormat::new(format)?;
                    out.push(match format.parse(text) {
                        Some(value) => Some(value),
                        None if try_ => None,
                        None => return format.mismatch(text),
                    });
                }
                Arc::new(out.into_iter().collect::<Decimal128Array>())
            }
        })
    }

    /// `value` read as moments: text with `pattern` when one is given, else as Spark casts it.
    fn parse(
        &self,
        name: &str,
        value: &ArrayRef,
        pattern: Option<&ArrayRef>,
        on_invalid: OnInvalid,
        target: Target,
    ) -> Result<Vec<Option<Moment>>> {
        let Some(pattern) = pattern.filter(|_| is_text(value.data_type()) || value.data_type().is_null()) else {
            return moments(value, &self.zone, on_invalid.for_cast(self.options), target, name);
        };
        let (values, patterns) = (texts(value)?, texts(pattern)?);
        let mut cache = PatternCache::default();
        let mut out = Vec::with_capacity(values.len());
        for (text, pattern) in values.iter().zip(patterns.iter()) {
            let (Some(text), Some(pattern)) = (text, pattern) else {
                out.push(None);
                continue;
            };
            out.push(match cache.get(pattern)?.parse(text)? {
                Some((local, None)) => Some(Moment::Local(local)),
                Some((local, Some(offset))) => Some(Moment::Instant(micros_of(local) - i64::from(offset) * 1_000_000)),
                None => on_invalid.unparsed(text)?,
            });
        }
        Ok(out)
    }

    fn make_timestamp(&self, name: &str, args: &[ArrayRef], on_invalid: OnInvalid, ntz: bool) -> Result<ArrayRef> {
        let fields: Vec<Int64Array> = args[..5]
            .iter()
            .map(|a| Ok(cast(a, &DataType::Int64)?.as_primitive::<Int64Type>().clone()))
            .collect::<Result<_>>()?;
        let seconds = cast(&args[5], &DataType::Decimal128(16, 6))?;
        let seconds = seconds.as_primitive::<Decimal128Type>();
        let zones = args.get(6).map(texts).transpose()?;
        let mut out = Vec::with_capacity(self.rows);
        for row in 0..self.rows {
            let values: Option<Vec<i64>> = fields.iter().map(|f| (!f.is_null(row)).then(|| f.value(row))).collect();
            let (Some(values), false) = (values, seconds.is_null(row)) else {
                out.push(None);
                continue;
            };
            let Some(local) = make_local(name, &values, seconds.value(row), on_invalid)? else {
                out.push(None);
                continue;
            };
            let zone = match &zones {
                Some(zones) if zones.is_null(row) => {
                    out.push(None);
                    continue;
                }
                Some(zones) => time_zone(zones.value(row))?,
                None => self.zone,
            };
            out.push(Some(if ntz { micros_of(local) } else { Moment::Local(local).instant(&zone) }));
        }
        Ok(Arc::new(TimestampMicrosecondArray::from(out)))
    }
}

impl OnInvalid {
    /// The policy for text cast without a pattern: Spark's cast fails only under ANSI, and a
    /// `try_` function never fails.
    fn for_cast(self, options: &ConfigOptions) -> Self {
        match self {
            OnInvalid::Raise(_) if options.execution.enable_ansi_mode => self,
            _ => OnInvalid::Null,
        }
    }
}

/// `make_timestamp`'s wall-clock time; `seconds` has 6 decimals. Spark accepts 60 seconds (the
/// next minute) only without a fraction.
fn make_local(name: &str, fields: &[i64], seconds: i128, on_invalid: OnInvalid) -> Result<Option<NaiveDateTime>> {
    let [year, month, day, hour, minute] = fields else { return plan_err!("{name} takes six fields") };
    if !(0..=60_000_000).contains(&seconds) || (seconds > 59_999_999 && seconds != 60_000_000) {
        let value = ScalarValue::Decimal128(Some(seconds), 16, 6).to_string();
        let value = value.trim_end_matches('0').trim_end_matches('.');
        return on_invalid.out_of_range(format!(
            "[INVALID_FRACTION_OF_SECOND] Valid range for seconds is [0, 60] (inclusive), but the provided value is {value}. To avoid this error, use `try_make_timestamp`, which returns NULL on error."
        ));
    }
    let out_of_bounds = |field: &str, range: &str, value: i64| {
        on_invalid.out_of_range(format!(
            "[DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION] Invalid value for {field} (valid values {range}): {value}.  SQLSTATE: 22023"
        ))
    };
    if !(1..=12).contains(month) {
        return out_of_bounds("MonthOfYear", "1 - 12", *month);
    }
    if !(0..=23).contains(hour) {
        return out_of_bounds("HourOfDay", "0 - 23", *hour);
    }
    if !(0..=59).contains(minute) {
        return out_of_bounds("MinuteOfHour", "0 - 59", *minute);
    }
    let date =
        i32::try_from(*year).ok().and_then(|y| NaiveDate::from_ymd_opt(y, *month as u32, u32::try_from(*day).ok()?));
    let Some(date) = date else {
        return on_invalid.out_of_range(format!(
            "[DATETIME_FIELD_OUT_OF_BOUNDS.WITHOUT_SUGGESTION] Invalid date '{year}-{month}-{day}'.  SQLSTATE: 22023"
        ));
    };
    let whole = (seconds / 1_000_000) as u32;
    let nanos = (seconds % 1_000_000) as u32 * 1_000;
    let time = chrono::NaiveTime::from_hms_opt(*hour as u32, *minute as u32, whole.min(59)).unwrap_or_default();
    let local = date.and_time(time) + chrono::Duration::nanoseconds(nanos.into());
    Ok(Some(if whole == 60 { local + chrono::Duration::seconds(1) } else { local }))
}

/// `timestamp_seconds` / `_millis` / `_micros`: integers exactly, fractions (seconds only) to
/// the microsecond.
fn epoch_timestamp(name: &str, value: &ArrayRef, micros_per_unit: i64) -> Result<ArrayRef> {
    let data_type = value.data_type();
    if data_type.is_integer() || data_type.is_null() {
        let units = cast(value, &DataType::Int64)?;
        let micros = units.as_primitive::<Int64Type>().iter().map(|u| u.and_then(|u| u.checked_mul(micros_per_unit)));
        return Ok(Arc::new(micros.collect::<TimestampMicrosecondArray>()));
    }
    if micros_per_unit == 1_000_000 && data_type.is_numeric() {
        let seconds = cast(value, &DataType::Float64)?;
        let micros = seconds.as_primitive::<Float64Type>().iter().map(|s| s.map(|s| (s * 1e6) as i64));
        return Ok(Arc::new(micros.collect::<TimestampMicrosecondArray>()));
    }
    plan_err!("{name}() takes an integer, not {data_type}")
}

/// Spark's `months_between`: whole months when the days of month match or both are month ends,
/// else the difference with a 31-day month, rounded to 8 decimals when asked.
fn months_between(first: NaiveDateTime, second: NaiveDateTime, round: bool) -> f64 {
    let months = |t: NaiveDateTime| i64::from(t.year()) * 12 + i64::from(t.month());
    let month_diff = (months(first) - months(second)) as f64;
    let last_day = |t: NaiveDateTime| t.date().succ_opt().is_none_or(|next| next.month() != t.month());
    if first.day() == second.day() || (last_day(first) && last_day(second)) {
        return month_diff;
    }
    let seconds_of_day = |t: NaiveDateTime| i64::from(t.num_seconds_from_midnight());
    let seconds =
        (i64::from(first.day()) - i64::from(second.day())) * 86_400 + seconds_of_day(first) - seconds_of_day(second);
    let diff = month_diff + seconds as f64 / (31.0 * 86_400.0);
    if round { (diff * 1e8).round() / 1e8 } else { diff }
}

/// Microseconds in the units `timestampadd`/`timestampdiff` count in time, not on the calendar.
fn unit_micros(unit: &str) -> Option<i64> {
    Some(match unit {
        "MICROSECOND" => 1,
        "MILLISECOND" => 1_000,
        "SECOND" => 1_000_000,
        "MINUTE" => 60_000_000,
        "HOUR" => 3_600_000_000,
        _ => return None,
    })
}

fn invalid_unit<T>(function: &str, unit: &str) -> Result<T> {
    plan_err!(
        "[INVALID_PARAMETER_VALUE.DATETIME_UNIT] The value of parameter(s) `unit` in `{function}` is invalid: expects one of the units without quotes YEAR, QUARTER, MONTH, WEEK, DAY, DAYOFYEAR, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, but got the string literal '{unit}'."
    )
}

/// Spark's `DateTimeUtils.timestampAdd`: time units add to the instant, calendar units to the
/// wall-clock time in `zone` (months clamp the day to the month's end).
fn timestamp_add(unit: &str, quantity: i64, instant: i64, zone: &Tz) -> Result<i64> {
    let unit = unit.to_ascii_uppercase();
    let overflow =
        || DataFusionError::Execution(format!("[ARITHMETIC_OVERFLOW] timestampadd({unit}, {quantity}) overflows"));
    if let Some(micros) = unit_micros(&unit) {
        return quantity.checked_mul(micros).and_then(|d| instant.checked_add(d)).ok_or_else(overflow);
    }
    let local = Moment::Instant(instant).local(zone);
    let months = |n: i64| -> Result<NaiveDateTime> {
        let n = i32::try_from(n).map_err(|_| overflow())?;
        let shifted = if n >= 0 {
            local.checked_add_months(chrono::Months::new(n.unsigned_abs()))
        } else {
            local.checked_sub_months(chrono::Months::new(n.unsigned_abs()))
        };
        shifted.ok_or_else(overflow)
    };
    let shifted = match unit.as_str() {
        "DAY" | "DAYOFYEAR" => local.checked_add_signed(chrono::Duration::days(quantity)).ok_or_else(overflow)?,
        "WEEK" => local.checked_add_signed(chrono::Duration::days(quantity.saturating_mul(7))).ok_or_else(overflow)?,
        "MONTH" => months(quantity)?,
        "QUARTER" => months(quantity.saturating_mul(3))?,
        "YEAR" => months(quantity.saturating_mul(12))?,
        _ => return invalid_unit("timestampadd", &unit),
    };
    Ok(Moment::Local(shifted).instant(zone))
}

/// Spark's `DateTimeUtils.timestampDiff`: Java's `ChronoUnit.between` of the two wall-clock
/// times, whole units counted towards zero (a month is complete when the day and time of day
/// are reached again).
fn timestamp_diff(unit: &str, start: NaiveDateTime, end: NaiveDateTime) -> Result<i64> {
    let unit = unit.to_ascii_uppercase();
    if let Some(micros) = unit_micros(&unit) {
        let between = (end - start).num_microseconds().unwrap_or(i64::MAX);
        return Ok(between / micros);
    }
    // LocalDateTime.until for date-based units: the end date moves one day towards the start
    // when its time of day has not reached the start's.
    let mut end_date = end.date();
    if end_date > start.date() && end.time() < start.time() {
        end_date = end_date.pred_opt().unwrap_or(end_date);
    } else if end_date < start.date() && end.time() > start.time() {
        end_date = end_date.succ_opt().unwrap_or(end_date);
    }
    let start_date = start.date();
    let days = i64::from(days_of(end_date)) - i64::from(days_of(start_date));
    let packed = |d: NaiveDate| (i64::from(d.year()) * 12 + i64::from(d.month0())) * 32 + i64::from(d.day());
    let months = (packed(end_date) - packed(start_date)) / 32;
    Ok(match unit.as_str() {
        "DAY" | "DAYOFYEAR" => days,
        "WEEK" => days / 7,
        "MONTH" => months,
        "QUARTER" => months / 3,
        "YEAR" => months / 12,
        _ => return invalid_unit("timestampdiff", &unit),
    })
}

fn days_of(date: NaiveDate) -> i32 {
    (date - DateTime::UNIX_EPOCH.date_naive()).num_days() as i32
}

/// Each number as plain decimal text (`-1234.5`), for number formats.
fn plain_decimals(array: &ArrayRef) -> Result<Vec<Option<String>>> {
    if array.data_type().is_floating() {
        let doubles = cast(array, &DataType::Float64)?;
        return Ok(doubles.as_primitive::<Float64Type>().iter().map(|d| d.map(|d| d.to_string())).collect());
    }
    let texts = cast(array, &DataType::Utf8)?;
    Ok(texts.as_string::<i32>().iter().map(|t| t.map(str::to_string)).collect())
}

fn is_text(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn texts(array: &ArrayRef) -> Result<StringArray> {
    Ok(cast(array, &DataType::Utf8)?.as_string::<i32>().clone())
}

fn pattern_array(pattern: &str, rows: usize) -> ArrayRef {
    Arc::new(StringArray::from(vec![pattern; rows]))
}

/// The last pattern read, so a column of one pattern is read once.
#[derive(Default)]
struct PatternCache {
    last: Option<(String, SparkPattern)>,
}

impl PatternCache {
    fn get(&mut self, text: &str) -> Result<&SparkPattern> {
        if self.last.as_ref().is_none_or(|(last, _)| last != text) {
            self.last = Some((text.to_string(), SparkPattern::new(text)?));
        }
        Ok(&self.last.as_ref().expect("just set").1)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::prelude::SessionContext;

    use super::super::tests::context;

    /// The single value of `sql`'s single row and column as text, and its type.
    async fn value(ctx: &SessionContext, sql: &str) -> (String, String) {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let column = batches[0].column(0);
        (array_value_to_string(column, 0).unwrap(), column.data_type().to_string())
    }

    async fn error(ctx: &SessionContext, sql: &str) -> String {
        match ctx.sql(sql).await {
            Ok(frame) => frame.collect().await.unwrap_err().to_string(),
            Err(error) => error.to_string(),
        }
    }

    #[tokio::test]
    async fn values_and_types_are_sparks() {
        // Spark 4.3 with the session zone UTC (spark.sql("SELECT ...") and typeof).
        let ctx = context();
        let ltz = "Timestamp(µs, \"UTC\")";
        let cases = [
            ("to_timestamp('1997-02-28 10:30:00', 'yyyy-MM-dd HH:mm:ss')", "1997-02-28T10:30:00Z", ltz),
            ("to_timestamp('2024-02-03 10:45:11+01:00')", "2024-02-03T09:45:11Z", ltz),
            ("try_to_timestamp('bad')", "", ltz),
            ("to_timestamp_ntz('2016-12-31', 'yyyy-MM-dd')", "2016-12-31T00:00:00", "Timestamp(µs)"),
            ("to_date('1997-02-28 10:30:00', 'yyyy-MM-dd HH:mm:ss')", "1997-02-28", "Date32"),
            ("try_to_date('foo')", "", "Date32"),
            ("unix_timestamp('2015-04-08', 'yyyy-MM-dd')", "1428451200", "Int64"),
            ("to_unix_timestamp('2015-04-08 12:12:12')", "1428495132", "Int64"),
            ("from_unixtime(1706957111, 'yyyy-MM-dd HH:mm:ss.SSS')", "2024-02-03 10:45:11.000", "Utf8"),
            ("from_unixtime(-1)", "1969-12-31 23:59:59", "Utf8"),
            ("date_format('2015-04-08 13:08:15', 'yy=MM=dd HH=mm=ss')", "15=04=08 13=08=15", "Utf8"),
            ("to_char(78.12, '$99.99')", "$78.12", "Utf8"),
            ("to_number('$78.12', '$99.99')", "78.12", "Decimal128(4, 2)"),
            ("try_to_number('77', '$99.99')", "", "Decimal128(4, 2)"),
            ("timestamp_seconds(1230219000)", "2008-12-25T15:30:00Z", ltz),
            ("timestamp_millis(1230219000)", "1970-01-15T05:43:39Z", ltz),
            ("timestamp_micros(1230219000)", "1970-01-01T00:20:30.219Z", ltz),
            ("date_from_unix_date(3)", "1970-01-04", "Date32"),
            ("make_timestamp(2014, 12, 28, 6, 30, 45.887, 'CET')", "2014-12-28T05:30:45.887Z", ltz),
            ("make_timestamp_ntz(2014, 12, 28, 6, 30, 45.887)", "2014-12-28T06:30:45.887", "Timestamp(µs)"),
            ("try_make_timestamp(2014, 13, 28, 6, 30, 45)", "", ltz),
            (
                "convert_timezone('Asia/Hong_Kong', 'America/Los_Angeles', '2015-04-08 15:00:00')",
                "2015-04-08T00:00:00",
                "Timestamp(µs)",
            ),
            ("months_between('1997-02-28 10:30:00', '1996-10-30')", "3.94959677", "Float64"),
            ("months_between('1997-02-28 10:30:00', '1996-10-30', false)", "3.9495967741935485", "Float64"),
            // timestamp_add / timestamp_diff docstrings, and Java's month clamping (TIMESTAMP literals
            // are timestamp_ntz in this DataFusion context: the answer keeps the type, as in Spark).
            ("timestampadd('year', 2, TIMESTAMP '2016-03-11 09:00:07')", "2018-03-11T09:00:07", "Timestamp(µs)"),
            ("timestampadd('WEEK', 5, TIMESTAMP '2016-03-11 09:00:07')", "2016-04-15T09:00:07", "Timestamp(µs)"),
            ("timestampadd('day', -5, TIMESTAMP '2016-03-11 09:00:07')", "2016-03-06T09:00:07", "Timestamp(µs)"),
            ("timestampadd('MONTH', 1, TIMESTAMP '2024-01-31 10:00:00')", "2024-02-29T10:00:00", "Timestamp(µs)"),
            ("timestampadd('SECOND', 90, TIMESTAMP '2024-01-31 10:00:00')", "2024-01-31T10:01:30", "Timestamp(µs)"),
            ("timestampdiff('year', TIMESTAMP '2016-03-11 09:00:07', TIMESTAMP '2024-04-02 09:00:07')", "8", "Int64"),
            ("timestampdiff('WEEK', TIMESTAMP '2016-03-11 09:00:07', TIMESTAMP '2024-04-02 09:00:07')", "420", "Int64"),
            ("timestampdiff('MONTH', TIMESTAMP '2024-01-31 00:00:00', TIMESTAMP '2024-02-29 00:00:00')", "0", "Int64"),
            ("timestampdiff('DAY', TIMESTAMP '2024-01-02 10:00:00', TIMESTAMP '2024-01-01 11:00:00')", "0", "Int64"),
            ("timestampdiff('HOUR', TIMESTAMP '2024-01-02 10:00:00', TIMESTAMP '2024-01-01 11:30:00')", "-22", "Int64"),
        ];
        for (expr, expected, data_type) in cases {
            let got = value(&ctx, &format!("SELECT {expr}")).await;
            assert_eq!(got, (expected.to_string(), data_type.to_string()), "{expr}");
        }
    }

    #[tokio::test]
    async fn invalid_input_raises_under_ansi_and_is_null_without() {
        let ctx = context();
        ctx.state_ref().write().config_mut().options_mut().execution.enable_ansi_mode = true;
        let cases = [
            ("to_timestamp('2024-02-03', 'dd/MM/yyyy')", "CANNOT_PARSE_TIMESTAMP"),
            ("to_timestamp('malformed')", "CAST_INVALID_INPUT"),
            ("make_timestamp(2014, 13, 28, 6, 30, 45)", "DATETIME_FIELD_OUT_OF_BOUNDS"),
            ("make_timestamp(2014, 12, 28, 6, 30, 60.5)", "INVALID_FRACTION_OF_SECOND"),
            ("to_number('77', '$99.99')", "INVALID_FORMAT.MISMATCH_INPUT"),
            ("date_format(to_timestamp('2024-02-03'), 'yyyy Q')", "'Q'"),
        ];
        for (expr, condition) in cases {
            let message = error(&ctx, &format!("SELECT {expr}")).await;
            assert!(message.contains(condition), "{expr}: {message}");
        }
        ctx.state_ref().write().config_mut().options_mut().execution.enable_ansi_mode = false;
        assert_eq!(value(&ctx, "SELECT to_timestamp('2024-02-03', 'dd/MM/yyyy')").await.0, "");
        assert_eq!(value(&ctx, "SELECT to_date('2024-13-45')").await.0, "");
    }

    #[tokio::test]
    async fn the_session_zone_shapes_results() {
        // Spark 4.3 with spark.sql.session.timeZone=America/Los_Angeles.
        let ctx = context();
        ctx.sql("SET datafusion.execution.time_zone = 'America/Los_Angeles'").await.unwrap();
        let cases = [
            ("unix_timestamp('2015-04-08 12:12:12')", "1428520332"),
            ("unix_timestamp('2015-04-08', 'yyyy-MM-dd')", "1428476400"),
            ("from_unixtime(1428476400)", "2015-04-08 00:00:00"),
            ("from_unixtime(0)", "1969-12-31 16:00:00"),
            ("date_format(timestamp_seconds(1706957111), 'yyyy-MM-dd HH:mm XXX')", "2024-02-03 02:45 -08:00"),
            ("CAST(make_timestamp(2014, 12, 28, 6, 30, 45.887, 'CET') AS STRING)", "2014-12-27T21:30:45.887-08:00"),
        ];
        for (expr, expected) in cases {
            assert_eq!(value(&ctx, &format!("SELECT {expr}")).await.0, expected, "{expr}");
        }
        let (_, data_type) = value(&ctx, "SELECT to_timestamp('2015-04-08')").await;
        assert_eq!(data_type, "Timestamp(µs, \"America/Los_Angeles\")");
    }
}
