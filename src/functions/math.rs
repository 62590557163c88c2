//! Spark's logarithms and square root, which differ from DataFusion's outside their domain:
//! Spark's `ln`, `log10`, `log2` and `log(base, x)` are NULL for `x <= 0` (and a base `<= 0`),
//! `log1p` for `x <= -1`, and `sqrt` of a negative number is NaN, where DataFusion gives
//! `-inf`/NaN or fails. `log(x)` with one argument is the natural logarithm, as in Spark, and
//! `log2`/`log(base, x)` divide natural logarithms as Spark's `Logarithm` does. Arguments are
//! doubles (integers and decimals are cast), the result is a double.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    [Function::Ln, Function::Log, Function::Log10, Function::Log2, Function::Log1p, Function::Sqrt]
        .into_iter()
        .map(|function| Arc::new(ScalarUDF::new_from_impl(SparkMath::new(function))))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Function {
    Ln,
    /// `log(x)` or `log(base, x)`.
    Log,
    Log10,
    Log2,
    Log1p,
    Sqrt,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Function::Ln => "ln",
            Function::Log => "log",
            Function::Log10 => "log10",
            Function::Log2 => "log2",
            Function::Log1p => "log1p",
            Function::Sqrt => "sqrt",
        }
    }

    fn unary(self, x: f64) -> Option<f64> {
        match self {
            Function::Ln | Function::Log => (x > 0.0).then(|| x.ln()),
            Function::Log10 => (x > 0.0).then(|| x.log10()),
            Function::Log2 => (x > 0.0).then(|| x.ln() / std::f64::consts::LN_2),
            Function::Log1p => (x > -1.0).then(|| x.ln_1p()),
            Function::Sqrt => Some(x.sqrt()),
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SparkMath {
    function: Function,
    signature: Signature,
}

impl SparkMath {
    fn new(function: Function) -> Self {
        let double = || TypeSignature::Exact(vec![DataType::Float64]);
        let signature = match function {
            Function::Log => Signature::one_of(
                vec![double(), TypeSignature::Exact(vec![DataType::Float64, DataType::Float64])],
                Volatility::Immutable,
            ),
            _ => Signature::one_of(vec![double()], Volatility::Immutable),
        };
        Self { function, signature }
    }
}

impl ScalarUDFImpl for SparkMath {
    fn name(&self) -> &str {
        self.function.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        match (self.function, args.len()) {
            (Function::Log, 1 | 2) | (_, 1) => Ok(DataType::Float64),
            _ => plan_err!(
                "{} takes {} argument(s)",
                self.name(),
                if self.function == Function::Log { "1 or 2" } else { "1" }
            ),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let doubles = |array: &ArrayRef| -> Result<Float64Array> {
            Ok(cast(array, &DataType::Float64)?.as_primitive::<Float64Type>().clone())
        };
        let result: Float64Array = match arrays.as_slice() {
            [x] => doubles(x)?.iter().map(|x| x.and_then(|x| self.function.unary(x))).collect(),
            [base, x] => doubles(base)?
                .iter()
                .zip(doubles(x)?.iter())
                .map(|(base, x)| match (base, x) {
                    (Some(base), Some(x)) if base > 0.0 && x > 0.0 => Some(x.ln() / base.ln()),
                    _ => None,
                })
                .collect(),
            _ => return plan_err!("{} takes 1 or 2 arguments", self.name()),
        };
        let result = Arc::new(result) as ArrayRef;
        // All-scalar arguments give one row: answer a scalar, as DataFusion's functions do.
        if args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) && rows == 1 {
            return Ok(ColumnarValue::Scalar(datafusion::common::ScalarValue::try_from_array(&result, 0)?));
        }
        Ok(ColumnarValue::Array(result))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::display::array_value_to_string;

    use super::super::tests::context;

    #[tokio::test]
    async fn outside_their_domain_spark_answers_null_or_nan() {
        // Expected values are Spark 4.3's.
        let cases = [
            ("ln(0)", "NULL"),
            ("ln(-1)", "NULL"),
            ("ln(1)", "0.0"),
            ("log(10)", "2.302585092994046"),
            ("log(2, 8)", "3.0"),
            ("log(0, 8)", "NULL"),
            ("log10(1000)", "3.0"),
            ("log10(0)", "NULL"),
            ("log2(8)", "3.0"),
            ("log2(-2)", "NULL"),
            ("log1p(-1)", "NULL"),
            ("log1p(0)", "0.0"),
            ("sqrt(-1)", "NaN"),
            ("sqrt(4)", "2.0"),
            ("sqrt(CAST(NULL AS INT))", "NULL"),
        ];
        let ctx = context();
        for (sql, expected) in cases {
            let batches = ctx.sql(&format!("SELECT {sql}")).await.unwrap().collect().await.unwrap();
            let shown = array_value_to_string(batches[0].column(0), 0).unwrap();
            let shown = if batches[0].column(0).is_null(0) { "NULL".to_string() } else { shown };
            assert_eq!(shown, expected, "{sql}");
        }
    }
}
