//! The renderer: one walk over a [`Select`] writing SQL text, with two sinks for values
//! (collected as parameters for a driver, or inlined for people) and two layouts (compact
//! for drivers, pretty with one clause per line for snapshots and people).
//!
//! SQL is spelled the way sqlparser prints it (upper-case keywords, explicit `AS`,
//! `LIMIT n OFFSET m`, `, ` separators), so printing a parse of the compact text gives the
//! text back.
//!
//! Invariants: identifiers are always quoted with the dialect's quote character, embedded
//! quote characters doubled; a value is written into the text only by [`render_debug`].

use std::fmt::Write as _;

use relq_plan::{JoinKind, NullsOrder, Value};

use crate::ast::{Column, Expr, Join, OrderItem, Select, TableRef};
use crate::dialect::{Caps, Dialect, OffsetWithoutLimit};

/// How the text is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One line, single spaces: for drivers.
    Compact,
    /// One clause per line, joins and derived tables indented: for snapshots and people.
    /// Parses to the same statement as the compact text.
    Pretty,
}

/// SQL text and the values its placeholders stand for, in placeholder order.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// The statement's text.
    pub sql: String,
    /// One value per placeholder, in order.
    pub params: Vec<Value>,
}

/// Renders `select` for `dialect` with its values as parameters (a list of root keys,
/// [`Expr::RootKeys`], as one placeholder bound to NULL).
pub fn render(select: &Select<'_>, dialect: &dyn Dialect, layout: Layout) -> Rendered {
    render_keys(select, dialect.caps(), layout, 1).0
}

/// Renders `select` for `caps` with its values as parameters and its list of root keys
/// ([`Expr::RootKeys`]) as `keys` placeholders bound to NULL; with the index in `params`
/// of the first of them (`None` when `select` has no such list).
pub(crate) fn render_keys(
    select: &Select<'_>,
    caps: &Caps,
    layout: Layout,
    keys: usize,
) -> (Rendered, Option<usize>) {
    let mut w = Writer::new(caps, layout, Some(Vec::new()));
    w.keys = keys;
    w.out.reserve(estimated_len(select) + 4 * keys);
    w.select(select);
    let keys_at = w.keys_at;
    let params = w.params.take().unwrap_or_default();
    let rendered = Rendered {
        sql: w.text(),
        params,
    };
    (rendered, keys_at)
}

/// Renders one expression for `dialect`, compact, with its values as parameters: a
/// condition or a dialect hook's output seen alone (tests, messages).
pub fn render_expr(expr: &Expr<'_>, dialect: &dyn Dialect) -> Rendered {
    let mut w = Writer::new(dialect.caps(), Layout::Compact, Some(Vec::new()));
    w.expr(expr);
    let params = w.params.take().unwrap_or_default();
    Rendered {
        sql: w.text(),
        params,
    }
}

/// Renders `select` for `dialect` with its values written into the text as literals, for
/// logs and people. Never send this text to a database: literals are written in ISO SQL
/// form (`'it''s'`, `X'00ff'`) without regard to a server's string-escape settings.
pub fn render_debug(select: &Select<'_>, dialect: &dyn Dialect, layout: Layout) -> String {
    let mut w = Writer::new(dialect.caps(), layout, None);
    w.select(select);
    w.out
}

/// [`render_debug`] with `params` written in place of the IR's values, in placeholder
/// order (a list of root keys takes one, as [`render`] binds it): a statement whose
/// parameters were bound again (the compile cache) shows its own.
pub(crate) fn render_debug_with(
    select: &Select<'_>,
    dialect: &dyn Dialect,
    layout: Layout,
    params: &[Value],
) -> String {
    let mut w = Writer::new(dialect.caps(), layout, None);
    w.inline = params.iter();
    w.select(select);
    w.out
}

/// A capacity that usually holds the whole text: about 40 bytes per column reference.
fn estimated_len(s: &Select<'_>) -> usize {
    let derived = match &s.from {
        TableRef::Derived { select, .. } => estimated_len(select),
        TableRef::Table { .. } | TableRef::Function { .. } | TableRef::JsonArray { .. } => 0,
    };
    64 + 40 * (s.columns.len() + 2 * s.joins.len() + s.order_by.len()) + derived
}

struct Writer<'c> {
    caps: &'c Caps,
    layout: Layout,
    out: String,
    /// `Some`: values become placeholders and are collected; `None`: values are inlined.
    params: Option<Vec<Value>>,
    /// Placeholders written so far (for `$n`).
    placeholders: usize,
    /// Where each `%s` placeholder starts ([`Placeholder::Format`]).
    marks: Vec<usize>,
    /// Values inlined instead of the IR's, in order ([`render_debug_with`]).
    inline: std::slice::Iter<'c, Value>,
    /// Indentation of the current SELECT's clauses in the pretty layout.
    indent: usize,
    /// The placeholders a list of root keys ([`Expr::RootKeys`]) is written with.
    keys: usize,
    /// The index in `params` of the first root key, once written.
    keys_at: Option<usize>,
}

impl<'c> Writer<'c> {
    fn new(caps: &'c Caps, layout: Layout, params: Option<Vec<Value>>) -> Self {
        Self {
            caps,
            layout,
            out: String::new(),
            params,
            placeholders: 0,
            marks: Vec::new(),
            inline: [].iter(),
            indent: 0,
            keys: 1,
            keys_at: None,
        }
    }

    /// Between clauses: a new line at the current indentation, or a space.
    fn clause_break(&mut self, extra: usize) {
        match self.layout {
            Layout::Compact => self.out.push(' '),
            Layout::Pretty => {
                self.out.push('\n');
                for _ in 0..self.indent + extra {
                    self.out.push(' ');
                }
            }
        }
    }

    fn select(&mut self, s: &Select<'_>) {
        self.out.push_str(if s.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        });
        for (i, c) in s.columns.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(c);
        }
        self.clause_break(0);
        self.out.push_str("FROM ");
        self.table(&s.from);
        for j in &s.joins {
            self.clause_break(2);
            self.join(j);
        }
        for (i, f) in s.filter.iter().enumerate() {
            if i == 0 {
                self.clause_break(0);
                self.out.push_str("WHERE ");
            } else {
                self.out.push_str(" AND ");
            }
            self.term(f, s.filter.len() > 1);
        }
        if !s.order_by.is_empty() {
            self.clause_break(0);
            self.out.push_str("ORDER BY ");
            for (i, o) in s.order_by.iter().enumerate() {
                if i > 0 {
                    self.out.push_str(", ");
                }
                self.order_item(o);
            }
        }
        self.limit_offset(s.limit, s.offset);
    }

    fn limit_offset(&mut self, limit: Option<u64>, offset: Option<u64>) {
        if limit.is_none() && offset.is_none() {
            return;
        }
        self.clause_break(0);
        match (limit, self.caps.offset_without_limit) {
            (Some(n), _) => {
                self.out.push_str("LIMIT ");
                self.count(n);
            }
            (None, OffsetWithoutLimit::LimitLiteral(literal)) => {
                self.out.push_str("LIMIT ");
                self.out.push_str(literal);
            }
            (None, OffsetWithoutLimit::Alone) => {}
        }
        if let Some(n) = offset {
            if limit.is_some() || self.caps.offset_without_limit != OffsetWithoutLimit::Alone {
                self.out.push(' ');
            }
            self.out.push_str("OFFSET ");
            self.count(n);
        }
    }

    /// A limit or offset count. Planning rejects counts above `i64::MAX`; a larger one here
    /// saturates rather than wraps.
    fn count(&mut self, n: u64) {
        self.value(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)));
    }

    fn table(&mut self, t: &TableRef<'_>) {
        let alias = match t {
            TableRef::Table { name, alias } => {
                self.ident(name);
                alias
            }
            TableRef::Derived { select, alias } => {
                self.out.push('(');
                let outer = self.indent;
                self.indent += 4;
                if self.layout == Layout::Pretty {
                    self.clause_break(0);
                }
                self.select(select);
                self.indent = outer;
                if self.layout == Layout::Pretty {
                    self.clause_break(2);
                }
                self.out.push(')');
                alias
            }
            TableRef::Function { name, args, alias } => {
                self.out.push_str(name);
                self.out.push('(');
                self.exprs(args);
                self.out.push(')');
                alias
            }
            TableRef::JsonArray {
                document,
                column,
                ty,
                alias,
            } => {
                // Spelled as sqlparser prints it: `COLUMNS(` without a space.
                self.out.push_str("JSON_TABLE(");
                self.expr(document);
                self.out.push_str(", '$[*]' COLUMNS(");
                self.ident(column);
                self.out.push(' ');
                self.out.push_str(ty);
                self.out.push_str(" PATH '$'))");
                alias
            }
        };
        self.out.push_str(" AS ");
        self.alias(*alias);
    }

    fn join(&mut self, j: &Join<'_>) {
        self.out.push_str(match j.kind {
            JoinKind::Inner => "INNER JOIN ",
            JoinKind::LeftOuter => "LEFT OUTER JOIN ",
        });
        self.table(&j.table);
        self.out.push_str(" ON ");
        self.column(j.on.0);
        self.out.push_str(" = ");
        self.column(j.on.1);
        for f in &j.filter {
            self.out.push_str(" AND ");
            self.term(f, true);
        }
    }

    fn order_item(&mut self, o: &OrderItem<'_>) {
        self.expr(&o.expr);
        self.out
            .push_str(if o.descending { " DESC" } else { " ASC" });
        match o.nulls {
            Some(NullsOrder::First) => self.out.push_str(" NULLS FIRST"),
            Some(NullsOrder::Last) => self.out.push_str(" NULLS LAST"),
            None => {}
        }
    }

    /// `FUNCTION(x KEYWORD arg)`: `CAST(x AS type)`, `CONVERT(x USING charset)`.
    fn keyword_call(&mut self, function: &str, x: &Expr<'_>, keyword: &str, arg: &str) {
        self.out.push_str(function);
        self.out.push('(');
        self.expr(x);
        self.out.push(' ');
        self.out.push_str(keyword);
        self.out.push(' ');
        self.out.push_str(arg);
        self.out.push(')');
    }

    fn expr(&mut self, e: &Expr<'_>) {
        match e {
            Expr::Column(c) => self.column(*c),
            Expr::Value(v) => self.value(v.clone()),
            Expr::Constant(n) => {
                if *n < 0 {
                    self.out.push('-');
                }
                push_number(&mut self.out, n.unsigned_abs());
            }
            Expr::Binary(l, op, r) => {
                self.expr(l);
                self.out.push(' ');
                self.out.push_str(op.text());
                self.out.push(' ');
                self.expr(r);
            }
            Expr::IsNull(x) => {
                self.expr(x);
                self.out.push_str(" IS NULL");
            }
            Expr::IsNotNull(x) => {
                self.expr(x);
                self.out.push_str(" IS NOT NULL");
            }
            Expr::And(terms) | Expr::Or(terms) if terms.is_empty() => {
                // Never built (the lowering writes constants), but an empty AND holds.
                self.expr(&Expr::truth(matches!(e, Expr::And(_))));
            }
            Expr::And(terms) | Expr::Or(terms) => {
                let joiner = if matches!(e, Expr::And(_)) {
                    " AND "
                } else {
                    " OR "
                };
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(joiner);
                    }
                    self.term(t, true);
                }
            }
            Expr::Not(x) => {
                self.out.push_str("NOT ");
                if matches!(**x, Expr::Exists(_)) {
                    self.expr(x);
                } else {
                    self.out.push('(');
                    self.expr(x);
                    self.out.push(')');
                }
            }
            Expr::Exists(s) => {
                self.out.push_str("EXISTS ");
                self.subquery(s);
            }
            Expr::In(x, items) => {
                self.expr(x);
                self.out.push_str(" IN (");
                self.exprs(items);
                self.out.push(')');
            }
            Expr::Between(x, low, high) => {
                self.expr(x);
                self.out.push_str(" BETWEEN ");
                self.expr(low);
                self.out.push_str(" AND ");
                self.expr(high);
            }
            Expr::Like {
                expr,
                pattern,
                escape,
            } => {
                self.expr(expr);
                self.out.push_str(" LIKE ");
                self.expr(pattern);
                self.out.push_str(" ESCAPE '");
                self.out.push(*escape);
                if *escape == '\'' {
                    self.out.push('\'');
                }
                self.out.push('\'');
            }
            Expr::Function(name, args) => {
                self.out.push_str(name);
                self.out.push('(');
                self.exprs(args);
                self.out.push(')');
            }
            Expr::Cast(x, ty) => self.keyword_call("CAST", x, "AS", ty),
            Expr::Convert(x, charset) => self.keyword_call("CONVERT", x, "USING", charset),
            Expr::Collate(x, collation) => {
                self.expr(x);
                self.out.push_str(" COLLATE ");
                self.out.push_str(collation);
            }
            Expr::Aggregate(f, x) => {
                self.out.push_str(f.text());
                self.out.push('(');
                self.expr(x);
                self.out.push(')');
            }
            Expr::CountRows => self.out.push_str("COUNT(*)"),
            Expr::Subquery(s) => self.subquery(s),
            Expr::InSubquery(x, s) => {
                self.expr(x);
                self.out.push_str(" IN ");
                self.subquery(s);
            }
            Expr::AnyOf(x, array) => {
                self.expr(x);
                self.out.push_str(" = ANY(");
                self.expr(array);
                self.out.push(')');
            }
            Expr::RowNumber { partition, order } => {
                self.out.push_str("ROW_NUMBER() OVER (PARTITION BY ");
                self.expr(partition);
                self.order_items(order);
                self.out.push(')');
            }
            Expr::OrderedAggregate {
                function,
                arg,
                order,
            } => {
                self.out.push_str(function);
                self.out.push('(');
                self.expr(arg);
                self.order_items(order);
                self.out.push(')');
            }
            Expr::Text(text) => {
                self.out.push('\'');
                self.out.push_str(&text.replace('\'', "''"));
                self.out.push('\'');
            }
            Expr::RootKeys => {
                self.keys_at = self.params.as_ref().map(Vec::len);
                for i in 0..self.keys {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    if self.params.is_some() {
                        self.value(Value::Null);
                    } else {
                        // For people: the keys are known only when the root statement ran
                        // (the NULL a statement binds for them is passed over).
                        self.inline.next();
                        self.out.push('?');
                    }
                }
            }
            Expr::Named(x, name) => {
                self.expr(x);
                self.out.push_str(" AS ");
                self.ident(name);
            }
        }
    }

    /// `a, b, c`: an `IN` list's items, a function's arguments.
    fn exprs(&mut self, items: &[Expr<'_>]) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.expr(item);
        }
    }

    /// ` ORDER BY a ASC, b DESC` inside a function's parentheses; nothing when empty.
    fn order_items(&mut self, order: &[OrderItem<'_>]) {
        for (i, o) in order.iter().enumerate() {
            self.out.push_str(if i == 0 { " ORDER BY " } else { ", " });
            self.order_item(o);
        }
    }

    /// `(SELECT ...)`: subqueries in expressions stay on one line in both layouts.
    fn subquery(&mut self, s: &Select<'_>) {
        let layout = std::mem::replace(&mut self.layout, Layout::Compact);
        self.out.push('(');
        self.select(s);
        self.out.push(')');
        self.layout = layout;
    }

    /// A term of an AND / OR: a nested AND / OR in parentheses when `among_others`.
    fn term(&mut self, e: &Expr<'_>, among_others: bool) {
        if among_others && matches!(e, Expr::And(t) | Expr::Or(t) if t.len() > 1) {
            self.out.push('(');
            self.expr(e);
            self.out.push(')');
        } else {
            self.expr(e);
        }
    }

    fn column(&mut self, c: Column<'_>) {
        self.alias(c.table);
        self.out.push('.');
        self.ident(c.name);
    }

    /// `"t12"`, written without the formatting machinery (this is the hottest write).
    fn alias(&mut self, alias: relq_plan::Alias) {
        let q = self.caps.identifier_quote;
        self.out.push(q);
        self.out.push('t');
        push_number(&mut self.out, u64::from(alias.number()));
        self.out.push(q);
    }

    fn ident(&mut self, name: &str) {
        push_quoted(&mut self.out, self.caps.identifier_quote, name);
    }

    fn value(&mut self, v: Value) {
        let Some(params) = &mut self.params else {
            literal(&mut self.out, self.inline.next().unwrap_or(&v));
            return;
        };
        params.push(v);
        self.placeholders += 1;
        self.caps
            .placeholder
            .push(&mut self.out, self.placeholders, &mut self.marks);
    }

    /// The text written, as the driver reads it ([`Placeholder::finish`]).
    fn text(self) -> String {
        self.caps.placeholder.finish(self.out, &self.marks)
    }
}

/// Appends `name` in `quote` characters, embedded quote characters doubled
/// (`say "hi"` becomes `"say ""hi"""`): the one way an identifier enters SQL text, in
/// statements and in DDL.
pub fn push_quoted(out: &mut String, quote: char, name: &str) {
    out.push(quote);
    let needs_doubling = match u8::try_from(quote) {
        Ok(byte) if byte.is_ascii() => name.as_bytes().contains(&byte),
        _ => name.contains(quote),
    };
    if needs_doubling {
        for c in name.chars() {
            if c == quote {
                out.push(quote);
            }
            out.push(c);
        }
    } else {
        out.push_str(name);
    }
    out.push(quote);
}

/// Appends the decimal digits of `n` (aliases and placeholder numbers: a few digits).
pub(crate) fn push_number(out: &mut String, n: u64) {
    match n {
        0..10 => out.push(char::from(b'0' + n as u8)),
        10..100 => {
            out.push(char::from(b'0' + (n / 10) as u8));
            out.push(char::from(b'0' + (n % 10) as u8));
        }
        _ => {
            push_number(out, n / 10);
            out.push(char::from(b'0' + (n % 10) as u8));
        }
    }
}

/// An ISO SQL literal for the debug renderer.
fn literal(out: &mut String, v: &Value) {
    let quoted = |out: &mut String, s: &str| {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    };
    match v {
        Value::Null => out.push_str("NULL"),
        Value::Bool(b) => out.push_str(if *b { "TRUE" } else { "FALSE" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) if f.is_finite() => {
            let _ = write!(out, "{f:?}");
        }
        Value::Float(f) => quoted(out, &f.to_string()),
        Value::Bytes(b) => {
            out.push_str("X'");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
            out.push('\'');
        }
        text => quoted(out, text.as_text().unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use relq_plan::Alias;

    use super::*;
    use crate::dialect::{Ansi, OffsetWithoutLimit};

    /// `SELECT "t0"."it's ""x""" FROM "t""s" AS "t0" WHERE "t0"."a" = <text> AND
    /// "t0"."b" = <bytes> ... LIMIT <n> OFFSET <m>`.
    fn select() -> Select<'static> {
        let t0 = Alias::new(0);
        let mut s = Select::from(TableRef::Table {
            name: "t\"s",
            alias: t0,
        });
        s.columns.push(Expr::column(t0, "it's \"x\""));
        s.filter
            .push(Expr::column(t0, "a").eq(Expr::Value(Value::Text("O'Brien".into()))));
        s.filter
            .push(Expr::column(t0, "b").eq(Expr::Value(Value::Bytes(vec![0, 255]))));
        s.limit = Some(5);
        s.offset = Some(10);
        s
    }

    #[test]
    fn values_are_numbered_placeholders_and_quotes_are_doubled() {
        let postgres = Ansi::new(Caps {
            placeholder: crate::Placeholder::DollarNumber,
            ..Caps::ANSI
        });
        let r = render(&select(), &postgres, Layout::Compact);
        assert_eq!(
            r.sql,
            r#"SELECT "t0"."it's ""x""" FROM "t""s" AS "t0" WHERE "t0"."a" = $1 AND "t0"."b" = $2 LIMIT $3 OFFSET $4"#
        );
        assert_eq!(
            r.params,
            [
                Value::Text("O'Brien".into()),
                Value::Bytes(vec![0, 255]),
                Value::Int(5),
                Value::Int(10)
            ]
        );
    }

    #[test]
    fn the_format_paramstyle_doubles_every_other_percent_sign_when_there_are_params() {
        let format = Ansi::new(Caps {
            placeholder: crate::Placeholder::Format,
            ..Caps::ANSI
        });
        let t0 = Alias::new(0);
        let mut s = Select::from(TableRef::Table {
            name: "100%s",
            alias: t0,
        });
        s.columns.push(Expr::column(t0, "a%"));
        let bare = render(&s, &format, Layout::Compact);
        // No parameter: the driver does not interpolate, so nothing is doubled.
        assert_eq!(bare.sql, r#"SELECT "t0"."a%" FROM "100%s" AS "t0""#);
        s.filter
            .push(Expr::column(t0, "a%").eq(Expr::Value(Value::Text("%s".into()))));
        s.limit = Some(5);
        let r = render(&s, &format, Layout::Compact);
        assert_eq!(
            r.sql,
            r#"SELECT "t0"."a%%" FROM "100%%s" AS "t0" WHERE "t0"."a%%" = %s LIMIT %s"#
        );
        assert_eq!(r.params, [Value::Text("%s".into()), Value::Int(5)]);
    }

    #[test]
    fn debug_rendering_inlines_values_as_literals() {
        let mysql = Ansi::new(Caps {
            identifier_quote: '`',
            ..Caps::ANSI
        });
        insta::assert_snapshot!(render_debug(&select(), &mysql, Layout::Pretty), @r#"
        SELECT `t0`.`it's "x"`
        FROM `t"s` AS `t0`
        WHERE `t0`.`a` = 'O''Brien' AND `t0`.`b` = X'00ff'
        LIMIT 5 OFFSET 10
        "#);
    }

    #[test]
    fn offset_without_limit_takes_the_dialects_form() {
        let mut s = select();
        s.limit = None;
        let alone = render(&s, &Ansi::default(), Layout::Compact).sql;
        assert!(alone.ends_with(" OFFSET ?"), "{alone}");
        assert!(!alone.contains("LIMIT"), "{alone}");
        let literal = Ansi::new(Caps {
            offset_without_limit: OffsetWithoutLimit::LimitLiteral("-1"),
            ..Caps::ANSI
        });
        let with_literal = render(&s, &literal, Layout::Compact).sql;
        assert!(
            with_literal.ends_with(" LIMIT -1 OFFSET ?"),
            "{with_literal}"
        );
    }
}
