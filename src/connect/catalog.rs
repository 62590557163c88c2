//! `spark.catalog` and `SHOW TABLES`: the session's temporary views, in the shapes PySpark reads.
//!
//! minispark has no persistent table catalog: a session's tables are its temporary views
//! (database `default`) and global temporary views (`global_temp`). Each answer is a small VALUES
//! plan with Spark's columns, which PySpark reads by position.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder};
use datafusion::prelude::SessionContext;
use spark_connect_proto::catalog::CatType;

use super::error::{ConnectError, ConnectResult};

/// The schema temporary views live in, and Spark's name for it.
const VIEWS: (&str, &str) = ("public", "default");
const GLOBAL_VIEWS: &str = "global_temp";

/// Answers a `spark.catalog` call.
pub(crate) fn catalog(ctx: &SessionContext, request: &CatType) -> ConnectResult<LogicalPlan> {
    match request {
        CatType::CurrentDatabase(_) => single(ScalarValue::Utf8(Some(VIEWS.1.into()))),
        CatType::CurrentCatalog(_) => single(ScalarValue::Utf8(Some("spark_catalog".into()))),
        CatType::DatabaseExists(request) => single(ScalarValue::Boolean(Some(is_database(&request.db_name)))),
        CatType::ListDatabases(_) => {
            let rows = [VIEWS.1, GLOBAL_VIEWS]
                .iter()
                .map(|name| vec![text(name), text("spark_catalog"), ScalarValue::Utf8(None), ScalarValue::Utf8(None)])
                .collect();
            values(&["name", "catalog", "description", "locationUri"], &[const { DataType::Utf8 }; 4], rows)
        }
        CatType::ListTables(request) => {
            // Temporary views belong to every database; global ones only to global_temp.
            let global_wanted = request.db_name.as_deref().is_some_and(|db| db.eq_ignore_ascii_case(GLOBAL_VIEWS));
            let mut rows = Vec::new();
            for (name, global) in views(ctx) {
                if global != global_wanted {
                    continue;
                }
                if request.pattern.as_deref().is_some_and(|p| !matches_pattern(&name, p)) {
                    continue;
                }
                let namespace = ScalarValue::List(ScalarValue::new_list_nullable(
                    &[text(if global { GLOBAL_VIEWS } else { VIEWS.1 })],
                    &DataType::Utf8,
                ));
                rows.push(vec![
                    text(&name),
                    ScalarValue::Utf8(None),
                    if global {
                        namespace
                    } else {
                        ScalarValue::List(ScalarValue::new_list_nullable(&[], &DataType::Utf8))
                    },
                    ScalarValue::Utf8(None),
                    text("TEMPORARY"),
                    ScalarValue::Boolean(Some(true)),
                ]);
            }
            let list = DataType::List(Arc::new(Field::new("element", DataType::Utf8, true)));
            values(
                &["name", "catalog", "namespace", "description", "tableType", "isTemporary"],
                &[DataType::Utf8, DataType::Utf8, list, DataType::Utf8, DataType::Utf8, DataType::Boolean],
                rows,
            )
        }
        CatType::TableExists(request) => {
            let name = qualified(&request.table_name, request.db_name.as_deref());
            single(ScalarValue::Boolean(Some(ctx.table_exist(name.as_str()).unwrap_or(false))))
        }
        CatType::DropTempView(request) => single(ScalarValue::Boolean(Some(drop_view(ctx, &request.view_name)?))),
        CatType::DropGlobalTempView(request) => {
            let name = format!("{GLOBAL_VIEWS}.{}", request.view_name);
            single(ScalarValue::Boolean(Some(drop_view(ctx, &name)?)))
        }
        CatType::IsCached(_) => single(ScalarValue::Boolean(Some(false))),
        // Nothing is cached between jobs, so these have nothing to do.
        CatType::CacheTable(_) | CatType::UncacheTable(_) | CatType::ClearCache(_) | CatType::RefreshTable(_) => {
            Ok(LogicalPlanBuilder::empty(false).build()?)
        }
        other => {
            let debug = format!("{other:?}");
            let name = debug.split('(').next().unwrap_or("this catalog call");
            Err(ConnectError::unsupported(format!("spark.catalog {name} (there are only temporary views)")))
        }
    }
}

/// `SHOW TABLES` as Spark answers it: namespace, tableName, isTemporary.
pub(crate) fn show_tables(ctx: &SessionContext) -> ConnectResult<LogicalPlan> {
    let rows = views(ctx)
        .into_iter()
        .map(|(name, global)| {
            vec![text(if global { GLOBAL_VIEWS } else { "" }), text(&name), ScalarValue::Boolean(Some(true))]
        })
        .collect();
    values(&["namespace", "tableName", "isTemporary"], &[DataType::Utf8, DataType::Utf8, DataType::Boolean], rows)
}

/// Whether `sql` is a plain `SHOW TABLES`.
pub(crate) fn is_show_tables(sql: &str) -> bool {
    let words: Vec<String> =
        sql.trim().trim_end_matches(';').split_whitespace().map(|w| w.to_ascii_uppercase()).collect();
    words == ["SHOW", "TABLES"]
}

fn is_database(name: &str) -> bool {
    name.eq_ignore_ascii_case(VIEWS.1) || name.eq_ignore_ascii_case(GLOBAL_VIEWS)
}

fn qualified(table: &str, database: Option<&str>) -> String {
    match database {
        Some(db) if db.eq_ignore_ascii_case(GLOBAL_VIEWS) => format!("{GLOBAL_VIEWS}.{table}"),
        _ => table.to_string(),
    }
}

fn drop_view(ctx: &SessionContext, name: &str) -> ConnectResult<bool> {
    Ok(ctx.deregister_table(name)?.is_some())
}

/// The session's views, sorted: (name, is global).
fn views(ctx: &SessionContext) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    if let Some(catalog) = ctx.catalog("datafusion") {
        for (schema_name, global) in [(VIEWS.0, false), (GLOBAL_VIEWS, true)] {
            if let Some(schema) = catalog.schema(schema_name) {
                let mut names = schema.table_names();
                // Checkpointed frames are kept as hidden tables (execute::checkpoint_command).
                names.retain(|n| !n.starts_with("__checkpoint_"));
                names.sort();
                found.extend(names.into_iter().map(|n| (n, global)));
            }
        }
    }
    found
}

/// Spark's `listTables(pattern=...)`: `*` matches anything, `|` separates alternatives.
fn matches_pattern(name: &str, pattern: &str) -> bool {
    pattern.split('|').any(|alternative| {
        let parts: Vec<&str> = alternative.trim().split('*').collect();
        let name = name.to_ascii_lowercase();
        let mut rest = name.as_str();
        for (i, part) in parts.iter().enumerate() {
            let part = part.to_ascii_lowercase();
            match rest.find(&part) {
                Some(0) if i == 0 => rest = &rest[part.len()..],
                Some(at) if i > 0 => rest = &rest[at + part.len()..],
                _ => return false,
            }
        }
        parts.last().is_some_and(|last| last.is_empty()) || rest.is_empty()
    })
}

fn text(value: &str) -> ScalarValue {
    ScalarValue::Utf8(Some(value.to_string()))
}

fn single(value: ScalarValue) -> ConnectResult<LogicalPlan> {
    let ty = value.data_type();
    values(&["value"], &[ty], vec![vec![value]])
}

fn values(names: &[&str], types: &[DataType], rows: Vec<Vec<ScalarValue>>) -> ConnectResult<LogicalPlan> {
    let fields: Vec<Field> = names.iter().zip(types).map(|(n, t)| Field::new(*n, t.clone(), true)).collect();
    let schema = Arc::new(DFSchema::try_from(Schema::new(fields))?);
    if rows.is_empty() {
        return Ok(crate::compat::no_rows(&schema)?);
    }
    let rows = rows.into_iter().map(|row| row.into_iter().map(|v| Expr::Literal(v, None)).collect()).collect();
    let plan = LogicalPlanBuilder::values_with_schema(rows, &schema)?.build()?;
    let named: Vec<Expr> = plan
        .schema()
        .columns()
        .into_iter()
        .zip(names)
        .map(|(column, name)| Expr::Column(column).alias(*name))
        .collect();
    Ok(LogicalPlanBuilder::from(plan).project(named)?.build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_patterns_follow_spark() {
        assert!(matches_pattern("sales_2024", "sales*"));
        assert!(matches_pattern("sales_2024", "*2024"));
        assert!(matches_pattern("sales", "orders|sales"));
        assert!(!matches_pattern("sales", "order*"));
        assert!(is_show_tables(" show tables; "));
        assert!(!is_show_tables("SHOW TABLES IN x"));
    }
}
