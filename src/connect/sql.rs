//! Spark SQL text on DataFusion: `spark.sql(...)`, `expr(...)`, `selectExpr(...)` and string
//! filters.
//!
//! The session parses with DataFusion's Spark dialect; what that dialect parses but DataFusion
//! does not plan, or names differently, is rewritten here: typed number literals (`2.5D`) become
//! casts before parsing, and in the parsed statement `a div b` becomes Spark's truncating integer
//! division, `array(...)` and `explode(...)` DataFusion's `make_array(...)` and `unnest(...)`.
//! The statement is then planned as SQL jobs plan theirs ([`crate::sql_text::plan_statement`]:
//! Spark's `range` table function, temporary views with column lists). After planning, integer
//! literals that fit are ints, as Spark types them.

use std::collections::HashMap;
use std::ops::ControlFlow;

use datafusion::common::DFSchema;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::sql::parser::Statement;
use datafusion::sql::sqlparser::ast::{
    self as sql, BinaryOperator, CastKind, DataType as SqlType, Ident, ObjectName, VisitMut, VisitorMut,
    visit_expressions_mut,
};
use datafusion::sql::sqlparser::dialect::SparkSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;

use super::error::{ConnectError, ConnectResult};
use crate::sql_text::{TextToken, tokenize};

/// Plans one SQL statement.
pub(crate) async fn plan(state: &SessionState, text: &str) -> ConnectResult<LogicalPlan> {
    let dialect = state.config().options().sql_parser.dialect;
    let mut statement = state.sql_to_statement(text, &dialect)?;
    if let Statement::Statement(inner) = &mut statement {
        let _ = inner.visit(&mut SeveralArgumentCountNames);
        let _ = visit_expressions_mut(inner.as_mut(), |e| {
            rewrite(e);
            ControlFlow::<()>::Continue(())
        });
    }
    let plan = crate::sql_text::plan_statement(state, statement).await?;
    Ok(super::expr::semantics::narrow_integer_literals(plan)?)
}

/// Plans one SQL expression (`"price * 2 AS doubled"`) against `schema`.
pub(crate) fn expression(state: &SessionState, text: &str, schema: &DFSchema) -> ConnectResult<Expr> {
    let dialect = state.config().options().sql_parser.dialect;
    let mut parsed = state.sql_to_expr_with_alias(&quote_exists_calls(text)?, &dialect)?;
    let _ = visit_expressions_mut(&mut parsed.expr, |e| {
        rewrite(e);
        ControlFlow::<()>::Continue(())
    });
    Ok(state.create_logical_expr_from_sql_expr(parsed, schema)?)
}

/// The name Spark gives the column of an unaliased SQL expression (`selectExpr("age * 2")` is
/// `(age * 2)`), by reading the text as the Connect expression it means and naming that as
/// [`super::expr::spark_name`] does; `None` for what that cannot express (the text itself is
/// the name then).
pub(crate) fn expression_name(text: &str) -> Option<String> {
    let dialect = SparkSqlDialect {};
    let parsed = Parser::new(&dialect).try_with_sql(text).ok()?.parse_expr().ok()?;
    Some(super::expr::spark_name(&as_connect(&parsed)?))
}

/// A parsed SQL expression as the Connect expression with the same name, where there is one.
fn as_connect(e: &sql::Expr) -> Option<spark_connect_proto::Expression> {
    use spark_connect_proto::Expression;
    use spark_connect_proto::expression::{self as pe, ExprType};
    let wrap = |kind: ExprType| Some(Expression { expr_type: Some(kind), ..Default::default() });
    let call = |name: &str, args: Vec<Expression>, distinct: bool| {
        wrap(ExprType::UnresolvedFunction(pe::UnresolvedFunction {
            function_name: name.into(),
            arguments: args,
            is_distinct: distinct,
            ..Default::default()
        }))
    };
    let literal = |kind: pe::literal::LiteralType| {
        wrap(ExprType::Literal(pe::Literal { literal_type: Some(kind), ..Default::default() }))
    };
    let both = |a: &sql::Expr, b: &sql::Expr| Some(vec![as_connect(a)?, as_connect(b)?]);
    match e {
        sql::Expr::Identifier(id) => wrap(ExprType::UnresolvedAttribute(pe::UnresolvedAttribute {
            unparsed_identifier: id.value.clone(),
            ..Default::default()
        })),
        sql::Expr::CompoundIdentifier(parts) => wrap(ExprType::UnresolvedAttribute(pe::UnresolvedAttribute {
            unparsed_identifier: parts.last()?.value.clone(),
            ..Default::default()
        })),
        sql::Expr::Nested(inner) => as_connect(inner),
        sql::Expr::Value(value) => {
            use pe::literal::LiteralType as L;
            match &value.value {
                sql::Value::Number(n, false) => {
                    if let Ok(v) = n.parse::<i32>() {
                        literal(L::Integer(v))
                    } else if let Ok(v) = n.parse::<i64>() {
                        literal(L::Long(v))
                    } else if n.contains(['e', 'E']) {
                        literal(L::Double(n.parse().ok()?))
                    } else {
                        literal(L::Decimal(pe::literal::Decimal { value: n.clone(), precision: None, scale: None }))
                    }
                }
                sql::Value::SingleQuotedString(s) | sql::Value::DoubleQuotedString(s) => literal(L::String(s.clone())),
                sql::Value::Boolean(b) => literal(L::Boolean(*b)),
                sql::Value::Null => literal(L::Null(Default::default())),
                _ => None,
            }
        }
        sql::Expr::BinaryOp { left, op, right } => {
            let name = match op {
                BinaryOperator::Plus => "+",
                BinaryOperator::Minus => "-",
                BinaryOperator::Multiply => "*",
                BinaryOperator::Divide => "/",
                BinaryOperator::Modulo => "%",
                BinaryOperator::Eq => "==",
                BinaryOperator::Spaceship => "<=>",
                BinaryOperator::Lt => "<",
                BinaryOperator::LtEq => "<=",
                BinaryOperator::Gt => ">",
                BinaryOperator::GtEq => ">=",
                BinaryOperator::And => "and",
                BinaryOperator::Or => "or",
                BinaryOperator::BitwiseAnd => "&",
                BinaryOperator::BitwiseOr => "|",
                BinaryOperator::BitwiseXor => "^",
                BinaryOperator::NotEq => {
                    let equal = call("==", both(left, right)?, false)?;
                    return call("not", vec![equal], false);
                }
                _ => return None,
            };
            call(name, both(left, right)?, false)
        }
        sql::Expr::UnaryOp { op: sql::UnaryOperator::Not, expr } => call("not", vec![as_connect(expr)?], false),
        sql::Expr::IsNull(inner) => call("isnull", vec![as_connect(inner)?], false),
        sql::Expr::IsNotNull(inner) => call("isnotnull", vec![as_connect(inner)?], false),
        sql::Expr::InList { expr, list, negated: false } => {
            let mut args = vec![as_connect(expr)?];
            for item in list {
                args.push(as_connect(item)?);
            }
            call("in", args, false)
        }
        sql::Expr::Like { negated: false, any: false, expr, pattern, escape_char: None, .. } => {
            call("like", both(expr, pattern)?, false)
        }
        sql::Expr::Between { expr, negated: false, low, high } => {
            call("between", vec![as_connect(expr)?, as_connect(low)?, as_connect(high)?], false)
        }
        sql::Expr::Case { operand: None, conditions, else_result, .. } => {
            let mut args = Vec::new();
            for when in conditions {
                args.push(as_connect(&when.condition)?);
                args.push(as_connect(&when.result)?);
            }
            if let Some(otherwise) = else_result {
                args.push(as_connect(otherwise)?);
            }
            call("when", args, false)
        }
        // Spark names a cast in SQL text after what it casts (unlike Column.cast's CAST(x AS T)).
        sql::Expr::Cast { kind: CastKind::Cast, expr, format: None, .. } => as_connect(expr),
        sql::Expr::Function(function) => {
            let [sql::ObjectNamePart::Identifier(name)] = function.name.0.as_slice() else { return None };
            // Column names that differ between SQL and the DataFrame functions (SQL's `mean(x)`).
            if name.value.eq_ignore_ascii_case("mean") {
                return None;
            }
            if function.filter.is_some() || function.over.is_some() || !function.within_group.is_empty() {
                return None;
            }
            let args = match &function.args {
                sql::FunctionArguments::None => Vec::new(),
                sql::FunctionArguments::List(list) if list.clauses.is_empty() => {
                    let mut args = Vec::new();
                    for arg in &list.args {
                        match arg {
                            sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(e)) => args.push(as_connect(e)?),
                            sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Wildcard) => {
                                args.push(wrap(ExprType::UnresolvedStar(pe::UnresolvedStar::default()))?)
                            }
                            _ => return None,
                        }
                    }
                    args
                }
                _ => return None,
            };
            let distinct = matches!(
                &function.args,
                sql::FunctionArguments::List(l) if matches!(l.duplicate_treatment, Some(sql::DuplicateTreatment::Distinct))
            );
            call(&name.value.to_ascii_lowercase(), args, distinct)
        }
        _ => None,
    }
}

/// The arguments of `count(a, b, ...)`, a count of more than one argument.
fn several_counted(function: &sql::Function) -> Option<&sql::FunctionArgumentList> {
    let [sql::ObjectNamePart::Identifier(name)] = function.name.0.as_slice() else { return None };
    let sql::FunctionArguments::List(list) = &function.args else { return None };
    (name.value.eq_ignore_ascii_case("count") && list.args.len() > 1).then_some(list)
}

/// `count(a, b)` and `count(DISTINCT a, b)` count the rows where every argument is set (their
/// distinct combinations); DataFusion counts one argument. The arguments become one,
/// `struct(a, b)` where every argument is set, else NULL.
fn several_argument_count(function: &mut sql::Function) -> Option<()> {
    let arguments: Vec<String> = several_counted(function)?.args.iter().map(|a| a.to_string()).collect();
    let set: Vec<String> = arguments.iter().map(|a| format!("({a}) IS NOT NULL")).collect();
    let text = format!("CASE WHEN {} THEN struct({}) END", set.join(" AND "), arguments.join(", "));
    let combination = Parser::new(&SparkSqlDialect {}).try_with_sql(&text).ok()?.parse_expr().ok()?;
    if let sql::FunctionArguments::List(list) = &mut function.args {
        list.args = vec![sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(combination))];
    }
    Some(())
}

/// Names an unaliased `count(DISTINCT a, b)` in a SELECT list as Spark does, before
/// [`several_argument_count`] rewrites its arguments.
struct SeveralArgumentCountNames;

impl VisitorMut for SeveralArgumentCountNames {
    type Break = ();

    fn pre_visit_select(&mut self, select: &mut sql::Select) -> ControlFlow<()> {
        for item in &mut select.projection {
            if let sql::SelectItem::UnnamedExpr(expr @ sql::Expr::Function(_)) = item
                && let sql::Expr::Function(function) = &*expr
                && let Some(list) = several_counted(function)
            {
                let distinct =
                    if list.duplicate_treatment == Some(sql::DuplicateTreatment::Distinct) { "DISTINCT " } else { "" };
                let arguments: Vec<String> = list.args.iter().map(|a| a.to_string()).collect();
                let alias = Ident::with_quote('`', format!("count({distinct}{})", arguments.join(", ")));
                *item = sql::SelectItem::ExprWithAlias { expr: expr.clone(), alias };
            }
        }
        ControlFlow::Continue(())
    }
}

/// Spark's functions named after a type: `float('NaN')` is `CAST('NaN' AS FLOAT)`.
const TYPE_CONSTRUCTORS: &[&str] = &[
    "boolean",
    "tinyint",
    "smallint",
    "int",
    "bigint",
    "float",
    "double",
    "decimal",
    "date",
    "timestamp",
    "string",
    "binary",
];

/// The cast a call of a [`TYPE_CONSTRUCTORS`] function with one argument stands for.
fn type_constructor(function: &sql::Function) -> Option<sql::Expr> {
    let [sql::ObjectNamePart::Identifier(name)] = function.name.0.as_slice() else { return None };
    let type_name =
        TYPE_CONSTRUCTORS.iter().find(|t| name.quote_style.is_none() && name.value.eq_ignore_ascii_case(t))?;
    let sql::FunctionArguments::List(list) = &function.args else { return None };
    let [sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(argument))] = list.args.as_slice() else { return None };
    let text = format!("CAST({argument} AS {})", type_name.to_uppercase());
    Parser::new(&SparkSqlDialect {}).try_with_sql(&text).ok()?.parse_expr().ok()
}

/// Whether a call passes a lambda (`x -> x + 1`).
fn has_lambda(function: &sql::Function) -> bool {
    let sql::FunctionArguments::List(list) = &function.args else { return false };
    list.args.iter().any(|a| matches!(a, sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(sql::Expr::Lambda(_)))))
}

/// Spark's names for DataFusion's functions.
const RENAMED_FUNCTIONS: &[(&str, &str)] = &[("array", "make_array"), ("explode", "unnest")];

fn rewrite(expr: &mut sql::Expr) {
    match expr {
        sql::Expr::BinaryOp { left, op: BinaryOperator::MyIntegerDivide, right } => {
            // a div b = (a - a % b) / b, as a bigint: truncates toward zero like Spark.
            let nested = |e: sql::Expr| sql::Expr::Nested(Box::new(e));
            let remainder =
                nested(sql::Expr::BinaryOp { left: left.clone(), op: BinaryOperator::Modulo, right: right.clone() });
            let whole = nested(sql::Expr::BinaryOp {
                left: left.clone(),
                op: BinaryOperator::Minus,
                right: Box::new(remainder),
            });
            let quotient =
                sql::Expr::BinaryOp { left: Box::new(whole), op: BinaryOperator::Divide, right: right.clone() };
            *expr = sql::Expr::Cast {
                kind: CastKind::Cast,
                expr: Box::new(nested(quotient)),
                data_type: SqlType::BigInt(None),
                array: false,
                format: None,
            };
        }
        sql::Expr::Function(function) => {
            if several_argument_count(function).is_some() {
                return;
            }
            within_group_as_argument_order(function);
            if let Some(mut cast) = type_constructor(function) {
                binary_as_bytea(&mut cast);
                *expr = cast;
                return;
            }
            if let [sql::ObjectNamePart::Identifier(ident)] = function.name.0.as_slice()
                && ident.value.eq_ignore_ascii_case("array_sort")
                && has_lambda(function)
            {
                // DataFusion's SQL planner finds the plain array_sort(a) before a higher-order one.
                let name = crate::functions::higher_order::ARRAY_SORT_WITH_COMPARATOR;
                function.name = ObjectName::from(vec![Ident::new(name)]);
                return;
            }
            if let Some(map) = spark_map(function) {
                *expr = map;
                return;
            }
            if let [sql::ObjectNamePart::Identifier(ident)] = function.name.0.as_slice()
                && let Some((_, datafusion_name)) =
                    RENAMED_FUNCTIONS.iter().find(|(spark, _)| ident.value.eq_ignore_ascii_case(spark))
            {
                function.name = ObjectName::from(vec![Ident::new(*datafusion_name)]);
            }
        }
        sql::Expr::Cast { .. } => binary_as_bytea(expr),
        _ => {}
    }
}

/// Spark's `map(k1, v1, k2, v2, ...)` (and the empty `map()`) as `map_from_arrays` of a key
/// array and a value array: `datafusion-spark`'s builder follows `spark.sql.mapKeyDedupPolicy`
/// (DataFusion's `map` always refuses duplicate keys, and reads two arrays as keys and values).
fn spark_map(function: &sql::Function) -> Option<sql::Expr> {
    let [sql::ObjectNamePart::Identifier(name)] = function.name.0.as_slice() else { return None };
    if !name.value.eq_ignore_ascii_case("map") || name.quote_style.is_some() {
        return None;
    }
    let sql::FunctionArguments::List(list) = &function.args else { return None };
    if list.args.len() % 2 != 0 || list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return None;
    }
    let arguments: Vec<String> = list.args.iter().map(|a| a.to_string()).collect();
    let keys: Vec<&str> = arguments.iter().step_by(2).map(String::as_str).collect();
    let values: Vec<&str> = arguments.iter().skip(1).step_by(2).map(String::as_str).collect();
    let text = format!("map_from_arrays(make_array({}), make_array({}))", keys.join(", "), values.join(", "));
    Parser::new(&SparkSqlDialect {}).try_with_sql(&text).ok()?.parse_expr().ok()
}

/// `CAST(x AS BINARY)`: DataFusion's SQL planner knows Spark's BINARY by its name BYTEA.
fn binary_as_bytea(expr: &mut sql::Expr) {
    if let sql::Expr::Cast { data_type, .. } = expr
        && matches!(data_type, SqlType::Binary(None))
    {
        *data_type = SqlType::Bytea;
    }
}

/// `listagg(x, d) WITHIN GROUP (ORDER BY k)` (and `string_agg`) orders the joined values; in
/// DataFusion that is `listagg(x, d ORDER BY k)` (its WITHIN GROUP is for ordered-set aggregates,
/// which take the ordering as their first argument).
fn within_group_as_argument_order(function: &mut sql::Function) {
    let [sql::ObjectNamePart::Identifier(name)] = function.name.0.as_slice() else { return };
    let joins = ["listagg", "string_agg"].iter().any(|n| name.value.eq_ignore_ascii_case(n));
    if !joins || function.within_group.is_empty() {
        return;
    }
    if let sql::FunctionArguments::List(list) = &mut function.args {
        list.clauses.push(sql::FunctionArgumentClause::OrderBy(std::mem::take(&mut function.within_group)));
    }
}

/// Spark SQL text as DataFusion's parser (Spark dialect) takes it: `:name` and `?` parameters
/// replaced by their values and typed number literals (`2.5D`, `10L`, `1Y`, `3.0BD`) written as
/// casts. Quoted text and comments are left alone; where they end is read by the Spark dialect's
/// tokenizer, as the parser reads it (so a backslash does not escape a quote, unlike in Spark: see
/// [`crate::sql_text`]).
pub(crate) fn spark_sql_text(
    query: &str,
    named: &HashMap<String, String>,
    positional: &[String],
) -> ConnectResult<String> {
    let tokens = tokenize(query, &SparkSqlDialect {}).map_err(|e| ConnectError::parse(format!("{e:#}")))?;
    let text = |t: &TextToken| &query[t.bytes.clone()];
    let mut out = String::with_capacity(query.len());
    let mut next_positional = 0;
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let next = tokens.get(i + 1).map(|t| &t.token);
        // Tokens follow each other without a gap, so `next` is right after `token`.
        match (&token.token, next) {
            (Token::Colon, Some(Token::Word(name))) if name.quote_style.is_none() => {
                let value = named.get(&name.value).ok_or_else(|| {
                    ConnectError::analysis(format!(
                        "[UNBOUND_SQL_PARAMETER] Found the unbound parameter: {}.",
                        name.value
                    ))
                })?;
                out.push_str(value);
                i += 2;
            }
            (Token::Placeholder(marker), _) if !positional.is_empty() && marker.starts_with('?') => {
                let value = positional.get(next_positional).ok_or_else(|| {
                    ConnectError::analysis("[UNBOUND_SQL_PARAMETER] more ? markers than positional arguments")
                })?;
                next_positional += 1;
                out.push_str(value);
                out.push_str(&marker[1..]);
                i += 1;
            }
            _ if is_exists_call(&tokens, i) => {
                out.push_str(EXISTS_FUNCTION);
                i += 1;
            }
            (Token::Number(number, long), _) if !glued_to_previous(&tokens, i) => {
                // The tokenizer reads an upper-case L suffix itself; other suffixes come as the
                // word that follows.
                let (suffix, suffix_tokens) = match next {
                    _ if *long => (Some("L".to_string()), 1),
                    Some(Token::Word(word)) if word.quote_style.is_none() => (Some(word.value.to_ascii_uppercase()), 2),
                    _ => (None, 1),
                };
                let glued_after =
                    matches!(tokens.get(i + suffix_tokens).map(|t| &t.token), Some(Token::Word(_) | Token::Number(..)));
                match suffix.and_then(|suffix| literal_type(number, &suffix)) {
                    Some(target) if !glued_after => {
                        out.push_str(&format!("CAST({number} AS {target})"));
                        i += suffix_tokens;
                    }
                    _ => {
                        out.push_str(text(token));
                        i += 1;
                    }
                }
            }
            _ => {
                out.push_str(text(token));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `exists` as a function name the Spark dialect's parser reads as one: unquoted, it reads
/// `EXISTS (` as the start of an `EXISTS (SELECT ...)` subquery test.
const EXISTS_FUNCTION: &str = "`exists`";

/// Whether the token at `i` is the name of a call of Spark's `exists(array, x -> ...)`: the word
/// `exists` right before `(`, which does not open a query.
fn is_exists_call(tokens: &[TextToken], i: usize) -> bool {
    let Token::Word(word) = &tokens[i].token else { return false };
    if word.quote_style.is_some() || !word.value.eq_ignore_ascii_case("exists") {
        return false;
    }
    if tokens.get(i + 1).map(|t| &t.token) != Some(&Token::LParen) {
        return false;
    }
    let opens = tokens[i + 2..].iter().map(|t| &t.token).find(|t| !matches!(t, Token::Whitespace(_)));
    !matches!(opens, Some(Token::Word(w)) if w.value.eq_ignore_ascii_case("select") || w.value.eq_ignore_ascii_case("with"))
        && !matches!(opens, Some(Token::LParen))
}

/// `text` with its calls of Spark's `exists` named so the parser reads them as calls.
fn quote_exists_calls(text: &str) -> ConnectResult<String> {
    let tokens = tokenize(text, &SparkSqlDialect {}).map_err(|e| ConnectError::parse(format!("{e:#}")))?;
    Ok((0..tokens.len())
        .map(|i| if is_exists_call(&tokens, i) { EXISTS_FUNCTION } else { &text[tokens[i].bytes.clone()] })
        .collect())
}

/// Whether the token at `i` continues the one before it, as in `t.5` or `x.1D`, rather than
/// starting a literal of its own.
fn glued_to_previous(tokens: &[TextToken], i: usize) -> bool {
    i > 0 && matches!(tokens[i - 1].token, Token::Word(_) | Token::Number(..) | Token::Period)
}

/// The SQL type of a number literal with Spark's type `suffix` (`D`, `BD`, ...).
fn literal_type(number: &str, suffix: &str) -> Option<String> {
    match suffix {
        "D" => Some("DOUBLE".to_string()),
        "F" => Some("FLOAT".to_string()),
        "L" => Some("BIGINT".to_string()),
        "S" => Some("SMALLINT".to_string()),
        "Y" => Some("TINYINT".to_string()),
        "BD" => {
            let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
            let scale = fraction.len();
            Some(format!("DECIMAL({}, {scale})", (whole.trim_start_matches('0').len() + scale).max(1)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unaliased_sql_expressions_are_named_as_spark_names_them() {
        // df.selectExpr(...).columns in PySpark 4.3.
        let name = |text: &str| expression_name(text).unwrap_or_else(|| text.to_string());
        assert_eq!(name("age * 2"), "(age * 2)");
        assert_eq!(name("abs(age)"), "abs(age)");
        assert_eq!(name("ABS(age)"), "abs(age)");
        assert_eq!(name("count(*)"), "count(1)");
        assert_eq!(name("a != b"), "(NOT (a = b))");
        assert_eq!(name("(1 + 2) * 3"), "((1 + 2) * 3)");
        assert_eq!(name("CAST(age AS STRING)"), "age");
        assert_eq!(name("age"), "age");
        assert_eq!(name("age BETWEEN 1 AND 3"), "between(age, 1, 3)");
        assert_eq!(name("CASE WHEN age > 3 THEN 1 ELSE 0 END"), "CASE WHEN (age > 3) THEN 1 ELSE 0 END");
        assert_eq!(name("sqrt(age)"), "SQRT(age)");
        assert_eq!(name("1e3"), "1000.0");
        assert_eq!(name("name LIKE 'A%'"), "name LIKE A%");
        assert_eq!(name("a IN (1, 2)"), "(a IN (1, 2))");
        assert_eq!(name("mean(age)"), "mean(age)");
    }

    #[test]
    fn sql_parameters_are_bound_outside_strings() {
        let named: HashMap<String, String> =
            [("x".to_string(), "1".to_string()), ("s".to_string(), "'a'".to_string())].into();
        let text = spark_sql_text("SELECT :x, ':x', :s -- :x\n", &named, &[]).unwrap();
        assert_eq!(text, "SELECT 1, ':x', 'a' -- :x\n");
        assert_eq!(spark_sql_text("SELECT ?, ?", &HashMap::new(), &["1".into(), "2".into()]).unwrap(), "SELECT 1, 2");
        assert!(spark_sql_text("SELECT :missing", &named, &[]).is_err());
        assert_eq!(spark_sql_text("SELECT a::int", &named, &[]).unwrap(), "SELECT a::int");
    }

    #[test]
    fn parameter_markers_in_strings_and_comments_are_left_alone() {
        let named: HashMap<String, String> = [("x".to_string(), "7".to_string())].into();
        let one = ["1".to_string()];
        assert_eq!(
            spark_sql_text("SELECT ?, '?', \":x\", `:x` /* ? /* :x */ ? */, :x -- ? :x\n", &named, &one).unwrap(),
            "SELECT 1, '?', \":x\", `:x` /* ? /* :x */ ? */, 7 -- ? :x\n"
        );
        assert_eq!(spark_sql_text("SELECT 'it''s ?', ?", &named, &one).unwrap(), "SELECT 'it''s ?', 1");
        // As DataFusion's Spark dialect (sqlparser 0.62) reads it, unlike Spark: a backslash does
        // not escape the quote, so the literal is 'a\' and the marker after it is bound.
        assert_eq!(spark_sql_text(r"SELECT 'a\', :x", &named, &[]).unwrap(), r"SELECT 'a\', 7");
        let unclosed = spark_sql_text("SELECT 1 /* /* */ :x", &named, &[]).unwrap_err();
        assert!(unclosed.to_string().contains("comment is never closed"), "{unclosed}");
    }

    #[test]
    fn spark_sql_literals_and_generators_become_datafusion_sql() {
        let none = HashMap::new();
        assert_eq!(
            spark_sql_text("SELECT 2.5D, 10L, 1Y, 3.10BD, x2d, 'a 2D', 1e3D", &none, &[]).unwrap(),
            "SELECT CAST(2.5 AS DOUBLE), CAST(10 AS BIGINT), CAST(1 AS TINYINT), CAST(3.10 AS DECIMAL(3, 2)), x2d, 'a 2D', CAST(1e3 AS DOUBLE)"
        );
        assert_eq!(
            spark_sql_text("SELECT .5D, 10l, 2s, 1.5f, 0.05BD, 10Lx, 1Dx, t.5D, 1.2.3D, 0x1FL", &none, &[]).unwrap(),
            "SELECT CAST(.5 AS DOUBLE), CAST(10 AS BIGINT), CAST(2 AS SMALLINT), CAST(1.5 AS FLOAT), CAST(0.05 AS DECIMAL(2, 2)), 10Lx, 1Dx, t.5D, 1.2.3D, 0x1FL"
        );
        assert_eq!(
            spark_sql_text("SELECT explode (array(1)) AS v, exploded FROM t", &none, &[]).unwrap(),
            "SELECT explode (array(1)) AS v, exploded FROM t"
        );
    }
}
