//! Spark Connect without a cluster: requests go through the real gRPC service handlers into a
//! [`LocalEngine`], and answers are decoded as PySpark decodes them. This is the layer where the
//! translation of Spark's plans and Spark's semantics are tested; each test takes milliseconds.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::arrow::ipc::reader::StreamReader;
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
struct LocalClient {
    service: ConnectService,
    session_id: String,
}

impl LocalClient {
    fn new() -> Self {
        Self { service: ConnectService::new(Arc::new(LocalEngine)), session_id: uuid::Uuid::new_v4().to_string() }
    }

    /// Runs `relation` as `df.collect()` does, returning the Arrow batches the client receives,
    /// or the error's message.
    async fn collect(&self, relation: Relation) -> Result<Vec<RecordBatch>, String> {
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
}

fn relation(kind: RelType) -> Relation {
    Relation { rel_type: Some(kind), ..Default::default() }
}

fn sql(query: &str) -> Relation {
    relation(RelType::Sql(proto::Sql { query: query.into(), ..Default::default() }))
}

fn range(end: i64) -> Relation {
    relation(RelType::Range(proto::Range { start: Some(0), end, step: 1, num_partitions: None }))
}

fn select(input: Relation, expressions: Vec<Expression>) -> Relation {
    relation(RelType::Project(Box::new(proto::Project { input: Some(Box::new(input)), expressions })))
}

fn expression(kind: ExprType) -> Expression {
    Expression { expr_type: Some(kind), ..Default::default() }
}

fn col(name: &str) -> Expression {
    expression(ExprType::UnresolvedAttribute(expression::UnresolvedAttribute {
        unparsed_identifier: name.into(),
        ..Default::default()
    }))
}

fn lit(value: i32) -> Expression {
    expression(ExprType::Literal(expression::Literal {
        literal_type: Some(expression::literal::LiteralType::Integer(value)),
        ..Default::default()
    }))
}

fn call(name: &str, arguments: Vec<Expression>) -> Expression {
    expression(ExprType::UnresolvedFunction(expression::UnresolvedFunction {
        function_name: name.into(),
        arguments,
        ..Default::default()
    }))
}

fn alias(expr: Expression, name: &str) -> Expression {
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
