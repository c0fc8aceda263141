//! Filters in SQL: a planned [`Condition`] lowered to a WHERE expression for one dialect.
//!
//! - A comparison at the root reads the alias of its join-tree node (the main statement's,
//!   or the root page's); inside an `EXISTS` it reads the subquery's related row, and its
//!   to-one relations become `LEFT OUTER JOIN`s of the subquery (one per path).
//! - `EXISTS (SELECT 1 FROM <hops> WHERE <correlated> AND <condition>)`: the first table
//!   of the path correlated to the scope's row, the rest inner joins (`JoinedBuilder::chain`).
//! - NULLs under NOT: a comparison under an odd number of NOTs whose field can be NULL is
//!   written `(cmp AND x IS NOT NULL)`, so a NULL field or a missing to-one row makes it
//!   false and its negation true (Django's `exclude(author__name="Bob")` keeps the posts
//!   without an author). `NOT EXISTS` needs nothing: `EXISTS` is never NULL.
//! - Text is compared case-sensitively by code point on every dialect: the column is read
//!   as the dialect's [`comparable_text`](crate::Dialect::comparable_text) hook writes
//!   it, and `iexact`, `contains`, `startswith`, `endswith` and their `i` forms are the
//!   dialect's [`match_text`](crate::Dialect::match_text). Decimals stored as text are
//!   compared as [`Caps::decimal_cast`](crate::Caps::decimal_cast) says.
//!
//! Invariant: values are bound (`Expr::Value`), never written into the text (the hooks
//! bind theirs too; a LIKE pattern is the user's text with the escape character, `%` and
//! `_` escaped, [`like_pattern`](crate::like_pattern)).

use relq_graph::RelationId;
use relq_plan::{Alias, CompareOp, Comparison, Condition, Test, Value, ValueKind};

use crate::ast::{BinaryOp, Expr, Join, Select, TableRef};
use crate::builder::Builder;
use crate::dialect::{BoundList, TextColumn, TextTest};

/// Where a condition's comparisons read their row.
pub(crate) enum Scope<'a, 'g> {
    /// The root: the alias of every join-tree node, by node index.
    Root(&'a [Alias]),
    /// The related row of an `EXISTS` subquery, and the to-one joins made from it so far.
    Related {
        /// The related row's alias.
        alias: Alias,
        /// Each to-one path joined, with the alias of its end.
        paths: Vec<(Vec<RelationId>, Alias)>,
        /// The joins, in the order they were made.
        joins: Vec<Join<'g>>,
    },
}

impl<'g> Builder<'g, '_> {
    /// The WHERE terms of `condition` at the root, read through `aliases` (one per node).
    pub(crate) fn where_terms(
        &mut self,
        condition: &Condition,
        aliases: &[Alias],
    ) -> Vec<Expr<'g>> {
        match self.condition(condition, &mut Scope::Root(aliases), false) {
            Expr::And(terms) => terms,
            term => vec![term],
        }
    }

    /// `c` in `scope`; `negated` under an odd number of NOTs.
    pub(crate) fn condition(
        &mut self,
        c: &Condition,
        scope: &mut Scope<'_, 'g>,
        negated: bool,
    ) -> Expr<'g> {
        match c {
            Condition::And(parts) | Condition::Or(parts) => {
                let and = matches!(c, Condition::And(_));
                let mut terms: Vec<Expr<'g>> = parts
                    .iter()
                    .map(|p| self.condition(p, scope, negated))
                    .collect();
                match terms.len() {
                    0 => Expr::truth(and),
                    1 => terms.remove(0),
                    _ if and => Expr::And(terms),
                    _ => Expr::Or(terms),
                }
            }
            Condition::Not(part) => Expr::Not(Box::new(self.condition(part, scope, !negated))),
            Condition::Exists { hops, condition } => {
                let parent = match scope {
                    Scope::Root(aliases) => aliases[0],
                    Scope::Related { alias, .. } => *alias,
                };
                Expr::Exists(Box::new(self.exists(hops, condition, parent)))
            }
            Condition::Compare(cmp) => self.compare(cmp, scope, negated),
        }
    }

    /// `SELECT 1 FROM <hops from parent> WHERE <correlated> AND <condition>`.
    fn exists(&mut self, hops: &[RelationId], condition: &Condition, parent: Alias) -> Select<'g> {
        let (mut select, related) = self.chain(hops, parent).unwrap_or_else(|| {
            // The plan gives every EXISTS at least one hop; without one it reads the row.
            let model = self.graph.model(self.plan.root);
            let select = Select::from(TableRef::Table {
                name: model.table(),
                alias: parent,
            });
            (select, parent)
        });
        let mut scope = Scope::Related {
            alias: related,
            paths: Vec::new(),
            joins: Vec::new(),
        };
        let always = matches!(condition, Condition::And(parts) if parts.is_empty());
        if !always {
            match self.condition(condition, &mut scope, false) {
                Expr::And(terms) => select.filter.extend(terms),
                term => select.filter.push(term),
            }
        }
        if let Scope::Related { joins, .. } = scope {
            select.joins.extend(joins);
        }
        select.columns = vec![Expr::Constant(1)];
        select
    }

    /// The alias of the row at the end of `hops` (to-one relations) from the scope's row.
    fn row_alias(&mut self, scope: &mut Scope<'_, 'g>, hops: &[RelationId]) -> Alias {
        match scope {
            Scope::Root(aliases) => {
                // The plan joined every root-level comparison's path.
                let node = self.plan.tree.node_at(hops);
                debug_assert!(node.is_some(), "a filter path was not joined");
                aliases[node.map_or(0, |n| n.index())]
            }
            Scope::Related {
                alias,
                paths,
                joins,
            } => {
                let mut at = *alias;
                for i in 1..=hops.len() {
                    if let Some((_, a)) = paths.iter().find(|(p, _)| p.as_slice() == &hops[..i]) {
                        at = *a;
                        continue;
                    }
                    let next = self.alias();
                    for (table, on) in self.steps(hops[i - 1], at, None, next) {
                        joins.push(Join {
                            kind: relq_plan::JoinKind::LeftOuter,
                            table,
                            on,
                            filter: Vec::new(),
                        });
                    }
                    paths.push((hops[..i].to_vec(), next));
                    at = next;
                }
                at
            }
        }
    }

    /// One comparison; made two-valued when negated and its field can be NULL.
    fn compare(&mut self, cmp: &Comparison, scope: &mut Scope<'_, 'g>, negated: bool) -> Expr<'g> {
        let field = self.graph.field(cmp.field);
        let alias = self.row_alias(scope, &cmp.hops);
        let column = Expr::column(alias, field.column());
        let kind = ValueKind::of(field.ty());
        let value = |v: &Value| self.operand(Expr::Value(v.clone()), kind);
        let text = || TextColumn {
            expr: column.clone(),
            collation: field.collation(),
        };
        let test = match &cmp.test {
            Test::Compare(CompareOp::Eq | CompareOp::Ne, _) | Test::In(_) => TextTest::Equality,
            _ => TextTest::Order,
        };
        let compared = || self.compared(text(), kind, test);
        let expr = match &cmp.test {
            Test::IsNull(true) => return Expr::IsNull(Box::new(column)),
            Test::IsNull(false) => return Expr::IsNotNull(Box::new(column)),
            Test::Compare(op, v) => compared().binary(binary_op(*op), value(v)),
            Test::In(values) => self.in_list(compared(), kind, values),
            Test::Range(low, high) => Expr::Between(
                Box::new(compared()),
                Box::new(value(low)),
                Box::new(value(high)),
            ),
            Test::Regex(pattern) => match self.caps().regex_operator {
                Some(op) => compared().binary(
                    BinaryOp::Regex(op),
                    Expr::Value(Value::Text(pattern.clone())),
                ),
                // `compile` refuses the lookup first; never a silent match.
                None => Expr::truth(false),
            },
            Test::Text {
                op,
                fold,
                text: value,
            } => self.dialect.match_text(*op, text(), *fold, value),
        };
        if negated && cmp.nullable {
            Expr::And(vec![expr, Expr::IsNotNull(Box::new(column))])
        } else {
            expr
        }
    }

    /// `x IN (values)`: one placeholder per value while the list alone fits the
    /// dialect's parameter limit; past it, the values bound as one parameter where the
    /// dialect has a form for them ([`Dialect::bound_list`](crate::Dialect::bound_list)),
    /// the items compared as `x` is. A list that fits keeps the `IN (?, ...)` every
    /// server plans best: MariaDB sorts a constant list and searches it, where its
    /// `JSON_TABLE` rows are compared one by one with each row of `x`'s table
    /// (`large_in.rs`: 100 000 text values against 3 000 rows took 85 s).
    fn in_list(&mut self, x: Expr<'g>, kind: ValueKind, values: &[Value]) -> Expr<'g> {
        let bound = if self.caps().supports_bound_lists && values.len() > self.caps().max_params {
            self.dialect.bound_list(kind, values, self.peek_alias())
        } else {
            None
        };
        match bound {
            Some(BoundList::Array(array)) => Expr::AnyOf(Box::new(x), Box::new(Expr::Value(array))),
            Some(BoundList::Rows { table, column }) => {
                let alias = self.alias();
                debug_assert_eq!(
                    table.alias(),
                    alias,
                    "a bound list's table takes the alias given"
                );
                let mut items = Select::from(table);
                let item = Expr::column(alias, column).into();
                items.columns = vec![self.compared(item, kind, TextTest::Equality)];
                Expr::InSubquery(Box::new(x), Box::new(items))
            }
            None => Expr::In(
                Box::new(x),
                values
                    .iter()
                    .map(|v| self.operand(Expr::Value(v.clone()), kind))
                    .collect(),
            ),
        }
    }

    /// The column as comparisons read it: text as the dialect's
    /// [`comparable_text`](crate::Dialect::comparable_text) writes it, decimals cast
    /// where the dialect stores them as text, other kinds as they are.
    fn compared(&self, column: TextColumn<'g>, kind: ValueKind, test: TextTest) -> Expr<'g> {
        match kind {
            ValueKind::Text => self.dialect.comparable_text(column, false, test),
            ValueKind::Decimal => self.operand(column.expr, kind),
            _ => column.expr,
        }
    }

    /// A value compared with a field of `kind`: a decimal cast as the dialect compares
    /// decimals, anything else as it is.
    pub(crate) fn operand(&self, x: Expr<'g>, kind: ValueKind) -> Expr<'g> {
        match (kind, self.caps().decimal_cast) {
            (ValueKind::Decimal, Some(ty)) => Expr::Cast(Box::new(x), ty),
            _ => x,
        }
    }
}

fn binary_op(op: CompareOp) -> BinaryOp {
    match op {
        CompareOp::Eq => BinaryOp::Eq,
        CompareOp::Ne => BinaryOp::NotEq,
        CompareOp::Gt => BinaryOp::Gt,
        CompareOp::Gte => BinaryOp::GtEq,
        CompareOp::Lt => BinaryOp::Lt,
        CompareOp::Lte => BinaryOp::LtEq,
    }
}

/// The first `regex` comparison of `condition` when the dialect has no regex operator:
/// its path.
pub(crate) fn unsupported_regex<'c>(
    condition: &'c Condition,
    regex: Option<&str>,
) -> Option<&'c str> {
    let mut found = None;
    if regex.is_none() {
        condition.visit(&mut |c| {
            if let Condition::Compare(cmp) = c
                && matches!(cmp.test, Test::Regex(_))
            {
                found = found.or(Some(cmp.path.as_str()));
            }
            found.is_none()
        });
    }
    found
}
