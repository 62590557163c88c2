//! Spark's `skewness` and `kurtosis`: central moments of the values as doubles, by Spark's
//! one-pass updates and pairwise merges (`CentralMomentAgg`), so the last bits agree too.
//! Empty input gives NULL, values without spread (second moment 0) NULL as well: Spark's
//! answer since `spark.sql.legacy.statisticalAggregate` is off by default.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, FieldRef, Float64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility};

use super::state_field;

pub(super) fn functions() -> Vec<Arc<AggregateUDF>> {
    [Moment::Skewness, Moment::Kurtosis]
        .into_iter()
        .map(|moment| {
            Arc::new(AggregateUDF::new_from_impl(CentralMoment {
                moment,
                signature: Signature::user_defined(Volatility::Immutable),
            }))
        })
        .collect()
}

/// Arguments Spark casts to double for its numeric aggregates: numbers (and NULL).
pub(super) fn as_doubles(name: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    match arg_types {
        [t] if t.is_numeric() || t.is_null() => Ok(vec![DataType::Float64]),
        [t] => plan_err!("{name} of {t} is not supported: it takes numbers"),
        _ => plan_err!("{name} takes one argument"),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Moment {
    Skewness,
    Kurtosis,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CentralMoment {
    moment: Moment,
    signature: Signature,
}

impl AggregateUDFImpl for CentralMoment {
    fn name(&self) -> &str {
        match self.moment {
            Moment::Skewness => "skewness",
            Moment::Kurtosis => "kurtosis",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        as_doubles(self.name(), arg_types)
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(["n", "avg", "m2", "m3", "m4"].iter().map(|part| state_field(args.name, part, DataType::Float64)).collect())
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(Moments { moment: self.moment, ..Default::default() }))
    }
}

/// Count, mean and the sums of the 2nd to 4th powers of deviations from it.
#[derive(Debug, Clone, Copy)]
struct Moments {
    moment: Moment,
    n: f64,
    avg: f64,
    m2: f64,
    m3: f64,
    m4: f64,
}

impl Default for Moments {
    fn default() -> Self {
        Self { moment: Moment::Skewness, n: 0.0, avg: 0.0, m2: 0.0, m3: 0.0, m4: 0.0 }
    }
}

impl Moments {
    /// Spark's `updateExpressions`, term for term.
    fn add(&mut self, value: f64) {
        let n = self.n + 1.0;
        let delta = value - self.avg;
        let delta_n = delta / n;
        let avg = self.avg + delta_n;
        let m2 = self.m2 + delta * (delta - delta_n);
        let (delta2, delta_n2) = (delta * delta, delta_n * delta_n);
        let m3 = self.m3 - 3.0 * delta_n * m2 + delta * (delta2 - delta_n2);
        let m4 = self.m4 - 4.0 * delta_n * m3 - 6.0 * delta_n2 * m2 + delta * (delta * delta2 - delta_n * delta_n2);
        (self.n, self.avg, self.m2, self.m3, self.m4) = (n, avg, m2, m3, m4);
    }

    /// Spark's `mergeExpressions`, term for term.
    fn merge(&mut self, other: Moments) {
        let (n1, n2) = (self.n, other.n);
        let n = n1 + n2;
        let delta = other.avg - self.avg;
        let delta_n = if n == 0.0 { 0.0 } else { delta / n };
        let avg = self.avg + delta_n * n2;
        let m2 = self.m2 + other.m2 + delta * delta_n * n1 * n2;
        let m3 = self.m3
            + other.m3
            + delta_n * delta_n * delta * n1 * n2 * (n1 - n2)
            + 3.0 * delta_n * (n1 * other.m2 - n2 * self.m2);
        let m4 = self.m4
            + other.m4
            + delta_n * delta_n * delta_n * delta * n1 * n2 * (n1 * n1 - n1 * n2 + n2 * n2)
            + 6.0 * delta_n * delta_n * (n1 * n1 * other.m2 + n2 * n2 * self.m2)
            + 4.0 * delta_n * (n1 * other.m3 - n2 * self.m3);
        (self.n, self.avg, self.m2, self.m3, self.m4) = (n, avg, m2, m3, m4);
    }

    fn result(&self) -> Option<f64> {
        if self.n == 0.0 || self.m2 == 0.0 {
            return None;
        }
        Some(match self.moment {
            Moment::Skewness => self.n.sqrt() * self.m3 / (self.m2 * self.m2 * self.m2).sqrt(),
            Moment::Kurtosis => self.n * self.m4 / (self.m2 * self.m2) - 3.0,
        })
    }
}

impl Accumulator for Moments {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let values = cast(&values[0], &DataType::Float64)?;
        values.as_primitive::<Float64Type>().iter().flatten().for_each(|v| self.add(v));
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(self.result()))
    }

    fn size(&self) -> usize {
        size_of::<Self>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok([self.n, self.avg, self.m2, self.m3, self.m4].into_iter().map(|v| ScalarValue::Float64(Some(v))).collect())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let columns: Vec<_> = states.iter().map(|s| s.as_primitive::<Float64Type>()).collect();
        for row in 0..states[0].len() {
            if columns[0].is_null(row) {
                continue;
            }
            let part = |i: usize| columns[i].value(row);
            self.merge(Moments {
                moment: self.moment,
                n: part(0),
                avg: part(1),
                m2: part(2),
                m3: part(3),
                m4: part(4),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ROWS, answer};
    use super::*;

    #[tokio::test]
    async fn sparks_answers() {
        // Spark 4.3's values over ROWS.
        for (expr, expected) in [
            ("skewness(i)", "1.0182337649086284"),
            ("kurtosis(i)", "-0.7696000000000001"),
            ("skewness(d)", "0.27803055565396284"),
            ("kurtosis(d)", "-1.4266015512783683"),
        ] {
            assert_eq!(answer(expr, ROWS).await, (expected.to_string(), "Float64".to_string()), "{expr}");
        }
    }

    #[test]
    fn merged_partial_moments_equal_one_pass() {
        let whole = [1.0, 2.0, 3.0, 10.0].iter().fold(Moments::default(), |mut m, v| {
            m.add(*v);
            m
        });
        let (mut left, mut right) = (Moments::default(), Moments::default());
        [1.0, 2.0].iter().for_each(|v| left.add(*v));
        [3.0, 10.0].iter().for_each(|v| right.add(*v));
        left.merge(right);
        assert!((left.result().unwrap() - whole.result().unwrap()).abs() < 1e-12);
    }
}
