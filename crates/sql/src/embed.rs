//! The embedding path: a query compiled for a caller that runs the statements on a
//! driver and connection of its own (an ORM that keeps its driver), in that driver's
//! placeholder style and within its parameter limit ([`DriverStyle`]).
//!
//! By default the statement list is static ([`DriverStyle::bound_keys`] off): every
//! statement after the roots' re-selects its roots itself (a semi-join on statement 0,
//! [`ListRoots::SemiJoin`]), so no statement depends on rows an earlier one returned and
//! the caller may send them all at once, or in a pipeline. With `bound_keys`, relq's own
//! rule decides (the roots' keys bound where a filter or a slice makes re-selecting cost
//! more, `statements.rs`); then a statement may bind the keys statement 0 returned
//! ([`Compiled::is_static`] says), and the caller runs the query step by step
//! (`relq_exec::Steps`).
//!
//! Invariant: the statements are those of [`compile_with`] for the same query, with the
//! dialect's facts changed only in the placeholder and the parameter limit.

use relq_graph::RelationGraph;
use relq_plan::{ListRoots, PlanOptions, Query};

use crate::compile::{Compiled, compile_with};
use crate::dialect::{Caps, Dialect, Placeholder};
use crate::error::CompileError;

/// How a caller's driver takes its statements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DriverStyle {
    /// The driver's placeholders; `None`: the dialect's own.
    pub placeholder: Option<Placeholder>,
    /// The most parameters the driver binds in one statement (asyncpg 32 767, the
    /// PostgreSQL protocol's 65 535...); the dialect's limit still holds when it is
    /// lower. `None`: the dialect's.
    pub max_params: Option<usize>,
    /// Whether statements may bind the root keys statement 0 returned, as relq's rule
    /// decides (then the statements are run step by step); `false`: a static list.
    pub bound_keys: bool,
}

impl DriverStyle {
    /// `dialect` with this style's placeholders and parameter limit.
    pub fn dialect(&self, dialect: &dyn Dialect) -> Box<dyn Dialect> {
        let caps = dialect.caps();
        let max_params = self
            .max_params
            .map_or(caps.max_params, |m| m.min(caps.max_params));
        dialect.with_caps(Caps {
            placeholder: self.placeholder.unwrap_or(caps.placeholder),
            max_params,
            ..*caps
        })
    }

    /// The plan options of this style: the semi-join for every later statement unless
    /// [`bound_keys`](Self::bound_keys).
    pub fn plan_options(&self) -> PlanOptions {
        PlanOptions {
            list_roots: (!self.bound_keys).then_some(ListRoots::SemiJoin),
        }
    }
}

impl Placeholder {
    /// The placeholder of a PEP 249 `paramstyle` relq writes: `qmark` (`?`: sqlite3),
    /// `format` (`%s`, `%` doubled: psycopg, PyMySQL), and `numeric_dollar` (`$1`:
    /// asyncpg, PostgreSQL's own; not a PEP 249 name); `None` for any other.
    pub fn from_paramstyle(name: &str) -> Option<Self> {
        match name {
            "qmark" => Some(Placeholder::QuestionMark),
            "format" => Some(Placeholder::Format),
            "numeric_dollar" => Some(Placeholder::DollarNumber),
            _ => None,
        }
    }

    /// The names [`from_paramstyle`](Self::from_paramstyle) takes, for a message.
    pub const PARAMSTYLES: [&'static str; 3] = ["qmark", "format", "numeric_dollar"];
}

impl Compiled<'_> {
    /// Whether no statement binds the root keys an earlier one returned: the
    /// statements, each with its [`params`](crate::Statement::params), are every
    /// execution of the query, and may run in any order on one snapshot.
    pub fn is_static(&self) -> bool {
        self.statements.iter().all(|s| s.keys.is_none())
    }
}

/// Compiles `query` for a caller's driver: [`compile_with`] over `dialect` in `style`
/// ([`DriverStyle::dialect`], [`DriverStyle::plan_options`]).
///
/// ```
/// use relq_graph::SchemaDef;
/// use relq_plan::{Filter, Query, Strategy, Value};
/// use relq_sql::{Ansi, DriverStyle, Placeholder, compile_for_driver};
/// let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
/// let query = Query::new("SchoolClass")
///     .select_related("students")
///     .filter(Filter::new("name__startswith", "A"))
///     .strategy(Strategy::Split);
/// let style = DriverStyle { placeholder: Some(Placeholder::Format), ..DriverStyle::default() };
/// let compiled = compile_for_driver(&graph, &query, &Ansi::default(), &style)?;
/// assert!(compiled.is_static()); // the students' statement re-selects the classes
/// assert_eq!(compiled.statements.len(), 2);
/// assert!(compiled.statements[1].sql.contains("%s"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`compile_with`]'s, with the driver's limit: a statement binding more parameters
/// than it takes is [`TooManyParams`](crate::CompileErrorKind::TooManyParams).
pub fn compile_for_driver<'g>(
    graph: &'g RelationGraph,
    query: &Query,
    dialect: &dyn Dialect,
    style: &DriverStyle,
) -> Result<Compiled<'g>, CompileError> {
    let dialect = style.dialect(dialect);
    compile_with(graph, query, dialect.as_ref(), &style.plan_options())
}

#[cfg(test)]
mod tests {
    use relq_graph::SchemaDef;
    use relq_plan::{Filter, Strategy, Value};

    use super::*;
    use crate::compile::compile;
    use crate::dialect::Ansi;

    fn school() -> RelationGraph {
        SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))
            .and_then(|def| def.build())
            .expect("the school schema builds")
    }

    fn filtered() -> Query {
        Query::new("SchoolClass")
            .select_related("teachers")
            .select_related("students")
            .filter(Filter::new("id__in", vec![1, 2, 3]))
            .limit(2)
    }

    #[test]
    fn a_filtered_sliced_query_is_static_for_a_driver_and_keyed_by_relqs_rule() {
        let graph = school();
        let ansi = Ansi::default();
        let keyed = compile(&graph, &filtered(), &ansi).expect("compiles");
        assert!(!keyed.is_static(), "relq's rule binds the root keys here");
        let style = DriverStyle::default();
        let embedded = compile_for_driver(&graph, &filtered(), &ansi, &style).expect("compiles");
        assert!(embedded.is_static());
        assert_eq!(embedded.statements.len(), 3);
        // Each later statement re-selects the page of classes with the filter's values.
        for statement in &embedded.statements[1..] {
            assert_eq!(
                statement.params,
                [1, 2, 3, 2].map(Value::Int),
                "{}",
                statement.sql
            );
        }
        let rule = DriverStyle {
            bound_keys: true,
            ..style
        };
        let again = compile_for_driver(&graph, &filtered(), &ansi, &rule).expect("compiles");
        assert_eq!(again, keyed);
    }

    #[test]
    fn the_drivers_placeholders_and_the_lower_parameter_limit_are_taken() {
        let graph = school();
        let ansi = Ansi::default();
        let dollar = DriverStyle {
            placeholder: Placeholder::from_paramstyle("numeric_dollar"),
            ..DriverStyle::default()
        };
        let compiled = compile_for_driver(&graph, &filtered(), &ansi, &dollar).expect("compiles");
        assert!(compiled.statements[0].sql.contains("IN ($1, $2, $3)"));
        let query = Query::new("SchoolClass")
            .filter(Filter::new("name__contains", "a"))
            .strategy(Strategy::Joined);
        let format = DriverStyle {
            placeholder: Placeholder::from_paramstyle("format"),
            ..DriverStyle::default()
        };
        let compiled = compile_for_driver(&graph, &query, &ansi, &format).expect("compiles");
        assert!(compiled.statements[0].sql.contains("LIKE %s ESCAPE"));
        let limited = DriverStyle {
            max_params: Some(2),
            ..DriverStyle::default()
        };
        let err = compile_for_driver(&graph, &filtered(), &ansi, &limited)
            .expect_err("4 parameters, 2 allowed");
        assert_eq!(
            err.to_string(),
            "statement 0 binds 4 parameters; ansi allows at most 2 in one statement"
        );
        // The dialect's own limit holds below the driver's.
        let low = Ansi::new(Caps {
            max_params: 2,
            ..Caps::ANSI
        });
        let high = DriverStyle {
            max_params: Some(100),
            ..DriverStyle::default()
        };
        assert_eq!(high.dialect(&low).caps().max_params, 2);
        assert_eq!(Placeholder::from_paramstyle("pyformat"), None);
    }
}
