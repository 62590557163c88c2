//! Spark 4's TIME type functions: `make_time`, `to_time` / `try_to_time`, `time_diff`,
//! `time_trunc`, `time_from_seconds` / `_millis` / `_micros` and `time_to_seconds` / `_millis` /
//! `_micros`. A Spark `time(6)` is Arrow's `Time64(Nanosecond)` here (the type PySpark's Arrow
//! conversion reads), holding whole microseconds since midnight, as Spark does.
//!
//! Values outside a day, fields out of range and text that does not parse raise Spark's errors,
//! except in `try_to_time`, which answers NULL.

use std::sync::Arc;

use chrono::{NaiveTime, Timelike};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, Int64Array, StringArray, Time64NanosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Int64Type, Time64NanosecondType, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};

use super::datetime::pattern::SparkPattern;

/// Spark's TIME as minispark types it.
pub(crate) const TIME: DataType = DataType::Time64(TimeUnit::Nanosecond);

const NANOS_PER_MICRO: i64 = 1_000;
const MICROS_PER_DAY: i64 = 86_400_000_000;

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    use Kind::*;
    [
        MakeTime,
        ToTime { name: "to_time", try_: false },
        ToTime { name: "try_to_time", try_: true },
        TimeDiff,
        TimeTrunc,
        FromEpoch { name: "time_from_seconds", micros_per_unit: 1_000_000 },
        FromEpoch { name: "time_from_millis", micros_per_unit: 1_000 },
        FromEpoch { name: "time_from_micros", micros_per_unit: 1 },
        ToEpoch { name: "time_to_seconds", micros_per_unit: 1_000_000 },
        ToEpoch { name: "time_to_millis", micros_per_unit: 1_000 },
        ToEpoch { name: "time_to_micros", micros_per_unit: 1 },
    ]
    .into_iter()
    .map(|kind| Arc::new(ScalarUDF::new_from_impl(TimeFunction::new(kind))))
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    MakeTime,
    ToTime { name: &'static str, try_: bool },
    TimeDiff,
    TimeTrunc,
    FromEpoch { name: &'static str, micros_per_unit: i64 },
    ToEpoch { name: &'static str, micros_per_unit: i64 },
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::MakeTime => "make_time",
            Kind::TimeDiff => "time_diff",
            Kind::TimeTrunc => "time_trunc",
            Kind::ToTime { name, .. } | Kind::FromEpoch { name, .. } | Kind::ToEpoch { name, .. } => name,
        }
    }

    fn arities(self) -> std::ops::RangeInclusive<usize> {
        match self {
            Kind::MakeTime | Kind::TimeDiff => 3..=3,
            Kind::ToTime { .. } => 1..=2,
            Kind::TimeTrunc => 2..=2,
            Kind::FromEpoch { .. } | Kind::ToEpoch { .. } => 1..=1,
        }
    }

    fn result_type(self) -> DataType {
        match self {
            Kind::MakeTime | Kind::ToTime { .. } | Kind::TimeTrunc | Kind::FromEpoch { .. } => TIME,
            Kind::ToEpoch { micros_per_unit: 1_000_000, .. } => DataType::Decimal128(14, 6),
            Kind::TimeDiff | Kind::ToEpoch { .. } => DataType::Int64,
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TimeFunction {
    kind: Kind,
    signature: Signature,
}

impl TimeFunction {
    fn new(kind: Kind) -> Self {
        Self { kind, signature: Signature::variadic_any(Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for TimeFunction {
    fn name(&self) -> &str {
        self.kind.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        let arities = self.kind.arities();
        if !arities.contains(&args.len()) {
            return plan_err!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{}` requires {} to {} parameters but the actual number is {}.",
                self.name(),
                arities.start(),
                arities.end(),
                args.len()
            );
        }
        Ok(self.kind.result_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let is_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let rows = if is_scalar { 1 } else { args.number_rows };
        let result = evaluate(self.kind, &arrays, rows)?;
        if is_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?));
        }
        Ok(ColumnarValue::Array(result))
    }
}

fn evaluate(kind: Kind, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
    Ok(match kind {
        Kind::MakeTime => {
            let hours = longs(&args[0])?;
            let minutes = longs(&args[1])?;
            let seconds = micros_of_seconds(&args[2])?;
            let values = (0..rows)
                .map(|i| match (value(&hours, i), value(&minutes, i), seconds[i]) {
                    (Some(h), Some(m), Some(s)) => make_time(h, m, s).map(Some),
                    _ => Ok(None),
                })
                .collect::<Result<Vec<_>>>()?;
            times(values)
        }
        Kind::ToTime { try_, .. } => {
            let texts = strings(&args[0])?;
            let formats = args.get(1).map(strings).transpose()?;
            let values = (0..rows)
                .map(|i| {
                    let Some(text) = texts.is_valid(i).then(|| texts.value(i)) else { return Ok(None) };
                    let format = match &formats {
                        Some(f) if f.is_null(i) => return Ok(None),
                        Some(f) => Some(f.value(i)),
                        None => None,
                    };
                    match (parse_time(text, format)?, try_) {
                        (Some(micros), _) => Ok(Some(micros)),
                        (None, true) => Ok(None),
                        (None, false) => exec_err!(
                            "[CANNOT_PARSE_TIME] The input string '{text}' cannot be parsed to a TIME value because it does not match to the datetime format '{}'. Use `try_to_time` to tolerate invalid input string and return NULL instead.",
                            format.unwrap_or("HH:mm:ss")
                        ),
                    }
                })
                .collect::<Result<Vec<_>>>()?;
            times(values)
        }
        Kind::TimeDiff => {
            let units = strings(&args[0])?;
            let (starts, ends) = (micros_of_times(&args[1])?, micros_of_times(&args[2])?);
            let values = (0..rows)
                .map(|i| match (units.is_valid(i), starts[i], ends[i]) {
                    (true, Some(start), Some(end)) => {
                        Ok(Some((end - start) / unit_micros("time_diff", units.value(i))?))
                    }
                    _ => Ok(None),
                })
                .collect::<Result<Vec<_>>>()?;
            Arc::new(Int64Array::from(values))
        }
        Kind::TimeTrunc => {
            let units = strings(&args[0])?;
            let values = micros_of_times(&args[1])?;
            let truncated = (0..rows)
                .map(|i| match (units.is_valid(i), values[i]) {
                    (true, Some(micros)) => {
                        let unit = unit_micros("time_trunc", units.value(i))?;
                        Ok(Some(micros - micros % unit))
                    }
                    _ => Ok(None),
                })
                .collect::<Result<Vec<_>>>()?;
            times(truncated)
        }
        Kind::FromEpoch { micros_per_unit, .. } => {
            let micros = if micros_per_unit == 1_000_000 {
                micros_of_seconds(&args[0])?
            } else {
                let units = longs(&args[0])?;
                (0..rows).map(|i| value(&units, i).map(|u| u.saturating_mul(micros_per_unit))).collect()
            };
            let values = micros
                .into_iter()
                .map(|m| match m {
                    Some(m) if !(0..MICROS_PER_DAY).contains(&m) => exec_err!(
                        "[DATETIME_FIELD_OUT_OF_BOUNDS] The time {} microseconds is outside of a day (0 to 86399999999).",
                        m
                    ),
                    other => Ok(other),
                })
                .collect::<Result<Vec<_>>>()?;
            times(values)
        }
        Kind::ToEpoch { micros_per_unit, .. } => {
            let micros = micros_of_times(&args[0])?;
            if micros_per_unit == 1_000_000 {
                let decimals: Decimal128Array = micros.into_iter().map(|m| m.map(i128::from)).collect();
                Arc::new(decimals.with_precision_and_scale(14, 6)?)
            } else {
                Arc::new(Int64Array::from_iter(micros.into_iter().map(|m| m.map(|m| m.div_euclid(micros_per_unit)))))
            }
        }
    })
}

/// Spark's `make_time(hour, minute, second)`, in microseconds since midnight.
fn make_time(hour: i64, minute: i64, second_micros: i64) -> Result<i64> {
    let bad = |field: &str, range: &str, value: String| {
        exec_err!("[DATETIME_FIELD_OUT_OF_BOUNDS] Invalid value for {field} (valid values {range}): {value}")
    };
    if !(0..24).contains(&hour) {
        return bad("HourOfDay", "0 - 23", hour.to_string());
    }
    if !(0..60).contains(&minute) {
        return bad("MinuteOfHour", "0 - 59", minute.to_string());
    }
    if !(0..60_000_000).contains(&second_micros) {
        return bad("SecondOfMinute", "0 - 59", format!("{}", second_micros as f64 / 1e6));
    }
    Ok(hour * 3_600_000_000 + minute * 60_000_000 + second_micros)
}

/// `text` as a time of day, with Spark's pattern `format` or, without one, `HH:mm:ss` with an
/// optional fraction of up to six digits (as Spark's default time parser).
fn parse_time(text: &str, format: Option<&str>) -> Result<Option<i64>> {
    let time = match format {
        Some(format) => SparkPattern::new(format)?.parse(text)?.map(|(moment, _)| moment.time()),
        None => ["%H:%M:%S%.f", "%H:%M"].iter().find_map(|f| NaiveTime::parse_from_str(text.trim(), f).ok()),
    };
    Ok(time.map(|t| i64::from(t.num_seconds_from_midnight()) * 1_000_000 + i64::from(t.nanosecond() / 1_000)))
}

/// Microseconds in a `time_diff`/`time_trunc` unit.
fn unit_micros(function: &str, unit: &str) -> Result<i64> {
    Ok(match unit.to_ascii_uppercase().as_str() {
        "HOUR" => 3_600_000_000,
        "MINUTE" => 60_000_000,
        "SECOND" => 1_000_000,
        "MILLISECOND" => 1_000,
        "MICROSECOND" => 1,
        _ => {
            return exec_err!(
                "[INVALID_PARAMETER_VALUE.TIME_UNIT] The value of parameter(s) `unit` in `{function}` is invalid: expects one of the units 'HOUR', 'MINUTE', 'SECOND', 'MILLISECOND', 'MICROSECOND', but got '{unit}'."
            );
        }
    })
}

fn times(micros: Vec<Option<i64>>) -> ArrayRef {
    Arc::new(Time64NanosecondArray::from_iter(micros.into_iter().map(|m| m.map(|m| m * NANOS_PER_MICRO))))
}

fn micros_of_times(array: &ArrayRef) -> Result<Vec<Option<i64>>> {
    let nanos = cast(array, &TIME)?;
    Ok(nanos.as_primitive::<Time64NanosecondType>().iter().map(|n| n.map(|n| n / NANOS_PER_MICRO)).collect())
}

/// Seconds (an integer, decimal or double) as whole microseconds, rounded as Spark's cast to
/// `decimal(16, 6)`.
fn micros_of_seconds(array: &ArrayRef) -> Result<Vec<Option<i64>>> {
    let decimals = cast(array, &DataType::Decimal128(38, 6))?;
    decimals
        .as_primitive::<Decimal128Type>()
        .iter()
        .map(|d| d.map(|d| i64::try_from(d).or_else(|_| exec_err!("seconds out of range: {d}"))).transpose())
        .collect()
}

fn longs(array: &ArrayRef) -> Result<Int64Array> {
    Ok(cast(array, &DataType::Int64)?.as_primitive::<Int64Type>().clone())
}

fn value(array: &Int64Array, row: usize) -> Option<i64> {
    array.is_valid(row).then(|| array.value(row))
}

fn strings(array: &ArrayRef) -> Result<StringArray> {
    Ok(cast(array, &DataType::Utf8)?.as_string::<i32>().clone())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{assert_answers, context};

    #[tokio::test]
    async fn time_functions_answer_as_spark() {
        // Expected values are PySpark 4.3's docstring examples.
        let cases = [
            ("make_time(6, 30, 45.887)", "06:30:45.887"),
            ("to_time('10:30:00')", "10:30:00"),
            ("to_time('10:30:00', 'HH:mm:ss')", "10:30:00"),
            ("try_to_time('malformed')", "NULL"),
            ("time_diff('HOUR', to_time('13:08:15'), to_time('21:30:28'))", "8"),
            ("time_trunc('HOUR', to_time('13:08:15'))", "13:00:00"),
            ("time_from_seconds(52200.5)", "14:30:00.500"),
            ("time_from_millis(52200500)", "14:30:00.500"),
            ("time_from_micros(52200500000)", "14:30:00.500"),
            ("time_to_seconds(to_time('14:30:00.5'))", "52200.500000"),
            ("time_to_millis(to_time('14:30:00.5'))", "52200500"),
            ("time_to_micros(to_time('14:30:00.5'))", "52200500000"),
        ];
        assert_answers(&cases).await;
    }

    #[tokio::test]
    async fn malformed_time_text_is_an_error_outside_try() {
        let ctx = context();
        let error = ctx.sql("SELECT to_time('malformed')").await.unwrap().collect().await.unwrap_err();
        assert!(error.to_string().contains("CANNOT_PARSE_TIME"), "{error}");
        let error = ctx.sql("SELECT make_time(25, 0, 0)").await.unwrap().collect().await.unwrap_err();
        assert!(error.to_string().contains("HourOfDay"), "{error}");
    }
}
