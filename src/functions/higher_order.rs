//! Spark's higher-order functions, the ones that take lambdas: `transform`, `filter`, `exists`,
//! `forall`, `aggregate`/`reduce`, `zip_with`, `map_filter`, `transform_keys`,
//! `transform_values`, `map_zip_with` and `array_sort` with a comparator.
//!
//! They are DataFusion higher-order functions (`HigherOrderUDF`), registered under Spark's names,
//! so SQL text (`transform(a, x -> x + 1)`), the DataFrame API (`connect::lambdas`) and the plans
//! the workers decode all name the same implementation. DataFusion 55's own `array_transform`,
//! `array_filter` and `array_any_match` take one lambda parameter; Spark's also pass the element's
//! index (`(x, i) -> ...`) and its maps, folds and comparators have no DataFusion counterpart, so
//! the family is written here once, over one way of walking list and map elements ([`Elements`]).
//!
//! Every lambda runs once per batch over all the elements it applies to (the element values
//! flattened, the columns it captures repeated for each element of their row), except the fold of
//! `aggregate`, which runs once per element position. A NULL array or map gives NULL, as in Spark.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Int32Array, ListArray, MapArray, StructArray, UInt32Array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::{cast, filter, interleave, take, take_arrays};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, HigherOrderFunctionArgs, HigherOrderReturnFieldArgs, HigherOrderSignature, HigherOrderUDF,
    HigherOrderUDFImpl, LambdaArgument, LambdaParametersProgress, ValueOrLambda, Volatility,
};

/// The registered name of `array_sort` with a comparator: SQL resolves a plain function before a
/// higher-order one of the same name, and `array_sort(a)` is a plain function.
pub(crate) const ARRAY_SORT_WITH_COMPARATOR: &str = "array_sort_with_comparator";

/// Arrays longer than this are not sorted with a comparator: the comparator runs on every pair.
const MAX_COMPARATOR_SORTED: usize = 4096;

pub(super) fn functions() -> Vec<Arc<HigherOrderUDF>> {
    use Kind::*;
    [
        Transform,
        Filter,
        Exists,
        Forall,
        Aggregate("aggregate"),
        Aggregate("reduce"),
        ZipWith,
        MapFilter,
        TransformKeys,
        TransformValues,
        MapZipWith,
        ArraySort,
    ]
    .into_iter()
    .map(|kind| Arc::new(HigherOrderUDF::new_from_impl(SparkHigherOrder::new(kind))))
    .collect()
}

/// Which of Spark's higher-order functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Transform,
    Filter,
    Exists,
    Forall,
    /// `aggregate` and its alias `reduce`, by name.
    Aggregate(&'static str),
    ZipWith,
    MapFilter,
    TransformKeys,
    TransformValues,
    MapZipWith,
    ArraySort,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SparkHigherOrder {
    kind: Kind,
    signature: HigherOrderSignature,
}

impl SparkHigherOrder {
    fn new(kind: Kind) -> Self {
        Self { kind, signature: HigherOrderSignature::user_defined(Volatility::Immutable) }
    }

    /// How many value arguments come before the lambdas.
    fn values(&self) -> usize {
        match self.kind {
            Kind::Aggregate(_) | Kind::ZipWith | Kind::MapZipWith => 2,
            _ => 1,
        }
    }

    fn is_map_function(&self) -> bool {
        matches!(self.kind, Kind::MapFilter | Kind::TransformKeys | Kind::TransformValues | Kind::MapZipWith)
    }
}

impl HigherOrderUDFImpl for SparkHigherOrder {
    fn name(&self) -> &str {
        match self.kind {
            Kind::Transform => "transform",
            Kind::Filter => "filter",
            Kind::Exists => "exists",
            Kind::Forall => "forall",
            Kind::Aggregate(name) => name,
            Kind::ZipWith => "zip_with",
            Kind::MapFilter => "map_filter",
            Kind::TransformKeys => "transform_keys",
            Kind::TransformValues => "transform_values",
            Kind::MapZipWith => "map_zip_with",
            Kind::ArraySort => ARRAY_SORT_WITH_COMPARATOR,
        }
    }

    fn signature(&self) -> &HigherOrderSignature {
        &self.signature
    }

    /// Arrays of any kind become `List`s (an untyped NULL an array of NULLs); maps stay maps; the
    /// initial value of `aggregate` keeps its type, which is the accumulator's.
    fn coerce_value_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != self.values() {
            return plan_err!(
                "[WRONG_NUM_ARGS] The `{}` requires {} value arguments before its lambda, got {}",
                self.name(),
                self.values(),
                arg_types.len()
            );
        }
        let collection = |t: &DataType| -> Result<DataType> {
            if self.is_map_function() {
                match t {
                    DataType::Map(..) => Ok(t.clone()),
                    DataType::Null => Ok(DataType::Map(entries_field(DataType::Null, DataType::Null), false)),
                    other => plan_err!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] {} requires a map, got {other}",
                        self.name()
                    ),
                }
            } else {
                match t {
                    DataType::List(f)
                    | DataType::LargeList(f)
                    | DataType::ListView(f)
                    | DataType::LargeListView(f)
                    | DataType::FixedSizeList(f, _) => Ok(DataType::List(Arc::clone(f))),
                    DataType::Null => Ok(DataType::new_list(DataType::Null, true)),
                    other => plan_err!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] {} requires an array, got {other}",
                        self.name()
                    ),
                }
            }
        };
        Ok(match self.kind {
            Kind::Aggregate(_) => vec![collection(&arg_types[0])?, arg_types[1].clone()],
            Kind::MapZipWith => {
                let (left, right) = (collection(&arg_types[0])?, collection(&arg_types[1])?);
                if !same_type(&map_parts(&left)?.0, &map_parts(&right)?.0) {
                    return plan_err!(
                        "[DATATYPE_MISMATCH.MAP_ZIP_WITH_DIFF_TYPES] map_zip_with requires maps with the same key type, \
                         got {left} and {right}"
                    );
                }
                vec![left, right]
            }
            _ => arg_types.iter().map(collection).collect::<Result<_>>()?,
        })
    }

    fn lambda_parameters(
        &self,
        _step: usize,
        fields: &[ValueOrLambda<FieldRef, Option<FieldRef>>],
    ) -> Result<LambdaParametersProgress> {
        let values: Vec<&FieldRef> = fields
            .iter()
            .filter_map(|f| match f {
                ValueOrLambda::Value(v) => Some(v),
                ValueOrLambda::Lambda(_) => None,
            })
            .collect();
        let lambdas = fields.len() - values.len();
        let expected_lambdas = if matches!(self.kind, Kind::Aggregate(_)) { 1..=2 } else { 1..=1 };
        if values.len() != self.values() || !expected_lambdas.contains(&lambdas) {
            return plan_err!("[WRONG_NUM_ARGS] wrong arguments for `{}`", self.name());
        }
        let element = |f: &FieldRef| -> Result<FieldRef> {
            match f.data_type() {
                DataType::List(item) => Ok(Arc::clone(item)),
                other => plan_err!("{} expected an array, got {other}", self.name()),
            }
        };
        let index = Arc::new(Field::new("index", DataType::Int32, false));
        let params = match self.kind {
            Kind::Transform | Kind::Filter => vec![vec![element(values[0])?, index]],
            Kind::Exists | Kind::Forall => vec![vec![element(values[0])?]],
            Kind::ArraySort => {
                let item = element(values[0])?;
                vec![vec![Arc::clone(&item), item]]
            }
            Kind::ZipWith => {
                vec![vec![nullable(&element(values[0])?), nullable(&element(values[1])?)]]
            }
            Kind::Aggregate(_) => {
                let accumulator = nullable(values[1]);
                let merge = vec![Arc::clone(&accumulator), element(values[0])?];
                if lambdas == 2 { vec![merge, vec![accumulator]] } else { vec![merge] }
            }
            Kind::MapFilter | Kind::TransformKeys | Kind::TransformValues => {
                let (key, value) = map_parts(values[0].data_type())?;
                vec![vec![Arc::new(Field::new("key", key, false)), Arc::new(Field::new("value", value, true))]]
            }
            Kind::MapZipWith => {
                let (key, left) = map_parts(values[0].data_type())?;
                let (_, right) = map_parts(values[1].data_type())?;
                vec![vec![
                    Arc::new(Field::new("key", key, false)),
                    Arc::new(Field::new("value1", left, true)),
                    Arc::new(Field::new("value2", right, true)),
                ]]
            }
        };
        Ok(LambdaParametersProgress::Complete(params))
    }

    fn return_field_from_args(&self, args: HigherOrderReturnFieldArgs) -> Result<FieldRef> {
        let mut values = Vec::new();
        let mut lambdas = Vec::new();
        for field in args.arg_fields {
            match field {
                ValueOrLambda::Value(v) => values.push(v),
                ValueOrLambda::Lambda(l) => lambdas.push(l),
            }
        }
        let (Some(first), Some(lambda)) = (values.first(), lambdas.first()) else {
            return plan_err!("{} expects values followed by a lambda", self.name());
        };
        let data_type = match self.kind {
            Kind::Transform | Kind::ZipWith => DataType::new_list(lambda.data_type().clone(), true),
            Kind::Filter | Kind::ArraySort => {
                if self.kind == Kind::Filter {
                    require_boolean(self.name(), lambda)?;
                } else if !lambda.data_type().is_integer() {
                    return plan_err!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_RETURN_TYPE] The comparator of array_sort must return an \
                         integer, not {}",
                        lambda.data_type()
                    );
                }
                first.data_type().clone()
            }
            Kind::Exists | Kind::Forall => {
                require_boolean(self.name(), lambda)?;
                DataType::Boolean
            }
            Kind::Aggregate(_) => {
                let accumulator = values[1].data_type();
                if !same_type(accumulator, lambda.data_type()) {
                    return plan_err!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] The merge function of {} must return the type of \
                         the initial value, {accumulator}, not {}",
                        self.name(),
                        lambda.data_type()
                    );
                }
                lambdas.get(1).map(|finish| finish.data_type().clone()).unwrap_or_else(|| accumulator.clone())
            }
            Kind::MapFilter => {
                require_boolean(self.name(), lambda)?;
                first.data_type().clone()
            }
            Kind::TransformKeys => {
                let (_, value) = map_parts(first.data_type())?;
                DataType::Map(entries_field(lambda.data_type().clone(), value), false)
            }
            Kind::TransformValues | Kind::MapZipWith => {
                let (key, _) = map_parts(first.data_type())?;
                DataType::Map(entries_field(key, lambda.data_type().clone()), false)
            }
        };
        Ok(Arc::new(Field::new(self.name(), data_type, true)))
    }

    fn invoke_with_args(&self, args: HigherOrderFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let mut values = Vec::new();
        let mut lambdas = Vec::new();
        for arg in &args.args {
            match arg {
                ValueOrLambda::Value(v) => values.push(v.to_array(rows)?),
                ValueOrLambda::Lambda(l) => lambdas.push(l),
            }
        }
        let return_type = args.return_field.data_type();
        let lambda = lambdas[0];
        let result = match self.kind {
            Kind::Transform => transform(&values[0], lambda)?,
            Kind::Filter => filter_array(&values[0], lambda)?,
            Kind::Exists => any_or_all(&values[0], lambda, true)?,
            Kind::Forall => any_or_all(&values[0], lambda, false)?,
            Kind::Aggregate(_) => aggregate(&values[0], &values[1], lambda, lambdas.get(1).copied())?,
            Kind::ZipWith => zip_with(&values[0], &values[1], lambda)?,
            Kind::ArraySort => sort_with(&values[0], lambda)?,
            Kind::MapFilter => map_filter(&values[0], lambda, return_type)?,
            Kind::TransformKeys => transform_keys(&values[0], lambda, return_type)?,
            Kind::TransformValues => transform_values(&values[0], lambda, return_type)?,
            Kind::MapZipWith => map_zip_with(&values[0], &values[1], lambda, return_type)?,
        };
        Ok(ColumnarValue::Array(result))
    }
}

fn nullable(field: &FieldRef) -> FieldRef {
    Arc::new(field.as_ref().clone().with_nullable(true))
}

fn require_boolean(name: &str, lambda: &FieldRef) -> Result<()> {
    match lambda.data_type() {
        DataType::Boolean | DataType::Null => Ok(()),
        other => plan_err!(
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] The lambda of {name} must return a boolean, not {other}"
        ),
    }
}

/// Whether two types are the same but for nullability and the names of list items, as Spark's
/// `sameType` compares them.
fn same_type(a: &DataType, b: &DataType) -> bool {
    match (a, b) {
        (DataType::List(x), DataType::List(y)) | (DataType::LargeList(x), DataType::LargeList(y)) => {
            same_type(x.data_type(), y.data_type())
        }
        (DataType::Struct(x), DataType::Struct(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|(f, g)| f.name().eq_ignore_ascii_case(g.name()) && same_type(f.data_type(), g.data_type()))
        }
        (DataType::Map(x, _), DataType::Map(y, _)) => same_type(x.data_type(), y.data_type()),
        _ => a == b,
    }
}

/// The `entries` field of a map from `key` to `value`, named as DataFusion's `map` names it.
fn entries_field(key: DataType, value: DataType) -> FieldRef {
    let fields = Fields::from(vec![Field::new("key", key, false), Field::new("value", value, true)]);
    Arc::new(Field::new("entries", DataType::Struct(fields), false))
}

/// The key and value types of a map type.
fn map_parts(map: &DataType) -> Result<(DataType, DataType)> {
    match map {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(fields) if fields.len() == 2 => {
                Ok((fields[0].data_type().clone(), fields[1].data_type().clone()))
            }
            other => plan_err!("a map with entries {other}"),
        },
        other => plan_err!("expected a map, got {other}"),
    }
}

/// The elements of a column of arrays (or maps), flattened: `values` holds every element, row
/// `r`'s from `offsets[r]` to `offsets[r + 1]`; a NULL row has none.
struct Elements {
    values: ArrayRef,
    offsets: Vec<usize>,
    nulls: Option<NullBuffer>,
}

impl Elements {
    fn of_list(array: &ArrayRef) -> Result<Self> {
        let list = array.as_list_opt::<i32>().ok_or_else(|| {
            datafusion::common::DataFusionError::Execution(format!("expected an array, got {}", array.data_type()))
        })?;
        let offsets = list.value_offsets();
        let (first, last) = (offsets[0] as usize, offsets[list.len()] as usize);
        Ok(Self::new(
            list.values().slice(first, last - first),
            offsets.iter().map(|o| *o as usize - first),
            list.nulls(),
        ))
    }

    /// The entries of a column of maps, as a struct array of `key` and `value`.
    fn of_map(array: &ArrayRef) -> Result<Self> {
        let Some(map) = array.as_map_opt() else {
            return exec_err!("expected a map, got {}", array.data_type());
        };
        let offsets = map.value_offsets();
        let (first, last) = (offsets[0] as usize, offsets[map.len()] as usize);
        let entries: ArrayRef = Arc::new(map.entries().clone());
        Ok(Self::new(entries.slice(first, last - first), offsets.iter().map(|o| *o as usize - first), map.nulls()))
    }

    /// Offsets from `offsets`; a NULL row's elements (behind the NULL in a map) are left out.
    fn new(values: ArrayRef, offsets: impl Iterator<Item = usize>, nulls: Option<&NullBuffer>) -> Self {
        let offsets: Vec<usize> = offsets.collect();
        let nulls = nulls.cloned();
        match &nulls {
            Some(n) if n.null_count() > 0 => {
                // Keep only the elements of set rows, so no lambda sees what a NULL hides.
                let mut keep = Vec::with_capacity(values.len());
                let mut kept = vec![0];
                for row in 0..offsets.len() - 1 {
                    let set = n.is_valid(row);
                    for _ in offsets[row]..offsets[row + 1] {
                        keep.push(set);
                    }
                    kept.push(kept[row] + if set { offsets[row + 1] - offsets[row] } else { 0 });
                }
                let values = filter(&values, &BooleanArray::from(keep)).unwrap_or(values);
                Self { values, offsets: kept, nulls }
            }
            _ => Self { values, offsets, nulls },
        }
    }

    fn rows(&self) -> usize {
        self.offsets.len() - 1
    }

    fn len(&self, row: usize) -> usize {
        self.offsets[row + 1] - self.offsets[row]
    }

    /// The row of each element, to repeat a lambda's captured columns element by element.
    fn row_of_each(&self) -> UInt32Array {
        (0..self.rows()).flat_map(|r| std::iter::repeat_n(r as u32, self.len(r))).collect()
    }

    /// The position of each element in its array (Spark's `i` in `(x, i) -> ...`).
    fn index_of_each(&self) -> Int32Array {
        (0..self.rows()).flat_map(|r| 0..self.len(r) as i32).collect()
    }

    fn list_offsets(&self) -> OffsetBuffer<i32> {
        OffsetBuffer::new(self.offsets.iter().map(|o| *o as i32).collect::<Vec<_>>().into())
    }
}

/// Runs `lambda` over `params` (one array per parameter, all as long), its captured columns
/// taken at `rows` (the outer row of each parameter value).
fn call(lambda: &LambdaArgument, params: &[ArrayRef], rows: &UInt32Array) -> Result<ArrayRef> {
    let closures: Vec<Box<dyn Fn() -> Result<ArrayRef>>> = params
        .iter()
        .map(|p| {
            let p = Arc::clone(p);
            Box::new(move || Ok(Arc::clone(&p))) as Box<dyn Fn() -> Result<ArrayRef>>
        })
        .collect();
    let closures: Vec<&dyn Fn() -> Result<ArrayRef>> = closures.iter().map(|c| c.as_ref()).collect();
    lambda.evaluate(&closures, |captures| Ok(take_arrays(captures, rows, None)?))?.into_array(rows.len())
}

/// A lambda's result as the booleans of a predicate (NULL stays NULL).
fn predicate(name: &str, result: ArrayRef) -> Result<BooleanArray> {
    match result.data_type() {
        DataType::Boolean => Ok(result.as_boolean().clone()),
        DataType::Null => Ok(BooleanArray::new_null(result.len())),
        other => exec_err!("the lambda of {name} returned {other}, not a boolean"),
    }
}

fn transform(array: &ArrayRef, lambda: &LambdaArgument) -> Result<ArrayRef> {
    let elements = Elements::of_list(array)?;
    let rows = elements.row_of_each();
    let index: ArrayRef = Arc::new(elements.index_of_each());
    let result = call(lambda, &[Arc::clone(&elements.values), index], &rows)?;
    let field = Arc::new(Field::new_list_field(result.data_type().clone(), true));
    Ok(Arc::new(ListArray::try_new(field, elements.list_offsets(), result, elements.nulls)?))
}

fn filter_array(array: &ArrayRef, lambda: &LambdaArgument) -> Result<ArrayRef> {
    let elements = Elements::of_list(array)?;
    let rows = elements.row_of_each();
    let index: ArrayRef = Arc::new(elements.index_of_each());
    let keep = predicate("filter", call(lambda, &[Arc::clone(&elements.values), index], &rows)?)?;
    let (values, offsets) = kept(&elements, &keep)?;
    let DataType::List(field) = array.data_type() else { return exec_err!("filter expected an array") };
    Ok(Arc::new(ListArray::try_new(Arc::clone(field), offsets, values, elements.nulls)?))
}

/// The elements where `keep` is true, with the offsets of their rows.
fn kept(elements: &Elements, keep: &BooleanArray) -> Result<(ArrayRef, OffsetBuffer<i32>)> {
    let mut offsets = vec![0i32];
    for row in 0..elements.rows() {
        let count = (elements.offsets[row]..elements.offsets[row + 1])
            .filter(|&e| keep.is_valid(e) && keep.value(e))
            .count() as i32;
        offsets.push(offsets[row] + count);
    }
    let mask = BooleanArray::from_iter(keep.iter().map(|k| Some(k == Some(true))));
    Ok((filter(&elements.values, &mask)?, OffsetBuffer::new(offsets.into())))
}

/// `exists` (`any`) or `forall`, in three-valued logic: a NULL from the predicate makes the
/// answer NULL unless another element decides it.
fn any_or_all(array: &ArrayRef, lambda: &LambdaArgument, any: bool) -> Result<ArrayRef> {
    let elements = Elements::of_list(array)?;
    let rows = elements.row_of_each();
    let name = if any { "exists" } else { "forall" };
    let tested = predicate(name, call(lambda, &[Arc::clone(&elements.values)], &rows)?)?;
    let answers = (0..elements.rows()).map(|row| {
        if elements.nulls.as_ref().is_some_and(|n| n.is_null(row)) {
            return None;
        }
        let mut unknown = false;
        for e in elements.offsets[row]..elements.offsets[row + 1] {
            match tested.is_valid(e).then(|| tested.value(e)) {
                Some(v) if v == any => return Some(any),
                None => unknown = true,
                _ => {}
            }
        }
        (!unknown).then_some(!any)
    });
    Ok(Arc::new(answers.collect::<BooleanArray>()))
}

/// `aggregate(array, initial, merge[, finish])`: folds each array from its initial value, one
/// element position at a time for every row that has it.
fn aggregate(
    array: &ArrayRef,
    initial: &ArrayRef,
    merge: &LambdaArgument,
    finish: Option<&LambdaArgument>,
) -> Result<ArrayRef> {
    let elements = Elements::of_list(array)?;
    let mut accumulator = Arc::clone(initial);
    let longest = (0..elements.rows()).map(|r| elements.len(r)).max().unwrap_or(0);
    for position in 0..longest {
        let active: Vec<usize> = (0..elements.rows()).filter(|&r| elements.len(r) > position).collect();
        let rows = UInt32Array::from_iter_values(active.iter().map(|&r| r as u32));
        let element = UInt32Array::from_iter_values(active.iter().map(|&r| (elements.offsets[r] + position) as u32));
        let merged = call(merge, &[take(&accumulator, &rows, None)?, take(&elements.values, &element, None)?], &rows)?;
        let merged = if merged.data_type() == accumulator.data_type() {
            merged
        } else {
            cast(&merged, accumulator.data_type())?
        };
        let mut next: Vec<(usize, usize)> = (0..elements.rows()).map(|r| (0, r)).collect();
        for (i, &r) in active.iter().enumerate() {
            next[r] = (1, i);
        }
        accumulator = interleave(&[accumulator.as_ref(), merged.as_ref()], &next)?;
    }
    let all = UInt32Array::from_iter_values(0..elements.rows() as u32);
    let result = match finish {
        Some(finish) => call(finish, &[accumulator], &all)?,
        None => accumulator,
    };
    // NULL where the array is NULL.
    let rows = UInt32Array::from_iter(
        (0..elements.rows()).map(|r| (!elements.nulls.as_ref().is_some_and(|n| n.is_null(r))).then_some(r as u32)),
    );
    Ok(take(&result, &rows, None)?)
}

/// `zip_with(left, right, f)`: `f` over the elements at each position, the shorter array padded
/// with NULLs; NULL when either array is.
fn zip_with(left: &ArrayRef, right: &ArrayRef, lambda: &LambdaArgument) -> Result<ArrayRef> {
    let (left, right) = (Elements::of_list(left)?, Elements::of_list(right)?);
    let mut offsets = vec![0i32];
    let (mut rows, mut from_left, mut from_right) = (Vec::new(), Vec::new(), Vec::new());
    let mut valid = Vec::with_capacity(left.rows());
    for row in 0..left.rows() {
        let set = [&left, &right].iter().all(|e| e.nulls.as_ref().is_none_or(|n| n.is_valid(row)));
        valid.push(set);
        let length = if set { left.len(row).max(right.len(row)) } else { 0 };
        for i in 0..length {
            rows.push(row as u32);
            from_left.push((i < left.len(row)).then(|| (left.offsets[row] + i) as u32));
            from_right.push((i < right.len(row)).then(|| (right.offsets[row] + i) as u32));
        }
        offsets.push(offsets[row] + length as i32);
    }
    let x = take(&left.values, &UInt32Array::from(from_left), None)?;
    let y = take(&right.values, &UInt32Array::from(from_right), None)?;
    let result = call(lambda, &[x, y], &UInt32Array::from(rows))?;
    let field = Arc::new(Field::new_list_field(result.data_type().clone(), true));
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    Ok(Arc::new(ListArray::try_new(field, OffsetBuffer::new(offsets.into()), result, nulls)?))
}

/// `array_sort(array, comparator)`: a stable sort by the comparator (negative: the first goes
/// first), which runs once on every ordered pair of each array's elements.
fn sort_with(array: &ArrayRef, comparator: &LambdaArgument) -> Result<ArrayRef> {
    let elements = Elements::of_list(array)?;
    let (mut rows, mut lefts, mut rights) = (Vec::new(), Vec::new(), Vec::new());
    for row in 0..elements.rows() {
        let n = elements.len(row);
        if n > MAX_COMPARATOR_SORTED {
            return exec_err!("array_sort with a comparator on arrays of more than {MAX_COMPARATOR_SORTED} elements");
        }
        let start = elements.offsets[row] as u32;
        for i in 0..n as u32 {
            for j in 0..n as u32 {
                rows.push(row as u32);
                lefts.push(start + i);
                rights.push(start + j);
            }
        }
    }
    let x = take(&elements.values, &UInt32Array::from(lefts), None)?;
    let y = take(&elements.values, &UInt32Array::from(rights), None)?;
    let compared = call(comparator, &[x, y], &UInt32Array::from(rows))?;
    let compared = cast(&compared, &DataType::Int64)?;
    let compared = compared.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    if compared.null_count() > 0 {
        return exec_err!("[COMPARATOR_RETURNS_NULL] The comparator of array_sort returned NULL");
    }
    let mut order = Vec::with_capacity(elements.values.len());
    let mut pair = 0;
    for row in 0..elements.rows() {
        let n = elements.len(row);
        let start = elements.offsets[row];
        let sorted = merge_sort((0..n).collect(), &|i, j| compared.value(pair + i * n + j) > 0);
        order.extend(sorted.into_iter().map(|i| (start + i) as u32));
        pair += n * n;
    }
    let values = take(&elements.values, &UInt32Array::from(order), None)?;
    let DataType::List(field) = array.data_type() else { return exec_err!("array_sort expected an array") };
    Ok(Arc::new(ListArray::try_new(Arc::clone(field), elements.list_offsets(), values, elements.nulls)?))
}

/// A stable merge sort by `after(a, b)` (a goes after b), which need not be a consistent order:
/// a user's comparator may not be, and the standard library's sort may panic on one.
fn merge_sort(items: Vec<usize>, after: &dyn Fn(usize, usize) -> bool) -> Vec<usize> {
    if items.len() <= 1 {
        return items;
    }
    let right = items[items.len() / 2..].to_vec();
    let left = merge_sort(items[..items.len() / 2].to_vec(), after);
    let right = merge_sort(right, after);
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if after(left[i], right[j]) {
            merged.push(right[j]);
            j += 1;
        } else {
            merged.push(left[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    merged
}

/// The keys and values of a map column's entries, one row per entry.
fn keys_and_values(entries: &Elements) -> (ArrayRef, ArrayRef) {
    let entries = entries.values.as_struct();
    (Arc::clone(entries.column(0)), Arc::clone(entries.column(1)))
}

/// A map column of `keys` and `values` with `offsets`, typed `map_type`.
fn map_of(
    map_type: &DataType,
    keys: ArrayRef,
    values: ArrayRef,
    offsets: OffsetBuffer<i32>,
    nulls: Option<NullBuffer>,
) -> Result<ArrayRef> {
    let DataType::Map(entries, sorted) = map_type else { return exec_err!("expected a map type, got {map_type}") };
    let DataType::Struct(fields) = entries.data_type() else { return exec_err!("a map with entries {entries}") };
    let values =
        if values.data_type() == fields[1].data_type() { values } else { cast(&values, fields[1].data_type())? };
    let entries_array = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
    Ok(Arc::new(MapArray::try_new(Arc::clone(entries), offsets, entries_array, nulls, *sorted)?))
}

fn map_filter(map: &ArrayRef, lambda: &LambdaArgument, map_type: &DataType) -> Result<ArrayRef> {
    let entries = Elements::of_map(map)?;
    let (keys, values) = keys_and_values(&entries);
    let keep = predicate("map_filter", call(lambda, &[keys, values], &entries.row_of_each())?)?;
    let (kept_entries, offsets) = kept(&entries, &keep)?;
    let kept_entries = kept_entries.as_struct();
    let (keys, values) = (Arc::clone(kept_entries.column(0)), Arc::clone(kept_entries.column(1)));
    map_of(map_type, keys, values, offsets, entries.nulls)
}

fn transform_values(map: &ArrayRef, lambda: &LambdaArgument, map_type: &DataType) -> Result<ArrayRef> {
    let entries = Elements::of_map(map)?;
    let (keys, values) = keys_and_values(&entries);
    let transformed = call(lambda, &[Arc::clone(&keys), values], &entries.row_of_each())?;
    map_of(map_type, keys, transformed, entries.list_offsets(), entries.nulls)
}

/// `transform_keys`: new keys may be neither NULL nor repeated in a map (Spark's default
/// `spark.sql.mapKeyDedupPolicy`, EXCEPTION).
fn transform_keys(map: &ArrayRef, lambda: &LambdaArgument, map_type: &DataType) -> Result<ArrayRef> {
    let entries = Elements::of_map(map)?;
    let (keys, values) = keys_and_values(&entries);
    let new_keys = call(lambda, &[keys, Arc::clone(&values)], &entries.row_of_each())?;
    if new_keys.null_count() > 0 {
        return exec_err!("[NULL_MAP_KEY] Cannot use null as map key.");
    }
    let (key_type, _) = map_parts(map_type)?;
    let new_keys = if new_keys.data_type() == &key_type { new_keys } else { cast(&new_keys, &key_type)? };
    let converter = RowConverter::new(vec![SortField::new(key_type)])?;
    let encoded = converter.convert_columns(&[Arc::clone(&new_keys)])?;
    for row in 0..entries.rows() {
        let mut seen = std::collections::HashSet::new();
        for e in entries.offsets[row]..entries.offsets[row + 1] {
            if !seen.insert(encoded.row(e)) {
                let key = ScalarValue::try_from_array(&new_keys, e)?;
                return exec_err!("[DUPLICATED_MAP_KEY] Duplicate map key {key} was found");
            }
        }
    }
    map_of(map_type, new_keys, values, entries.list_offsets(), entries.nulls)
}

/// `map_zip_with(left, right, f)`: `f(key, left value, right value)` for every key of either
/// map (the left's keys in order, then the right's new ones), a missing value NULL; NULL when
/// either map is.
fn map_zip_with(left: &ArrayRef, right: &ArrayRef, lambda: &LambdaArgument, map_type: &DataType) -> Result<ArrayRef> {
    let (left, right) = (Elements::of_map(left)?, Elements::of_map(right)?);
    let ((left_keys, left_values), (right_keys, right_values)) = (keys_and_values(&left), keys_and_values(&right));
    let converter = RowConverter::new(vec![SortField::new(left_keys.data_type().clone())])?;
    let left_rows = converter.convert_columns(&[Arc::clone(&left_keys)])?;
    let right_rows = converter.convert_columns(&[Arc::clone(&right_keys)])?;
    let mut offsets = vec![0i32];
    let (mut rows, mut key_at, mut from_left, mut from_right) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut valid = Vec::with_capacity(left.rows());
    for row in 0..left.rows() {
        let set = [&left, &right].iter().all(|e| e.nulls.as_ref().is_none_or(|n| n.is_valid(row)));
        valid.push(set);
        let before = rows.len();
        if set {
            let mut position: HashMap<_, usize> = HashMap::new();
            for e in left.offsets[row]..left.offsets[row + 1] {
                position.insert(left_rows.row(e), rows.len());
                rows.push(row as u32);
                key_at.push((0, e));
                from_left.push(Some(e as u32));
                from_right.push(None);
            }
            for e in right.offsets[row]..right.offsets[row + 1] {
                match position.get(&right_rows.row(e)) {
                    Some(&at) => from_right[at] = Some(e as u32),
                    None => {
                        rows.push(row as u32);
                        key_at.push((1, e));
                        from_left.push(None);
                        from_right.push(Some(e as u32));
                    }
                }
            }
        }
        offsets.push(offsets[row] + (rows.len() - before) as i32);
    }
    let keys = interleave(&[left_keys.as_ref(), right_keys.as_ref()], &key_at)?;
    let x = take(&left_values, &UInt32Array::from(from_left), None)?;
    let y = take(&right_values, &UInt32Array::from(from_right), None)?;
    let result = call(lambda, &[Arc::clone(&keys), x, y], &UInt32Array::from(rows))?;
    let nulls = NullBuffer::from(valid);
    let nulls = (nulls.null_count() > 0).then_some(nulls);
    map_of(map_type, keys, result, OffsetBuffer::new(offsets.into()), nulls)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::prelude::SessionContext;

    use super::super::tests::context;

    /// A session that parses Spark's lambda syntax, as the Spark Connect sessions do.
    async fn spark_context() -> SessionContext {
        let context = context();
        context.sql("SET datafusion.sql_parser.dialect = 'spark'").await.unwrap();
        context
    }

    /// The single value of `SELECT expression`, as text.
    async fn value(context: &SessionContext, expression: &str) -> String {
        let batches = context.sql(&format!("SELECT {expression}")).await.unwrap().collect().await.unwrap();
        array_value_to_string(batches[0].column(0), 0).unwrap()
    }

    #[tokio::test]
    async fn results_are_sparks() {
        // Each expected value is Spark 4.3's for the same expression (array(...) for make_array;
        // the Spark dialect reads an unquoted `exists(` as a subquery test, connect::sql quotes it).
        let context = spark_context().await;
        let cases = [
            ("transform(make_array(1, 2, NULL, 4), x -> x * 2)", "[2, 4, , 8]"),
            ("transform(make_array(1, 2, NULL, 4), (x, i) -> x + i)", "[1, 3, , 7]"),
            ("filter(make_array(1, 2, 3), (x, i) -> i > 0)", "[2, 3]"),
            ("filter(make_array(1, 2, NULL, 4), x -> x > 1)", "[2, 4]"),
            ("`exists`(make_array(1, NULL), x -> x > 0)", "true"),
            ("`exists`(make_array(1, NULL), x -> x > 1)", ""),
            ("forall(make_array(1, NULL), x -> x > 1)", "false"),
            ("forall(make_array(1, NULL), x -> x > 0)", ""),
            ("aggregate(make_array(1, 2), 0, (a, x) -> a + x, a -> a * 2)", "6"),
            ("reduce(make_array(10.0, 20.0, 30.0), 0.0, (a, x) -> a + x)", "60.0"),
            ("aggregate(make_array(), 5, (a, x) -> a + x)", "5"),
            ("zip_with(make_array(1, 2, 3), make_array('a'), (x, y) -> concat(x, y))", "[1a, , ]"),
            ("array_sort_with_comparator(make_array(3, 1, 2), (a, b) -> b - a)", "[3, 2, 1]"),
            ("map_filter(map('a', 1, 'b', 2), (k, v) -> v > 1)", "{b: 2}"),
            ("transform_values(map('a', 1, 'b', 2), (k, v) -> v * 2)", "{a: 2, b: 4}"),
            ("transform_keys(map('a', 1, 'b', 2), (k, v) -> upper(k))", "{A: 1, B: 2}"),
            (
                "map_zip_with(map('a', 1, 'b', 2), map('a', 5, 'c', 7), (k, v1, v2) -> coalesce(v1, 0) + v2)",
                "{a: 6, b: , c: 7}",
            ),
        ];
        for (expression, expected) in cases {
            assert_eq!(value(&context, expression).await, expected, "{expression}");
        }
    }

    #[tokio::test]
    async fn null_collections_give_null() {
        let context = spark_context().await;
        for expression in [
            "transform(CAST(NULL AS ARRAY<INT>), x -> x)",
            "aggregate(CAST(NULL AS ARRAY<INT>), 0, (a, x) -> a + x)",
            "`exists`(CAST(NULL AS ARRAY<INT>), x -> x > 0)",
        ] {
            assert_eq!(value(&context, expression).await, "", "{expression}");
        }
    }

    #[tokio::test]
    async fn spark_errors_are_kept() {
        let context = spark_context().await;
        for (expression, condition) in [
            // The merge must return the initial value's type (decimal is not int).
            ("aggregate(make_array(1.5, 2.5), 0, (a, x) -> a + x)", "DATATYPE_MISMATCH"),
            ("transform_keys(map('a', 1, 'b', 2), (k, v) -> 'same')", "DUPLICATED_MAP_KEY"),
        ] {
            let result = match context.sql(&format!("SELECT {expression}")).await {
                Ok(frame) => frame.collect().await.map(|_| ()),
                Err(e) => Err(e),
            };
            let error = result.expect_err(expression).to_string();
            assert!(error.contains(condition), "{expression}: {error}");
        }
    }

    #[test]
    fn merge_sort_survives_an_inconsistent_comparator() {
        assert_eq!(super::merge_sort(vec![0, 1, 2, 3], &|a, b| a < b), vec![3, 2, 1, 0]);
        assert_eq!(super::merge_sort(vec![0, 1, 2], &|_, _| true).len(), 3);
    }
}
