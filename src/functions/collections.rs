//! Spark's array and map functions where DataFusion's answer differently: `array_append` and
//! `array_prepend` (NULL for a NULL array), `array_compact`, `array_position` (a bigint, 0 when
//! absent), `array_remove` (every match, NULL for a NULL element), `array_insert` (1-based,
//! negative positions from the end, NULL padding), `arrays_overlap` (NULL when only NULLs could
//! match), `flatten` (one level, NULL when an inner array is), `get` (0-based, NULL out of
//! bounds), `element_at`/`try_element_at` on arrays and maps (ANSI's out-of-bounds error),
//! `sequence` (of integers, dates and timestamps), `map_concat`, `map_contains_key` and
//! `size`/`array_size` (Spark's int, NULL for NULL under ANSI).
//!
//! They are written once over rows of values: each row's array (or map) is read into
//! `ScalarValue`s, Spark's definition is applied, and the rows are written back as one column of
//! the declared type. Arguments are coerced to the array's element type (or the map's key type)
//! first, as Spark's `ImplicitCastInputTypes` does.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int32Array, Int64Array, ListArray, MapArray};
use datafusion::arrow::array::{StructArray, new_empty_array, new_null_array};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{DataType, Field, Fields, IntervalUnit, TimeUnit};
use datafusion::common::config::{ConfigOptions, MapKeyDedupPolicy};
use datafusion::common::{Result, ScalarValue, exec_err, plan_datafusion_err, plan_err};
use datafusion::logical_expr::type_coercion::binary::comparison_coercion;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The largest array Spark builds (`ByteArrayMethods.MAX_ROUNDED_ARRAY_LENGTH`).
const MAX_ARRAY_LENGTH: i128 = i32::MAX as i128 - 15;

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    use Kind::*;
    [
        ArrayAppend,
        ArrayPrepend,
        ArrayCompact,
        ArrayPosition,
        ArrayRemove,
        ArrayInsert,
        ArraysOverlap,
        Flatten,
        Get,
        ElementAt,
        TryElementAt,
        Sequence,
        MapConcat,
        MapContainsKey,
        Size,
        ArraySize,
        SortArray,
        ArrayDistinct,
        ArrayUnion,
        ArrayIntersect,
        ArrayExcept,
        ArrayRepeat,
        ArraySort,
    ]
    .into_iter()
    .map(|kind| Arc::new(ScalarUDF::new_from_impl(SparkCollection::new(kind))))
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    ArrayAppend,
    ArrayPrepend,
    ArrayCompact,
    ArrayPosition,
    ArrayRemove,
    ArrayInsert,
    ArraysOverlap,
    Flatten,
    Get,
    ElementAt,
    TryElementAt,
    Sequence,
    MapConcat,
    MapContainsKey,
    Size,
    ArraySize,
    SortArray,
    ArrayDistinct,
    ArrayUnion,
    ArrayIntersect,
    ArrayExcept,
    ArrayRepeat,
    ArraySort,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::ArrayAppend => "array_append",
            Kind::ArrayPrepend => "array_prepend",
            Kind::ArrayCompact => "array_compact",
            Kind::ArrayPosition => "array_position",
            Kind::ArrayRemove => "array_remove",
            Kind::ArrayInsert => "array_insert",
            Kind::ArraysOverlap => "arrays_overlap",
            Kind::Flatten => "flatten",
            Kind::Get => "get",
            Kind::ElementAt => "element_at",
            Kind::TryElementAt => "try_element_at",
            Kind::Sequence => "sequence",
            Kind::MapConcat => "map_concat",
            Kind::MapContainsKey => "map_contains_key",
            Kind::Size => "size",
            Kind::ArraySize => "array_size",
            Kind::SortArray => "sort_array",
            Kind::ArrayDistinct => "array_distinct",
            Kind::ArrayUnion => "array_union",
            Kind::ArrayIntersect => "array_intersect",
            Kind::ArrayExcept => "array_except",
            Kind::ArrayRepeat => "array_repeat",
            Kind::ArraySort => "array_sort",
        }
    }

    /// The number of arguments, as (least, most).
    fn arity(self) -> (usize, usize) {
        match self {
            Kind::ArrayCompact
            | Kind::Flatten
            | Kind::Size
            | Kind::ArraySize
            | Kind::ArrayDistinct
            | Kind::ArraySort => (1, 1),
            Kind::ArrayInsert => (3, 3),
            Kind::Sequence => (2, 3),
            Kind::SortArray => (1, 2),
            Kind::MapConcat => (0, usize::MAX),
            _ => (2, 2),
        }
    }
}

/// One of the functions, registered under an internal name with Spark's name as its alias.
///
/// Several Spark names are also names or aliases of DataFusion's functions (`element_at` of
/// `array_element` and `map_extract`, `array_append` of DataFusion's own, with its aliases). A
/// session built from an existing one (`SessionStateBuilder::new_from_existing`, which Ballista's
/// scheduler does for every session) registers the functions again in no fixed order, so whose
/// function a shared name reaches there was a matter of chance, and plans travel with names. An
/// internal name no other function has (`spark_element_at`) is what plans carry; Spark's name is
/// the alias SQL text and the DataFrame API look up, on the driver, where these come last.
#[derive(Debug, PartialEq, Eq, Hash)]
struct SparkCollection {
    kind: Kind,
    internal: String,
    aliases: Vec<String>,
    signature: Signature,
}

impl SparkCollection {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            internal: format!("spark_{}", kind.name()),
            aliases: vec![kind.name().to_string()],
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    /// `element_at(a, 1)`: the call named with Spark's name.
    fn named(&self, args: Vec<String>) -> String {
        format!("{}({})", self.kind.name(), args.join(","))
    }
}

/// Spark's names of the functions (their aliases; see [`SparkCollection`]).
#[cfg(test)]
pub(super) fn spark_names() -> Vec<String> {
    functions().iter().flat_map(|f| f.aliases().to_vec()).collect()
}

/// The element type of an array type.
fn element_of(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => Some(f.data_type()),
        _ => None,
    }
}

/// An array type of `element`, its element field named as `like`'s (nullable: Spark's arrays
/// hold NULLs unless proven not to).
fn list_of(like: &DataType, element: DataType) -> DataType {
    let name = match like {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => f.name().as_str(),
        _ => Field::LIST_FIELD_DEFAULT_NAME,
    };
    DataType::List(Arc::new(Field::new(name, element, true)))
}

/// The type both `a` and `b` become, as Spark's `TypeCoercion.findWiderTypeForTwo` would.
fn wider(name: &str, a: &DataType, b: &DataType) -> Result<DataType> {
    if a == b || *b == DataType::Null {
        return Ok(a.clone());
    }
    if *a == DataType::Null {
        return Ok(b.clone());
    }
    match comparison_coercion(a, b) {
        Some(t) => Ok(t),
        None => plan_err!(
            "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{name}\" due to data type mismatch: \
             {a} and {b} have no common type."
        ),
    }
}

/// The key and value types of a map type.
fn map_parts(map: &DataType) -> Option<(&DataType, &DataType)> {
    match map {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(fields) if fields.len() == 2 => Some((fields[0].data_type(), fields[1].data_type())),
            _ => None,
        },
        _ => None,
    }
}

/// A map type from `key` to `value`, its fields named as DataFusion's `map` names them.
fn map_type(key: DataType, value: DataType) -> DataType {
    let fields = Fields::from(vec![Field::new("key", key, false), Field::new("value", value, true)]);
    DataType::Map(Arc::new(Field::new("entries", DataType::Struct(fields), false)), false)
}

fn is_integer_or_null(t: &DataType) -> bool {
    t.is_integer() || *t == DataType::Null
}

impl ScalarUDFImpl for SparkCollection {
    fn name(&self) -> &str {
        &self.internal
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn display_name(&self, args: &[Expr]) -> Result<String> {
        Ok(self.named(args.iter().map(ToString::to_string).collect()))
    }

    fn schema_name(&self, args: &[Expr]) -> Result<String> {
        Ok(self.named(args.iter().map(|a| a.schema_name().to_string()).collect()))
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, args: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.kind.name();
        let (least, most) = self.kind.arity();
        if args.len() < least || args.len() > most {
            let wanted = if least == most { format!("{least}") } else { format!("{least} to {most}") };
            return plan_err!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {wanted} parameters but the actual number \
                 is {}.",
                args.len()
            );
        }
        let not_an_array = |t: &DataType| {
            plan_datafusion_err!(
                "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{name}\" due to data type mismatch: the \
                 first parameter requires the \"ARRAY\" type, however it has the type \"{t}\"."
            )
        };
        // An array and a value of its elements.
        let array_and_element = |array: &DataType, value: &DataType| -> Result<(DataType, DataType)> {
            match (array, element_of(array)) {
                (DataType::Null, _) => Ok((list_of(array, value.clone()), value.clone())),
                (_, Some(element)) => {
                    let common = wider(name, element, value)?;
                    Ok((list_of(array, common.clone()), common))
                }
                _ => Err(not_an_array(array)),
            }
        };
        let as_list = |array: &DataType| -> Result<DataType> {
            match (array, element_of(array)) {
                (DataType::Null, _) => Ok(DataType::Null),
                (_, Some(element)) => Ok(list_of(array, element.clone())),
                _ => Err(not_an_array(array)),
            }
        };
        match self.kind {
            Kind::ArrayAppend | Kind::ArrayPrepend | Kind::ArrayPosition | Kind::ArrayRemove => {
                let (array, element) = array_and_element(&args[0], &args[1])?;
                Ok(vec![array, element])
            }
            Kind::ArrayInsert => {
                if !is_integer_or_null(&args[1]) {
                    return plan_err!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{name}\" due to data type \
                         mismatch: the second parameter requires the \"INT\" type, however it has the type \"{}\".",
                        args[1]
                    );
                }
                let (array, element) = array_and_element(&args[0], &args[2])?;
                Ok(vec![array, DataType::Int32, element])
            }
            Kind::ArrayCompact | Kind::Flatten | Kind::ArraySize | Kind::ArrayDistinct | Kind::ArraySort => {
                Ok(vec![as_list(&args[0])?])
            }
            Kind::ArrayRepeat => {
                if !is_integer_or_null(&args[1]) {
                    return plan_err!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{name}\" due to data type \
                         mismatch: the second parameter requires the \"INT\" type, however it has the type \"{}\".",
                        args[1]
                    );
                }
                Ok(vec![args[0].clone(), DataType::Int32])
            }
            Kind::ArraysOverlap | Kind::ArrayUnion | Kind::ArrayIntersect | Kind::ArrayExcept => {
                let (a, b) = (element_of(&args[0]), element_of(&args[1]));
                let common = match (a, b) {
                    (Some(a), Some(b)) => wider(name, a, b)?,
                    (Some(a), None) if args[1] == DataType::Null => a.clone(),
                    (None, Some(b)) if args[0] == DataType::Null => b.clone(),
                    (None, None) if args[0] == DataType::Null && args[1] == DataType::Null => DataType::Null,
                    _ => return Err(not_an_array(if a.is_none() { &args[0] } else { &args[1] })),
                };
                let of = |t: &DataType| if *t == DataType::Null { DataType::Null } else { list_of(t, common.clone()) };
                Ok(vec![of(&args[0]), of(&args[1])])
            }
            Kind::Get | Kind::ElementAt | Kind::TryElementAt => match map_parts(&args[0]) {
                Some((key, _)) => Ok(vec![args[0].clone(), key.clone()]),
                None if is_integer_or_null(&args[1]) => Ok(vec![as_list(&args[0])?, DataType::Int32]),
                None if matches!(args[0], DataType::Null) => Ok(vec![DataType::Null, args[1].clone()]),
                None => plan_err!(
                    "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{name}\" due to data type mismatch: \
                     the second parameter requires the \"INT\" type, however it has the type \"{}\".",
                    args[1]
                ),
            },
            Kind::MapContainsKey => match map_parts(&args[0]) {
                Some((key, _)) => Ok(vec![args[0].clone(), key.clone()]),
                None if args[0] == DataType::Null => Ok(vec![DataType::Null, args[1].clone()]),
                None => plan_err!(
                    "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{name}\" due to data type mismatch: \
                     the first parameter requires the \"MAP\" type, however it has the type \"{}\".",
                    args[0]
                ),
            },
            Kind::MapConcat => {
                let mut common: Option<(DataType, DataType)> = None;
                for t in args {
                    if *t == DataType::Null {
                        continue;
                    }
                    let Some((key, value)) = map_parts(t) else {
                        return plan_err!(
                            "[DATATYPE_MISMATCH.MAP_CONCAT_DIFF_TYPES] Cannot resolve \"{name}\" due to data type \
                             mismatch: The `map_concat` should all be of type map, but it's [{t}]."
                        );
                    };
                    common = Some(match common {
                        None => (key.clone(), value.clone()),
                        Some((k, v)) => (wider(name, &k, key)?, wider(name, &v, value)?),
                    });
                }
                let target = match common {
                    Some((key, value)) => map_type(key, value),
                    None => map_type(DataType::Utf8, DataType::Utf8),
                };
                Ok(args.iter().map(|_| target.clone()).collect())
            }
            Kind::Size => match &args[0] {
                DataType::Map(..) | DataType::Null => Ok(vec![args[0].clone()]),
                other => Ok(vec![as_list(other)?]),
            },
            Kind::Sequence => sequence_types(args),
            Kind::SortArray => {
                let mut types = vec![as_list(&args[0])?];
                if args.len() == 2 {
                    if !matches!(args[1], DataType::Boolean | DataType::Null) {
                        return plan_err!(
                            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{name}\" due to data type \
                             mismatch: the second parameter requires the \"BOOLEAN\" type, however it has the type \
                             \"{}\".",
                            args[1]
                        );
                    }
                    types.push(DataType::Boolean);
                }
                Ok(types)
            }
        }
    }

    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        let first = args.first().cloned().unwrap_or(DataType::Null);
        let element = element_of(&first).cloned().unwrap_or(DataType::Null);
        Ok(match self.kind {
            Kind::ArrayAppend | Kind::ArrayPrepend | Kind::ArrayRemove | Kind::ArrayInsert => {
                let element = if element == DataType::Null { args.last().cloned().unwrap_or(element) } else { element };
                list_of(&first, element)
            }
            Kind::ArrayCompact | Kind::SortArray | Kind::ArrayDistinct | Kind::ArraySort => list_of(&first, element),
            Kind::ArrayRepeat => list_of(&DataType::Null, first),
            Kind::ArrayUnion | Kind::ArrayIntersect | Kind::ArrayExcept => {
                let element = if element == DataType::Null {
                    args.get(1).and_then(element_of).cloned().unwrap_or(element)
                } else {
                    element
                };
                list_of(&first, element)
            }
            Kind::ArrayPosition => DataType::Int64,
            Kind::ArraysOverlap | Kind::MapContainsKey => DataType::Boolean,
            Kind::Flatten => match element_of(&element) {
                Some(inner) => list_of(&element, inner.clone()),
                None if element == DataType::Null => list_of(&first, DataType::Null),
                None => {
                    return plan_err!(
                        "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"flatten\" due to data type \
                         mismatch: the first parameter requires the \"ARRAY<ARRAY>\" type, however it has the type \
                         \"{first}\"."
                    );
                }
            },
            Kind::Get | Kind::ElementAt | Kind::TryElementAt => match map_parts(&first) {
                Some((_, value)) => value.clone(),
                None => element,
            },
            Kind::Sequence => list_of(&DataType::Null, first),
            Kind::MapConcat => {
                if args.is_empty() {
                    map_type(DataType::Utf8, DataType::Utf8)
                } else {
                    first
                }
            }
            Kind::Size | Kind::ArraySize => DataType::Int32,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let all_scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { args.number_rows };
        let arrays: Vec<ArrayRef> = args.args.iter().map(|a| a.to_array(rows)).collect::<Result<Vec<_>>>()?;
        let return_type = args.return_field.data_type().clone();
        let result = self.evaluate(&arrays, rows, &return_type, &args.config_options)?;
        if all_scalar {
            return Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?));
        }
        Ok(ColumnarValue::Array(result))
    }
}

impl SparkCollection {
    fn evaluate(
        &self,
        args: &[ArrayRef],
        rows: usize,
        return_type: &DataType,
        config: &ConfigOptions,
    ) -> Result<ArrayRef> {
        let name = self.kind.name();
        let ansi = config.execution.enable_ansi_mode;
        match self.kind {
            Kind::ArrayAppend | Kind::ArrayPrepend => {
                let values = scalars(&args[1])?;
                let out = list_rows(&args[0])?
                    .into_iter()
                    .zip(values)
                    .map(|(array, value)| {
                        array.map(|mut items| {
                            if self.kind == Kind::ArrayAppend {
                                items.push(value);
                            } else {
                                items.insert(0, value);
                            }
                            items
                        })
                    })
                    .collect();
                list_array(return_type, out)
            }
            Kind::ArrayCompact => {
                let out = list_rows(&args[0])?
                    .into_iter()
                    .map(|array| array.map(|items| items.into_iter().filter(|v| !v.is_null()).collect()))
                    .collect();
                list_array(return_type, out)
            }
            Kind::ArrayPosition => {
                let values = scalars(&args[1])?;
                let out: Int64Array = list_rows(&args[0])?
                    .into_iter()
                    .zip(values)
                    .map(|(array, value)| {
                        let items = array?;
                        if value.is_null() {
                            return None;
                        }
                        Some(items.iter().position(|v| !v.is_null() && *v == value).map_or(0, |p| p as i64 + 1))
                    })
                    .collect();
                Ok(Arc::new(out))
            }
            Kind::ArrayRemove => {
                let values = scalars(&args[1])?;
                let out = list_rows(&args[0])?
                    .into_iter()
                    .zip(values)
                    .map(|(array, value)| {
                        let items = array?;
                        if value.is_null() {
                            return None;
                        }
                        Some(items.into_iter().filter(|v| v.is_null() || *v != value).collect())
                    })
                    .collect();
                list_array(return_type, out)
            }
            Kind::ArrayInsert => {
                let positions = scalars(&args[1])?;
                let values = scalars(&args[2])?;
                let mut out = Vec::with_capacity(rows);
                for ((array, position), value) in list_rows(&args[0])?.into_iter().zip(positions).zip(values) {
                    let (Some(items), ScalarValue::Int32(Some(position))) = (array, position) else {
                        out.push(None);
                        continue;
                    };
                    out.push(Some(array_insert(items, position, value)?));
                }
                list_array(return_type, out)
            }
            Kind::ArraysOverlap => {
                let out: BooleanArray = list_rows(&args[0])?
                    .into_iter()
                    .zip(list_rows(&args[1])?)
                    .map(|(a, b)| {
                        let (a, b) = (a?, b?);
                        if a.is_empty() || b.is_empty() {
                            return Some(false);
                        }
                        if a.iter().any(|x| !x.is_null() && b.iter().any(|y| !y.is_null() && x == y)) {
                            return Some(true);
                        }
                        let has_null = a.iter().chain(b.iter()).any(|v| v.is_null());
                        if has_null { None } else { Some(false) }
                    })
                    .collect();
                Ok(Arc::new(out))
            }
            Kind::Flatten => {
                let out = list_rows(&args[0])?
                    .into_iter()
                    .map(|array| -> Result<Option<Vec<ScalarValue>>> {
                        let Some(inner) = array else { return Ok(None) };
                        let mut items = Vec::new();
                        for list in inner {
                            if list.is_null() {
                                return Ok(None);
                            }
                            let Some(Some(values)) = list_rows(&list.to_array()?)?.into_iter().next() else {
                                return Ok(None);
                            };
                            items.extend(values);
                        }
                        Ok(Some(items))
                    })
                    .collect::<Result<Vec<_>>>()?;
                list_array(return_type, out)
            }
            Kind::Get | Kind::ElementAt | Kind::TryElementAt => {
                if matches!(args[0].data_type(), DataType::Map(..)) {
                    let keys = scalars(&args[1])?;
                    let out: Vec<ScalarValue> = map_rows(&args[0])?
                        .into_iter()
                        .zip(keys)
                        .map(|(map, key)| {
                            map.and_then(|entries| entries.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v))
                                .unwrap_or(ScalarValue::Null)
                        })
                        .collect();
                    return scalar_array(return_type, out);
                }
                let indexes = scalars(&args[1])?;
                let mut out = Vec::with_capacity(rows);
                for (array, index) in list_rows(&args[0])?.into_iter().zip(indexes) {
                    let (Some(items), ScalarValue::Int32(Some(index))) = (array, index) else {
                        out.push(ScalarValue::Null);
                        continue;
                    };
                    out.push(self.element(items, index, ansi)?);
                }
                scalar_array(return_type, out)
            }
            Kind::Sequence => sequence(args, return_type),
            Kind::MapConcat => {
                if args.is_empty() {
                    return map_array(return_type, vec![Some(vec![]); rows]);
                }
                let maps = args.iter().map(map_rows).collect::<Result<Vec<_>>>()?;
                // Spark's spark.sql.mapKeyDedupPolicy, mirrored into the session's options.
                let last_win = config.spark.map_key_dedup_policy == MapKeyDedupPolicy::LastWin;
                let mut out = Vec::with_capacity(rows);
                for row in 0..rows {
                    let mut entries: Vec<(ScalarValue, ScalarValue)> = Vec::new();
                    let mut null = false;
                    for map in &maps {
                        match &map[row] {
                            None => null = true,
                            Some(more) => {
                                for (key, value) in more {
                                    match entries.iter_mut().find(|(k, _)| k == key) {
                                        // LAST_WIN keeps the first position with the last value.
                                        Some(entry) if last_win => entry.1 = value.clone(),
                                        Some(_) => return duplicated_map_key(key),
                                        None => entries.push((key.clone(), value.clone())),
                                    }
                                }
                            }
                        }
                    }
                    out.push(if null { None } else { Some(entries) });
                }
                map_array(return_type, out)
            }
            Kind::MapContainsKey => {
                let keys = scalars(&args[1])?;
                let out: BooleanArray = map_rows(&args[0])?
                    .into_iter()
                    .zip(keys)
                    .map(|(map, key)| {
                        let entries = map?;
                        if key.is_null() {
                            return None;
                        }
                        Some(entries.iter().any(|(k, _)| *k == key))
                    })
                    .collect();
                Ok(Arc::new(out))
            }
            Kind::ArrayDistinct => {
                let out = list_rows(&args[0])?.into_iter().map(|array| array.map(distinct)).collect();
                list_array(return_type, out)
            }
            Kind::ArrayUnion | Kind::ArrayIntersect | Kind::ArrayExcept => {
                let out = list_rows(&args[0])?
                    .into_iter()
                    .zip(list_rows(&args[1])?)
                    .map(|(a, b)| {
                        let (a, b) = (a?, b?);
                        Some(match self.kind {
                            Kind::ArrayUnion => distinct(a.into_iter().chain(b).collect()),
                            Kind::ArrayIntersect => {
                                let b: std::collections::HashSet<ScalarValue> = b.into_iter().collect();
                                distinct(a.into_iter().filter(|x| b.contains(x)).collect())
                            }
                            _ => {
                                let b: std::collections::HashSet<ScalarValue> = b.into_iter().collect();
                                distinct(a.into_iter().filter(|x| !b.contains(x)).collect())
                            }
                        })
                    })
                    .collect();
                list_array(return_type, out)
            }
            Kind::ArrayRepeat => {
                let counts = scalars(&args[1])?;
                let out = scalars(&args[0])?
                    .into_iter()
                    .zip(counts)
                    .map(|(value, count)| match count {
                        ScalarValue::Int32(Some(n)) => Some(vec![value; n.max(0) as usize]),
                        _ => None,
                    })
                    .collect();
                list_array(return_type, out)
            }
            Kind::ArraySort => {
                // Ascending, NULLs last (sort_array puts them first).
                let out = list_rows(&args[0])?
                    .into_iter()
                    .map(|array| {
                        let mut items = array?;
                        items.sort_by(|a, b| match (a.is_null(), b.is_null()) {
                            (true, true) => std::cmp::Ordering::Equal,
                            (true, false) => std::cmp::Ordering::Greater,
                            (false, true) => std::cmp::Ordering::Less,
                            (false, false) => spark_order(a, b),
                        });
                        Some(items)
                    })
                    .collect();
                list_array(return_type, out)
            }
            Kind::SortArray => {
                let ascending = match args.get(1) {
                    Some(flags) => scalars(flags)?,
                    None => vec![ScalarValue::Boolean(Some(true)); rows],
                };
                let out = list_rows(&args[0])?
                    .into_iter()
                    .zip(ascending)
                    .map(|(array, ascending)| {
                        let mut items = array?;
                        let ascending = !matches!(ascending, ScalarValue::Boolean(Some(false)));
                        // NULLs first ascending, last descending.
                        items.sort_by(|a, b| {
                            let order = match (a.is_null(), b.is_null()) {
                                (true, true) => std::cmp::Ordering::Equal,
                                (true, false) => std::cmp::Ordering::Less,
                                (false, true) => std::cmp::Ordering::Greater,
                                (false, false) => spark_order(a, b),
                            };
                            if ascending { order } else { order.reverse() }
                        });
                        Some(items)
                    })
                    .collect();
                list_array(return_type, out)
            }
            Kind::Size | Kind::ArraySize => {
                let array = &args[0];
                // Spark's legacy `size(NULL)` of -1 holds only without ANSI (and never for array_size).
                let of_null = if self.kind == Kind::Size && !ansi { Some(-1) } else { None };
                let lengths: Vec<usize> = match array.data_type() {
                    DataType::Map(..) => array.as_map().offsets().lengths().collect(),
                    DataType::List(_) => array.as_list::<i32>().offsets().lengths().collect(),
                    DataType::Null => vec![0; array.len()],
                    other => return exec_err!("{name} of {other}"),
                };
                let out: Int32Array = lengths
                    .into_iter()
                    .enumerate()
                    .map(|(i, n)| if array.is_null(i) { of_null } else { Some(n as i32) })
                    .collect();
                Ok(Arc::new(out))
            }
        }
    }

    /// `element_at(array, index)`: 1-based, negative from the end.
    fn element(&self, items: Vec<ScalarValue>, index: i32, ansi: bool) -> Result<ScalarValue> {
        if self.kind == Kind::Get {
            return Ok(usize::try_from(index).ok().and_then(|i| items.get(i).cloned()).unwrap_or(ScalarValue::Null));
        }
        if index == 0 {
            return exec_err!(
                "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first \
                 element has index 1). SQLSTATE: 22003"
            );
        }
        let len = items.len() as i64;
        let position = if index > 0 { index as i64 - 1 } else { len + index as i64 };
        if (0..len).contains(&position) {
            return Ok(items[position as usize].clone());
        }
        if self.kind == Kind::ElementAt && ansi {
            return exec_err!(
                "[INVALID_ARRAY_INDEX_IN_ELEMENT_AT] The index {index} is out of bounds. The array has {len} \
                 elements. Use `try_element_at` to tolerate accessing element at invalid index and return NULL \
                 instead. SQLSTATE: 22003"
            );
        }
        Ok(ScalarValue::Null)
    }
}

/// `items` without repeats, each kept where it first appears (NULL counts as one value).
fn distinct(items: Vec<ScalarValue>) -> Vec<ScalarValue> {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items.into_iter().filter(|item| seen.insert(item.clone())).collect()
}

/// Spark's order of two set values of one type: NaN after every other number.
fn spark_order(a: &ScalarValue, b: &ScalarValue) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (ScalarValue::Float64(Some(x)), ScalarValue::Float64(Some(y))) => x.total_cmp(y),
        (ScalarValue::Float32(Some(x)), ScalarValue::Float32(Some(y))) => x.total_cmp(y),
        _ => a.partial_cmp(b).unwrap_or(Ordering::Equal),
    }
}

fn duplicated_map_key<T>(key: &ScalarValue) -> Result<T> {
    exec_err!(
        "[DUPLICATED_MAP_KEY] Duplicate map key {key} was found, please check the input data. If you want to remove \
         the duplicated keys, you can set \"spark.sql.mapKeyDedupPolicy\" to \"LAST_WIN\" so that the key inserted \
         at last takes precedence. SQLSTATE: 23505"
    )
}

/// Spark's `array_insert` (not the legacy negative index): `position` is 1-based, a negative one
/// counts from the end (-1 appends); beyond either end the array is padded with NULLs.
fn array_insert(mut items: Vec<ScalarValue>, position: i32, value: ScalarValue) -> Result<Vec<ScalarValue>> {
    if position == 0 {
        return exec_err!(
            "[INVALID_INDEX_OF_ZERO] The index 0 is invalid. An index shall be either < 0 or > 0 (the first element \
             has index 1). SQLSTATE: 22003"
        );
    }
    let len = items.len() as i64;
    let position = position as i64;
    let too_long = |n: i64| -> Result<()> {
        if n as i128 > MAX_ARRAY_LENGTH {
            return exec_err!(
                "[COLLECTION_SIZE_LIMIT_EXCEEDED.PARAMETER] Can't create array with {n} elements which exceeding the \
                 array size limit {MAX_ARRAY_LENGTH}, the value of parameter(s) `pos` is invalid. SQLSTATE: 54000"
            );
        }
        Ok(())
    };
    let null = ScalarValue::Null;
    if position < 0 && -position > len {
        // Before the start: the value, NULLs, then the array.
        too_long(-position)?;
        let mut out = vec![value];
        out.extend(std::iter::repeat_n(null, (-position - 1 - len) as usize));
        out.extend(items);
        return Ok(out);
    }
    // The 0-based index the value lands at.
    let at = if position > 0 { position - 1 } else { len + position + 1 };
    too_long(at + 1)?;
    if at > len {
        items.extend(std::iter::repeat_n(null, (at - len) as usize));
    }
    items.insert(at as usize, value);
    Ok(items)
}

/// Each row's array as values, None for a NULL array.
fn list_rows(array: &ArrayRef) -> Result<Vec<Option<Vec<ScalarValue>>>> {
    let list = match array.data_type() {
        DataType::Null => return Ok(vec![None; array.len()]),
        DataType::List(_) => array.as_list::<i32>(),
        other => return exec_err!("expected an array, got {other}"),
    };
    (0..list.len())
        .map(|i| {
            if list.is_null(i) {
                return Ok(None);
            }
            let items = list.value(i);
            (0..items.len()).map(|j| ScalarValue::try_from_array(&items, j)).collect::<Result<Vec<_>>>().map(Some)
        })
        .collect()
}

/// Each row's map entries, None for a NULL map.
#[allow(clippy::type_complexity)]
fn map_rows(array: &ArrayRef) -> Result<Vec<Option<Vec<(ScalarValue, ScalarValue)>>>> {
    let map = match array.data_type() {
        DataType::Null => return Ok(vec![None; array.len()]),
        DataType::Map(..) => array.as_map(),
        other => return exec_err!("expected a map, got {other}"),
    };
    (0..map.len())
        .map(|i| {
            if map.is_null(i) {
                return Ok(None);
            }
            let entries = map.value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            (0..entries.len())
                .map(|j| Ok((ScalarValue::try_from_array(keys, j)?, ScalarValue::try_from_array(values, j)?)))
                .collect::<Result<Vec<_>>>()
                .map(Some)
        })
        .collect()
}

fn scalars(array: &ArrayRef) -> Result<Vec<ScalarValue>> {
    (0..array.len()).map(|i| ScalarValue::try_from_array(array, i)).collect()
}

/// `value` as a value of `data_type` (a NULL of any type becomes a NULL of that type).
fn typed(value: ScalarValue, data_type: &DataType) -> Result<ScalarValue> {
    if value.data_type() == *data_type {
        Ok(value)
    } else if value.is_null() {
        ScalarValue::try_from(data_type)
    } else {
        value.cast_to(data_type)
    }
}

/// A column of `values`, typed `data_type`.
fn scalar_array(data_type: &DataType, values: Vec<ScalarValue>) -> Result<ArrayRef> {
    if values.is_empty() {
        return Ok(new_empty_array(data_type));
    }
    if *data_type == DataType::Null {
        return Ok(new_null_array(data_type, values.len()));
    }
    let values = values.into_iter().map(|v| typed(v, data_type)).collect::<Result<Vec<_>>>()?;
    ScalarValue::iter_to_array(values)
}

/// A column of arrays typed `list_type`, a None row NULL.
fn list_array(list_type: &DataType, rows: Vec<Option<Vec<ScalarValue>>>) -> Result<ArrayRef> {
    let DataType::List(field) = list_type else { return exec_err!("expected an array type, got {list_type}") };
    let mut offsets = vec![0i32];
    let mut valid = Vec::with_capacity(rows.len());
    let mut values = Vec::new();
    for row in rows {
        valid.push(row.is_some());
        values.extend(row.unwrap_or_default());
        offsets
            .push(i32::try_from(values.len()).map_err(|_| {
                datafusion::common::DataFusionError::Execution("an array column too large".to_string())
            })?);
    }
    let values = scalar_array(field.data_type(), values)?;
    let nulls = NullBuffer::from(valid);
    let nulls = if nulls.null_count() > 0 { Some(nulls) } else { None };
    Ok(Arc::new(ListArray::try_new(Arc::clone(field), OffsetBuffer::new(offsets.into()), values, nulls)?))
}

/// A column of maps typed `map_type`, a None row NULL.
#[allow(clippy::type_complexity)]
fn map_array(map_type: &DataType, rows: Vec<Option<Vec<(ScalarValue, ScalarValue)>>>) -> Result<ArrayRef> {
    let DataType::Map(entries, sorted) = map_type else { return exec_err!("expected a map type, got {map_type}") };
    let DataType::Struct(fields) = entries.data_type() else { return exec_err!("a map with entries {entries}") };
    let mut offsets = vec![0i32];
    let mut valid = Vec::with_capacity(rows.len());
    let (mut keys, mut values) = (Vec::new(), Vec::new());
    for row in rows {
        valid.push(row.is_some());
        for (key, value) in row.unwrap_or_default() {
            keys.push(key);
            values.push(value);
        }
        offsets.push(keys.len() as i32);
    }
    let keys = scalar_array(fields[0].data_type(), keys)?;
    let values = scalar_array(fields[1].data_type(), values)?;
    let entries_array = StructArray::try_new(fields.clone(), vec![keys, values], None)?;
    let nulls = NullBuffer::from(valid);
    let nulls = if nulls.null_count() > 0 { Some(nulls) } else { None };
    Ok(Arc::new(MapArray::try_new(
        Arc::clone(entries),
        OffsetBuffer::new(offsets.into()),
        entries_array,
        nulls,
        *sorted,
    )?))
}

/// The argument types of `sequence`: integers of one type (the wider of start and stop), or
/// dates or timestamps with an interval step.
fn sequence_types(args: &[DataType]) -> Result<Vec<DataType>> {
    let (start, stop) = (&args[0], &args[1]);
    if is_integer_or_null(start) && is_integer_or_null(stop) {
        let mut common = wider("sequence", start, stop)?;
        if common == DataType::Null {
            common = DataType::Int32;
        }
        if let Some(step) = args.get(2) {
            if !is_integer_or_null(step) {
                return plan_err!(
                    "[DATATYPE_MISMATCH.SEQUENCE_WRONG_INPUT_TYPES] Cannot resolve \"sequence\" due to data type \
                     mismatch: `sequence` uses the wrong parameter type. The parameter type must conform to: 1. The \
                     start and stop expressions must resolve to the same type. 2. Otherwise, if start and stop \
                     expressions resolve to the \"INTEGRAL\" type, then the step expression must resolve to the same \
                     type."
                );
            }
            return Ok(vec![common.clone(), common.clone(), common]);
        }
        return Ok(vec![common.clone(), common]);
    }
    let temporal = |t: &DataType| matches!(t, DataType::Date32 | DataType::Timestamp(..) | DataType::Null);
    if temporal(start) && temporal(stop) {
        let common = match (start, stop) {
            (DataType::Date32 | DataType::Null, DataType::Date32 | DataType::Null) => DataType::Date32,
            (DataType::Timestamp(_, zone), _) | (_, DataType::Timestamp(_, zone)) => {
                DataType::Timestamp(TimeUnit::Microsecond, zone.clone())
            }
            _ => DataType::Date32,
        };
        let mut types = vec![common.clone(), common];
        if let Some(step) = args.get(2) {
            let step = match step {
                DataType::Interval(_) | DataType::Duration(_) | DataType::Null => {
                    DataType::Interval(IntervalUnit::MonthDayNano)
                }
                other => {
                    return plan_err!(
                        "[DATATYPE_MISMATCH.SEQUENCE_WRONG_INPUT_TYPES] Cannot resolve \"sequence\" due to data type \
                         mismatch: the step of a sequence of dates or timestamps must be an interval, not {other}."
                    );
                }
            };
            types.push(step);
        }
        return Ok(types);
    }
    plan_err!(
        "[DATATYPE_MISMATCH.SEQUENCE_WRONG_INPUT_TYPES] Cannot resolve \"sequence\" due to data type mismatch: \
         `sequence` takes integers, dates or timestamps, not {start} and {stop}."
    )
}

fn illegal_boundaries<T>(
    start: impl std::fmt::Display,
    stop: impl std::fmt::Display,
    step: impl std::fmt::Display,
) -> Result<T> {
    exec_err!("requirement failed: Illegal sequence boundaries: {start} to {stop} by {step}")
}

fn too_many<T>(count: i128) -> Result<T> {
    exec_err!(
        "[COLLECTION_SIZE_LIMIT_EXCEEDED.PARAMETER] Can't create array with {count} elements which exceeding the \
         array size limit {MAX_ARRAY_LENGTH}, the value of parameter(s) `count` is invalid. SQLSTATE: 54000"
    )
}

/// Spark's `sequence(start, stop[, step])`, stop included; the step defaults to 1 (a day for
/// dates) towards stop.
fn sequence(args: &[ArrayRef], return_type: &DataType) -> Result<ArrayRef> {
    let rows = args[0].len();
    let values: Vec<Vec<ScalarValue>> = args.iter().map(scalars).collect::<Result<_>>()?;
    let element = element_of(return_type).cloned().unwrap_or(DataType::Null);
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        let (start, stop) = (&values[0][row], &values[1][row]);
        let step = values.get(2).map(|v| &v[row]);
        if start.is_null() || stop.is_null() || step.is_some_and(|s| s.is_null()) {
            out.push(None);
            continue;
        }
        out.push(Some(match &element {
            DataType::Date32 => date_sequence(start, stop, step)?,
            DataType::Timestamp(_, zone) => timestamp_sequence(start, stop, step, zone.is_some())?,
            _ => integer_sequence(start, stop, step, &element)?,
        }));
    }
    list_array(return_type, out)
}

fn as_i64(value: &ScalarValue) -> Result<i64> {
    match value.cast_to(&DataType::Int64)? {
        ScalarValue::Int64(Some(n)) => Ok(n),
        other => exec_err!("expected an integer, got {other}"),
    }
}

fn integer_sequence(
    start: &ScalarValue,
    stop: &ScalarValue,
    step: Option<&ScalarValue>,
    element: &DataType,
) -> Result<Vec<ScalarValue>> {
    let (start, stop) = (as_i64(start)?, as_i64(stop)?);
    let step = match step {
        Some(step) => as_i64(step)?,
        None if start <= stop => 1,
        None => -1,
    };
    let legal = (step > 0 && start <= stop) || (step < 0 && start >= stop) || (step == 0 && start == stop);
    if !legal {
        return illegal_boundaries(start, stop, step);
    }
    let count = if step == 0 { 1 } else { (stop as i128 - start as i128) / step as i128 + 1 };
    if count > MAX_ARRAY_LENGTH {
        return too_many(count);
    }
    (0..count as i64).map(|i| ScalarValue::Int64(Some(start + i * step)).cast_to(element)).collect()
}

/// An interval step as (months, days, microseconds).
fn interval_parts(step: Option<&ScalarValue>, forwards: bool) -> Result<(i32, i32, i64)> {
    Ok(match step {
        None => (0, if forwards { 1 } else { -1 }, 0),
        Some(ScalarValue::IntervalMonthDayNano(Some(i))) => (i.months, i.days, i.nanoseconds / 1000),
        Some(other) => match other.cast_to(&DataType::Interval(IntervalUnit::MonthDayNano))? {
            ScalarValue::IntervalMonthDayNano(Some(i)) => (i.months, i.days, i.nanoseconds / 1000),
            other => return exec_err!("sequence with a step of {other}"),
        },
    })
}

fn date_sequence(start: &ScalarValue, stop: &ScalarValue, step: Option<&ScalarValue>) -> Result<Vec<ScalarValue>> {
    let (ScalarValue::Date32(Some(start)), ScalarValue::Date32(Some(stop))) = (start, stop) else {
        return exec_err!("sequence of dates with {start} and {stop}");
    };
    let (months, days, micros) = interval_parts(step, start <= stop)?;
    if micros != 0 {
        return exec_err!(
            "[UNSUPPORTED_FEATURE] minispark does not support sequences of dates with a step of less than a day"
        );
    }
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    let start_date = epoch + chrono::Duration::days(*start as i64);
    let positive = months > 0 || (months == 0 && days > 0);
    let negative = months < 0 || (months == 0 && days < 0);
    let legal = (positive && start <= stop) || (negative && start >= stop) || (start == stop);
    if !legal || (months != 0 && days != 0 && (months > 0) != (days > 0)) {
        return illegal_boundaries(
            epoch + chrono::Duration::days(*start as i64),
            epoch + chrono::Duration::days(*stop as i64),
            format!("{months} months {days} days"),
        );
    }
    let mut out = Vec::new();
    for i in 0i64.. {
        let shifted = shift_months(start_date, months as i64 * i)?;
        let date = shifted + chrono::Duration::days(days as i64 * i);
        let n = (date - epoch).num_days();
        if (positive && n > *stop as i64) || (negative && n < *stop as i64) || (!positive && !negative && i > 0) {
            break;
        }
        out.push(ScalarValue::Date32(Some(n as i32)));
        if out.len() as i128 > MAX_ARRAY_LENGTH {
            return too_many(out.len() as i128);
        }
    }
    Ok(out)
}

fn shift_months(date: chrono::NaiveDate, months: i64) -> Result<chrono::NaiveDate> {
    let shifted = if months >= 0 {
        date.checked_add_months(chrono::Months::new(months as u32))
    } else {
        date.checked_sub_months(chrono::Months::new(months.unsigned_abs() as u32))
    };
    shifted.ok_or_else(|| datafusion::common::DataFusionError::Execution("a date out of range".to_string()))
}

fn timestamp_sequence(
    start: &ScalarValue,
    stop: &ScalarValue,
    step: Option<&ScalarValue>,
    zoned: bool,
) -> Result<Vec<ScalarValue>> {
    let (ScalarValue::TimestampMicrosecond(Some(start), zone), ScalarValue::TimestampMicrosecond(Some(stop), _)) =
        (start, stop)
    else {
        return exec_err!("sequence of timestamps with {start} and {stop}");
    };
    let Some(step) = step else {
        return exec_err!("[UNSUPPORTED_FEATURE] sequence of timestamps needs a step interval");
    };
    let (months, days, micros) = interval_parts(Some(step), true)?;
    let utc = zone.as_deref().is_none_or(|z| matches!(z, "UTC" | "+00:00" | "Z" | "Etc/UTC"));
    if (months != 0 || days != 0) && zoned && !utc {
        return exec_err!(
            "[UNSUPPORTED_FEATURE] minispark steps timestamps by months or days only in UTC, not in {}",
            zone.as_deref().unwrap_or("")
        );
    }
    if months != 0 {
        return exec_err!("[UNSUPPORTED_FEATURE] minispark does not step timestamp sequences by months");
    }
    let step = days as i64 * 86_400_000_000 + micros;
    let legal = (step > 0 && start <= stop) || (step < 0 && start >= stop) || (start == stop);
    if !legal {
        return illegal_boundaries(start, stop, step);
    }
    let count = if step == 0 { 1 } else { (*stop as i128 - *start as i128) / step as i128 + 1 };
    if count > MAX_ARRAY_LENGTH {
        return too_many(count);
    }
    Ok((0..count as i64).map(|i| ScalarValue::TimestampMicrosecond(Some(start + i * step), zone.clone())).collect())
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

    use super::super::tests::context;

    /// The single value of `SELECT expression`, as text (NULL as `NULL`), or the error.
    async fn value(expression: &str) -> std::result::Result<String, String> {
        let context = context();
        // Spark 4 runs with ANSI on (the session sets it): errors and NULL sizes follow it.
        context.state_ref().write().config_mut().options_mut().execution.enable_ansi_mode = true;
        let frame = context.sql(&format!("SELECT {expression}")).await.map_err(|e| e.to_string())?;
        let batches = frame.collect().await.map_err(|e| e.to_string())?;
        let options = FormatOptions::default().with_null("NULL");
        let formatter = ArrayFormatter::try_new(batches[0].column(0).as_ref(), &options).unwrap();
        Ok(formatter.value(0).to_string())
    }

    async fn type_of(expression: &str) -> String {
        let context = context();
        let frame = context.sql(&format!("SELECT {expression}")).await.unwrap();
        frame.schema().field(0).data_type().to_string()
    }

    #[tokio::test]
    async fn values_are_sparks() {
        // Each expected value is PySpark 4.3's for the same expression (checked with
        // spark.sql("SELECT ...") in PySpark 4.3.0; make_array is Spark's array).
        let cases = [
            ("array_insert(make_array('a','b','c'), -1, 'd')", "[a, b, c, d]"),
            ("array_insert(make_array('a','b','c'), -3, 'd')", "[a, d, b, c]"),
            ("array_insert(make_array('a','b','c'), -4, 'd')", "[d, a, b, c]"),
            ("array_insert(make_array('a','b','c'), -5, 'd')", "[d, NULL, a, b, c]"),
            ("array_insert(make_array('a','b','c'), 2, 'd')", "[a, d, b, c]"),
            ("array_insert(make_array('a','b','c'), 4, 'd')", "[a, b, c, d]"),
            ("array_insert(make_array('a','b','c'), 6, 'd')", "[a, b, c, NULL, NULL, d]"),
            ("array_insert(make_array('a','b','c'), CAST(NULL AS INT), 'd')", "NULL"),
            ("array_insert(make_array(1, 2), 1, CAST(5 AS BIGINT))", "[5, 1, 2]"),
            ("element_at(make_array(1,2,3), -1)", "3"),
            ("try_element_at(make_array(1,2,3), -4)", "NULL"),
            ("try_element_at(make_array(1,2,3), 4)", "NULL"),
            ("element_at(map('a', 1), 'b')", "NULL"),
            ("element_at(map('a', 1.0, 'b', 2.0), 'b')", "2.0"),
            ("element_at(CAST(NULL AS INT[]), 1)", "NULL"),
            ("element_at(make_array(1,2), CAST(NULL AS INT))", "NULL"),
            ("get(make_array(1,2,3), 3)", "NULL"),
            ("get(make_array(1,2,3), -1)", "NULL"),
            ("get(make_array(1,2,3), 0)", "1"),
            ("array_position(make_array(1,2,1), 1)", "1"),
            ("array_position(make_array(1,2), 5)", "0"),
            ("array_position(make_array(1,NULL), NULL)", "NULL"),
            ("array_position(CAST(NULL AS INT[]), 1)", "NULL"),
            ("array_remove(make_array(1,2,1,NULL), 1)", "[2, NULL]"),
            ("array_remove(make_array(1,2,NULL), NULL)", "NULL"),
            ("array_remove(CAST(NULL AS INT[]), 1)", "NULL"),
            ("array_append(CAST(NULL AS INT[]), 1)", "NULL"),
            ("array_append(make_array(1,2), NULL)", "[1, 2, NULL]"),
            ("array_append(make_array(1,2), CAST(3 AS BIGINT))", "[1, 2, 3]"),
            ("array_prepend(make_array(1,2), CAST(3 AS BIGINT))", "[3, 1, 2]"),
            ("array_compact(make_array(1,NULL,2))", "[1, 2]"),
            ("array_compact(CAST(NULL AS INT[]))", "NULL"),
            ("arrays_overlap(make_array(1,2), make_array(3,NULL))", "NULL"),
            ("arrays_overlap(make_array(1,NULL), CAST(make_array() AS INT[]))", "false"),
            ("arrays_overlap(make_array(1,2), make_array(2,NULL))", "true"),
            ("arrays_overlap(make_array(1), make_array(2))", "false"),
            ("flatten(make_array(make_array(1,2), NULL))", "NULL"),
            ("flatten(make_array(make_array(1,2), make_array(3)))", "[1, 2, 3]"),
            ("flatten(CAST(NULL AS INT[][]))", "NULL"),
            ("flatten(make_array(make_array(make_array(1))))", "[[1]]"),
            ("sequence(1, 5)", "[1, 2, 3, 4, 5]"),
            ("sequence(5, 1)", "[5, 4, 3, 2, 1]"),
            ("sequence(1, 5, 2)", "[1, 3, 5]"),
            ("sequence(1, 1, 0)", "[1]"),
            ("sequence(-2, 2)", "[-2, -1, 0, 1, 2]"),
            ("sequence(4, -4, -2)", "[4, 2, 0, -2, -4]"),
            ("sequence(1, CAST(NULL AS INT))", "NULL"),
            ("sequence(DATE '2020-01-01', DATE '2020-01-03')", "[2020-01-01, 2020-01-02, 2020-01-03]"),
            (
                "sequence(DATE '2020-01-01', DATE '2020-03-01', INTERVAL '1' MONTH)",
                "[2020-01-01, 2020-02-01, 2020-03-01]",
            ),
            ("map_concat(map(1, 'a', 2, 'b'), map(3, 'c'))", "{1: a, 2: b, 3: c}"),
            ("map_contains_key(map(1, 'a'), CAST(1 AS BIGINT))", "true"),
            ("map_contains_key(map(1, 'a'), -1)", "false"),
            ("map_contains_key(map(1, 'a'), CAST(NULL AS INT))", "NULL"),
            ("array_distinct(make_array(3, 1, 3, NULL, 2, NULL, 1))", "[3, 1, NULL, 2]"),
            ("array_union(make_array(3, 1, NULL), make_array(2, NULL, 3, 4))", "[3, 1, NULL, 2, 4]"),
            ("array_intersect(make_array(3, 1, NULL, 1), make_array(1, NULL, 3))", "[3, 1, NULL]"),
            ("array_except(make_array(3, 1, NULL, 1, 5), make_array(1))", "[3, NULL, 5]"),
            ("array_except(make_array(3, NULL), make_array(NULL))", "[3]"),
            ("array_union(make_array(1), CAST(NULL AS INT[]))", "NULL"),
            ("sort_array(make_array(3.0, CAST('NaN' AS DOUBLE), NULL, 1.0))", "[NULL, 1.0, 3.0, NaN]"),
            ("sort_array(make_array(3.0, CAST('NaN' AS DOUBLE), NULL, 1.0), false)", "[NaN, 3.0, 1.0, NULL]"),
            ("sort_array(make_array('b', 'a', NULL), false)", "[b, a, NULL]"),
            ("array_sort(make_array(2, 1, NULL, 3))", "[1, 2, 3, NULL]"),
            ("array_repeat('ab', 3)", "[ab, ab, ab]"),
            ("array_repeat(make_array('a', 'b'), 2)", "[[a, b], [a, b]]"),
            ("array_repeat(CAST(NULL AS INT), 2)", "[NULL, NULL]"),
            ("array_repeat(1, -1)", "[]"),
            ("array_repeat(1, CAST(NULL AS INT))", "NULL"),
            ("array_size(make_array(make_array(2, 1), make_array(3, 4)))", "2"),
            ("size(CAST(NULL AS INT[]))", "NULL"),
            ("array_size(CAST(NULL AS INT[]))", "NULL"),
            ("size(map(1, 2))", "1"),
            ("size(make_array(1, 2))", "2"),
        ];
        let mut wrong = Vec::new();
        for (expression, expected) in cases {
            let got = value(expression).await;
            if got.as_deref() != Ok(expected) {
                wrong.push(format!("{expression}: {got:?}, Spark gives {expected}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[tokio::test]
    async fn types_are_sparks() {
        // Spark 4.3: array_position is a bigint, size an int, sequence keeps its integer type.
        assert_eq!(type_of("array_position(make_array(1), 1)").await, "Int64");
        assert_eq!(type_of("size(make_array(1))").await, "Int32");
        assert_eq!(type_of("array_size(make_array(1))").await, "Int32");
        assert_eq!(type_of("sequence(CAST(1 AS BIGINT), 3)").await, "List(Int64)");
        assert_eq!(type_of("sequence(CAST(1 AS TINYINT), CAST(3 AS TINYINT))").await, "List(Int8)");
    }

    #[tokio::test]
    async fn spark_errors_are_kept() {
        // The errors PySpark 4.3 raises for the same expressions.
        for (expression, condition) in [
            ("array_insert(make_array('a'), 0, 'd')", "INVALID_INDEX_OF_ZERO"),
            ("element_at(make_array(1,2,3), 4)", "INVALID_ARRAY_INDEX_IN_ELEMENT_AT"),
            ("element_at(make_array(1,2,3), -4)", "INVALID_ARRAY_INDEX_IN_ELEMENT_AT"),
            ("element_at(make_array(1,2,3), 0)", "INVALID_INDEX_OF_ZERO"),
            ("try_element_at(make_array(1,2,3), 0)", "INVALID_INDEX_OF_ZERO"),
            ("sequence(1, 5, -1)", "Illegal sequence boundaries: 1 to 5 by -1"),
            ("map_concat(map(1, 'a'), map(1, 'b'))", "DUPLICATED_MAP_KEY"),
        ] {
            let error = value(expression).await.expect_err(expression);
            assert!(error.contains(condition), "{expression}: {error}");
        }
    }
}
