//! Spark's `xpath` family (`xpath`, `xpath_string`, `xpath_boolean`, `xpath_int`, ...): an XPath
//! 1.0 expression evaluated over an XML document, as Spark's `UDFXPathUtil` does with the JDK's
//! XPath. The document is read with `quick-xml` into a small tree; the expressions are XPath
//! 1.0's: location paths on the child, descendant, parent, self, attribute, ancestor and sibling
//! axes with name, `*`, `text()`, `node()` and `comment()` tests and predicates, the operators
//! (`or and = != < <= > >= + - * div mod |`) and the core functions of numbers, strings and
//! node sets; a function outside them is refused by name. Results convert as Spark's do:
//! `xpath` answers each node's value (NULL for an element), `xpath_string` the string value of
//! the first node, the numeric ones XPath's `number()` cast as Java casts a double (NaN is 0),
//! and an empty document or path answers NULL.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, new_empty_array};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};
use quick_xml::events::Event;

pub(super) fn functions() -> Vec<Arc<ScalarUDF>> {
    [
        Output::Strings,
        Output::Boolean,
        Output::Double("xpath_double"),
        Output::Double("xpath_number"),
        Output::Float,
        Output::Int,
        Output::Long,
        Output::Short,
        Output::String,
    ]
    .into_iter()
    .map(|output| Arc::new(ScalarUDF::new_from_impl(XPathFunction::new(output))))
    .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Output {
    Strings,
    Boolean,
    Double(&'static str),
    Float,
    Int,
    Long,
    Short,
    String,
}

impl Output {
    fn name(self) -> &'static str {
        match self {
            Output::Strings => "xpath",
            Output::Boolean => "xpath_boolean",
            Output::Double(name) => name,
            Output::Float => "xpath_float",
            Output::Int => "xpath_int",
            Output::Long => "xpath_long",
            Output::Short => "xpath_short",
            Output::String => "xpath_string",
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Output::Strings => DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            Output::Boolean => DataType::Boolean,
            Output::Double(_) => DataType::Float64,
            Output::Float => DataType::Float32,
            Output::Int => DataType::Int32,
            Output::Long => DataType::Int64,
            Output::Short => DataType::Int16,
            Output::String => DataType::Utf8,
        }
    }

    /// The answer for one document and path.
    fn evaluate(self, xml: &str, path: &str) -> Result<ScalarValue> {
        let document = Document::parse(xml)?;
        let expression = Parser::parse(path)?;
        let value = expression.evaluate(&document, &Context { node: 0, position: 1, size: 1 })?;
        // Java's double-to-int conversions: NaN is 0, out of range saturates.
        let number = || value.number(&document);
        Ok(match self {
            Output::Strings => {
                let Value::Nodes(nodes) = &value else {
                    return exec_err!("[INVALID_XPATH] Can not convert {} to a NodeList: {path}", value.kind());
                };
                let values: Vec<ScalarValue> =
                    nodes.iter().map(|n| ScalarValue::Utf8(document.node_value(*n))).collect();
                ScalarValue::List(ScalarValue::new_list_nullable(&values, &DataType::Utf8))
            }
            Output::Boolean => ScalarValue::Boolean(Some(value.boolean())),
            Output::Double(_) => ScalarValue::Float64(Some(number())),
            Output::Float => ScalarValue::Float32(Some(number() as f32)),
            Output::Int => ScalarValue::Int32(Some(number() as i32)),
            Output::Long => ScalarValue::Int64(Some(number() as i64)),
            Output::Short => ScalarValue::Int16(Some(number() as i32 as i16)),
            Output::String => ScalarValue::Utf8(Some(value.string(&document))),
        })
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct XPathFunction {
    output: Output,
    signature: Signature,
}

impl XPathFunction {
    fn new(output: Output) -> Self {
        Self { output, signature: Signature::user_defined(Volatility::Immutable) }
    }
}

impl ScalarUDFImpl for XPathFunction {
    fn name(&self) -> &str {
        self.output.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != 2 {
            return plan_err!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{}` requires 2 parameters but the actual number is {}.",
                self.name(),
                arg_types.len()
            );
        }
        Ok(vec![DataType::Utf8, DataType::Utf8])
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.output.data_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = args.args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if scalar { 1 } else { args.number_rows };
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let null = ScalarValue::try_from(&self.output.data_type())?;
        let mut values = Vec::with_capacity(rows);
        for i in 0..rows {
            let xml = ScalarValue::try_from_array(&arrays[0], i)?;
            let path = ScalarValue::try_from_array(&arrays[1], i)?;
            let value = match (xml, path) {
                (ScalarValue::Utf8(Some(xml)), ScalarValue::Utf8(Some(path)))
                    if !xml.is_empty() && !path.is_empty() =>
                {
                    self.output.evaluate(&xml, &path)?
                }
                _ => null.clone(),
            };
            values.push(value);
        }
        if scalar {
            return Ok(ColumnarValue::Scalar(values.pop().unwrap_or(null)));
        }
        let array: ArrayRef = if values.is_empty() {
            new_empty_array(&self.output.data_type())
        } else {
            ScalarValue::iter_to_array(values)?
        };
        Ok(ColumnarValue::Array(array))
    }
}

// ---------------------------------------------------------------------------------------------
// The document.

#[derive(Debug)]
enum Kind {
    Root,
    Element { name: String, attributes: Vec<usize> },
    Attribute { name: String, value: String },
    Text(String),
    Comment(String),
    Instruction { target: String, content: String },
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// Nodes in document order (an element's attributes right after it): a node's index orders it.
#[derive(Debug)]
struct Document {
    nodes: Vec<Node>,
}

fn malformed<T>(message: impl std::fmt::Display) -> Result<T> {
    exec_err!("[INVALID_XML] Invalid XML document for xpath: {message}")
}

impl Document {
    fn parse(xml: &str) -> Result<Self> {
        let mut reader = quick_xml::Reader::from_str(xml);
        reader.config_mut().trim_text(false);
        let mut document = Document { nodes: vec![Node { kind: Kind::Root, parent: None, children: vec![] }] };
        let mut open = vec![0usize];
        let mut text = String::new();
        let mut seen_root = false;
        loop {
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => return malformed(e),
            };
            let parent = *open.last().unwrap_or(&0);
            // Character data and references accumulate into one text node.
            match &event {
                Event::Text(t) => {
                    text.push_str(&t.decode().or_else(malformed)?);
                    continue;
                }
                Event::CData(t) => {
                    text.push_str(&t.decode().or_else(malformed)?);
                    continue;
                }
                Event::GeneralRef(r) => {
                    if let Some(c) = r.resolve_char_ref().or_else(malformed)? {
                        text.push(c);
                    } else {
                        let name = r.decode().or_else(malformed)?;
                        text.push_str(match name.as_ref() {
                            "amp" => "&",
                            "lt" => "<",
                            "gt" => ">",
                            "quot" => "\"",
                            "apos" => "'",
                            other => return malformed(format!("the entity &{other}; is not declared")),
                        });
                    }
                    continue;
                }
                _ => {}
            }
            if !text.is_empty() {
                if parent != 0 {
                    document.add(parent, Kind::Text(std::mem::take(&mut text)));
                } else if !text.trim().is_empty() {
                    return malformed("content is not allowed outside the root element");
                } else {
                    text.clear();
                }
            }
            match event {
                Event::Start(start) => {
                    if parent == 0 && seen_root {
                        return malformed("markup after the root element must be well-formed");
                    }
                    seen_root = true;
                    let element = document.element(parent, &start)?;
                    open.push(element);
                }
                Event::Empty(start) => {
                    if parent == 0 && seen_root {
                        return malformed("markup after the root element must be well-formed");
                    }
                    seen_root = true;
                    document.element(parent, &start)?;
                }
                Event::End(_) => {
                    open.pop();
                }
                Event::Comment(c) => {
                    let content = c.decode().or_else(malformed)?.into_owned();
                    document.add(parent, Kind::Comment(content));
                }
                Event::PI(pi) => {
                    let content = String::from_utf8_lossy(&pi.into_inner()).into_owned();
                    let (target, content) = content.split_once(char::is_whitespace).unwrap_or((content.as_str(), ""));
                    document.add(
                        parent,
                        Kind::Instruction { target: target.to_string(), content: content.trim().to_string() },
                    );
                }
                Event::Decl(_) | Event::DocType(_) => {}
                Event::Eof => break,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {}
            }
        }
        if open.len() > 1 {
            return malformed("XML document structures must start and end within the same entity");
        }
        if !seen_root {
            return malformed("premature end of file");
        }
        Ok(document)
    }

    fn add(&mut self, parent: usize, kind: Kind) -> usize {
        let index = self.nodes.len();
        self.nodes.push(Node { kind, parent: Some(parent), children: vec![] });
        self.nodes[parent].children.push(index);
        index
    }

    fn element(&mut self, parent: usize, start: &quick_xml::events::BytesStart<'_>) -> Result<usize> {
        let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
        let element = self.add(parent, Kind::Element { name, attributes: vec![] });
        let mut attributes = Vec::new();
        for attribute in start.attributes() {
            let attribute = attribute.or_else(malformed)?;
            let name = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
            let value = attribute.unescape_value().or_else(malformed)?.into_owned();
            let index = self.nodes.len();
            self.nodes.push(Node { kind: Kind::Attribute { name, value }, parent: Some(element), children: vec![] });
            attributes.push(index);
        }
        if let Kind::Element { attributes: a, .. } = &mut self.nodes[element].kind {
            *a = attributes;
        }
        Ok(element)
    }

    /// XPath's string value: the text of every descendant text node for the root and elements.
    fn string_value(&self, node: usize) -> String {
        match &self.nodes[node].kind {
            Kind::Root | Kind::Element { .. } => {
                let mut out = String::new();
                self.collect_text(node, &mut out);
                out
            }
            Kind::Attribute { value, .. } => value.clone(),
            Kind::Text(t) | Kind::Comment(t) => t.clone(),
            Kind::Instruction { content, .. } => content.clone(),
        }
    }

    fn collect_text(&self, node: usize, out: &mut String) {
        for child in &self.nodes[node].children {
            match &self.nodes[*child].kind {
                Kind::Text(t) => out.push_str(t),
                Kind::Element { .. } => self.collect_text(*child, out),
                _ => {}
            }
        }
    }

    /// DOM's `getNodeValue`: NULL for the document and elements.
    fn node_value(&self, node: usize) -> Option<String> {
        match &self.nodes[node].kind {
            Kind::Root | Kind::Element { .. } => None,
            _ => Some(self.string_value(node)),
        }
    }

    fn name(&self, node: usize) -> &str {
        match &self.nodes[node].kind {
            Kind::Element { name, .. } | Kind::Attribute { name, .. } => name,
            Kind::Instruction { target, .. } => target,
            _ => "",
        }
    }

    fn descendants(&self, node: usize, out: &mut Vec<usize>) {
        for child in &self.nodes[node].children {
            out.push(*child);
            self.descendants(*child, out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Values.

#[derive(Debug, Clone)]
enum Value {
    Nodes(Vec<usize>),
    Number(f64),
    String(String),
    Boolean(bool),
}

/// XPath's `number()` of a string: optional whitespace, `-`, digits with an optional `.`.
fn parse_number(text: &str) -> f64 {
    let t = text.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let digits = t.strip_prefix('-').unwrap_or(t);
    let valid = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits != ".";
    if valid { t.parse().unwrap_or(f64::NAN) } else { f64::NAN }
}

/// XPath's `string()` of a number.
fn number_text(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity".into() } else { "-Infinity".into() }
    } else if n == n.trunc() && n.abs() < 1e18 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Nodes(_) => "#NODESET",
            Value::Number(_) => "#NUMBER",
            Value::String(_) => "#STRING",
            Value::Boolean(_) => "#BOOLEAN",
        }
    }

    fn boolean(&self) -> bool {
        match self {
            Value::Nodes(n) => !n.is_empty(),
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::String(s) => !s.is_empty(),
            Value::Boolean(b) => *b,
        }
    }

    fn string(&self, document: &Document) -> String {
        match self {
            Value::Nodes(n) => n.first().map(|n| document.string_value(*n)).unwrap_or_default(),
            Value::Number(n) => number_text(*n),
            Value::String(s) => s.clone(),
            Value::Boolean(b) => b.to_string(),
        }
    }

    fn number(&self, document: &Document) -> f64 {
        match self {
            Value::Number(n) => *n,
            Value::Boolean(b) => f64::from(u8::from(*b)),
            other => parse_number(&other.string(document)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Axis {
    Child,
    Descendant,
    DescendantOrSelf,
    Parent,
    Ancestor,
    AncestorOrSelf,
    Itself,
    Attribute,
    FollowingSibling,
    PrecedingSibling,
}

impl Axis {
    fn reverse(self) -> bool {
        matches!(self, Axis::Parent | Axis::Ancestor | Axis::AncestorOrSelf | Axis::PrecedingSibling)
    }
}

#[derive(Debug, Clone)]
enum Test {
    Name(String),
    Any,
    Text,
    Node,
    Comment,
    Instruction,
}

#[derive(Debug, Clone)]
struct Step {
    axis: Axis,
    test: Test,
    predicates: Vec<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Union,
}

#[derive(Debug, Clone)]
enum Expr {
    /// A location path: from the root when `absolute`, else from the context node.
    Path {
        absolute: bool,
        steps: Vec<Step>,
    },
    /// `(expr)[pred]/steps`, `func()/steps`.
    Filter {
        base: Box<Expr>,
        predicates: Vec<Expr>,
        steps: Vec<Step>,
    },
    Number(f64),
    Literal(String),
    Function(String, Vec<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
    Negate(Box<Expr>),
}

struct Context {
    node: usize,
    position: usize,
    size: usize,
}

fn compare(op: Op, a: &Value, b: &Value, document: &Document) -> bool {
    use Value::*;
    let numbers = |x: f64, y: f64| match op {
        Op::Eq => x == y,
        Op::Ne => x != y,
        Op::Lt => x < y,
        Op::Le => x <= y,
        Op::Gt => x > y,
        Op::Ge => x >= y,
        _ => false,
    };
    let relational = !matches!(op, Op::Eq | Op::Ne);
    match (a, b) {
        (Nodes(x), Nodes(y)) => x.iter().any(|x| {
            let xs = document.string_value(*x);
            y.iter().any(|y| {
                let ys = document.string_value(*y);
                if relational { numbers(parse_number(&xs), parse_number(&ys)) } else { (xs == ys) == (op == Op::Eq) }
            })
        }),
        (Nodes(x), other) | (other, Nodes(x)) => {
            let nodes_first = matches!(a, Nodes(_));
            match other {
                Boolean(b) => {
                    let n = Boolean(!x.is_empty());
                    if nodes_first {
                        compare(op, &n, &Boolean(*b), document)
                    } else {
                        compare(op, &Boolean(*b), &n, document)
                    }
                }
                _ => x.iter().any(|node| {
                    let s = String(document.string_value(*node));
                    if nodes_first { compare(op, &s, other, document) } else { compare(op, other, &s, document) }
                }),
            }
        }
        _ if relational => numbers(a.number(document), b.number(document)),
        (Boolean(_), _) | (_, Boolean(_)) => (a.boolean() == b.boolean()) == (op == Op::Eq),
        (Number(_), _) | (_, Number(_)) => numbers(a.number(document), b.number(document)),
        _ => (a.string(document) == b.string(document)) == (op == Op::Eq),
    }
}

impl Expr {
    fn evaluate(&self, document: &Document, context: &Context) -> Result<Value> {
        Ok(match self {
            Expr::Number(n) => Value::Number(*n),
            Expr::Literal(s) => Value::String(s.clone()),
            Expr::Negate(e) => Value::Number(-e.evaluate(document, context)?.number(document)),
            Expr::Path { absolute, steps } => {
                let start = if *absolute { 0 } else { context.node };
                Value::Nodes(apply_steps(document, vec![start], steps)?)
            }
            Expr::Filter { base, predicates, steps } => {
                let value = base.evaluate(document, context)?;
                if predicates.is_empty() && steps.is_empty() {
                    return Ok(value);
                }
                let Value::Nodes(nodes) = value else {
                    return exec_err!("[INVALID_XPATH] a predicate or path needs a node set, not a {}", value.kind());
                };
                let nodes = filter(document, nodes, predicates, false)?;
                Value::Nodes(apply_steps(document, nodes, steps)?)
            }
            Expr::Binary(op, a, b) => {
                match op {
                    Op::Or => {
                        return Ok(Value::Boolean(
                            a.evaluate(document, context)?.boolean() || b.evaluate(document, context)?.boolean(),
                        ));
                    }
                    Op::And => {
                        return Ok(Value::Boolean(
                            a.evaluate(document, context)?.boolean() && b.evaluate(document, context)?.boolean(),
                        ));
                    }
                    _ => {}
                }
                let (x, y) = (a.evaluate(document, context)?, b.evaluate(document, context)?);
                match op {
                    Op::Eq | Op::Ne | Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                        Value::Boolean(compare(*op, &x, &y, document))
                    }
                    Op::Union => match (x, y) {
                        (Value::Nodes(mut x), Value::Nodes(y)) => {
                            x.extend(y);
                            x.sort_unstable();
                            x.dedup();
                            Value::Nodes(x)
                        }
                        _ => return exec_err!("[INVALID_XPATH] `|` joins node sets only"),
                    },
                    _ => {
                        let (x, y) = (x.number(document), y.number(document));
                        Value::Number(match op {
                            Op::Add => x + y,
                            Op::Sub => x - y,
                            Op::Mul => x * y,
                            Op::Div => x / y,
                            _ => x % y,
                        })
                    }
                }
            }
            Expr::Function(name, args) => call(name, args, document, context)?,
        })
    }
}

fn matches_test(document: &Document, node: usize, test: &Test, axis: Axis) -> bool {
    let kind = &document.nodes[node].kind;
    match test {
        Test::Node => true,
        Test::Text => matches!(kind, Kind::Text(_)),
        Test::Comment => matches!(kind, Kind::Comment(_)),
        Test::Instruction => matches!(kind, Kind::Instruction { .. }),
        Test::Any => {
            if axis == Axis::Attribute {
                matches!(kind, Kind::Attribute { .. })
            } else {
                matches!(kind, Kind::Element { .. })
            }
        }
        Test::Name(name) => {
            let principal = if axis == Axis::Attribute {
                matches!(kind, Kind::Attribute { .. })
            } else {
                matches!(kind, Kind::Element { .. })
            };
            principal && document.name(node) == name
        }
    }
}

/// The nodes on `axis` from `node`, in the axis's order (reverse axes nearest first).
fn axis_nodes(document: &Document, node: usize, axis: Axis) -> Vec<usize> {
    let n = &document.nodes[node];
    match axis {
        Axis::Child => n.children.clone(),
        Axis::Descendant => {
            let mut out = Vec::new();
            document.descendants(node, &mut out);
            out
        }
        Axis::DescendantOrSelf => {
            let mut out = vec![node];
            document.descendants(node, &mut out);
            out
        }
        Axis::Parent => n.parent.into_iter().collect(),
        Axis::Ancestor | Axis::AncestorOrSelf => {
            let mut out = if axis == Axis::AncestorOrSelf { vec![node] } else { vec![] };
            let mut current = n.parent;
            while let Some(p) = current {
                out.push(p);
                current = document.nodes[p].parent;
            }
            out
        }
        Axis::Itself => vec![node],
        Axis::Attribute => match &n.kind {
            Kind::Element { attributes, .. } => attributes.clone(),
            _ => vec![],
        },
        Axis::FollowingSibling | Axis::PrecedingSibling => {
            if matches!(n.kind, Kind::Attribute { .. }) {
                return vec![];
            }
            let Some(parent) = n.parent else { return vec![] };
            let siblings = &document.nodes[parent].children;
            let at = siblings.iter().position(|s| *s == node).unwrap_or(0);
            if axis == Axis::FollowingSibling {
                siblings[at + 1..].to_vec()
            } else {
                siblings[..at].iter().rev().copied().collect()
            }
        }
    }
}

fn filter(document: &Document, nodes: Vec<usize>, predicates: &[Expr], _reverse: bool) -> Result<Vec<usize>> {
    let mut nodes = nodes;
    for predicate in predicates {
        let size = nodes.len();
        let mut kept = Vec::with_capacity(size);
        for (i, node) in nodes.iter().enumerate() {
            let context = Context { node: *node, position: i + 1, size };
            let value = predicate.evaluate(document, &context)?;
            let keep = match value {
                Value::Number(n) => n == (i + 1) as f64,
                other => other.boolean(),
            };
            if keep {
                kept.push(*node);
            }
        }
        nodes = kept;
    }
    Ok(nodes)
}

fn apply_steps(document: &Document, start: Vec<usize>, steps: &[Step]) -> Result<Vec<usize>> {
    let mut current = start;
    for step in steps {
        let mut next = Vec::new();
        for node in &current {
            let candidates: Vec<usize> = axis_nodes(document, *node, step.axis)
                .into_iter()
                .filter(|n| matches_test(document, *n, &step.test, step.axis))
                .collect();
            next.extend(filter(document, candidates, &step.predicates, step.axis.reverse())?);
        }
        next.sort_unstable();
        next.dedup();
        current = next;
    }
    Ok(current)
}

fn call(name: &str, args: &[Expr], document: &Document, context: &Context) -> Result<Value> {
    let values = args.iter().map(|a| a.evaluate(document, context)).collect::<Result<Vec<_>>>()?;
    let arity = |range: std::ops::RangeInclusive<usize>| -> Result<()> {
        if range.contains(&values.len()) {
            Ok(())
        } else {
            exec_err!("[INVALID_XPATH] {name}() does not take {} argument(s)", values.len())
        }
    };
    let string_arg = |i: usize| -> String {
        match values.get(i) {
            Some(v) => v.string(document),
            None => document.string_value(context.node),
        }
    };
    Ok(match name {
        "last" => {
            arity(0..=0)?;
            Value::Number(context.size as f64)
        }
        "position" => {
            arity(0..=0)?;
            Value::Number(context.position as f64)
        }
        "count" => {
            arity(1..=1)?;
            match &values[0] {
                Value::Nodes(n) => Value::Number(n.len() as f64),
                other => return exec_err!("[INVALID_XPATH] count() needs a node set, not a {}", other.kind()),
            }
        }
        "sum" => {
            arity(1..=1)?;
            match &values[0] {
                Value::Nodes(n) => Value::Number(n.iter().map(|n| parse_number(&document.string_value(*n))).sum()),
                other => return exec_err!("[INVALID_XPATH] sum() needs a node set, not a {}", other.kind()),
            }
        }
        "string" => {
            arity(0..=1)?;
            Value::String(string_arg(0))
        }
        "number" => {
            arity(0..=1)?;
            Value::Number(match values.first() {
                Some(v) => v.number(document),
                None => parse_number(&document.string_value(context.node)),
            })
        }
        "boolean" => {
            arity(1..=1)?;
            Value::Boolean(values[0].boolean())
        }
        "not" => {
            arity(1..=1)?;
            Value::Boolean(!values[0].boolean())
        }
        "true" | "false" => {
            arity(0..=0)?;
            Value::Boolean(name == "true")
        }
        "concat" => {
            if values.len() < 2 {
                return exec_err!("[INVALID_XPATH] concat() takes at least 2 arguments");
            }
            Value::String(values.iter().map(|v| v.string(document)).collect())
        }
        "contains" => {
            arity(2..=2)?;
            Value::Boolean(string_arg(0).contains(&string_arg(1)))
        }
        "starts-with" => {
            arity(2..=2)?;
            Value::Boolean(string_arg(0).starts_with(&string_arg(1)))
        }
        "substring-before" | "substring-after" => {
            arity(2..=2)?;
            let (s, t) = (string_arg(0), string_arg(1));
            Value::String(match s.find(&t) {
                Some(i) if name == "substring-before" => s[..i].to_string(),
                Some(i) => s[i + t.len()..].to_string(),
                None => String::new(),
            })
        }
        "substring" => {
            arity(2..=3)?;
            let s: Vec<char> = string_arg(0).chars().collect();
            let round = |x: f64| (x + 0.5).floor();
            let start = round(values[1].number(document));
            let end = match values.get(2) {
                Some(l) => start + round(l.number(document)),
                None => f64::INFINITY,
            };
            Value::String(
                s.iter()
                    .enumerate()
                    .filter(|(i, _)| {
                        let p = (*i + 1) as f64;
                        p >= start && p < end
                    })
                    .map(|(_, c)| *c)
                    .collect(),
            )
        }
        "string-length" => {
            arity(0..=1)?;
            Value::Number(string_arg(0).chars().count() as f64)
        }
        "normalize-space" => {
            arity(0..=1)?;
            Value::String(string_arg(0).split_whitespace().collect::<Vec<_>>().join(" "))
        }
        "translate" => {
            arity(3..=3)?;
            let (from, to): (Vec<char>, Vec<char>) = (string_arg(1).chars().collect(), string_arg(2).chars().collect());
            Value::String(
                string_arg(0)
                    .chars()
                    .filter_map(|c| match from.iter().position(|f| *f == c) {
                        Some(i) => to.get(i).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        "name" | "local-name" => {
            arity(0..=1)?;
            let node = match values.first() {
                Some(Value::Nodes(n)) => n.first().copied(),
                Some(other) => return exec_err!("[INVALID_XPATH] {name}() needs a node set, not a {}", other.kind()),
                None => Some(context.node),
            };
            let full = node.map(|n| document.name(n).to_string()).unwrap_or_default();
            Value::String(if name == "local-name" {
                full.rsplit(':').next().unwrap_or_default().to_string()
            } else {
                full
            })
        }
        "floor" | "ceiling" | "round" => {
            arity(1..=1)?;
            let n = values[0].number(document);
            Value::Number(match name {
                "floor" => n.floor(),
                "ceiling" => n.ceil(),
                _ => (n + 0.5).floor(),
            })
        }
        other => return exec_err!("[INVALID_XPATH] the XPath function {other}() is not supported by minispark"),
    })
}

// ---------------------------------------------------------------------------------------------
// Parsing.

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

fn invalid<T>(path: &str, message: &str) -> Result<T> {
    exec_err!("[INVALID_XPATH] Invalid XPath '{path}': {message}")
}

fn name_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Where the (qualified) name at the start of `text` ends: a `:` belongs to it between two
/// name parts (`x:y`), not as the start of `::`.
fn name_end(text: &str) -> usize {
    let mut end = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|(_, n)| *n);
        if name_char(c) || (c == ':' && end > 0 && next.is_some_and(name_start)) {
            end = i + c.len_utf8();
        } else {
            break;
        }
    }
    end
}

impl<'a> Parser<'a> {
    fn parse(path: &'a str) -> Result<Expr> {
        let mut parser = Parser { text: path, at: 0 };
        let expr = parser.or()?;
        parser.skip();
        if parser.at != path.len() {
            return invalid(path, &format!("unexpected `{}`", &path[parser.at..]));
        }
        Ok(expr)
    }

    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn peek(&mut self) -> Option<char> {
        self.skip();
        self.rest().chars().next()
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip();
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    /// An operator name (`and`, `div`) as a whole word.
    fn eat_word(&mut self, word: &str) -> bool {
        self.skip();
        let rest = self.rest();
        if rest.starts_with(word) && !rest[word.len()..].chars().next().is_some_and(name_char) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Option<String> {
        self.skip();
        let rest = self.rest();
        if !rest.chars().next().is_some_and(name_start) {
            return None;
        }
        let end = name_end(rest);
        self.at += end;
        Some(rest[..end].to_string())
    }

    fn binary(&mut self, next: fn(&mut Self) -> Result<Expr>, ops: &[(&str, Op, bool)]) -> Result<Expr> {
        let mut left = next(self)?;
        'outer: loop {
            for (token, op, word) in ops {
                let matched = if *word { self.eat_word(token) } else { self.eat(token) };
                if matched {
                    let right = next(self)?;
                    left = Expr::Binary(*op, Box::new(left), Box::new(right));
                    continue 'outer;
                }
            }
            return Ok(left);
        }
    }

    fn or(&mut self) -> Result<Expr> {
        self.binary(Self::and, &[("or", Op::Or, true)])
    }

    fn and(&mut self) -> Result<Expr> {
        self.binary(Self::equality, &[("and", Op::And, true)])
    }

    fn equality(&mut self) -> Result<Expr> {
        self.binary(Self::relational, &[("!=", Op::Ne, false), ("=", Op::Eq, false)])
    }

    fn relational(&mut self) -> Result<Expr> {
        self.binary(
            Self::additive,
            &[("<=", Op::Le, false), (">=", Op::Ge, false), ("<", Op::Lt, false), (">", Op::Gt, false)],
        )
    }

    fn additive(&mut self) -> Result<Expr> {
        self.binary(Self::multiplicative, &[("+", Op::Add, false), ("-", Op::Sub, false)])
    }

    fn multiplicative(&mut self) -> Result<Expr> {
        self.binary(Self::unary, &[("*", Op::Mul, false), ("div", Op::Div, true), ("mod", Op::Mod, true)])
    }

    fn unary(&mut self) -> Result<Expr> {
        if self.eat("-") {
            return Ok(Expr::Negate(Box::new(self.unary()?)));
        }
        self.binary(Self::path, &[("|", Op::Union, false)])
    }

    fn path(&mut self) -> Result<Expr> {
        self.skip();
        let rest = self.rest();
        let first = rest.chars().next();
        // A filter expression: a literal, a number, `( … )` or a function call.
        let is_function = {
            let end = name_end(rest);
            let name = &rest[..end];
            let after = rest[end..].trim_start();
            first.is_some_and(name_start)
                && after.starts_with('(')
                && !matches!(name, "node" | "text" | "comment" | "processing-instruction")
        };
        let base = match first {
            Some('"') | Some('\'') => {
                let quote = first.unwrap_or('"');
                let Some(end) = rest[1..].find(quote) else { return invalid(self.text, "an unterminated literal") };
                let literal = rest[1..1 + end].to_string();
                self.at += end + 2;
                Some(Expr::Literal(literal))
            }
            Some(c) if c.is_ascii_digit() || (c == '.' && rest[1..].starts_with(|c: char| c.is_ascii_digit())) => {
                let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
                let number = rest[..end].parse().unwrap_or(f64::NAN);
                self.at += end;
                Some(Expr::Number(number))
            }
            Some('(') => {
                self.at += 1;
                let inner = self.or()?;
                if !self.eat(")") {
                    return invalid(self.text, "a missing `)`");
                }
                Some(inner)
            }
            Some('$') => return invalid(self.text, "variables are not supported"),
            _ if is_function => {
                let name = self.name().unwrap_or_default();
                self.eat("(");
                let mut args = Vec::new();
                if !self.eat(")") {
                    loop {
                        args.push(self.or()?);
                        if self.eat(")") {
                            break;
                        }
                        if !self.eat(",") {
                            return invalid(self.text, "a missing `,` or `)` in a function call");
                        }
                    }
                }
                Some(Expr::Function(name, args))
            }
            _ => None,
        };
        match base {
            Some(base) => {
                let predicates = self.predicates()?;
                let mut steps = Vec::new();
                self.more_steps(&mut steps)?;
                if predicates.is_empty() && steps.is_empty() {
                    Ok(base)
                } else {
                    Ok(Expr::Filter { base: Box::new(base), predicates, steps })
                }
            }
            None => self.location_path(),
        }
    }

    fn predicates(&mut self) -> Result<Vec<Expr>> {
        let mut predicates = Vec::new();
        while self.eat("[") {
            predicates.push(self.or()?);
            if !self.eat("]") {
                return invalid(self.text, "a missing `]`");
            }
        }
        Ok(predicates)
    }

    /// `/step` and `//step` after a path or filter expression.
    fn more_steps(&mut self, steps: &mut Vec<Step>) -> Result<()> {
        loop {
            if self.eat("//") {
                steps.push(Step { axis: Axis::DescendantOrSelf, test: Test::Node, predicates: vec![] });
                steps.push(self.step()?);
            } else if self.eat("/") {
                steps.push(self.step()?);
            } else {
                return Ok(());
            }
        }
    }

    fn location_path(&mut self) -> Result<Expr> {
        let mut steps = Vec::new();
        let absolute;
        if self.eat("//") {
            absolute = true;
            steps.push(Step { axis: Axis::DescendantOrSelf, test: Test::Node, predicates: vec![] });
            steps.push(self.step()?);
        } else if self.eat("/") {
            absolute = true;
            // `/` alone is the root.
            let next = self.peek();
            if next.is_some_and(|c| name_start(c) || matches!(c, '*' | '@' | '.')) {
                steps.push(self.step()?);
            }
        } else {
            absolute = false;
            steps.push(self.step()?);
        }
        self.more_steps(&mut steps)?;
        Ok(Expr::Path { absolute, steps })
    }

    fn step(&mut self) -> Result<Step> {
        if self.eat("..") {
            return Ok(Step { axis: Axis::Parent, test: Test::Node, predicates: vec![] });
        }
        if self.eat(".") {
            return Ok(Step { axis: Axis::Itself, test: Test::Node, predicates: vec![] });
        }
        let mut axis = Axis::Child;
        if self.eat("@") {
            axis = Axis::Attribute;
        } else {
            let save = self.at;
            if let Some(name) = self.name() {
                if self.eat("::") {
                    axis = match name.as_str() {
                        "child" => Axis::Child,
                        "descendant" => Axis::Descendant,
                        "descendant-or-self" => Axis::DescendantOrSelf,
                        "parent" => Axis::Parent,
                        "ancestor" => Axis::Ancestor,
                        "ancestor-or-self" => Axis::AncestorOrSelf,
                        "self" => Axis::Itself,
                        "attribute" => Axis::Attribute,
                        "following-sibling" => Axis::FollowingSibling,
                        "preceding-sibling" => Axis::PrecedingSibling,
                        other => return invalid(self.text, &format!("the axis {other}:: is not supported")),
                    };
                } else {
                    self.at = save;
                }
            }
        }
        let test = if self.eat("*") {
            Test::Any
        } else {
            let Some(name) = self.name() else { return invalid(self.text, "a missing step") };
            let save = self.at;
            if self.eat("(") {
                if !self.eat(")") {
                    return invalid(self.text, &format!("{name}() takes no argument here"));
                }
                match name.as_str() {
                    "node" => Test::Node,
                    "text" => Test::Text,
                    "comment" => Test::Comment,
                    "processing-instruction" => Test::Instruction,
                    other => return invalid(self.text, &format!("{other}() is not a node test")),
                }
            } else {
                self.at = save;
                Test::Name(name)
            }
        };
        let predicates = self.predicates()?;
        Ok(Step { axis, test, predicates })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::assert_answers;

    /// Every expected value was checked with PySpark 4.3 (`spark.sql("SELECT ...")`).
    #[tokio::test]
    async fn xpath_functions_give_sparks_answers() {
        let cases = [
            ("xpath('<a><b>b1</b><b>b2</b><b>b3</b><c>c1</c><c>c2</c></a>', 'a/b/text()')", "[b1, b2, b3]"),
            ("xpath_boolean('<a><b>1</b></a>', 'a/b')", "true"),
            ("xpath_double('<a><b>1</b><b>2</b></a>', 'sum(a/b)')", "3.0"),
            ("xpath_number('<a><b>1</b><b>2</b></a>', 'sum(a/b)')", "3.0"),
            ("xpath_float('<a><b>1</b><b>2</b></a>', 'sum(a/b)')", "3.0"),
            ("xpath_int('<a><b>1</b><b>2</b></a>', 'sum(a/b)')", "3"),
            ("xpath_long('<a><b>1</b><b>2</b></a>', 'sum(a/b)')", "3"),
            ("xpath_short('<a><b>1</b><b>2</b></a>', 'sum(a/b)')", "3"),
            ("xpath_string('<a><b>b</b><c>cc</c></a>', 'a/c')", "cc"),
            ("xpath('<a><b id=\"1\"/><b id=\"2\"/></a>', 'a/b/@id')", "[1, 2]"),
            ("xpath('<a><b>1</b></a>', 'a/c')", "[]"),
            ("xpath_int('<a><b>x</b></a>', 'a/b')", "0"),
            ("xpath_double('<a><b>x</b></a>', 'a/b')", "NaN"),
            ("xpath_string('<a><b>1</b></a>', 'a/c')", ""),
            ("xpath_boolean('<a><b>1</b></a>', 'a/b = 1')", "true"),
            ("xpath('<a><b>1</b></a>', 'a/b')", "[]"),
            ("xpath_string('<a><b>1<c>2</c></b></a>', 'a/b')", "12"),
            ("xpath_int('<a></a>', 'a/b')", "0"),
            ("xpath_long('<a><b>1.9</b></a>', 'a/b')", "1"),
            ("xpath_int('<a><b>-1.9</b></a>', 'a/b')", "-1"),
            ("xpath_string('<a><b>x</b><b>y</b></a>', 'a/b[2]')", "y"),
            ("xpath_string('<a><b>x</b><b>y</b></a>', 'count(a/b)')", "2"),
            ("xpath_double('<a><b>x</b><b>y</b></a>', 'count(a/b)')", "2.0"),
            ("xpath_string('<a><b>x</b><b>y</b></a>', '//b')", "x"),
            ("xpath_string('<a><b x=\"q\">x</b><b>y</b></a>', 'a/b[@x=\"q\"]')", "x"),
            ("xpath_string('', 'a')", "NULL"),
        ];
        assert_answers(&cases).await;
    }

    #[test]
    fn the_element_values_of_xpath_are_null() {
        // Spark 4.3: xpath('<a><b>1</b></a>', 'a/b') is [NULL].
        use datafusion::arrow::array::Array;
        let value = super::Output::Strings.evaluate("<a><b>1</b></a>", "a/b").unwrap();
        let datafusion::common::ScalarValue::List(list) = value else { panic!("xpath answers a list") };
        let elements = list.value(0);
        assert_eq!((elements.len(), elements.null_count()), (1, 1));
    }

    #[test]
    fn malformed_documents_and_unknown_functions_are_refused() {
        assert!(super::Output::Strings.evaluate("<a>", "a").is_err());
        let error = super::Output::String.evaluate("<a/>", "lang('en')").unwrap_err().to_string();
        assert!(error.contains("lang()"), "{error}");
    }
}
