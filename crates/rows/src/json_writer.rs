//! [`JsonWriter`]: a [`Visitor`] that writes the rebuilt records as JSON text while the
//! rows are read, with no [`Record`](crate::Record) tree and no `serde_json::Value` in
//! between: the bytes serde_json prints for [`to_json`](crate::to_json)'s array, pretty
//! ([`JsonLayout::Pretty`]) or one line per root ([`JsonLayout::Lines`]).
//!
//! The roots not yet written live in an arena of its own: their values (taken from the
//! rows, not copied), per record its node, the ranges of its fields and through values,
//! and per relation its first and last child, children chained in arrival order. At
//! [`Visitor::roots_complete`] the held roots are written and the arena cleared, its
//! buffers kept, so a streaming reader holds one root's subtree at a time and
//! allocates nothing more once the largest root has been seen.
//!
//! Shape and values are json.rs's (its module docs; [`value_to_json`](crate::value_to_json)).
//! Keys are escaped once per plan into ready byte strings (`"name": ` or `"name":`);
//! numbers and strings are written by serde_json's own serializer straight into the
//! writer (no allocation; strings escaped run by run), so every byte is serde_json's:
//! its escaping (`"`, `\`, control characters; nothing else), its shortest float
//! digits, and for [`JsonLayout::Pretty`] the layout of its `PrettyFormatter` (two
//! spaces a level, `"key": value`, `[]` and `{}` when empty). A JSON value is parsed
//! and written back by serde_json, indented to its place. Floats go through serde_json
//! too, not through a float-printing crate of our own: serde_json picks its own (it used
//! `ryu`; the 1.0.154 in Cargo.lock uses `zmij`), and this way its digits stay ours.
//!
//! Invariants: the output is exactly `serde_json::to_string_pretty(&to_json(..)?)` and a
//! newline ([`JsonLayout::Pretty`]), or one compact document and a newline per root
//! ([`JsonLayout::Lines`]), roots in arrival order; after the first io error nothing
//! more is written and [`Visitor::finish`] returns that error; nothing here panics; the
//! walk follows the checked plan, so it recurses at most `MAX_SEGMENTS` deep.

use std::io::{self, Write};
use std::ops::ControlFlow;

use relq_plan::{ExtractionPlan, Value};
use serde_json::Value as Json;

use crate::error::RowError;
use crate::layout::Layout;
use crate::rebuild::{Link, NONE, Visitor};

/// How [`JsonWriter`] lays the roots out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonLayout {
    /// One pretty-printed array of every root, then a newline: the bytes of
    /// `serde_json::to_string_pretty` over [`to_json`](crate::to_json)'s array, `[]`
    /// when there are no roots (the CLI's `json` format).
    Pretty,
    /// One compact document per root, each followed by a newline, nothing when there
    /// are no roots: JSON Lines, each line what serde_json's `Display` prints (the CLI's
    /// `ndjson` format).
    Lines,
}

/// A [`Visitor`] that writes the records of a plan as JSON text into `W` (give it a
/// buffered writer: it writes in small pieces); the module docs give the bytes.
///
/// Its output ([`Visitor::finish`], through [`Rebuilder::finish`](crate::Rebuilder::finish))
/// is the writer, flushed, or the first io error. A closed output makes
/// [`Rebuilder::complete_roots`](crate::Rebuilder::complete_roots) return `Break`, so a
/// reader stops early.
///
/// ```
/// # use relq_plan::{Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, Value, ValueKind};
/// # let column = |field: &str, position, kind| ExtractionColumn { field: field.into(), position, kind };
/// # let plan = ExtractionPlan { width: 3, statements: vec![], nodes: vec![
/// #     ExtractionNode { path: "".into(), model: "Author".into(), relation: None, parent: None,
/// #         cardinality: Cardinality::Root, pk: 0, through: None,
/// #         columns: vec![column("id", 0, ValueKind::Int), column("name", 1, ValueKind::Text)] },
/// #     ExtractionNode { path: "posts".into(), model: "Post".into(), relation: Some("posts".into()),
/// #         parent: Some(0), cardinality: Cardinality::Many, pk: 2, through: None,
/// #         columns: vec![column("id", 2, ValueKind::Int)] }] };
/// use relq_rows::{JsonLayout, JsonWriter, Rebuilder};
/// let writer = JsonWriter::new(&plan, JsonLayout::Lines, Vec::new())?;
/// let mut rebuilder = Rebuilder::with_visitor(&plan, writer)?;
/// let t = |s: &str| Value::Text(s.into());
/// rebuilder.push(&mut vec![Value::Int(1), t("Ann"), Value::Int(10)])?;
/// rebuilder.push(&mut vec![Value::Int(1), t("Ann"), Value::Int(11)])?;
/// rebuilder.complete_roots()?; // Ann's rows are over: her line is written now
/// rebuilder.push(&mut vec![Value::Int(2), t("Bo \"B\""), Value::Null])?;
/// let text = rebuilder.finish()?.expect("a Vec takes every byte");
/// assert_eq!(
///     String::from_utf8(text).expect("JSON is UTF-8"),
///     "{\"id\":1,\"name\":\"Ann\",\"posts\":[{\"id\":10},{\"id\":11}]}\n\
///      {\"id\":2,\"name\":\"Bo \\\"B\\\"\",\"posts\":[]}\n",
/// );
/// # Ok::<(), relq_rows::RowError>(())
/// ```
pub struct JsonWriter<W: Write> {
    out: W,
    pretty: bool,
    /// Every key's bytes, escaped and followed by its colon; [`Key`]s are ranges of it.
    keys: Vec<u8>,
    /// Per plan node, what its objects hold.
    nodes: Vec<NodeKeys>,
    /// The records not yet written.
    arena: Arena,
    /// Roots written so far.
    written: usize,
    /// The first io error; nothing is written after it.
    error: Option<io::Error>,
}

/// A key's bytes: a range of `JsonWriter::keys`.
#[derive(Clone, Copy, Debug)]
struct Key {
    start: usize,
    end: usize,
}

/// One plan node's keys, in object order.
#[derive(Debug)]
struct NodeKeys {
    /// Its own fields, in column order.
    fields: Vec<Key>,
    /// The through model's name and its fields, for a node with a through model.
    through: Option<(Key, Vec<Key>)>,
    /// Per relation (child node, in plan order): its name, and whether it is a list.
    relations: Vec<(Key, bool)>,
}

/// The held records: roots not yet written and everything under them.
#[derive(Debug, Default)]
struct Arena {
    /// Every held record's values, taken from the rows.
    values: Vec<Value>,
    records: Vec<Held>,
    /// Per record, per relation of its node: the first and the last child, or `NONE`.
    lists: Vec<[usize; 2]>,
    /// The roots, in arrival order.
    roots: Vec<usize>,
}

/// One held record (its id is its index in `Arena::records`).
#[derive(Debug)]
struct Held {
    node: usize,
    /// Its own fields: a range of `Arena::values`.
    fields: [usize; 2],
    /// Its through values: a range of `Arena::values` (empty when it has none).
    through: [usize; 2],
    /// Offset of its relations in `Arena::lists`.
    lists: usize,
    /// The next child of the same parent and relation, or `NONE`.
    next: usize,
}

impl<W: Write> JsonWriter<W> {
    /// A writer of `plan`'s records into `out`, laid out as `layout` says. Writes
    /// nothing yet.
    ///
    /// # Errors
    /// [`RowErrorKind::InvalidPlan`](crate::RowErrorKind::InvalidPlan) for a plan that
    /// breaks a rule (as [`Rebuilder::new`](crate::Rebuilder::new)).
    pub fn new(plan: &ExtractionPlan, layout: JsonLayout, out: W) -> Result<Self, RowError> {
        let laid = Layout::new(plan)?;
        let pretty = layout == JsonLayout::Pretty;
        let mut keys = Vec::new();
        let mut key = |name: &str| {
            let start = keys.len();
            // Writing into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut keys, name);
            keys.extend_from_slice(if pretty { b": " } else { b":" });
            Key {
                start,
                end: keys.len(),
            }
        };
        let mut nodes = Vec::with_capacity(plan.nodes.len());
        for (node, n) in plan.nodes.iter().zip(&laid.nodes) {
            let fields = node.columns.iter().map(|c| key(&c.field)).collect();
            let through = node.through.as_ref().map(|t| {
                let model = key(&t.model);
                (model, t.columns.iter().map(|c| key(&c.field)).collect())
            });
            let relations = n
                .children
                .iter()
                .map(|&c| {
                    let child = plan.nodes.get(c).and_then(|c| c.relation.as_deref());
                    let many = laid.nodes.get(c).is_some_and(|c| c.many);
                    (key(child.unwrap_or_default()), many)
                })
                .collect();
            nodes.push(NodeKeys {
                fields,
                through,
                relations,
            });
        }
        Ok(Self {
            out,
            pretty,
            keys,
            nodes,
            arena: Arena::default(),
            written: 0,
            error: None,
        })
    }

    /// Writes the held roots in arrival order (not clearing them).
    fn write_held(&mut self) -> io::Result<()> {
        let Self {
            out,
            pretty,
            keys,
            nodes,
            arena,
            written,
            ..
        } = self;
        let mut text = Text {
            out,
            pretty: *pretty,
            keys,
            nodes,
            arena,
        };
        for &root in &arena.roots {
            if text.pretty {
                text.out
                    .write_all(if *written == 0 { b"[" } else { b"," })?;
                newline(text.out, 1)?;
                text.record(root, 1)?;
            } else {
                text.record(root, 0)?;
                text.out.write_all(b"\n")?;
            }
            *written += 1;
        }
        Ok(())
    }

    /// Writes the held roots and the end of the text, and flushes.
    fn write_rest(&mut self) -> io::Result<()> {
        self.write_held()?;
        if self.pretty {
            if self.written == 0 {
                self.out.write_all(b"[]\n")?;
            } else {
                newline(&mut self.out, 0)?;
                self.out.write_all(b"]\n")?;
            }
        }
        self.out.flush()
    }
}

impl<W: Write> Visitor for JsonWriter<W> {
    type Id = usize;
    type Output = Result<W, io::Error>;

    fn record(&mut self, node: usize, fields: &mut [Value]) -> usize {
        let relations = self.nodes.get(node).map_or(0, |n| n.relations.len());
        self.arena.record(node, fields, relations)
    }

    fn attach(&mut self, parent: usize, child: usize, link: Link<'_>) {
        self.arena.set_through(child, link.through);
        self.arena.attach(parent, child, link.relation);
    }

    fn root_through(&mut self, root: usize, through: &mut [Value]) {
        self.arena.set_through(root, through);
    }

    /// Writes the held roots and forgets them; `Break` once writing failed.
    fn roots_complete(&mut self) -> ControlFlow<()> {
        if self.error.is_none() {
            if let Err(e) = self.write_held() {
                self.error = Some(e);
            }
        }
        self.arena.clear();
        match self.error {
            Some(_) => ControlFlow::Break(()),
            None => ControlFlow::Continue(()),
        }
    }

    /// Writes the roots still held and the end of the text, flushes, and returns the
    /// writer; the first io error instead, that of an earlier `roots_complete` included.
    fn finish(mut self) -> Result<W, io::Error> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.write_rest()?;
        Ok(self.out)
    }
}

impl Arena {
    /// Holds a new record of `node` (with `relations` relations); its id.
    fn record(&mut self, node: usize, fields: &mut [Value], relations: usize) -> usize {
        let start = self.values.len();
        self.values.extend(fields.iter_mut().map(std::mem::take));
        let end = self.values.len();
        let id = self.records.len();
        let lists = self.lists.len();
        self.lists.resize(lists + relations, [NONE; 2]);
        self.records.push(Held {
            node,
            fields: [start, end],
            through: [end, end],
            lists,
            next: NONE,
        });
        if node == 0 {
            self.roots.push(id);
        }
        id
    }

    /// Record `id`'s through values.
    fn set_through(&mut self, id: usize, through: &mut [Value]) {
        if through.is_empty() {
            return;
        }
        let start = self.values.len();
        self.values.extend(through.iter_mut().map(std::mem::take));
        if let Some(held) = self.records.get_mut(id) {
            held.through = [start, self.values.len()];
        }
    }

    /// Appends `child` to relation `relation` of `parent`.
    fn attach(&mut self, parent: usize, child: usize, relation: usize) {
        let Some(at) = self.records.get(parent).map(|p| p.lists + relation) else {
            return;
        };
        let Some([first, last]) = self.lists.get_mut(at) else {
            return;
        };
        let previous = *last;
        *last = child;
        if *first == NONE {
            *first = child;
        } else if let Some(held) = self.records.get_mut(previous) {
            held.next = child;
        }
    }

    /// Forgets every record, keeping the buffers.
    fn clear(&mut self) {
        self.values.clear();
        self.records.clear();
        self.lists.clear();
        self.roots.clear();
    }

    /// The values in `range`.
    fn values(&self, [start, end]: [usize; 2]) -> &[Value] {
        self.values.get(start..end).unwrap_or_default()
    }
}

/// One pass of writing: the writer and what it reads.
struct Text<'a, W> {
    out: &'a mut W,
    pretty: bool,
    keys: &'a [u8],
    nodes: &'a [NodeKeys],
    arena: &'a Arena,
}

impl<W: Write> Text<'_, W> {
    /// Record `id` as an object nested `depth` levels deep (a root in the pretty array
    /// is at depth 1).
    fn record(&mut self, id: usize, depth: usize) -> io::Result<()> {
        let arena = self.arena;
        let nodes = self.nodes;
        let (Some(held), Some(keys)) = (
            arena.records.get(id),
            arena.records.get(id).and_then(|h| nodes.get(h.node)),
        ) else {
            return self.out.write_all(b"null");
        };
        self.out.write_all(b"{")?;
        let inner = depth + 1;
        let mut first = true;
        for (&key, value) in keys.fields.iter().zip(arena.values(held.fields)) {
            self.member(&mut first, inner, key)?;
            self.value(value, inner)?;
        }
        if let Some((model, fields)) = &keys.through {
            self.member(&mut first, inner, *model)?;
            let values = arena.values(held.through);
            let mut empty = true;
            self.out.write_all(b"{")?;
            for (&key, value) in fields.iter().zip(values) {
                self.member(&mut empty, inner + 1, key)?;
                self.value(value, inner + 1)?;
            }
            self.close(empty, inner, b"}")?;
        }
        for (r, &(key, many)) in keys.relations.iter().enumerate() {
            self.member(&mut first, inner, key)?;
            let [head, _] = arena
                .lists
                .get(held.lists + r)
                .copied()
                .unwrap_or([NONE; 2]);
            if !many {
                if head == NONE {
                    self.out.write_all(b"null")?;
                } else {
                    self.record(head, inner)?;
                }
                continue;
            }
            self.out.write_all(b"[")?;
            let mut empty = true;
            let mut child = head;
            while child != NONE {
                if !empty {
                    self.out.write_all(b",")?;
                }
                empty = false;
                if self.pretty {
                    newline(self.out, inner + 1)?;
                }
                self.record(child, inner + 1)?;
                // A child is always held after the one before it; anything else ends
                // the list rather than loop.
                child = match arena.records.get(child) {
                    Some(c) if c.next > child => c.next,
                    _ => NONE,
                };
            }
            self.close(empty, inner, b"]")?;
        }
        self.close(first, depth, b"}")
    }

    /// Starts a member of an object whose keys are `depth` levels deep: the separator
    /// (none before the first), the line break and indentation when pretty, the key.
    fn member(&mut self, first: &mut bool, depth: usize, key: Key) -> io::Result<()> {
        if !*first {
            self.out.write_all(b",")?;
        }
        *first = false;
        if self.pretty {
            newline(self.out, depth)?;
        }
        self.out
            .write_all(self.keys.get(key.start..key.end).unwrap_or_default())
    }

    /// Ends an object or array opened `depth` levels deep: on a line of its own when
    /// pretty and not `empty`.
    fn close(&mut self, empty: bool, depth: usize, bracket: &[u8]) -> io::Result<()> {
        if self.pretty && !empty {
            newline(self.out, depth)?;
        }
        self.out.write_all(bracket)
    }

    /// One value, the object holding it at `depth`; the mapping is `value_to_json`'s.
    fn value(&mut self, value: &Value, depth: usize) -> io::Result<()> {
        let out = &mut *self.out;
        match value {
            Value::Null => out.write_all(b"null"),
            Value::Bool(true) => out.write_all(b"true"),
            Value::Bool(false) => out.write_all(b"false"),
            Value::Int(i) => serde_json::to_writer(out, i).map_err(io::Error::from),
            Value::Float(f) if f.is_finite() => {
                serde_json::to_writer(out, f).map_err(io::Error::from)
            }
            // `f64`'s own text, as `value_to_json` gives it.
            Value::Float(f) if f.is_nan() => out.write_all(b"\"NaN\""),
            Value::Float(f) if *f > 0.0 => out.write_all(b"\"inf\""),
            Value::Float(_) => out.write_all(b"\"-inf\""),
            Value::Decimal(s)
            | Value::Text(s)
            | Value::Date(s)
            | Value::Time(s)
            | Value::DateTime(s)
            | Value::Uuid(s) => serde_json::to_writer(out, s.as_str()).map_err(io::Error::from),
            Value::Bytes(b) => hex(out, b),
            Value::Json(s) => {
                let written = match serde_json::from_str::<Json>(s) {
                    Ok(doc) if self.pretty => {
                        serde_json::to_writer_pretty(Indented { out, depth }, &doc)
                    }
                    Ok(doc) => serde_json::to_writer(out, &doc),
                    Err(_) => serde_json::to_writer(out, s.as_str()),
                };
                written.map_err(io::Error::from)
            }
        }
    }
}

/// A line break and `depth` levels of indentation (two spaces each).
fn newline<W: Write + ?Sized>(out: &mut W, depth: usize) -> io::Result<()> {
    const LINE: &[u8] = b"\n                                                                ";
    let spaces = LINE.len() - 1;
    let mut width = depth.saturating_mul(2);
    let first = width.min(spaces);
    out.write_all(LINE.get(..=first).unwrap_or_default())?;
    width -= first;
    while width > 0 {
        let n = width.min(spaces);
        out.write_all(LINE.get(1..=n).unwrap_or_default())?;
        width -= n;
    }
    Ok(())
}

/// `bytes` as a JSON string of lower-case hex, two digits a byte (`"00ff"`), written in
/// pieces from a buffer on the stack.
fn hex<W: Write + ?Sized>(out: &mut W, bytes: &[u8]) -> io::Result<()> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buffer = [0u8; 128];
    out.write_all(b"\"")?;
    for chunk in bytes.chunks(buffer.len() / 2) {
        for (pair, &b) in buffer.chunks_exact_mut(2).zip(chunk) {
            if let [high, low] = pair {
                *high = DIGITS[usize::from(b >> 4)];
                *low = DIGITS[usize::from(b & 0x0f)];
            }
        }
        out.write_all(buffer.get(..chunk.len() * 2).unwrap_or_default())?;
    }
    out.write_all(b"\"")
}

/// A writer that indents every line after the first by `depth` levels: serde_json's
/// pretty text of a JSON value, placed inside an object `depth` levels deep. A raw line
/// break in serde_json's output is always its formatter's (strings escape theirs).
struct Indented<'a, W> {
    out: &'a mut W,
    depth: usize,
}

impl<W: Write> Write for Indented<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|&b| b == b'\n') {
            let (line, tail) = rest.split_at(at);
            self.out.write_all(line)?;
            newline(self.out, self.depth)?;
            rest = tail.get(1..).unwrap_or_default();
        }
        self.out.write_all(rest)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use relq_plan::{Cardinality, ExtractionColumn, ExtractionNode, ValueKind};

    use super::*;

    /// `Author` (id, name) with `posts` (id).
    fn plan() -> ExtractionPlan {
        let column = |field: &str, position, kind| ExtractionColumn {
            field: field.into(),
            position,
            kind,
        };
        ExtractionPlan {
            width: 3,
            statements: vec![],
            nodes: vec![
                ExtractionNode {
                    path: String::new(),
                    model: "Author".into(),
                    relation: None,
                    parent: None,
                    cardinality: Cardinality::Root,
                    pk: 0,
                    columns: vec![
                        column("id", 0, ValueKind::Int),
                        column("name", 1, ValueKind::Text),
                    ],
                    through: None,
                },
                ExtractionNode {
                    path: "posts".into(),
                    model: "Post".into(),
                    relation: Some("posts".into()),
                    parent: Some(0),
                    cardinality: Cardinality::Many,
                    pk: 2,
                    columns: vec![column("id", 2, ValueKind::Int)],
                    through: None,
                },
            ],
        }
    }

    /// The arena's capacities: values, records, lists, roots.
    fn capacities<W: Write>(writer: &JsonWriter<W>) -> [usize; 4] {
        let a = &writer.arena;
        [
            a.values.capacity(),
            a.records.capacity(),
            a.lists.capacity(),
            a.roots.capacity(),
        ]
    }

    #[test]
    fn completed_roots_are_written_and_their_buffers_reused() {
        let plan = plan();
        let mut writer =
            JsonWriter::new(&plan, JsonLayout::Lines, Vec::new()).expect("a valid plan");
        let mut sizes = Vec::new();
        // The calls a rebuild makes for three authors of four posts each, each author
        // completed before the next.
        for author in 0..3 {
            let name = Value::Text(format!("a{author}"));
            let root = writer.record(0, &mut [Value::Int(author), name]);
            for post in 0..4 {
                let child = writer.record(1, &mut [Value::Int(post)]);
                let link = Link {
                    node: 1,
                    relation: 0,
                    cardinality: Cardinality::Many,
                    through: &mut [],
                };
                writer.attach(root, child, link);
            }
            assert_eq!(writer.roots_complete(), ControlFlow::Continue(()));
            assert!(writer.arena.records.is_empty() && writer.arena.values.is_empty());
            sizes.push(capacities(&writer));
        }
        assert!(sizes.iter().all(|s| s == &sizes[0]), "{sizes:?}");
        let text =
            String::from_utf8(writer.finish().expect("a Vec never fails")).expect("JSON is UTF-8");
        let posts = r#"[{"id":0},{"id":1},{"id":2},{"id":3}]"#;
        let lines: Vec<String> = (0..3)
            .map(|a| format!(r#"{{"id":{a},"name":"a{a}","posts":{posts}}}"#))
            .collect();
        assert_eq!(text, lines.join("\n") + "\n");
    }
}
