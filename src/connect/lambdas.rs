//! Spark Connect's lambdas (`transform("values", lambda x: x * 2)`): a call whose arguments
//! include a `LambdaFunction` becomes a call of the higher-order function registered under Spark's
//! name (`crate::functions::higher_order`), its lambdas DataFusion lambdas.
//!
//! A lambda's body is translated like any expression, by a [`Resolver`] that also knows the
//! lambda's variables with their types, which the function gives from its value arguments'
//! types, as DataFusion's SQL planner does for `x -> x + 1`. PySpark names the variables
//! (`x_0`) and refers to them as `UnresolvedNamedLambdaVariable`s; the body may also name them as
//! columns, which they shadow, as Spark's analyzer does.

use std::sync::Arc;

use datafusion::arrow::datatypes::FieldRef;
use datafusion::common::datatype::FieldExt;
use datafusion::logical_expr::expr::{HigherOrderFunction, Lambda, LambdaVariable};
use datafusion::logical_expr::type_coercion::functions::value_fields_with_higher_order_udf;
use datafusion::logical_expr::{Expr, ExprSchemable, LambdaParametersProgress, ValueOrLambda};
use spark_connect_proto::Expression;
use spark_connect_proto::expression::{self as pe, ExprType};

use super::error::{ConnectError, ConnectResult};
use super::expr::Resolver;

/// Whether a call passes a lambda, so it is a higher-order function's.
pub(crate) fn has_lambdas(arguments: &[Expression]) -> bool {
    arguments.iter().any(|a| matches!(a.expr_type, Some(ExprType::LambdaFunction(_))))
}

/// The registered name of the higher-order function Spark calls `name`.
fn registered_name(name: &str) -> &str {
    match name {
        "array_sort" => crate::functions::higher_order::ARRAY_SORT_WITH_COMPARATOR,
        other => other,
    }
}

/// A lambda variable's name as PySpark sends it.
fn variable_name(variable: &pe::UnresolvedNamedLambdaVariable) -> String {
    variable.name_parts.join(".")
}

impl Resolver<'_> {
    /// `name(arguments)` where some arguments are lambdas.
    pub(crate) fn higher_order(&self, name: &str, arguments: &[Expression]) -> ConnectResult<Expr> {
        let lower = name.to_ascii_lowercase();
        let Some(function) = self.state.higher_order_functions().get(registered_name(&lower)).cloned() else {
            return Err(ConnectError::unsupported(format!("`{name}` with a lambda function")));
        };
        // Values first: their types decide the lambdas' parameter types.
        let mut values = Vec::new();
        for argument in arguments {
            if !matches!(argument.expr_type, Some(ExprType::LambdaFunction(_))) {
                values.push(self.expr(argument)?);
            }
        }
        let mut value_fields = Vec::new();
        for value in &values {
            value_fields.push(value.to_field(self.schema)?.1);
        }
        let mut value_fields = value_fields.into_iter();
        let fields: Vec<ValueOrLambda<FieldRef, Option<FieldRef>>> = arguments
            .iter()
            .map(|a| match a.expr_type {
                Some(ExprType::LambdaFunction(_)) => ValueOrLambda::Lambda(None),
                _ => ValueOrLambda::Value(value_fields.next().expect("one field per value")),
            })
            .collect();
        let fields = value_fields_with_higher_order_udf(&fields, function.as_ref())?;
        let LambdaParametersProgress::Complete(parameters) = function.lambda_parameters(0, &fields)? else {
            return Err(ConnectError::unsupported(format!("`{name}`: lambdas whose types depend on each other")));
        };
        let mut parameters = parameters.into_iter();
        let mut values = values.into_iter();
        let mut args = Vec::with_capacity(arguments.len());
        for argument in arguments {
            match &argument.expr_type {
                Some(ExprType::LambdaFunction(lambda)) => {
                    let types = parameters.next().unwrap_or_default();
                    args.push(self.lambda(name, lambda, types)?);
                }
                _ => args.push(values.next().expect("one expression per value")),
            }
        }
        Ok(Expr::HigherOrderFunction(HigherOrderFunction::new(function, args)))
    }

    /// One lambda, its variables typed `types` in order.
    fn lambda(&self, function: &str, lambda: &pe::LambdaFunction, types: Vec<FieldRef>) -> ConnectResult<Expr> {
        let names: Vec<String> = lambda.arguments.iter().map(variable_name).collect();
        if names.len() > types.len() || names.is_empty() {
            return Err(ConnectError::analysis(format!(
                "[INVALID_LAMBDA_FUNCTION_CALL.NUM_ARGS_MISMATCH] `{function}` takes a lambda of {} arguments, \
                 not {}",
                types.len(),
                names.len()
            )));
        }
        let mut variables = self.variables.to_vec();
        variables.extend(names.iter().zip(types).map(|(n, t)| (n.clone(), t.renamed(n))));
        let inner = Resolver { variables: &variables, ..*self };
        let body = lambda
            .function
            .as_deref()
            .ok_or_else(|| ConnectError::invalid("a lambda function without a body"))
            .and_then(|body| inner.expr(body))?;
        Ok(Expr::Lambda(Lambda::new(names, body)))
    }

    /// The lambda variable `name` of an enclosing lambda, innermost first.
    pub(crate) fn lambda_variable(&self, name: &str) -> Option<Expr> {
        self.variables
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(n, field)| Expr::LambdaVariable(LambdaVariable::new(n.clone(), Some(Arc::clone(field)))))
    }

    /// An `UnresolvedNamedLambdaVariable` in a lambda's body.
    pub(crate) fn named_lambda_variable(&self, variable: &pe::UnresolvedNamedLambdaVariable) -> ConnectResult<Expr> {
        let name = variable_name(variable);
        self.lambda_variable(&name).ok_or_else(|| {
            ConnectError::analysis(format!("[UNRESOLVED_COLUMN] The lambda variable `{name}` is not in scope"))
        })
    }
}
