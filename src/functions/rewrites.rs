//! Spark functions that are other expressions (`nullifzero(x)` is `nullif(x, 0)`): each is
//! registered under Spark's name, so SQL text, the DataFrame API and plans sent to the cluster
//! all know it, and DataFusion's simplifier replaces it by its definition before the plan runs.
//! The definitions follow Spark's own (most are `RuntimeReplaceable` there too).

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, internal_err, plan_err};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, Operator, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility, cast, lit,
};

/// How a rewritten function types its result from its arguments' types.
type ReturnType = fn(&[DataType]) -> Result<DataType>;
/// The expression a call stands for, given its arguments and their types.
type Definition = dyn Fn(Vec<Expr>, &[DataType]) -> Result<Expr> + Send + Sync;

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    let functions = [
        Rewritten::new("nullifzero", first_type, |[x], types| {
            Ok(datafusion::functions::expr_fn::nullif(x, zero(&types[0])?))
        }),
        Rewritten::new("zeroifnull", first_type, |[x], types| {
            Ok(datafusion::functions::expr_fn::coalesce(vec![x, zero(&types[0])?]))
        }),
        Rewritten::new("equal_null", boolean, |[a, b], types| {
            // The simplifier's output is not coerced again: an untyped NULL takes the other side's type.
            let (a, b) = match (&types[0], &types[1]) {
                (DataType::Null, other) if !other.is_null() => (cast(a, other.clone()), b),
                (other, DataType::Null) if !other.is_null() => (a, cast(b, other.clone())),
                _ => (a, b),
            };
            Ok(Expr::BinaryExpr(BinaryExpr::new(Box::new(a), Operator::IsNotDistinctFrom, Box::new(b))))
        }),
        Rewritten::new("e", double, |[], _| Ok(lit(std::f64::consts::E))),
        Rewritten::new("current_database", string, |[], _| Ok(lit("default"))),
        Rewritten::new("current_schema", string, |[], _| Ok(lit("default"))),
        Rewritten::new("current_catalog", string, |[], _| Ok(lit("spark_catalog"))),
        Rewritten::new("dayname", string, |[x], _| {
            // Spark's three-letter English day name. Day 0 of the epoch (1970-01-01) was a
            // Thursday: days + 4, modulo 7, counts from Sunday.
            let days = cast(cast(x, DataType::Date32), DataType::Int64);
            let from_sunday = ((days % lit(7i64)) + lit(11i64)) % lit(7i64) + lit(1i64);
            let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].map(lit).to_vec();
            Ok(datafusion::functions_nested::expr_fn::array_element(
                datafusion::functions_nested::expr_fn::make_array(names),
                from_sunday,
            ))
        }),
    ];
    functions.into_iter().map(|f| Arc::new(ScalarUDF::new_from_impl(f))).collect()
}

/// A zero of `data_type` (of Int32 when the argument is an untyped NULL).
fn zero(data_type: &DataType) -> Result<Expr> {
    let data_type = if data_type.is_null() { &DataType::Int32 } else { data_type };
    Ok(lit(ScalarValue::new_zero(data_type)?))
}

fn first_type(args: &[DataType]) -> Result<DataType> {
    Ok(args.first().cloned().unwrap_or(DataType::Null))
}

fn boolean(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Boolean)
}

fn double(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Float64)
}

fn string(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Utf8)
}

/// A function defined by an expression over its arguments.
struct Rewritten {
    name: &'static str,
    arity: usize,
    signature: Signature,
    return_type: ReturnType,
    definition: Box<Definition>,
}

impl Rewritten {
    /// `definition` takes exactly `N` arguments and their types; a call with another number is
    /// refused when it is planned.
    fn new<const N: usize>(
        name: &'static str,
        return_type: ReturnType,
        definition: fn([Expr; N], &[DataType]) -> Result<Expr>,
    ) -> Self {
        let definition = move |args: Vec<Expr>, types: &[DataType]| -> Result<Expr> {
            let Ok(args) = <[Expr; N]>::try_from(args) else {
                return plan_err!("{name} takes {N} argument(s)");
            };
            definition(args, types)
        };
        let signature =
            if N == 0 { Signature::nullary(Volatility::Immutable) } else { Signature::any(N, Volatility::Immutable) };
        Self { name, arity: N, signature, return_type, definition: Box::new(definition) }
    }
}

impl PartialEq for Rewritten {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Rewritten {}

impl std::hash::Hash for Rewritten {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl std::fmt::Debug for Rewritten {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rewritten").field("name", &self.name).field("arity", &self.arity).finish()
    }
}

impl ScalarUDFImpl for Rewritten {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if args.len() != self.arity {
            return plan_err!("{} takes {} argument(s), not {}", self.name, self.arity, args.len());
        }
        (self.return_type)(args)
    }

    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let types = args.iter().map(|a| a.get_type(info.schema())).collect::<Result<Vec<_>>>()?;
        Ok(ExprSimplifyResult::Simplified((self.definition)(args, &types)?))
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        internal_err!("{} is rewritten by the simplifier before it runs", self.name)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::display::array_value_to_string;

    use super::super::tests::context;

    #[tokio::test]
    async fn definitions_give_sparks_answers() {
        // Expected values are Spark 4.3's.
        let cases = [
            ("nullifzero(0)", ""),
            ("nullifzero(5)", "5"),
            ("zeroifnull(CAST(NULL AS INT))", "0"),
            ("equal_null(NULL, NULL)", "true"),
            ("equal_null(1, NULL)", "false"),
            ("e()", "2.718281828459045"),
            ("current_database()", "default"),
            // dayname's docstring: 2015-04-08 was a Wednesday, 2024-10-31 a Thursday.
            ("dayname(DATE '2015-04-08')", "Wed"),
            ("dayname(DATE '2024-10-31')", "Thu"),
            ("dayname(DATE '1969-12-28')", "Sun"),
            ("dayname(TIMESTAMP '2024-11-02 23:00:00')", "Sat"),
        ];
        for (expr, expected) in cases {
            let batches = context().sql(&format!("SELECT {expr}")).await.unwrap().collect().await.unwrap();
            assert_eq!(array_value_to_string(batches[0].column(0), 0).unwrap(), expected, "{expr}");
        }
    }
}
