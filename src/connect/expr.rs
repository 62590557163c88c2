//! Spark Connect expressions → DataFusion expressions, with Spark's semantics and names.
//!
//! A [`Resolver`] translates the expressions of one relation against its input schema: column
//! references are matched case-insensitively (Spark's default) and, when they carry a plan id
//! (`df.id` in a join), against the columns of the sub-plan with that id. Functions are looked up
//! by Spark's name and built from DataFusion's where the semantics agree; where they differ (null
//! handling of `concat`, Spark's day-of-week, `regexp_replace` replacing every match, …) the
//! translation adds what it takes. [`spark_name`] renders an expression the way Spark names an
//! unaliased column (`(a + 1)`, `count(1)`, `avg(price)`), so `show()` headers match.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::datatypes::{DataType, FieldRef, IntervalMonthDayNano, Schema, TimeUnit};
use datafusion::common::{Column, DFSchema, ScalarValue, TableReference};
use datafusion::execution::FunctionRegistry;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::expr::{AggregateFunction, Case, NullTreatment, ScalarFunction, WindowFunction};
use datafusion::logical_expr::{
    BinaryExpr, Cast, ColumnarValue, Expr, ExprFunctionExt, ExprSchemable, Like, Operator, SortExpr, TryCast,
    WindowFrame, WindowFrameBound, WindowFrameUnits, WindowFunctionDefinition, lit,
};
use spark_connect_proto::Expression;
use spark_connect_proto::expression::{self as pe, ExprType};

use super::error::{ConnectError, ConnectResult};
use super::generate::Generator;
use super::types;

/// The columns each plan id named when its relation was translated: (qualifier, name).
pub(crate) type PlanColumns = HashMap<i64, Vec<(Option<TableReference>, String)>>;

/// Translates expressions against one input schema.
pub(crate) struct Resolver<'a> {
    pub(crate) state: &'a SessionState,
    pub(crate) schema: &'a DFSchema,
    pub(crate) plans: &'a PlanColumns,
    pub(crate) time_zone: &'a str,
    /// The variables of the lambdas being translated, innermost last (`connect::lambdas`).
    pub(crate) variables: &'a [(String, FieldRef)],
}

/// Splits `a.b`, `` `a.b`.c `` into name parts, as Spark's `UnresolvedAttribute.quotedString` does.
pub(crate) fn name_parts(identifier: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut chars = identifier.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' if quoted && chars.peek() == Some(&'`') => {
                chars.next();
                current.push('`');
            }
            '`' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    parts.push(current);
    parts
}

fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

impl Resolver<'_> {
    /// A column of the input by Spark's rules.
    pub(crate) fn column(&self, identifier: &str, plan_id: Option<i64>) -> ConnectResult<Expr> {
        let parts = name_parts(identifier);
        if let Some(variable) = self.lambda_variable(&parts[0]) {
            return Ok(nested(variable, &parts[1..]));
        }
        // `qualifier.column[.field…]` when the first part names a relation of the input.
        if parts.len() >= 2
            && let Some(column) = self.find(Some(&parts[0]), &parts[1], plan_id)?
        {
            return Ok(nested(Expr::Column(column), &parts[2..]));
        }
        match self.find(None, &parts[0], plan_id)? {
            Some(column) => Ok(nested(Expr::Column(column), &parts[1..])),
            None => {
                let names: Vec<String> = self.schema.fields().iter().map(|f| quote(f.name())).collect();
                Err(ConnectError::analysis(format!(
                    "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name {} \
                     cannot be resolved. Did you mean one of the following? [{}].",
                    quote(identifier),
                    names.join(", ")
                )))
            }
        }
    }

    fn find(&self, qualifier: Option<&str>, name: &str, plan_id: Option<i64>) -> ConnectResult<Option<Column>> {
        let candidates: Vec<(Option<&TableReference>, &str)> = self
            .schema
            .iter()
            .filter(|(q, f)| {
                f.name().eq_ignore_ascii_case(name)
                    && qualifier.is_none_or(|wanted| q.is_some_and(|q| q.table().eq_ignore_ascii_case(wanted)))
            })
            .map(|(q, f)| (q, f.name().as_str()))
            .collect();
        let exact: Vec<_> = candidates.iter().filter(|(_, n)| *n == name).cloned().collect();
        let mut candidates = if exact.len() == 1 { exact } else { candidates };
        if candidates.len() > 1
            && let Some(columns) = plan_id.and_then(|id| self.plans.get(&id))
        {
            let of_plan: Vec<_> = candidates
                .iter()
                .filter(|(q, n)| columns.iter().any(|(cq, cn)| cq.as_ref() == *q && cn == n))
                .cloned()
                .collect();
            if !of_plan.is_empty() {
                candidates = of_plan;
            }
        }
        match candidates.as_slice() {
            [] => Ok(None),
            [(q, n)] => Ok(Some(Column::new(q.cloned(), *n))),
            many => {
                let names: Vec<String> = many
                    .iter()
                    .map(|(q, n)| match q {
                        Some(q) => format!("{}.{}", quote(q.table()), quote(n)),
                        None => quote(n),
                    })
                    .collect();
                Err(ConnectError::analysis(format!(
                    "[AMBIGUOUS_REFERENCE] Reference {} is ambiguous, could be: [{}].",
                    quote(name),
                    names.join(", ")
                )))
            }
        }
    }

    /// Every input column, or those of one qualifier (`df.select("a.*")`), or a struct's fields.
    pub(crate) fn star(&self, target: Option<&str>, plan_id: Option<i64>) -> ConnectResult<Vec<Expr>> {
        let of_plan = plan_id.and_then(|id| self.plans.get(&id));
        let Some(target) = target.map(|t| t.trim_end_matches(".*")).filter(|t| !t.is_empty()) else {
            return Ok(self
                .schema
                .iter()
                .filter(|(q, f)| {
                    of_plan.is_none_or(|cols| cols.iter().any(|(cq, cn)| cq.as_ref() == *q && cn == f.name()))
                })
                .map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())))
                .collect());
        };
        let columns: Vec<Expr> = self
            .schema
            .iter()
            .filter(|(q, _)| q.is_some_and(|q| q.table().eq_ignore_ascii_case(target)))
            .map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())))
            .collect();
        if !columns.is_empty() {
            return Ok(columns);
        }
        // `s.*` on a struct column expands its fields.
        let base = self.column(target, plan_id)?;
        match base.get_type(self.schema)? {
            DataType::Struct(fields) => Ok(fields
                .iter()
                .map(|f| nested(base.clone(), std::slice::from_ref(f.name())).alias(f.name()))
                .collect()),
            _ => {
                Err(ConnectError::analysis(format!("cannot resolve {}.* : no such relation or struct", quote(target))))
            }
        }
    }

    /// Translates one expression.
    pub(crate) fn expr(&self, expression: &Expression) -> ConnectResult<Expr> {
        let Some(kind) = &expression.expr_type else { return Err(ConnectError::invalid("an empty expression")) };
        match kind {
            ExprType::Literal(literal) => Ok(Expr::Literal(literal_value(literal, self.time_zone)?, None)),
            ExprType::UnresolvedAttribute(attribute) => self.column(&attribute.unparsed_identifier, attribute.plan_id),
            ExprType::UnresolvedFunction(f) => self.function(&f.function_name, &f.arguments, f.is_distinct),
            ExprType::CallFunction(f) => self.function(&f.function_name, &f.arguments, false),
            ExprType::ExpressionString(text) => super::sql::expression(self.state, &text.expression, self.schema),
            ExprType::UnresolvedStar(star) => {
                let mut columns = self.star(star.unparsed_target.as_deref(), star.plan_id)?;
                if columns.len() == 1 {
                    Ok(columns.remove(0))
                } else {
                    Err(ConnectError::analysis("`*` can only be used in select(), count(*) or a struct"))
                }
            }
            ExprType::Alias(alias) => {
                let inner = self.expr(required(&alias.expr, "alias")?)?;
                match alias.name.as_slice() {
                    [name] => Ok(inner.alias(name)),
                    names => Generator::with_names(inner, names),
                }
            }
            ExprType::Cast(cast) => {
                let inner = self.expr(required(&cast.expr, "cast")?)?;
                let to = match &cast.cast_to_type {
                    Some(pe::cast::CastToType::Type(ty)) => types::arrow_type(ty, self.time_zone)?,
                    Some(pe::cast::CastToType::TypeStr(text)) => types::parse_type(text, self.time_zone)?,
                    None => return Err(ConnectError::invalid("a cast without a target type")),
                };
                Ok(if cast.eval_mode == pe::cast::EvalMode::Try as i32 {
                    Expr::TryCast(TryCast::new(Box::new(inner), to))
                } else {
                    Expr::Cast(Cast::new(Box::new(inner), to))
                })
            }
            ExprType::UnresolvedExtractValue(extract) => {
                let base = self.expr(required(&extract.child, "extract")?)?;
                let key = required(&extract.extraction, "extract")?;
                match &key.expr_type {
                    Some(ExprType::Literal(l)) => match literal_value(l, self.time_zone)? {
                        ScalarValue::Utf8(Some(name)) => Ok(nested(base, &[name])),
                        index if index.data_type().is_integer() => {
                            // Spark's getItem is 0-based, DataFusion's array_element 1-based.
                            let one_based = Expr::Literal(index, None) + lit(1i64);
                            self.call("array_element", vec![base, one_based])
                        }
                        other => Err(ConnectError::analysis(format!("cannot extract a value with key {other}"))),
                    },
                    _ => Err(ConnectError::unsupported("extracting values with a non-literal key")),
                }
            }
            ExprType::Window(window) => self.window(window),
            ExprType::SortOrder(_) => Err(ConnectError::analysis("a sort order is only valid in orderBy()")),
            ExprType::UnresolvedNamedLambdaVariable(variable) => self.named_lambda_variable(variable),
            ExprType::LambdaFunction(_) => {
                Err(ConnectError::analysis("a lambda function is only valid as an argument of a higher-order function"))
            }
            ExprType::CommonInlineUserDefinedFunction(udf) => Err(ConnectError::unsupported(format!(
                "Python user-defined functions ({}); use built-in functions or SQL",
                udf.function_name
            ))),
            ExprType::UnresolvedRegex(_) => Err(ConnectError::unsupported("colRegex")),
            ExprType::UpdateFields(_) => Err(ConnectError::unsupported("withField/dropFields on structs")),
            ExprType::SubqueryExpression(_) => Err(ConnectError::unsupported("DataFrame subquery expressions")),
            _ => Err(ConnectError::unsupported("this kind of expression")),
        }
    }

    /// A sort key with Spark's defaults: NULLS FIRST ascending, NULLS LAST descending.
    pub(crate) fn sort(&self, order: &pe::SortOrder) -> ConnectResult<SortExpr> {
        let child = self.expr(required(&order.child, "sort order")?)?;
        let ascending = order.direction != pe::sort_order::SortDirection::Descending as i32;
        let nulls_first = match order.null_ordering {
            n if n == pe::sort_order::NullOrdering::SortNullsFirst as i32 => true,
            n if n == pe::sort_order::NullOrdering::SortNullsLast as i32 => false,
            _ => ascending,
        };
        Ok(child.sort(ascending, nulls_first))
    }

    fn window(&self, window: &pe::Window) -> ConnectResult<Expr> {
        let function = self.expr(required(&window.window_function, "window")?)?;
        let partition_by = window.partition_spec.iter().map(|e| self.expr(e)).collect::<ConnectResult<Vec<_>>>()?;
        let order_by = window.order_spec.iter().map(|o| self.sort(o)).collect::<ConnectResult<Vec<_>>>()?;
        // Spark's default frames, stated: with ORDER BY, RANGE UNBOUNDED PRECEDING .. CURRENT ROW
        // (ties share a value); without, the whole partition.
        let frame = match &window.frame_spec {
            Some(frame) => self.frame(frame)?,
            None => WindowFrame::new(if order_by.is_empty() { None } else { Some(false) }),
        };
        let (definition, args, distinct) = match function {
            Expr::AggregateFunction(f) => {
                (WindowFunctionDefinition::AggregateUDF(f.func), f.params.args, f.params.distinct)
            }
            Expr::WindowFunction(f) => (f.fun, f.params.args, false),
            other => {
                return Err(ConnectError::analysis(format!(
                    "{other} is not a window or aggregate function and cannot be used with over()"
                )));
            }
        };
        let name = definition.name().to_string();
        let mut builder =
            Expr::from(WindowFunction::new(definition, args)).partition_by(partition_by).order_by(order_by);
        builder = builder.window_frame(frame);
        if distinct {
            builder = builder.distinct();
        }
        let window = builder.build()?;
        // Spark's ranking functions return int; DataFusion's return unsigned 64-bit numbers.
        Ok(if matches!(name.as_str(), "row_number" | "rank" | "dense_rank" | "ntile") {
            cast(window, DataType::Int32)
        } else {
            window
        })
    }

    fn frame(&self, frame: &pe::window::WindowFrame) -> ConnectResult<WindowFrame> {
        use pe::window::window_frame::{FrameType, frame_boundary::Boundary};
        let units =
            if frame.frame_type == FrameType::Row as i32 { WindowFrameUnits::Rows } else { WindowFrameUnits::Range };
        let bound = |b: &Option<Box<pe::window::window_frame::FrameBoundary>>,
                     lower: bool|
         -> ConnectResult<WindowFrameBound> {
            let boundary = b.as_ref().and_then(|b| b.boundary.as_ref());
            Ok(match boundary {
                Some(Boundary::CurrentRow(_)) | None => WindowFrameBound::CurrentRow,
                Some(Boundary::Unbounded(_)) => {
                    if lower {
                        WindowFrameBound::Preceding(ScalarValue::UInt64(None))
                    } else {
                        WindowFrameBound::Following(ScalarValue::UInt64(None))
                    }
                }
                Some(Boundary::Value(value)) => {
                    let offset = match self.expr(value)? {
                        Expr::Literal(v, _) => v,
                        other => {
                            return Err(ConnectError::analysis(format!(
                                "a window frame bound must be a literal, not {other}"
                            )));
                        }
                    };
                    let n = match offset {
                        ScalarValue::Int32(Some(n)) => n as i64,
                        ScalarValue::Int64(Some(n)) => n,
                        other => {
                            return Err(ConnectError::unsupported(format!(
                                "window frame bounds of type {}",
                                other.data_type()
                            )));
                        }
                    };
                    if n == 0 {
                        WindowFrameBound::CurrentRow
                    } else if n < 0 {
                        WindowFrameBound::Preceding(ScalarValue::UInt64(Some(n.unsigned_abs())))
                    } else {
                        WindowFrameBound::Following(ScalarValue::UInt64(Some(n as u64)))
                    }
                }
            })
        };
        Ok(WindowFrame::new_bounds(units, bound(&frame.lower, true)?, bound(&frame.upper, false)?))
    }

    fn args(&self, arguments: &[Expression]) -> ConnectResult<Vec<Expr>> {
        arguments
            .iter()
            .map(|a| match &a.expr_type {
                // count(*) and friends: `*` as an argument counts rows.
                Some(ExprType::UnresolvedStar(star)) if star.unparsed_target.is_none() => Ok(lit(1i64)),
                Some(ExprType::ExpressionString(text)) if text.expression.trim() == "*" => Ok(lit(1i64)),
                _ => self.expr(a),
            })
            .collect()
    }

    /// Calls a DataFusion function by its registered name.
    pub(crate) fn call(&self, name: &str, args: Vec<Expr>) -> ConnectResult<Expr> {
        if let Ok(udf) = self.state.udf(name) {
            return Ok(Expr::ScalarFunction(ScalarFunction::new_udf(udf, args)));
        }
        if let Ok(udaf) = self.state.udaf(name) {
            return Ok(Expr::AggregateFunction(AggregateFunction::new_udf(udaf, args, false, None, vec![], None)));
        }
        if let Ok(udwf) = self.state.udwf(name) {
            return Ok(Expr::from(WindowFunction::new(WindowFunctionDefinition::WindowUDF(udwf), args)));
        }
        Err(ConnectError::analysis(format!("[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}`")))
    }

    fn aggregate(&self, name: &str, args: Vec<Expr>, distinct: bool, filter: Option<Expr>) -> ConnectResult<Expr> {
        let udaf = self
            .state
            .udaf(name)
            .map_err(|_| ConnectError::analysis(format!("[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}`")))?;
        Ok(Expr::AggregateFunction(AggregateFunction::new_udf(
            udaf,
            args,
            distinct,
            filter.map(Box::new),
            vec![],
            None,
        )))
    }

    /// `struct(args)` where every argument is set, else NULL.
    fn all_set(&self, args: Vec<Expr>) -> ConnectResult<Expr> {
        let set = args.iter().map(|a| a.clone().is_not_null()).reduce(Expr::and).unwrap_or_else(|| lit(true));
        let combination = self.call("struct", args)?;
        Ok(Expr::Case(Case::new(None, vec![(Box::new(set), Box::new(combination))], None)))
    }

    /// `expr` computed now when it reads no column, else as it is.
    fn constant(&self, expr: Expr) -> ConnectResult<Expr> {
        if matches!(expr, Expr::Literal(..)) || !expr.column_refs().is_empty() {
            return Ok(expr);
        }
        let physical = self.state.create_physical_expr(expr, &DFSchema::empty())?;
        let one_row = RecordBatch::try_new_with_options(
            Arc::new(Schema::empty()),
            vec![],
            &RecordBatchOptions::new().with_row_count(Some(1)),
        )
        .map_err(datafusion::error::DataFusionError::from)?;
        let value = match physical.evaluate(&one_row)? {
            ColumnarValue::Scalar(value) => value,
            ColumnarValue::Array(array) => ScalarValue::try_from_array(&array, 0)?,
        };
        Ok(Expr::Literal(value, None))
    }

    fn type_of(&self, expr: &Expr) -> ConnectResult<DataType> {
        Ok(expr.get_type(self.schema)?)
    }

    /// Spark's implicit casts of datetime arguments (`ImplicitCastInputTypes`): a string where a
    /// function extracts a field is read as a timestamp, a string or timestamp where it takes a
    /// date is read as a date.
    fn cast_implicitly(&self, function: &str, args: &mut [Expr]) -> ConnectResult<()> {
        const FIELD_OF_STRING: &[&str] = &[
            "year",
            "month",
            "quarter",
            "dayofyear",
            "weekofyear",
            "week",
            "day",
            "dayofmonth",
            "dayofweek",
            "hour",
            "minute",
            "second",
        ];
        const DATE_ARGUMENTS: &[(&str, usize)] = &[
            ("date_add", 1),
            ("dateadd", 1),
            ("date_sub", 1),
            ("add_months", 1),
            ("last_day", 1),
            ("next_day", 1),
            ("monthname", 1),
            ("dayname", 1),
            ("weekday", 1),
            ("datediff", 2),
            ("date_diff", 2),
        ];
        let is_string = |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
        if FIELD_OF_STRING.contains(&function) {
            if let Some(first) = args.first_mut()
                && is_string(&self.type_of(first)?)
            {
                let timestamp = DataType::Timestamp(TimeUnit::Microsecond, Some(self.time_zone.into()));
                *first = cast(first.clone(), timestamp);
            }
        } else if let Some((_, count)) = DATE_ARGUMENTS.iter().find(|(name, _)| *name == function) {
            for arg in args.iter_mut().take(*count) {
                let arg_type = self.type_of(arg)?;
                if is_string(&arg_type) || matches!(arg_type, DataType::Timestamp(..)) {
                    *arg = cast(arg.clone(), DataType::Date32);
                }
            }
        }
        Ok(())
    }

    /// `concat` and `reverse` of arrays: Spark's work on strings and arrays alike.
    fn on_arrays(&self, function: &str, args: &[Expr]) -> ConnectResult<Option<Expr>> {
        let Some(first) = args.first() else { return Ok(None) };
        let first_type = self.type_of(first)?;
        if !matches!(first_type, DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)) {
            return Ok(None);
        }
        Ok(Some(match function {
            "reverse" => self.call("array_reverse", args.to_vec())?,
            "concat" => {
                // NULL when any array is, as Spark's concat.
                let any_null = args.iter().map(|a| a.clone().is_null()).reduce(|a, b| a.or(b));
                let joined = self.call("array_concat", args.to_vec())?;
                let null = Expr::Literal(ScalarValue::try_from(&self.type_of(&joined)?)?, None);
                match any_null {
                    Some(condition) => {
                        Expr::Case(Case::new(None, vec![(Box::new(condition), Box::new(null))], Some(Box::new(joined))))
                    }
                    None => joined,
                }
            }
            _ => return Ok(None),
        }))
    }

    /// Spark's functions by name.
    /// Spark functions of a TIME that datafusion-spark types for timestamps only: `hour`,
    /// `minute` and `second` of a TIME, and `make_timestamp(date, time[, zone])`.
    fn on_times(&self, lower: &str, args: &mut Vec<Expr>) -> ConnectResult<Option<Expr>> {
        let first = match args.first() {
            Some(first) => self.type_of(first)?,
            None => return Ok(None),
        };
        Ok(Some(match lower {
            "hour" | "minute" | "second" if first == crate::functions::TIME && args.len() == 1 => {
                let micros_per_unit: i64 = match lower {
                    "hour" => 3_600_000_000,
                    "minute" => 60_000_000,
                    _ => 1_000_000,
                };
                let micros = self.call("time_to_micros", std::mem::take(args))?;
                cast((micros / lit(micros_per_unit)) % lit(if lower == "hour" { 24i64 } else { 60 }), DataType::Int32)
            }
            "make_timestamp"
            | "make_timestamp_ltz"
            | "make_timestamp_ntz"
            | "try_make_timestamp"
            | "try_make_timestamp_ltz"
            | "try_make_timestamp_ntz"
                if (2..=3).contains(&args.len()) && first == DataType::Date32 =>
            {
                // make_timestamp(date, time[, zone]) is the six-field form of their parts.
                let date = args.remove(0);
                let micros = self.call("time_to_micros", vec![args.remove(0)])?;
                let part = |unit: &str, of: Expr| self.call("date_part", vec![lit(unit), of]);
                let mut fields = vec![
                    part("year", date.clone())?,
                    part("month", date.clone())?,
                    part("day", date)?,
                    micros.clone() / lit(3_600_000_000i64),
                    micros.clone() / lit(60_000_000i64) % lit(60i64),
                    // Whole microseconds over 10^6 as a double round back exactly to the
                    // decimal(16, 6) seconds make_timestamp reads.
                    cast(micros % lit(60_000_000i64), DataType::Float64) / lit(1e6),
                ];
                fields.append(args);
                self.call(lower, fields)?
            }
            _ => return Ok(None),
        }))
    }

    fn function(&self, name: &str, arguments: &[Expression], distinct: bool) -> ConnectResult<Expr> {
        if super::lambdas::has_lambdas(arguments) {
            return self.higher_order(name, arguments);
        }
        let lower = name.to_ascii_lowercase();
        // `*` among the arguments is every column (`hash(*)`, `concat_ws('-', *)`), except in
        // count(*), which counts rows; the column is named after the columns, as in Spark.
        let is_star =
            |a: &Expression| matches!(&a.expr_type, Some(ExprType::UnresolvedStar(s)) if s.unparsed_target.is_none());
        if lower != "count" && arguments.iter().any(is_star) {
            let mut expanded = Vec::new();
            for argument in arguments {
                if !is_star(argument) {
                    expanded.push(argument.clone());
                    continue;
                }
                for (_, field) in self.schema.iter() {
                    expanded.push(Expression {
                        expr_type: Some(ExprType::UnresolvedAttribute(pe::UnresolvedAttribute {
                            unparsed_identifier: format!("`{}`", field.name().replace('`', "``")),
                            ..Default::default()
                        })),
                        ..Default::default()
                    });
                }
            }
            let column = function_name(name, &expanded, distinct);
            return Ok(self.function(name, &expanded, distinct)?.alias(column));
        }
        let mut args = self.args(arguments)?;
        self.cast_implicitly(&lower, &mut args)?;
        if let Some(expr) = self.on_arrays(&lower, &args)? {
            return Ok(expr);
        }
        if let Some(expr) = self.on_times(&lower, &mut args)? {
            return Ok(expr);
        }
        if let Some(generator) = Generator::by_name(&lower) {
            return Ok(generator.call(args));
        }
        if crate::functions::prefers_registered(&lower) {
            if matches!(lower.as_str(), "from_json" | "from_csv") && args.len() > 1 {
                // The schema must be a literal; `schema_of_json(lit(...))` is one once computed.
                args[1] = self.constant(args[1].clone())?;
            }
            // Aggregates keep the DISTINCT of `listagg_distinct` and `count_distinct`-like calls.
            if self.state.udaf(&lower).is_ok() {
                return self.aggregate(&lower, args, distinct, None);
            }
            return self.call(&lower, args);
        }
        let arity = |n: usize| -> ConnectResult<()> {
            if arguments.len() == n {
                Ok(())
            } else {
                Err(ConnectError::analysis(format!(
                    "[WRONG_NUM_ARGS] The `{name}` requires {n} parameters but the actual number is {}.",
                    arguments.len()
                )))
            }
        };
        let binary = |op: Operator, args: &mut Vec<Expr>| -> ConnectResult<Expr> {
            arity(2)?;
            let right = args.pop().unwrap_or_else(|| lit(ScalarValue::Null));
            let left = args.pop().unwrap_or_else(|| lit(ScalarValue::Null));
            Ok(Expr::BinaryExpr(BinaryExpr::new(Box::new(left), op, Box::new(right))))
        };
        let expr = match lower.as_str() {
            "==" | "=" => binary(Operator::Eq, &mut args)?,
            "!=" | "<>" => binary(Operator::NotEq, &mut args)?,
            "<" => binary(Operator::Lt, &mut args)?,
            "<=" => binary(Operator::LtEq, &mut args)?,
            ">" => binary(Operator::Gt, &mut args)?,
            ">=" => binary(Operator::GtEq, &mut args)?,
            "<=>" | "eqnullsafe" => binary(Operator::IsNotDistinctFrom, &mut args)?,
            "and" => binary(Operator::And, &mut args)?,
            "or" => binary(Operator::Or, &mut args)?,
            "+" => binary(Operator::Plus, &mut args)?,
            "-" => binary(Operator::Minus, &mut args)?,
            "*" => binary(Operator::Multiply, &mut args)?,
            // Integer operands become doubles in the session's analyzer (see super::semantics).
            "/" => binary(Operator::Divide, &mut args)?,
            "%" | "mod" => binary(Operator::Modulo, &mut args)?,
            "&" | "bitwiseand" => binary(Operator::BitwiseAnd, &mut args)?,
            "|" | "bitwiseor" => binary(Operator::BitwiseOr, &mut args)?,
            "^" | "bitwisexor" => binary(Operator::BitwiseXor, &mut args)?,
            "~" => {
                arity(1)?;
                self.call("bitwise_not", args)?
            }
            // `df.zipWithIndex()`: consecutive ids from 0 in the frame's order.
            "distributed_sequence_id" => {
                arity(0)?;
                let number = self.call("row_number", vec![])?;
                Expr::Cast(datafusion::logical_expr::Cast::new(Box::new(number), DataType::Int64)) - lit(1i64)
            }
            "pmod" => {
                arity(2)?;
                let (a, b) = (args[0].clone(), args[1].clone());
                ((a % b.clone()) + b.clone()) % b
            }
            "not" | "!" => {
                arity(1)?;
                Expr::Not(Box::new(args.remove(0)))
            }
            // Known when the plan is built: Spark's name of the argument's type.
            "typeof" => {
                arity(1)?;
                lit(types::simple_string(&self.type_of(&args[0])?))
            }
            "negative" | "-u" => {
                arity(1)?;
                Expr::Negative(Box::new(args.remove(0)))
            }
            "positive" => {
                arity(1)?;
                args.remove(0)
            }
            "isnull" => {
                arity(1)?;
                args.remove(0).is_null()
            }
            "isnotnull" => {
                arity(1)?;
                args.remove(0).is_not_null()
            }
            "in" => {
                if args.is_empty() {
                    return Err(ConnectError::analysis("isin needs a column"));
                }
                let value = args.remove(0);
                value.in_list(args, false)
            }
            "like" | "ilike" => {
                if !(2..=3).contains(&args.len()) {
                    arity(2)?;
                }
                let escape = match args.get(2) {
                    Some(Expr::Literal(ScalarValue::Utf8(Some(e)), _)) => e.chars().next(),
                    _ => None,
                };
                let pattern = args.remove(1);
                Expr::Like(Like::new(false, Box::new(args.remove(0)), Box::new(pattern), escape, lower == "ilike"))
            }
            "rlike" | "regexp" | "regexp_like" => {
                arity(2)?;
                self.call("regexp_like", args)?
            }
            "when" => {
                if args.len() < 2 {
                    return Err(ConnectError::analysis("when() needs a condition and a value"));
                }
                let otherwise = if args.len() % 2 == 1 { args.pop().map(Box::new) } else { None };
                let mut pairs = Vec::new();
                let mut iter = args.into_iter();
                while let (Some(condition), Some(value)) = (iter.next(), iter.next()) {
                    pairs.push((Box::new(condition), Box::new(value)));
                }
                Expr::Case(Case::new(None, pairs, otherwise))
            }
            "coalesce" | "nvl" | "ifnull" => self.call("coalesce", args)?,
            "nvl2" => {
                arity(3)?;
                let (a, b, c) = (args[0].clone(), args[1].clone(), args[2].clone());
                Expr::Case(Case::new(None, vec![(Box::new(a.is_not_null()), Box::new(b))], Some(Box::new(c))))
            }
            "nullif" => self.call("nullif", args)?,
            "isnan" => self.call("isnan", args)?,
            "nanvl" => {
                arity(2)?;
                let (a, b) = (args[0].clone(), args[1].clone());
                let is_nan = self.call("isnan", vec![a.clone()])?;
                Expr::Case(Case::new(None, vec![(Box::new(is_nan), Box::new(b))], Some(Box::new(a))))
            }
            // Strings.
            "upper" | "ucase" => self.call("upper", args)?,
            "lower" | "lcase" => self.call("lower", args)?,
            // PySpark sends trim(characters, column) when it is given characters to trim, but
            // btrim(column, characters).
            "btrim" if args.len() == 2 => self.call("btrim", args)?,
            "trim" | "ltrim" | "rtrim" if args.len() == 2 => {
                let function = if lower == "trim" { "btrim" } else { lower.as_str() };
                let characters = args.remove(0);
                self.call(function, vec![args.remove(0), characters])?
            }
            "trim" | "btrim" => self.call("btrim", args)?,
            // Spark's replace(str, search) removes `search`.
            "replace" if args.len() == 2 => {
                args.push(lit(""));
                self.call("replace", args)?
            }
            "ltrim" | "rtrim" | "lpad" | "rpad" | "reverse" | "repeat" | "initcap" | "ascii" | "translate"
            | "replace" | "concat_ws" | "left" | "right" | "md5" | "sha256" | "sha224" | "sha384" | "sha512"
            | "chr" | "to_hex" => self.call(&lower, args)?,
            "substring" | "substr" => self.substring(args)?,
            "length" | "char_length" | "character_length" | "len" => {
                arity(1)?;
                cast(self.call("character_length", args)?, DataType::Int32)
            }
            "concat" => {
                // Spark's concat is NULL when any input is; DataFusion's skips NULLs.
                let any_null = args.iter().map(|a| a.clone().is_null()).reduce(|a, b| a.or(b));
                let joined = self.call("concat", args)?;
                match any_null {
                    Some(condition) => Expr::Case(Case::new(
                        None,
                        vec![(Box::new(condition), Box::new(lit(ScalarValue::Utf8(None))))],
                        Some(Box::new(joined)),
                    )),
                    None => joined,
                }
            }
            "instr" => {
                arity(2)?;
                cast(self.call("strpos", args)?, DataType::Int32)
            }
            // locate (crate::functions::strings) by its other name.
            "position" => self.call("locate", args)?,
            "startswith" => self.call("starts_with", args)?,
            "endswith" => self.call("ends_with", args)?,
            "contains" => self.call("contains", args)?,
            "regexp_replace" => {
                if args.len() != 3 {
                    return Err(ConnectError::unsupported("regexp_replace() with a position argument"));
                }
                // Spark replaces every match.
                args.push(lit("g"));
                self.call("regexp_replace", args)?
            }
            // Math.
            "abs" | "sqrt" | "exp" | "ln" | "log10" | "log2" | "sin" | "cos" | "tan" | "asin" | "acos" | "atan"
            | "atan2" | "sinh" | "cosh" | "tanh" | "degrees" | "radians" | "cbrt" | "greatest" | "least" | "pi"
            | "gcd" | "lcm" | "random" => self.call(&lower, args)?,
            // Spark's factorial takes an int (ImplicitCastInputTypes): a bigint column is cast.
            "factorial" => {
                arity(1)?;
                self.call("factorial", vec![cast(args.remove(0), DataType::Int32)])?
            }
            "pow" | "power" => {
                arity(2)?;
                let args = args.into_iter().map(|a| cast(a, DataType::Float64)).collect();
                self.call("power", args)?
            }
            "log" => match args.len() {
                1 => self.call("ln", args)?,
                _ => self.call("log", args)?,
            },
            "signum" | "sign" => self.call("signum", args)?,
            "rand" => self.call("random", vec![])?,
            "round" | "bround" => {
                let digits = match args.get(1) {
                    None => 0,
                    Some(Expr::Literal(v, _)) => match v.cast_to(&DataType::Int64)? {
                        ScalarValue::Int64(Some(n)) => n,
                        _ => return Err(ConnectError::analysis(format!("{name}() needs an integer scale"))),
                    },
                    Some(_) => return Err(ConnectError::analysis(format!("{name}() needs a literal scale"))),
                };
                let value = args.remove(0);
                self.spark_round(value, digits, lower == "bround")?
            }
            "floor" | "ceil" | "ceiling" => {
                arity(1)?;
                let value_type = self.type_of(&args[0])?;
                let function = if lower == "floor" { "floor" } else { "ceil" };
                let result = self.call(function, args)?;
                // Spark: floor/ceil of a double or integer is a bigint.
                if value_type.is_floating() || value_type.is_integer() { cast(result, DataType::Int64) } else { result }
            }
            // Dates and times.
            "current_date" | "curdate" => self.call("current_date", vec![])?,
            "current_timestamp" | "now" => self.call("now", vec![])?,
            // datafusion-spark's make_interval answers NULL on overflow already.
            "try_make_interval" => self.call("make_interval", args)?,
            "current_timezone" => {
                arity(0)?;
                lit(self.time_zone)
            }
            "year" | "month" | "quarter" | "hour" | "minute" | "dayofyear" | "weekofyear" | "week" => {
                arity(1)?;
                let part = match lower.as_str() {
                    "dayofyear" => "doy",
                    "weekofyear" => "week",
                    other => other,
                };
                cast(self.call("date_part", vec![lit(part), args.remove(0)])?, DataType::Int32)
            }
            "second" => {
                arity(1)?;
                cast(
                    self.call("floor", vec![self.call("date_part", vec![lit("second"), args.remove(0)])?])?,
                    DataType::Int32,
                )
            }
            "extract" | "date_part" | "datepart" => {
                arity(2)?;
                let Expr::Literal(ScalarValue::Utf8(Some(field)), _) = &args[0] else {
                    return Err(ConnectError::analysis(format!("{name}() needs a literal field name")));
                };
                let part = extract_field(field).ok_or_else(|| {
                    ConnectError::analysis(format!(
                        "[INVALID_EXTRACT_FIELD] Cannot extract {field} from {}.",
                        spark_name(&arguments[1])
                    ))
                })?;
                let source = args.remove(1);
                if part == "second" {
                    // Spark's SECOND keeps the fraction: decimal(8, 6).
                    let micros = cast(self.call("date_part", vec![lit("microsecond"), source])?, DataType::Float64);
                    cast(micros / lit(1e6), DataType::Decimal128(8, 6))
                } else {
                    self.call("date_part", vec![lit(part), source])?
                }
            }
            "dayofmonth" | "day" => {
                arity(1)?;
                cast(self.call("date_part", vec![lit("day"), args.remove(0)])?, DataType::Int32)
            }
            // date_part is datafusion-spark's: its `dow` is Spark's 1 = Sunday … 7 = Saturday.
            "dayofweek" => {
                arity(1)?;
                cast(self.call("date_part", vec![lit("dow"), args.remove(0)])?, DataType::Int32)
            }
            "weekday" => {
                // Spark: 0 = Monday … 6 = Sunday; ISO's day of week is 1 = Monday.
                arity(1)?;
                cast(self.call("date_part", vec![lit("dow_iso"), args.remove(0)])?, DataType::Int32) - lit(1i32)
            }
            "date_add" | "dateadd" | "date_sub" => {
                arity(2)?;
                let days = cast(args.remove(1), DataType::Int32);
                let start = cast(cast(args.remove(0), DataType::Date32), DataType::Int32);
                let shifted = if lower == "date_sub" { start - days } else { start + days };
                cast(shifted, DataType::Date32)
            }
            "datediff" | "date_diff" => {
                arity(2)?;
                let start = cast(cast(args.remove(1), DataType::Date32), DataType::Int32);
                let end = cast(cast(args.remove(0), DataType::Date32), DataType::Int32);
                end - start
            }
            "add_months" => {
                arity(2)?;
                let Expr::Literal(months, _) = &args[1] else {
                    return Err(ConnectError::unsupported("add_months() with a non-literal number of months"));
                };
                let ScalarValue::Int32(Some(months)) = months.cast_to(&DataType::Int32)? else {
                    return Err(ConnectError::analysis("add_months() needs an integer"));
                };
                let interval = ScalarValue::IntervalMonthDayNano(Some(IntervalMonthDayNano::new(months, 0, 0)));
                cast(cast(args.remove(0), DataType::Date32) + lit(interval), DataType::Date32)
            }
            "date_trunc" => {
                arity(2)?;
                let unit = lowercase_unit(args.remove(0));
                let ts = cast(args.remove(0), DataType::Timestamp(TimeUnit::Microsecond, Some(self.time_zone.into())));
                self.call("date_trunc", vec![unit, ts])?
            }
            "trunc" => {
                arity(2)?;
                let unit = lowercase_unit(args.remove(1));
                cast(self.call("date_trunc", vec![unit, cast(args.remove(0), DataType::Date32)])?, DataType::Date32)
            }
            "last_day" => {
                arity(1)?;
                let month = self.call("date_trunc", vec![lit("month"), cast(args.remove(0), DataType::Date32)])?;
                let next = month + lit(ScalarValue::IntervalMonthDayNano(Some(IntervalMonthDayNano::new(1, 0, 0))));
                cast(cast(cast(next, DataType::Date32), DataType::Int32) - lit(1i32), DataType::Date32)
            }
            // Arrays and structs.
            "array" => self.call("make_array", args)?,
            // Spark's cardinality is its size (collections.rs).
            "cardinality" => self.call("size", args)?,
            // create_map(k1, v1, k2, v2, ...) is a map from a key array and a value array
            // (datafusion-spark's map_from_arrays, which follows spark.sql.mapKeyDedupPolicy).
            "map" | "create_map" => {
                if args.len() % 2 != 0 {
                    return Err(ConnectError::analysis(format!(
                        "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `map` requires 2n (n > 0) parameters but the actual \
                         number is {}.",
                        args.len()
                    )));
                }
                let (keys, values): (Vec<_>, Vec<_>) = args.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
                let keys = self.call("make_array", keys.into_iter().map(|(_, e)| e).collect())?;
                let values = self.call("make_array", values.into_iter().map(|(_, e)| e).collect())?;
                self.call("map_from_arrays", vec![keys, values])?
            }
            "array_contains" => self.call("array_has", args)?,
            "element_at" => self.call("array_element", args)?,
            "array_distinct" | "array_union" | "array_intersect" | "array_except" | "array_position"
            | "array_remove" | "flatten" | "arrays_zip" | "array_max" | "array_min" => self.call(&lower, args)?,
            "array_join" => self.call("array_to_string", args)?,
            "struct" | "named_struct" => self.call(&lower, args)?,
            "hash" | "xxhash64" | "crc32" | "sha1" | "sha2" | "base64" | "unbase64" => {
                return Err(ConnectError::unsupported(format!("the function {name}()")));
            }
            // Aggregates.
            "count" | "count_distinct" | "countdistinct" => {
                if args.is_empty() {
                    arity(1)?;
                }
                // Spark counts the rows where every argument is set (the distinct combinations of
                // them, with DISTINCT): as one struct that is NULL unless every field is set.
                let counted = if args.len() == 1 { args.remove(0) } else { self.all_set(args)? };
                self.aggregate("count", vec![counted], distinct || lower != "count", None)?
            }
            "sum" | "min" | "max" | "avg" | "bool_and" | "bool_or" | "corr" | "covar_samp" | "covar_pop"
            | "var_pop" | "stddev_pop" | "approx_distinct" => self.aggregate(&lower, args, distinct, None)?,
            "mean" => self.aggregate("avg", args, distinct, None)?,
            "sum_distinct" | "sumdistinct" => self.aggregate("sum", args, true, None)?,
            "stddev" | "stddev_samp" => self.aggregate("stddev", args, distinct, None)?,
            "var_samp" => self.aggregate("var_samp", args, distinct, None)?,
            "collect_list" | "collect_set" | "array_agg" => {
                // Spark leaves NULLs out of collected lists.
                arity(1)?;
                let value = args[0].clone();
                self.aggregate("array_agg", args, distinct || lower == "collect_set", Some(value.is_not_null()))?
            }
            "first_value" | "last_value" => {
                let ignore_nulls = matches!(args.get(1), Some(Expr::Literal(ScalarValue::Boolean(Some(true)), _)));
                args.truncate(1);
                let filter = if ignore_nulls { Some(args[0].clone().is_not_null()) } else { None };
                self.aggregate(&lower, args, false, filter)?
            }
            // Window functions.
            "nth_value" if args.len() == 3 => {
                // PySpark sends nth_value(col, n, ignoreNulls).
                let ignore_nulls = matches!(args.pop(), Some(Expr::Literal(ScalarValue::Boolean(Some(true)), _)));
                let mut expr = self.call("nth_value", args)?;
                if let Expr::WindowFunction(window) = &mut expr {
                    window.params.null_treatment = ignore_nulls.then_some(NullTreatment::IgnoreNulls);
                }
                expr
            }
            "row_number" | "rank" | "dense_rank" | "percent_rank" | "cume_dist" | "ntile" | "nth_value" | "lag"
            | "lead" => self.call(&lower, args)?,
            other => {
                // Anything else DataFusion knows under the same name (e.g. `abs`, `md5`), else a clear error.
                match self.call(other, args) {
                    Ok(expr) => expr,
                    Err(_) => {
                        return Err(ConnectError::analysis(format!(
                            "[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}`: minispark does not know this function"
                        )));
                    }
                }
            }
        };
        Ok(expr)
    }
}

impl Resolver<'_> {
    /// Spark's `substring`: 1-based, 0 counts as 1, a negative position counts from the end.
    fn substring(&self, mut args: Vec<Expr>) -> ConnectResult<Expr> {
        if !(2..=3).contains(&args.len()) {
            return Err(ConnectError::analysis("substring() takes a string, a position and an optional length"));
        }
        let positive = matches!(&args[1], Expr::Literal(v, _) if v.cast_to(&DataType::Int64).is_ok_and(|v| matches!(v, ScalarValue::Int64(Some(n)) if n > 0)));
        if positive {
            return self.call("substr", args);
        }
        let length = if args.len() == 3 { Some(cast(args.remove(2), DataType::Int64)) } else { None };
        let position = cast(args.remove(1), DataType::Int64);
        let text = args.remove(0);
        let chars = cast(self.call("character_length", vec![text.clone()])?, DataType::Int64);
        let start = Expr::Case(Case::new(
            None,
            vec![
                (Box::new(position.clone().gt(lit(0i64))), Box::new(position.clone() - lit(1i64))),
                (Box::new(position.clone().lt(lit(0i64))), Box::new(chars + position)),
            ],
            Some(Box::new(lit(0i64))),
        ));
        let from = self.call("greatest", vec![start.clone(), lit(0i64)])?;
        match length {
            None => self.call("substr", vec![text, from + lit(1i64)]),
            Some(length) => {
                let count = self.call("greatest", vec![start + length - from.clone(), lit(0i64)])?;
                self.call("substr", vec![text, from + lit(1i64), count])
            }
        }
    }

    /// Spark rounds a double as the decimal it prints as (`round(1.005, 2)` is 1.01): HALF_UP,
    /// or HALF_EVEN for `bround`. The value is scaled exactly through a decimal, then rounded.
    fn spark_round(&self, value: Expr, digits: i64, half_even: bool) -> ConnectResult<Expr> {
        let value_type = self.type_of(&value)?;
        if value_type.is_integer() && digits >= 0 {
            return Ok(value);
        }
        let plain = || -> ConnectResult<Expr> {
            let rounded = self.call("round", vec![value.clone(), lit(digits)])?;
            Ok(if value_type.is_integer() { cast(rounded, value_type.clone()) } else { rounded })
        };
        if !(0..=6).contains(&digits) || (!half_even && !value_type.is_floating()) {
            return plain();
        }
        let exact = Expr::TryCast(TryCast::new(
            Box::new(Expr::TryCast(TryCast::new(Box::new(value.clone()), DataType::Utf8))),
            DataType::Decimal128(30, 12),
        ));
        let factor = 10i128.pow(digits as u32);
        let scaled = cast(exact * lit(ScalarValue::Decimal128(Some(factor), 7, 0)), DataType::Float64);
        let whole = self.call("floor", vec![scaled.clone()])?;
        let rounded = if half_even {
            let is_half = (scaled.clone() - whole.clone()).eq(lit(0.5f64));
            let even = (whole.clone() % lit(2.0f64)).eq(lit(0.0f64));
            let up = whole.clone() + lit(1.0f64);
            let tie = Expr::Case(Case::new(None, vec![(Box::new(even), Box::new(whole))], Some(Box::new(up))));
            Expr::Case(Case::new(
                None,
                vec![(Box::new(is_half), Box::new(tie))],
                Some(Box::new(self.call("round", vec![scaled])?)),
            ))
        } else {
            self.call("round", vec![scaled])?
        };
        let result = rounded / lit(factor as f64);
        // Values no decimal can hold (huge, NaN, infinite) round as doubles.
        let result = self.call("coalesce", vec![result, plain()?])?;
        Ok(cast(result, value_type))
    }
}

fn required<'e>(value: &'e Option<Box<Expression>>, context: &str) -> ConnectResult<&'e Expression> {
    value.as_deref().ok_or_else(|| ConnectError::invalid(format!("{context} without its expression")))
}

/// Spark accepts `'MONTH'` or `'mm'`; DataFusion wants `month`.
fn lowercase_unit(unit: Expr) -> Expr {
    match unit {
        Expr::Literal(ScalarValue::Utf8(Some(text)), _) => {
            let lower = text.to_ascii_lowercase();
            let unit = match lower.as_str() {
                "yyyy" | "yy" | "year" => "year",
                "mm" | "mon" | "month" => "month",
                "dd" | "day" => "day",
                "hh" | "hour" => "hour",
                "mi" | "minute" => "minute",
                "ss" | "second" => "second",
                "week" => "week",
                "quarter" => "quarter",
                other => return lit(other.to_string()),
            };
            lit(unit)
        }
        other => other,
    }
}

/// The `date_part` field Spark's `extract` means by `field` (`DatePart.parseExtractField`).
fn extract_field(field: &str) -> Option<&'static str> {
    Some(match field.to_ascii_uppercase().as_str() {
        "YEAR" | "Y" | "YEARS" | "YR" | "YRS" => "year",
        "YEAROFWEEK" => "isoyear",
        "QUARTER" | "QTR" => "quarter",
        "MONTH" | "MON" | "MONS" | "MONTHS" => "month",
        "WEEK" | "W" | "WEEKS" => "week",
        "DAY" | "D" | "DAYS" => "day",
        "DAYOFWEEK" | "DOW" => "dayofweek",
        "DAYOFWEEK_ISO" | "DOW_ISO" => "dow_iso",
        "DOY" => "doy",
        "HOUR" | "H" | "HOURS" | "HR" | "HRS" => "hour",
        "MINUTE" | "M" | "MIN" | "MINS" | "MINUTES" => "minute",
        "SECOND" | "S" | "SEC" | "SECONDS" | "SECS" => "second",
        _ => return None,
    })
}

fn cast(expr: Expr, to: DataType) -> Expr {
    Expr::Cast(Cast::new(Box::new(expr), to))
}

/// `base.a.b` for struct fields.
fn nested(base: Expr, fields: &[String]) -> Expr {
    fields.iter().fold(base, |expr, field| datafusion::functions::core::expr_fn::get_field(expr, field.as_str()))
}

/// A literal's value.
pub(crate) fn literal_value(literal: &pe::Literal, time_zone: &str) -> ConnectResult<ScalarValue> {
    use pe::literal::LiteralType as L;
    let Some(value) = &literal.literal_type else { return Ok(ScalarValue::Null) };
    Ok(match value {
        L::Null(ty) => ScalarValue::try_from(&types::arrow_type(ty, time_zone)?)?,
        L::Binary(b) => ScalarValue::Binary(Some(b.to_vec())),
        L::Boolean(b) => ScalarValue::Boolean(Some(*b)),
        L::Byte(v) => ScalarValue::Int8(Some(*v as i8)),
        L::Short(v) => ScalarValue::Int16(Some(*v as i16)),
        L::Integer(v) => ScalarValue::Int32(Some(*v)),
        L::Long(v) => ScalarValue::Int64(Some(*v)),
        L::Float(v) => ScalarValue::Float32(Some(*v)),
        L::Double(v) => ScalarValue::Float64(Some(*v)),
        L::Decimal(d) => decimal_value(&d.value, d.precision, d.scale)?,
        L::String(s) => ScalarValue::Utf8(Some(s.clone())),
        L::Date(days) => ScalarValue::Date32(Some(*days)),
        L::Timestamp(micros) => ScalarValue::TimestampMicrosecond(Some(*micros), Some(time_zone.into())),
        L::TimestampNtz(micros) => ScalarValue::TimestampMicrosecond(Some(*micros), None),
        L::CalendarInterval(i) => {
            ScalarValue::IntervalMonthDayNano(Some(IntervalMonthDayNano::new(i.months, i.days, i.microseconds * 1000)))
        }
        L::YearMonthInterval(months) => ScalarValue::IntervalYearMonth(Some(*months)),
        L::DayTimeInterval(micros) => ScalarValue::DurationMicrosecond(Some(*micros)),
        // Spark's TIME keeps microseconds.
        L::Time(time) => ScalarValue::Time64Nanosecond(Some(time.nano / 1_000 * 1_000)),
        L::Array(array) => {
            let values =
                array.elements.iter().map(|e| literal_value(e, time_zone)).collect::<ConnectResult<Vec<_>>>()?;
            let element_type = match (&literal.data_type, values.first()) {
                (Some(ty), _) => match types::arrow_type(ty, time_zone)? {
                    DataType::List(field) => field.data_type().clone(),
                    other => other,
                },
                (None, Some(first)) => first.data_type(),
                #[allow(deprecated)]
                (None, None) => match &array.element_type {
                    Some(ty) => types::arrow_type(ty, time_zone)?,
                    None => DataType::Null,
                },
            };
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &element_type))
        }
        L::SpecializedArray(array) => {
            use pe::literal::specialized_array::ValueType as V;
            let values: Vec<ScalarValue> = match &array.value_type {
                Some(V::Bools(v)) => v.values.iter().map(|b| ScalarValue::Boolean(Some(*b))).collect(),
                Some(V::Ints(v)) => v.values.iter().map(|b| ScalarValue::Int32(Some(*b))).collect(),
                Some(V::Longs(v)) => v.values.iter().map(|b| ScalarValue::Int64(Some(*b))).collect(),
                Some(V::Floats(v)) => v.values.iter().map(|b| ScalarValue::Float32(Some(*b))).collect(),
                Some(V::Doubles(v)) => v.values.iter().map(|b| ScalarValue::Float64(Some(*b))).collect(),
                Some(V::Strings(v)) => v.values.iter().map(|b| ScalarValue::Utf8(Some(b.clone()))).collect(),
                None => vec![],
            };
            let element_type = values.first().map(|v| v.data_type()).unwrap_or(DataType::Null);
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &element_type))
        }
        L::Map(_) => return Err(ConnectError::unsupported("map literals")),
        L::Struct(_) => return Err(ConnectError::unsupported("struct literals")),
        _ => return Err(ConnectError::unsupported("this kind of literal (time or nanosecond timestamps)")),
    })
}

fn decimal_value(text: &str, precision: Option<i32>, scale: Option<i32>) -> ConnectResult<ScalarValue> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let scale = scale.unwrap_or(fraction.len() as i32).max(0) as usize;
    let mut fraction = fraction.to_string();
    fraction.truncate(scale);
    while fraction.len() < scale {
        fraction.push('0');
    }
    let all = format!("{whole}{fraction}");
    let unscaled: i128 = all
        .trim_start_matches('0')
        .parse()
        .or_else(|_| if all.chars().all(|c| c == '0') { Ok(0) } else { Err(()) })
        .map_err(|_| ConnectError::parse(format!("invalid decimal literal {text:?}")))?;
    let precision = precision.unwrap_or((whole.trim_start_matches('0').len() + scale).max(1) as i32).clamp(1, 38);
    let value = if negative { -unscaled } else { unscaled };
    Ok(ScalarValue::Decimal128(Some(value), precision as u8, scale as i8))
}

/// How Spark prints a literal inside a generated column name.
fn literal_name(literal: &pe::Literal) -> String {
    use pe::literal::LiteralType as L;
    match &literal.literal_type {
        None | Some(L::Null(_)) => "NULL".into(),
        Some(L::Boolean(b)) => b.to_string(),
        Some(L::Byte(v)) | Some(L::Short(v)) | Some(L::Integer(v)) => v.to_string(),
        Some(L::Long(v)) => v.to_string(),
        Some(L::Float(v)) => super::show::java_double(*v as f64),
        Some(L::Double(v)) => super::show::java_double(*v),
        Some(L::Decimal(d)) => d.value.clone(),
        Some(L::String(s)) => s.clone(),
        Some(L::Binary(bytes)) => format!("X'{}'", hex_simd::encode_to_string(bytes, hex_simd::AsciiCase::Upper)),
        Some(L::Date(days)) => {
            let date = chrono::DateTime::from_timestamp(*days as i64 * 86_400, 0).map(|d| d.date_naive().to_string());
            format!("DATE '{}'", date.unwrap_or_default())
        }
        Some(L::Array(a)) => {
            let items: Vec<String> = a.elements.iter().map(literal_name).collect();
            format!("array({})", items.join(", "))
        }
        Some(other) => format!("{other:?}"),
    }
}

const INFIX: [(&str, &str); 17] = [
    ("==", "="),
    ("<=>", "<=>"),
    ("<", "<"),
    ("<=", "<="),
    (">", ">"),
    (">=", ">="),
    ("and", "AND"),
    ("or", "OR"),
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("/", "/"),
    ("%", "%"),
    ("&", "&"),
    ("|", "|"),
    ("^", "^"),
    ("!=", "!="),
];

/// The name Spark gives an unaliased expression's column.
pub(crate) fn spark_name(expression: &Expression) -> String {
    let Some(kind) = &expression.expr_type else { return String::new() };
    match kind {
        ExprType::Literal(literal) => literal_name(literal),
        ExprType::UnresolvedAttribute(a) => name_parts(&a.unparsed_identifier).pop().unwrap_or_default(),
        ExprType::Alias(a) => a.name.first().cloned().unwrap_or_default(),
        ExprType::ExpressionString(s) => {
            super::sql::expression_name(&s.expression).unwrap_or_else(|| s.expression.clone())
        }
        ExprType::UnresolvedStar(s) => s.unparsed_target.clone().unwrap_or_else(|| "*".into()),
        ExprType::Cast(c) => {
            let inner = c.expr.as_deref().map(spark_name).unwrap_or_default();
            // Spark names Column.try_cast after what it casts (PySpark 4.3's try_cast docstring).
            if c.eval_mode == pe::cast::EvalMode::Try as i32 {
                return inner;
            }
            let ty = match &c.cast_to_type {
                Some(pe::cast::CastToType::TypeStr(s)) => types::parse_type(s, "UTC")
                    .map(|t| types::simple_string(&t).to_uppercase())
                    .unwrap_or_else(|_| s.to_uppercase()),
                Some(pe::cast::CastToType::Type(t)) => {
                    types::arrow_type(t, "UTC").map(|t| types::simple_string(&t).to_uppercase()).unwrap_or_default()
                }
                None => String::new(),
            };
            format!("CAST({inner} AS {ty})")
        }
        ExprType::SortOrder(o) => {
            let child = o.child.as_deref().map(spark_name).unwrap_or_default();
            let descending = o.direction == pe::sort_order::SortDirection::Descending as i32;
            format!("{child} {}", if descending { "DESC NULLS LAST" } else { "ASC NULLS FIRST" })
        }
        ExprType::UnresolvedExtractValue(e) => {
            let child = e.child.as_deref().map(spark_name).unwrap_or_default();
            let key = e.extraction.as_deref().map(spark_name).unwrap_or_default();
            format!("{child}[{key}]")
        }
        ExprType::Window(w) => {
            let function = w.window_function.as_deref().map(spark_name).unwrap_or_default();
            let mut spec = Vec::new();
            if !w.partition_spec.is_empty() {
                let parts: Vec<String> = w.partition_spec.iter().map(spark_name).collect();
                spec.push(format!("PARTITION BY {}", parts.join(", ")));
            }
            if !w.order_spec.is_empty() {
                let parts: Vec<String> = w
                    .order_spec
                    .iter()
                    .map(|o| {
                        spark_name(&Expression {
                            expr_type: Some(ExprType::SortOrder(Box::new(o.clone()))),
                            ..Default::default()
                        })
                    })
                    .collect();
                spec.push(format!("ORDER BY {}", parts.join(", ")));
            }
            format!("{function} OVER ({})", spec.join(" "))
        }
        ExprType::UnresolvedFunction(f) => function_name(&f.function_name, &f.arguments, f.is_distinct),
        ExprType::CallFunction(f) => function_name(&f.function_name, &f.arguments, false),
        ExprType::LambdaFunction(l) => {
            let body = l.function.as_deref().map(spark_name).unwrap_or_default();
            let variables = vec![LAMBDA_VARIABLE_NAME; l.arguments.len()];
            format!("lambdafunction({body}, {})", variables.join(", "))
        }
        ExprType::UnresolvedNamedLambdaVariable(_) => LAMBDA_VARIABLE_NAME.into(),
        _ => "expr".into(),
    }
}

/// Functions whose generated column names Spark writes in upper case (its math expressions carry
/// their SQL name that way: `ACOS(x)`, `POWER(x, y)`, `LOG(2.0, x)`), checked against Spark 4.3.
const UPPER_CASE_NAMES: &[&str] = &[
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "atan2", "cbrt", "ceil", "cos", "cosh", "cot", "csc", "sec",
    "degrees", "e", "exp", "expm1", "floor", "hypot", "log", "log10", "log1p", "log2", "pi", "power", "radians",
    "regexp", "signum", "sin", "sinh", "sqrt", "tan", "tanh",
];

/// How Spark names every lambda variable in a generated column name.
const LAMBDA_VARIABLE_NAME: &str = "namedlambdavariable()";

fn function_name(name: &str, arguments: &[Expression], distinct: bool) -> String {
    let mut args: Vec<String> = arguments
        .iter()
        .map(|a| match &a.expr_type {
            Some(ExprType::UnresolvedStar(s)) if s.unparsed_target.is_none() && name == "count" => "1".into(),
            Some(ExprType::ExpressionString(s)) if s.expression.trim() == "*" && name == "count" => "1".into(),
            _ => spark_name(a),
        })
        .collect();
    let lower = name.to_ascii_lowercase();
    if matches!(lower.as_str(), "aggregate" | "reduce") && args.len() == 3 {
        // Spark names the identity finish it adds when there is none.
        args.push(format!("lambdafunction({LAMBDA_VARIABLE_NAME}, {LAMBDA_VARIABLE_NAME})"));
    }
    args.extend(crate::functions::implied_arguments(&lower, args.len()).iter().map(|a| a.to_string()));
    if let Some((_, op)) = INFIX.iter().find(|(n, _)| *n == lower)
        && args.len() == 2
    {
        return format!("({} {op} {})", args[0], args[1]);
    }
    match (lower.as_str(), args.as_slice()) {
        ("not", [a]) => match arguments[0].expr_type.as_ref() {
            Some(ExprType::UnresolvedFunction(f)) if f.function_name == "==" && args.len() == 1 => {
                let inner: Vec<String> = f.arguments.iter().map(spark_name).collect();
                format!(
                    "(NOT ({} = {}))",
                    inner.first().cloned().unwrap_or_default(),
                    inner.get(1).cloned().unwrap_or_default()
                )
            }
            _ => format!("(NOT {a})"),
        },
        ("isnull", [a]) => format!("({a} IS NULL)"),
        ("isnotnull", [a]) => format!("({a} IS NOT NULL)"),
        ("in", [first, rest @ ..]) => format!("({first} IN ({}))", rest.join(", ")),
        ("like", [a, b]) => format!("{a} LIKE {b}"),
        ("ilike", [a, b]) => format!("ilike({a}, {b})"),
        ("rlike", [a, b]) => format!("RLIKE({a}, {b})"),
        ("when", _) => {
            let mut text = String::from("CASE");
            let mut iter = args.chunks(2);
            for pair in iter.by_ref() {
                match pair {
                    [condition, value] => text.push_str(&format!(" WHEN {condition} THEN {value}")),
                    [otherwise] => text.push_str(&format!(" ELSE {otherwise}")),
                    _ => {}
                }
            }
            text.push_str(" END");
            text
        }
        ("count_distinct", _) => format!("count(DISTINCT {})", args.join(", ")),
        // Spark leaves the ignorenulls flag, approx_count_distinct's rsd and mode's
        // deterministic flag out of the name; a deterministic mode is named as the ordered-set
        // aggregate Spark rewrites it to.
        ("first" | "last" | "first_value" | "last_value" | "any_value" | "approx_count_distinct", [a, ..]) => {
            format!("{lower}({a})")
        }
        ("mode", [a, deterministic]) if deterministic == "true" => format!("mode() WITHIN GROUP (ORDER BY {a} DESC)"),
        ("mode", [a, ..]) => format!("mode({a})"),
        ("listagg" | "string_agg", [a]) => {
            format!("{lower}({}{a}, NULL)", if distinct { "DISTINCT " } else { "" })
        }
        ("mean", _) => format!("avg({})", args.join(", ")),
        ("~", [a]) => format!("~{a}"),
        // Spark names these after the function they stand for.
        ("current_database", []) => "current_schema()".into(),
        ("dateadd", _) => format!("date_add({})", args.join(", ")),
        ("to_unix_timestamp", [a]) => format!("{lower}({a}, yyyy-MM-dd HH:mm:ss)"),
        ("negative", [a]) => format!("negative({a})"),
        ("positive", [a]) => format!("(+ {a})"),
        ("log", [a]) => format!("ln({a})"),
        ("round" | "bround", [a]) => format!("{lower}({a}, 0)"),
        ("trim", [characters, a]) => format!("TRIM(BOTH {characters} FROM {a})"),
        ("ltrim", [characters, a]) => format!("TRIM(LEADING {characters} FROM {a})"),
        ("rtrim", [characters, a]) => format!("TRIM(TRAILING {characters} FROM {a})"),
        ("ceil" | "floor", [_, _]) => format!("{lower}({})", args.join(", ")),
        // Spark names the defaults of these optional arguments.
        ("substr" | "substring", [a, b]) => format!("{lower}({a}, {b}, 2147483647)"),
        ("regexp_extract_all", [a, b]) => format!("{lower}({a}, {b}, 1)"),
        ("regexp_instr", [a, b]) => format!("{lower}({a}, {b}, 0)"),
        ("overlay", [a, b, c]) => format!("{lower}({a}, {b}, {c}, -1)"),
        ("regexp_like", _) => format!("REGEXP_LIKE({})", args.join(", ")),
        ("regexp_replace", [a, b, c]) => format!("{lower}({a}, {b}, {c}, 1)"),
        ("position", [a, b]) => format!("{lower}({a}, {b}, 1)"),
        ("pow", _) => format!("POWER({})", args.join(", ")),
        // Spark names these after their input alone, without the schema or options.
        ("from_json" | "from_csv" | "to_json" | "to_csv" | "schema_of_json" | "schema_of_csv", [input, ..]) => {
            format!("{lower}({input})")
        }
        _ if UPPER_CASE_NAMES.contains(&lower.as_str()) => format!("{}({})", lower.to_uppercase(), args.join(", ")),
        _ if distinct => format!("{lower}(DISTINCT {})", args.join(", ")),
        _ => format!("{lower}({})", args.join(", ")),
    }
}

/// Wraps `expr` so its column is named as Spark would name `source`, unless it is a plain column
/// reference or already aliased.
pub(crate) fn named(expr: Expr, source: &Expression) -> Expr {
    match (&expr, &source.expr_type) {
        (Expr::Alias(_), _) => expr,
        (Expr::Column(c), Some(ExprType::UnresolvedAttribute(a))) if name_parts(&a.unparsed_identifier).len() <= 2 => {
            let wanted = name_parts(&a.unparsed_identifier).pop().unwrap_or_default();
            if c.name == wanted { expr } else { expr.alias(wanted) }
        }
        (Expr::Column(_), Some(ExprType::UnresolvedStar(_))) => expr,
        _ if Generator::find(&expr).is_some() => expr,
        _ => expr.alias(spark_name(source)),
    }
}

/// The Spark semantics DataFusion's analyzer lacks, applied to every plan of a Connect session:
/// `/` between integers is a double division.
pub(crate) mod semantics {
    use datafusion::arrow::datatypes::Field;
    use datafusion::common::config::ConfigOptions;
    use datafusion::common::tree_node::{Transformed, TreeNode};
    use datafusion::common::{DFSchema, Result, ScalarValue};
    use datafusion::logical_expr::expr_rewriter::NamePreserver;
    use datafusion::logical_expr::{BinaryExpr, Cast, Expr, ExprSchemable, LogicalPlan, Operator, Values};
    use datafusion::optimizer::AnalyzerRule;

    use super::DataType;

    #[derive(Debug, Default)]
    pub(crate) struct SparkDivision;

    impl AnalyzerRule for SparkDivision {
        fn name(&self) -> &str {
            "spark_integer_division"
        }

        fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
            rewrite_expressions(plan, true, |e, schema| match e {
                Expr::BinaryExpr(BinaryExpr { left, op: Operator::Divide, right })
                    if integer(&left, schema) && integer(&right, schema) =>
                {
                    let to_double = |e: Box<Expr>| Box::new(Expr::Cast(Cast::new(e, DataType::Float64)));
                    Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
                        to_double(left),
                        Operator::Divide,
                        to_double(right),
                    ))))
                }
                other => Ok(Transformed::no(other)),
            })
        }
    }

    /// Spark types an integer literal in SQL text as int when it fits, DataFusion as bigint.
    pub(crate) fn narrow_integer_literals(plan: LogicalPlan) -> Result<LogicalPlan> {
        // VALUES first: its columns have types of their own, which the nodes above repeat.
        let mut narrowed = false;
        let plan = plan
            .transform_up_with_subqueries(|node| match node {
                LogicalPlan::Values(values) => {
                    let result = narrow_values(values)?;
                    narrowed |= result.transformed;
                    Ok(result)
                }
                other if narrowed => other.recompute_schema().map(Transformed::yes),
                other => Ok(Transformed::no(other)),
            })?
            .data;
        // VALUES were narrowed column by column (narrow_values): their rows must agree on types.
        rewrite_expressions(plan, false, |e, _| Ok(narrow_literal(e)))
    }

    fn narrow_literal(expr: Expr) -> Transformed<Expr> {
        match expr {
            Expr::Literal(ScalarValue::Int64(Some(n)), metadata) if i32::try_from(n).is_ok() => {
                Transformed::yes(Expr::Literal(ScalarValue::Int32(Some(n as i32)), metadata))
            }
            other => Transformed::no(other),
        }
    }

    /// A VALUES column whose cells hold integer literals inside (`ARRAY(1, 2)`, `MAP('a', 1)`)
    /// gets the narrowed type when every cell agrees on it; cells without such literals
    /// (`ARRAY()`, `NULL`) are cast to it. Otherwise the column keeps its type: rows of one
    /// VALUES must share each column's type.
    fn narrow_nested(rows: &mut [Vec<Expr>], column: usize) -> Result<Option<DataType>> {
        let empty = DFSchema::empty();
        let mut narrowed = Vec::with_capacity(rows.len());
        let mut target: Option<DataType> = None;
        for row in rows.iter() {
            let cell = row[column].clone().transform_up(|e| Ok(narrow_literal(e)))?;
            if cell.transformed {
                let cell_type = cell.data.get_type(&empty)?;
                if target.as_ref().is_some_and(|t| *t != cell_type) {
                    return Ok(None);
                }
                target = Some(cell_type);
            }
            narrowed.push(cell);
        }
        let Some(target) = target else { return Ok(None) };
        let cells: Vec<Expr> = narrowed
            .into_iter()
            .map(|cell| match cell.transformed {
                true => Ok(cell.data),
                false if cell.data.get_type(&empty)? == target => Ok(cell.data),
                false => Ok(Expr::Cast(Cast::new(Box::new(cell.data), target.clone()))),
            })
            .collect::<Result<_>>()?;
        for (row, cell) in rows.iter_mut().zip(cells) {
            row[column] = cell;
        }
        Ok(Some(target))
    }

    /// A VALUES column of integer literals that all fit in an int becomes an int column, as in
    /// Spark (`VALUES (1), (2)`); in a column that stays bigint (`VALUES (1), (3000000000)`) the
    /// small literals are cast to bigint, so narrowing the literals leaves the column's type alone.
    /// A VALUES cell holding a double that DataFusion cast to the column's decimal type.
    fn floating(cell: &Expr) -> bool {
        matches!(cell, Expr::Cast(Cast { expr, .. }) if floating_inner(expr))
    }

    fn floating_inner(expr: &Expr) -> bool {
        // A computed double (`PI() / 2`); a literal is left alone: DataFusion reads a number
        // too long for a bigint as a double, which Spark reads as a decimal.
        !matches!(expr, Expr::Literal(..)) && expr.get_type(&DFSchema::empty()).is_ok_and(|t| t.is_floating())
    }

    fn narrow_values(values: Values) -> Result<Transformed<LogicalPlan>> {
        let Values { schema, values: mut rows } = values;
        let small = |e: &Expr| matches!(e, Expr::Literal(ScalarValue::Int64(Some(n)), _) if i32::try_from(*n).is_ok());
        let null = |e: &Expr| matches!(e, Expr::Literal(ScalarValue::Int64(None) | ScalarValue::Null, _));
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        let mut changed = false;
        for (i, field) in fields.iter_mut().enumerate() {
            if field.data_type().is_nested() {
                if let Some(narrowed) = narrow_nested(&mut rows, i)? {
                    changed = true;
                    *field = field.clone().with_data_type(narrowed);
                }
                continue;
            }
            if matches!(field.data_type(), DataType::Decimal128(..)) && rows.iter().any(|row| floating(&row[i])) {
                // Spark widens a decimal and a double to double (`VALUES (0.0), (PI() / 2)`);
                // DataFusion's VALUES made the double a decimal.
                changed = true;
                for row in rows.iter_mut() {
                    row[i] = match row[i].clone() {
                        Expr::Cast(Cast { expr, .. }) if floating_inner(&expr) => *expr,
                        cell => Expr::Cast(Cast::new(Box::new(cell), DataType::Float64)),
                    };
                }
                *field = field.clone().with_data_type(DataType::Float64);
                continue;
            }
            if *field.data_type() != DataType::Int64 || !rows.iter().any(|row| small(&row[i])) {
                continue;
            }
            changed = true;
            let fits = rows.iter().all(|row| small(&row[i]) || null(&row[i]));
            for row in rows.iter_mut() {
                row[i] = match row[i].clone() {
                    Expr::Literal(value, metadata) if fits => Expr::Literal(value.cast_to(&DataType::Int32)?, metadata),
                    cell if small(&cell) => Expr::Cast(Cast::new(Box::new(cell), DataType::Int64)),
                    cell => cell,
                };
            }
            if fits {
                *field = field.clone().with_data_type(DataType::Int32);
            }
        }
        if !changed {
            return Ok(Transformed::no(LogicalPlan::Values(Values { schema, values: rows })));
        }
        let schema = DFSchema::from_unqualified_fields(fields.into(), schema.metadata().clone())?;
        Ok(Transformed::yes(LogicalPlan::Values(Values { schema: std::sync::Arc::new(schema), values: rows })))
    }

    /// Rewrites every expression of `plan` bottom-up with `rewrite` (which sees the node's input
    /// schema), keeping each output column's name so the nodes above still find it; the cells
    /// of VALUES only if `in_values`.
    fn rewrite_expressions(
        plan: LogicalPlan,
        in_values: bool,
        rewrite: impl Fn(Expr, &DFSchema) -> Result<Transformed<Expr>>,
    ) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            if !in_values && matches!(node, LogicalPlan::Values(_)) {
                return Ok(Transformed::no(node));
            }
            let mut schema = DFSchema::empty();
            for input in node.inputs() {
                schema.merge(input.schema());
            }
            let preserver = NamePreserver::new(&node);
            let rewritten = node.map_expressions(|expr| {
                let saved = preserver.save(&expr);
                let result = expr.transform_up(|e| rewrite(e, &schema))?;
                // A retyped array retypes the lambda variables that range over its elements.
                let result = if result.transformed {
                    result.transform_data(|e| e.resolve_lambda_variables(&schema))?
                } else {
                    result
                };
                Ok(result.update_data(|e| saved.restore(e)))
            })?;
            if rewritten.transformed { rewritten.map_data(|plan| plan.recompute_schema()) } else { Ok(rewritten) }
        })
        .map(|t| t.data)
    }

    fn integer(expr: &Expr, schema: &DFSchema) -> bool {
        expr.get_type(schema).is_ok_and(|t| t.is_integer() || t == DataType::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_like_spark() {
        assert_eq!(name_parts("a.b"), vec!["a", "b"]);
        assert_eq!(name_parts("`a.b`.c"), vec!["a.b", "c"]);
        assert_eq!(name_parts("`we``ird`"), vec!["we`ird"]);
    }

    #[test]
    fn decimal_literals_keep_their_scale() {
        assert_eq!(decimal_value("12.50", Some(4), Some(2)).unwrap(), ScalarValue::Decimal128(Some(1250), 4, 2));
        assert_eq!(decimal_value("-0.5", None, None).unwrap(), ScalarValue::Decimal128(Some(-5), 1, 1));
    }

    fn attribute(name: &str) -> Expression {
        Expression {
            expr_type: Some(ExprType::UnresolvedAttribute(pe::UnresolvedAttribute {
                unparsed_identifier: name.into(),
                ..Default::default()
            })),
            ..Default::default()
        }
    }

    fn call(name: &str, arguments: Vec<Expression>) -> Expression {
        Expression {
            expr_type: Some(ExprType::UnresolvedFunction(pe::UnresolvedFunction {
                function_name: name.into(),
                arguments,
                ..Default::default()
            })),
            ..Default::default()
        }
    }

    #[test]
    fn generated_names_follow_spark() {
        let one = Expression {
            expr_type: Some(ExprType::Literal(pe::Literal {
                literal_type: Some(pe::literal::LiteralType::Integer(1)),
                ..Default::default()
            })),
            ..Default::default()
        };
        assert_eq!(spark_name(&call("+", vec![attribute("a"), one.clone()])), "(a + 1)");
        assert_eq!(spark_name(&call("avg", vec![attribute("t.price")])), "avg(price)");
        let star = Expression { expr_type: Some(ExprType::UnresolvedStar(Default::default())), ..Default::default() };
        assert_eq!(spark_name(&call("count", vec![star])), "count(1)");
        assert_eq!(spark_name(&call("isNull", vec![attribute("a")])), "(a IS NULL)");
        // Spark 4.3: `from_json(value)`, `to_json(date)` whatever the schema and options.
        assert_eq!(spark_name(&call("from_json", vec![attribute("value"), one.clone()])), "from_json(value)");
        assert_eq!(spark_name(&call("to_json", vec![attribute("date"), one])), "to_json(date)");
    }

    /// Names as Spark 4.3 gives them to `df.select(F.acos("x"))` and friends (`.columns`).
    #[test]
    fn math_and_trim_names_follow_spark() {
        let (x, y) = (attribute("x"), attribute("y"));
        let name = |function: &str, arguments: &[&Expression]| {
            spark_name(&call(function, arguments.iter().map(|a| (*a).clone()).collect()))
        };
        assert_eq!(name("acos", &[&x]), "ACOS(x)");
        assert_eq!(name("sqrt", &[&x]), "SQRT(x)");
        assert_eq!(name("ceil", &[&x]), "CEIL(x)");
        assert_eq!(name("ceil", &[&x, &y]), "ceil(x, y)");
        assert_eq!(name("ceiling", &[&x]), "ceiling(x)");
        assert_eq!(name("log", &[&x]), "ln(x)");
        assert_eq!(name("log", &[&y, &x]), "LOG(y, x)");
        assert_eq!(name("pow", &[&x, &y]), "POWER(x, y)");
        assert_eq!(name("pi", &[]), "PI()");
        assert_eq!(name("rint", &[&x]), "rint(x)");
        assert_eq!(name("round", &[&x]), "round(x, 0)");
        assert_eq!(name("negative", &[&x]), "negative(x)");
        assert_eq!(name("positive", &[&x]), "(+ x)");
        assert_eq!(name("trim", &[&x]), "trim(x)");
        assert_eq!(name("ltrim", &[&y, &x]), "TRIM(LEADING y FROM x)");
    }
}
