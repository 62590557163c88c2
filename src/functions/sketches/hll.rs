//! HyperLogLog sketches (`hll_sketch_agg`, `hll_union_agg`, `hll_union`, `hll_sketch_estimate`),
//! as Spark's `HllSketchAgg` and friends: HLL_8 registers, `lgConfigK` between 4 and 21
//! (default 12), and unions that refuse sketches of different `lgConfigK` unless allowed.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue};
use datasketches::hash::value::raw_bytes;
use datasketches::hll::{HllSketch, HllType, HllUnion};

use super::{
    Accepts, AggregateSpec, ScalarSpec, SketchState, SparkType, binary_values, boolean, check_types, for_each_input,
    integer, rounded, sketch_bytes, spark_error,
};

const DEFAULT_LG_K: i64 = 12;
const MIN_LG_K: i64 = 4;
const MAX_LG_K: i64 = 21;
/// Spark's sketches keep 8-bit registers.
const TARGET: HllType = HllType::Hll8;

pub(super) fn aggregates() -> Vec<AggregateSpec> {
    vec![
        AggregateSpec {
            name: "hll_sketch_agg",
            inputs: 1,
            coerce: |name, types| {
                let values = Accepts::OneOf(&[SparkType::Int, SparkType::BigInt, SparkType::String, SparkType::Binary]);
                check_types(name, types, &[values, Accepts::Int], 1)
            },
            new_state: |constants, _| {
                let lg_k = lg_config_k(constants.first().and_then(Option::as_ref))?;
                Ok(Box::new(Sketch(HllSketch::new(lg_k, TARGET).map_err(invalid("hll_sketch_agg"))?)))
            },
        },
        AggregateSpec {
            name: "hll_union_agg",
            inputs: 1,
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Boolean], 1),
            new_state: |constants, _| {
                let allow_different = boolean(constants.first().and_then(Option::as_ref))?;
                Ok(Box::new(UnionState { union: None, allow_different }))
            },
        },
    ]
}

pub(super) fn scalars() -> Vec<ScalarSpec> {
    vec![
        ScalarSpec {
            name: "hll_sketch_estimate",
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch], 1),
            return_type: |_| Ok(DataType::Int64),
            eval: |name, args| Ok(ScalarValue::Int64(Some(rounded(deserialize(name, &args[0])?.estimate())))),
        },
        ScalarSpec {
            name: "hll_union",
            coerce: |name, types| check_types(name, types, &[Accepts::Sketch, Accepts::Sketch, Accepts::Boolean], 2),
            return_type: |_| Ok(DataType::Binary),
            eval: |name, args| {
                let (first, second) = (deserialize(name, &args[0])?, deserialize(name, &args[1])?);
                if !boolean(args.get(2))? {
                    same_lg_k(name, first.lg_config_k(), second.lg_config_k())?;
                }
                let mut union = HllUnion::new(first.lg_config_k().min(second.lg_config_k())).map_err(invalid(name))?;
                union.update(&first);
                union.update(&second);
                Ok(ScalarValue::Binary(Some(union.to_sketch(TARGET).serialize())))
            },
        },
    ]
}

fn lg_config_k(value: Option<&ScalarValue>) -> Result<u8> {
    let lg_k = integer(value, DEFAULT_LG_K)?;
    if !(MIN_LG_K..=MAX_LG_K).contains(&lg_k) {
        return Err(spark_error(
            "HLL_INVALID_LG_K",
            format!(
                "Invalid call to `hll_sketch_agg`; the `lgConfigK` value must be between {MIN_LG_K} and {MAX_LG_K}, \
                 inclusive: {lg_k}."
            ),
            "22546",
        ));
    }
    Ok(lg_k as u8)
}

fn same_lg_k(name: &str, left: u8, right: u8) -> Result<()> {
    if left == right {
        return Ok(());
    }
    Err(spark_error(
        "HLL_UNION_DIFFERENT_LG_K",
        format!(
            "Sketches have different `lgConfigK` values: {left} and {right}. Set the `allowDifferentLgConfigK` \
             parameter to true to call `{name}` with different `lgConfigK` values."
        ),
        "22000",
    ))
}

fn invalid<E>(name: &str) -> impl Fn(E) -> DataFusionError + '_ {
    move |_| {
        spark_error(
            "HLL_INVALID_INPUT_SKETCH_BUFFER",
            format!(
                "Invalid call to `{name}`; only valid HLL sketch buffers are supported as inputs (such as those \
                 produced by the `hll_sketch_agg` function)."
            ),
            "22546",
        )
    }
}

fn deserialize(name: &str, value: &ScalarValue) -> Result<HllSketch> {
    from_bytes(name, sketch_bytes(value))
}

fn from_bytes(name: &str, bytes: &[u8]) -> Result<HllSketch> {
    HllSketch::deserialize(bytes).map_err(invalid(name))
}

/// `hll_sketch_agg`'s state: the sketch of the values so far.
#[derive(Debug)]
struct Sketch(HllSketch);

impl SketchState for Sketch {
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()> {
        for_each_input(&inputs[0], |_, value| {
            if let Some(bytes) = value.hashed_bytes() {
                self.0.update(raw_bytes::from_slice(&bytes));
            }
        })
    }

    fn merge(&mut self, state: &[u8]) -> Result<()> {
        let other = from_bytes("hll_sketch_agg", state)?;
        let mut union = HllUnion::new(self.0.lg_config_k()).map_err(invalid("hll_sketch_agg"))?;
        union.update(&self.0);
        union.update(&other);
        self.0 = union.to_sketch(TARGET);
        Ok(())
    }

    fn serialize(&mut self) -> Result<Vec<u8>> {
        Ok(self.0.serialize())
    }
}

/// `hll_union_agg`'s state: the union of the sketches so far, made with the first one's
/// `lgConfigK`.
#[derive(Debug)]
struct UnionState {
    union: Option<HllUnion>,
    allow_different: bool,
}

impl UnionState {
    fn add(&mut self, sketch: &HllSketch) -> Result<()> {
        let union = match &mut self.union {
            Some(union) => union,
            None => self.union.insert(HllUnion::new(sketch.lg_config_k()).map_err(invalid("hll_union_agg"))?),
        };
        if !self.allow_different {
            same_lg_k("hll_union_agg", union.lg_config_k(), sketch.lg_config_k())?;
        }
        union.update(sketch);
        Ok(())
    }
}

impl SketchState for UnionState {
    fn update(&mut self, inputs: &[ArrayRef]) -> Result<()> {
        for bytes in binary_values(&inputs[0])?.into_iter().flatten() {
            self.add(&from_bytes("hll_union_agg", bytes)?)?;
        }
        Ok(())
    }

    fn merge(&mut self, state: &[u8]) -> Result<()> {
        if state.is_empty() {
            return Ok(());
        }
        self.add(&from_bytes("hll_union_agg", state)?)
    }

    /// No sketch yet: no bytes, which `merge` skips.
    fn serialize(&mut self) -> Result<Vec<u8>> {
        Ok(self.union.as_ref().map(|u| u.to_sketch(TARGET).serialize()).unwrap_or_default())
    }

    /// No sketch at all: Spark answers the empty sketch of a default union (`lgConfigK` 12).
    fn evaluate(&mut self) -> Result<Vec<u8>> {
        match &self.union {
            Some(union) => Ok(union.to_sketch(TARGET).serialize()),
            None => Ok(HllSketch::new(DEFAULT_LG_K as u8, TARGET).map_err(invalid("hll_union_agg"))?.serialize()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ctx, value};

    const VALUES: &str = "FROM VALUES (1), (1), (2), (2), (3) tab(col)";

    #[tokio::test]
    async fn estimates_match_spark() {
        let ctx = ctx();
        // Spark 4.3's answers.
        let cases = [
            (format!("SELECT hll_sketch_estimate(hll_sketch_agg(col)) {VALUES}"), "3"),
            (format!("SELECT hll_sketch_estimate(hll_sketch_agg(col, 4)) {VALUES}"), "3"),
            // Before the sketch switches to HLL registers the estimate is the
            // coupon count's, however rows were partitioned. Past it, it depends on the
            // partitioning, as in Spark (range(300): 303 on one partition, 304 on two): a merged
            // sketch estimates with the composite estimator, one that saw every row with HIP.
            ("SELECT hll_sketch_estimate(hll_sketch_agg(CAST(id AS STRING), 10)) FROM range(100)".into(), "99"),
            ("SELECT hll_sketch_estimate(hll_sketch_agg(id, 10)) FROM range(100)".into(), "100"),
            ("SELECT hll_sketch_estimate(hll_sketch_agg(x)) FROM VALUES (''), ('a') tab(x)".into(), "1"),
            ("SELECT hll_sketch_estimate(hll_sketch_agg(col)) FROM VALUES (1) tab(col) WHERE col > 5".into(), "0"),
            (
                format!(
                    "SELECT hll_sketch_estimate(hll_union(a, b)) FROM \
                     (SELECT hll_sketch_agg(col) a, hll_sketch_agg(col + 10) b {VALUES})"
                ),
                "6",
            ),
        ];
        for (sql, expected) in cases {
            assert_eq!(value(&ctx, &sql).await.unwrap(), expected, "{sql}");
        }
    }

    #[tokio::test]
    async fn inputs_hash_as_in_spark() {
        // Spark's bytes for this sketch; INT and BIGINT hash alike, as do a string and its bytes.
        let ctx = ctx();
        let sketch = "0201070c030003082bf2fb06862ff90d75816607";
        for input in ["col", "CAST(col AS INT)"] {
            let bytes = value(&ctx, &format!("SELECT hll_sketch_agg({input}) {VALUES}")).await.unwrap();
            assert!(bytes.starts_with(&sketch[..8]) && bytes.ends_with(&sketch[16..]), "{input}: {bytes}");
        }
        let string = value(&ctx, &format!("SELECT hll_sketch_agg(CAST(col AS STRING)) {VALUES}")).await.unwrap();
        assert!(string.ends_with("aaa60f068f2cd90e5249f507"), "{string}");
        // A sketch in Spark's (updatable) form reads back.
        let spark = "0201070c030003082bf2fb06862ff90d758166070000000000000000000000000000000000000000";
        assert_eq!(value(&ctx, &format!("SELECT hll_sketch_estimate(X'{spark}')")).await.unwrap(), "3");
    }

    #[tokio::test]
    async fn errors_are_sparks() {
        let ctx = ctx();
        let cases = [
            (format!("SELECT hll_sketch_agg(col, 3) {VALUES}"), "[HLL_INVALID_LG_K]"),
            (format!("SELECT hll_sketch_agg(col, 22) {VALUES}"), "must be between 4 and 21, inclusive: 22."),
            ("SELECT hll_sketch_estimate(X'0102')".into(), "[HLL_INVALID_INPUT_SKETCH_BUFFER]"),
            (
                format!(
                    "SELECT hll_union(a, b) FROM (SELECT hll_sketch_agg(col) a, hll_sketch_agg(col, 10) b {VALUES})"
                ),
                "Sketches have different `lgConfigK` values: 12 and 10.",
            ),
            (
                format!(
                    "SELECT hll_union_agg(s) FROM (SELECT hll_sketch_agg(col) s {VALUES} \
                     UNION ALL SELECT hll_sketch_agg(col, 10) s {VALUES})"
                ),
                "[HLL_UNION_DIFFERENT_LG_K]",
            ),
        ];
        for (sql, expected) in cases {
            let error = value(&ctx, &sql).await.unwrap_err().to_string();
            assert!(error.contains(expected), "{sql}: {error}");
        }
        let allowed = "SELECT hll_sketch_estimate(hll_union_agg(s, true)) FROM (SELECT hll_sketch_agg(col) s \
                       FROM VALUES (1), (2) tab(col) UNION ALL SELECT hll_sketch_agg(col, 10) s FROM VALUES (3) tab(col))";
        assert_eq!(value(&ctx, allowed).await.unwrap(), "3");
    }

    #[tokio::test]
    async fn nulls_give_empty_sketches_and_null_estimates() {
        let ctx = ctx();
        assert_eq!(value(&ctx, "SELECT hll_sketch_estimate(CAST(NULL AS BINARY))").await.unwrap(), "");
        let empty = value(&ctx, "SELECT hll_sketch_estimate(hll_union_agg(s)) FROM (SELECT CAST(NULL AS BINARY) s)");
        assert_eq!(empty.await.unwrap(), "0");
    }
}
