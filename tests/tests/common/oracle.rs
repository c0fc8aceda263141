//! sqlparser as the oracle of the SQL relq emits (DESIGN.md, Testing): every statement
//! parses in its dialect to exactly one statement, prints back to the same text (so the
//! renderer spells SQL the way sqlparser prints it), its pretty layout parses to the same
//! statement, and it has as many placeholders as relq has params.
//!
//! sqlparser's dialects are named by path (`sqlparser::dialect::PostgreSqlDialect`) so
//! they never share a scope with relq's `Sqlite`, `Postgres`, `MySql`.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Statement, Value, visit_expressions};
use sqlparser::parser::Parser;

/// sqlparser's dialect for one of relq's, by relq's dialect name (`Caps::name`).
///
/// # Panics
/// On a name relq does not have: a test bug.
pub fn sqlparser_dialect(relq_dialect: &str) -> Box<dyn sqlparser::dialect::Dialect> {
    match relq_dialect {
        "sqlite" => Box::new(sqlparser::dialect::SQLiteDialect {}),
        "postgres" => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
        "mysql" => Box::new(sqlparser::dialect::MySqlDialect {}),
        other => panic!("no sqlparser dialect for relq's `{other}`"),
    }
}

/// Parses `sql` as exactly one statement.
fn parse_one(dialect: &dyn sqlparser::dialect::Dialect, sql: &str) -> Result<Statement, String> {
    let mut statements =
        Parser::parse_sql(dialect, sql).map_err(|e| format!("does not parse: {e}\n{sql}"))?;
    match (statements.pop(), statements.is_empty()) {
        (Some(s), true) => Ok(s),
        _ => Err(format!(
            "parses to {} statements, not one\n{sql}",
            statements.len() + 1
        )),
    }
}

/// The number of `?` / `$n` placeholders in a statement.
pub fn placeholders(statement: &Statement) -> usize {
    let mut count = 0;
    let _ = visit_expressions(statement, |e| {
        if let Expr::Value(v) = e
            && matches!(v.value, Value::Placeholder(_))
        {
            count += 1;
        }
        ControlFlow::<()>::Continue(())
    });
    count
}

/// The oracle's checks on one statement: `compact` and `pretty` are its two layouts,
/// `params` the number of values relq binds.
///
/// # Errors
/// The first check that fails, with the text.
pub fn check(relq_dialect: &str, compact: &str, pretty: &str, params: usize) -> Result<(), String> {
    let dialect = sqlparser_dialect(relq_dialect);
    let statement = parse_one(dialect.as_ref(), compact)?;
    let printed = statement.to_string();
    if printed != compact {
        return Err(format!(
            "sqlparser prints it differently:\n relq: {compact}\n  sqlparser: {printed}"
        ));
    }
    let from_pretty = parse_one(dialect.as_ref(), pretty)?;
    if from_pretty != statement {
        return Err(format!(
            "the pretty text parses to another statement:\n{pretty}\n  prints as: {from_pretty}"
        ));
    }
    let found = placeholders(&statement);
    if found != params {
        return Err(format!(
            "{found} placeholders for {params} params\n{compact}"
        ));
    }
    Ok(())
}

/// The oracle's checks on one write statement (relq-write): it parses in its dialect to
/// exactly one statement, has one placeholder per param, and where placeholders are
/// numbered (`$n`) they are `$1..$params`, each once, so binding order is number order.
/// Write statements are not printed back: sqlparser spells some of them otherwise
/// (`ON CONFLICT` targets, `ON DUPLICATE KEY UPDATE`), which says nothing about them.
///
/// # Errors
/// The first check that fails, with the text.
pub fn check_write(relq_dialect: &str, sql: &str, params: usize) -> Result<(), String> {
    let dialect = sqlparser_dialect(relq_dialect);
    let statement = parse_one(dialect.as_ref(), sql)?;
    let mut found = Vec::new();
    let _ = visit_expressions(&statement, |e| {
        if let Expr::Value(v) = e
            && let Value::Placeholder(p) = &v.value
        {
            found.push(p.clone());
        }
        ControlFlow::<()>::Continue(())
    });
    if found.len() != params {
        return Err(format!(
            "{} placeholders for {params} params\n{sql}",
            found.len()
        ));
    }
    if found.iter().any(|p| p.starts_with('$')) {
        let mut numbers: Vec<usize> = found
            .iter()
            .map(|p| {
                p[1..]
                    .parse()
                    .map_err(|_| format!("placeholder {p}\n{sql}"))
            })
            .collect::<Result<_, _>>()?;
        numbers.sort_unstable();
        if numbers != (1..=params).collect::<Vec<_>>() {
            return Err(format!(
                "numbered placeholders {numbers:?} are not $1..${params}, each once\n{sql}"
            ));
        }
    }
    Ok(())
}
