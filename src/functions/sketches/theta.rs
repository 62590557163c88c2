//! Theta sketches (`theta_sketch_agg`, `theta_union_agg`, `theta_intersection_agg`,
//! `theta_union`, `theta_intersection`, `theta_difference`, `theta_sketch_estimate`), as Spark's
//! `ThetaSketchAgg` and friends: `lgNomEntries` between 4 and 26 (default 12), results as
//! ordered compact sketches in the compressed form Spark writes.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datasketches::hash::value::raw_bytes;
use datasketches::theta::{
    CompactThetaSketch, ThetaANotB, ThetaIntersection, ThetaSketch, ThetaSketchBuilder, ThetaUnion, ThetaUnionBuilder,
};

use super::{
    Accepts, AggregateSpec, ScalarSpec, SketchState, SparkType, binary_values, check_types, for_each_input, integer,
    rounded, sketch_bytes, spark_error,
};

const DEFAULT_LG_NOM_ENTRIES: i64 = 12;
const MIN_LG_NOM_ENTRIES: i64 = 4;
const MAX_LG_NOM_ENTRIES: i64 = 26;

/// What `theta_sketch_agg` takes, in the order Spark's type error lists them.
const VALUES: &[SparkType] = &[
    SparkType::IntArray,
    SparkType::BigIntArray,
    SparkType::Binary,
    SparkType::Double,
    SparkType::Float,
    SparkType::Int,
    SparkType::BigInt,
    SparkType::String,
];

pub(super) fn aggregates() -> Vec<AggregateSpec> {
    vec![
        AggregateSpec {
            name: "theta_sketch_agg",
            inputs: 1,
            coerce: |name, types| check_types(name, types, &[Accepts::OneOf(VALUES), Accepts::Int], 1),
            new_state: |constants, _| {
                let lg_k = lg_nom_entries("theta_sketch_agg", constants.first().and_then(Option::as_ref))?;
                let sketch = ThetaSketchBuilder::default().lg_k(lg_k).build().map_err(invalid("theta_sketch_agg"))?;
                Ok(Box::new(Building { sketch, merged: None, lg_k }))
            },
        },
        AggregateSpec {
            name: "theta_union_agg",
            inputs: 1,
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Int], 1),
            new_state: |constants, _| {
                let lg_k = lg_nom_entries("theta_union_agg", constants.first().and_then(Option::as_ref))?;
                Ok(Box::new(UnionState(new_union("theta_union_agg", lg_k)?)))
            },
        },
        AggregateSpec {
            name: "theta_intersection_agg",
            inputs: 1,
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch], 1),
            new_state: |_, _| Ok(Box::new(IntersectionState(ThetaIntersection::default()))),
        },
    ]
}

pub(super) fn scalars() -> Vec<ScalarSpec> {
    vec![
        ScalarSpec {
            name: "theta_sketch_estimate",
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch], 1),
            return_type: |_| Ok(DataType::Int64),
            eval: |name, args| Ok(ScalarValue::Int64(Some(rounded(deserialize(name, &args[0])?.estimate())))),
        },
        ScalarSpec {
            name: "theta_union",
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Sketch, Accepts::Int], 2),
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let mut union = new_union(name, lg_nom_entries(name, args.get(2))?)?;
                union.update(&deserialize(name, &args[0])?).map_err(invalid(name))?;
                union.update(&deserialize(name, &args[1])?).map_err(invalid(name))?;
                Ok(binary(&union.to_sketch(true)))
            },
        },
        ScalarSpec {
            name: "theta_intersection",
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Sketch], 2),
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let mut intersection = ThetaIntersection::default();
                intersection.update(&deserialize(name, &args[0])?).map_err(invalid(name))?;
                intersection.update(&deserialize(name, &args[1])?).map_err(invalid(name))?;
                Ok(binary(&intersection.to_sketch(true).unwrap_or_else(empty)))
            },
        },
        ScalarSpec {
            name: "theta_difference",
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Sketch], 2),
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let (first, second) = (deserialize(name, &args[0])?, deserialize(name, &args[1])?);
                Ok(binary(&ThetaANotB::default().compute(&first, &second, true).map_err(invalid(name))?))
            },
        },
    ]
}

fn lg_nom_entries(name: &str, value: Option<&ScalarValue>) -> Result<u8> {
    let lg = integer(value, DEFAULT_LG_NOM_ENTRIES)?;
    if !(MIN_LG_NOM_ENTRIES..=MAX_LG_NOM_ENTRIES).contains(&lg) {
        return Err(spark_error(
            "SKETCH_INVALID_LG_NOM_ENTRIES",
            format!(
                "Invalid call to `{name}`; the `lgNomEntries` value must be between {MIN_LG_NOM_ENTRIES} and \
                 {MAX_LG_NOM_ENTRIES}, inclusive: {lg}."
            ),
            "22003",
        ));
    }
    Ok(lg as u8)
}

pub(super) fn invalid<E>(name: &str) -> impl Fn(E) -> DataFusionError + '_ {
    move |_| {
        spark_error(
            "THETA_INVALID_INPUT_SKETCH_BUFFER",
            format!(
                "Invalid call to `{name}`; only valid Theta sketch buffers are supported as inputs (such as those \
                 produced by the `theta_sketch_agg` function)."
            ),
            "22000",
        )
    }
}

fn new_union(name: &str, lg_k: u8) -> Result<ThetaUnion> {
    ThetaUnionBuilder::default().lg_k(lg_k).build().map_err(invalid(name))
}

fn deserialize(name: &str, value: &ScalarValue) -> Result<CompactThetaSketch> {
    from_bytes(name, sketch_bytes(value))
}

fn from_bytes(name: &str, bytes: &[u8]) -> Result<CompactThetaSketch> {
    CompactThetaSketch::deserialize(bytes).map_err(invalid(name))
}

/// The sketch of no values.
fn empty() -> CompactThetaSketch {
    ThetaSketchBuilder::default().build().map(|s| s.compact(true)).expect("the default theta sketch builds")
}

/// A compact sketch as Spark stores it: compressed where the format allows.
fn binary(sketch: &CompactThetaSketch) -> ScalarValue {
    ScalarValue::Binary(Some(sketch.serialize_compressed()))
}

/// `theta_sketch_agg`'s state: the sketch of this partition's values and, once partial
/// aggregations merge in, their union with it.
#[derive(Debug)]
struct Building {
    sketch: ThetaSketch,
    merged: Option<ThetaUnion>,
    lg_k: u8,
}

impl Building {
    fn result(&mut self) -> Result<CompactThetaSketch> {
        let Some(union) = &mut self.merged else {
            // Spark rebuilds the sketch (down to its nominal size) before compacting it.
            self.sketch.trim();
            return Ok(self.sketch.compact(true));
        };
        if !self.sketch.is_empty() {
            union.update(&self.sketch).map_err(invalid("theta_sketch_agg"))?;
            self.sketch.reset();
        }
        Ok(union.to_sketch(true))
    }
}

impl SketchState for Building {
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()> {
        for_each_input(&inputs[0], |_, value| {
            if let Some(bytes) = value.hashed_bytes() {
                self.sketch.update(raw_bytes::from_slice(&bytes));
            }
        })
    }

    fn merge(&mut self, state: &[u8]) -> Result<()> {
        if state.is_empty() {
            return Ok(());
        }
        let other = from_bytes("theta_sketch_agg", state)?;
        let union = match &mut self.merged {
            Some(union) => union,
            None => self.merged.insert(new_union("theta_sketch_agg", self.lg_k)?),
        };
        union.update(&other).map_err(invalid("theta_sketch_agg"))
    }

    fn serialize(&mut self) -> Result<Vec<u8>> {
        Ok(self.result()?.serialize_compressed())
    }
}

/// `theta_union_agg`'s state.
#[derive(Debug)]
struct UnionState(ThetaUnion);

impl SketchState for UnionState {
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()> {
        for bytes in binary_values(&inputs[0])?.into_iter().flatten() {
            self.merge(bytes)?;
        }
        Ok(())
    }

    fn merge(&mut self, state: &[u8]) -> Result<()> {
        self.0.update(&from_bytes("theta_union_agg", state)?).map_err(invalid("theta_union_agg"))
    }

    fn serialize(&mut self) -> Result<Vec<u8>> {
        Ok(self.0.to_sketch(true).serialize_compressed())
    }
}

/// `theta_intersection_agg`'s state: until a first sketch arrives the intersection has no
/// result (it stands for every value), which serializes as no bytes.
#[derive(Debug)]
struct IntersectionState(ThetaIntersection);

impl SketchState for IntersectionState {
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()> {
        for bytes in binary_values(&inputs[0])?.into_iter().flatten() {
            self.intersect(bytes)?;
        }
        Ok(())
    }

    fn merge(&mut self, state: &[u8]) -> Result<()> {
        if state.is_empty() {
            return Ok(());
        }
        self.intersect(state)
    }

    fn serialize(&mut self) -> Result<Vec<u8>> {
        Ok(self.0.to_sketch(true).map(|s| s.serialize_compressed()).unwrap_or_default())
    }

    /// No sketch at all: the empty sketch, as Spark answers.
    fn evaluate(&mut self) -> Result<Vec<u8>> {
        Ok(self.0.to_sketch(true).unwrap_or_else(empty).serialize_compressed())
    }
}

impl IntersectionState {
    fn intersect(&mut self, bytes: &[u8]) -> Result<()> {
        self.0.update(&from_bytes("theta_intersection_agg", bytes)?).map_err(invalid("theta_intersection_agg"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ctx, value};

    const VALUES: &str = "FROM VALUES (1), (1), (2), (2), (3) tab(col)";

    #[tokio::test]
    async fn sketches_are_sparks_bytes() {
        // Spark 4.3's bytes: INT, BIGINT and ARRAY<BIGINT> hash alike, FLOAT as DOUBLE, a string
        // as its bytes.
        let ctx = ctx();
        let long = "0104033e011acc930316861af72df7e4558fbe9c3477e9eaefb2e5966badaa3dc0";
        let double = "0104033f011acc930336656ccafa95448e07dbbb354694a002fbd194c0b6f841f0";
        let string = "0104033f011acc930313864298760fa6aa17c873d633cb4552d18309ae9b8f8cf0";
        let ints = "0104033f011acc9303122813a2c53e25566f975ac3002e26cad2d72c9ed5e96950";
        let cases = [
            ("col", long),
            ("CAST(col AS INT)", long),
            // VALUES (1) is an int column: array(col) is array<int> (checked with PySpark 4.3).
            ("array(col)", ints),
            ("array(CAST(col AS BIGINT))", long),
            ("CAST(col AS FLOAT)", double),
            ("CAST(col AS DOUBLE)", double),
            ("CAST(col AS STRING)", string),
            ("CAST(CAST(col AS STRING) AS BINARY)", string),
            ("array(CAST(col AS INT))", ints),
        ];
        for (input, expected) in cases {
            let sql = format!("SELECT theta_sketch_agg({input}) {VALUES}");
            assert_eq!(value(&ctx, &sql).await.unwrap(), expected, "{input}");
        }
        let empty = value(&ctx, "SELECT theta_sketch_agg(col) FROM VALUES (1) tab(col) WHERE col > 5");
        assert_eq!(empty.await.unwrap(), "01030300001e0000");
    }

    #[tokio::test]
    async fn estimates_match_spark() {
        let ctx = ctx();
        let cases = [
            ("SELECT theta_sketch_estimate(theta_sketch_agg(id)) FROM range(100000)".to_string(), "98046"),
            ("SELECT theta_sketch_estimate(theta_sketch_agg(id, 10)) FROM range(100000)".into(), "98742"),
            ("SELECT theta_sketch_estimate(theta_sketch_agg(x)) FROM VALUES (''), ('a'), (NULL) tab(x)".into(), "1"),
            (
                "SELECT theta_sketch_estimate(theta_sketch_agg(x)) FROM VALUES (0.0D), (-0.0D), (CAST('NaN' AS DOUBLE)) tab(x)"
                    .into(),
                "2",
            ),
            (
                format!(
                    "SELECT theta_sketch_estimate(theta_intersection_agg(s)) FROM (SELECT theta_sketch_agg(col) s {VALUES} UNION ALL SELECT theta_sketch_agg(col + 1) s {VALUES})"
                ),
                "2",
            ),
            (
                format!(
                    "SELECT theta_sketch_estimate(theta_union_agg(s)) FROM (SELECT theta_sketch_agg(col) s {VALUES} UNION ALL SELECT theta_sketch_agg(col + 3) s {VALUES})"
                ),
                "6",
            ),
            ("SELECT theta_intersection_agg(s) FROM (SELECT CAST(NULL AS BINARY) s)".into(), "01030300001e0000"),
        ];
        for (sql, expected) in cases {
            assert_eq!(value(&ctx, &sql).await.unwrap(), expected, "{sql}");
        }
    }

    #[tokio::test]
    async fn errors_are_sparks() {
        let ctx = ctx();
        let cases = [
            (format!("SELECT theta_sketch_agg(col, 3) {VALUES}"), "[SKETCH_INVALID_LG_NOM_ENTRIES]"),
            (format!("SELECT theta_sketch_agg(col, 27) {VALUES}"), "must be between 4 and 26, inclusive: 27."),
            ("SELECT theta_sketch_estimate(X'0102')".into(), "[THETA_INVALID_INPUT_SKETCH_BUFFER]"),
            ("SELECT theta_union_agg(s) FROM (SELECT X'01' s)".into(), "`theta_union_agg`; only valid Theta"),
            (format!("SELECT theta_sketch_agg(CAST(col AS SMALLINT)) {VALUES}"), "\"ARRAY<INT>\" or \"ARRAY<BIGINT>\""),
        ];
        for (sql, expected) in cases {
            let error = value(&ctx, &sql).await.unwrap_err().to_string();
            assert!(error.contains(expected), "{sql}: {error}");
        }
    }
}
