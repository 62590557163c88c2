//! Spark's percentiles: `percentile(x, p[, frequency])` and `median(x)` (exact, interpolated
//! between neighbouring values, a double), and `percentile_approx(x, p[, accuracy])` /
//! `approx_percentile` (an element of the input, of the input's type). `p` is a literal
//! percentage or an array of them (then the answer is an array too).
//!
//! `percentile` follows Spark's `Percentile.getPercentile`: position `(n - 1) * p` among the
//! values in order, interpolated between the values at its floor and ceiling. `percentile_approx`
//! follows Spark's `QuantileSummaries.query` on an uncompressed summary: the value of rank
//! `ceil(p * n)`, the smallest for `p <= 1 / accuracy`, the largest for `p >= 1 - 1 / accuracy`.
//! Spark's summary is exact up to `accuracy` values; past that it compresses and answers within
//! `n / accuracy` ranks of this exact answer, which minispark gives for any `n`.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, FieldRef, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility};

use super::{list_of, literal_argument, state_field};

pub(super) fn functions() -> Vec<Arc<AggregateUDF>> {
    let function = |kind, aliases: &[&str]| {
        Arc::new(AggregateUDF::new_from_impl(Percentile {
            kind,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            signature: Signature::user_defined(Volatility::Immutable),
        }))
    };
    vec![function(Kind::Exact, &[]), function(Kind::Median, &[]), function(Kind::Approximate, &["approx_percentile"])]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// `percentile(x, p[, frequency])`
    Exact,
    /// `median(x)`: `percentile(x, 0.5)`
    Median,
    /// `percentile_approx(x, p[, accuracy])`
    Approximate,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Percentile {
    kind: Kind,
    aliases: Vec<String>,
    signature: Signature,
}

/// Spark's default `accuracy` of `percentile_approx`.
const DEFAULT_ACCURACY: i64 = 10000;

impl Percentile {
    /// The type the approximate percentile answers in, which is the input's.
    fn element_type(&self, input: &DataType) -> Result<DataType> {
        match input {
            t if t.is_numeric() => Ok(t.clone()),
            DataType::Date32 | DataType::Timestamp(TimeUnit::Microsecond, _) => Ok(input.clone()),
            DataType::Null => Ok(DataType::Float64),
            t => plan_err!("{} of {t} values is not supported", self.name()),
        }
    }
}

impl AggregateUDFImpl for Percentile {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Exact => "percentile",
            Kind::Median => "median",
            Kind::Approximate => "percentile_approx",
        }
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let arity = match self.kind {
            Kind::Median => 1..=1,
            _ => 2..=3,
        };
        if !arity.contains(&arg_types.len()) {
            return plan_err!("{} takes {arity:?} arguments, not {}", self.name(), arg_types.len());
        }
        let mut types = arg_types.to_vec();
        types[0] = match self.kind {
            Kind::Approximate => self.element_type(&arg_types[0])?,
            _ if arg_types[0].is_numeric() || arg_types[0].is_null() => DataType::Float64,
            _ => return plan_err!("{} of {} values is not supported: it takes numbers", self.name(), arg_types[0]),
        };
        if self.kind == Kind::Exact && types.len() == 3 {
            types[2] = DataType::Int64;
        }
        Ok(types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let element = match self.kind {
            Kind::Approximate => self.element_type(&arg_types[0])?,
            _ => DataType::Float64,
        };
        Ok(match arg_types.get(1) {
            Some(DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)) => list_of(element),
            _ => element,
        })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            state_field(args.name, "values", list_of(DataType::Float64)),
            state_field(args.name, "counts", list_of(DataType::Int64)),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let percentages = match self.kind {
            Kind::Median => Percentages { values: vec![0.5], array: false },
            _ => Percentages::of(self.name(), literal_argument(&args, 1))?,
        };
        let relative_error = match (self.kind, literal_argument(&args, 2)) {
            (Kind::Approximate, None) => 1.0 / DEFAULT_ACCURACY as f64,
            (Kind::Approximate, Some(accuracy)) => match accuracy.cast_to(&DataType::Int64)? {
                ScalarValue::Int64(Some(accuracy)) if accuracy > 0 => 1.0 / accuracy as f64,
                other => return plan_err!("percentile_approx: the accuracy must be a positive integer, not {other}"),
            },
            _ => 0.0,
        };
        let frequencies = self.kind == Kind::Exact && args.exprs.len() == 3;
        Ok(Box::new(Values {
            kind: self.kind,
            percentages,
            relative_error,
            frequencies,
            result: args.return_field.data_type().clone(),
            values: Vec::new(),
        }))
    }
}

/// The literal percentage(s) asked for.
#[derive(Debug)]
struct Percentages {
    values: Vec<f64>,
    /// Whether they came as an array, which makes the answer an array.
    array: bool,
}

impl Percentages {
    fn of(function: &str, literal: Option<ScalarValue>) -> Result<Self> {
        let Some(literal) = literal else {
            return plan_err!("{function}: the percentage must be a literal");
        };
        let (values, array) = match &literal {
            ScalarValue::List(list) => {
                let values = cast(list.values(), &DataType::Float64)?;
                (values.as_primitive::<Float64Type>().iter().collect::<Vec<_>>(), true)
            }
            scalar => match scalar.cast_to(&DataType::Float64)? {
                ScalarValue::Float64(value) => (vec![value], false),
                _ => unreachable!("a cast to Float64 gives a Float64"),
            },
        };
        let values = values
            .into_iter()
            .map(|v| match v {
                Some(v) if (0.0..=1.0).contains(&v) => Ok(v),
                other => plan_err!("{function}: the percentage must be between [0.0, 1.0], not {other:?}"),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { values, array })
    }
}

/// Every value seen, with its count (its frequency for `percentile`, else 1).
#[derive(Debug)]
struct Values {
    kind: Kind,
    percentages: Percentages,
    relative_error: f64,
    frequencies: bool,
    result: DataType,
    values: Vec<(f64, i64)>,
}

impl Values {
    /// The values in order with the running count up to each, equal values together.
    fn accumulated(&mut self) -> Vec<(f64, i64)> {
        self.values.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut accumulated: Vec<(f64, i64)> = Vec::new();
        let mut total = 0;
        for &(value, count) in &self.values {
            total += count;
            match accumulated.last_mut() {
                Some(last) if last.0 == value => last.1 = total,
                _ => accumulated.push((value, total)),
            }
        }
        accumulated
    }

    /// Spark's `Percentile.getPercentile` at `position` (0-based, fractional).
    fn interpolated(accumulated: &[(f64, i64)], position: f64) -> f64 {
        let at = |rank: i64| accumulated[accumulated.partition_point(|(_, count)| *count < rank + 1)].0;
        let (lower, higher) = (position.floor(), position.ceil());
        let lower_value = at(lower as i64);
        if higher == lower {
            return lower_value;
        }
        let higher_value = at(higher as i64);
        if higher_value == lower_value {
            return lower_value;
        }
        (higher - position) * lower_value + (position - lower) * higher_value
    }

    /// Spark's `QuantileSummaries.query` on an exact summary.
    fn ranked(&self, accumulated: &[(f64, i64)], percentage: f64) -> f64 {
        let count = accumulated.last().map_or(0, |a| a.1);
        if percentage <= self.relative_error {
            return accumulated[0].0;
        }
        if percentage >= 1.0 - self.relative_error {
            return accumulated[accumulated.len() - 1].0;
        }
        let rank = (percentage * count as f64).ceil() as i64;
        accumulated[accumulated.partition_point(|(_, total)| *total < rank).min(accumulated.len() - 1)].0
    }

    /// `value` (a double) as the input's type, for `percentile_approx`.
    fn element(value: f64, element_type: &DataType) -> Result<ScalarValue> {
        match element_type {
            DataType::Date32 => Ok(ScalarValue::Date32(Some(value as i32))),
            DataType::Timestamp(TimeUnit::Microsecond, zone) => {
                Ok(ScalarValue::TimestampMicrosecond(Some(value as i64), zone.clone()))
            }
            t if t.is_integer() => ScalarValue::Int64(Some(value as i64)).cast_to(t),
            t => ScalarValue::Float64(Some(value)).cast_to(t),
        }
    }

    fn add(&mut self, values: &ArrayRef, counts: Option<&ArrayRef>) -> Result<()> {
        let values = match values.data_type() {
            DataType::Date32 | DataType::Timestamp(..) => cast(&cast(values, &DataType::Int64)?, &DataType::Float64)?,
            _ => cast(values, &DataType::Float64)?,
        };
        let values = values.as_primitive::<Float64Type>();
        let counts = counts.map(|c| cast(c, &DataType::Int64)).transpose()?;
        let counts = counts.as_ref().map(|c| c.as_primitive::<Int64Type>());
        for row in 0..values.len() {
            let count = match counts {
                None => 1,
                Some(counts) if counts.is_null(row) => continue,
                Some(counts) => counts.value(row),
            };
            if count < 0 {
                return exec_err!(
                    "[NEGATIVE_VALUES_IN_FREQUENCY_EXPRESSION] {} found the negative frequency {count}",
                    self.kind_name()
                );
            }
            if count > 0 && values.is_valid(row) {
                self.values.push((values.value(row), count));
            }
        }
        Ok(())
    }

    fn kind_name(&self) -> &'static str {
        match self.kind {
            Kind::Exact => "percentile",
            Kind::Median => "median",
            Kind::Approximate => "percentile_approx",
        }
    }
}

impl Accumulator for Values {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.add(&values[0], if self.frequencies { values.get(2) } else { None })
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.values.is_empty() {
            return ScalarValue::try_from(&self.result);
        }
        let accumulated = self.accumulated();
        let element_type = match &self.result {
            DataType::List(field) => field.data_type().clone(),
            other => other.clone(),
        };
        let answers = self
            .percentages
            .values
            .iter()
            .map(|&p| match self.kind {
                Kind::Approximate => Self::element(self.ranked(&accumulated, p), &element_type),
                _ => {
                    let last = accumulated[accumulated.len() - 1].1 - 1;
                    Ok(ScalarValue::Float64(Some(Self::interpolated(&accumulated, last as f64 * p))))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(if self.percentages.array {
            ScalarValue::List(ScalarValue::new_list_nullable(&answers, &element_type))
        } else {
            answers.into_iter().next().expect("one percentage")
        })
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.values.capacity() * size_of::<(f64, i64)>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: Vec<ScalarValue> = self.values.iter().map(|v| ScalarValue::Float64(Some(v.0))).collect();
        let counts: Vec<ScalarValue> = self.values.iter().map(|v| ScalarValue::Int64(Some(v.1))).collect();
        Ok(vec![
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &DataType::Float64)),
            ScalarValue::List(ScalarValue::new_list_nullable(&counts, &DataType::Int64)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (values, counts) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in 0..values.len() {
            if values.is_valid(row) {
                self.add(&values.value(row), Some(&counts.value(row)))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ROWS, answer};

    #[tokio::test]
    async fn sparks_answers() {
        // Spark 4.3's values and types over ROWS.
        for (expr, expected, data_type) in [
            ("percentile(i, 0.5)", "2.5", "Float64"),
            ("percentile(i, [0.1, 0.5, 0.9])", "[1.3, 2.5, 7.900000000000001]", "List(Float64)"),
            ("percentile(i, 0.5, 2)", "2.5", "Float64"),
            ("percentile(d, 0.3)", "9.5", "Float64"),
            ("median(i)", "2.5", "Float64"),
            ("median(d)", "15.0", "Float64"),
            ("median(CAST(i AS DECIMAL(10,2)))", "2.5", "Float64"),
            ("percentile_approx(i, 0.5)", "2", "Int32"),
            ("percentile_approx(d, 0.5)", "10.0", "Float64"),
            ("percentile_approx(i, [0.1, 0.5, 0.9], 100)", "[1, 2, 10]", "List(Int32)"),
            ("approx_percentile(d, 0.3)", "10.0", "Float64"),
            ("percentile_approx(CAST(i AS DECIMAL(10,2)), 0.5)", "2.00", "Decimal128(10, 2)"),
        ] {
            assert_eq!(answer(expr, ROWS).await, (expected.to_string(), data_type.to_string()), "{expr}");
        }
        let weighted = "(VALUES (1, 1), (2, 3), (10, 0), (4, NULL)) AS t(v, f)";
        assert_eq!(answer("percentile(v, 0.5, f)", weighted).await.0, "2.0");
        assert_eq!(answer("percentile(v, [0, 1], f)", weighted).await.0, "[1.0, 2.0]");
        let seven = "(SELECT id AS v FROM range(7)) AS t";
        for (expr, expected) in [
            ("percentile_approx(v, 0.5)", "3"),
            ("percentile_approx(v, 0.01, 100)", "0"),
            ("percentile_approx(v, 0.99, 100)", "6"),
            ("percentile_approx(v, 0.25)", "1"),
        ] {
            assert_eq!(answer(expr, seven).await.0, expected, "{expr}");
        }
    }
}
