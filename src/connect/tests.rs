//! Spark Connect without a cluster: requests go through the real gRPC service handlers into a
//! [`LocalEngine`], and answers are decoded as PySpark decodes them. This is the layer where the
//! translation of Spark's plans and Spark's semantics are tested; each test takes milliseconds.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::common::ScalarValue;
use futures::StreamExt;
use spark_connect_proto::execute_plan_response::ResponseType;
use spark_connect_proto::expression::{self, ExprType};
use spark_connect_proto::relation::RelType;
use spark_connect_proto::{self as proto, Expression, Plan, Relation};
use tonic::Request;

use super::engine::LocalEngine;
use super::service::ConnectService;
use super::spark_connect_service_server::SparkConnectService;

/// A client of one Spark Connect session on plain DataFusion.
pub(super) struct LocalClient {
    service: ConnectService,
    session_id: String,
}

impl LocalClient {
    pub(super) fn new() -> Self {
        Self { service: ConnectService::new(Arc::new(LocalEngine)), session_id: uuid::Uuid::new_v4().to_string() }
    }

    /// Runs `relation` as `df.collect()` does, returning the Arrow batches the client receives,
    /// or the error's message.
    pub(super) async fn collect(&self, relation: Relation) -> Result<Vec<RecordBatch>, String> {
        self.execute(proto::plan::OpType::Root(relation)).await
    }

    /// Runs `query` as `spark.sql(query)` does (a SQL command, which runs statements at once).
    async fn sql_command(&self, query: &str) -> Result<(), String> {
        let command = proto::SqlCommand { input: Some(sql(query)), ..Default::default() };
        let command = proto::Command { command_type: Some(proto::command::CommandType::SqlCommand(command)) };
        self.execute(proto::plan::OpType::Command(command)).await.map(drop)
    }

    async fn execute(&self, operation: proto::plan::OpType) -> Result<Vec<RecordBatch>, String> {
        let request = proto::ExecutePlanRequest {
            session_id: self.session_id.clone(),
            plan: Some(Plan { op_type: Some(operation) }),
            ..Default::default()
        };
        let mut stream =
            self.service.execute_plan(Request::new(request)).await.map_err(|s| s.message().to_string())?.into_inner();
        let mut batches = Vec::new();
        let mut complete = false;
        while let Some(response) = stream.next().await {
            match response.map_err(|s| s.message().to_string())?.response_type {
                Some(ResponseType::ArrowBatch(arrow)) => {
                    let reader = StreamReader::try_new(std::io::Cursor::new(arrow.data.to_vec()), None).unwrap();
                    batches.extend(reader.map(Result::unwrap));
                }
                Some(ResponseType::ResultComplete(_)) => complete = true,
                _ => {}
            }
        }
        assert!(complete, "every successful ExecutePlan ends with ResultComplete");
        Ok(batches)
    }

    /// The text `df.show(n, truncate=False)` prints for `relation`: PySpark sends a ShowString
    /// relation and prints the one string cell of the answer.
    pub(super) async fn show(&self, relation: Relation, num_rows: i32) -> Result<String, String> {
        let show = RelType::ShowString(Box::new(proto::ShowString {
            input: Some(Box::new(relation)),
            num_rows,
            truncate: 0,
            vertical: false,
        }));
        let batches = self.collect(self::relation(show)).await?;
        let (_, _, arrays) = column(&batches);
        let strings = arrays.first().ok_or("show() answered no rows")?.as_string::<i32>();
        Ok(strings.value(0).to_string())
    }

    /// `df.schema.simpleString()` of `relation`, from the schema AnalyzePlan answers.
    pub(super) async fn schema_string(&self, relation: Relation) -> Result<String, String> {
        use spark_connect_proto::analyze_plan_request::{Analyze, Schema};
        use spark_connect_proto::analyze_plan_response::Result as Analyzed;

        let request = proto::AnalyzePlanRequest {
            session_id: self.session_id.clone(),
            analyze: Some(Analyze::Schema(Schema {
                plan: Some(Plan { op_type: Some(proto::plan::OpType::Root(relation)) }),
            })),
            ..Default::default()
        };
        let response =
            self.service.analyze_plan(Request::new(request)).await.map_err(|s| s.message().to_string())?.into_inner();
        let Some(Analyzed::Schema(schema)) = response.result else { return Err("no schema answer".into()) };
        let spark_type = schema.schema.ok_or("a schema answer without a type")?;
        let arrow = super::types::arrow_type(&spark_type, "UTC").map_err(|e| e.to_string())?;
        Ok(super::types::simple_string(&arrow))
    }
}

fn relation(kind: RelType) -> Relation {
    Relation { rel_type: Some(kind), ..Default::default() }
}

pub(super) fn sql(query: &str) -> Relation {
    relation(RelType::Sql(proto::Sql { query: query.into(), ..Default::default() }))
}

fn range(end: i64) -> Relation {
    relation(RelType::Range(proto::Range { start: Some(0), end, step: 1, num_partitions: None }))
}

pub(super) fn select(input: Relation, expressions: Vec<Expression>) -> Relation {
    relation(RelType::Project(Box::new(proto::Project { input: Some(Box::new(input)), expressions })))
}

pub(super) fn expression(kind: ExprType) -> Expression {
    Expression { expr_type: Some(kind), ..Default::default() }
}

pub(super) fn col(name: &str) -> Expression {
    expression(ExprType::UnresolvedAttribute(expression::UnresolvedAttribute {
        unparsed_identifier: name.into(),
        ..Default::default()
    }))
}

pub(super) fn lit(value: i32) -> Expression {
    expression(ExprType::Literal(expression::Literal {
        literal_type: Some(expression::literal::LiteralType::Integer(value)),
        ..Default::default()
    }))
}

pub(super) fn call(name: &str, arguments: Vec<Expression>) -> Expression {
    expression(ExprType::UnresolvedFunction(expression::UnresolvedFunction {
        function_name: name.into(),
        arguments,
        ..Default::default()
    }))
}

pub(super) fn alias(expr: Expression, name: &str) -> Expression {
    expression(ExprType::Alias(Box::new(expression::Alias {
        expr: Some(Box::new(expr)),
        name: vec![name.into()],
        metadata: None,
    })))
}

/// The one column of `batches`, with its name and type.
fn column(batches: &[RecordBatch]) -> (String, DataType, Vec<Arc<dyn Array>>) {
    let schema = batches.first().expect("at least one batch, if only for the schema").schema();
    assert_eq!(schema.fields().len(), 1, "one column: {schema:?}");
    let field = schema.field(0);
    (field.name().clone(), field.data_type().clone(), batches.iter().map(|b| b.column(0).clone()).collect())
}

#[tokio::test]
async fn dataframe_arithmetic_gives_spark_names_types_and_values() {
    let client = LocalClient::new();
    let doubled = select(range(4), vec![alias(call("*", vec![col("id"), lit(2)]), "twice")]);
    let (name, data_type, arrays) = column(&client.collect(doubled).await.unwrap());
    assert_eq!((name.as_str(), data_type), ("twice", DataType::Int64));
    let values: Vec<i64> = arrays.iter().flat_map(|a| a.as_primitive::<Int64Type>().values().to_vec()).collect();
    assert_eq!(values, [0, 2, 4, 6]);

    // Spark's `/` divides integers as doubles, and its unaliased name is the expression's text.
    let halves = select(range(3), vec![call("/", vec![col("id"), lit(2)])]);
    let (name, data_type, arrays) = column(&client.collect(halves).await.unwrap());
    assert_eq!((name.as_str(), data_type), ("(id / 2)", DataType::Float64));
    let values: Vec<f64> = arrays.iter().flat_map(|a| a.as_primitive::<Float64Type>().values().to_vec()).collect();
    assert_eq!(values, [0.0, 0.5, 1.0]);
}

#[tokio::test]
async fn sql_runs_in_the_session_and_errors_name_the_problem() {
    let client = LocalClient::new();
    let batches = client.collect(sql("SELECT upper('spark') AS shout")).await.unwrap();
    let (name, _, arrays) = column(&batches);
    assert_eq!(name, "shout");
    assert_eq!(arrays[0].as_string::<i32>().value(0), "SPARK");

    let error = client.collect(select(range(1), vec![col("missing")])).await.unwrap_err();
    assert!(error.contains("UNRESOLVED_COLUMN"), "{error}");
}

#[tokio::test]
async fn typeof_names_the_argument_type_as_spark_does() {
    let client = LocalClient::new();
    let types = select(range(1), vec![call("typeof", vec![col("id")]), call("typeof", vec![lit(1)])]);
    let batches = client.collect(types).await.unwrap();
    let schema = batches[0].schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names, ["typeof(id)", "typeof(1)"]);
    let values: Vec<&str> = batches[0].columns().iter().map(|c| c.as_string::<i32>().value(0)).collect();
    assert_eq!(values, ["bigint", "int"]);
}

#[tokio::test]
async fn a_struct_ddl_string_is_a_schema_of_its_fields() {
    use spark_connect_proto::analyze_plan_request::{Analyze, DdlParse};
    use spark_connect_proto::analyze_plan_response::Result as Analyzed;
    use spark_connect_proto::data_type::Kind;

    let client = LocalClient::new();
    let field_names = async |ddl: &str| {
        let request = proto::AnalyzePlanRequest {
            session_id: client.session_id.clone(),
            analyze: Some(Analyze::DdlParse(DdlParse { ddl_string: ddl.into() })),
            ..Default::default()
        };
        let response = client.service.analyze_plan(Request::new(request)).await.unwrap().into_inner();
        let Some(Analyzed::DdlParse(parsed)) = response.result else { panic!("no DDL answer") };
        let Some(Kind::Struct(schema)) = parsed.parsed.and_then(|t| t.kind) else { panic!("not a struct") };
        schema.fields.into_iter().map(|f| f.name).collect::<Vec<_>>()
    };
    // As `spark.createDataFrame([('2015-04-08', 2)], 'struct<dt:string,a:int>')` sends it.
    assert_eq!(field_names("struct<dt:string,a:int>").await, ["dt", "a"]);
    assert_eq!(field_names("dt string, a int").await, ["dt", "a"]);
    assert_eq!(field_names("int").await, ["value"]);
}

/// The names of `batches`' columns and their values as Spark's `show()` prints them, row by row.
fn table(batches: &[RecordBatch]) -> (Vec<String>, Vec<Vec<String>>) {
    let schema = batches.first().expect("at least one batch, if only for the schema").schema();
    let names = schema.fields().iter().map(|f| f.name().clone()).collect();
    let rows = batches
        .iter()
        .flat_map(|b| (0..b.num_rows()).map(move |row| b.columns().iter().map(|c| super::show::cell(c, row)).collect()))
        .collect();
    (names, rows)
}

/// `rows` as `table` gives them.
fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|row| row.iter().map(|cell| cell.to_string()).collect()).collect()
}

#[tokio::test]
async fn a_temporary_views_column_list_renames_its_query_columns() {
    // Spark 4.3: the view's columns are named by the list, typed by the query.
    let client = LocalClient::new();
    let view = "CREATE TEMP VIEW revenue0 (supplier_no, total_revenue) AS SELECT id, id * 2 FROM range(3)";
    client.sql_command(view).await.unwrap();
    let batches = client.collect(sql("SELECT * FROM revenue0")).await.unwrap();
    let types: Vec<DataType> = batches[0].schema().fields().iter().map(|f| f.data_type().clone()).collect();
    assert_eq!(types, [DataType::Int64, DataType::Int64]);
    assert_eq!(
        table(&batches),
        (vec!["supplier_no".into(), "total_revenue".into()], rows(&[&["0", "0"], &["1", "2"], &["2", "4"]]))
    );

    let replaced = "CREATE OR REPLACE TEMPORARY VIEW v(a, b COMMENT 'second') AS SELECT 1 AS x, 'q' AS y";
    client.sql_command(replaced).await.unwrap();
    client.sql_command(replaced).await.unwrap();
    let batches = client.collect(sql("SELECT * FROM v")).await.unwrap();
    assert_eq!(table(&batches), (vec!["a".into(), "b".into()], rows(&[&["1", "q"]])));

    for (statement, error) in [
        (
            "CREATE TEMP VIEW bad (a) AS SELECT 1, 2",
            "[CREATE_VIEW_COLUMN_ARITY_MISMATCH.TOO_MANY_DATA_COLUMNS] Cannot create view `bad`, the reason is too \
             many data columns:\nView columns: `a`.",
        ),
        (
            "CREATE TEMP VIEW bad (a, b, c) AS SELECT 1, 2",
            "[CREATE_VIEW_COLUMN_ARITY_MISMATCH.NOT_ENOUGH_DATA_COLUMNS] Cannot create view `bad`, the reason is not \
             enough data columns:\nView columns: `a`, `b`, `c`.",
        ),
        ("CREATE TEMP VIEW bad (a, a) AS SELECT 1, 2", "[COLUMN_ALREADY_EXISTS] The column `a` already exists."),
    ] {
        let refused = client.sql_command(statement).await.unwrap_err();
        assert!(refused.contains(error), "{statement}: {refused}");
    }
}

#[tokio::test]
async fn values_columns_of_small_integers_are_ints() {
    // Spark 4.3: `a` int, `b` bigint (one of its values does not fit an int).
    let client = LocalClient::new();
    let batches =
        client.collect(sql("SELECT * FROM VALUES (1, 3000000000), (2, NULL) AS t(a, b) WHERE a > 0")).await.unwrap();
    let types: Vec<DataType> = batches[0].schema().fields().iter().map(|f| f.data_type().clone()).collect();
    assert_eq!(types, [DataType::Int32, DataType::Int64]);
    assert_eq!(table(&batches), (vec!["a".into(), "b".into()], rows(&[&["1", "3000000000"], &["2", "NULL"]])));
}

/// The columns and rows the statistics tests start from, as Spark 4.3 was asked them.
fn statistics_input() -> Relation {
    sql("SELECT * FROM VALUES (1, 2.5D, 'a', true, 10000000.0D), (2, NULL, 'bb', false, 0.0001D), \
         (3, 4.0D, NULL, NULL, 3e20D), (4, 1.0D, 'c', true, -2.0D) AS t(i, d, s, b, big)")
}

fn pairs_input() -> Relation {
    sql("SELECT * FROM VALUES (1, 1.5D, 'x'), (2, 2.5D, 'y'), (3, 2.0D, 'x'), (4, 10.0D, 'x'), (5, NULL, NULL) \
         AS t(a, c, k)")
}

fn boxed(input: Relation) -> Option<Box<Relation>> {
    Some(Box::new(input))
}

fn describe(input: Relation, cols: &[&str]) -> Relation {
    let cols = cols.iter().map(|c| c.to_string()).collect();
    relation(RelType::Describe(Box::new(proto::StatDescribe { input: boxed(input), cols })))
}

fn summary(input: Relation, statistics: &[&str]) -> Relation {
    let statistics = statistics.iter().map(|s| s.to_string()).collect();
    relation(RelType::Summary(Box::new(proto::StatSummary { input: boxed(input), statistics })))
}

/// Every column of `batches` is a string column.
fn all_strings(batches: &[RecordBatch]) -> bool {
    batches[0].schema().fields().iter().all(|f| *f.data_type() == DataType::Utf8)
}

#[tokio::test]
async fn describe_and_summary_give_sparks_strings() {
    let client = LocalClient::new();
    let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    // Spark 4.3: numeric and string columns only (not the boolean `b`), every cell a string.
    let described = client.collect(describe(statistics_input(), &[])).await.unwrap();
    assert!(all_strings(&described));
    assert_eq!(
        table(&described),
        (
            names(&["summary", "i", "d", "s", "big"]),
            rows(&[
                &["count", "4", "3", "3", "4"],
                &["mean", "2.5", "2.5", "NULL", "7.50000000000025E19"],
                &["stddev", "1.2909944487358056", "1.5", "NULL", "1.4999999999999833E20"],
                &["min", "1", "1.0", "a", "-2.0"],
                &["max", "4", "4.0", "c", "3.0E20"],
            ])
        )
    );
    let chosen = client.collect(describe(statistics_input(), &["i", "s"])).await.unwrap();
    assert_eq!(
        table(&chosen),
        (
            names(&["summary", "i", "s"]),
            rows(&[
                &["count", "4", "3"],
                &["mean", "2.5", "NULL"],
                &["stddev", "1.2909944487358056", "NULL"],
                &["min", "1", "a"],
                &["max", "4", "c"],
            ])
        )
    );
    let summarized = client.collect(summary(statistics_input(), &[])).await.unwrap();
    let (_, cells) = table(&summarized);
    assert_eq!(
        cells[4..7],
        rows(&[
            &["25%", "1", "1.0", "NULL", "-2.0"],
            &["50%", "2", "2.5", "NULL", "1.0E-4"],
            &["75%", "3", "4.0", "NULL", "1.0E7"]
        ])
    );
    let chosen = ["count", "min", "10%", "50%", "99%", "count_distinct", "approx_count_distinct", "MAX"];
    let summarized = client.collect(summary(statistics_input(), &chosen)).await.unwrap();
    assert_eq!(
        table(&summarized).1,
        rows(&[
            &["count", "4", "3", "3", "4"],
            &["min", "1", "1.0", "a", "-2.0"],
            &["10%", "1", "1.0", "NULL", "-2.0"],
            &["50%", "2", "2.5", "NULL", "1.0E-4"],
            &["99%", "4", "4.0", "NULL", "3.0E20"],
            &["count_distinct", "4", "3", "3", "4"],
            &["approx_count_distinct", "4", "3", "3", "4"],
            &["MAX", "4", "4.0", "c", "3.0E20"],
        ])
    );
    // No rows: a count of 0 and NULLs. No numeric or string column: the labels alone.
    let empty = client.collect(describe(range(0), &[])).await.unwrap();
    assert_eq!(
        table(&empty).1,
        rows(&[&["count", "0"], &["mean", "NULL"], &["stddev", "NULL"], &["min", "NULL"], &["max", "NULL"]])
    );
    let booleans = client.collect(summary(sql("SELECT true AS b"), &[])).await.unwrap();
    assert_eq!(
        table(&booleans),
        (
            names(&["summary"]),
            rows(&[&["count"], &["mean"], &["stddev"], &["min"], &["25%"], &["50%"], &["75%"], &["max"]])
        )
    );
    let refused = client.collect(summary(range(1), &["bogus"])).await.unwrap_err();
    assert!(refused.starts_with("[UNRECOGNIZED_STATISTIC] The statistic 'bogus' is not recognized."), "{refused}");
}

/// The one value of a one-row, one-column answer.
async fn single_value(client: &LocalClient, relation: Relation) -> ScalarValue {
    let batches = client.collect(relation).await.unwrap();
    let (_, _, arrays) = column(&batches);
    assert_eq!(arrays.iter().map(|a| a.len()).sum::<usize>(), 1);
    ScalarValue::try_from_array(&arrays[0], 0).unwrap()
}

fn correlation(input: Relation, col1: &str, col2: &str, covariance: bool) -> Relation {
    let (col1, col2) = (col1.to_string(), col2.to_string());
    relation(if covariance {
        RelType::Cov(Box::new(proto::StatCov { input: boxed(input), col1, col2 }))
    } else {
        RelType::Corr(Box::new(proto::StatCorr { input: boxed(input), col1, col2, method: Some("pearson".into()) }))
    })
}

#[tokio::test]
async fn corr_and_cov_count_nulls_as_zero_and_answer_nan_or_zero_when_undefined() {
    let client = LocalClient::new();
    let value = async |relation| match single_value(&client, relation).await {
        ScalarValue::Float64(Some(v)) => v,
        other => panic!("not a double: {other:?}"),
    };
    // Spark 4.3 (over Spark Connect).
    // Spark's own last digits depend on how its rows are partitioned (0.18175328813745437 here).
    assert!((value(correlation(pairs_input(), "a", "c", false)).await - 0.18175328813745437).abs() < 1e-15);
    assert_eq!(value(correlation(pairs_input(), "a", "c", true)).await, 1.125);
    let one = sql("SELECT 1 AS a, 2 AS c");
    assert!(value(correlation(one.clone(), "a", "c", false)).await.is_nan());
    assert_eq!(value(correlation(one, "a", "c", true)).await, 0.0);
    let constant = sql("SELECT * FROM VALUES (1, 2), (1, 3) AS t(a, c)");
    assert!(value(correlation(constant.clone(), "a", "c", false)).await.is_nan());
    assert_eq!(value(correlation(constant, "a", "c", true)).await, 0.0);
    let refused = client.collect(correlation(pairs_input(), "a", "k", false)).await.unwrap_err();
    assert_eq!(
        refused,
        "requirement failed: Currently correlation calculation for columns with dataType string not supported."
    );
}

fn approx_quantile(input: Relation, cols: &[&str], probabilities: &[f64], relative_error: f64) -> Relation {
    relation(RelType::ApproxQuantile(Box::new(proto::StatApproxQuantile {
        input: boxed(input),
        cols: cols.iter().map(|c| c.to_string()).collect(),
        probabilities: probabilities.to_vec(),
        relative_error,
    })))
}

#[tokio::test]
async fn approx_quantile_answers_one_array_per_column() {
    let client = LocalClient::new();
    let quantiles = async |relation| -> Vec<Vec<f64>> {
        let batches = client.collect(relation).await.unwrap();
        let (name, data_type, arrays) = column(&batches);
        assert_eq!(name, "approx_quantile");
        assert!(matches!(data_type, DataType::List(_)), "{data_type}");
        let columns = arrays[0].as_list::<i32>().value(0);
        let columns = columns.as_list::<i32>();
        (0..columns.len()).map(|i| columns.value(i).as_primitive::<Float64Type>().values().to_vec()).collect()
    };
    // Spark 4.3, relative error 0 (exact).
    let probabilities = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0];
    assert_eq!(
        quantiles(approx_quantile(pairs_input(), &["a", "c"], &probabilities, 0.0)).await,
        [vec![1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0], vec![1.5, 1.5, 1.5, 2.0, 2.5, 10.0, 10.0]]
    );
    let probabilities = [0.0, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9, 0.95, 1.0];
    assert_eq!(
        quantiles(approx_quantile(range(10), &["id"], &probabilities, 0.0)).await,
        [vec![0.0, 0.0, 2.0, 2.0, 4.0, 7.0, 8.0, 9.0, 9.0]]
    );
    assert_eq!(quantiles(approx_quantile(range(0), &["id"], &[0.5, 0.9], 0.0)).await, [Vec::<f64>::new()]);
    let refused = client.collect(approx_quantile(pairs_input(), &["k"], &[0.5], 0.0)).await.unwrap_err();
    assert_eq!(
        refused,
        "requirement failed: Quantile calculation for column k with data type StringType is not supported."
    );
}

#[tokio::test]
async fn crosstab_counts_pairs_under_columns_named_by_the_values() {
    let client = LocalClient::new();
    let crosstab = |input: Relation, col1: &str, col2: &str| {
        relation(RelType::Crosstab(Box::new(proto::StatCrosstab {
            input: boxed(input),
            col1: col1.into(),
            col2: col2.into(),
        })))
    };
    let sorted = |(names, mut cells): (Vec<String>, Vec<Vec<String>>)| {
        cells.sort();
        (names, cells)
    };
    // Spark 4.3 (its rows come in no particular order).
    let counted = client.collect(crosstab(pairs_input(), "a", "k")).await.unwrap();
    assert!(counted[0].schema().fields()[1..].iter().all(|f| *f.data_type() == DataType::Int64));
    assert_eq!(
        sorted(table(&counted)),
        (
            vec!["a_k".into(), "null".into(), "x".into(), "y".into()],
            rows(&[
                &["1", "0", "1", "0"],
                &["2", "0", "0", "1"],
                &["3", "0", "1", "0"],
                &["4", "0", "1", "0"],
                &["5", "1", "0", "0"]
            ])
        )
    );
    let doubles = sql("SELECT * FROM VALUES (1.5D, 10), (2.0D, 2), (NULL, 10) AS t(a, b)");
    let counted = client.collect(crosstab(doubles, "a", "b")).await.unwrap();
    assert_eq!(
        sorted(table(&counted)),
        (
            vec!["a_b".into(), "10".into(), "2".into()],
            rows(&[&["1.5", "1", "0"], &["2.0", "0", "1"], &["null", "1", "0"]])
        )
    );
    let quoted = sql("SELECT * FROM VALUES (true, 'a b'), (false, 'a`b') AS t(a, b)");
    let counted = client.collect(crosstab(quoted, "a", "b")).await.unwrap();
    assert_eq!(
        sorted(table(&counted)),
        (vec!["a_b".into(), "a b".into(), "ab".into()], rows(&[&["false", "0", "1"], &["true", "1", "0"]]))
    );
}

#[tokio::test]
async fn freq_items_and_sample_by() {
    let client = LocalClient::new();
    let freq_items = |cols: &[&str], support: Option<f64>| {
        relation(RelType::FreqItems(Box::new(proto::StatFreqItems {
            input: boxed(pairs_input()),
            cols: cols.iter().map(|c| c.to_string()).collect(),
            support,
        })))
    };
    // Spark 4.3 answers [1, 2, 3, 4, 5], [None, 'x', 'y'] and [None, 1.5, 2.5, 2.0, 10.0] (its
    // hash map's order); with no more values than counters, every value comes back.
    let items = client.collect(freq_items(&["a", "k", "c"], None)).await.unwrap();
    assert_eq!(
        table(&items),
        (
            vec!["a_freqItems".into(), "k_freqItems".into(), "c_freqItems".into()],
            rows(&[&["[1, 2, 3, 4, 5]", "[NULL, x, y]", "[NULL, 1.5, 2.0, 2.5, 10.0]"]])
        )
    );
    assert_eq!(table(&client.collect(freq_items(&["k"], Some(0.5))).await.unwrap()).1, rows(&[&["[x]"]]));

    let string = |s: &str| expression::Literal {
        literal_type: Some(expression::literal::LiteralType::String(s.into())),
        ..Default::default()
    };
    let fraction =
        |stratum: &str, fraction: f64| proto::stat_sample_by::Fraction { stratum: Some(string(stratum)), fraction };
    let sampled = relation(RelType::SampleBy(Box::new(proto::StatSampleBy {
        input: boxed(pairs_input()),
        col: Some(col("k")),
        fractions: vec![fraction("x", 1.0), fraction("y", 0.0)],
        seed: Some(42),
    })));
    let kept = client.collect(sampled).await.unwrap();
    assert_eq!(table(&kept).1, rows(&[&["1", "1.5", "x"], &["3", "2.0", "x"], &["4", "10.0", "x"]]));
}

#[tokio::test]
async fn union_by_name_fills_the_columns_either_side_lacks_with_nulls() {
    let client = LocalClient::new();
    let union = |left: Relation, right: Relation, allow_missing: bool| {
        relation(RelType::SetOp(Box::new(proto::SetOperation {
            left_input: boxed(left),
            right_input: boxed(right),
            set_op_type: proto::set_operation::SetOpType::Union as i32,
            is_all: Some(true),
            by_name: Some(true),
            allow_missing_columns: Some(allow_missing),
        })))
    };
    let left = || sql("SELECT 1 AS id, 'x' AS name, 1.5D AS score");
    let right = || sql("SELECT 2.5D AS score, CAST(2 AS BIGINT) AS id, 7 AS extra");
    // Spark 4.3: id bigint, name string, score double, extra int; the left side's rows first.
    let batches = client.collect(union(left(), right(), true)).await.unwrap();
    let types: Vec<DataType> = batches[0].schema().fields().iter().map(|f| f.data_type().clone()).collect();
    assert_eq!(types, [DataType::Int64, DataType::Utf8, DataType::Float64, DataType::Int32]);
    let (names, mut cells) = table(&batches);
    cells.sort();
    assert_eq!(names, ["id", "name", "score", "extra"]);
    assert_eq!(cells, rows(&[&["1", "x", "1.5", "NULL"], &["2", "NULL", "2.5", "7"]]));
    let batches = client.collect(union(right(), left(), true)).await.unwrap();
    let (names, mut cells) = table(&batches);
    cells.sort();
    assert_eq!(names, ["score", "id", "extra", "name"]);
    assert_eq!(cells, rows(&[&["1.5", "1", "NULL", "x"], &["2.5", "2", "7", "NULL"]]));
    let refused = client.collect(union(left(), right(), false)).await.unwrap_err();
    assert!(
        refused.starts_with(
            "[UNRESOLVED_COLUMN_AMONG_FIELD_NAMES] Cannot resolve column name \"name\" among (score, id, extra)."
        ),
        "{refused}"
    );
}

#[tokio::test]
async fn count_distinct_over_several_columns_counts_combinations_where_all_are_set() {
    let client = LocalClient::new();
    let input = || sql("SELECT * FROM VALUES (1, 1), (1, NULL), (NULL, 2), (1, 1), (2, 1) AS t(a, b)");
    let counted = select(
        input(),
        vec![
            call("count_distinct", vec![col("a"), col("b")]),
            alias(call("countDistinct", vec![col("a"), col("b")]), "n"),
            call("count", vec![col("a"), col("b")]),
        ],
    );
    // Spark 4.3.
    let batches = client.collect(counted).await.unwrap();
    assert_eq!(
        table(&batches),
        (vec!["count(DISTINCT a, b)".into(), "n".into(), "count(a, b)".into()], rows(&[&["2", "2", "3"]]))
    );
    let grouped = relation(RelType::Aggregate(Box::new(proto::Aggregate {
        input: boxed(input()),
        group_type: proto::aggregate::GroupType::Groupby as i32,
        grouping_expressions: vec![col("a")],
        aggregate_expressions: vec![call("count_distinct", vec![col("a"), col("b")])],
        ..Default::default()
    })));
    let (names, mut cells) = table(&client.collect(grouped).await.unwrap());
    cells.sort();
    assert_eq!(names, ["a", "count(DISTINCT a, b)"]);
    assert_eq!(cells, rows(&[&["1", "1"], &["2", "1"], &["NULL", "0"]]));
    let in_sql = client
        .collect(sql("SELECT count(DISTINCT a, b) AS n, count(a, b) AS m FROM VALUES (1, 1), (1, NULL), \
        (NULL, 2), (1, 1), (2, 1) AS t(a, b)"))
        .await
        .unwrap();
    assert_eq!(table(&in_sql).1, rows(&[&["2", "3"]]));
}

#[tokio::test]
async fn a_null_partition_value_is_written_and_read_as_spark_does() {
    use spark_connect_proto::write_operation::SaveType;

    let client = LocalClient::new();
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("out").display().to_string();
    let write = proto::WriteOperation {
        input: Some(sql("SELECT * FROM VALUES (1, 7), (2, NULL) AS t(v, p)")),
        source: Some("parquet".into()),
        save_type: Some(SaveType::Path(path.clone())),
        partitioning_columns: vec!["p".into()],
        ..Default::default()
    };
    let command = proto::Command { command_type: Some(proto::command::CommandType::WriteOperation(write)) };
    client.execute(proto::plan::OpType::Command(command)).await.unwrap();
    // Spark 4.3: these directories, and the NULL back as NULL in an int column.
    let mut directories: Vec<String> =
        std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    directories.sort();
    assert_eq!(directories, ["p=7", "p=__HIVE_DEFAULT_PARTITION__"]);
    let read = relation(RelType::Read(proto::Read {
        read_type: Some(proto::read::ReadType::DataSource(proto::read::DataSource {
            format: Some("parquet".into()),
            paths: vec![path],
            ..Default::default()
        })),
        ..Default::default()
    }));
    let batches = client.collect(read).await.unwrap();
    let types: Vec<DataType> = batches[0].schema().fields().iter().map(|f| f.data_type().clone()).collect();
    assert_eq!(types, [DataType::Int32, DataType::Int32]);
    let (names, mut cells) = table(&batches);
    cells.sort();
    assert_eq!((names, cells), (vec!["v".into(), "p".into()], rows(&[&["1", "7"], &["2", "NULL"]])));
}

/// A PySpark lambda: `lambda x_0, ...: body` as the Connect client sends it.
fn lambda(variables: &[&str], body: Expression) -> Expression {
    let arguments = variables
        .iter()
        .map(|v| expression::UnresolvedNamedLambdaVariable { name_parts: vec![v.to_string()] })
        .collect();
    expression(ExprType::LambdaFunction(Box::new(expression::LambdaFunction {
        function: Some(Box::new(body)),
        arguments,
    })))
}

fn variable(name: &str) -> Expression {
    expression(ExprType::UnresolvedNamedLambdaVariable(expression::UnresolvedNamedLambdaVariable {
        name_parts: vec![name.into()],
    }))
}

#[tokio::test]
async fn dataframe_lambdas_answer_and_name_as_spark() {
    let client = LocalClient::new();
    let input = || sql("SELECT array(1, 2, NULL, 4) AS values");
    // df.select(transform("values", lambda x: x * 2)).show(truncate=False), as Spark 4.3 prints it.
    let doubled = call("transform", vec![col("values"), lambda(&["x_0"], call("*", vec![variable("x_0"), lit(2)]))]);
    let shown = client.show(select(input(), vec![doubled]), 20).await.unwrap();
    let header = "transform(values, lambdafunction((namedlambdavariable() * 2), namedlambdavariable()))";
    assert_eq!(shown.lines().nth(1).unwrap(), format!("|{header}|"));
    assert!(shown.lines().nth(3).unwrap().starts_with("|[2, 4, NULL, 8] "), "{shown}");

    // aggregate(values, 0, lambda acc, x: acc + coalesce(x, 0), lambda acc: acc * 10) is 70; Spark
    // names the identity finish it adds to an aggregate without one.
    let merge =
        lambda(&["acc_1", "x_2"], call("+", vec![variable("acc_1"), call("coalesce", vec![variable("x_2"), lit(0)])]));
    let finish = lambda(&["acc_3"], call("*", vec![variable("acc_3"), lit(10)]));
    let folded = call("aggregate", vec![col("values"), lit(0), merge.clone(), finish]);
    let (_, data_type, arrays) = column(&client.collect(select(input(), vec![alias(folded, "f")])).await.unwrap());
    assert_eq!(data_type, DataType::Int32);
    assert_eq!(arrays[0].as_primitive::<datafusion::arrow::datatypes::Int32Type>().value(0), 70);
    let unfinished = call("aggregate", vec![col("values"), lit(0), merge]);
    let (name, _, _) = column(&client.collect(select(input(), vec![unfinished])).await.unwrap());
    assert_eq!(
        name,
        "aggregate(values, 0, lambdafunction((namedlambdavariable() + coalesce(namedlambdavariable(), 0)), \
         namedlambdavariable(), namedlambdavariable()), lambdafunction(namedlambdavariable(), namedlambdavariable()))"
    );

    // exists(values, lambda x: x > 3) is true; (x, i) -> i on filter keeps the later elements.
    let exists = call("exists", vec![col("values"), lambda(&["x_4"], call(">", vec![variable("x_4"), lit(3)]))]);
    let (_, _, arrays) = column(&client.collect(select(input(), vec![alias(exists, "e")])).await.unwrap());
    assert!(arrays[0].as_boolean().value(0));
}

fn write_command(write: proto::WriteOperation) -> proto::plan::OpType {
    proto::plan::OpType::Command(proto::Command {
        command_type: Some(proto::command::CommandType::WriteOperation(write)),
    })
}

fn read_source(format: &str, path: &str, options: &[(&str, &str)], schema: Option<&str>) -> Relation {
    relation(RelType::Read(proto::Read {
        read_type: Some(proto::read::ReadType::DataSource(proto::read::DataSource {
            format: Some(format.into()),
            paths: vec![path.into()],
            options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            schema: schema.map(str::to_string),
            ..Default::default()
        })),
        ..Default::default()
    }))
}

#[tokio::test]
async fn text_and_xml_are_written_and_read_back_as_spark_does() {
    use spark_connect_proto::write_operation::SaveType;

    let client = LocalClient::new();
    let directory = tempfile::tempdir().unwrap();
    let text = directory.path().join("text").display().to_string();
    let write = proto::WriteOperation {
        input: Some(sql("SELECT * FROM VALUES ('a'), ('b'), ('c') AS t(alphabets)")),
        source: Some("text".into()),
        save_type: Some(SaveType::Path(text.clone())),
        ..Default::default()
    };
    client.execute(write_command(write)).await.unwrap();
    // spark.read.schema(df.schema).text(d).sort("alphabets").show(), as Spark 4.3 prints it.
    let read = read_source("text", &text, &[], Some("alphabets STRING"));
    assert_eq!(
        client.show(read, 20).await.unwrap(),
        "+---------+\n|alphabets|\n+---------+\n|a        |\n|b        |\n|c        |\n+---------+\n"
    );
    let whole = read_source("text", &text, &[("wholetext", "true")], None);
    let (names, cells) = table(&client.collect(whole).await.unwrap());
    assert_eq!((names, cells), (vec!["value".into()], rows(&[&["a\nb\nc\n"]])));

    let xml = directory.path().join("xml").display().to_string();
    let write = proto::WriteOperation {
        input: Some(sql("SELECT 'Hyukjin Kwon' AS name, CAST(100 AS BIGINT) AS age")),
        source: Some("xml".into()),
        save_type: Some(SaveType::Path(xml.clone())),
        options: [("rowTag".to_string(), "person".to_string())].into(),
        ..Default::default()
    };
    client.execute(write_command(write)).await.unwrap();
    // Spark 4.3 reads its own XML back with the fields sorted: age bigint, name string.
    let read = read_source("xml", &xml, &[("rowTag", "person")], None);
    assert_eq!(client.schema_string(read.clone()).await.unwrap(), "struct<age:bigint,name:string>");
    let (names, cells) = table(&client.collect(read).await.unwrap());
    assert_eq!((names, cells), (vec!["age".into(), "name".into()], rows(&[&["100", "Hyukjin Kwon"]])));
    let orc = read_source("orc", &xml, &[], None);
    assert!(client.collect(orc).await.unwrap_err().contains("ORC"));
}

#[tokio::test]
async fn tables_are_saved_inserted_into_and_dropped() {
    use spark_connect_proto::write_operation::save_table::TableSaveMethod;
    use spark_connect_proto::write_operation::{SaveMode, SaveTable, SaveType};

    let client = LocalClient::new();
    let save = |query: &str, method: TableSaveMethod, mode: SaveMode| proto::WriteOperation {
        input: Some(sql(query)),
        save_type: Some(SaveType::Table(SaveTable { table_name: "tblA".into(), save_method: method as i32 })),
        mode: mode as i32,
        ..Default::default()
    };
    let first = "SELECT * FROM VALUES (100, 'Hyukjin Kwon'), (140, 'Haejoon Lee') AS t(age, name)";
    client.execute(write_command(save(first, TableSaveMethod::SaveAsTable, SaveMode::Unspecified))).await.unwrap();
    let again = client.execute(write_command(save(first, TableSaveMethod::SaveAsTable, SaveMode::ErrorIfExists))).await;
    assert!(again.unwrap_err().contains("TABLE_OR_VIEW_ALREADY_EXISTS"));
    // insertInto matches by position: col1/col2 land in age/name.
    let more = "SELECT 120 AS col1, 'Hyukjin Kwon' AS col2";
    client.execute(write_command(save(more, TableSaveMethod::InsertInto, SaveMode::Append))).await.unwrap();
    let (names, mut cells) = table(&client.collect(sql("SELECT * FROM tblA")).await.unwrap());
    cells.sort();
    assert_eq!(
        (names, cells),
        (
            vec!["age".into(), "name".into()],
            rows(&[&["100", "Hyukjin Kwon"], &["120", "Hyukjin Kwon"], &["140", "Haejoon Lee"]])
        )
    );
    client.sql_command("DROP TABLE tblA").await.unwrap();
    assert!(client.collect(sql("SELECT * FROM tblA")).await.is_err());
    client.sql_command("DROP TABLE IF EXISTS tblA").await.unwrap();
}

#[tokio::test]
async fn transpose_and_na_drop_with_nan_answer_as_spark() {
    let client = LocalClient::new();
    let frame = sql("SELECT * FROM VALUES ('A', 1, 2), ('B', 3, 4) AS t(id, val1, val2)");
    let transposed = relation(RelType::Transpose(Box::new(proto::Transpose {
        input: Some(Box::new(frame)),
        index_columns: vec![],
    })));
    // df.transpose().show(), Spark 4.3.
    assert_eq!(
        client.show(transposed, 20).await.unwrap(),
        "+----+---+---+\n|key |A  |B  |\n+----+---+---+\n|val1|1  |3  |\n|val2|2  |4  |\n+----+---+---+\n"
    );
    // df.na.drop(): a NaN is as missing as a NULL (Spark 4.3 keeps only Alice's row).
    let people =
        sql("SELECT * FROM VALUES (10, 80.0, 'Alice'), (5, CAST('NaN' AS DOUBLE), 'Bob'), (NULL, NULL, 'Tom') \
         AS t(age, height, name)");
    let dropped = relation(RelType::DropNa(Box::new(proto::NaDrop {
        input: Some(Box::new(people)),
        cols: vec![],
        min_non_nulls: None,
    })));
    let (_, cells) = table(&client.collect(dropped).await.unwrap());
    assert_eq!(cells, rows(&[&["10", "80.0", "Alice"]]));
}
