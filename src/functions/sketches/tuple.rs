//! Tuple sketches, Theta sketches whose keys carry a summary (Spark's `_double` and `_integer`
//! flavours, Java's `DoubleSummary` and `IntegerSummary`): `tuple_sketch_agg_*`,
//! `tuple_union_agg_*`, `tuple_intersection_agg_*`, `tuple_sketch_estimate_*`,
//! `tuple_sketch_summary_*`, `tuple_sketch_theta_*` and the set operations with another tuple
//! sketch (`tuple_union_*`, ...) or a Theta sketch (`tuple_union_theta_*`, ...).
//!
//! A summary combines values by its mode (`sum`, the default, `min`, `max` or `alwaysone`) and
//! serializes as Java's: the value, then the mode's byte. Keys of a Theta sketch take part with
//! the mode's identity as their summary (0 for `sum`, +inf or the largest integer for `min`, ...).

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type};
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datasketches::codec::{SketchBytes, SketchSlice};
use datasketches::error::{Error, ErrorKind};
use datasketches::hash::value::raw_bytes;
use datasketches::theta::CompactThetaSketch;
use datasketches::tuple::{
    CompactTupleSketch, SummaryCombinePolicy, SummaryPolicy, SummaryUpdatePolicy, TupleANotB, TupleIntersection,
    TupleSketch, TupleSketchBuilder, TupleSummaryValue, TupleUnion, TupleUnionBuilder,
};

use super::{
    Accepts, AggregateSpec, ScalarSpec, SketchState, SparkType, binary_values, check_types, for_each_input, integer,
    sketch_bytes, spark_error, typed_name,
};

const DEFAULT_LG_NOM_ENTRIES: i64 = 12;
/// The serialized empty tuple sketch (the crate writes, and reads, this layout).
const EMPTY_SKETCH: [u8; 8] = [1, 3, 9, 1, 0, 0x1e, 0, 0];
const MIN_LG_NOM_ENTRIES: i64 = 4;
const MAX_LG_NOM_ENTRIES: i64 = 26;

/// What tuple sketches take as keys: the same as `theta_sketch_agg`.
const KEYS: &[SparkType] = &[
    SparkType::IntArray,
    SparkType::BigIntArray,
    SparkType::Binary,
    SparkType::Double,
    SparkType::Float,
    SparkType::Int,
    SparkType::BigInt,
    SparkType::String,
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Sum,
    Min,
    Max,
    AlwaysOne,
}

impl Mode {
    const ALL: [(Mode, &'static str); 4] =
        [(Mode::Sum, "sum"), (Mode::Min, "min"), (Mode::Max, "max"), (Mode::AlwaysOne, "alwaysone")];

    /// The mode a constant argument names (Spark's default when it is missing).
    fn parse(name: &str, value: Option<&ScalarValue>) -> Result<Mode> {
        let text = match value {
            None => return Ok(Mode::Sum),
            Some(v) => match v.cast_to(&DataType::Utf8)? {
                ScalarValue::Utf8(Some(text)) => text,
                _ => String::new(),
            },
        };
        match Mode::ALL.iter().find(|(_, n)| n.eq_ignore_ascii_case(&text)) {
            Some((mode, _)) => Ok(*mode),
            None => Err(analysis(
                name,
                &format!(
                    "[TUPLE_INVALID_SKETCH_MODE] Invalid call to `{name}`: mode '{text}' is not supported. Valid \
                     modes are: sum, min, max, alwaysone. SQLSTATE: 22023."
                ),
            )),
        }
    }

    fn from_byte(byte: u8) -> Option<Mode> {
        Mode::ALL.get(byte as usize).map(|(mode, _)| *mode)
    }

    fn byte(self) -> u8 {
        Mode::ALL.iter().position(|(mode, _)| *mode == self).unwrap_or(0) as u8
    }
}

/// A summary's value type: Java's `DoubleSummary` (f64) or `IntegerSummary` (i32).
trait Number: Copy + PartialOrd + Send + Sync + std::fmt::Debug + 'static {
    const SUFFIX: &'static str;
    /// What a sketch's summaries add up to (`tuple_sketch_summary_*`'s type).
    const TOTAL: DataType;
    fn identity(mode: Mode) -> Self;
    fn add(self, other: Self) -> Self;
    fn one() -> Self;
    /// The summary column's values (Spark casts them to the summary type).
    fn values(array: &ArrayRef) -> Result<Vec<Option<Self>>>;
    fn write(self, bytes: &mut SketchBytes);
    fn read(cursor: &mut SketchSlice<'_>) -> std::io::Result<Self>;
    /// `tuple_sketch_summary_*` of the given summaries.
    fn total(values: &[Self], mode: Mode) -> ScalarValue;
}

impl Number for f64 {
    const SUFFIX: &'static str = "double";
    const TOTAL: DataType = DataType::Float64;

    fn identity(mode: Mode) -> Self {
        match mode {
            Mode::Sum => 0.0,
            Mode::Min => f64::INFINITY,
            Mode::Max => f64::NEG_INFINITY,
            Mode::AlwaysOne => 1.0,
        }
    }

    fn add(self, other: Self) -> Self {
        self + other
    }

    fn one() -> Self {
        1.0
    }

    fn values(array: &ArrayRef) -> Result<Vec<Option<Self>>> {
        Ok(cast(array, &DataType::Float64)?.as_primitive::<Float64Type>().iter().collect())
    }

    fn write(self, bytes: &mut SketchBytes) {
        bytes.write_f64_le(self);
    }

    fn read(cursor: &mut SketchSlice<'_>) -> std::io::Result<Self> {
        cursor.read_f64_le()
    }

    fn total(values: &[Self], mode: Mode) -> ScalarValue {
        ScalarValue::Float64(Some(fold(values.iter().copied(), mode, 0.0)))
    }
}

impl Number for i32 {
    const SUFFIX: &'static str = "integer";
    const TOTAL: DataType = DataType::Int64;

    fn identity(mode: Mode) -> Self {
        match mode {
            Mode::Sum => 0,
            Mode::Min => i32::MAX,
            Mode::Max => i32::MIN,
            Mode::AlwaysOne => 1,
        }
    }

    fn add(self, other: Self) -> Self {
        self.wrapping_add(other)
    }

    fn one() -> Self {
        1
    }

    fn values(array: &ArrayRef) -> Result<Vec<Option<Self>>> {
        Ok(cast(array, &DataType::Int32)?.as_primitive::<Int32Type>().iter().collect())
    }

    fn write(self, bytes: &mut SketchBytes) {
        bytes.write_i32_le(self);
    }

    fn read(cursor: &mut SketchSlice<'_>) -> std::io::Result<Self> {
        cursor.read_i32_le()
    }

    fn total(values: &[Self], mode: Mode) -> ScalarValue {
        ScalarValue::Int64(Some(fold(values.iter().map(|v| i64::from(*v)), mode, 0)))
    }
}

/// `values` combined by `mode`, `empty` for none (`alwaysone` counts them).
fn fold<T: Copy + PartialOrd + std::ops::Add<Output = T> + From<u8>>(
    values: impl Iterator<Item = T>,
    mode: Mode,
    empty: T,
) -> T {
    values
        .fold(None, |total: Option<T>, v| {
            Some(match (total, mode) {
                (None, Mode::AlwaysOne) => T::from(1),
                (None, _) => v,
                (Some(t), Mode::Sum) => t + v,
                (Some(t), Mode::Min) => {
                    if v < t {
                        v
                    } else {
                        t
                    }
                }
                (Some(t), Mode::Max) => {
                    if v > t {
                        v
                    } else {
                        t
                    }
                }
                (Some(t), Mode::AlwaysOne) => t + T::from(1),
            })
        })
        .unwrap_or(empty)
}

/// Combines `value` into `summary` as `mode` does.
fn combine<N: Number>(mode: Mode, summary: N, value: N) -> N {
    match mode {
        Mode::Sum => summary.add(value),
        Mode::Min => {
            if value < summary {
                value
            } else {
                summary
            }
        }
        Mode::Max => {
            if value > summary {
                value
            } else {
                summary
            }
        }
        Mode::AlwaysOne => N::one(),
    }
}

#[derive(Clone, Debug)]
struct Summary<N> {
    value: N,
    mode: Mode,
}

impl<N: Number> TupleSummaryValue for Summary<N> {
    fn serialize_size(&self) -> usize {
        size_of::<N>() + 1
    }

    fn serialize_value(&self, bytes: &mut SketchBytes) {
        self.value.write(bytes);
        bytes.write_u8(self.mode.byte());
    }

    fn deserialize_value(cursor: &mut SketchSlice<'_>) -> Result<Self, Error> {
        let corrupt = |_| Error::new(ErrorKind::InvalidData, "truncated tuple summary");
        let value = N::read(cursor).map_err(corrupt)?;
        let mode = Mode::from_byte(cursor.read_u8().map_err(corrupt)?)
            .ok_or_else(|| Error::new(ErrorKind::InvalidData, "unknown tuple summary mode"))?;
        Ok(Summary { value, mode })
    }
}

/// How summaries are made, updated and combined in one mode.
#[derive(Clone, Copy, Debug)]
struct Policy<N> {
    mode: Mode,
    marker: std::marker::PhantomData<fn() -> N>,
}

impl<N> Policy<N> {
    fn new(mode: Mode) -> Self {
        Self { mode, marker: std::marker::PhantomData }
    }
}

impl<N: Number> SummaryPolicy for Policy<N> {
    type Summary = Summary<N>;

    fn create(&self) -> Summary<N> {
        Summary { value: N::identity(self.mode), mode: self.mode }
    }
}

impl<N: Number> SummaryUpdatePolicy<N> for Policy<N> {
    fn update(&self, summary: &mut Summary<N>, value: N) {
        summary.value = combine(self.mode, summary.value, value);
    }
}

impl<N: Number> SummaryCombinePolicy for Policy<N> {
    fn combine(&self, summary: &mut Summary<N>, other: &Summary<N>) {
        summary.value = combine(self.mode, summary.value, other.value);
        summary.mode = self.mode;
    }
}

pub(super) fn aggregates() -> Vec<AggregateSpec> {
    flavour_aggregates::<f64>().into_iter().chain(flavour_aggregates::<i32>()).collect()
}

pub(super) fn scalars() -> Vec<ScalarSpec> {
    flavour_scalars::<f64>().into_iter().chain(flavour_scalars::<i32>()).collect()
}

fn constant(constants: &[Option<ScalarValue>], i: usize) -> Option<&ScalarValue> {
    constants.get(i).and_then(Option::as_ref)
}

fn flavour_aggregates<N: Number>() -> Vec<AggregateSpec> {
    vec![
        AggregateSpec {
            name: typed_name("tuple_sketch_agg", N::SUFFIX),
            inputs: 2,
            coerce: |name, types| {
                let accepts = [Accepts::OneOf(KEYS), Accepts::Double, Accepts::Int, Accepts::Mode];
                check_types(name, types, &accepts, 2)
            },
            new_state: |constants, _| {
                let name = typed_name("tuple_sketch_agg", N::SUFFIX);
                let lg_k = lg_nom_entries(name, constant(constants, 0))?;
                let mode = Mode::parse(name, constant(constants, 1))?;
                let sketch =
                    TupleSketchBuilder::new(Policy::<N>::new(mode)).lg_k(lg_k).build().map_err(invalid(name))?;
                Ok(Box::new(Building { sketch, merged: None, lg_k, mode, name }))
            },
        },
        AggregateSpec {
            name: typed_name("tuple_union_agg", N::SUFFIX),
            inputs: 1,
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Int, Accepts::Mode], 1),
            new_state: |constants, _| {
                let name = typed_name("tuple_union_agg", N::SUFFIX);
                let lg_k = lg_nom_entries(name, constant(constants, 0))?;
                let mode = Mode::parse(name, constant(constants, 1))?;
                Ok(Box::new(UnionState::<N> { union: new_union(name, lg_k, mode)?, name }))
            },
        },
        AggregateSpec {
            name: typed_name("tuple_intersection_agg", N::SUFFIX),
            inputs: 1,
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Mode], 1),
            new_state: |constants, _| {
                let name = typed_name("tuple_intersection_agg", N::SUFFIX);
                let mode = Mode::parse(name, constant(constants, 0))?;
                Ok(Box::new(IntersectionState::<N> { intersection: TupleIntersection::new(Policy::new(mode)), name }))
            },
        },
    ]
}

fn flavour_scalars<N: Number>() -> Vec<ScalarSpec> {
    vec![
        ScalarSpec {
            name: typed_name("tuple_sketch_estimate", N::SUFFIX),
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch], 1),
            return_type: |_| Ok(DataType::Float64),
            eval: |name, args| Ok(ScalarValue::Float64(Some(deserialize::<N>(name, &args[0])?.estimate()))),
        },
        ScalarSpec {
            name: typed_name("tuple_sketch_theta", N::SUFFIX),
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch], 1),
            return_type: |_| Ok(DataType::Float64),
            eval: |name, args| Ok(ScalarValue::Float64(Some(deserialize::<N>(name, &args[0])?.theta()))),
        },
        ScalarSpec {
            name: typed_name("tuple_sketch_summary", N::SUFFIX),
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Mode], 1),
            return_type: |_| Ok(N::TOTAL),
            eval: |name, args| {
                let sketch = deserialize::<N>(name, &args[0])?;
                let values: Vec<N> = sketch.iter().map(|entry| entry.summary().value).collect();
                Ok(N::total(&values, Mode::parse(name, args.get(1))?))
            },
        },
        ScalarSpec {
            name: typed_name("tuple_union", N::SUFFIX),
            coerce: |name, types| {
                check_types(name, types, &[Accepts::Sketch, Accepts::Sketch, Accepts::Int, Accepts::Mode], 2)
            },
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let (first, second) = (deserialize::<N>(name, &args[0])?, deserialize::<N>(name, &args[1])?);
                union(name, &first, &second, args)
            },
        },
        ScalarSpec {
            name: typed_name("tuple_union_theta", N::SUFFIX),
            coerce: |name, types| {
                check_types(name, types, &[Accepts::Sketch, Accepts::Sketch, Accepts::Int, Accepts::Mode], 2)
            },
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let mode = Mode::parse(name, args.get(3))?;
                let (first, second) = (deserialize::<N>(name, &args[0])?, from_theta::<N>(name, &args[1], mode)?);
                union(name, &first, &second, args)
            },
        },
        ScalarSpec {
            name: typed_name("tuple_intersection", N::SUFFIX),
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Sketch, Accepts::Mode], 2),
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let (first, second) = (deserialize::<N>(name, &args[0])?, deserialize::<N>(name, &args[1])?);
                intersection(name, &first, &second, args)
            },
        },
        ScalarSpec {
            name: typed_name("tuple_intersection_theta", N::SUFFIX),
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Sketch, Accepts::Mode], 2),
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let mode = Mode::parse(name, args.get(2))?;
                let (first, second) = (deserialize::<N>(name, &args[0])?, from_theta::<N>(name, &args[1], mode)?);
                intersection(name, &first, &second, args)
            },
        },
        ScalarSpec {
            name: typed_name("tuple_difference", N::SUFFIX),
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Sketch], 2),
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let (first, second) = (deserialize::<N>(name, &args[0])?, deserialize::<N>(name, &args[1])?);
                difference(name, &first, &second)
            },
        },
        ScalarSpec {
            name: typed_name("tuple_difference_theta", N::SUFFIX),
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Sketch], 2),
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let first = deserialize::<N>(name, &args[0])?;
                difference(name, &first, &from_theta::<N>(name, &args[1], Mode::Sum)?)
            },
        },
    ]
}

fn union<N: Number>(
    name: &str,
    first: &CompactTupleSketch<Summary<N>>,
    second: &CompactTupleSketch<Summary<N>>,
    args: &[ScalarValue],
) -> Result<ScalarValue> {
    let mut union = new_union(name, lg_nom_entries(name, args.get(2))?, Mode::parse(name, args.get(3))?)?;
    union.update(first).map_err(invalid(name))?;
    union.update(second).map_err(invalid(name))?;
    Ok(ScalarValue::Binary(Some(union.to_sketch(false).serialize())))
}

fn intersection<N: Number>(
    name: &str,
    first: &CompactTupleSketch<Summary<N>>,
    second: &CompactTupleSketch<Summary<N>>,
    args: &[ScalarValue],
) -> Result<ScalarValue> {
    let mut intersection = TupleIntersection::new(Policy::<N>::new(Mode::parse(name, args.get(2))?));
    intersection.update(first).map_err(invalid(name))?;
    intersection.update(second).map_err(invalid(name))?;
    let result = intersection.to_sketch(false).ok_or_else(|| invalid(name)(()))?;
    Ok(ScalarValue::Binary(Some(result.serialize())))
}

fn difference<N: Number>(
    name: &str,
    first: &CompactTupleSketch<Summary<N>>,
    second: &CompactTupleSketch<Summary<N>>,
) -> Result<ScalarValue> {
    let result = TupleANotB::default().compute(first, second, false).map_err(invalid(name))?;
    Ok(ScalarValue::Binary(Some(result.serialize())))
}

fn new_union<N: Number>(name: &str, lg_k: u8, mode: Mode) -> Result<TupleUnion<Policy<N>>> {
    TupleUnionBuilder::new(Policy::new(mode)).lg_k(lg_k).build().map_err(invalid(name))
}

/// Spark checks these constants when it analyzes the call.
fn analysis(name: &str, message: &str) -> DataFusionError {
    DataFusionError::Plan(format!(
        "[DATATYPE_MISMATCH.TYPE_CHECK_FAILURE_WITH_HINT] Cannot resolve \"{name}\" due to data type mismatch: {message}"
    ))
}

fn lg_nom_entries(name: &str, value: Option<&ScalarValue>) -> Result<u8> {
    let lg = integer(value, DEFAULT_LG_NOM_ENTRIES)?;
    if !(MIN_LG_NOM_ENTRIES..=MAX_LG_NOM_ENTRIES).contains(&lg) {
        return Err(analysis(
            name,
            &format!(
                "[SKETCH_INVALID_LG_NOM_ENTRIES] Invalid call to `{name}`; the `lgNomEntries` value must be between \
                 {MIN_LG_NOM_ENTRIES} and {MAX_LG_NOM_ENTRIES}, inclusive: {lg}. SQLSTATE: 22003."
            ),
        ));
    }
    Ok(lg as u8)
}

fn invalid<E>(name: &str) -> impl Fn(E) -> DataFusionError + '_ {
    move |_| {
        spark_error(
            "TUPLE_INVALID_INPUT_SKETCH_BUFFER",
            format!(
                "Invalid call to `{name}`; only valid Tuple sketch buffers are supported as inputs (such as those \
                 produced by the corresponding `tuple_sketch_agg_*` function)."
            ),
            "22000",
        )
    }
}

fn deserialize<N: Number>(name: &str, value: &ScalarValue) -> Result<CompactTupleSketch<Summary<N>>> {
    from_bytes(name, sketch_bytes(value))
}

fn from_bytes<N: Number>(name: &str, bytes: &[u8]) -> Result<CompactTupleSketch<Summary<N>>> {
    CompactTupleSketch::deserialize(bytes).map_err(invalid(name))
}

/// The Theta sketch in `value` as a tuple sketch whose keys carry `mode`'s identity, which is
/// how Spark's `*_theta` operations let its keys take part.
fn from_theta<N: Number>(name: &str, value: &ScalarValue, mode: Mode) -> Result<CompactTupleSketch<Summary<N>>> {
    let theta = CompactThetaSketch::deserialize(sketch_bytes(value)).map_err(super::theta::invalid(name))?;
    if theta.is_empty() {
        return from_bytes(name, &EMPTY_SKETCH);
    }
    // Java's compact tuple layout: preamble, entry count, theta when estimating, then each hash
    // with its summary.
    let estimating = theta.is_estimation_mode();
    let mut bytes = SketchBytes::with_capacity(24 + theta.num_retained() * (9 + size_of::<N>()));
    bytes.write_u8(if estimating { 3 } else { 2 });
    bytes.write_u8(3); // serial version
    bytes.write_u8(9); // the Tuple family
    bytes.write_u8(1); // sketch type
    bytes.write_u8(0);
    bytes.write_u8(0x02 | 0x08); // read-only, compact
    bytes.write_u16_le(theta.seed_hash());
    bytes.write_u32_le(theta.num_retained() as u32);
    bytes.write_u32_le(0);
    if estimating {
        bytes.write_u64_le(theta.theta64());
    }
    let summary = Summary { value: N::identity(mode), mode };
    for entry in theta.iter() {
        bytes.write_u64_le(entry.hash());
        summary.serialize_value(&mut bytes);
    }
    from_bytes(name, &bytes.into_bytes())
}

/// `tuple_sketch_agg_*`'s state: the sketch of this partition's rows and, once partial
/// aggregations merge in, their union with it.
#[derive(Debug)]
struct Building<N: Number> {
    sketch: TupleSketch<Policy<N>>,
    merged: Option<TupleUnion<Policy<N>>>,
    lg_k: u8,
    mode: Mode,
    name: &'static str,
}

impl<N: Number> SketchState for Building<N> {
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()> {
        let values = N::values(&inputs[1])?;
        for_each_input(&inputs[0], |row, key| {
            if let (Some(bytes), Some(Some(value))) = (key.hashed_bytes(), values.get(row)) {
                self.sketch.update(raw_bytes::from_slice(&bytes), *value);
            }
        })
    }

    fn merge(&mut self, state: &[u8]) -> Result<()> {
        if state.is_empty() {
            return Ok(());
        }
        let other = from_bytes::<N>(self.name, state)?;
        let union = match &mut self.merged {
            Some(union) => union,
            None => self.merged.insert(new_union(self.name, self.lg_k, self.mode)?),
        };
        union.update(&other).map_err(invalid(self.name))
    }

    fn serialize(&mut self) -> Result<Vec<u8>> {
        let Some(union) = &mut self.merged else { return Ok(self.sketch.compact(false).serialize()) };
        if !self.sketch.is_empty() {
            union.update(&self.sketch).map_err(invalid(self.name))?;
            self.sketch.reset();
        }
        Ok(union.to_sketch(false).serialize())
    }
}

/// `tuple_union_agg_*`'s state.
#[derive(Debug)]
struct UnionState<N: Number> {
    union: TupleUnion<Policy<N>>,
    name: &'static str,
}

impl<N: Number> SketchState for UnionState<N> {
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()> {
        for bytes in binary_values(&inputs[0])?.into_iter().flatten() {
            self.merge(bytes)?;
        }
        Ok(())
    }

    fn merge(&mut self, state: &[u8]) -> Result<()> {
        self.union.update(&from_bytes::<N>(self.name, state)?).map_err(invalid(self.name))
    }

    fn serialize(&mut self) -> Result<Vec<u8>> {
        Ok(self.union.to_sketch(false).serialize())
    }
}

/// `tuple_intersection_agg_*`'s state: no result (every key) serializes as no bytes.
#[derive(Debug)]
struct IntersectionState<N: Number> {
    intersection: TupleIntersection<Policy<N>>,
    name: &'static str,
}

impl<N: Number> SketchState for IntersectionState<N> {
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()> {
        for bytes in binary_values(&inputs[0])?.into_iter().flatten() {
            self.merge(bytes)?;
        }
        Ok(())
    }

    fn merge(&mut self, state: &[u8]) -> Result<()> {
        if state.is_empty() {
            return Ok(());
        }
        self.intersection.update(&from_bytes::<N>(self.name, state)?).map_err(invalid(self.name))
    }

    fn serialize(&mut self) -> Result<Vec<u8>> {
        Ok(self.intersection.to_sketch(false).map(|s| s.serialize()).unwrap_or_default())
    }

    /// No sketch at all: the empty sketch, as Spark answers.
    fn evaluate(&mut self) -> Result<Vec<u8>> {
        Ok(self.intersection.to_sketch(false).map_or_else(|| EMPTY_SKETCH.to_vec(), |s| s.serialize()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ctx, value};

    const VALUES: &str = "FROM VALUES (1, 10.0D, 10), (2, 20.0D, 20), (2, 30.0D, 30), (3, 5.5D, 5) tab(k, d, i)";
    const SETS: &str = "(SELECT tuple_sketch_agg_double(k, d) a, tuple_sketch_agg_double(k + 1, d) b, \
                        theta_sketch_agg(k + 1) t, tuple_sketch_agg_integer(k, i) ai, tuple_sketch_agg_integer(k + 1, i) bi";

    #[tokio::test]
    async fn answers_match_spark() {
        let ctx = ctx();
        let sets = format!("{SETS} {VALUES})");
        // Spark 4.3's answers.
        let cases = [
            (format!("SELECT tuple_sketch_summary_double(tuple_sketch_agg_double(k, d)) {VALUES}"), "65.5"),
            (format!("SELECT tuple_sketch_summary_double(tuple_sketch_agg_double(k, d), 'min') {VALUES}"), "5.5"),
            (format!("SELECT tuple_sketch_summary_double(tuple_sketch_agg_double(k, d, 12, 'max'), 'max') {VALUES}"), "30.0"),
            (format!("SELECT tuple_sketch_summary_integer(tuple_sketch_agg_integer(k, i, 12, 'alwaysone'), 'alwaysone') {VALUES}"), "3"),
            (format!("SELECT tuple_sketch_summary_integer(tuple_sketch_agg_integer(k, d)) {VALUES}"), "65"),
            (format!("SELECT tuple_sketch_estimate_double(tuple_sketch_agg_double(k, d)) {VALUES}"), "3.0"),
            (format!("SELECT tuple_sketch_theta_integer(tuple_sketch_agg_integer(k, i)) {VALUES}"), "1.0"),
            (format!("SELECT tuple_sketch_summary_double(tuple_union_double(a, b)) FROM {sets}"), "131.0"),
            (format!("SELECT tuple_sketch_summary_double(tuple_intersection_double(a, b)) FROM {sets}"), "115.5"),
            (format!("SELECT tuple_sketch_summary_double(tuple_intersection_double(a, b, 'min')) FROM {sets}"), "15.5"),
            (format!("SELECT tuple_sketch_summary_double(tuple_difference_double(a, b)) FROM {sets}"), "10.0"),
            (format!("SELECT tuple_sketch_summary_double(tuple_union_theta_double(a, t)) FROM {sets}"), "65.5"),
            (format!("SELECT tuple_sketch_summary_double(tuple_union_theta_double(a, t, 12, 'max')) FROM {sets}"), "-inf"),
            (format!("SELECT tuple_sketch_summary_double(tuple_intersection_theta_double(a, t)) FROM {sets}"), "55.5"),
            (format!("SELECT tuple_sketch_summary_integer(tuple_difference_theta_integer(ai, t)) FROM {sets}"), "10"),
            (format!("SELECT tuple_sketch_summary_integer(tuple_union_integer(ai, bi)) FROM {sets}"), "130"),
            ("SELECT tuple_sketch_summary_double(tuple_sketch_agg_double(k, d)) FROM VALUES (1, 1.0D) tab(k, d) WHERE k > 5".into(), "0.0"),
        ];
        for (sql, expected) in cases {
            assert_eq!(value(&ctx, &sql).await.unwrap().to_lowercase(), expected, "{sql}");
        }
    }

    #[tokio::test]
    async fn sketches_are_sparks_bytes() {
        let ctx = ctx();
        let double = value(&ctx, &format!("SELECT tuple_sketch_agg_double(k, d) {VALUES}")).await.unwrap();
        assert_eq!(
            double,
            "02030901000acc93030000000000000015f97dcbbd86a105000000000000244000ba40b3c1da06695d000000000000164000\
             c397fc1281709d1e000000000000494000"
        );
        let union = "SELECT tuple_sketch_summary_double(tuple_union_agg_double(s, 12, 'min')), \
                     tuple_sketch_summary_double(tuple_intersection_agg_double(s, 'max')) FROM \
                     (SELECT tuple_sketch_agg_double(k, d) s {VALUES} UNION ALL SELECT tuple_sketch_agg_double(k + 1, d) s {VALUES})";
        assert_eq!(value(&ctx, &union.replace("{VALUES}", VALUES)).await.unwrap(), "31.0");
    }

    #[tokio::test]
    async fn errors_are_sparks() {
        let ctx = ctx();
        let cases = [
            (format!("SELECT tuple_sketch_agg_double(k, d, 12, 'avg') {VALUES}"), "[TUPLE_INVALID_SKETCH_MODE]"),
            (format!("SELECT tuple_sketch_agg_double(k, d, 3) {VALUES}"), "[SKETCH_INVALID_LG_NOM_ENTRIES]"),
            ("SELECT tuple_sketch_estimate_double(X'01')".into(), "[TUPLE_INVALID_INPUT_SKETCH_BUFFER]"),
        ];
        for (sql, expected) in cases {
            let error = value(&ctx, &sql).await.unwrap_err().to_string();
            assert!(error.contains(expected), "{sql}: {error}");
        }
    }
}
