//! Spark's logarithms and square root, which differ from DataFusion's outside their domain:
//! Spark's `ln`, `log10`, `log2` and `log(base, x)` are NULL for `x <= 0` (and a base `<= 0`),
//! `log1p` for `x <= -1`, and `sqrt` of a negative number is NaN, where DataFusion gives
//! `-inf`/NaN or fails. `log(x)` with one argument is the natural logarithm, as in Spark, and
//! `log2`/`log(base, x)` divide natural logarithms as Spark's `Logarithm` does. Arguments are
//! doubles (integers and decimals are cast), the result is a double.
//!
//! Spark computes `exp`, `expm1`, the logarithms, `cosh`, `sinh` and `tanh` with Java's
//! `StrictMath`, which is fdlibm; the platform's libm often differs in the last digit
//! (`exp(1)` is 2.7182818284590455 in Spark, 2.718281828459045 from glibc), which `show()`
//! prints. The `libm` crate's `exp`, `expm1`, `log`, `log10` and `log1p` are ports of the same
//! fdlibm sources; `cosh`, `sinh` and `tanh` follow fdlibm's definitions over them.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    use Function::*;
    [Ln, Log, Log10, Log2, Log1p, Sqrt, Exp, Expm1, Cosh, Sinh, Tanh]
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
    Exp,
    Expm1,
    Cosh,
    Sinh,
    Tanh,
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
            Function::Exp => "exp",
            Function::Expm1 => "expm1",
            Function::Cosh => "cosh",
            Function::Sinh => "sinh",
            Function::Tanh => "tanh",
        }
    }

    fn unary(self, x: f64) -> Option<f64> {
        match self {
            // Spark tests `x <= asymptote` for NULL, so NaN goes through and gives NaN.
            Function::Ln | Function::Log => above(x, 0.0).then(|| libm::log(x)),
            Function::Log10 => above(x, 0.0).then(|| libm::log10(x)),
            // Spark: StrictMath.log(x) / StrictMath.log(2).
            Function::Log2 => above(x, 0.0).then(|| libm::log(x) / libm::log(2.0)),
            Function::Log1p => above(x, -1.0).then(|| libm::log1p(x)),
            Function::Sqrt => Some(x.sqrt()),
            Function::Exp => Some(libm::exp(x)),
            Function::Expm1 => Some(libm::expm1(x)),
            Function::Cosh => Some(fdlibm_cosh(x)),
            Function::Sinh => Some(fdlibm_sinh(x)),
            Function::Tanh => Some(fdlibm_tanh(x)),
        }
    }
}

/// Not at or below `asymptote`: true for NaN, as Spark's `x <= asymptote` test for NULL is false.
fn above(x: f64, asymptote: f64) -> bool {
    x.partial_cmp(&asymptote) != Some(std::cmp::Ordering::Less) && x != asymptote
}

/// fdlibm's `e_cosh.c` (Java's `StrictMath.cosh`).
fn fdlibm_cosh(x: f64) -> f64 {
    let ax = x.abs();
    if !x.is_finite() {
        return x * x;
    }
    if ax < 0.5 * std::f64::consts::LN_2 {
        let t = libm::expm1(ax);
        let w = 1.0 + t;
        if ax < f64::powi(2.0, -55) {
            return w;
        }
        return 1.0 + (t * t) / (w + w);
    }
    if ax < 22.0 {
        let t = libm::exp(ax);
        return 0.5 * t + 0.5 / t;
    }
    if ax < 709.782712893384 {
        return 0.5 * libm::exp(ax);
    }
    // Near the overflow threshold: exp(|x| / 2)² / 2 does not overflow early.
    let w = libm::exp(0.5 * ax);
    (0.5 * w) * w
}

/// fdlibm's `e_sinh.c` (Java's `StrictMath.sinh`).
fn fdlibm_sinh(x: f64) -> f64 {
    if !x.is_finite() {
        return x + x;
    }
    let h = if x < 0.0 { -0.5 } else { 0.5 };
    let ax = x.abs();
    if ax < 22.0 {
        if ax < f64::powi(2.0, -28) {
            return x;
        }
        let t = libm::expm1(ax);
        if ax < 1.0 {
            return h * (2.0 * t - t * t / (t + 1.0));
        }
        return h * (t + t / (t + 1.0));
    }
    if ax < 709.782712893384 {
        return h * libm::exp(ax);
    }
    let w = libm::exp(0.5 * ax);
    (h * w) * w
}

/// fdlibm's `s_tanh.c` (Java's `StrictMath.tanh`).
fn fdlibm_tanh(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let ax = x.abs();
    let z = if ax < 22.0 {
        if ax < f64::powi(2.0, -55) {
            return x * (1.0 + x);
        }
        if ax >= 1.0 {
            let t = libm::expm1(2.0 * ax);
            1.0 - 2.0 / (t + 2.0)
        } else {
            let t = libm::expm1(-2.0 * ax);
            -t / (t + 2.0)
        }
    } else {
        1.0
    };
    if x < 0.0 { -z } else { z }
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
                    (Some(base), Some(x)) if base > 0.0 && x > 0.0 => Some(libm::log(x) / libm::log(base)),
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
            // NaN is not at or below the asymptote: Spark answers NaN (log10's docstring).
            ("log10(CAST('NaN' AS DOUBLE))", "NaN"),
            ("ln(CAST('NaN' AS DOUBLE))", "NaN"),
            ("log1p(CAST('NaN' AS DOUBLE))", "NaN"),
            // Java's StrictMath (fdlibm) digits, as Spark's docstrings show them.
            ("exp(1)", "2.7182818284590455"),
            ("exp(2)", "7.38905609893065"),
            ("exp(3)", "20.085536923187668"),
            ("exp(4)", "54.598150033144236"),
            ("exp(0.1)", "1.1051709180756477"),
            ("cosh(1)", "1.543080634815244"),
            ("cosh(0.2)", "1.020066755619076"),
            ("sinh(1)", "1.1752011936438014"),
            ("sinh(0.3)", "0.3045202934471426"),
            ("sinh(-2)", "-3.626860407847019"),
            ("tanh(0.5)", "0.46211715726000974"),
            ("tanh(2)", "0.9640275800758169"),
            ("tanh(-0.1)", "-0.09966799462495582"),
            ("log2(3)", "1.584962500721156"),
            ("log2(5)", "2.321928094887362"),
            ("log2(7)", "2.807354922057604"),
            ("log2(9)", "3.1699250014423126"),
            ("log10(3)", "0.47712125471966244"),
            ("ln(3)", "1.0986122886681096"),
            ("ln(7)", "1.9459101490553132"),
            ("expm1(1)", "1.718281828459045"),
            ("expm1(0.01)", "0.010050167084168058"),
            ("log1p(1)", "0.6931471805599453"),
            ("log(2, 10)", "3.3219280948873626"),
            ("log(3, 100)", "4.19180654857877"),
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
