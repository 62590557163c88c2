//! Spark's ANSI interval constructors datafusion-spark lacks: `make_ym_interval(years, months)`,
//! a `YEAR TO MONTH` interval (Arrow's `Interval(YearMonth)`). (`make_interval` and
//! `make_dt_interval` are datafusion-spark's.)

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, IntervalYearMonthArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int32Type, IntervalUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![Arc::new(ScalarUDF::new_from_impl(MakeYmInterval {
        signature: Signature::one_of(vec![TypeSignature::Nullary, TypeSignature::VariadicAny], Volatility::Immutable),
    }))]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct MakeYmInterval {
    signature: Signature,
}

impl ScalarUDFImpl for MakeYmInterval {
    fn name(&self) -> &str {
        "make_ym_interval"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if args.len() > 2 {
            return plan_err!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `make_ym_interval` requires 0 to 2 parameters but the actual number is {}.",
                args.len()
            );
        }
        Ok(DataType::Interval(IntervalUnit::YearMonth))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let is_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if is_scalar { 1 } else { args.number_rows };
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let ints = arrays.iter().map(|a| Ok(cast(a, &DataType::Int32)?.as_primitive::<Int32Type>().clone()));
        let ints = ints.collect::<Result<Vec<_>>>()?;
        let field = |i: usize, row: usize| match ints.get(i) {
            None => Some(0),
            Some(values) => values.is_valid(row).then(|| values.value(row)),
        };
        let months = (0..rows)
            .map(|row| match (field(0, row), field(1, row)) {
                (Some(years), Some(months)) => match years.checked_mul(12).and_then(|y| y.checked_add(months)) {
                    Some(total) => Ok(Some(total)),
                    None => exec_err!("[ARITHMETIC_OVERFLOW] integer overflow in make_ym_interval({years}, {months})"),
                },
                _ => Ok(None),
            })
            .collect::<Result<IntervalYearMonthArray>>()?;
        if is_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&months, 0)?));
        }
        Ok(ColumnarValue::Array(Arc::new(months)))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::IntervalYearMonthType;

    use super::super::tests::context;

    #[tokio::test]
    async fn year_month_intervals_count_months() {
        // make_ym_interval's docstring: (2014, 12) is INTERVAL '2015-0' YEAR TO MONTH.
        let ctx = context();
        for (sql, months) in [
            ("make_ym_interval(2014, 12)", Some(2015 * 12)),
            ("make_ym_interval()", Some(0)),
            ("make_ym_interval(-1, -2)", Some(-14)),
            ("make_ym_interval(1, NULL)", None),
        ] {
            let batches = ctx.sql(&format!("SELECT {sql}")).await.unwrap().collect().await.unwrap();
            let column = batches[0].column(0).as_primitive::<IntervalYearMonthType>();
            let got = column.is_valid(0).then(|| column.value(0));
            assert_eq!(got, months, "{sql}");
        }
    }
}
