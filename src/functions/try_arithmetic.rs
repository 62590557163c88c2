//! Spark's `try_add`, `try_subtract`, `try_multiply`, `try_divide` and `try_mod`: the arithmetic
//! operators with Spark's result types, giving NULL where the operator would fail (overflow,
//! division by zero) instead of an error.
//!
//! Result types follow Spark's: integers keep the wider integer type (`try_divide` gives a
//! double), a float makes a double, and decimals follow `DecimalPrecision` (Spark's
//! `spark.sql.decimalOperations.allowPrecisionLoss` default): integers take part as
//! `decimal(10,0)` / `decimal(20,0)`, a result wider than 38 digits keeps at least 6 decimals.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array, Float64Array, Int64Array};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err, internal_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature, Volatility,
};

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    [Op::Add, Op::Subtract, Op::Multiply, Op::Divide, Op::Mod]
        .into_iter()
        .map(|op| Arc::new(ScalarUDF::new_from_impl(TryArithmetic::new(op))))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    Add,
    Subtract,
    Multiply,
    Divide,
    Mod,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Add => "try_add",
            Op::Subtract => "try_subtract",
            Op::Multiply => "try_multiply",
            Op::Divide => "try_divide",
            Op::Mod => "try_mod",
        }
    }

    fn integers(self, a: i64, b: i64) -> Option<i64> {
        match self {
            Op::Add => a.checked_add(b),
            Op::Subtract => a.checked_sub(b),
            Op::Multiply => a.checked_mul(b),
            Op::Divide => unreachable!("try_divide of integers is a division of doubles"),
            Op::Mod => a.checked_rem(b),
        }
    }

    fn doubles(self, a: f64, b: f64) -> Option<f64> {
        match self {
            Op::Add => Some(a + b),
            Op::Subtract => Some(a - b),
            Op::Multiply => Some(a * b),
            Op::Divide => (b != 0.0).then(|| a / b),
            Op::Mod => (b != 0.0).then(|| a % b),
        }
    }
}

/// The three ways Spark computes an arithmetic operator, by operand types.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Domain {
    /// Both integers: the wider integer type, checked.
    Integer(u8),
    /// A float or double: IEEE arithmetic (a float pair stays float).
    Floating { single: bool },
    /// A decimal, and maybe an integer as a decimal: exact, checked against 38 digits.
    Decimal { left: (u8, i8), right: (u8, i8) },
}

fn integer_width(data_type: &DataType) -> Option<u8> {
    Some(match data_type {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 4,
        DataType::Int64 => 8,
        _ => return None,
    })
}

/// Spark's decimal type for an operand: a decimal as it is, an integer as the decimal that holds
/// all its values.
fn as_decimal(data_type: &DataType) -> Option<(u8, i8)> {
    match data_type {
        DataType::Decimal128(p, s) => Some((*p, *s)),
        DataType::Int8 => Some((3, 0)),
        DataType::Int16 => Some((5, 0)),
        DataType::Int32 => Some((10, 0)),
        DataType::Int64 => Some((20, 0)),
        _ => None,
    }
}

/// The smallest decimal holding an integer literal, as Spark types literals
/// (`DecimalType.fromLiteral`): `try_add(1, 0.5BD)` is `decimal(3,1)`, not `decimal(12,1)`.
fn literal_decimal(literal: Option<&ScalarValue>) -> Option<(u8, i8)> {
    let value = literal?.cast_to(&DataType::Int64).ok()?;
    let ScalarValue::Int64(Some(value)) = value else { return None };
    let digits = value.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1);
    Some((digits as u8, 0))
}

fn domain(name: &str, left: &DataType, right: &DataType) -> Result<Domain> {
    let left = if left.is_null() { right } else { left };
    let right = if right.is_null() { left } else { right };
    if let (Some(a), Some(b)) = (integer_width(left), integer_width(right)) {
        return Ok(Domain::Integer(a.max(b)));
    }
    if (left.is_floating() || right.is_floating()) && left.is_numeric() && right.is_numeric() {
        let single = matches!(left, DataType::Float32 | DataType::Float16)
            && matches!(right, DataType::Float32 | DataType::Float16);
        return Ok(Domain::Floating { single });
    }
    if let (Some(l), Some(r)) = (as_decimal(left), as_decimal(right)) {
        return Ok(Domain::Decimal { left: l, right: r });
    }
    if left.is_null() {
        return Ok(Domain::Integer(4));
    }
    plan_err!("{name}({left}, {right}) is not supported: minispark's {name} takes numbers only")
}

/// Spark's `DecimalType.adjustPrecisionScale`: past 38 digits, keep the integral digits and at
/// least 6 (or the scale, if smaller) fractional ones.
fn bounded(precision: i32, scale: i32) -> (u8, i8) {
    if precision <= 38 {
        return (precision as u8, scale as i8);
    }
    let integral = precision - scale;
    let min_scale = scale.min(6);
    (38, (38 - integral).max(min_scale) as i8)
}

fn decimal_result(op: Op, (p1, s1): (u8, i8), (p2, s2): (u8, i8)) -> (u8, i8) {
    let (p1, s1, p2, s2) = (p1 as i32, s1 as i32, p2 as i32, s2 as i32);
    match op {
        Op::Add | Op::Subtract => {
            let scale = s1.max(s2);
            bounded((p1 - s1).max(p2 - s2) + scale + 1, scale)
        }
        Op::Multiply => bounded(p1 + p2 + 1, s1 + s2),
        Op::Divide => {
            let scale = 6.max(s1 + p2 + 1);
            bounded(p1 - s1 + s2 + scale, scale)
        }
        Op::Mod => {
            let scale = s1.max(s2);
            bounded((p1 - s1).min(p2 - s2) + scale, scale)
        }
    }
}

fn result_type(op: Op, domain: Domain) -> DataType {
    match (op, domain) {
        (Op::Divide, Domain::Integer(_)) => DataType::Float64,
        (_, Domain::Integer(1)) => DataType::Int8,
        (_, Domain::Integer(2)) => DataType::Int16,
        (_, Domain::Integer(4)) => DataType::Int32,
        (_, Domain::Integer(_)) => DataType::Int64,
        (Op::Divide, Domain::Floating { .. }) | (_, Domain::Floating { single: false }) => DataType::Float64,
        (_, Domain::Floating { single: true }) => DataType::Float32,
        (_, Domain::Decimal { left, right }) => {
            let (p, s) = decimal_result(op, left, right);
            DataType::Decimal128(p, s)
        }
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TryArithmetic {
    op: Op,
    signature: Signature,
}

impl TryArithmetic {
    fn new(op: Op) -> Self {
        Self { op, signature: Signature::new(TypeSignature::Any(2), Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for TryArithmetic {
    fn name(&self) -> &str {
        self.op.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        internal_err!("{}: return_field_from_args decides the type", self.name())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let ([left, right], [left_literal, right_literal]) = (args.arg_fields, args.scalar_arguments) else {
            return plan_err!("{} takes two arguments", self.name());
        };
        let mut domain = domain(self.name(), left.data_type(), right.data_type())?;
        let literal = |field: &FieldRef, value| integer_width(field.data_type()).and(literal_decimal(value));
        if let Domain::Decimal { left: left_decimal, right: right_decimal } = &mut domain {
            *left_decimal = literal(left, *left_literal).unwrap_or(*left_decimal);
            *right_decimal = literal(right, *right_literal).unwrap_or(*right_decimal);
        }
        Ok(Arc::new(Field::new(self.name(), result_type(self.op, domain), true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let is_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let [left, right] = arrays.as_slice() else {
            return exec_err!("{} takes two arguments", self.name());
        };
        let domain = domain(self.name(), left.data_type(), right.data_type())?;
        let target = args.return_field.data_type().clone();
        let result: ArrayRef = match domain {
            Domain::Integer(_) if self.op == Op::Divide => {
                let (a, b) =
                    (to::<Float64Type>(left, &DataType::Float64)?, to::<Float64Type>(right, &DataType::Float64)?);
                Arc::new(a.iter().zip(b.iter()).map(|(a, b)| self.op.doubles(a?, b?)).collect::<Float64Array>())
            }
            Domain::Integer(_) => {
                let (a, b) = (to::<Int64Type>(left, &DataType::Int64)?, to::<Int64Type>(right, &DataType::Int64)?);
                let wide: Int64Array = a.iter().zip(b.iter()).map(|(a, b)| self.op.integers(a?, b?)).collect();
                // Out of the result type's range is an overflow too: NULL, not a wrapped value.
                cast_with_options(&wide, &target, &CastOptions { safe: true, ..Default::default() })?
            }
            Domain::Floating { .. } => {
                let (a, b) =
                    (to::<Float64Type>(left, &DataType::Float64)?, to::<Float64Type>(right, &DataType::Float64)?);
                let doubles: Float64Array = a.iter().zip(b.iter()).map(|(a, b)| self.op.doubles(a?, b?)).collect();
                cast_with_options(&doubles, &target, &CastOptions::default())?
            }
            Domain::Decimal { left: l, right: r } => {
                let DataType::Decimal128(precision, scale) = target else { unreachable!("decimal result") };
                let a = to::<Decimal128Type>(left, &DataType::Decimal128(l.0, l.1))?;
                let b = to::<Decimal128Type>(right, &DataType::Decimal128(r.0, r.1))?;
                let exact = DecimalOperation { op: self.op, left_scale: l.1, right_scale: r.1, scale, precision };
                let values: Decimal128Array = a.iter().zip(b.iter()).map(|(a, b)| exact.apply(a?, b?)).collect();
                Arc::new(values.with_precision_and_scale(precision, scale)?)
            }
        };
        if is_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?));
        }
        Ok(ColumnarValue::Array(result))
    }
}

/// `array` cast to `data_type`, as a primitive array of `T`.
fn to<T: datafusion::arrow::datatypes::ArrowPrimitiveType>(
    array: &ArrayRef,
    data_type: &DataType,
) -> Result<datafusion::arrow::array::PrimitiveArray<T>> {
    Ok(cast_with_options(array, data_type, &CastOptions::default())?.as_primitive::<T>().clone())
}

/// One operator on unscaled decimal values, with Spark's HALF_UP rounding to the result scale
/// and NULL for a result that needs more digits than its precision.
struct DecimalOperation {
    op: Op,
    left_scale: i8,
    right_scale: i8,
    scale: i8,
    precision: u8,
}

impl DecimalOperation {
    fn apply(&self, a: i128, b: i128) -> Option<i128> {
        let (s1, s2, s) = (self.left_scale as i32, self.right_scale as i32, self.scale as i32);
        let value = match self.op {
            Op::Add | Op::Subtract | Op::Mod => {
                let common = s1.max(s2);
                let (a, b) = (rescale(a, common - s1)?, rescale(b, common - s2)?);
                let exact = match self.op {
                    Op::Add => a.checked_add(b)?,
                    Op::Subtract => a.checked_sub(b)?,
                    _ if b == 0 => return None,
                    _ => a.checked_rem(b)?,
                };
                round_half_up(exact, common - s)?
            }
            Op::Multiply => round_half_up(a.checked_mul(b)?, s1 + s2 - s)?,
            Op::Divide => {
                if b == 0 {
                    return None;
                }
                // a / b at scale s is (a * 10^(s - s1 + s2)) / b, rounded HALF_UP.
                let numerator = rescale(a, s - s1 + s2 + 1)?;
                let tenfold = numerator / b;
                tenfold / 10 + (tenfold % 10).signum() * i128::from((tenfold % 10).abs() >= 5)
            }
        };
        (value.unsigned_abs() < 10u128.pow(self.precision as u32)).then_some(value)
    }
}

/// `value * 10^digits`, None on overflow; negative `digits` are not expected here.
fn rescale(value: i128, digits: i32) -> Option<i128> {
    if digits < 0 {
        return round_half_up(value, -digits);
    }
    value.checked_mul(10i128.checked_pow(digits as u32)?)
}

/// `value / 10^digits` rounded HALF_UP (away from zero on a tie), for `digits >= 0`.
fn round_half_up(value: i128, digits: i32) -> Option<i128> {
    if digits <= 0 {
        return rescale(value, -digits);
    }
    let divisor = 10i128.checked_pow(digits as u32)?;
    let (quotient, remainder) = (value / divisor, value % divisor);
    Some(quotient + remainder.signum() * i128::from(remainder.abs() * 2 >= divisor))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::display::array_value_to_string;

    use super::super::tests::context;

    /// The single value of `sql`'s single row and column, and its type, as text.
    async fn value(sql: &str) -> (String, String) {
        let batches = context().sql(sql).await.unwrap().collect().await.unwrap();
        let column = batches[0].column(0);
        (array_value_to_string(column, 0).unwrap(), column.data_type().to_string())
    }

    #[tokio::test]
    async fn results_and_types_are_sparks() {
        // Each expected value and type is Spark 4.3's (spark.sql("SELECT ...") with typeof). Plain
        // DataFusion types integer literals as bigints, so ints are cast here.
        let cases = [
            ("try_add(CAST(1 AS INT), CAST(2 AS INT))", "3", "Int32"),
            ("try_add(CAST(2147483647 AS INT), CAST(1 AS INT))", "", "Int32"),
            ("try_add(CAST(9223372036854775807 AS BIGINT), 1)", "", "Int64"),
            ("try_subtract(CAST(-128 AS TINYINT), CAST(1 AS TINYINT))", "", "Int8"),
            ("try_multiply(CAST(2147483647 AS INT), CAST(2 AS INT))", "", "Int32"),
            ("try_multiply(CAST(3 AS BIGINT), 4)", "12", "Int64"),
            ("try_divide(3, 2)", "1.5", "Float64"),
            ("try_divide(1, 0)", "", "Float64"),
            ("try_divide(1.0E0, 0.0E0)", "", "Float64"),
            ("try_mod(CAST(7 AS INT), CAST(0 AS INT))", "", "Int32"),
            ("try_mod(CAST(-7 AS INT), CAST(3 AS INT))", "-1", "Int32"),
            ("try_add(CAST(1.25 AS DECIMAL(3,2)), CAST(1 AS DECIMAL(2,0)))", "2.25", "Decimal128(5, 2)"),
            ("try_multiply(CAST(1.5 AS DECIMAL(2,1)), CAST(2.25 AS DECIMAL(3,2)))", "3.375", "Decimal128(6, 3)"),
            ("try_divide(CAST(1 AS DECIMAL(2,0)), CAST(3 AS DECIMAL(2,0)))", "0.333333", "Decimal128(8, 6)"),
            ("try_divide(CAST(2 AS DECIMAL(2,0)), CAST(3 AS DECIMAL(2,0)))", "0.666667", "Decimal128(8, 6)"),
            ("try_divide(CAST(-2 AS DECIMAL(2,0)), CAST(3 AS DECIMAL(2,0)))", "-0.666667", "Decimal128(8, 6)"),
            ("try_divide(CAST(1 AS DECIMAL(2,0)), CAST(0 AS DECIMAL(2,0)))", "", "Decimal128(8, 6)"),
            ("try_add(1, CAST(0.5 AS DECIMAL(2,1)))", "1.5", "Decimal128(3, 1)"),
            (
                "try_add(a, CAST(0.5 AS DECIMAL(2,1))) FROM (VALUES (CAST(1 AS INT))) AS t(a)",
                "1.5",
                "Decimal128(12, 1)",
            ),
            ("try_divide(6, CAST(4.0 AS DECIMAL(2,1)))", "1.500000", "Decimal128(8, 6)"),
        ];
        for (expr, expected, data_type) in cases {
            assert_eq!(value(&format!("SELECT {expr}")).await, (expected.to_string(), data_type.to_string()), "{expr}");
        }
    }

    #[tokio::test]
    async fn works_on_columns_with_nulls() {
        let sql = "SELECT try_divide(a, b) FROM (VALUES (6, 3), (1, 0), (NULL, 1)) AS t(a, b)";
        let batches = context().sql(sql).await.unwrap().collect().await.unwrap();
        let texts: Vec<String> = (0..3).map(|i| array_value_to_string(batches[0].column(0), i).unwrap()).collect();
        assert_eq!(texts, ["2.0", "", ""]);
    }

    #[tokio::test]
    async fn non_numbers_are_refused_by_name() {
        let error = context().sql("SELECT try_add('a', 'b')").await.unwrap_err().to_string();
        assert!(error.contains("try_add(Utf8, Utf8) is not supported"), "{error}");
    }
}
