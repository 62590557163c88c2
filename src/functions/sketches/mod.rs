//! Spark's sketch functions (`hll_*`, `theta_*`, `tuple_*`, `kll_*`): aggregates that build or merge an
//! Apache DataSketches sketch and return its bytes, and scalar functions that read, combine or
//! estimate from such bytes. They run on the `datasketches` crate, the Rust component of the
//! library Spark's Java sketches come from, so the bytes are the same formats Spark writes and
//! reads, and inputs are hashed as Java's sketches hash them (raw little-endian bytes, MurmurHash3
//! seed 9001): a sketch built here merges with one Spark built from the same values.
//!
//! Every aggregate keeps its partial state as the sketch's serialized bytes (one binary state
//! field), so Ballista's partial and final aggregation on different workers exchange sketches.
//! This module owns the plumbing shared by the families (argument checks, Spark's error texts,
//! the accumulator, row-by-row scalar evaluation); each family's file owns its sketch.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int32Type, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl,
    Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;

mod hll;
mod kll;
mod theta;
mod tuple;

pub(super) fn aggregates() -> Vec<Arc<AggregateUDF>> {
    hll::aggregates()
        .into_iter()
        .chain(theta::aggregates())
        .chain(kll::aggregates())
        .chain(tuple::aggregates())
        .map(|spec| Arc::new(AggregateUDF::new_from_impl(SketchAggregate::new(spec))))
        .collect()
}

pub(super) fn scalars() -> Vec<Arc<ScalarUDF>> {
    hll::scalars()
        .into_iter()
        .chain(theta::scalars())
        .chain(kll::scalars())
        .chain(tuple::scalars())
        .map(|spec| Arc::new(ScalarUDF::new_from_impl(SketchScalar::new(spec))))
        .collect()
}

/// The optional arguments Spark fills in and shows in a column's name when a call leaves them
/// out (`hll_sketch_agg(value)` is named `hll_sketch_agg(value, 12)`): those after the `given`
/// ones, as Spark prints them.
pub(crate) fn implied_arguments(name: &str, given: usize) -> &'static [&'static str] {
    let defaults: (usize, &[&str]) = match name {
        "hll_sketch_agg" | "theta_sketch_agg" | "theta_union_agg" => (1, &["12"]),
        "hll_union_agg" => (1, &["false"]),
        "hll_union" => (2, &["false"]),
        "theta_union" => (2, &["12"]),
        "tuple_sketch_agg_double" | "tuple_sketch_agg_integer" => (2, &["12", "sum"]),
        "tuple_union_agg_double" | "tuple_union_agg_integer" => (1, &["12", "sum"]),
        "tuple_intersection_agg_double" | "tuple_intersection_agg_integer" => (1, &["sum"]),
        "tuple_sketch_summary_double" | "tuple_sketch_summary_integer" => (1, &["sum"]),
        "tuple_union_double" | "tuple_union_integer" | "tuple_union_theta_double" | "tuple_union_theta_integer" => {
            (2, &["12", "sum"])
        }
        "tuple_intersection_double"
        | "tuple_intersection_integer"
        | "tuple_intersection_theta_double"
        | "tuple_intersection_theta_integer" => (2, &["sum"]),
        _ => return &[],
    };
    let (first_optional, values) = defaults;
    values.get(given.saturating_sub(first_optional).min(values.len())..).unwrap_or(&[])
}

/// What a sketch aggregate keeps between batches: a sketch, or a set operation over sketches.
trait SketchState: Send + Sync + std::fmt::Debug {
    /// Adds the rows of the input columns.
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()>;
    /// Merges the state another partial aggregation serialized.
    fn merge(&mut self, state: &[u8]) -> Result<()>;
    /// The state as bytes, for another worker's `merge`.
    fn serialize(&mut self) -> Result<Vec<u8>>;
    /// The aggregate's result: the sketch's bytes.
    fn evaluate(&mut self) -> Result<Vec<u8>> {
        self.serialize()
    }
}

/// A fresh state for a call, given its constant arguments (those after the input columns, as
/// written: missing ones are `None`) and the first input's type.
type NewState = fn(&[Option<ScalarValue>], &[DataType]) -> Result<Box<dyn SketchState>>;
/// Checks a call's argument types as Spark's `inputTypes` does and gives the types to coerce to.
type Coerce = fn(&str, &[DataType]) -> Result<Vec<DataType>>;

/// One of Spark's sketch aggregates.
struct AggregateSpec {
    name: &'static str,
    /// How many leading arguments are input columns; the rest are constants.
    inputs: usize,
    coerce: Coerce,
    new_state: NewState,
}

struct SketchAggregate {
    spec: AggregateSpec,
    signature: Signature,
}

impl SketchAggregate {
    fn new(spec: AggregateSpec) -> Self {
        Self { spec, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

impl PartialEq for SketchAggregate {
    fn eq(&self, other: &Self) -> bool {
        self.spec.name == other.spec.name
    }
}

impl Eq for SketchAggregate {}

impl std::hash::Hash for SketchAggregate {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.spec.name.hash(state);
    }
}

impl std::fmt::Debug for SketchAggregate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SketchAggregate").field("name", &self.spec.name).finish()
    }
}

impl AggregateUDFImpl for SketchAggregate {
    fn name(&self) -> &str {
        self.spec.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        (self.spec.coerce)(self.spec.name, arg_types)
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Binary)
    }

    /// Spark's sketch aggregates return an empty sketch for no rows, never NULL.
    fn is_nullable(&self) -> bool {
        false
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(format!("{}[sketch]", args.name), DataType::Binary, true))])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let constants = args.exprs[self.spec.inputs.min(args.exprs.len())..]
            .iter()
            .map(|expr| match expr.downcast_ref::<Literal>() {
                Some(literal) => Ok(Some(literal.value().clone())),
                None => plan_err!("the arguments of `{}` after its input must be constants", self.spec.name),
            })
            .collect::<Result<Vec<_>>>()?;
        let input_types: Vec<DataType> = args.expr_fields.iter().map(|f| f.data_type().clone()).collect();
        let state = (self.spec.new_state)(&constants, &input_types)?;
        Ok(Box::new(SketchAccumulator { state, inputs: self.spec.inputs }))
    }
}

#[derive(Debug)]
struct SketchAccumulator {
    state: Box<dyn SketchState>,
    inputs: usize,
}

impl Accumulator for SketchAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.state.update(&values[..self.inputs.min(values.len())])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        for state in binary_values(&states[0])?.into_iter().flatten() {
            self.state.merge(state)?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Binary(Some(self.state.serialize()?))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Binary(Some(self.state.evaluate()?)))
    }

    fn size(&self) -> usize {
        // The sketches do not report their heap size; a default-sized one takes a few KiB.
        std::mem::size_of_val(self) + 4096
    }
}

/// One of Spark's sketch scalar functions. Spark's are null-intolerant: a NULL argument makes a
/// NULL result without calling `eval`.
struct ScalarSpec {
    name: &'static str,
    coerce: Coerce,
    return_type: fn(&[DataType]) -> Result<DataType>,
    /// One row, every argument set.
    eval: fn(&str, &[ScalarValue]) -> Result<ScalarValue>,
}

struct SketchScalar {
    spec: ScalarSpec,
    signature: Signature,
}

impl SketchScalar {
    fn new(spec: ScalarSpec) -> Self {
        Self { spec, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

impl PartialEq for SketchScalar {
    fn eq(&self, other: &Self) -> bool {
        self.spec.name == other.spec.name
    }
}

impl Eq for SketchScalar {}

impl std::hash::Hash for SketchScalar {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.spec.name.hash(state);
    }
}

impl std::fmt::Debug for SketchScalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SketchScalar").field("name", &self.spec.name).finish()
    }
}

impl ScalarUDFImpl for SketchScalar {
    fn name(&self) -> &str {
        self.spec.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        (self.spec.coerce)(self.spec.name, arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        (self.spec.return_type)(arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let return_type = args.return_type().clone();
        let row = |values: Vec<ScalarValue>| -> Result<ScalarValue> {
            if values.iter().any(ScalarValue::is_null) {
                return ScalarValue::try_from(&return_type);
            }
            (self.spec.eval)(self.spec.name, &values)
        };
        let scalars: Option<Vec<ScalarValue>> = args
            .args
            .iter()
            .map(|a| match a {
                ColumnarValue::Scalar(v) => Some(v.clone()),
                ColumnarValue::Array(_) => None,
            })
            .collect();
        if let Some(values) = scalars {
            return Ok(ColumnarValue::Scalar(row(values)?));
        }
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let results = (0..args.number_rows)
            .map(|i| row(arrays.iter().map(|a| ScalarValue::try_from_array(a, i)).collect::<Result<Vec<_>>>()?))
            .collect::<Result<Vec<_>>>()?;
        if results.is_empty() {
            return Ok(ColumnarValue::Array(datafusion::arrow::array::new_empty_array(&return_type)));
        }
        Ok(ColumnarValue::Array(ScalarValue::iter_to_array(results)?))
    }
}

/// A value as the Java sketches take it: Spark widens INT to BIGINT and FLOAT to DOUBLE before
/// updating, and hashes strings by their UTF-8 bytes.
enum Input<'a> {
    Long(i64),
    Double(f64),
    Bytes(&'a [u8]),
    Ints(Vec<i32>),
    Longs(Vec<i64>),
}

impl Input<'_> {
    /// The bytes Java's `update` hashes, or `None` for the values it skips (empty strings,
    /// binaries and arrays). Java hashes `long`s and arrays of them as their little-endian bytes,
    /// and a double as the bits of its canonical form (one NaN, `-0.0` as `0.0`).
    fn hashed_bytes(&self) -> Option<Cow<'_, [u8]>> {
        let bytes = match self {
            Input::Long(v) => Cow::Owned(v.to_le_bytes().to_vec()),
            Input::Double(v) => {
                let canonical = if *v == 0.0 {
                    0.0
                } else if v.is_nan() {
                    f64::NAN
                } else {
                    *v
                };
                Cow::Owned(canonical.to_bits().to_le_bytes().to_vec())
            }
            Input::Bytes(b) => Cow::Borrowed(*b),
            Input::Ints(values) => Cow::Owned(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
            Input::Longs(values) => Cow::Owned(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
        };
        (!bytes.is_empty()).then_some(bytes)
    }
}

/// Calls `f` with the row number and value of every non-NULL value of `array`, as the sketches
/// take it.
fn for_each_input(array: &ArrayRef, mut f: impl FnMut(usize, Input<'_>)) -> Result<()> {
    match array.data_type() {
        DataType::Null => {}
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            let values = cast(array, &DataType::Int64)?;
            for (row, v) in values.as_primitive::<Int64Type>().iter().enumerate() {
                v.into_iter().for_each(|v| f(row, Input::Long(v)));
            }
        }
        DataType::Float32 | DataType::Float64 => {
            let values = cast(array, &DataType::Float64)?;
            for (row, v) in values.as_primitive::<Float64Type>().iter().enumerate() {
                v.into_iter().for_each(|v| f(row, Input::Double(v)));
            }
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            for (row, value) in string_values(array)?.into_iter().enumerate() {
                value.into_iter().for_each(|v| f(row, Input::Bytes(v.as_bytes())));
            }
        }
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            for (row, value) in binary_values(array)?.into_iter().enumerate() {
                value.into_iter().for_each(|v| f(row, Input::Bytes(v)));
            }
        }
        DataType::List(item) if matches!(item.data_type(), DataType::Int32) => {
            for (row, list) in array.as_list::<i32>().iter().enumerate() {
                let Some(list) = list else { continue };
                f(row, Input::Ints(list.as_primitive::<Int32Type>().iter().flatten().collect()))
            }
        }
        DataType::List(item) if item.data_type().is_integer() => {
            for (row, list) in array.as_list::<i32>().iter().enumerate() {
                let Some(list) = list else { continue };
                let values = cast(&list, &DataType::Int64)?;
                f(row, Input::Longs(values.as_primitive::<Int64Type>().iter().flatten().collect()))
            }
        }
        other => return exec_err!("sketches take no {other} values"),
    }
    Ok(())
}

/// `family_suffix` as a `'static` function name (each distinct name is allocated once), for the
/// families Spark names by item type (`kll_sketch_agg_bigint`, `tuple_union_double`).
fn typed_name(family: &str, suffix: &str) -> &'static str {
    static NAMES: std::sync::LazyLock<std::sync::Mutex<Vec<&'static str>>> = std::sync::LazyLock::new(Default::default);
    let wanted = format!("{family}_{suffix}");
    let mut names = NAMES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(existing) = names.iter().find(|n| **n == wanted) {
        return existing;
    }
    let leaked: &'static str = Box::leak(wanted.into_boxed_str());
    names.push(leaked);
    leaked
}

fn string_values(array: &ArrayRef) -> Result<Vec<Option<&str>>> {
    Ok(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().collect(),
        DataType::Utf8View => array.as_string_view().iter().collect(),
        other => return exec_err!("expected strings, got {other}"),
    })
}

fn binary_values(array: &ArrayRef) -> Result<Vec<Option<&[u8]>>> {
    Ok(match array.data_type() {
        DataType::Binary => array.as_binary::<i32>().iter().collect(),
        DataType::LargeBinary => array.as_binary::<i64>().iter().collect(),
        DataType::BinaryView => array.as_binary_view().iter().collect(),
        DataType::FixedSizeBinary(_) => array.as_fixed_size_binary().iter().collect(),
        DataType::Null => vec![None; array.len()],
        other => return exec_err!("expected sketch bytes, got {other}"),
    })
}

/// The sketch bytes of a scalar argument (callers have ruled out NULL).
fn sketch_bytes(value: &ScalarValue) -> &[u8] {
    match value {
        ScalarValue::Binary(Some(b))
        | ScalarValue::LargeBinary(Some(b))
        | ScalarValue::BinaryView(Some(b))
        | ScalarValue::FixedSizeBinary(_, Some(b)) => b,
        _ => &[],
    }
}

/// The integer a constant argument holds; Spark reads a NULL one as 0.
fn integer(value: Option<&ScalarValue>, default: i64) -> Result<i64> {
    let Some(value) = value else { return Ok(default) };
    match value.cast_to(&DataType::Int64)? {
        ScalarValue::Int64(v) => Ok(v.unwrap_or(0)),
        other => exec_err!("expected an integer, got {other}"),
    }
}

/// The boolean a constant argument holds; Spark reads a NULL one as false.
fn boolean(value: Option<&ScalarValue>) -> Result<bool> {
    match value.map(|v| v.cast_to(&DataType::Boolean)).transpose()? {
        Some(ScalarValue::Boolean(v)) => Ok(v.unwrap_or(false)),
        None => Ok(false),
        Some(other) => exec_err!("expected a boolean, got {other}"),
    }
}

/// Spark's `Math.round` of an estimate, as its `*_estimate` functions return it.
fn rounded(estimate: f64) -> i64 {
    (estimate + 0.5).floor() as i64
}

/// The kinds of argument Spark's sketch functions take, with the names its type errors use.
#[derive(Clone, Copy)]
enum Accepts {
    /// A serialized sketch (`BINARY`).
    Sketch,
    /// An integer constant (`INT`).
    Int,
    Boolean,
    Double,
    /// A tuple sketch's summary mode (`STRING`).
    Mode,
    /// One of these Spark types, by name.
    OneOf(&'static [SparkType]),
}

#[derive(Clone, Copy, PartialEq)]
enum SparkType {
    TinyInt,
    SmallInt,
    Int,
    BigInt,
    Float,
    Double,
    String,
    Binary,
    IntArray,
    BigIntArray,
}

impl SparkType {
    fn name(self) -> &'static str {
        match self {
            SparkType::TinyInt => "TINYINT",
            SparkType::SmallInt => "SMALLINT",
            SparkType::Int => "INT",
            SparkType::BigInt => "BIGINT",
            SparkType::Float => "FLOAT",
            SparkType::Double => "DOUBLE",
            SparkType::String => "STRING",
            SparkType::Binary => "BINARY",
            SparkType::IntArray => "ARRAY<INT>",
            SparkType::BigIntArray => "ARRAY<BIGINT>",
        }
    }

    /// Whether an Arrow type is this Spark type (a DataFusion literal `1` is Int64: it passes
    /// for INT, which Spark would give it).
    fn matches(self, data_type: &DataType) -> bool {
        match self {
            SparkType::TinyInt => matches!(data_type, DataType::Int8),
            SparkType::SmallInt => matches!(data_type, DataType::Int16),
            SparkType::Int => matches!(data_type, DataType::Int32),
            SparkType::BigInt => matches!(data_type, DataType::Int64),
            SparkType::Float => matches!(data_type, DataType::Float32),
            SparkType::Double => matches!(data_type, DataType::Float64),
            SparkType::String => matches!(data_type, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View),
            SparkType::Binary => {
                matches!(data_type, DataType::Binary | DataType::LargeBinary | DataType::BinaryView)
            }
            SparkType::IntArray => matches!(data_type, DataType::List(f) if f.data_type() == &DataType::Int32),
            SparkType::BigIntArray => matches!(data_type, DataType::List(f) if f.data_type() == &DataType::Int64),
        }
    }
}

/// Checks `types` against what each position accepts (missing optional ones are fine) and gives
/// the types to coerce to: NULL and integer constants take the type Spark would give them.
fn check_types(name: &str, types: &[DataType], accepts: &[Accepts], required: usize) -> Result<Vec<DataType>> {
    if types.len() < required || types.len() > accepts.len() {
        let expected =
            if required == accepts.len() { required.to_string() } else { format!("[{required}, {}]", accepts.len()) };
        return plan_err!(
            "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {expected} parameters but the actual number is {}.",
            types.len()
        );
    }
    types
        .iter()
        .zip(accepts)
        .enumerate()
        .map(|(position, (data_type, accepts))| {
            let ok = match (accepts, data_type) {
                (_, DataType::Null) => true,
                (Accepts::Sketch, t) => SparkType::Binary.matches(t),
                (Accepts::Int, t) => t.is_integer(),
                (Accepts::Boolean, t) => matches!(t, DataType::Boolean),
                (Accepts::Double, t) => t.is_numeric(),
                (Accepts::Mode, t) => SparkType::String.matches(t),
                (Accepts::OneOf(types), t) => types.iter().any(|s| s.matches(t)),
            };
            if !ok {
                let wanted = match accepts {
                    Accepts::Sketch => "\"BINARY\"".to_string(),
                    Accepts::Int => "\"INT\"".to_string(),
                    Accepts::Boolean => "\"BOOLEAN\"".to_string(),
                    Accepts::Double => "\"DOUBLE\"".to_string(),
                    Accepts::Mode => "\"STRING\"".to_string(),
                    Accepts::OneOf(types) => {
                        types.iter().map(|t| format!("\"{}\"", t.name())).collect::<Vec<_>>().join(" or ")
                    }
                };
                let actual = crate::connect::types::simple_string(data_type).to_uppercase();
                return plan_err!(
                    "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{name}\" due to data type mismatch: \
                     The {} parameter requires the ({wanted}) type, however it has the type \"{actual}\".",
                    ordinal(position)
                );
            }
            Ok(match (accepts, data_type) {
                (Accepts::Sketch, DataType::Null) => DataType::Binary,
                (Accepts::Int, _) => DataType::Int32,
                (Accepts::Boolean, _) => DataType::Boolean,
                (Accepts::Double, _) => DataType::Float64,
                (Accepts::Mode, _) => DataType::Utf8,
                (Accepts::OneOf(_), DataType::Null) => DataType::Null,
                _ => data_type.clone(),
            })
        })
        .collect()
}

fn ordinal(position: usize) -> &'static str {
    ["first", "second", "third", "fourth"].get(position).copied().unwrap_or("next")
}

/// A Spark runtime error: its condition, message and SQLSTATE as Spark prints them.
fn spark_error(condition: &str, message: String, sql_state: &str) -> DataFusionError {
    DataFusionError::Execution(format!("[{condition}] {message} SQLSTATE: {sql_state}"))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::prelude::SessionContext;

    use super::super::tests::context;
    use super::*;

    /// The first value of a one-row query in Spark's SQL, planned as Spark Connect plans
    /// `spark.sql` (Spark dialect, typed literals such as `10.0D`, integer literals as ints), as
    /// text (binary as lower-case hex); an error as its message.
    pub(super) async fn value(ctx: &SessionContext, sql: &str) -> std::result::Result<String, String> {
        let text = crate::connect::sql::spark_sql_text(sql, &Default::default(), &[]).map_err(|e| e.to_string())?;
        ctx.state_ref().write().config_mut().options_mut().sql_parser.dialect =
            datafusion::common::config::Dialect::Spark;
        let plan = crate::connect::sql::plan(&ctx.state(), &text).await.map_err(|e| e.to_string())?;
        let frame = ctx.execute_logical_plan(plan).await.map_err(|e| e.to_string())?;
        let batches = frame.collect().await.map_err(|e| e.to_string())?;
        let column = batches[0].column(0);
        if let Some(bytes) = binary_values(column).ok().and_then(|v| v[0].map(<[u8]>::to_vec)) {
            return Ok(bytes.iter().map(|b| format!("{b:02x}")).collect());
        }
        array_value_to_string(column, 0).map_err(|e| e.to_string())
    }

    pub(super) fn ctx() -> SessionContext {
        context()
    }

    #[test]
    fn implied_arguments_are_the_missing_optional_ones() {
        assert_eq!(implied_arguments("hll_sketch_agg", 1), ["12"]);
        assert!(implied_arguments("hll_sketch_agg", 2).is_empty());
        assert_eq!(implied_arguments("hll_union", 2), ["false"]);
        assert!(implied_arguments("theta_intersection", 2).is_empty());
    }

    #[tokio::test]
    async fn wrong_types_and_counts_are_refused_as_spark_does() {
        let ctx = ctx();
        let error = value(&ctx, "SELECT hll_sketch_agg(1.5D)").await.unwrap_err().to_string();
        assert!(error.contains("[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]"), "{error}");
        assert!(error.contains("(\"INT\" or \"BIGINT\" or \"STRING\" or \"BINARY\")"), "{error}");
        let error = value(&ctx, "SELECT hll_sketch_estimate(X'00', 1)").await.unwrap_err().to_string();
        assert!(error.contains("[WRONG_NUM_ARGS"), "{error}");
    }
}
