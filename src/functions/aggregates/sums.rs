//! Spark's counting and summing aggregates DataFusion lacks: `count_if(condition)` (a bigint,
//! 0 over no rows), `product(x)` (a double, NULL over no values) and `try_avg(x)` (`avg` that is
//! NULL instead of failing when its sum overflows: a `decimal(p+10,s)` sum of decimals, whose
//! average is `decimal(p+4,s+4)`; other numbers add up as doubles, as in Spark's `avg`).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, internal_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility};

use super::moments::as_doubles;
use super::state_field;

pub(super) fn functions() -> Vec<Arc<AggregateUDF>> {
    [Summing::CountIf, Summing::Product, Summing::TryAvg]
        .into_iter()
        .map(|kind| {
            Arc::new(AggregateUDF::new_from_impl(Sum {
                kind,
                signature: Signature::user_defined(Volatility::Immutable),
            }))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Summing {
    CountIf,
    Product,
    TryAvg,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Sum {
    kind: Summing,
    signature: Signature,
}

/// How `try_avg` adds its input up, by input type.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Domain {
    Floating,
    /// Precision and scale of the input.
    Decimal(u8, i8),
}

impl Domain {
    fn of(data_type: &DataType) -> Result<Domain> {
        Ok(match data_type {
            t if t.is_integer() || t.is_floating() || t.is_null() => Domain::Floating,
            DataType::Decimal128(p, s) => Domain::Decimal(*p, *s),
            t => return plan_err!("try_avg of {t} is not supported: it takes numbers"),
        })
    }

    fn sum_type(self) -> DataType {
        match self {
            Domain::Floating => DataType::Float64,
            Domain::Decimal(p, s) => DataType::Decimal128((p + 10).min(38), s),
        }
    }

    fn result_type(self) -> DataType {
        match self {
            Domain::Floating => DataType::Float64,
            Domain::Decimal(p, s) => DataType::Decimal128((p + 4).min(38), (s + 4).min(38)),
        }
    }
}

impl AggregateUDFImpl for Sum {
    fn name(&self) -> &str {
        match self.kind {
            Summing::CountIf => "count_if",
            Summing::Product => "product",
            Summing::TryAvg => "try_avg",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match (self.kind, arg_types) {
            (Summing::CountIf, [DataType::Boolean | DataType::Null]) => Ok(vec![DataType::Boolean]),
            (Summing::CountIf, _) => plan_err!("count_if takes one boolean argument, not {arg_types:?}"),
            (Summing::Product, _) => as_doubles("product", arg_types),
            (Summing::TryAvg, [t]) => {
                Domain::of(t).map(|d| vec![if d == Domain::Floating { DataType::Float64 } else { t.clone() }])
            }
            (Summing::TryAvg, _) => plan_err!("try_avg takes one argument"),
        }
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.kind {
            Summing::CountIf => DataType::Int64,
            Summing::Product => DataType::Float64,
            Summing::TryAvg => Domain::of(&arg_types[0])?.result_type(),
        })
    }

    fn is_nullable(&self) -> bool {
        self.kind != Summing::CountIf
    }

    fn default_value(&self, data_type: &DataType) -> Result<ScalarValue> {
        match self.kind {
            Summing::CountIf => Ok(ScalarValue::Int64(Some(0))),
            _ => ScalarValue::try_from(data_type),
        }
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(match self.kind {
            Summing::CountIf => vec![state_field(args.name, "count", DataType::Int64)],
            Summing::Product => vec![state_field(args.name, "product", DataType::Float64)],
            Summing::TryAvg => {
                let domain = Domain::of(args.input_fields[0].data_type())?;
                vec![
                    state_field(args.name, "sum", domain.sum_type()),
                    state_field(args.name, "count", DataType::Int64),
                    state_field(args.name, "overflow", DataType::Boolean),
                ]
            }
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(match self.kind {
            Summing::CountIf => Box::new(CountIf(0)),
            Summing::Product => Box::new(Product(None)),
            Summing::TryAvg => Box::new(TryAvg::new(Domain::of(args.expr_fields[0].data_type())?)),
        })
    }
}

#[derive(Debug)]
struct CountIf(i64);

impl Accumulator for CountIf {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.0 += values[0].as_boolean().true_count() as i64;
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int64(Some(self.0)))
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.0 += states[0].as_primitive::<Int64Type>().iter().flatten().sum::<i64>();
        Ok(())
    }
}

/// The product so far, None before the first value.
#[derive(Debug)]
struct Product(Option<f64>);

impl Product {
    fn multiply(&mut self, values: &ArrayRef) {
        for value in values.as_primitive::<Float64Type>().iter().flatten() {
            self.0 = Some(self.0.unwrap_or(1.0) * value);
        }
    }
}

impl Accumulator for Product {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.multiply(&cast(&values[0], &DataType::Float64)?);
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.0))
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.multiply(&states[0]);
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Total {
    Floating(f64),
    /// Unscaled, at the input's scale.
    Decimal(i128),
}

#[derive(Debug)]
struct TryAvg {
    domain: Domain,
    sum: Total,
    count: i64,
    overflow: bool,
}

impl TryAvg {
    fn new(domain: Domain) -> Self {
        let sum = match domain {
            Domain::Floating => Total::Floating(0.0),
            Domain::Decimal(..) => Total::Decimal(0),
        };
        Self { domain, sum, count: 0, overflow: false }
    }

    /// Adds `values` (of the sum's type) to the sum; an overflow makes the result NULL.
    fn add(&mut self, values: &ArrayRef) -> Result<()> {
        let values = cast(values, &self.domain.sum_type())?;
        let limit = match self.domain.sum_type() {
            DataType::Decimal128(p, _) => 10i128.pow(p as u32),
            _ => 0,
        };
        for row in 0..values.len() {
            if values.is_null(row) {
                continue;
            }
            self.sum = match self.sum {
                Total::Floating(sum) => Total::Floating(sum + values.as_primitive::<Float64Type>().value(row)),
                Total::Decimal(sum) => match sum.checked_add(values.as_primitive::<Decimal128Type>().value(row)) {
                    Some(sum) if sum.abs() < limit => Total::Decimal(sum),
                    _ => {
                        self.overflow = true;
                        return Ok(());
                    }
                },
            };
        }
        Ok(())
    }

    fn average(&self) -> Option<ScalarValue> {
        if self.overflow || self.count == 0 {
            return None;
        }
        Some(match (self.sum, self.domain.result_type()) {
            (Total::Floating(sum), _) => ScalarValue::Float64(Some(sum / self.count as f64)),
            (Total::Decimal(sum), DataType::Decimal128(p, s)) => {
                let Domain::Decimal(_, input_scale) = self.domain else { return None };
                // sum / count at the result's scale, rounded half up.
                let scaled = sum.checked_mul(10i128.pow((s - input_scale) as u32))?;
                let count = self.count as i128;
                let quotient = (scaled.abs() * 2 + count) / (2 * count);
                let quotient = if scaled < 0 { -quotient } else { quotient };
                if quotient.abs() >= 10i128.pow(p as u32) {
                    return None;
                }
                ScalarValue::Decimal128(Some(quotient), p, s)
            }
            _ => return None,
        })
    }
}

impl Accumulator for TryAvg {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.count += (values[0].len() - values[0].null_count()) as i64;
        self.add(&values[0])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.average().map_or_else(|| ScalarValue::try_from(&self.domain.result_type()), Ok)
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let sum = match (self.sum, self.domain.sum_type()) {
            (Total::Floating(sum), _) => ScalarValue::Float64(Some(sum)),
            (Total::Decimal(sum), DataType::Decimal128(p, s)) => ScalarValue::Decimal128(Some(sum), p, s),
            (_, other) => return internal_err!("try_avg: a {other} sum of decimals"),
        };
        Ok(vec![sum, ScalarValue::Int64(Some(self.count)), ScalarValue::Boolean(Some(self.overflow))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.count += states[1].as_primitive::<Int64Type>().iter().flatten().sum::<i64>();
        self.overflow |= states[2].as_boolean().true_count() > 0;
        if !self.overflow {
            self.add(&states[0])?;
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
            ("count_if(i > 1)", "3", "Int64"),
            ("count_if(b)", "3", "Int64"),
            ("try_avg(i)", "4.0", "Float64"),
            ("try_avg(d)", "16.25", "Float64"),
            ("try_avg(CAST(i AS DECIMAL(10,2)))", "4.000000", "Decimal128(14, 6)"),
            ("product(i)", "60.0", "Float64"),
        ] {
            assert_eq!(answer(expr, ROWS).await, (expected.to_string(), data_type.to_string()), "{expr}");
        }
        let overflowing = "(VALUES (CAST(99999999999999999999999999999999999999 AS DECIMAL(38,0))), (1)) AS t(v)";
        assert_eq!(answer("try_avg(v)", overflowing).await.0, "");
        assert_eq!(answer("try_avg(v)", "(VALUES (9223372036854775807), (1)) AS t(v)").await.0, "4.611686018427388e18");
        assert_eq!(answer("count_if(v > 1)", "(SELECT 1 AS v WHERE false) AS t").await.0, "0");
    }
}
