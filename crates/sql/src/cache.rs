//! [`CompileCache`]: compiled queries kept by their shape, so a query repeated with other
//! values skips planning, lowering and rendering: its statements' text is the shape's,
//! its parameters are its own values, bound where the shape's were.
//!
//! A query's shape is everything but its parameter values: the model, the paths, the
//! lookups, the fields, the ordering, the slice, the terminal, the strategy, the lengths
//! of `in` lists, and the values that decide the SQL rather than fill a placeholder
//! (`null`, booleans, a text lookup's text, which is rewritten into a pattern or folded,
//! a JSON object). The other values of a filter (`exact`, `in`, `gt`..., `range`) and a
//! related set's owner key are the shape's parameters.
//!
//! How a shape learns where its values go (Prisma 7 caches plans by shape the same way,
//! `../shared/reference/embedding-research.md`): the first query of a shape is compiled
//! as usual, then once more with every parameter value replaced by a distinct probe of
//! the same form (another integer, date, UUID...). When both compiles give the same
//! statements and each parameter either is one probe's value (typed as
//! [`Value::from_json`] types it, in both compiles) or is the same in both, the shape is
//! kept with that map; otherwise (a value the compile rewrites, a probe the schema
//! refuses) the shape is marked and always compiled in full. Either way every answer is
//! the full compile's.
//!
//! Invariants: a cached compile's statements, parameters and [`Compiled::runs`] are the
//! full compile's for the same query; its [`plan`](Compiled::plan) and statement IR are
//! the shape's first query's (shared, their filter values that query's; nothing reads
//! them after compiling; [`Statement::debug`](crate::Statement::debug) shows the
//! statement's own parameters). A value the shape's kind cannot take falls back to the
//! full compile, which reports it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use relq_graph::RelationGraph;
use relq_plan::{Filter, Lookup, OrderBy, PlanOptions, Query, Value, ValueKind};
use serde_json::Value as Json;
use smallvec::SmallVec;

use crate::compile::{Compiled, Statement, compile_with};
use crate::dialect::Dialect;
use crate::error::CompileError;

/// Compiled queries by shape, for one graph, dialect and set of plan options.
///
/// ```
/// use relq_graph::SchemaDef;
/// use relq_plan::{Filter, PlanOptions, Query, Value};
/// use relq_sql::{Ansi, CompileCache, compile};
/// let graph = SchemaDef::from_toml(include_str!("../../../schemas/school.toml"))?.build()?;
/// let mut cache = CompileCache::new(&graph, &Ansi::default(), PlanOptions::default());
/// let class = |id: i64| Query::new("SchoolClass").select_related("students").filter(Filter::new("id", id));
/// let first = cache.compile(&class(1))?; // compiled, and its shape learnt
/// let again = cache.compile(&class(2))?; // the shape's statements, bound to 2
/// assert_eq!(again.statements[0].sql, first.statements[0].sql);
/// assert_eq!(again.statements[0].params, compile(&graph, &class(2), &Ansi::default())?.statements[0].params);
/// assert_eq!(cache.shapes(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CompileCache<'g> {
    graph: &'g RelationGraph,
    dialect: Box<dyn Dialect>,
    options: PlanOptions,
    shapes: HashMap<Box<[u8]>, Shape<'g>, ahash::RandomState>,
    /// The shape key being built (kept for its room).
    key: Vec<u8>,
}

/// What is known of a shape.
enum Shape<'g> {
    /// Its first query's compile, and per statement per parameter where it comes from.
    Cached {
        template: Box<Compiled<'g>>,
        slots: Vec<Vec<Slot>>,
    },
    /// Its values change its statements: always compiled in full.
    Full,
}

/// Where a cached statement's parameter comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// The query's `n`-th parameter value, typed as `kind`.
    Site(usize, ValueKind),
    /// The template's own (a constant of the statement).
    Same,
}

/// The most shapes kept; past it the cache starts again empty.
pub const MAX_SHAPES: usize = 1024;

impl<'g> CompileCache<'g> {
    /// An empty cache compiling over `graph` for `dialect` (its facts as they are now)
    /// with `options`.
    pub fn new(graph: &'g RelationGraph, dialect: &dyn Dialect, options: PlanOptions) -> Self {
        Self {
            graph,
            dialect: dialect.with_caps(*dialect.caps()),
            options,
            shapes: HashMap::default(),
            key: Vec::new(),
        }
    }

    /// How many shapes are known (cached or compiled in full).
    pub fn shapes(&self) -> usize {
        self.shapes.len()
    }

    /// `query` compiled: from its shape when the shape is known and cacheable, else in
    /// full ([`compile_with`]), learning the shape.
    ///
    /// # Errors
    /// [`compile_with`]'s, for the query itself.
    pub fn compile(&mut self, query: &Query) -> Result<Compiled<'g>, CompileError> {
        let mut sites: SmallVec<[&Json; 8]> = SmallVec::new();
        self.key.clear();
        shape_key(query, &mut self.key, &mut sites);
        match self.shapes.get(self.key.as_slice()) {
            Some(Shape::Cached { template, slots }) => {
                if let Some(bound) = bind(template.as_ref(), slots, &sites) {
                    return Ok(bound);
                }
                return compile_with(self.graph, query, self.dialect.as_ref(), &self.options);
            }
            Some(Shape::Full) => {
                return compile_with(self.graph, query, self.dialect.as_ref(), &self.options);
            }
            None => {}
        }
        let compiled = compile_with(self.graph, query, self.dialect.as_ref(), &self.options)?;
        let shape = self.learn(query, &compiled, &sites);
        if self.shapes.len() >= MAX_SHAPES {
            self.shapes.clear();
        }
        self.shapes
            .insert(self.key.clone().into_boxed_slice(), shape);
        Ok(compiled)
    }

    /// The shape of `query`, compiled as `compiled`, whose parameter values are `sites`.
    fn learn(&self, query: &Query, compiled: &Compiled<'g>, sites: &[&Json]) -> Shape<'g> {
        let mut probed = query.clone();
        let mut k = 0;
        let mut all = true;
        visit_sites_mut(&mut probed, &mut |value| {
            match probe(k, value) {
                Some(p) => *value = p,
                None => all = false,
            }
            k += 1;
        });
        let probes: SmallVec<[Json; 8]> = {
            let mut out = SmallVec::new();
            visit_sites(&probed, &mut |v| out.push(v.clone()));
            out
        };
        if !all || probes.len() != sites.len() {
            return Shape::Full;
        }
        let Ok(other) = compile_with(self.graph, &probed, self.dialect.as_ref(), &self.options)
        else {
            return Shape::Full;
        };
        let same_statements = other.statements.len() == compiled.statements.len()
            && other.delivery == compiled.delivery
            && other
                .statements
                .iter()
                .zip(&compiled.statements)
                .all(|(a, b)| {
                    a.sql == b.sql && a.keys == b.keys && a.params.len() == b.params.len()
                });
        if !same_statements {
            return Shape::Full;
        }
        let mut slots = Vec::with_capacity(compiled.statements.len());
        for (real, probe) in compiled.statements.iter().zip(&other.statements) {
            let mut row = Vec::with_capacity(real.params.len());
            for (r, p) in real.params.iter().zip(&probe.params) {
                let Some(slot) = slot(r, p, sites, &probes) else {
                    return Shape::Full;
                };
                row.push(slot);
            }
            slots.push(row);
        }
        Shape::Cached {
            template: Box::new(compiled.clone()),
            slots,
        }
    }
}

/// Where the parameter `real` (the query's compile) / `probe` (the probes' compile)
/// comes from: the one site whose value gives it in both, or the statement itself when
/// both are the same; `None` when neither holds.
fn slot(real: &Value, probe: &Value, sites: &[&Json], probes: &[Json]) -> Option<Slot> {
    if let Some(kind) = probe.kind() {
        let mut found = probes
            .iter()
            .enumerate()
            .filter(|(_, p)| Value::from_json(kind, p).as_ref() == Some(probe));
        if let (Some((k, _)), None) = (found.next(), found.next()) {
            let again = sites.get(k).and_then(|s| Value::from_json(kind, s));
            return (again.as_ref() == Some(real)).then_some(Slot::Site(k, kind));
        }
    }
    (real == probe).then_some(Slot::Same)
}

/// The template's statements with the parameters `sites` give; `None` when a value is
/// not of its slot's kind.
fn bind<'g>(template: &Compiled<'g>, slots: &[Vec<Slot>], sites: &[&Json]) -> Option<Compiled<'g>> {
    let statements = template
        .statements
        .iter()
        .zip(slots)
        .map(|(statement, slots)| {
            let params = statement
                .params
                .iter()
                .zip(slots)
                .map(|(own, slot)| match *slot {
                    Slot::Same => Some(own.clone()),
                    Slot::Site(k, kind) => Value::from_json(kind, sites.get(k)?),
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Statement {
                select: statement.select.clone(),
                sql: statement.sql.clone(),
                params,
                keys: statement.keys,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Compiled {
        statements,
        plan: template.plan.clone(),
        delivery: template.delivery,
        caps: template.caps,
    })
}

/// Whether a condition's value on `path` decides the SQL (its lookup rewrites or folds
/// the text: the text lookups and `regex`), so it is part of the shape, not a parameter.
fn decides_sql(path: &str) -> bool {
    let last = path
        .rfind("__")
        .map_or(path, |at| path.get(at + 2..).unwrap_or(""));
    Lookup::parse(last).is_some_and(Lookup::matches_text)
}

/// Appends `text` with its length first, so no two sequences of texts write the same.
fn push_text(key: &mut Vec<u8>, text: &str) {
    key.extend_from_slice(&(text.len() as u64).to_le_bytes());
    key.extend_from_slice(text.as_bytes());
}

/// Appends the shape of `query` to `key` and its parameter values, in order, to `sites`.
fn shape_key<'q>(query: &'q Query, key: &mut Vec<u8>, sites: &mut SmallVec<[&'q Json; 8]>) {
    push_text(key, &query.model);
    for related in &query.select_related {
        key.push(b'r');
        push_text(key, &related.path);
        filters_key(&related.filter, key, sites);
        order_key(&related.order_by, key);
        related.limit.hash(&mut KeyBytes(key));
    }
    key.push(b'f');
    filters_key(&query.filter, key, sites);
    key.push(b'x');
    filters_key(&query.exclude, key, sites);
    for fields in [&query.fields, &query.exclude_fields] {
        key.extend_from_slice(&(fields.len() as u64).to_le_bytes());
        fields.iter().for_each(|f| push_text(key, f));
    }
    order_key(&query.order_by, key);
    let mut bytes = KeyBytes(key);
    (query.limit, query.offset, query.compat, query.strategy).hash(&mut bytes);
    query.page.map(|p| (p.page, p.size)).hash(&mut bytes);
    match &query.terminal {
        None => key.push(b'-'),
        // Writing JSON into a Vec cannot fail.
        Some(terminal) => {
            key.push(b't');
            let _ = serde_json::to_writer(&mut *key, terminal);
        }
    }
    if let Some(owner) = &query.owner {
        key.push(b'o');
        push_text(key, &owner.model);
        push_text(key, &owner.relation);
        value_key(&owner.pk, false, key, sites);
    }
}

/// The bytes a value's derived `Hash` writes, appended to a shape key: each type's
/// own unambiguous encoding (a discriminant, then the fields).
struct KeyBytes<'k>(&'k mut Vec<u8>);

impl Hasher for KeyBytes<'_> {
    fn finish(&self) -> u64 {
        0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

/// An ordering's part of the shape: each term's path and NULL placement.
fn order_key(order: &[OrderBy], key: &mut Vec<u8>) {
    key.extend_from_slice(&(order.len() as u64).to_le_bytes());
    for term in order {
        push_text(key, &term.path);
        term.nulls.hash(&mut KeyBytes(key));
    }
}

fn filters_key<'q>(filters: &'q [Filter], key: &mut Vec<u8>, sites: &mut SmallVec<[&'q Json; 8]>) {
    key.extend_from_slice(&(filters.len() as u64).to_le_bytes());
    for filter in filters {
        filter_key(filter, key, sites);
    }
}

fn filter_key<'q>(filter: &'q Filter, key: &mut Vec<u8>, sites: &mut SmallVec<[&'q Json; 8]>) {
    match filter {
        Filter::Condition { path, value } => {
            key.push(b'c');
            push_text(key, path);
            value_key(value, decides_sql(path), key, sites);
        }
        Filter::And(parts) => {
            key.push(b'&');
            filters_key(parts, key, sites);
        }
        Filter::Or(parts) => {
            key.push(b'|');
            filters_key(parts, key, sites);
        }
        Filter::Not(part) => {
            key.push(b'!');
            filter_key(part, key, sites);
        }
    }
}

/// A value's part of the shape: itself when it decides the SQL (`structural`, null, a
/// boolean, an object), else its form (a number, a text, a list of so many), the value
/// itself going to `sites`.
fn value_key<'q>(
    value: &'q Json,
    structural: bool,
    key: &mut Vec<u8>,
    sites: &mut SmallVec<[&'q Json; 8]>,
) {
    match value {
        Json::Number(n) if !structural => {
            key.push(if n.is_f64() { b'd' } else { b'i' });
            sites.push(value);
        }
        Json::String(_) if !structural => {
            key.push(b's');
            sites.push(value);
        }
        Json::Array(items) if !structural => {
            key.push(b'a');
            key.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for item in items {
                let nested = matches!(item, Json::Array(_));
                value_key(item, nested, key, sites);
            }
        }
        other => {
            key.push(b'=');
            let _ = serde_json::to_writer(&mut *key, other);
        }
    }
}

/// Calls `f` on every parameter value of `query`, in [`shape_key`]'s order.
fn visit_sites(query: &Query, f: &mut impl FnMut(&Json)) {
    let mut sites = SmallVec::new();
    shape_key(query, &mut Vec::new(), &mut sites);
    for site in sites {
        f(site);
    }
}

/// Calls `f` on every parameter value of `query`, in [`shape_key`]'s order, to change
/// it.
fn visit_sites_mut(query: &mut Query, f: &mut impl FnMut(&mut Json)) {
    for related in &mut query.select_related {
        related
            .filter
            .iter_mut()
            .for_each(|c| filter_sites_mut(c, f));
    }
    query.filter.iter_mut().for_each(|c| filter_sites_mut(c, f));
    query
        .exclude
        .iter_mut()
        .for_each(|c| filter_sites_mut(c, f));
    if let Some(owner) = &mut query.owner {
        value_sites_mut(&mut owner.pk, false, f);
    }
}

fn filter_sites_mut(filter: &mut Filter, f: &mut impl FnMut(&mut Json)) {
    match filter {
        Filter::Condition { path, value } => value_sites_mut(value, decides_sql(path), f),
        Filter::And(parts) | Filter::Or(parts) => {
            parts.iter_mut().for_each(|p| filter_sites_mut(p, f));
        }
        Filter::Not(part) => filter_sites_mut(part, f),
    }
}

fn value_sites_mut(value: &mut Json, structural: bool, f: &mut impl FnMut(&mut Json)) {
    match value {
        Json::Number(_) | Json::String(_) if !structural => f(value),
        Json::Array(items) if !structural => {
            for item in items {
                let nested = matches!(item, Json::Array(_));
                value_sites_mut(item, nested, f);
            }
        }
        _ => {}
    }
}

/// The `k`-th probe standing for `value`: a value of the same form (an integer for an
/// integer, a date for a date, a UUID for a UUID...) distinct from every other probe,
/// so the parameter it becomes names its site; `None` when there are too many of the
/// form to keep them distinct.
fn probe(k: usize, value: &Json) -> Option<Json> {
    match value {
        Json::Number(n) if n.is_f64() => Some(Json::from(1000.25 + k as f64)),
        Json::Number(_) => Some(Json::from(900_000_001_i64 + k as i64)),
        Json::String(s) => text_probe(k, s).map(Json::String),
        _ => None,
    }
}

/// A text of the same form as `s`: a date, a date-time, a time, a UUID, a decimal, or
/// any text.
fn text_probe(k: usize, s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let is_date = b.len() >= 10
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10);
    if is_date {
        // A leap year, so the 29th of February stays a date: 25 of them from 2000.
        let year = 2000 + 4 * u32::try_from(k).ok().filter(|&k| k < 25)?;
        return Some(format!("{year}{}", s.get(4..)?));
    }
    let is_time = b.len() >= 8
        && digits(0..2)
        && b[2] == b':'
        && digits(3..5)
        && b[5] == b':'
        && digits(6..8);
    if is_time {
        let k = u32::try_from(k).ok().filter(|&k| k < 3600)?;
        return Some(format!(
            "{}{:02}:{:02}{}",
            s.get(..3)?,
            k / 60,
            k % 60,
            s.get(8..)?
        ));
    }
    let hex = |r: std::ops::Range<usize>| {
        b.get(r)
            .is_some_and(|d| d.iter().all(u8::is_ascii_hexdigit))
    };
    let is_uuid = b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && hex(0..8)
        && hex(9..13)
        && hex(14..18)
        && hex(19..23)
        && hex(24..36);
    if is_uuid {
        return Some(format!("{}{k:012x}", s.get(..24)?));
    }
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let is_decimal = !whole.is_empty()
        && whole.bytes().all(|c| c.is_ascii_digit())
        && fraction.bytes().all(|c| c.is_ascii_digit())
        && !(unsigned.contains('.') && fraction.is_empty());
    if is_decimal {
        return Some(if fraction.is_empty() {
            format!("{}", k + 1)
        } else {
            format!("{}.{fraction}", k + 1)
        });
    }
    Some(format!("relq probe {k}"))
}
