//! The SQL IR: a small owned tree holding only what relq emits (one SELECT shape with
//! `DISTINCT`, aggregates, joins, derived tables, scalar and `EXISTS` subqueries, filter
//! conditions, ordering and pagination).
//!
//! Identifiers borrow from the [`RelationGraph`](relq_graph::RelationGraph) they were
//! planned against, so building a statement copies no names. Values are held as
//! [`Value`]s and only become text in the renderer named for debugging.
//!
//! Invariant: every table reference carries an [`Alias`], and every column is qualified by
//! one; aliases are unique within a statement, subqueries included.

use relq_plan::{Alias, JoinKind, NullsOrder, Value};

/// `SELECT [DISTINCT] columns FROM from joins [WHERE] ORDER BY order_by [LIMIT] [OFFSET]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Select<'g> {
    /// `SELECT DISTINCT`: repeated rows dropped.
    pub distinct: bool,
    /// The select list, positional (no column aliases).
    pub columns: Vec<Expr<'g>>,
    /// The first table.
    pub from: TableRef<'g>,
    /// Joined tables, in order.
    pub joins: Vec<Join<'g>>,
    /// The WHERE condition (terms joined by AND; an `Or` term is parenthesised).
    pub filter: Vec<Expr<'g>>,
    /// The ordering, most significant first.
    pub order_by: Vec<OrderItem<'g>>,
    /// `LIMIT`: a count bound as a parameter.
    pub limit: Option<u64>,
    /// `OFFSET`: a count bound as a parameter.
    pub offset: Option<u64>,
}

impl<'g> Select<'g> {
    /// `SELECT` nothing yet `FROM from`.
    pub fn from(from: TableRef<'g>) -> Self {
        Self {
            distinct: false,
            columns: Vec::new(),
            from,
            joins: Vec::new(),
            filter: Vec::new(),
            order_by: Vec::new(),
            limit: None,
            offset: None,
        }
    }

    /// Tables in this SELECT's FROM clause (a derived table counts as one; its own
    /// tables are counted in its own SELECT).
    pub fn table_count(&self) -> usize {
        1 + self.joins.len()
    }
}

/// A table in a FROM clause.
#[derive(Clone, Debug, PartialEq)]
pub enum TableRef<'g> {
    /// `"table" AS "t0"`.
    Table {
        /// The table name (quoted when rendered).
        name: &'g str,
        /// Its alias.
        alias: Alias,
    },
    /// `(SELECT ...) AS "t0"`: a derived table.
    Derived {
        /// The inner statement.
        select: Box<Select<'g>>,
        /// Its alias.
        alias: Alias,
    },
    /// `name(args) AS "t0"`: a table-valued function of the dialect (SQLite's
    /// `json_each(?)`, <https://sqlite.org/json1.html#jeach>).
    Function {
        /// The function, a dialect constant.
        name: &'static str,
        /// Its arguments.
        args: Vec<Expr<'g>>,
        /// Its alias.
        alias: Alias,
    },
    /// `JSON_TABLE(document, '$[*]' COLUMNS("column" type PATH '$')) AS "t0"`: the items
    /// of a JSON array as rows of one column (ISO SQL:2016 `JSON_TABLE`; MariaDB 10.6,
    /// <https://mariadb.com/kb/en/json_table/>; MySQL 8.0.4, json-table-functions.html).
    JsonArray {
        /// The JSON document (a bound parameter).
        document: Box<Expr<'g>>,
        /// The column's name, a relq constant.
        column: &'static str,
        /// The column's type, a dialect constant (`BIGINT`, `LONGTEXT`).
        ty: &'static str,
        /// Its alias.
        alias: Alias,
    },
}

impl TableRef<'_> {
    /// The table's alias.
    pub fn alias(&self) -> Alias {
        match self {
            TableRef::Table { alias, .. }
            | TableRef::Derived { alias, .. }
            | TableRef::Function { alias, .. }
            | TableRef::JsonArray { alias, .. } => *alias,
        }
    }
}

/// `[INNER | LEFT OUTER] JOIN table ON on [AND filter...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Join<'g> {
    /// Inner or left outer.
    pub kind: JoinKind,
    /// The joined table.
    pub table: TableRef<'g>,
    /// The join condition, `on.0 = on.1` (the parent's column first).
    pub on: (Column<'g>, Column<'g>),
    /// More terms of the join condition, ANDed after `on` (a nested list's filter: the
    /// joined rows that fail it are not joined, so their parent is kept).
    pub filter: Vec<Expr<'g>>,
}

/// `"t0"."name"`: a column of an aliased table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column<'g> {
    /// The table alias.
    pub table: Alias,
    /// The column name (quoted when rendered).
    pub name: &'g str,
}

impl<'g> Column<'g> {
    /// `table."name"`.
    pub fn new(table: Alias, name: &'g str) -> Self {
        Self { table, name }
    }
}

/// An expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr<'g> {
    /// `"t0"."name"`.
    Column(Column<'g>),
    /// A bound value.
    Value(Value),
    /// An integer written into the text: only relq's own constants (the `1` of
    /// `SELECT 1`, `1 = 0`, `instr(..) > 0`), never a user's value.
    Constant(i64),
    /// `left <op> right`.
    Binary(Box<Expr<'g>>, BinaryOp, Box<Expr<'g>>),
    /// `expr IS NULL`.
    IsNull(Box<Expr<'g>>),
    /// `expr IS NOT NULL`.
    IsNotNull(Box<Expr<'g>>),
    /// `a AND b AND ...`, at least one term; a nested AND / OR is parenthesised.
    And(Vec<Expr<'g>>),
    /// `a OR b OR ...`, at least one term; a nested AND / OR is parenthesised.
    Or(Vec<Expr<'g>>),
    /// `NOT (expr)`, or `NOT EXISTS (...)`.
    Not(Box<Expr<'g>>),
    /// `EXISTS (SELECT ...)`.
    Exists(Box<Select<'g>>),
    /// `expr IN (a, b, ...)`, at least one item.
    In(Box<Expr<'g>>, Vec<Expr<'g>>),
    /// `expr BETWEEN low AND high`.
    Between(Box<Expr<'g>>, Box<Expr<'g>>, Box<Expr<'g>>),
    /// `expr LIKE pattern ESCAPE 'c'`.
    Like {
        /// The text matched.
        expr: Box<Expr<'g>>,
        /// The pattern.
        pattern: Box<Expr<'g>>,
        /// The escape character (a dialect constant).
        escape: char,
    },
    /// `name(args)`: a function of the dialect (`LOWER`, `instr`, `substr`).
    Function(&'static str, Vec<Expr<'g>>),
    /// `CAST(expr AS type)`, the type a dialect constant.
    Cast(Box<Expr<'g>>, &'static str),
    /// `CONVERT(expr USING charset)` (MySQL), the character set a dialect constant.
    Convert(Box<Expr<'g>>, &'static str),
    /// `expr COLLATE collation`, the collation a dialect constant written as given.
    Collate(Box<Expr<'g>>, &'static str),
    /// `MIN(expr)`, `SUM(expr)`...
    Aggregate(Aggregate, Box<Expr<'g>>),
    /// `COUNT(*)`: the rows.
    CountRows,
    /// `(SELECT ...)`: a scalar subquery.
    Subquery(Box<Select<'g>>),
    /// `expr IN (SELECT ...)`: the subquery selects one column.
    InSubquery(Box<Expr<'g>>, Box<Select<'g>>),
    /// `expr = ANY(array)`: `expr` equals an item of the array (PostgreSQL,
    /// functions-comparisons.html#FUNCTIONS-COMPARISONS-ANY-SOME).
    AnyOf(Box<Expr<'g>>, Box<Expr<'g>>),
    /// `ROW_NUMBER() OVER (PARTITION BY partition ORDER BY order)`: SQLite 3.25,
    /// PostgreSQL 8.4, MySQL 8.0, MariaDB 10.2
    /// (<https://sqlite.org/windowfunctions.html>,
    /// <https://www.postgresql.org/docs/current/functions-window.html>,
    /// <https://mariadb.com/kb/en/row_number/>).
    RowNumber {
        /// The expression whose rows are numbered apart.
        partition: Box<Expr<'g>>,
        /// The order of the numbering, at least one term.
        order: Vec<OrderItem<'g>>,
    },
    /// The root keys of a bound `IN` list (`root.pk IN (<root keys>)`,
    /// [`Roots::Keys`](relq_plan::Roots::Keys)): as many placeholders as the rendering is
    /// given keys, one when it is not ([`Compiled::runs`](crate::Compiled::runs) binds
    /// each chunk's keys).
    RootKeys,
    /// `expr AS "name"`: a named column of a derived table's select list, the name a
    /// relq constant.
    Named(Box<Expr<'g>>, &'static str),
    /// `'text'`: a string constant of relq or the dialect (`'hex'`, `'%!.17g'`), never a
    /// user's value; embedded quotes doubled.
    Text(&'static str),
    /// `name(arg ORDER BY order)`: an aggregate whose input is ordered (`json_agg`); no
    /// `ORDER BY` when `order` is empty.
    OrderedAggregate {
        /// The aggregate function.
        function: &'static str,
        /// Its argument.
        arg: Box<Expr<'g>>,
        /// The order of its input.
        order: Vec<OrderItem<'g>>,
    },
}

impl<'g> Expr<'g> {
    /// `"table"."column"`.
    pub fn column(table: Alias, column: &'g str) -> Self {
        Expr::Column(Column::new(table, column))
    }

    /// `self = other`.
    pub fn eq(self, other: Expr<'g>) -> Self {
        self.binary(BinaryOp::Eq, other)
    }

    /// `self <op> other`.
    pub fn binary(self, op: BinaryOp, other: Expr<'g>) -> Self {
        Expr::Binary(Box::new(self), op, Box::new(other))
    }

    /// `1 = 1` (`true`) or `1 = 0`: a constant condition every dialect accepts.
    pub fn truth(value: bool) -> Self {
        Expr::Constant(1).eq(Expr::Constant(i64::from(value)))
    }
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `=`.
    Eq,
    /// `<>`.
    NotEq,
    /// `<`.
    Lt,
    /// `<=`.
    LtEq,
    /// `>`.
    Gt,
    /// `>=`.
    GtEq,
    /// `/`.
    Div,
    /// A dialect's regular-expression match (`~`, `REGEXP`).
    Regex(&'static str),
}

impl BinaryOp {
    /// The operator's text.
    pub fn text(self) -> &'static str {
        match self {
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::Div => "/",
            BinaryOp::Regex(op) => op,
        }
    }
}

/// An aggregate function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// `MIN`.
    Min,
    /// `MAX`.
    Max,
    /// `SUM`.
    Sum,
    /// `AVG`.
    Avg,
    /// `COUNT`: the non-NULL values.
    Count,
}

impl Aggregate {
    /// The function's name.
    pub fn text(self) -> &'static str {
        match self {
            Aggregate::Min => "MIN",
            Aggregate::Max => "MAX",
            Aggregate::Sum => "SUM",
            Aggregate::Avg => "AVG",
            Aggregate::Count => "COUNT",
        }
    }
}

/// One ORDER BY term.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderItem<'g> {
    /// What orders.
    pub expr: Expr<'g>,
    /// `DESC` (else `ASC`).
    pub descending: bool,
    /// `NULLS FIRST` / `NULLS LAST`; `None` leaves the dialect's default. Only for dialects
    /// that accept the syntax: for the others the joined statement writes an
    /// `expr IS NULL` term before this one instead.
    pub nulls: Option<NullsOrder>,
}
