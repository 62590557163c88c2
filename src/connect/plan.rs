//! Spark Connect relations → DataFusion logical plans.
//!
//! A [`Translator`] walks one request's relation tree bottom-up and builds the plan that Ballista
//! then runs on the workers. It remembers which columns each `plan_id` produced, so a column
//! reference such as `orders.customer_id` inside a join condition finds the side it came from,
//! and it gives every join input distinct qualifiers, since DataFusion (unlike Spark) refuses two
//! inputs whose columns share a qualified name. Data the client sends inline
//! (`createDataFrame`) becomes a VALUES plan, so it travels to the cluster inside the plan.

use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::catalog::TableProvider;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema, JoinType, ScalarValue, TableReference};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::datasource::provider_as_source;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::expr::Case;
use datafusion::logical_expr::utils::{expr_as_column_expr, find_aggregate_exprs};
use datafusion::logical_expr::{
    Cast, Expr, ExprFunctionExt, ExprSchemable, GroupingSet, LogicalPlan, LogicalPlanBuilder, SortExpr, lit,
};
use datafusion::prelude::{DataFrame, SessionContext};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use object_store::ObjectStoreExt;
use spark_connect_proto::expression::ExprType;
use spark_connect_proto::relation::RelType;
use spark_connect_proto::{self as proto, Expression, Relation};

use super::error::{ConnectError, ConnectResult};
use super::expr::{PlanColumns, Resolver, literal_value, named, spark_name};
use super::generate::Generator;

/// Translates the relations of one request.
pub(crate) struct Translator<'a> {
    ctx: &'a SessionContext,
    time_zone: String,
    plans: Mutex<PlanColumns>,
    /// Plan ids in the order their relations were translated, to find a subtree's ids.
    order: Mutex<Vec<i64>>,
    aliases: AtomicUsize,
    /// `df.observe(name, metrics)` seen in the tree, computed once the query has run.
    observed: Mutex<Vec<Observed>>,
}

/// The metrics of one `observe`: a one-row aggregate over the observed frame.
pub(crate) struct Observed {
    pub(crate) name: String,
    pub(crate) plan_id: i64,
    pub(crate) keys: Vec<String>,
    pub(crate) plan: LogicalPlan,
}

/// Where a column of the relation's output comes from, for `withColumn` and friends.
fn output_columns(plan: &LogicalPlan) -> Vec<Expr> {
    plan.schema().iter().map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name()))).collect()
}

fn input<'r>(relation: &'r Option<Box<Relation>>, what: &str) -> ConnectResult<&'r Relation> {
    relation.as_deref().ok_or_else(|| ConnectError::invalid(format!("{what} without an input relation")))
}

impl<'a> Translator<'a> {
    pub(crate) fn new(ctx: &'a SessionContext, time_zone: &str) -> Self {
        Self {
            ctx,
            time_zone: time_zone.to_string(),
            plans: Mutex::default(),
            order: Mutex::default(),
            aliases: AtomicUsize::new(0),
            observed: Mutex::default(),
        }
    }

    /// The `observe` metrics the translated tree asked for.
    pub(crate) fn observed(&self) -> Vec<Observed> {
        std::mem::take(&mut *self.observed.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn resolve<R>(&self, schema: &DFSchema, f: impl FnOnce(&Resolver) -> ConnectResult<R>) -> ConnectResult<R> {
        let state = self.ctx.state();
        let plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        let resolver = Resolver { state: &state, schema, plans: &plans, time_zone: &self.time_zone, variables: &[] };
        f(&resolver)
    }

    /// Expressions against `plan`'s output.
    pub(crate) fn exprs(&self, plan: &LogicalPlan, expressions: &[Expression]) -> ConnectResult<Vec<Expr>> {
        self.resolve(plan.schema(), |r| expressions.iter().map(|e| r.expr(e)).collect())
    }

    fn dataframe(&self, plan: LogicalPlan) -> DataFrame {
        DataFrame::new(self.ctx.state(), plan)
    }

    /// The plan of a relation tree.
    pub(crate) fn relation<'r>(&'r self, relation: &'r Relation) -> BoxFuture<'r, ConnectResult<LogicalPlan>> {
        async move {
            let plan = self.translate(relation).await?;
            if let Some(id) = relation.common.as_ref().and_then(|c| c.plan_id) {
                let columns = plan.schema().iter().map(|(q, f)| (q.cloned(), f.name().clone())).collect();
                self.plans.lock().unwrap_or_else(|p| p.into_inner()).insert(id, columns);
                self.order.lock().unwrap_or_else(|p| p.into_inner()).push(id);
            }
            Ok(plan)
        }
        .boxed()
    }

    async fn translate(&self, relation: &Relation) -> ConnectResult<LogicalPlan> {
        let Some(kind) = &relation.rel_type else { return Err(ConnectError::invalid("a relation without a type")) };
        match kind {
            RelType::Read(read) => self.read(read).await,
            RelType::Project(project) => {
                let plan = match &project.input {
                    Some(input) => self.relation(input).await?,
                    None => LogicalPlanBuilder::empty(true).build()?,
                };
                self.project(plan, &project.expressions)
            }
            RelType::Filter(filter) => {
                let plan = self.relation(input(&filter.input, "filter")?).await?;
                let condition =
                    filter.condition.as_ref().ok_or_else(|| ConnectError::invalid("filter without a condition"))?;
                let condition = self.resolve(plan.schema(), |r| r.expr(condition))?;
                Ok(self.dataframe(plan).filter(condition)?.into_unoptimized_plan())
            }
            RelType::Join(join) => self.join(join).await,
            RelType::SetOp(set) => self.set_operation(set).await,
            RelType::Sort(sort) => {
                let plan = self.relation(input(&sort.input, "sort")?).await?;
                let keys: Vec<SortExpr> =
                    self.resolve(plan.schema(), |r| sort.order.iter().map(|o| r.sort(o)).collect())?;
                Ok(LogicalPlanBuilder::from(plan).sort(keys)?.build()?)
            }
            RelType::Limit(limit) => {
                let plan = self.relation(input(&limit.input, "limit")?).await?;
                Ok(LogicalPlanBuilder::from(plan).limit(0, Some(limit.limit.max(0) as usize))?.build()?)
            }
            RelType::Offset(offset) => {
                let plan = self.relation(input(&offset.input, "offset")?).await?;
                Ok(LogicalPlanBuilder::from(plan).limit(offset.offset.max(0) as usize, None)?.build()?)
            }
            RelType::Tail(tail) => {
                let plan = self.relation(input(&tail.input, "tail")?).await?;
                self.tail(plan, tail.limit.max(0) as usize)
            }
            RelType::Aggregate(aggregate) => self.aggregate(aggregate).await,
            RelType::Sql(sql) => self.sql(sql).await,
            RelType::LocalRelation(local) => self.local_relation(local),
            RelType::Range(range) => self.range(range),
            RelType::SubqueryAlias(alias) => {
                let plan = self.relation(input(&alias.input, "alias")?).await?;
                Ok(LogicalPlanBuilder::from(plan).alias(alias.alias.as_str())?.build()?)
            }
            // Ballista chooses the partitioning; a repartition is a hint it may ignore, as here.
            RelType::Repartition(r) => self.relation(input(&r.input, "repartition")?).await,
            RelType::RepartitionByExpression(r) => self.relation(input(&r.input, "repartition")?).await,
            RelType::Hint(hint) => self.relation(input(&hint.input, "hint")?).await,
            RelType::ToDf(to_df) => {
                let plan = self.relation(input(&to_df.input, "toDF")?).await?;
                if to_df.column_names.len() != plan.schema().fields().len() {
                    return Err(ConnectError::analysis(format!(
                        "[TOO_MANY_ARRAY_ELEMENTS] toDF() got {} names for {} columns",
                        to_df.column_names.len(),
                        plan.schema().fields().len()
                    )));
                }
                let exprs = output_columns(&plan).into_iter().zip(&to_df.column_names).map(|(c, n)| c.alias(n));
                Ok(LogicalPlanBuilder::from(plan).project(exprs)?.build()?)
            }
            RelType::WithColumnsRenamed(rename) => {
                let plan = self.relation(input(&rename.input, "withColumnsRenamed")?).await?;
                let mut renames: Vec<(String, String)> =
                    rename.renames.iter().map(|r| (r.col_name.clone(), r.new_col_name.clone())).collect();
                #[allow(deprecated)]
                renames.extend(rename.rename_columns_map.iter().map(|(a, b)| (a.clone(), b.clone())));
                let exprs: Vec<Expr> = plan
                    .schema()
                    .iter()
                    .map(|(q, f)| {
                        let column = Expr::Column(Column::new(q.cloned(), f.name()));
                        match renames.iter().find(|(from, _)| from.eq_ignore_ascii_case(f.name())) {
                            Some((_, to)) => column.alias(to),
                            None => column,
                        }
                    })
                    .collect();
                Ok(LogicalPlanBuilder::from(plan).project(exprs)?.build()?)
            }
            RelType::Drop(drop) => {
                let plan = self.relation(input(&drop.input, "drop")?).await?;
                let mut dropped: Vec<Column> = Vec::new();
                for expression in &drop.columns {
                    // Spark ignores names that are not there.
                    if let Ok(Expr::Column(c)) = self.resolve(plan.schema(), |r| r.expr(expression)) {
                        dropped.push(c);
                    }
                }
                let keep: Vec<Expr> = plan
                    .schema()
                    .iter()
                    .filter(|(q, f)| {
                        !drop.column_names.iter().any(|n| n.eq_ignore_ascii_case(f.name()))
                            && !dropped
                                .iter()
                                .any(|c| c.name == *f.name() && (c.relation.is_none() || c.relation.as_ref() == *q))
                    })
                    .map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())))
                    .collect();
                Ok(LogicalPlanBuilder::from(plan).project(keep)?.build()?)
            }
            RelType::WithColumns(with) => {
                let plan = self.relation(input(&with.input, "withColumns")?).await?;
                let mut exprs = output_columns(&plan);
                let names: Vec<String> = plan.schema().fields().iter().map(|f| f.name().clone()).collect();
                for alias in &with.aliases {
                    let name = alias.name.first().cloned().unwrap_or_default();
                    let value =
                        alias.expr.as_deref().ok_or_else(|| ConnectError::invalid("withColumn without a value"))?;
                    let value = self.resolve(plan.schema(), |r| r.expr(value))?;
                    // withMetadata: Spark's field metadata (JSON) rides in the Arrow field's.
                    let value = match &alias.metadata {
                        Some(json) => value.alias_with_metadata(
                            &name,
                            Some(datafusion::common::metadata::FieldMetadata::from(BTreeMap::from([(
                                super::types::SPARK_METADATA.to_string(),
                                json.clone(),
                            )]))),
                        ),
                        None => value.alias(&name),
                    };
                    match names.iter().position(|n| n.eq_ignore_ascii_case(&name)) {
                        Some(i) => exprs[i] = value,
                        None => exprs.push(value),
                    }
                }
                self.select(plan, exprs)
            }
            RelType::Deduplicate(dedup) => {
                let plan = self.relation(input(&dedup.input, "dropDuplicates")?).await?;
                if dedup.column_names.is_empty() || dedup.all_columns_as_keys == Some(true) {
                    return Ok(LogicalPlanBuilder::from(plan).distinct()?.build()?);
                }
                let keys = dedup
                    .column_names
                    .iter()
                    .map(|n| self.resolve(plan.schema(), |r| r.column(n, None)))
                    .collect::<ConnectResult<Vec<_>>>()?;
                let all = output_columns(&plan);
                Ok(LogicalPlanBuilder::from(plan).distinct_on(keys, all, None)?.build()?)
            }
            RelType::Sample(sample) => {
                let plan = self.relation(input(&sample.input, "sample")?).await?;
                if sample.with_replacement == Some(true) {
                    return Err(ConnectError::unsupported("sample(withReplacement=True)"));
                }
                let fraction = (sample.upper_bound - sample.lower_bound).clamp(0.0, 1.0);
                let random = self.resolve(plan.schema(), |r| r.call("random", vec![]))?;
                Ok(LogicalPlanBuilder::from(plan).filter(random.lt(lit(fraction)))?.build()?)
            }
            RelType::FillNa(fill) => {
                let plan = self.relation(input(&fill.input, "na.fill")?).await?;
                self.fill_na(plan, fill)
            }
            RelType::DropNa(drop) => {
                let plan = self.relation(input(&drop.input, "na.drop")?).await?;
                self.drop_na(plan, drop)
            }
            RelType::Replace(replace) => {
                let plan = self.relation(input(&replace.input, "na.replace")?).await?;
                self.replace_na(plan, replace)
            }
            RelType::Unpivot(unpivot) => self.unpivot(unpivot).await,
            RelType::Parse(parse) => self.parse(parse).await,
            RelType::Transpose(transpose) => self.transpose(transpose).await,
            RelType::ToSchema(to) => {
                // df.to(schema): the schema's columns, found by name, in its order and types.
                let plan = self.relation(input(&to.input, "to")?).await?;
                let schema = to.schema.as_ref().ok_or_else(|| ConnectError::invalid("to() without a schema"))?;
                let DataType::Struct(fields) = super::types::arrow_type(schema, &self.time_zone)? else {
                    return Err(ConnectError::invalid("to() needs a struct schema"));
                };
                let mut exprs = Vec::new();
                for field in fields.iter() {
                    let Some((q, f)) = plan.schema().iter().find(|(_, f)| f.name().eq_ignore_ascii_case(field.name()))
                    else {
                        return Err(ConnectError::analysis(format!(
                            "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name \
                             `{}` cannot be resolved.",
                            field.name()
                        )));
                    };
                    let column = Expr::Column(Column::new(q.cloned(), f.name()));
                    exprs.push(Expr::Cast(Cast::new(Box::new(column), field.data_type().clone())).alias(field.name()));
                }
                Ok(LogicalPlanBuilder::from(plan).project(exprs)?.build()?)
            }
            RelType::CollectMetrics(collect) => {
                // The frame passes unchanged; its metrics are a second, one-row query that the
                // caller runs after this one (Spark computes them in the same pass).
                let plan = self.relation(input(&collect.input, "observe")?).await?;
                let metrics = self.resolve(plan.schema(), |r| {
                    collect.metrics.iter().map(|e| Ok(named(r.expr(e)?, e))).collect::<ConnectResult<Vec<_>>>()
                })?;
                let aggregated = self.select(plan.clone(), metrics)?;
                if !matches!(aggregated, LogicalPlan::Projection(ref p) if matches!(*p.input, LogicalPlan::Aggregate(_)))
                {
                    return Err(ConnectError::analysis(
                        "[INVALID_OBSERVED_METRICS.NON_AGGREGATE_FUNC_ARG_IS_ATTRIBUTE] observe() metrics must be \
                         aggregate expressions",
                    ));
                }
                let keys = aggregated.schema().fields().iter().map(|f| f.name().clone()).collect();
                let plan_id = relation.common.as_ref().and_then(|c| c.plan_id).unwrap_or(0);
                self.observed.lock().unwrap_or_else(|p| p.into_inner()).push(Observed {
                    name: collect.name.clone(),
                    plan_id,
                    keys,
                    plan: aggregated,
                });
                Ok(plan)
            }
            RelType::Describe(_)
            | RelType::Summary(_)
            | RelType::Cov(_)
            | RelType::Corr(_)
            | RelType::ApproxQuantile(_)
            | RelType::Crosstab(_)
            | RelType::FreqItems(_)
            | RelType::SampleBy(_) => self.statistics(kind).await,
            RelType::WithRelations(with) => {
                for reference in &with.references {
                    match &reference.rel_type {
                        Some(RelType::SubqueryAlias(alias)) => {
                            // PySpark names each DataFrame argument of spark.sql(); the names are
                            // unique, so registering them as views cannot shadow the user's own.
                            let plan = self.relation(input(&alias.input, "reference")?).await?;
                            self.ctx.deregister_table(alias.alias.as_str())?;
                            self.ctx.register_table(
                                alias.alias.as_str(),
                                Arc::new(datafusion::datasource::ViewTable::new(plan, None)),
                            )?;
                        }
                        _ => return Err(ConnectError::unsupported("spark.sql() with this kind of DataFrame argument")),
                    }
                }
                self.relation(input(&with.root, "withRelations")?).await
            }
            RelType::Catalog(catalog) => {
                let request =
                    catalog.cat_type.as_ref().ok_or_else(|| ConnectError::invalid("an empty catalog request"))?;
                super::catalog::catalog(self.ctx, request)
            }
            RelType::ShowString(_) | RelType::HtmlString(_) => {
                Err(ConnectError::unsupported("show() inside another DataFrame operation"))
            }
            RelType::CachedRemoteRelation(cached) => {
                let name = cached_relation_table(&cached.relation_id);
                match self.ctx.table(name.as_str()).await {
                    Ok(df) => Ok(df.into_unoptimized_plan()),
                    Err(_) => Err(ConnectError::analysis(format!(
                        "[INVALID_HANDLE.NOT_FOUND] The handle {} is invalid: the checkpointed DataFrame is gone.",
                        cached.relation_id
                    ))),
                }
            }
            RelType::CachedLocalRelation(_) | RelType::ChunkedCachedLocalRelation(_) => Err(ConnectError::unsupported(
                "cached local relations (createDataFrame above spark.sql.session.localRelationCacheThreshold)",
            )),
            other => Err(ConnectError::unsupported(format!("the DataFrame operation {}", relation_name(other)))),
        }
    }

    /// A projection; handles `*`, window functions, global aggregates and one generator (`explode`).
    fn project(&self, plan: LogicalPlan, expressions: &[Expression]) -> ConnectResult<LogicalPlan> {
        let mut exprs = Vec::new();
        self.resolve(plan.schema(), |r| {
            for expression in expressions {
                match &expression.expr_type {
                    Some(ExprType::UnresolvedStar(star)) => {
                        exprs.extend(r.star(star.unparsed_target.as_deref(), star.plan_id)?)
                    }
                    Some(ExprType::UnresolvedFunction(f)) if f.function_name == "json_tuple" => {
                        // A generator in Spark: one column per field, c0, c1, ...
                        let tuple = r.expr(expression)?;
                        for i in 0..f.arguments.len().saturating_sub(1) {
                            let name = format!("c{i}");
                            exprs.push(
                                datafusion::functions::core::expr_fn::get_field(tuple.clone(), name.as_str())
                                    .alias(name),
                            );
                        }
                    }
                    _ => {
                        let expr = r.expr(expression)?;
                        exprs.push(match struct_field_name(r, expression) {
                            Some(name) if !matches!(expr, Expr::Alias(_)) => expr.alias(name),
                            _ => named(expr, expression),
                        })
                    }
                }
            }
            Ok(())
        })?;
        self.select(plan, exprs)
    }

    fn select(&self, plan: LogicalPlan, exprs: Vec<Expr>) -> ConnectResult<LogicalPlan> {
        let exprs = self.duplicates_set_apart(exprs);
        if let Some(position) = exprs.iter().position(|e| Generator::find(e).is_some()) {
            return self.generate(plan, exprs, position);
        }
        let has_window = exprs.iter().any(|e| e.exists(|e| Ok(matches!(e, Expr::WindowFunction(_)))).unwrap_or(false));
        let aggregates = find_aggregate_exprs(exprs.iter());
        if !aggregates.is_empty() && !has_window {
            // `df.select(max("a"))` aggregates the whole frame, as in Spark.
            let aggregated =
                LogicalPlanBuilder::from(plan).aggregate(Vec::<Expr>::new(), aggregates.clone())?.build()?;
            let rebased =
                exprs.into_iter().map(|e| rebase(e, &aggregates, &aggregated)).collect::<ConnectResult<Vec<_>>>()?;
            return Ok(LogicalPlanBuilder::from(aggregated).project(rebased)?.build()?);
        }
        Ok(self.dataframe(plan).select(exprs)?.into_unoptimized_plan())
    }

    /// Spark allows a select to repeat an output name (`select(from_json(v, s1), from_json(v, s2))`
    /// gives two `from_json(v)` columns); DataFusion refuses two equal qualified names. Each repeat
    /// gets a hidden qualifier of its own: the Arrow schema the client sees still repeats the name,
    /// and a later unqualified reference to it is ambiguous, as in Spark.
    fn duplicates_set_apart(&self, exprs: Vec<Expr>) -> Vec<Expr> {
        let mut seen = std::collections::HashSet::new();
        exprs
            .into_iter()
            .map(|expr| {
                let (qualifier, name) = expr.qualified_name();
                if seen.insert((qualifier, name.clone())) {
                    return expr;
                }
                let hidden = format!("__repeated_{}", self.aliases.fetch_add(1, Ordering::Relaxed));
                let inner = match expr {
                    Expr::Alias(alias) => *alias.expr,
                    other => other,
                };
                inner.alias_qualified(Some(TableReference::bare(hidden)), name)
            })
            .collect()
    }

    /// A select holding a generator (`explode`, …; see [`super::generate`]): the other columns,
    /// then the generated ones in the generator's place, one row per generated row.
    fn generate(&self, plan: LogicalPlan, mut exprs: Vec<Expr>, position: usize) -> ConnectResult<LogicalPlan> {
        let call = exprs.remove(position);
        if exprs.iter().any(|e| Generator::find(e).is_some()) {
            return Err(ConnectError::analysis(
                "[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator \
                 allowed per SELECT clause",
            ));
        }
        let (generator, args, alias) = Generator::find(&call).expect("the caller found a generator");
        let base = self.aliases.fetch_add(1, Ordering::Relaxed);
        let hidden = |i: usize| format!("__generated_{base}_{i}");
        let state = self.ctx.state();
        let unnesting = generator.unnesting(args, alias, plan.schema(), &state, hidden)?;
        let hidden_names: Vec<String> = (0..unnesting.lists.len()).map(hidden).collect();
        let mut first = exprs;
        for (i, list) in unnesting.lists.into_iter().enumerate() {
            first.insert(position + i, list.alias(&hidden_names[i]));
        }
        let projected = self.dataframe(plan).select(first)?.into_unoptimized_plan();
        let options = datafusion::common::UnnestOptions::new().with_preserve_nulls(unnesting.preserve_nulls);
        let columns: Vec<Column> = hidden_names.iter().map(|n| Column::from_name(n.as_str())).collect();
        let unnested = LogicalPlanBuilder::from(projected).unnest_columns_with_options(columns, options)?.build()?;
        let mut generated = Some(unnesting.outputs);
        let mut outputs = Vec::new();
        for (q, f) in unnested.schema().iter() {
            if *f.name() == hidden_names[0] {
                outputs.extend(generated.take().into_iter().flatten());
            } else if !hidden_names.contains(f.name()) {
                outputs.push(Expr::Column(Column::new(q.cloned(), f.name())));
            }
        }
        Ok(LogicalPlanBuilder::from(unnested).project(outputs)?.build()?)
    }

    async fn read(&self, read: &proto::Read) -> ConnectResult<LogicalPlan> {
        use proto::read::ReadType;
        if read.is_streaming {
            return Err(ConnectError::unsupported("streaming reads (readStream)"));
        }
        match &read.read_type {
            Some(ReadType::NamedTable(table)) => {
                let name = super::expr::name_parts(&table.unparsed_identifier).join(".");
                match self.ctx.table(name.as_str()).await {
                    Ok(df) => Ok(df.into_unoptimized_plan()),
                    Err(_) => Err(ConnectError::analysis(format!(
                        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `{}` cannot be found.",
                        table.unparsed_identifier
                    ))),
                }
            }
            Some(ReadType::DataSource(source)) => self.read_files(source).await,
            None => Err(ConnectError::invalid("a read without a source")),
        }
    }

    async fn read_files(&self, source: &proto::read::DataSource) -> ConnectResult<LogicalPlan> {
        let format = source.format.clone().unwrap_or_else(|| "parquet".into()).to_ascii_lowercase();
        let options: BTreeMap<String, String> =
            source.options.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        let mut paths: Vec<String> = source.paths.clone();
        if let Some(path) = options.get("path") {
            paths.push(path.clone());
        }
        if paths.is_empty() {
            return Err(ConnectError::analysis("[UNABLE_TO_INFER_SCHEMA] no path given to read"));
        }
        let flag =
            |key: &str, default: bool| options.get(key).map(|v| v.eq_ignore_ascii_case("true")).unwrap_or(default);
        if matches!(format.as_str(), "text" | "xml") {
            return self.read_on_driver(&format, &paths, &options, source.schema.as_deref()).await;
        }
        let (file_format, extension): (Arc<dyn FileFormat>, &str) = match format.as_str() {
            "csv" => {
                let delimiter = options.get("sep").or(options.get("delimiter")).map(String::as_str).unwrap_or(",");
                let byte = |text: &str, what: &str| -> ConnectResult<u8> {
                    match text.as_bytes() {
                        [b] => Ok(*b),
                        b"\\t" => Ok(b'\t'),
                        _ => Err(ConnectError::unsupported(format!("a {what} of more than one character ({text:?})"))),
                    }
                };
                let mut csv = CsvFormat::default()
                    .with_has_header(flag("header", false))
                    .with_delimiter(byte(delimiter, "CSV separator")?);
                if let Some(quote) = options.get("quote") {
                    csv = csv.with_quote(byte(quote, "CSV quote")?);
                }
                if let Some(escape) = options.get("escape") {
                    csv = csv.with_escape(Some(byte(escape, "CSV escape")?));
                }
                if let Some(null) = options.get("nullvalue") {
                    csv = csv.with_null_regex(Some(format!("^{}$", regex_escape(null))));
                }
                (Arc::new(csv), ".csv")
            }
            "json" => {
                if flag("multiline", false) {
                    return Err(ConnectError::unsupported("multiLine JSON (one JSON document per file)"));
                }
                (Arc::new(JsonFormat::default()), ".json")
            }
            "parquet" => (Arc::new(ParquetFormat::default()), ".parquet"),
            "orc" => {
                return Err(ConnectError::unsupported(
                    "the ORC data source (DataFusion 55 has no ORC reader); read Parquet, CSV or JSON",
                ));
            }
            other => return Err(ConnectError::unsupported(format!("the data source format {other:?}"))),
        };
        let state = self.ctx.state();
        let mut urls = Vec::new();
        let mut extension = extension.to_string();
        for path in &paths {
            let url = ListingTableUrl::parse(path)
                .map_err(|e| ConnectError::analysis(format!("[PATH_NOT_FOUND] invalid path {path}: {e}")))?;
            let store = state.runtime_env().object_store(&url)?;
            // A single file is read whatever its name; a directory by its files of the format.
            if !url.is_collection() && store.head(url.prefix()).await.is_ok() {
                extension = String::new();
            } else {
                let mut listing = store.list(Some(url.prefix()));
                if listing.next().await.is_none() {
                    return Err(ConnectError::analysis(format!("[PATH_NOT_FOUND] Path does not exist: {path}.")));
                }
            }
            urls.push(url);
        }
        let partitions = discover_partitions(&state, &urls[0]).await?;
        // A column with NULLs (directories `key=__HIVE_DEFAULT_PARTITION__`) is listed as text,
        // which DataFusion can read from every directory name, and typed after the scan.
        let listed = partitions
            .iter()
            .map(|p| (p.name.clone(), if p.has_nulls { DataType::Utf8 } else { p.data_type.clone() }))
            .collect();
        let listing = ListingOptions::new(file_format).with_file_extension(extension).with_table_partition_cols(listed);
        let user_schema = match &source.schema {
            Some(text) if !text.trim().is_empty() => Some(super::types::parse_schema(text, &self.time_zone)?),
            _ => None,
        };
        let schema: SchemaRef = match user_schema {
            Some(schema) => {
                // Partition columns come from the directory names, not the files.
                let fields: Vec<Field> = schema
                    .fields()
                    .iter()
                    .filter(|f| !partitions.iter().any(|p| p.name == *f.name()))
                    .map(|f| f.as_ref().clone())
                    .collect();
                Arc::new(Schema::new(fields))
            }
            None => {
                let inferred = listing.infer_schema(&state, &urls[0]).await?;
                match format.as_str() {
                    "csv" => {
                        let infer = flag("inferschema", false);
                        let header = flag("header", false);
                        let fields: Vec<Field> = inferred
                            .fields()
                            .iter()
                            .enumerate()
                            .map(|(i, f)| {
                                let name = if header { f.name().clone() } else { format!("_c{i}") };
                                let ty = if infer { spark_inferred(f.data_type()) } else { DataType::Utf8 };
                                Field::new(name, ty, true)
                            })
                            .collect();
                        Arc::new(Schema::new(fields))
                    }
                    // Spark orders inferred JSON fields by name.
                    "json" => {
                        let mut fields: Vec<Field> = inferred.fields().iter().map(|f| f.as_ref().clone()).collect();
                        fields.sort_by(|a, b| a.name().cmp(b.name()));
                        Arc::new(Schema::new(fields))
                    }
                    _ => inferred,
                }
            }
        };
        let config = ListingTableConfig::new_with_multi_paths(urls.clone())
            .with_listing_options(listing.clone())
            .with_schema(schema.clone());
        let mut table: Arc<dyn TableProvider> = Arc::new(ListingTable::try_new(config)?);
        if format == "csv" && flag("inferschema", false) && source.schema.as_deref().is_none_or(|s| s.trim().is_empty())
        {
            let narrowed = self.narrow_integers(table.clone(), &schema).await?;
            if narrowed != schema {
                let config =
                    ListingTableConfig::new_with_multi_paths(urls).with_listing_options(listing).with_schema(narrowed);
                table = Arc::new(ListingTable::try_new(config)?);
            }
        }
        let name = format!("_read{}", self.aliases.fetch_add(1, Ordering::Relaxed));
        let mut scan = LogicalPlanBuilder::scan(name.as_str(), provider_as_source(table), None)?.build()?;
        if format == "csv"
            && let Some(null) = options.get("nullvalue")
        {
            // The CSV reader's null pattern does not reach string columns read with a given
            // schema, so Spark's `nullValue` is applied to them after the scan.
            let columns: Vec<Expr> = scan
                .schema()
                .iter()
                .map(|(q, f)| {
                    let column = Expr::Column(Column::new(q.cloned(), f.name()));
                    if matches!(f.data_type(), DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8) {
                        let cleared = Expr::Case(Case::new(
                            None,
                            vec![(
                                Box::new(column.clone().eq(lit(null.as_str()))),
                                Box::new(lit(ScalarValue::Utf8(None))),
                            )],
                            Some(Box::new(column)),
                        ));
                        Expr::Cast(Cast::new(Box::new(cleared), f.data_type().clone())).alias(f.name())
                    } else {
                        column
                    }
                })
                .collect();
            scan = LogicalPlanBuilder::from(scan).project(columns)?.build()?;
        }
        if !partitions.iter().any(|p| p.has_nulls) {
            return Ok(scan);
        }
        let columns: Vec<Expr> = scan
            .schema()
            .iter()
            .map(|(qualifier, field)| {
                let column = Expr::Column(Column::new(qualifier.cloned(), field.name()));
                match partitions.iter().find(|p| p.has_nulls && p.name == *field.name()) {
                    Some(partition) => {
                        let value = self.resolve(scan.schema(), |r| {
                            r.call("nullif", vec![column, lit(crate::compat::NULL_PARTITION)])
                        })?;
                        Ok(Expr::Cast(Cast::new(Box::new(value), partition.data_type.clone())).alias(field.name()))
                    }
                    None => Ok(column),
                }
            })
            .collect::<ConnectResult<_>>()?;
        Ok(LogicalPlanBuilder::from(scan).project(columns)?.build()?)
    }

    /// `text` and `xml`, which the driver reads (see [`super::sources`]).
    async fn read_on_driver(
        &self,
        format: &str,
        paths: &[String],
        options: &BTreeMap<String, String>,
        schema: Option<&str>,
    ) -> ConnectResult<LogicalPlan> {
        let schema = match schema {
            Some(text) if !text.trim().is_empty() => Some(super::types::parse_schema(text, &self.time_zone)?),
            _ => None,
        };
        let files = super::sources::read_all(self.ctx, paths).await?;
        let batch = if format == "text" {
            super::sources::text_rows(&files, options, schema.as_ref())?
        } else {
            let texts: Vec<std::borrow::Cow<str>> = files.iter().map(|f| String::from_utf8_lossy(f)).collect();
            super::sources::xml_rows(texts.iter().map(|t| t.as_ref()), options, schema.as_ref())?
        };
        Ok(crate::compat::inline_rows(std::slice::from_ref(&batch), batch.schema().as_ref())?)
    }

    /// `spark.read.json(df)` / `spark.read.xml(df)`: the input's one string column parsed (on
    /// the driver, see [`super::sources`]).
    async fn parse(&self, parse: &proto::Parse) -> ConnectResult<LogicalPlan> {
        use proto::parse::ParseFormat;
        let plan = self.relation(input(&parse.input, "parse")?).await?;
        if plan.schema().fields().len() != 1 {
            return Err(ConnectError::analysis("the DataFrame to parse must have a single string column"));
        }
        let options: BTreeMap<String, String> =
            parse.options.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        let schema = match &parse.schema {
            Some(ty) => match super::types::arrow_type(ty, &self.time_zone)? {
                DataType::Struct(fields) => Some(Schema::new(fields)),
                other => {
                    return Err(ConnectError::analysis(format!(
                        "the schema to parse with must be a struct, not {}",
                        super::types::simple_string(&other)
                    )));
                }
            },
            None => None,
        };
        use datafusion::arrow::array::Array;
        let batches = self.ctx.execute_logical_plan(plan).await?.collect().await?;
        let mut texts: Vec<String> = Vec::new();
        for batch in &batches {
            let column = datafusion::arrow::compute::cast(batch.column(0), &DataType::Utf8)
                .map_err(|e| ConnectError::execution(e.to_string()))?;
            let strings = column.as_any().downcast_ref::<datafusion::arrow::array::StringArray>();
            for row in 0..batch.num_rows() {
                if let Some(strings) = strings.filter(|s| s.is_valid(row)) {
                    texts.push(strings.value(row).to_string());
                }
            }
        }
        let batch = match ParseFormat::try_from(parse.format).unwrap_or(ParseFormat::Unspecified) {
            ParseFormat::Xml => super::sources::xml_rows(texts.iter().map(String::as_str), &options, schema.as_ref())?,
            ParseFormat::Json => super::sources::json_rows(&texts, schema)?,
            ParseFormat::Csv => return Err(ConnectError::unsupported("spark.read.csv() of a DataFrame")),
            ParseFormat::Unspecified => return Err(ConnectError::invalid("a parse without a format")),
        };
        Ok(crate::compat::inline_rows(std::slice::from_ref(&batch), batch.schema().as_ref())?)
    }

    /// `df.transpose(index)`: a row per non-index column (`key` holds its name), a column per
    /// row named by its index value, in the index's ascending order. The frame is read on the
    /// driver (the result's columns depend on its values), at most 500 rows as Spark's
    /// `spark.sql.transposeMaxValues` allows.
    async fn transpose(&self, transpose: &proto::Transpose) -> ConnectResult<LogicalPlan> {
        const MAX_VALUES: usize = 500;
        let plan = self.relation(input(&transpose.input, "transpose")?).await?;
        let columns = output_columns(&plan);
        let index = match transpose.index_columns.as_slice() {
            [] => columns.first().cloned().ok_or_else(|| ConnectError::analysis("transpose() of no columns"))?,
            [one] => self.resolve(plan.schema(), |r| r.expr(one))?,
            _ => return Err(ConnectError::unsupported("transpose() with more than one index column")),
        };
        let index_name = match &index {
            Expr::Column(c) => c.name.clone(),
            other => other.schema_name().to_string(),
        };
        let values: Vec<(String, Expr)> = plan
            .schema()
            .iter()
            .filter(|(_, f)| *f.name() != index_name)
            .map(|(q, f)| (f.name().clone(), Expr::Column(Column::new(q.cloned(), f.name()))))
            .collect();
        let types: Vec<DataType> =
            values.iter().map(|(_, e)| e.get_type(plan.schema())).collect::<datafusion::common::Result<_>>()?;
        let common = match types.first() {
            None => DataType::Utf8,
            Some(first) if types.iter().all(|t| t == first) => first.clone(),
            Some(_) if types.iter().all(|t| t.is_integer()) => DataType::Int64,
            Some(_)
                if types.iter().all(|t| t.is_numeric())
                    && !types.iter().any(|t| matches!(t, DataType::Decimal128(..))) =>
            {
                DataType::Float64
            }
            Some(_) => {
                let names: Vec<String> = types.iter().map(super::types::simple_string).collect();
                return Err(ConnectError::analysis(format!(
                    "[TRANSPOSE_NO_LEAST_COMMON_TYPE] Transpose requires non-index columns to share a least common \
                     type, but {} do not.",
                    names.join(", ")
                )));
            }
        };
        let mut exprs = vec![index.clone().alias("__index")];
        exprs.extend(
            values.iter().map(|(name, e)| Expr::Cast(Cast::new(Box::new(e.clone()), common.clone())).alias(name)),
        );
        let query = LogicalPlanBuilder::from(plan)
            .project(exprs)?
            .sort(vec![Expr::Column(Column::from_name("__index")).sort(true, true)])?
            .limit(0, Some(MAX_VALUES + 1))?
            .build()?;
        let batches = self.ctx.execute_logical_plan(query).await?.collect().await?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        if rows > MAX_VALUES {
            return Err(ConnectError::analysis(format!(
                "[TRANSPOSE_EXCEED_ROW_LIMIT] The number of rows exceeds the allowed limit of {MAX_VALUES} for \
                 TRANSPOSE."
            )));
        }
        let mut names = Vec::new();
        let mut cells: Vec<Vec<ScalarValue>> = vec![Vec::new(); values.len()];
        for batch in &batches {
            for row in 0..batch.num_rows() {
                names.push(super::show::cell(batch.column(0), row));
                for (i, cell) in cells.iter_mut().enumerate() {
                    cell.push(ScalarValue::try_from_array(batch.column(i + 1), row)?);
                }
            }
        }
        let mut fields = vec![Field::new("key", DataType::Utf8, false)];
        fields.extend(names.iter().map(|n| Field::new(n, common.clone(), true)));
        let schema = Schema::new(fields);
        let mut arrays: Vec<datafusion::arrow::array::ArrayRef> = vec![Arc::new(
            datafusion::arrow::array::StringArray::from(values.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>()),
        )];
        for column in 0..names.len() {
            let column_cells: Vec<ScalarValue> = cells.iter().map(|c| c[column].clone()).collect();
            arrays.push(if column_cells.is_empty() {
                datafusion::arrow::array::new_empty_array(&common)
            } else {
                ScalarValue::iter_to_array(column_cells)?
            });
        }
        let batch = RecordBatch::try_new(Arc::new(schema.clone()), arrays)
            .map_err(|e| ConnectError::execution(e.to_string()))?;
        Ok(crate::compat::inline_rows(&[batch], &schema)?)
    }

    /// Spark's CSV inference reports whole numbers as int when every value fits, else bigint;
    /// DataFusion's says Int64 for both, so the inferred columns' ranges are read (in the driver,
    /// like any schema inference) to decide.
    async fn narrow_integers(&self, table: Arc<dyn TableProvider>, schema: &SchemaRef) -> ConnectResult<SchemaRef> {
        let longs: Vec<&str> =
            schema.fields().iter().filter(|f| *f.data_type() == DataType::Int64).map(|f| f.name().as_str()).collect();
        if longs.is_empty() {
            return Ok(schema.clone());
        }
        let local =
            SessionContext::new_with_config_rt(datafusion::prelude::SessionConfig::new(), self.ctx.runtime_env());
        let state = local.state();
        let ranges: Vec<Expr> = longs
            .iter()
            .flat_map(|name| {
                let column = Expr::Column(Column::from_name(*name));
                [
                    datafusion::functions_aggregate::expr_fn::min(column.clone()),
                    datafusion::functions_aggregate::expr_fn::max(column),
                ]
            })
            .collect();
        let plan = LogicalPlanBuilder::scan("inference", provider_as_source(table), None)?
            .aggregate(Vec::<Expr>::new(), ranges)?
            .build()?;
        let batches = DataFrame::new(state, plan).collect().await?;
        let Some(batch) = batches.first().filter(|b| b.num_rows() == 1) else { return Ok(schema.clone()) };
        let mut fits = HashMap::new();
        for (i, name) in longs.iter().enumerate() {
            let bound = |column: usize| ScalarValue::try_from_array(batch.column(column), 0).ok();
            let within = |v: Option<ScalarValue>| match v {
                Some(ScalarValue::Int64(Some(n))) => i32::try_from(n).is_ok(),
                Some(ScalarValue::Int64(None)) => true,
                _ => false,
            };
            fits.insert(*name, within(bound(2 * i)) && within(bound(2 * i + 1)));
        }
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .map(|f| match fits.get(f.name().as_str()) {
                Some(true) => f.as_ref().clone().with_data_type(DataType::Int32),
                _ => f.as_ref().clone(),
            })
            .collect();
        Ok(Arc::new(Schema::new(fields)))
    }

    fn local_relation(&self, local: &proto::LocalRelation) -> ConnectResult<LogicalPlan> {
        let given = match &local.schema {
            Some(text) if !text.trim().is_empty() => Some(super::types::parse_schema(text, &self.time_zone)?),
            _ => None,
        };
        let mut batches: Vec<RecordBatch> = Vec::new();
        let mut data_schema = None;
        if let Some(data) = &local.data {
            let reader = StreamReader::try_new(Cursor::new(data.to_vec()), None)
                .map_err(|e| ConnectError::invalid(format!("createDataFrame sent unreadable Arrow data: {e}")))?;
            data_schema = Some(reader.schema());
            for batch in reader {
                batches.push(
                    batch.map_err(|e| {
                        ConnectError::invalid(format!("createDataFrame sent unreadable Arrow data: {e}"))
                    })?,
                );
            }
        }
        let schema: Schema = match (&given, &data_schema) {
            (Some(given), Some(data)) if given.fields().len() == data.fields().len() => given.clone(),
            (Some(given), None) => given.clone(),
            (_, Some(data)) => data.as_ref().clone(),
            (None, None) => return Err(ConnectError::invalid("a local relation with neither data nor schema")),
        };
        Ok(crate::compat::inline_rows(&batches, &schema)?)
    }

    /// `spark.range`: a few (start, end) slices unnested into `id`, so large ranges spread over
    /// the cluster without shipping their rows inside the plan.
    fn range(&self, range: &proto::Range) -> ConnectResult<LogicalPlan> {
        if range.step == 0 {
            return Err(ConnectError::invalid("range() step must not be 0"));
        }
        let partitions = range.num_partitions.map(i64::from);
        Ok(crate::compat::spark_range(range.start.unwrap_or(0), range.end, range.step, partitions)?)
    }

    async fn sql(&self, sql: &proto::Sql) -> ConnectResult<LogicalPlan> {
        let text = self.bind_sql_arguments(sql)?;
        if super::catalog::is_show_tables(&text) {
            return super::catalog::show_tables(self.ctx);
        }
        super::sql::plan(&self.ctx.state(), &text).await
    }

    /// The query as DataFusion takes it, with Spark's `:name` and `?` parameters bound.
    fn bind_sql_arguments(&self, sql: &proto::Sql) -> ConnectResult<String> {
        let mut named: HashMap<String, String> = HashMap::new();
        let mut positional: Vec<String> = Vec::new();
        #[allow(deprecated)]
        {
            for (name, literal) in &sql.args {
                named.insert(name.clone(), sql_literal(&literal_value(literal, &self.time_zone)?));
            }
            for literal in &sql.pos_args {
                positional.push(sql_literal(&literal_value(literal, &self.time_zone)?));
            }
        }
        let literal_of = |e: &Expression| -> ConnectResult<String> {
            match &e.expr_type {
                Some(ExprType::Literal(l)) => Ok(sql_literal(&literal_value(l, &self.time_zone)?)),
                _ => Err(ConnectError::unsupported("SQL parameters that are not literals")),
            }
        };
        for (name, e) in &sql.named_arguments {
            named.insert(name.clone(), literal_of(e)?);
        }
        for e in &sql.pos_arguments {
            positional.push(literal_of(e)?);
        }
        super::sql::spark_sql_text(&sql.query, &named, &positional)
    }

    async fn join(&self, join: &proto::Join) -> ConnectResult<LogicalPlan> {
        use proto::join::JoinType as J;
        let left = self.relation(input(&join.left, "join")?).await?;
        let right_start = self.order.lock().unwrap_or_else(|p| p.into_inner()).len();
        let right = self.relation(input(&join.right, "join")?).await?;
        let left = self.requalify(left, 0, right_start, None)?;
        let right = self.requalify(right, right_start, usize::MAX, Some(&left))?;
        let join_type = match J::try_from(join.join_type).unwrap_or(J::Inner) {
            J::Unspecified | J::Inner => JoinType::Inner,
            J::FullOuter => JoinType::Full,
            J::LeftOuter => JoinType::Left,
            J::RightOuter => JoinType::Right,
            J::LeftAnti => JoinType::LeftAnti,
            J::LeftSemi => JoinType::LeftSemi,
            J::Cross => JoinType::Inner,
        };
        if !join.using_columns.is_empty() {
            return self.join_using(left, right, join_type, &join.using_columns);
        }
        let builder = LogicalPlanBuilder::from(left.clone());
        match &join.join_condition {
            Some(condition) => {
                let mut schema = left.schema().as_ref().clone();
                schema.merge(right.schema());
                let condition = self.resolve(&schema, |r| r.expr(condition))?;
                Ok(builder.join_on(right, join_type, [condition])?.build()?)
            }
            None if matches!(join_type, JoinType::Inner) => Ok(builder.cross_join(right)?.build()?),
            None => Err(ConnectError::analysis("a join without a condition must be a cross join")),
        }
    }

    /// Gives `plan` a fresh qualifier when its columns have none or share one with `other`, and
    /// tells the plan ids translated in `ids_from..ids_to` about it.
    fn requalify(
        &self,
        plan: LogicalPlan,
        ids_from: usize,
        ids_to: usize,
        other: Option<&LogicalPlan>,
    ) -> ConnectResult<LogicalPlan> {
        let unqualified = plan.schema().iter().any(|(q, _)| q.is_none());
        let clashes = other.is_some_and(|other| {
            plan.schema().iter().any(|(q, _)| q.is_some() && other.schema().iter().any(|(oq, _)| oq == q))
        });
        if !unqualified && !clashes {
            return Ok(plan);
        }
        let alias = format!("_join{}", self.aliases.fetch_add(1, Ordering::Relaxed));
        let old: Vec<(Option<TableReference>, String)> =
            plan.schema().iter().map(|(q, f)| (q.cloned(), f.name().clone())).collect();
        let aliased = LogicalPlanBuilder::from(plan).alias(alias.as_str())?.build()?;
        let order = self.order.lock().unwrap_or_else(|p| p.into_inner());
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        for id in order.iter().take(ids_to.min(order.len())).skip(ids_from) {
            if let Some(columns) = plans.get_mut(id) {
                for (qualifier, name) in columns.iter_mut() {
                    if old.iter().any(|(q, n)| q == qualifier && n == name) {
                        *qualifier = Some(TableReference::bare(alias.as_str()));
                    }
                }
            }
        }
        Ok(aliased)
    }

    /// `join(other, on="k")`: one `k` column first (coalesced for full joins), then the rest of
    /// the left columns, then the rest of the right ones, as Spark lays them out.
    fn join_using(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        join_type: JoinType,
        using: &[String],
    ) -> ConnectResult<LogicalPlan> {
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        for name in using {
            let find = |plan: &LogicalPlan| -> ConnectResult<Column> {
                match self.resolve(plan.schema(), |r| r.column(name, None))? {
                    Expr::Column(c) => Ok(c),
                    _ => Err(ConnectError::analysis(format!("join column {name} is not a column"))),
                }
            };
            left_keys.push(find(&left)?);
            right_keys.push(find(&right)?);
        }
        let condition = left_keys
            .iter()
            .zip(&right_keys)
            .map(|(l, r)| Expr::Column(l.clone()).eq(Expr::Column(r.clone())))
            .reduce(Expr::and)
            .ok_or_else(|| ConnectError::invalid("a join without columns"))?;
        let right_fields: Vec<Column> = right.schema().iter().map(|(q, f)| Column::new(q.cloned(), f.name())).collect();
        let left_fields: Vec<Column> = left.schema().iter().map(|(q, f)| Column::new(q.cloned(), f.name())).collect();
        let joined = LogicalPlanBuilder::from(left).join_on(right, join_type, [condition])?.build()?;
        let mut outputs = Vec::new();
        for ((l, r), name) in left_keys.iter().zip(&right_keys).zip(using) {
            let key = match join_type {
                JoinType::Right => Expr::Column(r.clone()),
                JoinType::Full => {
                    let state = self.ctx.state();
                    let coalesce = state.udf("coalesce")?;
                    Expr::ScalarFunction(datafusion::logical_expr::expr::ScalarFunction::new_udf(
                        coalesce,
                        vec![Expr::Column(l.clone()), Expr::Column(r.clone())],
                    ))
                }
                _ => Expr::Column(l.clone()),
            };
            outputs.push(key.alias(name.as_str()));
        }
        outputs.extend(left_fields.into_iter().filter(|c| !left_keys.contains(c)).map(Expr::Column));
        if !matches!(join_type, JoinType::LeftSemi | JoinType::LeftAnti) {
            outputs.extend(right_fields.into_iter().filter(|c| !right_keys.contains(c)).map(Expr::Column));
        }
        Ok(LogicalPlanBuilder::from(joined).project(outputs)?.build()?)
    }

    async fn set_operation(&self, set: &proto::SetOperation) -> ConnectResult<LogicalPlan> {
        use proto::set_operation::SetOpType;
        let mut left = self.relation(input(&set.left_input, "set operation")?).await?;
        let mut right = self.relation(input(&set.right_input, "set operation")?).await?;
        let is_all = set.is_all.unwrap_or(false);
        if set.by_name == Some(true) {
            (left, right) = self.align_by_name(left, right, set.allow_missing_columns == Some(true))?;
        } else if left.schema().fields().len() != right.schema().fields().len() {
            return Err(ConnectError::analysis(format!(
                "[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, \
                 but the first input has {} columns and the second input has {} columns.",
                left.schema().fields().len(),
                right.schema().fields().len()
            )));
        }
        // Spark names the result's columns after the left input.
        let names: Vec<String> = left.schema().fields().iter().map(|f| f.name().clone()).collect();
        let right = {
            let exprs: Vec<Expr> = output_columns(&right).into_iter().zip(&names).map(|(c, n)| c.alias(n)).collect();
            LogicalPlanBuilder::from(right).project(exprs)?.build()?
        };
        let left = {
            let exprs: Vec<Expr> = output_columns(&left).into_iter().zip(&names).map(|(c, n)| c.alias(n)).collect();
            LogicalPlanBuilder::from(left).project(exprs)?.build()?
        };
        match SetOpType::try_from(set.set_op_type).unwrap_or(SetOpType::Unspecified) {
            SetOpType::Union => {
                let union = LogicalPlanBuilder::from(left).union(right)?;
                // PySpark's union() is UNION ALL (is_all set); distinct() follows when wanted.
                let union = if set.is_all == Some(false) { union.distinct()? } else { union };
                Ok(union.build()?)
            }
            SetOpType::Intersect if is_all => self.multiset(left, right, JoinType::LeftSemi),
            SetOpType::Except if is_all => self.multiset(left, right, JoinType::LeftAnti),
            SetOpType::Intersect => Ok(LogicalPlanBuilder::intersect(left, right, false)?),
            SetOpType::Except => Ok(LogicalPlanBuilder::except(left, right, false)?),
            SetOpType::Unspecified => Err(ConnectError::invalid("a set operation without a type")),
        }
    }

    /// INTERSECT ALL / EXCEPT ALL, which count duplicates: the n-th copy of a row on the left
    /// matches the n-th copy on the right (DataFusion's versions match every copy at once).
    fn multiset(&self, left: LogicalPlan, right: LogicalPlan, join: JoinType) -> ConnectResult<LogicalPlan> {
        let numbered = |plan: LogicalPlan, alias: &str| -> ConnectResult<LogicalPlan> {
            let columns = output_columns(&plan);
            let copy = self
                .resolve(plan.schema(), |r| r.call("row_number", vec![]))?
                .partition_by(columns.clone())
                .build()?
                .alias("__copy");
            let numbered = self.dataframe(plan).select(columns.into_iter().chain([copy]).collect::<Vec<_>>())?;
            Ok(LogicalPlanBuilder::from(numbered.into_unoptimized_plan()).alias(alias)?.build()?)
        };
        let (left, right) = (numbered(left, "__left")?, numbered(right, "__right")?);
        let names: Vec<String> = left.schema().fields().iter().map(|f| f.name().clone()).collect();
        let keys: Vec<Column> = names.iter().map(|n| Column::new(Some("__left"), n)).collect();
        let right_keys: Vec<Column> = names.iter().map(|n| Column::new(Some("__right"), n)).collect();
        let joined = LogicalPlanBuilder::from(left)
            .join_detailed(right, join, (keys, right_keys), None, datafusion::common::NullEquality::NullEqualsNull)?
            .build()?;
        let outputs: Vec<Expr> = names
            .iter()
            .filter(|n| *n != "__copy")
            .map(|n| Expr::Column(Column::new(Some("__left"), n)).alias(n))
            .collect();
        Ok(LogicalPlanBuilder::from(joined).project(outputs)?.build()?)
    }

    /// `unionByName`: `right`'s columns in `left`'s order, matched by name regardless of case. With
    /// `allowMissingColumns`, a column only one side has is NULL on the other, and the ones only
    /// `right` has come last, as in Spark.
    fn align_by_name(
        &self,
        left: LogicalPlan,
        right: LogicalPlan,
        allow_missing: bool,
    ) -> ConnectResult<(LogicalPlan, LogicalPlan)> {
        let null_like = |field: &Field| -> ConnectResult<Expr> {
            Ok(Expr::Literal(ScalarValue::try_from(field.data_type())?, None).alias(field.name()))
        };
        let mut right_exprs = Vec::new();
        for field in left.schema().fields() {
            match right.schema().iter().find(|(_, f)| f.name().eq_ignore_ascii_case(field.name())) {
                Some((q, f)) => right_exprs.push(Expr::Column(Column::new(q.cloned(), f.name())).alias(field.name())),
                None if allow_missing => right_exprs.push(null_like(field)?),
                None => {
                    let names: Vec<&str> = right.schema().fields().iter().map(|f| f.name().as_str()).collect();
                    return Err(ConnectError::analysis(format!(
                        "[UNRESOLVED_COLUMN_AMONG_FIELD_NAMES] Cannot resolve column name \"{}\" among ({}).",
                        field.name(),
                        names.join(", ")
                    )));
                }
            }
        }
        let mut left_exprs = output_columns(&left);
        let only_right: Vec<(Option<&TableReference>, &Arc<Field>)> = right
            .schema()
            .iter()
            .filter(|(_, f)| !left.schema().fields().iter().any(|l| l.name().eq_ignore_ascii_case(f.name())))
            .collect();
        if !only_right.is_empty() && !allow_missing {
            return Err(ConnectError::analysis(format!(
                "[NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but \
                 the first input has {} columns and the second input has {} columns.",
                left.schema().fields().len(),
                right.schema().fields().len()
            )));
        }
        for (q, f) in only_right {
            left_exprs.push(null_like(f)?);
            right_exprs.push(Expr::Column(Column::new(q.cloned(), f.name())));
        }
        let left = LogicalPlanBuilder::from(left).project(left_exprs)?.build()?;
        let right = LogicalPlanBuilder::from(right).project(right_exprs)?.build()?;
        Ok((left, right))
    }

    async fn aggregate(&self, aggregate: &proto::Aggregate) -> ConnectResult<LogicalPlan> {
        use proto::aggregate::GroupType;
        let plan = self.relation(input(&aggregate.input, "groupBy")?).await?;
        let group_type = GroupType::try_from(aggregate.group_type).unwrap_or(GroupType::Groupby);
        let (groups, group_names, aggs) = self.resolve(plan.schema(), |r| {
            let groups = aggregate.grouping_expressions.iter().map(|e| r.expr(e)).collect::<ConnectResult<Vec<_>>>()?;
            let names: Vec<String> = aggregate.grouping_expressions.iter().map(spark_name).collect();
            let aggs = aggregate
                .aggregate_expressions
                .iter()
                .map(|e| Ok(named(r.expr(e)?, e)))
                .collect::<ConnectResult<Vec<_>>>()?;
            Ok((groups, names, aggs))
        })?;
        let (group_exprs, aggs) = match group_type {
            GroupType::Groupby | GroupType::Unspecified => (groups.clone(), aggs),
            GroupType::Rollup => (vec![Expr::GroupingSet(GroupingSet::Rollup(groups.clone()))], aggs),
            GroupType::Cube => (vec![Expr::GroupingSet(GroupingSet::Cube(groups.clone()))], aggs),
            GroupType::GroupingSets => {
                let sets = aggregate
                    .grouping_sets
                    .iter()
                    .map(|set| self.exprs(&plan, &set.grouping_set))
                    .collect::<ConnectResult<Vec<_>>>()?;
                (vec![Expr::GroupingSet(GroupingSet::GroupingSets(sets))], aggs)
            }
            GroupType::Pivot => {
                let pivot = aggregate.pivot.as_ref().ok_or_else(|| ConnectError::invalid("pivot without a column"))?;
                let column_expr = pivot.col.as_ref().ok_or_else(|| ConnectError::invalid("pivot without a column"))?;
                let column = self.resolve(plan.schema(), |r| r.expr(column_expr))?;
                let values = if pivot.values.is_empty() {
                    self.distinct_values(&plan, &column).await?
                } else {
                    pivot.values.iter().map(|l| literal_value(l, &self.time_zone)).collect::<ConnectResult<Vec<_>>>()?
                };
                let mut pivoted = Vec::new();
                for value in &values {
                    let value_name = super::show::cell(&value.to_array()?, 0);
                    for (agg, source) in aggs.iter().zip(&aggregate.aggregate_expressions) {
                        let condition = column.clone().eq(Expr::Literal(value.clone(), None));
                        let filtered = with_filter(agg.clone(), condition)?;
                        let name = if aggs.len() == 1 {
                            value_name.clone()
                        } else {
                            format!("{value_name}_{}", spark_name(source))
                        };
                        pivoted.push(filtered.alias(name));
                    }
                }
                (groups.clone(), pivoted)
            }
        };
        let inner = find_aggregate_exprs(aggs.iter());
        if inner.is_empty() && !aggs.is_empty() {
            return Err(ConnectError::analysis("agg() needs aggregate functions such as sum() or count()"));
        }
        let aggregated = LogicalPlanBuilder::from(plan).aggregate(group_exprs, inner.clone())?.build()?;
        let mut outputs = Vec::new();
        for (group, name) in groups.iter().zip(&group_names) {
            let column = expr_as_column_expr(group, &aggregated)?;
            outputs.push(if matches!(group, Expr::Column(c) if c.name == *name) { column } else { column.alias(name) });
        }
        for agg in aggs {
            outputs.push(rebase(agg, &inner, &aggregated)?);
        }
        Ok(LogicalPlanBuilder::from(aggregated).project(outputs)?.build()?)
    }

    /// The distinct values of a pivot column, sorted, as Spark computes them when none are given.
    async fn distinct_values(&self, plan: &LogicalPlan, column: &Expr) -> ConnectResult<Vec<ScalarValue>> {
        let values = LogicalPlanBuilder::from(plan.clone())
            .project(vec![column.clone().alias("value")])?
            .distinct()?
            .sort(vec![Expr::Column(Column::from_name("value")).sort(true, true)])?
            .limit(0, Some(10_000))?
            .build()?;
        let batches = self.ctx.execute_logical_plan(values).await?.collect().await?;
        let mut out = Vec::new();
        for batch in batches {
            for row in 0..batch.num_rows() {
                out.push(ScalarValue::try_from_array(batch.column(0), row)?);
            }
        }
        Ok(out)
    }

    fn tail(&self, plan: LogicalPlan, n: usize) -> ConnectResult<LogicalPlan> {
        let columns = output_columns(&plan);
        let row_number = self.resolve(plan.schema(), |r| r.call("row_number", vec![]))?.alias("__tail_row");
        let numbered = self
            .dataframe(plan)
            .select(columns.iter().cloned().chain([row_number]).collect::<Vec<_>>())?
            .into_unoptimized_plan();
        let key = Expr::Column(Column::from_name("__tail_row"));
        let last = LogicalPlanBuilder::from(numbered)
            .sort(vec![key.clone().sort(false, false)])?
            .limit(0, Some(n))?
            .sort(vec![key.sort(true, false)])?
            .build()?;
        let outputs: Vec<Expr> = last
            .schema()
            .iter()
            .filter(|(_, f)| f.name() != "__tail_row")
            .map(|(q, f)| Expr::Column(Column::new(q.cloned(), f.name())))
            .collect();
        Ok(LogicalPlanBuilder::from(last).project(outputs)?.build()?)
    }

    fn fill_na(&self, plan: LogicalPlan, fill: &proto::NaFill) -> ConnectResult<LogicalPlan> {
        let values =
            fill.values.iter().map(|l| literal_value(l, &self.time_zone)).collect::<ConnectResult<Vec<_>>>()?;
        if values.is_empty() {
            return Err(ConnectError::invalid("na.fill without a value"));
        }
        let per_column: Vec<(String, ScalarValue)> = if fill.cols.is_empty() {
            plan.schema().fields().iter().map(|f| (f.name().clone(), values[0].clone())).collect()
        } else if values.len() == 1 {
            fill.cols.iter().map(|c| (c.clone(), values[0].clone())).collect()
        } else {
            fill.cols.iter().cloned().zip(values.iter().cloned()).collect()
        };
        let explicit = !fill.cols.is_empty();
        let exprs = plan
            .schema()
            .iter()
            .map(|(q, f)| {
                let column = Expr::Column(Column::new(q.cloned(), f.name()));
                let Some((_, value)) = per_column.iter().find(|(n, _)| n.eq_ignore_ascii_case(f.name())) else {
                    return Ok(column);
                };
                // Spark fills only the columns whose type matches the value's kind.
                if !fill_applies(f.data_type(), &value.data_type(), explicit) {
                    return Ok(column);
                }
                let value = value.cast_to(f.data_type())?;
                let filled = Expr::Case(Case::new(
                    None,
                    vec![(Box::new(column.clone().is_null()), Box::new(Expr::Literal(value, None)))],
                    Some(Box::new(column)),
                ));
                Ok(filled.alias(f.name()))
            })
            .collect::<ConnectResult<Vec<_>>>()?;
        Ok(LogicalPlanBuilder::from(plan).project(exprs)?.build()?)
    }

    fn drop_na(&self, plan: LogicalPlan, drop: &proto::NaDrop) -> ConnectResult<LogicalPlan> {
        // Spark counts a NaN in a floating-point column as missing too.
        let columns: Vec<(Expr, bool)> = plan
            .schema()
            .iter()
            .filter(|(_, f)| drop.cols.is_empty() || drop.cols.iter().any(|c| c.eq_ignore_ascii_case(f.name())))
            .map(|(q, f)| (Expr::Column(Column::new(q.cloned(), f.name())), f.data_type().is_floating()))
            .collect();
        let minimum = drop.min_non_nulls.map(|n| n.max(0) as usize).unwrap_or(columns.len());
        let non_nulls = columns
            .iter()
            .map(|(c, floating)| {
                let present = if *floating {
                    c.clone()
                        .is_not_null()
                        .and(Expr::Not(Box::new(datafusion::functions::math::expr_fn::isnan(c.clone()))))
                } else {
                    c.clone().is_not_null()
                };
                Expr::Case(Case::new(None, vec![(Box::new(present), Box::new(lit(1i64)))], Some(Box::new(lit(0i64)))))
            })
            .reduce(|a, b| a + b)
            .unwrap_or_else(|| lit(0i64));
        Ok(LogicalPlanBuilder::from(plan).filter(non_nulls.gt_eq(lit(minimum as i64)))?.build()?)
    }

    fn replace_na(&self, plan: LogicalPlan, replace: &proto::NaReplace) -> ConnectResult<LogicalPlan> {
        let mut pairs = Vec::new();
        for r in &replace.replacements {
            let old = r
                .old_value
                .as_ref()
                .map(|l| literal_value(l, &self.time_zone))
                .transpose()?
                .unwrap_or(ScalarValue::Null);
            let new = r
                .new_value
                .as_ref()
                .map(|l| literal_value(l, &self.time_zone))
                .transpose()?
                .unwrap_or(ScalarValue::Null);
            pairs.push((old, new));
        }
        let exprs = plan
            .schema()
            .iter()
            .map(|(q, f)| {
                let column = Expr::Column(Column::new(q.cloned(), f.name()));
                let chosen = replace.cols.is_empty() || replace.cols.iter().any(|c| c.eq_ignore_ascii_case(f.name()));
                let applicable: Vec<_> = pairs
                    .iter()
                    .filter(|(old, _)| old.is_null() || fill_applies(f.data_type(), &old.data_type(), false))
                    .filter_map(|(old, new)| Some((old.cast_to(f.data_type()).ok()?, new.cast_to(f.data_type()).ok()?)))
                    .collect();
                if !chosen || applicable.is_empty() {
                    return column;
                }
                let whens = applicable
                    .into_iter()
                    .map(|(old, new)| {
                        let test = if old.is_null() {
                            column.clone().is_null()
                        } else {
                            column.clone().eq(Expr::Literal(old, None))
                        };
                        (Box::new(test), Box::new(Expr::Literal(new, None)))
                    })
                    .collect();
                Expr::Case(Case::new(None, whens, Some(Box::new(column)))).alias(f.name())
            })
            .collect::<Vec<_>>();
        Ok(LogicalPlanBuilder::from(plan).project(exprs)?.build()?)
    }

    /// `df.describe()`, `df.summary()` and `df.stat.*`: see [`super::stat`].
    async fn statistics(&self, kind: &RelType) -> ConnectResult<LogicalPlan> {
        use super::stat;
        let state = self.ctx.state();
        let columns = |plan: &LogicalPlan, names: &[&String]| -> ConnectResult<Vec<Expr>> {
            names.iter().map(|name| self.resolve(plan.schema(), |r| r.column(name, None))).collect()
        };
        match kind {
            RelType::Describe(describe) => {
                let mut plan = self.relation(input(&describe.input, "describe")?).await?;
                if !describe.cols.is_empty() {
                    let selected = columns(&plan, &describe.cols.iter().collect::<Vec<_>>())?;
                    plan = self.select(plan, selected)?;
                }
                let statistics: Vec<String> = stat::DESCRIBE.iter().map(|s| s.to_string()).collect();
                stat::summary(&state, plan, &statistics)
            }
            RelType::Summary(summary) => {
                let plan = self.relation(input(&summary.input, "summary")?).await?;
                stat::summary(&state, plan, &summary.statistics)
            }
            RelType::Cov(cov) => {
                let plan = self.relation(input(&cov.input, "stat.cov")?).await?;
                let [first, second]: [Expr; 2] =
                    columns(&plan, &[&cov.col1, &cov.col2])?.try_into().expect("two columns asked for");
                stat::correlation(&state, plan, [first, second], true)
            }
            RelType::Corr(corr) => {
                if corr.method.as_deref().is_some_and(|m| m != "pearson") {
                    return Err(ConnectError::invalid(
                        "requirement failed: Currently only the calculation of the Pearson Correlation coefficient \
                         is supported.",
                    ));
                }
                let plan = self.relation(input(&corr.input, "stat.corr")?).await?;
                let [first, second]: [Expr; 2] =
                    columns(&plan, &[&corr.col1, &corr.col2])?.try_into().expect("two columns asked for");
                stat::correlation(&state, plan, [first, second], false)
            }
            RelType::ApproxQuantile(quantile) => {
                let plan = self.relation(input(&quantile.input, "stat.approxQuantile")?).await?;
                let exprs = columns(&plan, &quantile.cols.iter().collect::<Vec<_>>())?;
                let named: Vec<(&str, Expr)> = quantile.cols.iter().map(String::as_str).zip(exprs).collect();
                stat::approx_quantile(&state, plan, &named, &quantile.probabilities, quantile.relative_error)
            }
            RelType::Crosstab(crosstab) => {
                let plan = self.relation(input(&crosstab.input, "stat.crosstab")?).await?;
                let [first, second]: [Expr; 2] =
                    columns(&plan, &[&crosstab.col1, &crosstab.col2])?.try_into().expect("two columns asked for");
                stat::crosstab(self.ctx, plan, (&crosstab.col1, first), (&crosstab.col2, second)).await
            }
            RelType::FreqItems(items) => {
                let plan = self.relation(input(&items.input, "stat.freqItems")?).await?;
                let exprs = columns(&plan, &items.cols.iter().collect::<Vec<_>>())?;
                let named: Vec<(&str, Expr)> = items.cols.iter().map(String::as_str).zip(exprs).collect();
                stat::freq_items(&state, plan, &named, items.support.unwrap_or(0.01))
            }
            RelType::SampleBy(sample) => {
                let plan = self.relation(input(&sample.input, "stat.sampleBy")?).await?;
                let column = sample.col.as_ref().ok_or_else(|| ConnectError::invalid("sampleBy without a column"))?;
                let column = self.resolve(plan.schema(), |r| r.expr(column))?;
                let fractions = sample
                    .fractions
                    .iter()
                    .map(|f| {
                        let stratum =
                            f.stratum.as_ref().ok_or_else(|| ConnectError::invalid("a stratum without a value"))?;
                        Ok((literal_value(stratum, &self.time_zone)?, f.fraction))
                    })
                    .collect::<ConnectResult<Vec<_>>>()?;
                stat::sample_by(&state, plan, column, &fractions)
            }
            other => Err(ConnectError::unsupported(format!("the DataFrame operation {}", relation_name(other)))),
        }
    }

    async fn unpivot(&self, unpivot: &proto::Unpivot) -> ConnectResult<LogicalPlan> {
        let plan = self.relation(input(&unpivot.input, "unpivot")?).await?;
        let ids = self.exprs(&plan, &unpivot.ids)?;
        let values: Vec<(String, Expr)> = match &unpivot.values {
            Some(values) => {
                let exprs = self.exprs(&plan, &values.values)?;
                values.values.iter().map(spark_name).zip(exprs).collect()
            }
            None => plan
                .schema()
                .iter()
                .filter(|(q, f)| !ids.contains(&Expr::Column(Column::new(q.cloned(), f.name()))))
                .map(|(q, f)| (f.name().clone(), Expr::Column(Column::new(q.cloned(), f.name()))))
                .collect(),
        };
        if values.is_empty() {
            return Err(ConnectError::analysis(
                "[UNPIVOT_REQUIRES_VALUE_COLUMNS] unpivot needs at least one value column",
            ));
        }
        let types: Vec<DataType> =
            values.iter().map(|(_, e)| e.get_type(plan.schema())).collect::<datafusion::common::Result<_>>()?;
        let common = if types.iter().all(|t| *t == types[0]) {
            types[0].clone()
        } else if types.iter().all(|t| t.is_numeric()) {
            DataType::Float64
        } else {
            DataType::Utf8
        };
        let id_names: Vec<String> = unpivot.ids.iter().map(spark_name).collect();
        let mut union: Option<LogicalPlanBuilder> = None;
        for (name, value) in values {
            let mut exprs: Vec<Expr> = ids.iter().cloned().zip(&id_names).map(|(e, n)| e.alias(n)).collect();
            exprs.push(lit(name).alias(&unpivot.variable_column_name));
            exprs.push(Expr::Cast(Cast::new(Box::new(value), common.clone())).alias(&unpivot.value_column_name));
            let part = LogicalPlanBuilder::from(plan.clone()).project(exprs)?.build()?;
            union = Some(match union {
                None => LogicalPlanBuilder::from(part),
                Some(builder) => builder.union(part)?,
            });
        }
        Ok(union.expect("at least one value column").build()?)
    }
}

/// Spark names a struct field taken from a column `r.b` (a map's value `d[key]`, which is what
/// [`spark_name`] says without knowing the type).
fn struct_field_name(r: &Resolver, expression: &Expression) -> Option<String> {
    let Some(ExprType::UnresolvedExtractValue(extract)) = &expression.expr_type else { return None };
    let Some(ExprType::Literal(key)) = extract.extraction.as_deref().and_then(|e| e.expr_type.as_ref()) else {
        return None;
    };
    let ScalarValue::Utf8(Some(key)) = literal_value(key, r.time_zone).ok()? else { return None };
    let child = extract.child.as_deref()?;
    let ty = r.expr(child).ok()?.get_type(r.schema).ok()?;
    matches!(ty, DataType::Struct(_)).then(|| format!("{}.{key}", spark_name(child)))
}

/// Replaces the aggregate calls inside `expr` by references to the aggregate's output columns.
fn rebase(expr: Expr, aggregates: &[Expr], aggregated: &LogicalPlan) -> ConnectResult<Expr> {
    let result = expr.transform_down(|e| {
        if aggregates.contains(&e) {
            return Ok(Transformed::yes(expr_as_column_expr(&e, aggregated)?));
        }
        Ok(Transformed::no(e))
    })?;
    Ok(result.data)
}

/// `agg` (an aggregate call, maybe aliased) counting only rows where `condition` holds.
fn with_filter(agg: Expr, condition: Expr) -> ConnectResult<Expr> {
    let transformed = agg.transform_down(|e| match e {
        Expr::AggregateFunction(f) => {
            let filter = match f.params.filter.clone() {
                Some(existing) => existing.and(condition.clone()),
                None => condition.clone(),
            };
            Ok(Transformed::new(
                Expr::AggregateFunction(f).filter(filter).build()?,
                true,
                datafusion::common::tree_node::TreeNodeRecursion::Jump,
            ))
        }
        other => Ok(Transformed::no(other)),
    })?;
    Ok(match transformed.data {
        Expr::Alias(alias) => *alias.expr,
        other => other,
    })
}

/// Spark's `na.fill(value)` touches numeric columns for numbers, string columns for strings and
/// boolean columns for booleans.
fn fill_applies(column: &DataType, value: &DataType, explicit: bool) -> bool {
    let text = |t: &DataType| matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    if value.is_numeric() {
        column.is_numeric()
    } else if text(value) {
        text(column)
    } else if *value == DataType::Boolean {
        *column == DataType::Boolean
    } else {
        explicit
    }
}

/// The types Spark's CSV inference reports: integers as int where they fit is not known from
/// DataFusion's inference, so whole numbers stay long (bigint) and the rest as inferred.
fn spark_inferred(inferred: &DataType) -> DataType {
    match inferred {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        other => other.clone(),
    }
}

/// A partition column found in directory names.
struct PartitionColumn {
    name: String,
    data_type: DataType,
    /// Whether a directory holds its NULLs (`name=__HIVE_DEFAULT_PARTITION__`).
    has_nulls: bool,
}

/// Directories named `key=value` under `url` become partition columns, as Spark discovers them.
async fn discover_partitions(
    state: &datafusion::execution::session_state::SessionState,
    url: &ListingTableUrl,
) -> ConnectResult<Vec<PartitionColumn>> {
    if !url.is_collection() {
        return Ok(vec![]);
    }
    let store = state.runtime_env().object_store(url)?;
    let mut listing = store.list(Some(url.prefix()));
    let mut columns: Vec<(String, Vec<String>)> = Vec::new();
    let mut seen = 0;
    while let Some(entry) = listing.next().await {
        let Ok(meta) = entry else { break };
        let location = meta.location.as_ref();
        let relative = location.strip_prefix(url.prefix().as_ref()).unwrap_or(location).trim_start_matches('/');
        let mut segments: Vec<&str> = relative.split('/').collect();
        segments.pop();
        for (i, segment) in segments.iter().enumerate() {
            let Some((key, value)) = segment.split_once('=') else { break };
            match columns.get_mut(i) {
                Some((name, values)) if name == key => values.push(value.to_string()),
                Some(_) => break,
                None => columns.push((key.to_string(), vec![value.to_string()])),
            }
        }
        seen += 1;
        if seen > 1000 {
            break;
        }
    }
    Ok(columns
        .into_iter()
        .map(|(name, values)| {
            let has_nulls = values.iter().any(|v| v == crate::compat::NULL_PARTITION);
            let values: Vec<&str> =
                values.iter().map(String::as_str).filter(|v| *v != crate::compat::NULL_PARTITION).collect();
            let data_type = if values.iter().all(|v| v.parse::<i32>().is_ok()) {
                DataType::Int32
            } else if values.iter().all(|v| v.parse::<i64>().is_ok()) {
                DataType::Int64
            } else {
                DataType::Utf8
            };
            PartitionColumn { name, data_type, has_nulls }
        })
        .collect())
}

fn regex_escape(text: &str) -> String {
    text.chars().map(|c| if "\\.+*?()|[]{}^$".contains(c) { format!("\\{c}") } else { c.to_string() }).collect()
}

/// A value as SQL text.
pub(crate) fn sql_literal(value: &ScalarValue) -> String {
    match value {
        v if v.is_null() => "NULL".into(),
        ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => {
            format!("'{}'", s.replace('\'', "''"))
        }
        ScalarValue::Date32(Some(_)) => format!("DATE '{value}'"),
        ScalarValue::TimestampMicrosecond(Some(_), _) => {
            let text = value.to_string();
            format!("TIMESTAMP '{}'", text.replace('T', " "))
        }
        ScalarValue::Decimal128(Some(_), p, s) => format!("CAST({value} AS DECIMAL({p},{s}))"),
        ScalarValue::Float64(Some(v)) => format!("CAST({v:?} AS DOUBLE)"),
        ScalarValue::Float32(Some(v)) => format!("CAST({v:?} AS FLOAT)"),
        other => other.to_string(),
    }
}

/// The session table holding a checkpointed frame's rows (see `execute::checkpoint_command`).
pub(crate) fn cached_relation_table(id: &str) -> String {
    format!("__checkpoint_{}", id.replace('-', "_"))
}

/// The relation's name for an "unsupported" message, e.g. `Transpose`.
pub(crate) fn relation_name(kind: &RelType) -> String {
    let debug = format!("{kind:?}");
    debug.split('(').next().unwrap_or("unknown").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_render_as_sql() {
        assert_eq!(sql_literal(&ScalarValue::Utf8(Some("it's".into()))), "'it''s'");
        assert_eq!(sql_literal(&ScalarValue::Int64(Some(5))), "5");
        assert_eq!(sql_literal(&ScalarValue::Int64(None)), "NULL");
    }
}
