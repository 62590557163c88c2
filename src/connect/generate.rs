//! Spark's generators in a select: `explode`, `posexplode`, `inline`, `stack` and their `_outer`
//! forms, which turn one input row into several rows of one or more columns.
//!
//! The resolver returns a [`Generator`] call where the function stood; the select holding it (see
//! `plan::Translator::generate`) plans it with [`Generator::unnesting`]: one DataFusion unnest of
//! one or more lists taken together row by row (a map's keys and values, an array and its
//! positions, `stack`'s columns), then a projection naming the generated columns as Spark does.
//! A generator anywhere else (a filter, inside another function) fails when it is planned, with
//! Spark's error.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, Result, ScalarValue, exec_err, plan_err};
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::expr::{Case, ScalarFunction};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ExprSchemable, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility, cast, col,
    lit,
};

use super::error::{ConnectError, ConnectResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Explode,
    PosExplode,
    Inline,
    Stack,
}

/// A generator call awaiting its select. Registered nowhere: it only lives between the resolver
/// and the select that plans it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Generator {
    kind: Kind,
    /// Keeps a row whose array or map is NULL or empty, as one row of NULLs.
    outer: bool,
    /// Column names from the alias (`.alias("k", "v")`); empty for Spark's defaults.
    names: Vec<String>,
    signature: Signature,
}

/// What a select unnests and projects for one generator.
pub(crate) struct Unnesting {
    /// Lists unnested together, element `i` of each into row `i` (shorter ones padded with NULL).
    pub(crate) lists: Vec<Expr>,
    /// The generated columns, named, over the unnested lists as columns `hidden(0)`, `hidden(1)`…
    pub(crate) outputs: Vec<Expr>,
    pub(crate) preserve_nulls: bool,
}

impl Generator {
    /// The generator Spark calls `name` (lower case), if it is one.
    pub(crate) fn by_name(name: &str) -> Option<Self> {
        let (kind, outer) = match name {
            "explode" => (Kind::Explode, false),
            "explode_outer" => (Kind::Explode, true),
            "posexplode" => (Kind::PosExplode, false),
            "posexplode_outer" => (Kind::PosExplode, true),
            "inline" => (Kind::Inline, false),
            "inline_outer" => (Kind::Inline, true),
            "stack" => (Kind::Stack, false),
            _ => return None,
        };
        Some(Self { kind, outer, names: Vec::new(), signature: Signature::variadic_any(Volatility::Immutable) })
    }

    pub(crate) fn call(self, args: Vec<Expr>) -> Expr {
        Expr::ScalarFunction(ScalarFunction::new_udf(Arc::new(ScalarUDF::new_from_impl(self)), args))
    }

    /// The generator call in `expr` (bare or under one alias), with its arguments and alias.
    pub(crate) fn find(expr: &Expr) -> Option<(&Generator, &[Expr], Option<&str>)> {
        let (inner, alias) = match expr {
            Expr::Alias(alias) => (alias.expr.as_ref(), Some(alias.name.as_str())),
            other => (other, None),
        };
        match inner {
            Expr::ScalarFunction(f) => f.func.inner().downcast_ref::<Generator>().map(|g| (g, &f.args[..], alias)),
            _ => None,
        }
    }

    /// `expr` (a generator call) naming its columns `names`: Spark's multi-name alias.
    pub(crate) fn with_names(expr: Expr, names: &[String]) -> ConnectResult<Expr> {
        match Self::find(&expr) {
            Some((generator, args, None)) => {
                Ok(Self { names: names.to_vec(), ..generator.clone() }.call(args.to_vec()))
            }
            _ => Err(ConnectError::analysis(format!(
                "[MULTI_ALIAS_WITHOUT_GENERATOR] Multi part aliasing ({}) is not supported with {} as it is not a \
                 generator function.",
                names.join(", "),
                expr.schema_name()
            ))),
        }
    }

    /// Plans this generator over `args`, typed in `schema`; `alias` is a one-name alias around
    /// the call. Functions come from `registry`, so the workers run the same ones.
    pub(crate) fn unnesting(
        &self,
        args: &[Expr],
        alias: Option<&str>,
        schema: &DFSchema,
        registry: &dyn FunctionRegistry,
        hidden: impl Fn(usize) -> String,
    ) -> ConnectResult<Unnesting> {
        let call = |name: &str, args: Vec<Expr>| -> ConnectResult<Expr> {
            Ok(Expr::ScalarFunction(ScalarFunction::new_udf(registry.udf(name)?, args)))
        };
        let name = self.name();
        let (lists, defaults): (Vec<Expr>, Vec<(Expr, String)>) = match self.kind {
            Kind::Stack => return self.stack(args, alias, schema, registry, hidden),
            _ => {
                let [source] = args else {
                    return Err(ConnectError::analysis(format!(
                        "[WRONG_NUM_ARGS] The `{name}` requires 1 parameters but the actual number is {}.",
                        args.len()
                    )));
                };
                let source_type = source.get_type(schema)?;
                let positions = || -> ConnectResult<Expr> {
                    let count = call("cardinality", vec![source.clone()])?;
                    call("range", vec![lit(0i64), cast(count, DataType::Int64)])
                };
                let mut lists = Vec::new();
                let mut columns: Vec<(usize, String)> = Vec::new();
                if self.kind == Kind::PosExplode {
                    lists.push(positions()?);
                    columns.push((0, "pos".into()));
                }
                match (&source_type, self.kind) {
                    (DataType::Map(..), Kind::Explode | Kind::PosExplode) => {
                        lists.push(call("map_keys", vec![source.clone()])?);
                        columns.push((lists.len() - 1, "key".into()));
                        lists.push(call("map_values", vec![source.clone()])?);
                        columns.push((lists.len() - 1, "value".into()));
                    }
                    (
                        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..),
                        Kind::Explode | Kind::PosExplode,
                    ) => {
                        lists.push(source.clone());
                        columns.push((lists.len() - 1, "col".into()));
                    }
                    (
                        DataType::List(element) | DataType::LargeList(element) | DataType::FixedSizeList(element, _),
                        Kind::Inline,
                    ) if matches!(element.data_type(), DataType::Struct(_)) => {
                        lists.push(source.clone());
                    }
                    _ => {
                        let wanted = match self.kind {
                            Kind::Inline => "\"ARRAY<STRUCT>\"",
                            _ => "(\"ARRAY\" or \"MAP\")",
                        };
                        return Err(ConnectError::analysis(format!(
                            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{name}({})\" due to data \
                             type mismatch: The first parameter requires the {wanted} type, however \"{}\" has the \
                             type \"{}\".",
                            source.schema_name(),
                            source.schema_name(),
                            super::types::simple_string(&source_type).to_uppercase()
                        )));
                    }
                }
                let outputs = match (self.kind, &source_type) {
                    (
                        Kind::Inline,
                        DataType::List(element) | DataType::LargeList(element) | DataType::FixedSizeList(element, _),
                    ) => {
                        let DataType::Struct(fields) = element.data_type() else { unreachable!("checked above") };
                        fields
                            .iter()
                            .map(|f| {
                                let field =
                                    datafusion::functions::core::expr_fn::get_field(col(hidden(0)), f.name().as_str());
                                (field, f.name().clone())
                            })
                            .collect()
                    }
                    _ => columns
                        .into_iter()
                        .map(|(i, name)| {
                            let column = col(hidden(i));
                            // Spark's positions are ints.
                            (if name == "pos" { cast(column, DataType::Int32) } else { column }, name)
                        })
                        .collect(),
                };
                let lists = if self.outer { self.empty_as_null(source, lists, schema, &call)? } else { lists };
                (lists, outputs)
            }
        };
        Ok(Unnesting { lists, outputs: self.name_outputs(defaults, alias)?, preserve_nulls: self.outer })
    }

    /// `stack(n, v1, …, vk)`: `n` rows of ⌈k/n⌉ columns `col0`, `col1`…, filled row by row and
    /// padded with NULL; each column's values must share one type (NULLs take it).
    fn stack(
        &self,
        args: &[Expr],
        alias: Option<&str>,
        schema: &DFSchema,
        registry: &dyn FunctionRegistry,
        hidden: impl Fn(usize) -> String,
    ) -> ConnectResult<Unnesting> {
        let rows = match args.first() {
            Some(Expr::Literal(value, _)) => match value {
                ScalarValue::Int8(Some(n)) => i64::from(*n),
                ScalarValue::Int16(Some(n)) => i64::from(*n),
                ScalarValue::Int32(Some(n)) => i64::from(*n),
                ScalarValue::Int64(Some(n)) => *n,
                _ => 0,
            },
            _ => 0,
        };
        if rows < 1 || args.len() < 2 {
            return Err(ConnectError::analysis(
                "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] stack's first argument must be a positive integer literal \
                 (the number of rows), followed by at least one value.",
            ));
        }
        let values = &args[1..];
        let rows = usize::try_from(rows).map_err(|_| ConnectError::analysis("stack: too many rows"))?;
        let columns = values.len().div_ceil(rows);
        let make_array = registry.udf("make_array")?;
        let mut lists = Vec::with_capacity(columns);
        let mut defaults = Vec::with_capacity(columns);
        for c in 0..columns {
            let cells: Vec<&Expr> = (0..rows).filter_map(|r| values.get(r * columns + c)).collect();
            let mut column_type = DataType::Null;
            for cell in &cells {
                let cell_type = cell.get_type(schema)?;
                if cell_type == DataType::Null {
                    continue;
                }
                if column_type != DataType::Null && column_type != cell_type {
                    return Err(ConnectError::analysis(format!(
                        "[DATATYPE_MISMATCH.STACK_COLUMN_DIFF_TYPES] Cannot resolve \"stack\" due to data type \
                         mismatch: The data type of the column ({c}) do not have the same type: \"{}\" <> \"{}\".",
                        super::types::simple_string(&column_type).to_uppercase(),
                        super::types::simple_string(&cell_type).to_uppercase()
                    )));
                }
                column_type = cell_type;
            }
            let typed_null = Expr::Literal(ScalarValue::try_from(&column_type)?, None);
            let mut items: Vec<Expr> =
                cells
                    .into_iter()
                    .map(|cell| {
                        if cell.get_type(schema).ok() == Some(DataType::Null) {
                            typed_null.clone()
                        } else {
                            cell.clone()
                        }
                    })
                    .collect();
            items.resize(rows, typed_null);
            lists.push(Expr::ScalarFunction(ScalarFunction::new_udf(make_array.clone(), items)));
            defaults.push((col(hidden(c)), format!("col{c}")));
        }
        Ok(Unnesting { lists, outputs: self.name_outputs(defaults, alias)?, preserve_nulls: false })
    }

    /// `_outer` keeps a row whose source is empty: every list becomes NULL there (a NULL list
    /// unnests to one NULL row when nulls are preserved; an empty one to none).
    fn empty_as_null(
        &self,
        source: &Expr,
        lists: Vec<Expr>,
        schema: &DFSchema,
        call: &dyn Fn(&str, Vec<Expr>) -> ConnectResult<Expr>,
    ) -> ConnectResult<Vec<Expr>> {
        let empty = cast(call("cardinality", vec![source.clone()])?, DataType::Int64).eq(lit(0i64));
        lists
            .into_iter()
            .map(|list| {
                let null = Expr::Literal(ScalarValue::try_from(&list.get_type(schema)?)?, None);
                Ok(Expr::Case(Case::new(None, vec![(Box::new(empty.clone()), Box::new(null))], Some(Box::new(list)))))
            })
            .collect()
    }

    /// The generated columns under the alias's names, else Spark's defaults.
    fn name_outputs(&self, defaults: Vec<(Expr, String)>, alias: Option<&str>) -> ConnectResult<Vec<Expr>> {
        let names: Vec<String> = match alias {
            Some(name) => vec![name.to_string()],
            None if !self.names.is_empty() => self.names.clone(),
            None => return Ok(defaults.into_iter().map(|(expr, name)| expr.alias(name)).collect()),
        };
        if names.len() != defaults.len() {
            return Err(ConnectError::analysis(format!(
                "[UDTF_ALIAS_NUMBER_MISMATCH] The number of aliases supplied in the AS clause does not match the \
                 number of columns output by the UDTF. Expected {} aliases, but got {}.",
                defaults.len(),
                names.join(", ")
            )));
        }
        Ok(defaults.into_iter().zip(names).map(|((expr, _), name)| expr.alias(name)).collect())
    }
}

impl ScalarUDFImpl for Generator {
    fn name(&self) -> &str {
        match (self.kind, self.outer) {
            (Kind::Explode, false) => "explode",
            (Kind::Explode, true) => "explode_outer",
            (Kind::PosExplode, false) => "posexplode",
            (Kind::PosExplode, true) => "posexplode_outer",
            (Kind::Inline, false) => "inline",
            (Kind::Inline, true) => "inline_outer",
            (Kind::Stack, _) => "stack",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!(
            "[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator is not supported: outside the SELECT clause, but \
             got: {}",
            self.name()
        )
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        exec_err!("the generator {} runs only as a select's unnest", self.name())
    }
}

#[cfg(test)]
mod tests {
    use spark_connect_proto::Expression;
    use spark_connect_proto::expression::{self, ExprType};

    use super::super::tests::{LocalClient, alias, call, col, expression, lit, select, sql};

    fn star() -> Expression {
        expression(ExprType::UnresolvedStar(expression::UnresolvedStar::default()))
    }

    fn aliases(expr: Expression, names: &[&str]) -> Expression {
        expression(ExprType::Alias(Box::new(expression::Alias {
            expr: Some(Box::new(expr)),
            name: names.iter().map(|n| n.to_string()).collect(),
            metadata: None,
        })))
    }

    /// `show()` of `select('*', generator(column))` over `rows`, as Spark's docstrings show it.
    async fn shown(client: &LocalClient, rows: &str, generated: Expression) -> String {
        let relation = select(sql(&format!("SELECT * FROM VALUES {rows}")), vec![star(), generated]);
        client.show(relation, 20).await.unwrap()
    }

    // Expected tables are Spark 4.3's (PySpark's docstrings of these functions).
    #[tokio::test]
    async fn arrays_and_maps_explode_with_positions_and_outer_rows() {
        let client = LocalClient::new();
        let arrays = "(1, ARRAY(1, 2, 3, NULL)), (2, ARRAY()), (3, NULL) AS t(i, a)";
        assert_eq!(
            shown(&client, arrays, call("posexplode", vec![col("a")])).await,
            "+---+---------------+---+----+\n\
             |i  |a              |pos|col |\n\
             +---+---------------+---+----+\n\
             |1  |[1, 2, 3, NULL]|0  |1   |\n\
             |1  |[1, 2, 3, NULL]|1  |2   |\n\
             |1  |[1, 2, 3, NULL]|2  |3   |\n\
             |1  |[1, 2, 3, NULL]|3  |NULL|\n\
             +---+---------------+---+----+\n"
        );
        assert_eq!(
            shown(&client, arrays, call("posexplode_outer", vec![col("a")])).await,
            "+---+---------------+----+----+\n\
             |i  |a              |pos |col |\n\
             +---+---------------+----+----+\n\
             |1  |[1, 2, 3, NULL]|0   |1   |\n\
             |1  |[1, 2, 3, NULL]|1   |2   |\n\
             |1  |[1, 2, 3, NULL]|2   |3   |\n\
             |1  |[1, 2, 3, NULL]|3   |NULL|\n\
             |2  |[]             |NULL|NULL|\n\
             |3  |NULL           |NULL|NULL|\n\
             +---+---------------+----+----+\n"
        );
        // (An empty map, `MAP()`, is not Spark SQL minispark parses yet.)
        let maps = "(1, MAP(1, 2, 3, 4, 5, NULL)), (3, NULL) AS t(i, m)";
        assert_eq!(
            shown(&client, maps, call("explode_outer", vec![col("m")])).await,
            "+---+---------------------------+----+-----+\n\
             |i  |m                          |key |value|\n\
             +---+---------------------------+----+-----+\n\
             |1  |{1 -> 2, 3 -> 4, 5 -> NULL}|1   |2    |\n\
             |1  |{1 -> 2, 3 -> 4, 5 -> NULL}|3   |4    |\n\
             |1  |{1 -> 2, 3 -> 4, 5 -> NULL}|5   |NULL |\n\
             |3  |NULL                       |NULL|NULL |\n\
             +---+---------------------------+----+-----+\n"
        );
        assert_eq!(
            shown(&client, maps, aliases(call("posexplode", vec![col("m")]), &["p", "k", "v"])).await,
            "+---+---------------------------+---+---+----+\n\
             |i  |m                          |p  |k  |v   |\n\
             +---+---------------------------+---+---+----+\n\
             |1  |{1 -> 2, 3 -> 4, 5 -> NULL}|0  |1  |2   |\n\
             |1  |{1 -> 2, 3 -> 4, 5 -> NULL}|1  |3  |4   |\n\
             |1  |{1 -> 2, 3 -> 4, 5 -> NULL}|2  |5  |NULL|\n\
             +---+---------------------------+---+---+----+\n"
        );
    }

    #[tokio::test]
    async fn inline_makes_a_column_per_field_and_stack_fills_rows_first() {
        let client = LocalClient::new();
        let structs = "(1, ARRAY(NAMED_STRUCT('a', 1, 'b', 2), NULL, NAMED_STRUCT('a', 3, 'b', 4))), \
                       (2, ARRAY()), (3, NULL) AS t(i, s)";
        assert_eq!(
            shown(&client, structs, call("inline_outer", vec![col("s")])).await,
            "+---+----------------------+----+----+\n\
             |i  |s                     |a   |b   |\n\
             +---+----------------------+----+----+\n\
             |1  |[{1, 2}, NULL, {3, 4}]|1   |2   |\n\
             |1  |[{1, 2}, NULL, {3, 4}]|NULL|NULL|\n\
             |1  |[{1, 2}, NULL, {3, 4}]|3   |4   |\n\
             |2  |[]                    |NULL|NULL|\n\
             |3  |NULL                  |NULL|NULL|\n\
             +---+----------------------+----+----+\n"
        );
        let abc = "(1, 2, 3) AS t(a, b, c)";
        assert_eq!(
            shown(&client, abc, aliases(call("stack", vec![lit(2), col("a"), col("b"), col("c")]), &["x", "y"])).await,
            "+---+---+---+---+----+\n\
             |a  |b  |c  |x  |y   |\n\
             +---+---+---+---+----+\n\
             |1  |2  |3  |1  |2   |\n\
             |1  |2  |3  |3  |NULL|\n\
             +---+---+---+---+----+\n"
        );
        assert_eq!(
            shown(&client, abc, call("stack", vec![lit(4), col("a"), col("b"), col("c")])).await,
            "+---+---+---+----+\n\
             |a  |b  |c  |col0|\n\
             +---+---+---+----+\n\
             |1  |2  |3  |1   |\n\
             |1  |2  |3  |2   |\n\
             |1  |2  |3  |3   |\n\
             |1  |2  |3  |NULL|\n\
             +---+---+---+----+\n"
        );
    }

    #[tokio::test]
    async fn generators_outside_a_select_or_with_wrong_aliases_are_refused() {
        let client = LocalClient::new();
        let abc = "(1, 2, 3) AS t(a, b, c)";
        let error = client
            .show(select(sql(&format!("SELECT * FROM VALUES {abc}")), vec![aliases(col("a"), &["x", "y"])]), 20)
            .await
            .unwrap_err();
        assert!(error.contains("MULTI_ALIAS_WITHOUT_GENERATOR"), "{error}");
        let stacked = aliases(call("stack", vec![lit(2), col("a"), col("b"), col("c")]), &["x"]);
        let error =
            client.show(select(sql(&format!("SELECT * FROM VALUES {abc}")), vec![stacked]), 20).await.unwrap_err();
        assert!(error.contains("UDTF_ALIAS_NUMBER_MISMATCH"), "{error}");
        let nested = call("+", vec![call("explode", vec![call("array", vec![lit(1)])]), lit(1)]);
        let error = client.show(select(sql("SELECT 1 AS one"), vec![alias(nested, "n")]), 20).await.unwrap_err();
        assert!(error.contains("UNSUPPORTED_GENERATOR"), "{error}");
    }
}
