//! The records seen so far, kept only to recognise and check them: per record a slot
//! (node, parent slot, value offset, relation states, the visitor's id), its values in a
//! compact form, and a hash table over the keys of root and to-many records.
//!
//! Values are stored as [`Stored`]: scalars inline, text and bytes copied into one
//! growing byte buffer. Storing a record allocates nothing of its own (the buffers grow
//! amortised), so the visitor's copy is the only per-value allocation of a rebuild.
//! Keys are hashed from the row's [`Value`] and compared against the stored form, so a
//! probe never builds an owned key.
//!
//! Invariant: equality is [`Value`] equality except for floats, compared by their bits
//! (a NaN key finds itself; `0.0` and `-0.0` are two keys); a stored value equals the
//! row value it was made from.

use std::hash::{Hash, Hasher};

use hashbrown::HashTable;
use relq_plan::{Cardinality, Value, ValueKind};

use crate::error::{RowErrorKind, short};
use crate::layout::{Layout, NodeLayout, column_name, node_name};
use crate::rebuild::{Link, NONE, Visitor};
use crate::row::Row;

/// The outcome of looking a record up.
pub(crate) enum Probe {
    /// It exists, in this slot.
    Found(usize),
    /// It is new; the hash to file it under (0 for a to-one node, which is not filed).
    Missing(u64),
}

/// The records seen so far.
pub(crate) struct Store<Id> {
    /// Every record's values, own fields then through fields, record after record.
    values: Vec<Stored>,
    /// The text and bytes of `values`.
    bytes: Vec<u8>,
    /// One per record, in creation order (so a parent's slot is below its children's).
    slots: Vec<Slot<Id>>,
    /// Per record, per child relation: the first and the last child's slot, or `NONE`
    /// (the relation has no record yet).
    links: Vec<usize>,
    /// Slots of root and to-many records, by (node, parent slot, primary key), each
    /// beside its key's hash: growing the table rehashes without reading the slots.
    keys: HashTable<(u64, usize)>,
    hasher: ahash::RandomState,
    /// The values a new record hands the visitor, the buffer reused from record to
    /// record (empty between them).
    given: Vec<Value>,
}

/// One record.
struct Slot<Id> {
    node: usize,
    /// The parent's slot, or `NONE` for a root.
    parent: usize,
    /// Offset of its values in `Store::values`.
    values: usize,
    /// Offset of its relation states in `Store::links`.
    links: usize,
    /// The next record of the same node under the same parent, in first-appearance
    /// order, or `NONE`.
    next: usize,
    /// The visitor's handle.
    id: Id,
}

/// A value as stored: scalars inline, text and bytes as a range of `Store::bytes`.
#[derive(Clone, Copy, Debug)]
enum Stored {
    Null,
    Bool(bool),
    Int(i64),
    /// The float's bits.
    Float(u64),
    /// Text of a kind (decimal, text, date, ...) or bytes.
    Bytes {
        kind: ValueKind,
        start: usize,
        len: usize,
    },
}

/// The text or bytes a value holds, with its kind.
#[inline]
fn contents(value: &Value) -> Option<(ValueKind, &[u8])> {
    Some(match value {
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => return None,
        Value::Bytes(b) => (ValueKind::Bytes, b.as_slice()),
        Value::Decimal(s) => (ValueKind::Decimal, s.as_bytes()),
        Value::Text(s) => (ValueKind::Text, s.as_bytes()),
        Value::Date(s) => (ValueKind::Date, s.as_bytes()),
        Value::Time(s) => (ValueKind::Time, s.as_bytes()),
        Value::DateTime(s) => (ValueKind::DateTime, s.as_bytes()),
        Value::Uuid(s) => (ValueKind::Uuid, s.as_bytes()),
        Value::Json(s) => (ValueKind::Json, s.as_bytes()),
    })
}

/// Byte equality, eight bytes at a time, the last word overlapping the one before it
/// (so no byte loop for the tail): keys and names are short, and comparing them inline
/// is cheaper than a call to `memcmp`.
#[inline(always)]
fn eq_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        // Two overlapping 4-byte words, or up to 3 bytes one by one.
        let half = |s: &[u8], at: usize| {
            s.get(at..at + 4)
                .and_then(|w| <[u8; 4]>::try_from(w).ok())
                .map_or(0, u32::from_ne_bytes)
        };
        return if n >= 4 {
            half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4)
        } else {
            a.iter().zip(b).all(|(x, y)| x == y)
        };
    }
    let word = |s: &[u8], at: usize| {
        s.get(at..at + 8)
            .and_then(|w| <[u8; 8]>::try_from(w).ok())
            .map_or(0, u64::from_ne_bytes)
    };
    let mut at = 0;
    while at + 8 < n {
        if word(a, at) != word(b, at) {
            return false;
        }
        at += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// A primary key as hashed: the variant, then its contents (floats by their bits).
struct Key<'a>(&'a Value);

impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self.0).hash(state);
        match self.0 {
            Value::Null => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(i) => i.hash(state),
            Value::Float(f) => f.to_bits().hash(state),
            other => {
                if let Some((_, bytes)) = contents(other) {
                    bytes.hash(state);
                }
            }
        }
    }
}

impl<Id: Copy> Store<Id> {
    pub(crate) fn new() -> Self {
        Self {
            values: Vec::new(),
            bytes: Vec::new(),
            slots: Vec::new(),
            links: Vec::new(),
            keys: HashTable::new(),
            hasher: ahash::RandomState::new(),
            given: Vec::new(),
        }
    }

    /// Makes room for `records` more records of about `columns` values and `children`
    /// relations each, so the buffers and the table grow without copying.
    pub(crate) fn reserve(&mut self, records: usize, columns: usize, children: usize) {
        self.slots.reserve(records);
        self.values.reserve(records.saturating_mul(columns));
        self.links.reserve(records.saturating_mul(2 * children));
        self.keys.reserve(records, |&(hash, _)| hash);
    }

    /// Forgets every record, keeping the buffers' room for the next ones.
    pub(crate) fn clear(&mut self) {
        self.values.clear();
        self.bytes.clear();
        self.slots.clear();
        self.links.clear();
        self.keys.clear();
    }

    /// How many records there are.
    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn hash(&self, node: usize, parent: usize, pk: &Value) -> u64 {
        self.hasher.hash_one((node, parent, Key(pk)))
    }

    /// The stored values of the record in `slot` (empty for no record).
    #[inline]
    fn values_of(&self, slot: usize, len: usize) -> &[Stored] {
        let start = self.slots.get(slot).map_or(usize::MAX, |s| s.values);
        self.values
            .get(start..start.saturating_add(len))
            .unwrap_or_default()
    }

    /// Whether `stored` is `value`.
    #[inline(always)]
    fn same(&self, stored: &Stored, value: &Value) -> bool {
        match (*stored, value) {
            (Stored::Null, Value::Null) => true,
            (Stored::Bool(a), &Value::Bool(b)) => a == b,
            (Stored::Int(a), &Value::Int(b)) => a == b,
            (Stored::Float(a), &Value::Float(b)) => a == b.to_bits(),
            (Stored::Bytes { kind, start, len }, value) => {
                contents(value).is_some_and(|(k, bytes)| {
                    k == kind
                        && self
                            .bytes
                            .get(start..start + len)
                            .is_some_and(|stored| eq_bytes(stored, bytes))
                })
            }
            _ => false,
        }
    }

    /// Value `k` of the record in `slot`, rendered short for a message.
    fn show(&self, slot: usize, k: usize) -> String {
        let at = self.slots.get(slot).map_or(usize::MAX, |s| s.values + k);
        let value = match self.values.get(at) {
            None | Some(Stored::Null) => Value::Null,
            Some(&Stored::Bool(b)) => Value::Bool(b),
            Some(&Stored::Int(i)) => Value::Int(i),
            Some(&Stored::Float(bits)) => Value::Float(f64::from_bits(bits)),
            Some(&Stored::Bytes { kind, start, len }) => {
                let bytes = self.bytes.get(start..start + len).unwrap_or_default();
                let text = String::from_utf8_lossy(bytes).into_owned();
                match kind {
                    ValueKind::Bytes => Value::Bytes(bytes.to_vec()),
                    ValueKind::Decimal => Value::Decimal(text),
                    ValueKind::Date => Value::Date(text),
                    ValueKind::Time => Value::Time(text),
                    ValueKind::DateTime => Value::DateTime(text),
                    ValueKind::Uuid => Value::Uuid(text),
                    ValueKind::Json => Value::Json(text),
                    _ => Value::Text(text),
                }
            }
        };
        short(&value)
    }

    /// The first record of relation `relation` of the record in `slot`, or `NONE`.
    #[inline]
    pub(crate) fn first(&self, slot: usize, relation: usize) -> usize {
        let at = self
            .slots
            .get(slot)
            .map_or(usize::MAX, |s| s.links + 2 * relation);
        self.links.get(at).copied().unwrap_or(NONE)
    }

    /// Appends the record in `child` to relation `relation` of the record in `parent`.
    fn append(&mut self, parent: usize, relation: usize, child: usize) {
        let Some(at) = self.slots.get(parent).map(|s| s.links + 2 * relation) else {
            return;
        };
        match self.links.get(at + 1).copied() {
            Some(NONE) => {
                if let Some(first) = self.links.get_mut(at) {
                    *first = child;
                }
            }
            Some(last) => {
                if let Some(last) = self.slots.get_mut(last) {
                    last.next = child;
                }
            }
            None => return,
        }
        if let Some(last) = self.links.get_mut(at + 1) {
            *last = child;
        }
    }

    /// Whether the record of `node` in `slot` has key `pk`.
    #[inline]
    pub(crate) fn has_key(&self, slot: usize, node: &NodeLayout, pk: &Value) -> bool {
        let values = self.values_of(slot, node.columns.len());
        values
            .get(node.pk_column)
            .is_some_and(|stored| self.same(stored, pk))
    }

    /// The record of node `i` under `parent` with key `pk`. Sorted rows mostly repeat
    /// `previous` (the record the node had in the previous row) or move to the record
    /// after it, or back to the parent's first one; those are tried before the table.
    pub(crate) fn find(
        &self,
        i: usize,
        node: &NodeLayout,
        parent: usize,
        pk: &Value,
        previous: usize,
    ) -> Probe {
        let is = |slot: usize| {
            self.slots
                .get(slot)
                .is_some_and(|s| s.node == i && s.parent == parent)
                && self.has_key(slot, node, pk)
        };
        let next = self.slots.get(previous).map_or(NONE, |s| s.next);
        let first = if parent == NONE {
            NONE
        } else {
            self.first(parent, node.relation)
        };
        if let Some(slot) = [previous, next, first].into_iter().find(|&s| is(s)) {
            return Probe::Found(slot);
        }
        let hash = self.hash(i, parent, pk);
        match self.keys.find(hash, |&(h, slot)| h == hash && is(slot)) {
            Some(&(_, slot)) => Probe::Found(slot),
            None => Probe::Missing(hash),
        }
    }

    /// The slot of the record of node `i` under `parent` with key `pk` that was read
    /// before, or `NONE`: a root or list record through [`find`](Self::find), a to-one
    /// record as its parent's relation.
    pub(crate) fn known(
        &self,
        i: usize,
        node: &NodeLayout,
        parent: usize,
        pk: &Value,
        previous: usize,
    ) -> usize {
        if pk.is_null() {
            return NONE;
        }
        if node.many || node.parent.is_none() {
            return match self.find(i, node, parent, pk, previous) {
                Probe::Found(slot) => slot,
                Probe::Missing(_) => NONE,
            };
        }
        let one = self.first(parent, node.relation);
        if one != NONE && self.has_key(one, node, pk) {
            one
        } else {
            NONE
        }
    }

    /// Checks a record seen again against the row (its key already matched).
    pub(crate) fn compare<R: Row + ?Sized>(
        &self,
        layout: &Layout<'_>,
        i: usize,
        row: &R,
        slot: usize,
    ) -> Result<(), RowErrorKind> {
        let Some(node) = layout.nodes.get(i) else {
            return Ok(());
        };
        let stored = self.values_of(slot, node.columns.len());
        for (k, (c, stored)) in node.columns.iter().zip(stored).enumerate() {
            if k != node.pk_column && !self.same(stored, row.value(c.position)) {
                return Err(RowErrorKind::Conflict {
                    position: c.position,
                    column: column_name(layout.plan, i, k),
                    node: node_name(layout.plan, i),
                    key: self.show(slot, node.pk_column),
                });
            }
        }
        Ok(())
    }

    /// `value` in its stored form, its text or bytes copied into `bytes`.
    fn stored(&mut self, value: &Value) -> Stored {
        match value {
            Value::Null => Stored::Null,
            Value::Bool(b) => Stored::Bool(*b),
            Value::Int(n) => Stored::Int(*n),
            Value::Float(f) => Stored::Float(f.to_bits()),
            other => match contents(other) {
                Some((kind, bytes)) => {
                    let start = self.bytes.len();
                    self.bytes.extend_from_slice(bytes);
                    Stored::Bytes {
                        kind,
                        start,
                        len: bytes.len(),
                    }
                }
                None => Stored::Null,
            },
        }
    }

    /// Files a new record of node `i` and hands it to the visitor.
    ///
    /// # Errors
    /// [`RowErrorKind::WrongKind`] for a value of another kind than its column's; nothing
    /// is filed then.
    pub(crate) fn create<V: Visitor<Id = Id>, R: Row + ?Sized>(
        &mut self,
        visitor: &mut V,
        layout: &Layout<'_>,
        i: usize,
        row: &mut R,
        parent: usize,
        hash: u64,
    ) -> Result<usize, RowErrorKind> {
        let Some(node) = layout.nodes.get(i) else {
            return Ok(NONE);
        };
        for (k, c) in node.columns.iter().enumerate() {
            match row.value(c.position).kind() {
                Some(found) if found != c.kind => {
                    return Err(RowErrorKind::WrongKind {
                        position: c.position,
                        column: column_name(layout.plan, i, k),
                        found,
                        expected: c.kind,
                    });
                }
                _ => {}
            }
        }
        let start = self.values.len();
        let mut values = std::mem::take(&mut self.given);
        for c in &node.columns {
            let value = row.take(c.position);
            let stored = self.stored(&value);
            self.values.push(stored);
            values.push(value);
        }
        let (fields, through) = values.split_at_mut(node.fields.min(node.columns.len()));
        let id = visitor.record(i, fields);
        if let Some(parent) = self.slots.get(parent) {
            let link = Link {
                node: i,
                relation: node.relation,
                cardinality: if node.many {
                    Cardinality::Many
                } else {
                    Cardinality::One
                },
                through,
            };
            visitor.attach(parent.id, id, link);
        } else if !through.is_empty() {
            visitor.root_through(id, through);
        }
        values.clear();
        self.given = values;
        let slot = self.slots.len();
        self.slots.push(Slot {
            node: i,
            parent,
            values: start,
            links: self.links.len(),
            next: NONE,
            id,
        });
        self.links
            .extend(std::iter::repeat_n(NONE, 2 * node.children.len()));
        self.append(parent, node.relation, slot);
        if node.many || node.parent.is_none() {
            self.keys
                .insert_unique(hash, (hash, slot), |&(hash, _)| hash);
        }
        Ok(slot)
    }

    /// The error for relation `i` of the record in `parent` changing from the record in
    /// slot `earlier` (or none) to one with key `here` (or none).
    pub(crate) fn changed(
        &self,
        layout: &Layout<'_>,
        i: usize,
        parent: usize,
        earlier: usize,
        here: Option<&Value>,
    ) -> RowErrorKind {
        let node = layout.nodes.get(i);
        let parent_node = node.and_then(|n| n.parent).unwrap_or(0);
        let key =
            |slot: usize, n: Option<&NodeLayout>| self.show(slot, n.map_or(0, |n| n.pk_column));
        RowErrorKind::RelationChanged {
            node: node_name(layout.plan, i),
            parent: node_name(layout.plan, parent_node),
            parent_key: key(parent, layout.nodes.get(parent_node)),
            earlier: (earlier != NONE).then(|| key(earlier, node)),
            here: here.map(short),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::eq_bytes;

    #[test]
    fn eq_bytes_agrees_with_slice_equality_at_every_short_length() {
        for n in 0..=33_usize {
            let a: Vec<u8> = (0..n).map(|k| k as u8).collect();
            assert!(eq_bytes(&a, &a.clone()), "length {n}");
            for k in 0..n {
                let mut b = a.clone();
                b[k] ^= 0x40;
                assert!(!eq_bytes(&a, &b), "length {n}, byte {k} differs");
            }
            assert!(!eq_bytes(&a, &a[..n.saturating_sub(1)]) || n == 0);
        }
    }
}
