//! The text of write statements: one small writer that quotes every identifier, writes
//! the dialect's placeholder for every value and keeps the parameters in binding order.
//!
//! Invariant: values only ever become [`Param`]s; the text holds quoted identifiers, the
//! dialect's keywords and placeholders.

use relq_graph::{Field, Model};
use relq_plan::Value;
use relq_sql::{Caps, Placeholder, push_quoted};

use crate::program::Param;

/// A condition of a write's `WHERE` on one table's own columns.
#[derive(Clone, Debug)]
pub(crate) enum Cond<'g> {
    /// `"c" = ?`.
    Eq(Field<'g>, Param),
    /// `"c" IS NULL`.
    IsNull(Field<'g>),
    /// `"c" IN (?, ...)`: never empty (the callers cut non-empty key lists).
    In(Field<'g>, Vec<Value>),
    /// `"c" NOT IN (?, ...)`: never empty (`set` leaves it out for no targets).
    NotIn(Field<'g>, Vec<Value>),
}

/// One statement being written.
pub(crate) struct Sql<'c> {
    caps: &'c Caps,
    text: String,
    params: Vec<Param>,
    /// Parameters of a statement embedded at the end (`... IN (SELECT * FROM (<select>)
    /// AS "w")`): numbered first where placeholders are numbered, bound last where they
    /// are positional.
    embedded: Vec<Param>,
}

impl<'c> Sql<'c> {
    pub(crate) fn new(caps: &'c Caps) -> Self {
        Self {
            caps,
            text: String::with_capacity(128),
            params: Vec::new(),
            embedded: Vec::new(),
        }
    }

    /// A statement that will end with an embedded one whose parameters are `embedded`
    /// (numbered `$1..$n` in its own text).
    pub(crate) fn ending_with(caps: &'c Caps, embedded: Vec<Value>) -> Self {
        let mut sql = Self::new(caps);
        sql.embedded = embedded.into_iter().map(Param::Value).collect();
        sql
    }

    pub(crate) fn raw(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    pub(crate) fn ident(&mut self, name: &str) -> &mut Self {
        push_quoted(&mut self.text, self.caps.identifier_quote, name);
        self
    }

    pub(crate) fn table(&mut self, model: Model<'_>) -> &mut Self {
        self.ident(model.table())
    }

    pub(crate) fn column(&mut self, field: Field<'_>) -> &mut Self {
        self.ident(field.column())
    }

    pub(crate) fn param(&mut self, param: Param) -> &mut Self {
        self.params.push(param);
        match self.caps.placeholder {
            Placeholder::DollarNumber => {
                self.text.push('$');
                let n = self.embedded.len() + self.params.len();
                self.text.push_str(&n.to_string());
            }
            // `Format` is refused before any statement is written (compile.rs).
            Placeholder::QuestionMark | Placeholder::Format => self.text.push('?'),
        }
        self
    }

    /// `"a", "b"`.
    pub(crate) fn columns<'g>(&mut self, fields: impl IntoIterator<Item = Field<'g>>) -> &mut Self {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.raw(", ");
            }
            self.column(field);
        }
        self
    }

    /// `?, ?, ?`.
    pub(crate) fn values(&mut self, values: impl IntoIterator<Item = Param>) -> &mut Self {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.raw(", ");
            }
            self.param(value);
        }
        self
    }

    /// ` WHERE a AND b` (nothing when `conds` is empty).
    pub(crate) fn conds(&mut self, conds: Vec<Cond<'_>>) -> &mut Self {
        for (i, cond) in conds.into_iter().enumerate() {
            self.raw(if i == 0 { " WHERE " } else { " AND " });
            match cond {
                Cond::Eq(field, param) => {
                    self.column(field).raw(" = ").param(param);
                }
                Cond::IsNull(field) => {
                    self.column(field).raw(" IS NULL");
                }
                Cond::In(field, values) => {
                    self.column(field)
                        .raw(" IN (")
                        .values(values.into_iter().map(Param::Value))
                        .raw(")");
                }
                Cond::NotIn(field, values) => {
                    self.column(field)
                        .raw(" NOT IN (")
                        .values(values.into_iter().map(Param::Value))
                        .raw(")");
                }
            }
        }
        self
    }

    /// Ends the statement with the embedded one's text.
    pub(crate) fn embed(mut self, text: &str) -> (String, Vec<Param>) {
        self.text.push_str(text);
        self.finish()
    }

    /// The text and the parameters in binding order.
    pub(crate) fn finish(self) -> (String, Vec<Param>) {
        let params = match self.caps.placeholder {
            // `$n` numbers: the embedded statement's come first.
            Placeholder::DollarNumber => self.embedded.into_iter().chain(self.params).collect(),
            // Positional: text order, the embedded statement last.
            Placeholder::QuestionMark | Placeholder::Format => {
                self.params.into_iter().chain(self.embedded).collect()
            }
        };
        (self.text, params)
    }
}

#[cfg(test)]
mod tests {
    use relq_plan::Value;
    use relq_sql::{Caps, Placeholder};

    use super::Sql;
    use crate::program::Param;

    fn ints(params: &[Param]) -> Vec<i64> {
        params
            .iter()
            .map(|p| match p {
                Param::Value(Value::Int(i)) => *i,
                other => panic!("not an int: {other:?}"),
            })
            .collect()
    }

    /// An embedded statement keeps its own `$1..$k`; the outer statement's placeholders
    /// follow from `$k+1` and its params are bound after the embedded ones, so number
    /// order is binding order. With `?` the binding order is text order: outer first.
    #[test]
    fn an_embedded_statement_is_numbered_first_and_bound_in_text_order_with_question_marks() {
        let embedded = "SELECT \"id\" FROM \"t\" WHERE \"b\" = $1 OR \"b\" = $2) AS \"kept\")";
        let write = |caps: &Caps| {
            let mut sql = Sql::ending_with(caps, vec![Value::Int(7), Value::Int(8)]);
            sql.raw("UPDATE \"t\" SET \"a\" = ")
                .param(Param::Value(Value::Int(1)))
                .raw(", \"c\" = ")
                .param(Param::Value(Value::Int(2)))
                .raw(" WHERE \"id\" IN (SELECT * FROM (");
            sql.embed(embedded)
        };
        let postgres = Caps {
            placeholder: Placeholder::DollarNumber,
            ..Caps::ANSI
        };
        let (text, params) = write(&postgres);
        assert_eq!(
            text,
            format!(
                "UPDATE \"t\" SET \"a\" = $3, \"c\" = $4 WHERE \"id\" IN (SELECT * FROM ({embedded}"
            )
        );
        assert_eq!(ints(&params), [7, 8, 1, 2]);
        let question = Caps {
            placeholder: Placeholder::QuestionMark,
            ..Caps::ANSI
        };
        let (text, params) = write(&question);
        assert!(text.starts_with("UPDATE \"t\" SET \"a\" = ?, \"c\" = ? WHERE"));
        assert_eq!(ints(&params), [1, 2, 7, 8]);
    }

    /// Without an embedded statement, `$n` counts from 1 and `IN ()` is never written.
    #[test]
    fn numbering_starts_at_one_and_lists_stay_bound() {
        let caps = Caps {
            placeholder: Placeholder::DollarNumber,
            ..Caps::ANSI
        };
        let mut sql = Sql::new(&caps);
        sql.raw("DELETE FROM ")
            .ident("t\"x")
            .raw(" WHERE \"a\" IN (")
            .values([1, 2, 3].map(|i| Param::Value(Value::Int(i))))
            .raw(")");
        let (text, params) = sql.finish();
        assert_eq!(text, "DELETE FROM \"t\"\"x\" WHERE \"a\" IN ($1, $2, $3)");
        assert_eq!(ints(&params), [1, 2, 3]);
    }
}
