//! `INSERT` statements: rows of one model, every value a bound parameter, for loading data
//! (the sample generator, tests, an embedder's fixtures).
//!
//! Columns are the model's fields in definition order, the order
//! [`create_tables`](crate::create_tables) declares them in, so a row is one
//! [`Value`](relq_plan::Value) per field. Several rows go in one statement as a multi-row
//! `VALUES` list, which SQLite (since 3.7.11, <https://sqlite.org/lang_insert.html>),
//! PostgreSQL and MySQL/MariaDB accept; the caller keeps `rows × columns` within the
//! dialect's [`max_params`](crate::Caps::max_params) ([`rows_per_insert`]).

use relq_graph::Model;

use crate::dialect::Dialect;
use crate::render::{Rendered, push_quoted};

/// `INSERT INTO "table" ("c1", "c2") VALUES (?, ?), (?, ?)` for `rows` rows of `model`
/// (`$1`, `$2`, ... numbered across rows on PostgreSQL), without a trailing `;`.
///
/// ```
/// # use relq_graph::SchemaDef;
/// # use relq_sql::{Ansi, insert};
/// let graph = SchemaDef::from_toml(r#"
///     [[models]]
///     name = "Category"
///     table = "categories"
///     fields = [
///       { name = "id", type = "integer", primary_key = true },
///       { name = "name", type = "text" },
///     ]
/// "#)?.build()?;
/// let model = graph.model_by_name("Category").expect("declared");
/// assert_eq!(
///     insert(model, 2, &Ansi::default()),
///     r#"INSERT INTO "categories" ("id", "name") VALUES (?, ?), (?, ?)"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn insert(model: Model<'_>, rows: usize, dialect: &dyn Dialect) -> String {
    let caps = dialect.caps();
    let columns = model.fields().count();
    let mut out = String::from("INSERT INTO ");
    push_quoted(&mut out, caps.identifier_quote, model.table());
    out.push_str(" (");
    for (i, field) in model.fields().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_quoted(&mut out, caps.identifier_quote, field.column());
    }
    out.push_str(") VALUES ");
    let mut number = 0;
    let mut marks = Vec::new();
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for column in 0..columns {
            if column > 0 {
                out.push_str(", ");
            }
            number += 1;
            caps.placeholder.push(&mut out, number, &mut marks);
        }
        out.push(')');
    }
    caps.placeholder.finish(out, &marks)
}

/// How many rows of `model` one [`insert`] statement may carry on `dialect`: as many as
/// its [`max_params`](crate::Caps::max_params) allows, at most 1000 (a longer statement
/// gains nothing on any of the three), at least 1.
pub fn rows_per_insert(model: Model<'_>, dialect: &dyn Dialect) -> usize {
    let columns = model.fields().count().max(1);
    (dialect.caps().max_params / columns).clamp(1, 1000)
}

/// The statement to run after rows of `model` were inserted with their keys given, so a
/// later INSERT that leaves the key out gets a key past them
/// ([`Dialect::reset_generated_key`]); `None` when the model's key is not generated
/// ([`Field::is_generated`](relq_graph::Field::is_generated)) or the database's
/// generator moves past given keys itself.
pub fn reset_generated_key(model: Model<'_>, dialect: &dyn Dialect) -> Option<Rendered> {
    let key = model.primary_key();
    if !key.is_generated() {
        return None;
    }
    dialect.reset_generated_key(model.table(), key.column())
}

#[cfg(test)]
mod tests {
    use relq_graph::SchemaDef;

    use super::*;
    use crate::{Ansi, Caps};

    #[test]
    fn postgres_numbers_placeholders_across_rows_and_quotes_are_doubled() {
        let graph = SchemaDef::from_toml(
            r#"
            [[models]]
            name = "Odd"
            table = 'we"ird'
            fields = [
              { name = "id", type = "integer", primary_key = true },
              { name = "xy", column = 'x"y', type = "text" },
            ]
            "#,
        )
        .and_then(|def| def.build())
        .expect("a valid schema");
        let model = graph.model_by_name("Odd").expect("declared");
        let postgres = Ansi::new(Caps {
            placeholder: crate::Placeholder::DollarNumber,
            ..Caps::ANSI
        });
        assert_eq!(
            insert(model, 2, &postgres),
            r#"INSERT INTO "we""ird" ("id", "x""y") VALUES ($1, $2), ($3, $4)"#
        );
        let small = |max_params| {
            Ansi::new(Caps {
                max_params,
                ..Caps::ANSI
            })
        };
        assert_eq!(rows_per_insert(model, &small(5)), 2);
        assert_eq!(rows_per_insert(model, &small(1)), 1);
        assert_eq!(rows_per_insert(model, &Ansi::default()), 1000);
    }
}
