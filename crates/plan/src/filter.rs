//! Filters, planned: every condition of a query's `filter` and `exclude` calls resolved,
//! its value typed by its field, and its scope made explicit as a [`Condition`] tree in
//! which every crossing of a to-many relation is an [`Condition::Exists`].
//!
//! Rules (DESIGN.md, "Filters across relations"; Django's for multi-valued relations):
//! - The calls are ANDed; an `exclude` call is `NOT (call)`. Calls are planned one by one,
//!   so two calls never share a related row.
//! - Within one call, the parts of an AND / OR whose conditions all cross the same first
//!   to-many path (relative to the current scope) become one `EXISTS` over that path, so
//!   they hold for the same related row. A NOT is never merged with its siblings: a
//!   negated condition across a to-many relation is `NOT EXISTS` on its own (Django's
//!   `~Q`).
//! - A comparison reaches its field through to-one relations only (from the root, or from
//!   the related row of the enclosing `EXISTS`); at the root those relations are joined
//!   in the main statement (the join a `select_related` of the same path uses).
//! - `isnull` on a to-many relation is "has none" (`NOT EXISTS`), `isnull=false` "has
//!   some"; `in []` matches nothing; `exact` / `ne` with `null` are `isnull`.
//! - contains / startswith / endswith with an empty text match every non-NULL value.
//! - In ormar's compatibility scope ([`Compat::Ormar`]) nothing is scoped: every
//!   comparison reads the joined row at the end of its path (to-many relations
//!   included), every call holds on the same joined row, and NOT is SQL's (no NULL
//!   guard); only `isnull` on a to-many relation stays an `EXISTS`.
//!
//! Invariant: the tree depends only on the graph and the query, and every value in it
//! has the kind of the field it compares with.

use relq_graph::{Field, FieldId, ModelId, RelationGraph, RelationId};
use serde_json::Value as Json;

use crate::error::{PlanError, PlanErrorKind, QueryPart};
use crate::lookup::Lookup;
use crate::path::ParsedPath;
use crate::query::{Compat, Filter};
use crate::resolve::{PathKind, resolve};
use crate::value::{Value, ValueKind};

/// A filter with its scope made explicit. Comparisons read the row of their scope: the
/// root, or the related row of the nearest enclosing [`Condition::Exists`].
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// Every part holds; an empty list always holds.
    And(Vec<Condition>),
    /// Some part holds; an empty list never holds (`in []`).
    Or(Vec<Condition>),
    /// The part does not hold. Comparisons under an odd number of NOTs are made
    /// two-valued by the SQL stage (a NULL field or a missing to-one row makes the
    /// comparison false, so its negation true), as Django's `exclude` does.
    Not(Box<Condition>),
    /// Some row reached from the scope's row through `hops` (to-one relations, then one
    /// to-many relation last) satisfies `condition` (`EXISTS`, a semi-join: the scope's
    /// row is never repeated).
    Exists {
        /// The relations from the scope's model to the related rows' model.
        hops: Vec<RelationId>,
        /// What a related row must satisfy (an empty AND: any row).
        condition: Box<Condition>,
    },
    /// One field compared with one or more values.
    Compare(Comparison),
}

impl Condition {
    /// Calls `f` on this condition and, where `f` returns `true`, on its parts, depth
    /// first (an EXISTS's condition is its part).
    pub fn visit<'c>(&'c self, f: &mut impl FnMut(&'c Condition) -> bool) {
        if !f(self) {
            return;
        }
        match self {
            Condition::And(parts) | Condition::Or(parts) => {
                parts.iter().for_each(|p| p.visit(f));
            }
            Condition::Not(part) => part.visit(f),
            Condition::Exists { condition, .. } => condition.visit(f),
            Condition::Compare(_) => {}
        }
    }

    /// The comparisons outside every EXISTS: those that read the root's row and the
    /// to-one nodes joined to it.
    pub fn root_comparisons(&self) -> Vec<&Comparison> {
        let mut found = Vec::new();
        self.visit(&mut |c| match c {
            Condition::Exists { .. } => false,
            Condition::Compare(cmp) => {
                found.push(cmp);
                false
            }
            _ => true,
        });
        found
    }
}

/// A field of the scope's row (or of a row reached from it through to-one relations)
/// compared with values.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The condition's path as the user wrote it, for messages.
    pub path: String,
    /// To-one relations from the scope's model to the field's model.
    pub hops: Vec<RelationId>,
    /// The field compared.
    pub field: FieldId,
    /// Whether the compared value can be NULL: the field is nullable, or a relation on the
    /// way can find no record. Always `false` in ormar's compatibility scope, so a
    /// negation stays SQL's three-valued `NOT` (a NULL makes it false, as in ormar).
    pub nullable: bool,
    /// The comparison.
    pub test: Test,
}

/// What a [`Comparison`] checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `IS NULL` (`true`) or `IS NOT NULL` (`false`).
    IsNull(bool),
    /// `field <op> value` (`exact`, `ne`, `gt`, `gte`, `lt`, `lte`); case-sensitive for
    /// text on every dialect.
    Compare(CompareOp, Value),
    /// `field IN (values)`, never empty (`in []` is planned as an empty OR).
    In(Vec<Value>),
    /// `field BETWEEN low AND high`.
    Range(Value, Value),
    /// A text match: `iexact`, `contains`, `startswith`, `endswith` and their `i` forms.
    /// The text is matched literally (`%`, `_` and escape characters included); never
    /// empty for the substring forms (an empty one is planned as `IsNull(false)`).
    Text {
        /// Where the text must occur.
        op: TextOp,
        /// Whether case is folded (the `i` lookups): both sides through the dialect's
        /// `LOWER`.
        fold: bool,
        /// The text.
        text: String,
    },
    /// Matches a regular expression, in the dialect's flavour.
    Regex(String),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=`.
    Eq,
    /// `<>`.
    Ne,
    /// `>`.
    Gt,
    /// `>=`.
    Gte,
    /// `<`.
    Lt,
    /// `<=`.
    Lte,
}

/// Where a text must occur in a field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TextOp {
    /// The whole value (`iexact`).
    Equal,
    /// Anywhere.
    Contains,
    /// At the start.
    StartsWith,
    /// At the end.
    EndsWith,
}

/// The planned filter of a query, and the to-one paths its root-level comparisons read
/// (to be joined in the main statement).
pub(crate) struct Planned {
    pub(crate) condition: Option<Condition>,
    pub(crate) root_paths: Vec<Vec<RelationId>>,
}

/// Plans every `filter` and `exclude` call of a query rooted at `root`, in `compat`'s
/// scope. In ormar's, `root_paths` holds to-many paths too (joined, not as `EXISTS`).
pub(crate) fn plan_filters(
    graph: &RelationGraph,
    root: ModelId,
    filter: &[Filter],
    exclude: &[Filter],
    compat: Compat,
) -> Result<Planned, PlanError> {
    let mut calls = Vec::with_capacity(filter.len() + exclude.len());
    for (part, list) in [(QueryPart::Filter, filter), (QueryPart::Exclude, exclude)] {
        for call in list {
            let tree = resolve_tree(graph, root, part, call)?;
            let condition = match compat {
                Compat::Roots => scope(graph, &tree, 0),
                Compat::Ormar => rows(graph, &tree),
            };
            calls.push(if part == QueryPart::Exclude {
                Condition::Not(Box::new(condition))
            } else {
                condition
            });
        }
    }
    let mut root_paths: Vec<Vec<RelationId>> = Vec::new();
    for cmp in calls.iter().flat_map(Condition::root_comparisons) {
        if !cmp.hops.is_empty() && !root_paths.contains(&cmp.hops) {
            root_paths.push(cmp.hops.clone());
        }
    }
    let condition = match calls.len() {
        0 => None,
        1 => calls.pop(),
        _ => Some(Condition::And(calls)),
    };
    Ok(Planned {
        condition,
        root_paths,
    })
}

/// A call's expression with every condition resolved, before scoping.
enum Tree {
    And(Vec<Tree>),
    Or(Vec<Tree>),
    Not(Box<Tree>),
    Leaf(Leaf),
}

/// One resolved condition: the relations from the root, and what is checked at their end.
struct Leaf {
    /// Relations from the root to the compared field's model (or, for `HasRows`, to the
    /// model whose relation is checked).
    hops: Vec<RelationId>,
    check: Check,
}

enum Check {
    /// A comparison of a field of the model at the end of the hops.
    Field {
        path: String,
        field: FieldId,
        field_nullable: bool,
        test: Test,
    },
    /// `relation__isnull`: whether the rows at the end of the hops have (`true`) rows
    /// through `relation` or not.
    HasRows { relation: RelationId, some: bool },
    /// A constant: `in []` is `false`.
    Never,
}

fn resolve_tree(
    graph: &RelationGraph,
    root: ModelId,
    part: QueryPart,
    f: &Filter,
) -> Result<Tree, PlanError> {
    let list = |parts: &[Filter]| {
        parts
            .iter()
            .map(|p| resolve_tree(graph, root, part, p))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match f {
        Filter::And(parts) => Tree::And(list(parts)?),
        Filter::Or(parts) => Tree::Or(list(parts)?),
        Filter::Not(p) => Tree::Not(Box::new(resolve_tree(graph, root, part, p)?)),
        Filter::Condition { path, value } => {
            Tree::Leaf(resolve_leaf(graph, root, part, path, value)?)
        }
    })
}

fn resolve_leaf(
    graph: &RelationGraph,
    root: ModelId,
    part: QueryPart,
    text: &str,
    value: &Json,
) -> Result<Leaf, PlanError> {
    let path = ParsedPath::parse(text)
        .and_then(|p| resolve(graph, root, &p, PathKind::Filter))
        .map_err(|error| PlanError::from(PlanErrorKind::Path { part, error }))?;
    let lookup = path.lookup_or_exact();
    let bad = |expected: &str| {
        PlanError::from(PlanErrorKind::FilterValue {
            part,
            path: text.to_owned(),
            expected: expected.to_owned(),
            found: describe(value),
        })
    };
    let Some(field) = path.field() else {
        // Only `isnull` resolves to a relation without a field: a to-many relation.
        let Some((&relation, hops)) = path.hops().split_last() else {
            return Err(bad("a field path"));
        };
        let some = !value.as_bool().ok_or_else(|| bad("true or false"))?;
        return Ok(Leaf {
            hops: hops.to_vec(),
            check: Check::HasRows { relation, some },
        });
    };
    let field = graph.field(field);
    let test = match typed_test(field, lookup, value) {
        Ok(Some(test)) => test,
        Ok(None) => {
            return Ok(Leaf {
                hops: path.hops().to_vec(),
                check: Check::Never,
            });
        }
        Err(Problem::Value(expected)) => return Err(bad(&expected)),
        Err(Problem::Lookup) => {
            return Err(PlanErrorKind::LookupOnKind {
                part,
                path: text.to_owned(),
                lookup: lookup.name(),
                field: format!("{}.{}", field.model().name(), field.name()),
                kind: ValueKind::of(field.ty()),
            }
            .into());
        }
    };
    Ok(Leaf {
        hops: path.hops().to_vec(),
        check: Check::Field {
            path: text.to_owned(),
            field: field.id(),
            field_nullable: field.is_nullable(),
            test,
        },
    })
}

/// Why a value does not fit: the value is not what the lookup takes on this field (with
/// what it takes), or the lookup does not apply to the field's kind at all.
enum Problem {
    Value(String),
    Lookup,
}

/// The test of `lookup` with `value` on `field`; `None` for `in []` (matches nothing).
fn typed_test(field: Field<'_>, lookup: Lookup, value: &Json) -> Result<Option<Test>, Problem> {
    let kind = ValueKind::of(field.ty());
    let one = |v: &Json| typed(kind, v).ok_or_else(|| Problem::Value(expected(kind)));
    let text_only = || match (kind, value) {
        (ValueKind::Text, Json::String(s)) => Ok(s.clone()),
        (ValueKind::Text, _) => Err(Problem::Value(expected(kind))),
        _ => Err(Problem::Lookup),
    };
    let comparable = !matches!(kind, ValueKind::Json);
    let ordered = !matches!(kind, ValueKind::Json | ValueKind::Bool | ValueKind::Bytes);
    let op = |op| Ok(Some(Test::Compare(op, one(value)?)));
    match lookup {
        Lookup::IsNull => match value {
            Json::Bool(b) => Ok(Some(Test::IsNull(*b))),
            _ => Err(Problem::Value("true or false".to_owned())),
        },
        Lookup::Exact | Lookup::Ne if value.is_null() => {
            Ok(Some(Test::IsNull(lookup == Lookup::Exact)))
        }
        _ if !comparable => Err(Problem::Lookup),
        Lookup::Exact => op(CompareOp::Eq),
        Lookup::Ne => op(CompareOp::Ne),
        Lookup::In => {
            let Json::Array(items) = value else {
                return Err(Problem::Value(expected_list(kind)));
            };
            let values = items
                .iter()
                .map(|v| typed(kind, v).ok_or_else(|| Problem::Value(expected_list(kind))))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((!values.is_empty()).then_some(Test::In(values)))
        }
        _ if !ordered => Err(Problem::Lookup),
        Lookup::Gt => op(CompareOp::Gt),
        Lookup::Gte => op(CompareOp::Gte),
        Lookup::Lt => op(CompareOp::Lt),
        Lookup::Lte => op(CompareOp::Lte),
        Lookup::Range => {
            let pair = || Problem::Value(format!("two {} [low, high]", expected_forms(kind).1));
            match value {
                Json::Array(items) if items.len() == 2 => Ok(Some(Test::Range(
                    typed(kind, &items[0]).ok_or_else(pair)?,
                    typed(kind, &items[1]).ok_or_else(pair)?,
                ))),
                _ => Err(pair()),
            }
        }
        Lookup::Regex => Ok(Some(Test::Regex(text_only()?))),
        Lookup::IExact
        | Lookup::Contains
        | Lookup::IContains
        | Lookup::StartsWith
        | Lookup::IStartsWith
        | Lookup::EndsWith
        | Lookup::IEndsWith => {
            let text = text_only()?;
            let (op, fold) = match lookup {
                Lookup::IExact => (TextOp::Equal, true),
                Lookup::Contains => (TextOp::Contains, false),
                Lookup::IContains => (TextOp::Contains, true),
                Lookup::StartsWith => (TextOp::StartsWith, false),
                Lookup::IStartsWith => (TextOp::StartsWith, true),
                Lookup::EndsWith => (TextOp::EndsWith, false),
                _ => (TextOp::EndsWith, true),
            };
            if text.is_empty() && op != TextOp::Equal {
                // Every text contains, starts and ends with the empty text.
                return Ok(Some(Test::IsNull(false)));
            }
            Ok(Some(Test::Text { op, fold, text }))
        }
    }
}

/// What a value of `kind` is written as in a filter, for messages: one, and several.
fn expected_forms(kind: ValueKind) -> (&'static str, &'static str) {
    match kind {
        ValueKind::Bool => ("a boolean", "booleans"),
        ValueKind::Int => ("an integer", "integers"),
        ValueKind::Float => ("a number", "numbers"),
        ValueKind::Decimal => (
            "a decimal (a string like \"12.50\", or an integer)",
            "decimals (strings like \"12.50\", or integers)",
        ),
        ValueKind::Text => ("a string", "strings"),
        ValueKind::Bytes => (
            "bytes (a list of integers 0 to 255)",
            "byte strings (lists of integers 0 to 255)",
        ),
        ValueKind::Date => ("a date (a string YYYY-MM-DD)", "dates (strings YYYY-MM-DD)"),
        ValueKind::Time => (
            "a time (a string HH:MM:SS[.ffffff])",
            "times (strings HH:MM:SS[.ffffff])",
        ),
        ValueKind::DateTime => (
            "a date-time (a string YYYY-MM-DDTHH:MM:SS[.ffffff])",
            "date-times (strings YYYY-MM-DDTHH:MM:SS[.ffffff])",
        ),
        ValueKind::Uuid => (
            "a UUID (a string of 32 hex digits with 4 hyphens)",
            "UUIDs (strings of 32 hex digits with 4 hyphens)",
        ),
        ValueKind::Json => ("a JSON document", "JSON documents"),
    }
}

/// `a string` for one value of `kind`.
pub(crate) fn expected(kind: ValueKind) -> String {
    expected_forms(kind).0.to_owned()
}

/// `a list of strings` for an `in` list of `kind`.
fn expected_list(kind: ValueKind) -> String {
    format!("a list of {}", expected_forms(kind).1)
}

/// A short description of a JSON value, for messages: `the string "x"`, `the number 3`.
pub(crate) fn describe(v: &Json) -> String {
    let shown = v.to_string();
    let shown = match shown.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &shown[..cut]),
        None => shown,
    };
    match v {
        Json::Null => "null".to_owned(),
        Json::Bool(_) => format!("the boolean {shown}"),
        Json::Number(_) => format!("the number {shown}"),
        Json::String(_) => format!("the string {shown}"),
        Json::Array(_) => format!("the list {shown}"),
        Json::Object(_) => format!("the object {shown}"),
    }
}

/// `v` as a value of `kind`, if it is one (text forms checked for their shape).
pub(crate) fn typed(kind: ValueKind, v: &Json) -> Option<Value> {
    let text = || v.as_str().map(str::to_owned);
    Some(match kind {
        ValueKind::Bool => Value::Bool(v.as_bool()?),
        ValueKind::Int => Value::Int(v.as_i64()?),
        ValueKind::Float => Value::Float(v.as_f64()?),
        ValueKind::Decimal => match v {
            Json::Number(n) => Value::Decimal(n.as_i64()?.to_string()),
            _ => Value::Decimal(text().filter(|s| is_decimal(s))?),
        },
        ValueKind::Text => Value::Text(text()?),
        ValueKind::Bytes => Value::Bytes(
            v.as_array()?
                .iter()
                .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect::<Option<_>>()?,
        ),
        ValueKind::Date => Value::Date(text().filter(|s| is_date(s))?),
        ValueKind::Time => Value::Time(text().filter(|s| is_time(s))?),
        ValueKind::DateTime => Value::DateTime(text().filter(|s| {
            let (date, time) = (s.get(..10), s.get(11..));
            date.is_some_and(is_date) && s.get(10..11) == Some("T") && time.is_some_and(is_time)
        })?),
        ValueKind::Uuid => Value::Uuid(text().filter(|s| is_uuid(s))?.to_ascii_lowercase()),
        ValueKind::Json => return None,
    })
}

/// `-12.50`, `3`: an optional sign, digits, optionally `.` and digits.
fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    [whole, fraction]
        .iter()
        .all(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
}

/// `s` has the shape of `pattern`, where `9` stands for any ASCII digit.
fn shaped(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'9' => c.is_ascii_digit(),
            _ => c == p,
        })
}

fn is_date(s: &str) -> bool {
    shaped(s, "9999-99-99")
}

fn is_time(s: &str) -> bool {
    let (clock, fraction) = s.split_once('.').unwrap_or((s, "0"));
    shaped(clock, "99:99:99")
        && (1..=6).contains(&fraction.len())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// The first to-many path of a tree relative to a scope `depth` hops deep: `Some` when
/// every condition of the tree crosses the same first to-many relation (the hops up to
/// and including it), `None` when none crosses one, `Mixed` otherwise (and for a NOT that
/// crosses one: a negation is never merged with its siblings).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key<'t> {
    Local,
    Path(&'t [RelationId]),
    Mixed,
}

fn key<'t>(graph: &RelationGraph, t: &'t Tree, depth: usize) -> Key<'t> {
    match t {
        Tree::Leaf(leaf) => {
            let hops = leaf.hops.as_slice();
            match hops
                .iter()
                .enumerate()
                .skip(depth)
                .find(|(_, h)| graph.relation(**h).is_to_many())
            {
                Some((i, _)) => Key::Path(&hops[..=i]),
                None => Key::Local,
            }
        }
        Tree::And(parts) | Tree::Or(parts) => {
            let mut keys = parts.iter().map(|p| key(graph, p, depth));
            let Some(first) = keys.next() else {
                return Key::Local;
            };
            if first != Key::Mixed && keys.all(|k| k == first) {
                first
            } else {
                Key::Mixed
            }
        }
        Tree::Not(part) => match key(graph, part, depth) {
            Key::Local => Key::Local,
            _ => Key::Mixed,
        },
    }
}

/// The tree as a row-level [`Condition`] (ormar's scope): every comparison reads the
/// joined row at the end of its whole path, negations without the NULL guard.
fn rows(graph: &RelationGraph, t: &Tree) -> Condition {
    let list = |parts: &[Tree]| parts.iter().map(|p| rows(graph, p)).collect();
    match t {
        Tree::And(parts) => Condition::And(list(parts)),
        Tree::Or(parts) => Condition::Or(list(parts)),
        Tree::Not(part) => Condition::Not(Box::new(rows(graph, part))),
        Tree::Leaf(leaf) => match local(graph, leaf, 0) {
            Condition::Compare(cmp) => Condition::Compare(Comparison {
                nullable: false,
                ..cmp
            }),
            other => other,
        },
    }
}

/// The tree as a [`Condition`] in a scope `depth` hops below the root.
fn scope(graph: &RelationGraph, t: &Tree, depth: usize) -> Condition {
    if let Key::Path(path) = key(graph, t, depth) {
        return Condition::Exists {
            hops: path[depth..].to_vec(),
            condition: Box::new(scope(graph, t, path.len())),
        };
    }
    match t {
        Tree::Leaf(leaf) => local(graph, leaf, depth),
        Tree::Not(part) => Condition::Not(Box::new(scope(graph, part, depth))),
        Tree::And(parts) => Condition::And(grouped(
            graph,
            &parts.iter().collect::<Vec<_>>(),
            depth,
            Condition::And,
        )),
        Tree::Or(parts) => Condition::Or(grouped(
            graph,
            &parts.iter().collect::<Vec<_>>(),
            depth,
            Condition::Or,
        )),
    }
}

/// The parts of an AND / OR in a scope: the parts crossing the same first to-many path
/// are put together into one EXISTS (combined inside the same way, by `combine`), where
/// the path first appears; the others are scoped as they are.
fn grouped(
    graph: &RelationGraph,
    parts: &[&Tree],
    depth: usize,
    combine: fn(Vec<Condition>) -> Condition,
) -> Vec<Condition> {
    // Each entry: the to-many path its parts cross (`None`: a part on its own).
    let mut groups: Vec<(Option<&[RelationId]>, Vec<&Tree>)> = Vec::new();
    for &part in parts {
        match key(graph, part, depth) {
            Key::Path(path) => match groups.iter_mut().find(|(p, _)| *p == Some(path)) {
                Some((_, members)) => members.push(part),
                None => groups.push((Some(path), vec![part])),
            },
            Key::Local | Key::Mixed => groups.push((None, vec![part])),
        }
    }
    groups
        .into_iter()
        .map(|(path, members)| match path {
            Some(path) if members.len() > 1 => Condition::Exists {
                hops: path[depth..].to_vec(),
                condition: Box::new(combine(grouped(graph, &members, path.len(), combine))),
            },
            _ => scope(graph, members[0], depth),
        })
        .collect()
}

/// A condition that crosses no to-many relation below `depth` (an `isnull` on a to-many
/// relation at its end becomes its own EXISTS).
fn local(graph: &RelationGraph, leaf: &Leaf, depth: usize) -> Condition {
    let hops = &leaf.hops[depth.min(leaf.hops.len())..];
    match &leaf.check {
        Check::Field {
            path,
            field,
            field_nullable,
            test,
        } => Condition::Compare(Comparison {
            path: path.clone(),
            hops: hops.to_vec(),
            field: *field,
            nullable: *field_nullable || hops.iter().any(|&h| !graph.relation(h).is_required()),
            test: test.clone(),
        }),
        Check::HasRows { relation, some } => {
            let exists = Condition::Exists {
                hops: hops.iter().copied().chain([*relation]).collect(),
                condition: Box::new(Condition::And(Vec::new())),
            };
            if *some {
                exists
            } else {
                Condition::Not(Box::new(exists))
            }
        }
        Check::Never => Condition::Or(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_typed_by_their_field_and_text_forms_checked_for_shape() {
        let ok = [
            (ValueKind::Int, json!(3), Value::Int(3)),
            (ValueKind::Float, json!(3), Value::Float(3.0)),
            (
                ValueKind::Decimal,
                json!("-12.50"),
                Value::Decimal("-12.50".into()),
            ),
            (ValueKind::Decimal, json!(7), Value::Decimal("7".into())),
            (
                ValueKind::Date,
                json!("2024-05-01"),
                Value::Date("2024-05-01".into()),
            ),
            (
                ValueKind::Time,
                json!("13:45:00.25"),
                Value::Time("13:45:00.25".into()),
            ),
            (
                ValueKind::DateTime,
                json!("2024-05-01T13:45:00"),
                Value::DateTime("2024-05-01T13:45:00".into()),
            ),
            (
                ValueKind::Uuid,
                json!("67E55044-10B1-426F-9247-BB680E5FE0C8"),
                Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()),
            ),
            (
                ValueKind::Bytes,
                json!([0, 255]),
                Value::Bytes(vec![0, 255]),
            ),
            (ValueKind::Bool, json!(false), Value::Bool(false)),
        ];
        for (kind, json, value) in ok {
            assert_eq!(typed(kind, &json), Some(value), "{json}");
        }
        let bad = [
            (ValueKind::Int, json!(1.5)),
            (ValueKind::Int, json!("1")),
            (ValueKind::Decimal, json!("1e3")),
            (ValueKind::Decimal, json!("1.")),
            (ValueKind::Date, json!("2024-5-1")),
            (ValueKind::Time, json!("13:45")),
            (ValueKind::Time, json!("13:45:00.")),
            (ValueKind::DateTime, json!("2024-05-01 13:45:00")),
            (ValueKind::Uuid, json!("67e55044")),
            (ValueKind::Bytes, json!([256])),
            (ValueKind::Text, json!(null)),
            (ValueKind::Json, json!("{}")),
            (ValueKind::Date, json!("2024-05-0é")),
            (ValueKind::DateTime, json!("2024-05-0éT13:45:00")),
            (ValueKind::DateTime, json!("2024-05-01é13:45:00")),
        ];
        for (kind, json) in bad {
            assert_eq!(typed(kind, &json), None, "{json} as {}", kind.name());
        }
    }
}
