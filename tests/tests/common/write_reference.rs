//! The reference model of the write differential test: tables as vectors of rows (by
//! model number, one value per field in definition order, in insertion order), and each
//! [`Operation`] applied to them as the rustdoc of `Operation` (and DESIGN.md
//! "Semantics → Writes") says, written plainly:
//!
//! - a batch is all or nothing: it is first checked whole (the first operation that
//!   breaks a rule the graph can tell is a compile error, and nothing runs); then the
//!   operations run in order, and the first that fails leaves every table as it was;
//! - a statement that breaks a unique key (primary keys included; rows with a NULL in the
//!   key never clash) is a unique violation; one that leaves a key pointing at no row (a
//!   new or changed reference, or a row still referencing a deleted one) is a
//!   foreign-key violation, checked after the statement's rows (unique keys first);
//! - `add` on a reverse foreign key checks that the existing children exist, sets their
//!   key to the owner, and inserts new children with the key set; on a many-to-many
//!   relation it checks the targets exist and inserts the links that do not exist yet;
//! - `remove` on a reverse foreign key checks that each child belongs to the owner, then
//!   NULLs its key (`keep_reversed`) or deletes it; on a many-to-many relation it deletes
//!   the links, existing or not; `clear` does that to all of the owner's;
//! - `add`, `create` and `set` with targets check first that the owner exists;
//! - `set` checks the targets exist, unlinks the owner's others, links the targets; on
//!   a foreign key it checks the target, then the owner, and writes the key;
//! - `get_or_create` finds the record whose fields equal the lookup (NULL: IS NULL; two
//!   is `LookupNotUnique`), else inserts lookup + defaults (defaults win);
//!   `update_or_create` also writes the defaults to a found record (whether the dialect
//!   upserts natively is not seen here: no two writers race in the test);
//! - counts: rows inserted, updated (MariaDB: changed, `Outcome::affected`) or deleted;
//!   a link that existed counts 0.
//!
//! Generated primary keys are the database's choice (PostgreSQL's sequences and
//! MariaDB's AUTO_INCREMENT move on in a batch rolled back): the reference takes the keys
//! the database reported, checking each is new in its table, and invents one where none
//! is reported (a link's key).

use relq::write::{Operation, Values};
use relq_graph::{Field, Model, RelationGraph, RelationKind};
use relq_plan::{Filter, Query, Value, ValueKind};
use serde_json::Value as Json;

use super::reference::{Fold, expected};
use super::write_checks::{compiles, field};
use super::write_ops::referenced;

/// The database a reference stands for: where the dialects differ on purpose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// SQLite: UPDATE counts matched rows.
    Sqlite,
    /// PostgreSQL: UPDATE counts matched rows.
    Postgres,
    /// MariaDB: UPDATE counts changed rows; a generated key is read back one row at a
    /// time (no RETURNING for INSERT), so such rows are one INSERT each.
    MariaDb,
}

/// Which constraint a statement broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Broken {
    Unique,
    ForeignKey,
    NotNull,
    Check,
}

/// How a batch failed: the operation's index and the kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// `compile_write` refused it (a `WriteError`).
    Compile(usize),
    /// `Missing`.
    Missing(usize),
    /// `Violation`.
    Violation(usize, Broken),
    /// `LookupNotUnique`.
    NotUnique(usize),
    /// Anything else (a driver error; for the reference, a reported key it cannot take).
    Other(usize, String),
}

/// What one operation did, as an `Outcome` says.
#[derive(Clone, Debug, PartialEq)]
pub struct Done {
    pub affected: u64,
    pub keys: Vec<Value>,
    pub created: Option<bool>,
}

/// Tables by model number.
pub type Tables = Vec<Vec<Vec<Value>>>;

type Fail = (Option<Broken>, String);

/// Runs `ops` on `tables` as one batch; `reported[i]` is the keys the database reported
/// for operation `i` (taken for the rows whose key it generated).
pub fn apply(
    graph: &RelationGraph,
    tables: &mut Tables,
    ops: &[Operation],
    flavor: Flavor,
    reported: &[Vec<Value>],
) -> Result<Vec<Done>, Failure> {
    if let Some(i) = ops.iter().position(|op| !compiles(graph, op)) {
        return Err(Failure::Compile(i));
    }
    let mut work = Work {
        g: graph,
        tables: tables.clone(),
        flavor,
        reported: Vec::new(),
    };
    let mut done = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        work.reported = reported.get(i).cloned().unwrap_or_default();
        work.reported.reverse();
        match work.run(op) {
            Ok(d) => done.push(d),
            Err(Step::Missing) => return Err(Failure::Missing(i)),
            Err(Step::NotUnique) => return Err(Failure::NotUnique(i)),
            Err(Step::Broke(b)) => return Err(Failure::Violation(i, b)),
            Err(Step::Other(m)) => return Err(Failure::Other(i, m)),
        }
    }
    *tables = work.tables;
    Ok(done)
}

enum Step {
    Missing,
    NotUnique,
    Broke(Broken),
    Other(String),
}

impl From<Fail> for Step {
    fn from((b, m): Fail) -> Self {
        b.map_or(Step::Other(m), Step::Broke)
    }
}

// ---- running ----

struct Work<'g> {
    g: &'g RelationGraph,
    tables: Tables,
    flavor: Flavor,
    /// The keys the database reported for the running operation, last first.
    reported: Vec<Value>,
}

fn pos(m: Model<'_>, f: Field<'_>) -> usize {
    m.fields()
        .position(|g| g.id() == f.id())
        .expect("a field of the model")
}

fn pk_pos(m: Model<'_>) -> usize {
    pos(m, m.primary_key())
}

/// A JSON value as the field's value.
fn value(f: Field<'_>, json: &Json) -> Value {
    if json.is_null() {
        return Value::Null;
    }
    Value::from_json(ValueKind::of(f.ty()), json).expect("a value of the field's kind")
}

fn target_key(m: Model<'_>, t: &Json) -> Value {
    match t {
        Json::Object(o) => value(m.primary_key(), &o[m.primary_key().name()]),
        k => value(m.primary_key(), k),
    }
}

/// Keys without repeats, first kept.
fn distinct(keys: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for k in keys {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

impl<'g> Work<'g> {
    fn model(&self, name: &str) -> Model<'g> {
        self.g.model_by_name(name).expect("a model")
    }

    fn rows(&self, m: Model<'_>) -> &Vec<Vec<Value>> {
        &self.tables[m.id().index()]
    }

    fn find(&self, m: Model<'_>, key: &Value) -> Option<usize> {
        let at = pk_pos(m);
        self.rows(m).iter().position(|r| &r[at] == key)
    }

    /// A new row of `m`: the values given, the `fixed` ones, NULL for the rest (the
    /// primary key NULL when generated).
    fn record(&self, m: Model<'_>, values: &Values, fixed: &[(Field<'_>, Value)]) -> Vec<Value> {
        let mut row = vec![Value::Null; m.fields().len()];
        for (name, v) in values {
            let f = field(m, name).expect("a checked field");
            row[pos(m, f)] = value(f, v);
        }
        for (f, v) in fixed {
            row[pos(m, *f)] = v.clone();
        }
        row
    }

    /// The rows of `m` the filters keep (the read path's reference evaluator).
    fn kept(&self, m: Model<'_>, filter: &[Filter], exclude: &[Filter]) -> Vec<usize> {
        if filter.is_empty() && exclude.is_empty() {
            return (0..self.rows(m).len()).collect();
        }
        let mut query = Query::new(m.name());
        query.filter = filter.to_vec();
        query.exclude = exclude.to_vec();
        let records = expected(self.g, &self.tables, &query, Fold::Unicode);
        let pk = m.primary_key();
        records
            .as_array()
            .expect("records")
            .iter()
            .map(|r| {
                let key = value(pk, &r[pk.name()]);
                self.find(m, &key).expect("a kept row")
            })
            .collect()
    }

    /// A key of `m` no row has: the one the database reported, or one past the largest.
    fn new_key(&mut self, m: Model<'_>, reported: Option<Value>) -> Result<Value, Fail> {
        let at = pk_pos(m);
        let key = match reported {
            Some(k) => k,
            None => {
                let max = self.rows(m).iter().filter_map(|r| match r[at] {
                    Value::Int(i) => Some(i),
                    _ => None,
                });
                Value::Int(max.max().unwrap_or(0) + 1)
            }
        };
        if self.find(m, &key).is_some() {
            return Err((
                None,
                format!(
                    "the database reported key {key:?} of {}, which exists",
                    m.name()
                ),
            ));
        }
        Ok(key)
    }

    /// Whether `a` and `b` clash on a unique key of `m` (the primary key included).
    fn clash(m: Model<'_>, a: &[Value], b: &[Value]) -> bool {
        let mut keys: Vec<Vec<usize>> = vec![vec![pk_pos(m)]];
        keys.extend(
            m.unique_keys()
                .map(|k| k.fields().map(|f| pos(m, f)).collect()),
        );
        keys.iter()
            .any(|k| k.iter().all(|&i| !a[i].is_null() && a[i] == b[i]))
    }

    /// A row whose references do not all exist.
    fn dangling(&self, m: Model<'_>, row: &[Value]) -> bool {
        m.fields().enumerate().any(|(i, f)| match referenced(f) {
            Some(t) if !row[i].is_null() => self.find(self.g.model(t), &row[i]).is_none(),
            _ => false,
        })
    }

    /// One `INSERT` of `rows` (a NULL primary key generated); with `skip`, a row whose
    /// values at those positions exist is left out. The keys inserted, in order.
    fn insert(
        &mut self,
        m: Model<'_>,
        rows: Vec<Vec<Value>>,
        skip: Option<&[usize]>,
    ) -> Result<Vec<Value>, Fail> {
        let at = pk_pos(m);
        let first = self.rows(m).len();
        let mut keys = Vec::new();
        let mut unique = false;
        for mut row in rows {
            if let Some(pair) = skip
                && self
                    .rows(m)
                    .iter()
                    .any(|r| pair.iter().all(|&i| r[i] == row[i]))
            {
                continue;
            }
            // Reported keys are every inserted row's, given or generated.
            let reported = self.reported.pop();
            if row[at].is_null() {
                row[at] = self.new_key(m, reported)?;
            }
            unique |= self.rows(m).iter().any(|r| Self::clash(m, r, &row));
            keys.push(row[at].clone());
            self.tables[m.id().index()].push(row.clone());
            if self.flavor == Flavor::MariaDb {
                // The row is in when its keys are checked: it may reference itself.
                let mine = self.rows(m).len() - 1;
                self.row_checks(m, &row, Some(mine))?;
            }
        }
        self.statement_checks(m, unique, first..self.rows(m).len())?;
        Ok(keys)
    }

    /// InnoDB's checks of one row as it is written, index by index: the primary key;
    /// then each unique key in declaration order, after the foreign key of its first
    /// field if it has one (InnoDB checks a foreign key at the index that starts with
    /// its column); then the other foreign keys. Against the rows as they are so far:
    /// the first row that breaks one fails the statement, a later row's is not reached.
    fn row_checks(
        &self,
        m: Model<'_>,
        row: &[Value],
        other_than: Option<usize>,
    ) -> Result<(), Fail> {
        let clash = |key: &[usize]| {
            self.rows(m).iter().enumerate().any(|(j, r)| {
                Some(j) != other_than && key.iter().all(|&i| !row[i].is_null() && r[i] == row[i])
            })
        };
        let dangling = |i: usize| {
            let f = m.fields().nth(i).expect("a field");
            referenced(f)
                .is_some_and(|t| !row[i].is_null() && self.find(self.g.model(t), &row[i]).is_none())
        };
        let unique = || (Some(Broken::Unique), format!("a key of {}", m.name()));
        let foreign = || (Some(Broken::ForeignKey), format!("a row of {}", m.name()));
        if clash(&[pk_pos(m)]) {
            return Err(unique());
        }
        for key in m.unique_keys() {
            let key: Vec<usize> = key.fields().map(|f| pos(m, f)).collect();
            if dangling(key[0]) {
                return Err(foreign());
            }
            if clash(&key) {
                return Err(unique());
            }
        }
        if (0..row.len()).any(dangling) {
            return Err(foreign());
        }
        Ok(())
    }

    /// SQLite's and PostgreSQL's checks of a statement: unique keys as each row is
    /// written, foreign keys of the rows `written` once the statement's rows are in.
    fn statement_checks(
        &self,
        m: Model<'_>,
        unique: bool,
        written: impl IntoIterator<Item = usize>,
    ) -> Result<(), Fail> {
        if unique {
            return Err((Some(Broken::Unique), format!("unique key of {}", m.name())));
        }
        let rows = self.rows(m);
        if written.into_iter().any(|i| self.dangling(m, &rows[i])) {
            return Err((Some(Broken::ForeignKey), format!("a row of {}", m.name())));
        }
        Ok(())
    }

    /// `at` in primary-key order: the order InnoDB writes the rows a statement picks.
    fn in_key_order(&self, m: Model<'_>, at: &[usize]) -> Vec<usize> {
        let pk = pk_pos(m);
        let mut at = at.to_vec();
        at.sort_by_key(|&i| match self.rows(m)[i][pk] {
            Value::Int(k) => k,
            _ => i64::MIN,
        });
        at
    }

    /// Consecutive rows that give their primary key, or do not, share an `INSERT`
    /// (one a row where the dialect reads a generated key back by last-insert-id).
    fn insert_all(&mut self, m: Model<'_>, rows: Vec<Vec<Value>>) -> Result<Vec<Value>, Fail> {
        let at = pk_pos(m);
        let mut keys = Vec::new();
        let mut group: Vec<Vec<Value>> = Vec::new();
        for row in rows {
            let one_by_one = self.flavor == Flavor::MariaDb && row[at].is_null();
            if group
                .first()
                .is_some_and(|g| g[at].is_null() != row[at].is_null() || one_by_one)
            {
                keys.extend(self.insert(m, std::mem::take(&mut group), None)?);
            }
            group.push(row);
        }
        if !group.is_empty() {
            keys.extend(self.insert(m, group, None)?);
        }
        Ok(keys)
    }

    /// One `UPDATE` of the rows at `at`: the count (matched, or changed on MariaDB).
    fn update(&mut self, m: Model<'_>, at: &[usize], sets: &[(usize, Value)]) -> Result<u64, Fail> {
        let mut changed = 0;
        let mut unique = false;
        for i in self.in_key_order(m, at) {
            let row = &mut self.tables[m.id().index()][i];
            let before = row.clone();
            for (f, v) in sets {
                row[*f] = v.clone();
            }
            changed += u64::from(*row != before);
            let row = row.clone();
            if self.flavor == Flavor::MariaDb {
                self.row_checks(m, &row, Some(i))?;
            }
            unique |= self
                .rows(m)
                .iter()
                .enumerate()
                .any(|(j, r)| j != i && Self::clash(m, r, &row));
        }
        self.statement_checks(m, unique, at.iter().copied())?;
        Ok(match self.flavor {
            Flavor::MariaDb => changed,
            _ => at.len() as u64,
        })
    }

    /// One `DELETE` of the rows at `at`: a row still referencing one of them is a
    /// foreign-key violation: any row once the statement's rows are gone (SQLite,
    /// PostgreSQL); any row, the row itself included, as each row is deleted in key
    /// order (InnoDB: a row referencing itself cannot be deleted, nor a parent before
    /// its child in one statement).
    fn delete(&mut self, m: Model<'_>, at: &[usize]) -> Result<u64, Fail> {
        let pk = pk_pos(m);
        let order = self.in_key_order(m, at);
        let keys: Vec<Value> = order.iter().map(|&i| self.rows(m)[i][pk].clone()).collect();
        let referenced_now = |w: &Self| {
            w.g.models()
                .any(|other| w.rows(other).iter().any(|r| w.dangling(other, r)))
        };
        for key in keys {
            // InnoDB looks for rows referencing the key before it deletes the row, so a
            // row referencing itself is one of them.
            let points_here = |w: &Self| {
                w.g.models().any(|other| {
                    other.fields().enumerate().any(|(i, f)| {
                        referenced(f) == Some(m.id()) && w.rows(other).iter().any(|r| r[i] == key)
                    })
                })
            };
            if self.flavor == Flavor::MariaDb && points_here(self) {
                return Err((
                    Some(Broken::ForeignKey),
                    format!("delete from {}", m.name()),
                ));
            }
            let i = self.find(m, &key).expect("a row to delete");
            self.tables[m.id().index()].remove(i);
        }
        if referenced_now(self) {
            return Err((
                Some(Broken::ForeignKey),
                format!("delete from {}", m.name()),
            ));
        }
        Ok(at.len() as u64)
    }

    fn run(&mut self, op: &Operation) -> Result<Done, Step> {
        let m = self.model(op.model());
        let done = |affected, keys| Done {
            affected,
            keys,
            created: None,
        };
        match op {
            Operation::Insert { rows, .. } => {
                let rows = rows.iter().map(|r| self.record(m, r, &[])).collect();
                let keys = self.insert_all(m, rows)?;
                Ok(done(keys.len() as u64, keys))
            }
            Operation::Update {
                filter,
                exclude,
                values,
                ..
            } => {
                if values.is_empty() {
                    return Ok(done(0, Vec::new()));
                }
                let sets: Vec<(usize, Value)> = values
                    .iter()
                    .map(|(n, v)| {
                        let f = field(m, n).expect("a field");
                        (pos(m, f), value(f, v))
                    })
                    .collect();
                let at = self.kept(m, filter, exclude);
                Ok(done(self.update(m, &at, &sets)?, Vec::new()))
            }
            Operation::Delete {
                filter, exclude, ..
            } => {
                let at = self.kept(m, filter, exclude);
                Ok(done(self.delete(m, &at)?, Vec::new()))
            }
            Operation::GetOrCreate {
                lookup, defaults, ..
            } => self.get_or_create(m, lookup, defaults, false),
            Operation::UpdateOrCreate {
                lookup, defaults, ..
            } => self.get_or_create(m, lookup, defaults, true),
            _ => self.relation(m, op),
        }
    }

    fn relation(&mut self, m: Model<'g>, op: &Operation) -> Result<Done, Step> {
        let (pk, name) = match op {
            Operation::Add { pk, relation, .. }
            | Operation::Remove { pk, relation, .. }
            | Operation::Clear { pk, relation, .. }
            | Operation::Create { pk, relation, .. }
            | Operation::Set { pk, relation, .. } => (pk, relation),
            _ => unreachable!("a relation operation"),
        };
        let r = m.relation(name).expect("a checked relation");
        let owner = value(m.primary_key(), pk);
        let t = r.target();
        let keys_of =
            |targets: &[Json]| distinct(targets.iter().map(|x| target_key(t, x)).collect());
        let mut affected = 0;
        let mut new_keys = Vec::new();
        if r.kind() == RelationKind::ForeignKey {
            let Operation::Set {
                target: Some(target),
                ..
            } = op
            else {
                unreachable!("set on a foreign key")
            };
            let fk = r.foreign_key_field().expect("a key");
            let key = if target.is_null() {
                Value::Null
            } else {
                let key = target_key(t, target);
                self.find(t, &key).ok_or(Step::Missing)?;
                key
            };
            let at = self.find(m, &owner).ok_or(Step::Missing)?;
            affected += self.update(m, &[at], &[(pos(m, fk), key)])?;
            return Ok(Done {
                affected,
                keys: new_keys,
                created: None,
            });
        }
        // `add`, `create` and `set` with targets check the owner first when they have
        // something to write: a missing owner is `Missing`, before anything changes.
        let writes = match op {
            Operation::Add { targets, .. } => !targets.is_empty(),
            Operation::Create { .. } => true,
            Operation::Set {
                targets: Some(targets),
                ..
            } => !targets.is_empty(),
            _ => false,
        };
        if writes {
            self.find(m, &owner).ok_or(Step::Missing)?;
        }
        if r.kind() == RelationKind::ReverseForeignKey {
            let fk = pos(t, r.foreign_key_field().expect("a key"));
            let mine = |w: &Self| -> Vec<usize> {
                (0..w.rows(t).len())
                    .filter(|&i| w.rows(t)[i][fk] == owner)
                    .collect()
            };
            let require = |w: &Self, keys: &[Value], of_owner: bool| -> Result<Vec<usize>, Step> {
                keys.iter()
                    .map(|k| {
                        w.find(t, k)
                            .filter(|&i| !of_owner || w.rows(t)[i][fk] == owner)
                            .ok_or(Step::Missing)
                    })
                    .collect()
            };
            let unlink = |w: &mut Self, at: &[usize], keep: bool| -> Result<u64, Fail> {
                if keep {
                    w.update(t, at, &[(fk, Value::Null)])
                } else {
                    w.delete(t, at)
                }
            };
            match op {
                Operation::Add { targets, .. } => {
                    let existing: Vec<Json> =
                        targets.iter().filter(|x| !x.is_object()).cloned().collect();
                    let at = require(self, &keys_of(&existing), false)?;
                    if !at.is_empty() {
                        affected += self.update(t, &at, &[(fk, owner.clone())])?;
                    }
                    let fixed = [(r.foreign_key_field().expect("a key"), owner.clone())];
                    let rows: Vec<Vec<Value>> = targets
                        .iter()
                        .filter_map(Json::as_object)
                        .map(|o| self.record(t, o, &fixed))
                        .collect();
                    new_keys = self.insert_all(t, rows)?;
                    affected += new_keys.len() as u64;
                }
                Operation::Remove {
                    targets,
                    keep_reversed,
                    ..
                } => {
                    let at = require(self, &keys_of(targets), true)?;
                    if !at.is_empty() {
                        affected += unlink(self, &at, *keep_reversed)?;
                    }
                }
                Operation::Clear { keep_reversed, .. } => {
                    let at = mine(self);
                    affected += unlink(self, &at, *keep_reversed)?;
                }
                Operation::Create { values, .. } => {
                    let fixed = [(r.foreign_key_field().expect("a key"), owner.clone())];
                    let row = self.record(t, values, &fixed);
                    new_keys = self.insert_all(t, vec![row])?;
                    affected += 1;
                }
                Operation::Set {
                    targets: Some(targets),
                    keep_reversed,
                    ..
                } => {
                    let keys = keys_of(targets);
                    let at = require(self, &keys, false)?;
                    let others: Vec<usize> =
                        mine(self).into_iter().filter(|i| !at.contains(i)).collect();
                    affected += unlink(self, &others, *keep_reversed)?;
                    // The rows moved when others were deleted: found again by key.
                    let at = require(self, &keys, false)?;
                    if !at.is_empty() {
                        affected += self.update(t, &at, &[(fk, owner.clone())])?;
                    }
                }
                _ => unreachable!("a to-many operation"),
            }
            return Ok(Done {
                affected,
                keys: new_keys,
                created: None,
            });
        }
        // Many-to-many: the through model's rows.
        let through = r.through().expect("a through model");
        let tm = self.g.model(through.model);
        let (src, dst) = (
            pos(tm, self.g.field(through.source_field)),
            pos(tm, self.g.field(through.target_field)),
        );
        let links = |w: &Self, owner: &Value| -> Vec<usize> {
            (0..w.rows(tm).len())
                .filter(|&i| &w.rows(tm)[i][src] == owner)
                .collect()
        };
        let link_rows = |w: &Self, keys: &[Value], values: &Values| -> Vec<Vec<Value>> {
            keys.iter()
                .map(|k| {
                    let mut row = w.record(tm, values, &[]);
                    row[src] = owner.clone();
                    row[dst] = k.clone();
                    row
                })
                .collect()
        };
        let require = |w: &Self, keys: &[Value]| -> Result<(), Step> {
            match keys.iter().all(|k| w.find(t, k).is_some()) {
                true => Ok(()),
                false => Err(Step::Missing),
            }
        };
        match op {
            Operation::Add {
                targets, through, ..
            } => {
                let keys = keys_of(targets);
                if !keys.is_empty() {
                    require(self, &keys)?;
                    let rows = link_rows(self, &keys, through);
                    affected += self.insert(tm, rows, Some(&[src, dst]))?.len() as u64;
                }
            }
            Operation::Remove { targets, .. } => {
                let keys = keys_of(targets);
                if !keys.is_empty() {
                    let at: Vec<usize> = links(self, &owner)
                        .into_iter()
                        .filter(|&i| keys.contains(&self.rows(tm)[i][dst]))
                        .collect();
                    affected += self.delete(tm, &at)?;
                }
            }
            Operation::Clear { .. } => {
                let at = links(self, &owner);
                affected += self.delete(tm, &at)?;
            }
            Operation::Create {
                values, through, ..
            } => {
                let row = self.record(t, values, &[]);
                new_keys = self.insert(t, vec![row], None)?;
                let rows = link_rows(self, &new_keys, through);
                self.insert(tm, rows, None)?;
                affected += 2;
            }
            Operation::Set {
                targets: Some(targets),
                through,
                ..
            } => {
                let keys = keys_of(targets);
                require(self, &keys)?;
                let at: Vec<usize> = links(self, &owner)
                    .into_iter()
                    .filter(|&i| !keys.contains(&self.rows(tm)[i][dst]))
                    .collect();
                affected += self.delete(tm, &at)?;
                if !keys.is_empty() {
                    let rows = link_rows(self, &keys, through);
                    affected += self.insert(tm, rows, Some(&[src, dst]))?.len() as u64;
                }
            }
            _ => unreachable!("a to-many operation"),
        }
        Ok(Done {
            affected,
            keys: new_keys,
            created: None,
        })
    }

    fn get_or_create(
        &mut self,
        m: Model<'g>,
        lookup: &Values,
        defaults: &Values,
        update: bool,
    ) -> Result<Done, Step> {
        let by: Vec<(usize, Value)> = lookup
            .iter()
            .map(|(n, v)| {
                let f = field(m, n).expect("a field");
                (pos(m, f), value(f, v))
            })
            .collect();
        let sets: Vec<(usize, Value)> = defaults
            .iter()
            .map(|(n, v)| {
                let f = field(m, n).expect("a field");
                (pos(m, f), value(f, v))
            })
            .collect();
        let mut all = lookup.clone();
        all.extend(defaults.iter().map(|(k, v)| (k.clone(), v.clone())));
        let record = self.record(m, &all, &[]);
        let matching = |w: &Self| -> Vec<usize> {
            (0..w.rows(m).len())
                .filter(|&i| by.iter().all(|(f, v)| w.rows(m)[i][*f] == *v))
                .collect()
        };
        let found = |keys: Vec<Value>, affected| Done {
            affected,
            keys,
            created: Some(false),
        };
        let at = pk_pos(m);
        let rows = matching(self);
        match rows.as_slice() {
            [] => {
                let keys = self.insert(m, vec![record], None)?;
                Ok(Done {
                    affected: 1,
                    keys,
                    created: Some(true),
                })
            }
            [i] => {
                let key = self.rows(m)[*i][at].clone();
                let mut affected = 0;
                if update && !sets.is_empty() {
                    affected = self.update(m, &[*i], &sets)?;
                }
                Ok(found(vec![key], affected))
            }
            _ => Err(Step::NotUnique),
        }
    }
}
