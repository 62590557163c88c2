//! Spark's aggregates that pick one of the input values: `first(x[, ignorenulls])`,
//! `last(x[, ignorenulls])`, `any_value(x[, ignorenulls])`, `max_by(x, ord[, k])`,
//! `min_by(x, ord[, k])` and `mode(x[, deterministic])`. The answer has the input's type.
//!
//! Spark's choices where several values qualify: `max_by`/`min_by` take the last row among equal
//! orderings (`k` of them as an array, best first); `mode` takes the smallest of the most frequent
//! values (Spark's `deterministic` order; without it Spark leaves the choice to its hash map).
//! Rows whose ordering is NULL are skipped, as NULL values are by `mode`.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility};

use super::{flag_argument, list_of, literal_argument, state_field};

pub(super) fn functions() -> Vec<Arc<AggregateUDF>> {
    [Pick::First, Pick::Last, Pick::AnyValue, Pick::MaxBy, Pick::MinBy, Pick::Mode]
        .into_iter()
        .map(|pick| {
            Arc::new(AggregateUDF::new_from_impl(Picking {
                pick,
                signature: Signature::user_defined(Volatility::Immutable),
            }))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Pick {
    First,
    Last,
    AnyValue,
    MaxBy,
    MinBy,
    Mode,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Picking {
    pick: Pick,
    signature: Signature,
}

impl Picking {
    /// Whether the answer is `k` values as an array (`max_by(x, ord, k)`).
    fn several(&self, arg_types: &[DataType]) -> bool {
        matches!(self.pick, Pick::MaxBy | Pick::MinBy) && arg_types.len() == 3
    }
}

impl AggregateUDFImpl for Picking {
    fn name(&self) -> &str {
        match self.pick {
            Pick::First => "first",
            Pick::Last => "last",
            Pick::AnyValue => "any_value",
            Pick::MaxBy => "max_by",
            Pick::MinBy => "min_by",
            Pick::Mode => "mode",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let arity = match self.pick {
            Pick::MaxBy | Pick::MinBy => 2..=3,
            _ => 1..=2,
        };
        if !arity.contains(&arg_types.len()) {
            return plan_err!("{} takes {arity:?} arguments, not {}", self.name(), arg_types.len());
        }
        Ok(arg_types.to_vec())
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let value = arg_types[0].clone();
        Ok(if self.several(arg_types) { list_of(value) } else { value })
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let value = args.input_fields[0].data_type().clone();
        Ok(match self.pick {
            Pick::First | Pick::Last | Pick::AnyValue => {
                vec![state_field(args.name, "value", value), state_field(args.name, "set", DataType::Boolean)]
            }
            Pick::MaxBy | Pick::MinBy => vec![
                state_field(args.name, "values", list_of(value)),
                state_field(args.name, "orderings", list_of(args.input_fields[1].data_type().clone())),
            ],
            Pick::Mode => vec![
                state_field(args.name, "values", list_of(value)),
                state_field(args.name, "counts", list_of(DataType::Int64)),
            ],
        })
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let value_type = args.expr_fields[0].data_type().clone();
        Ok(match self.pick {
            Pick::First | Pick::Last | Pick::AnyValue => Box::new(Chosen {
                last: self.pick == Pick::Last,
                ignore_nulls: args.ignore_nulls || flag_argument(&args, 1, self.name())?,
                value: ScalarValue::try_from(&value_type)?,
                set: false,
            }),
            Pick::MaxBy | Pick::MinBy => {
                let k = match literal_argument(&args, 2) {
                    None if args.exprs.len() == 2 => None,
                    Some(k) => match k.cast_to(&DataType::Int64)? {
                        ScalarValue::Int64(Some(k)) if (1..=100_000).contains(&k) => Some(k as usize),
                        other => {
                            return plan_err!(
                                "{}: k must be an integer between 1 and 100000, not {other}",
                                self.name()
                            );
                        }
                    },
                    None => return plan_err!("{}: k must be a literal", self.name()),
                };
                Box::new(Best {
                    highest: self.pick == Pick::MaxBy,
                    k,
                    value_type,
                    ordering_type: args.expr_fields[1].data_type().clone(),
                    best: Vec::new(),
                })
            }
            Pick::Mode => {
                flag_argument(&args, 1, "mode")?;
                Box::new(Mode { value_type, counts: HashMap::new() })
            }
        })
    }
}

/// `first`/`last`/`any_value`: the value kept, and whether one was.
#[derive(Debug)]
struct Chosen {
    last: bool,
    ignore_nulls: bool,
    value: ScalarValue,
    set: bool,
}

impl Chosen {
    fn offer(&mut self, values: &ArrayRef, offered: impl Fn(usize) -> bool) -> Result<()> {
        for row in 0..values.len() {
            if (self.set && !self.last) || !offered(row) || (self.ignore_nulls && values.is_null(row)) {
                continue;
            }
            self.value = ScalarValue::try_from_array(values, row)?;
            self.set = true;
        }
        Ok(())
    }
}

impl Accumulator for Chosen {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.offer(&values[0], |_| true)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.value.clone())
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.value.size()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.value.clone(), ScalarValue::Boolean(Some(self.set))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let set = states[1].as_boolean();
        self.offer(&states[0], |row| set.value(row))
    }
}

/// `max_by`/`min_by`: the best (ordering, value) pairs so far, best first, at most `k` (1
/// without `k`).
#[derive(Debug)]
struct Best {
    highest: bool,
    k: Option<usize>,
    value_type: DataType,
    ordering_type: DataType,
    best: Vec<(ScalarValue, ScalarValue)>,
}

impl Best {
    fn offer(&mut self, values: &ArrayRef, orderings: &ArrayRef) -> Result<()> {
        let keep = self.k.unwrap_or(1);
        for row in 0..values.len() {
            if orderings.is_null(row) {
                continue;
            }
            let ordering = ScalarValue::try_from_array(orderings, row)?;
            // A later row goes before the equal ones already kept.
            let at = self.best.partition_point(|(kept, _)| {
                let order = kept.partial_cmp(&ordering).unwrap_or(std::cmp::Ordering::Equal);
                if self.highest { order.is_gt() } else { order.is_lt() }
            });
            if at < keep {
                self.best.insert(at, (ordering, ScalarValue::try_from_array(values, row)?));
                self.best.truncate(keep);
            }
        }
        Ok(())
    }

    fn values(&self) -> Vec<ScalarValue> {
        self.best.iter().map(|(_, value)| value.clone()).collect()
    }
}

impl Accumulator for Best {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.offer(&values[0], &values[1])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        match self.k {
            Some(_) if self.best.is_empty() => ScalarValue::try_from(&list_of(self.value_type.clone())),
            Some(_) => Ok(ScalarValue::List(ScalarValue::new_list_nullable(&self.values(), &self.value_type))),
            None => self.best.first().map_or_else(|| ScalarValue::try_from(&self.value_type), |(_, v)| Ok(v.clone())),
        }
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.best.iter().map(|(o, v)| o.size() + v.size()).sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let orderings: Vec<ScalarValue> = self.best.iter().map(|(o, _)| o.clone()).collect();
        Ok(vec![
            ScalarValue::List(ScalarValue::new_list_nullable(&self.values(), &self.value_type)),
            ScalarValue::List(ScalarValue::new_list_nullable(&orderings, &self.ordering_type)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (values, orderings) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in 0..values.len() {
            if values.is_valid(row) {
                self.offer(&values.value(row), &orderings.value(row))?;
            }
        }
        Ok(())
    }
}

/// `mode`: how often each value occurs.
#[derive(Debug)]
struct Mode {
    value_type: DataType,
    counts: HashMap<ScalarValue, i64>,
}

impl Mode {
    fn count(&mut self, values: &ArrayRef, counts: Option<&ArrayRef>) -> Result<()> {
        let counts = counts.map(|c| c.as_primitive::<Int64Type>());
        for row in 0..values.len() {
            if values.is_valid(row) {
                let count = counts.map_or(1, |c| c.value(row));
                *self.counts.entry(ScalarValue::try_from_array(values, row)?).or_insert(0) += count;
            }
        }
        Ok(())
    }
}

impl Accumulator for Mode {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.count(&values[0], None)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let most = self.counts.iter().max_by(|(a, count_a), (b, count_b)| {
            // The higher count, then the smaller value.
            count_a.cmp(count_b).then_with(|| b.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal))
        });
        most.map_or_else(|| ScalarValue::try_from(&self.value_type), |(value, _)| Ok(value.clone()))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.counts.keys().map(|k| k.size() + size_of::<i64>()).sum::<usize>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: Vec<ScalarValue> = self.counts.keys().cloned().collect();
        let counts: Vec<ScalarValue> = values.iter().map(|v| ScalarValue::Int64(Some(self.counts[v]))).collect();
        Ok(vec![
            ScalarValue::List(ScalarValue::new_list_nullable(&values, &self.value_type)),
            ScalarValue::List(ScalarValue::new_list_nullable(&counts, &DataType::Int64)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (values, counts) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in 0..values.len() {
            if values.is_valid(row) {
                self.count(&values.value(row), Some(&counts.value(row)))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ROWS, answer};

    #[tokio::test]
    async fn sparks_answers() {
        // Spark 4.3's values and types over ROWS.
        for (expr, expected, data_type) in [
            ("max_by(s, d)", "b", "Utf8"),
            ("min_by(s, d)", "b", "Utf8"),
            ("max_by(s, i)", "b", "Utf8"),
            ("min_by(i, s)", "1", "Int32"),
            ("max_by(s, s)", "c", "Utf8"),
            ("mode(s)", "b", "Utf8"),
            ("mode(i, true)", "1", "Int32"),
            ("first(i)", "1", "Int32"),
            ("first(s, true)", "a", "Utf8"),
            ("last(s)", "b", "Utf8"),
            ("last(s, true)", "b", "Utf8"),
            ("any_value(s, true)", "a", "Utf8"),
        ] {
            assert_eq!(answer(expr, ROWS).await, (expected.to_string(), data_type.to_string()), "{expr}");
        }
        let ties = "(VALUES ('a', 1), ('b', 1), ('c', 0), ('d', 0)) AS t(x, y)";
        assert_eq!(answer("max_by(x, y)", ties).await.0, "b");
        assert_eq!(answer("min_by(x, y)", ties).await.0, "d");
        let four = "(VALUES ('a', 10), ('b', 50), ('c', 20), ('d', 40)) AS t(x, y)";
        assert_eq!(answer("max_by(x, y, 2)", four).await.0, "[b, d]");
        assert_eq!(answer("min_by(x, y, 2)", four).await.0, "[a, c]");
        let nulls = "(VALUES (NULL), (2), (3), (NULL)) AS t(v)";
        for (expr, expected) in [("first(v)", ""), ("last(v)", ""), ("first(v, true)", "2"), ("last(v, true)", "3")] {
            assert_eq!(answer(expr, nulls).await.0, expected, "{expr}");
        }
        assert_eq!(answer("mode(v)", "(VALUES (3), (1), (3), (1)) AS t(v)").await.0, "1");
    }
}
