//! DataFusion aggregates that compute what Spark's do but take other arguments or give another
//! type: `approx_count_distinct(x[, rsd])` is DataFusion's `approx_distinct(x)` as a bigint, and
//! `listagg(x[, delimiter])` / `string_agg` DataFusion's `string_agg(x, delimiter)` (DISTINCT and
//! ORDER BY included) as a string, the delimiter empty when absent or NULL.

use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, TypeSignature, Volatility, utils::AggregateOrderSensitivity,
};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Literal;

pub(super) fn functions() -> Vec<Arc<AggregateUDF>> {
    use datafusion::functions_aggregate::{approx_distinct, string_agg};
    let delegates = [
        Delegated {
            name: "approx_count_distinct",
            aliases: vec![],
            inner: approx_distinct::approx_distinct_udaf(),
            signature: Signature::one_of(vec![TypeSignature::Any(1), TypeSignature::Any(2)], Volatility::Immutable),
            result: DataType::Int64,
            inner_arguments: first_only,
        },
        Delegated {
            name: "listagg",
            aliases: vec!["string_agg".into()],
            inner: string_agg::string_agg_udaf(),
            signature: Signature::user_defined(Volatility::Immutable),
            result: DataType::Utf8,
            inner_arguments: with_delimiter,
        },
    ];
    delegates.into_iter().map(|d| Arc::new(AggregateUDF::new_from_impl(d))).collect()
}

/// The arguments the DataFusion aggregate takes, from Spark's.
type InnerArguments = fn(&[Arc<dyn PhysicalExpr>], &[FieldRef]) -> (Vec<Arc<dyn PhysicalExpr>>, Vec<FieldRef>);

/// `approx_count_distinct`'s relative standard deviation is a hint DataFusion's sketch has no
/// use for.
fn first_only(exprs: &[Arc<dyn PhysicalExpr>], fields: &[FieldRef]) -> (Vec<Arc<dyn PhysicalExpr>>, Vec<FieldRef>) {
    (exprs.iter().take(1).cloned().collect(), fields.iter().take(1).cloned().collect())
}

/// `listagg(x)` joins without a delimiter, as `string_agg(x, NULL)` does.
fn with_delimiter(exprs: &[Arc<dyn PhysicalExpr>], fields: &[FieldRef]) -> (Vec<Arc<dyn PhysicalExpr>>, Vec<FieldRef>) {
    let (mut exprs, mut fields) = (exprs.to_vec(), fields.to_vec());
    if exprs.len() == 1 {
        exprs.push(Arc::new(Literal::new(ScalarValue::Utf8(None))));
        fields.push(Arc::new(Field::new("delimiter", DataType::Utf8, true)));
    }
    (exprs, fields)
}

/// A DataFusion aggregate under Spark's name, arguments and result type.
#[derive(Debug)]
struct Delegated {
    name: &'static str,
    aliases: Vec<String>,
    inner: Arc<AggregateUDF>,
    signature: Signature,
    result: DataType,
    inner_arguments: InnerArguments,
}

impl PartialEq for Delegated {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Delegated {}

impl std::hash::Hash for Delegated {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl Delegated {
    fn inner_return_field(&self, fields: &[FieldRef]) -> Result<FieldRef> {
        self.inner.return_field(fields)
    }
}

impl AggregateUDFImpl for Delegated {
    fn name(&self) -> &str {
        self.name
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        // listagg: strings (and an optional string delimiter); Spark's binary form is not here.
        match arg_types {
            [value] | [value, _]
                if value.is_null() || matches!(value, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) =>
            {
                Ok(arg_types.iter().map(|_| DataType::Utf8).collect())
            }
            [value] | [value, _] => {
                plan_err!("{} of {value} values is not supported: minispark joins strings only", self.name)
            }
            _ => plan_err!("{} takes a value and an optional delimiter", self.name),
        }
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.result.clone())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let placeholders: Vec<Arc<dyn PhysicalExpr>> = args
            .input_fields
            .iter()
            .map(|_| Arc::new(Literal::new(ScalarValue::Null)) as Arc<dyn PhysicalExpr>)
            .collect();
        let (_, input_fields) = (self.inner_arguments)(&placeholders, args.input_fields);
        self.inner.state_fields(StateFieldsArgs {
            name: args.name,
            input_fields: &input_fields,
            return_field: self.inner_return_field(&input_fields)?,
            ordering_fields: args.ordering_fields,
            is_distinct: args.is_distinct,
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        if !args.order_bys.is_empty() {
            // The ordering does not reach DataFusion's string_agg through this wrapper yet
            // (the rows came out in input order): refuse rather than answer unordered.
            return datafusion::common::not_impl_err!(
                "minispark does not support {} with ORDER BY / WITHIN GROUP yet",
                self.name()
            );
        }
        let (exprs, expr_fields) = (self.inner_arguments)(args.exprs, args.expr_fields);
        let inner = self.inner.accumulator(AccumulatorArgs {
            return_field: self.inner_return_field(&expr_fields)?,
            schema: args.schema,
            ignore_nulls: args.ignore_nulls,
            order_bys: args.order_bys,
            is_reversed: args.is_reversed,
            name: args.name,
            is_distinct: args.is_distinct,
            exprs: &exprs,
            expr_fields: &expr_fields,
        })?;
        Ok(Box::new(CastResult { inner, result: self.result.clone() }))
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        self.inner.order_sensitivity()
    }
}

/// The inner accumulator, its result cast to Spark's type.
#[derive(Debug)]
struct CastResult {
    inner: Box<dyn Accumulator>,
    result: DataType,
}

impl Accumulator for CastResult {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.inner.update_batch(values)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.inner.evaluate()?.cast_to(&self.result)
    }

    fn size(&self) -> usize {
        self.inner.size() + size_of::<Self>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.inner.state()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.inner.merge_batch(states)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ROWS, answer};

    #[tokio::test]
    async fn sparks_answers() {
        // Spark 4.3's values and types over ROWS.
        for (expr, expected) in [
            ("approx_count_distinct(s)", "3"),
            ("approx_count_distinct(i, 0.1)", "4"),
            ("listagg(s)", "abcb"),
            ("listagg(s, '|')", "a|b|c|b"),
            ("string_agg(s, ',')", "a,b,c,b"),
        ] {
            assert_eq!(answer(expr, ROWS).await.0, expected, "{expr}");
        }
        assert_eq!(answer("approx_count_distinct(s)", ROWS).await.1, "Int64");
        // Spark: "cbba" and "a|b|c"; refused until the ordering reaches the aggregate.
        for ordered in ["listagg(s ORDER BY s DESC)", "listagg(DISTINCT s, '|' ORDER BY s)"] {
            let sql = format!("SELECT {ordered} FROM {ROWS}");
            let ctx = super::super::super::tests::context();
            let result = match ctx.sql(&sql).await {
                Ok(frame) => frame.collect().await.map(drop),
                Err(e) => Err(e),
            };
            assert!(result.is_err_and(|e| e.to_string().contains("ORDER BY")), "{ordered}");
        }
        assert_eq!(answer("listagg(s)", ROWS).await.1, "Utf8");
        assert_eq!(answer("listagg(s)", "(VALUES (CAST(NULL AS STRING))) AS t(s)").await.0, "");
    }
}
