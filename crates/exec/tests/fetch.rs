//! The one fetch loop over an in-memory driver: root keys bound in chunks, each key once;
//! a driver's error named by its statement; a row of the wrong width named by its row;
//! JSON list columns read as the rows of the later statements; the statements of a
//! query of several in one read snapshot, ended on success and on error, and none for
//! one statement or inside the caller's transaction. The same loop runs on the three
//! real databases in `tests/` (`snapshot.rs` there); here each rule is seen alone.

use std::collections::VecDeque;

use relq_exec::{Answer, Driver, ExecError, ExecErrorKind, ReadFailure, ResultRow, fetch};
use relq_graph::{RelationGraph, SchemaDef};
use relq_plan::{Filter, Query, Strategy, Value, ValueKind};
use relq_sql::{Ansi, Call, Caps, Compiled, Delivery, JsonCaps, compile};

/// Authors and their books.
fn graph() -> RelationGraph {
    SchemaDef::from_toml(
        r#"
        [[models]]
        name = "Author"
        table = "authors"
        fields = [{ name = "id", type = "integer", primary_key = true }]
        [[models]]
        name = "Book"
        table = "books"
        fields = [{ name = "id", type = "integer", primary_key = true }]
        foreign_keys = [{ name = "author", to = "Author" }]
        "#,
    )
    .and_then(|d| d.build())
    .expect("a valid schema")
}

/// What one execution returns: rows, or the driver's failure.
type Answered = Result<Vec<Vec<Value>>, &'static str>;

/// A driver that answers each execution with the next of its canned results and keeps
/// what it was asked.
#[derive(Default)]
struct Canned {
    answers: VecDeque<Answered>,
    asked: Vec<(String, Vec<Value>)>,
    /// The statements sent without rows (`run`), in order.
    sent: Vec<String>,
    /// Whether the caller's transaction is open.
    callers: bool,
}

impl Canned {
    fn new(answers: impl IntoIterator<Item = Answered>) -> Self {
        Self {
            answers: answers.into_iter().collect(),
            ..Self::default()
        }
    }
}

/// A canned row: its values, taken once each.
struct Row<'r>(&'r mut [Value]);

impl ResultRow for Row<'_> {
    fn width(&self) -> usize {
        self.0.len()
    }

    fn read(&mut self, position: usize, kind: Option<ValueKind>) -> Result<Value, ReadFailure> {
        let value = self.0.get_mut(position).map(std::mem::take);
        match (value, kind) {
            (Some(Value::Null), _) => Ok(Value::Null),
            (Some(v), Some(k)) if v.kind() == Some(k) => Ok(v),
            (Some(v), None) => Ok(v),
            (v, _) => Err(ReadFailure::Unreadable(format!("{v:?}"))),
        }
    }
}

impl Driver for Canned {
    type Row<'r> = Row<'r>;

    fn query<F>(&mut self, sql: &str, params: &[Value], mut on_row: F) -> Result<(), ExecError>
    where
        F: FnMut(&mut Row<'_>) -> Result<(), ExecError>,
    {
        self.asked.push((sql.to_owned(), params.to_vec()));
        let rows = self.answers.pop_front().unwrap_or(Ok(Vec::new()));
        for mut row in rows.map_err(|e| ExecError::driver(None, e, e))? {
            on_row(&mut Row(&mut row))?;
        }
        Ok(())
    }

    fn run(&mut self, sql: &str, _: &[Value]) -> Result<u64, ExecError> {
        self.sent.push(sql.to_owned());
        Ok(0)
    }

    /// Canned answers one statement at a time; nothing here streams.
    fn in_transaction(&mut self) -> Result<bool, ExecError> {
        Ok(self.callers)
    }

    fn violation(&self, _: &ExecError) -> Option<relq_exec::Constraint> {
        None
    }
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

/// Authors with id at least 1 and their books, split: the books' statement binds the
/// authors' keys, at most `chunk` per execution.
fn split(graph: &RelationGraph, chunk: usize) -> Compiled<'_> {
    let query = Query::new("Author")
        .select_related("books")
        .filter(Filter::new("id__gte", 1))
        .strategy(Strategy::Split);
    let dialect = Ansi::new(Caps {
        max_params: chunk,
        ..Caps::ANSI
    });
    compile(graph, &query, &dialect).expect("compiles")
}

#[test]
fn root_keys_are_bound_in_chunks_in_their_order() {
    let graph = graph();
    let compiled = split(&graph, 2);
    let authors = vec![vec![int(1)], vec![int(2)], vec![int(3)]];
    // The books' rows: the author's key, the book's id and author.
    let books = |rows: &[(i64, i64)]| -> Vec<Vec<Value>> {
        rows.iter()
            .map(|&(a, b)| vec![int(a), int(b), int(a)])
            .collect()
    };
    let mut db = Canned::new([
        Ok(authors),
        Ok(books(&[(1, 10), (1, 11), (2, 20)])),
        Ok(books(&[(3, 30)])),
    ]);
    let fetched = fetch(&mut db, &compiled).expect("fetches");
    let bound: Vec<&[Value]> = db.asked[1..].iter().map(|(_, p)| &p[..]).collect();
    assert_eq!(bound, [&[int(1), int(2)][..], &[int(3)][..]]);
    assert_eq!(fetched.rows, 7);
    let Answer::Records(records) = fetched.answer else {
        panic!("records");
    };
    let books: Vec<usize> = records
        .iter()
        .map(|r| match &r.relations[0] {
            relq_rows::Related::Many(list) => list.len(),
            relq_rows::Related::One(_) => 0,
        })
        .collect();
    assert_eq!(books, [2, 1, 1]);
}

#[test]
fn a_drivers_error_is_named_by_its_statement() {
    let graph = graph();
    let compiled = split(&graph, 10);
    let mut db = Canned::new([Ok(vec![vec![int(1)]]), Err("the server went away")]);
    let error = fetch(&mut db, &compiled).expect_err("the second statement fails");
    assert!(
        matches!(
            error.kind(),
            ExecErrorKind::Driver {
                statement: Some(1),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "statement 1: the server went away");
}

#[test]
fn a_row_not_as_wide_as_its_statement_is_unreadable_with_its_number() {
    let graph = graph();
    let compiled = split(&graph, 10);
    assert_eq!(compiled.statement_width(1), 3);
    let mut db = Canned::new([
        Ok(vec![vec![int(1)]]),
        Ok(vec![vec![int(1), int(10), int(1)], vec![int(1), int(11)]]),
    ]);
    let error = fetch(&mut db, &compiled).expect_err("a short row");
    assert_eq!(
        error.to_string(),
        "row 2, position 2 (`position 2`): the database returned a row of 2 columns for 3, \
         which cannot be read as text"
    );
}

#[test]
fn json_list_columns_are_read_as_the_rows_of_the_later_statements() {
    let graph = graph();
    let json = JsonCaps {
        array: "json_array",
        aggregate: "json_group_array",
        ordered_aggregate: true,
        text_type: "TEXT",
        hex: Call {
            function: "hex",
            before: None,
            after: None,
        },
        float_text: None,
    };
    let dialect = Ansi::new(Caps {
        json: Some(json),
        ..Caps::ANSI
    });
    let query = Query::new("Author")
        .select_related("books")
        .strategy(Strategy::Json);
    let compiled = compile(&graph, &query, &dialect).expect("compiles");
    assert_eq!(compiled.delivery, Delivery::Json);
    assert_eq!(compiled.statement_width(0), 2);
    let text = |t: &str| Value::Text(t.to_owned());
    let mut db = Canned::new([Ok(vec![
        vec![int(1), text(r#"[["10", "1"], ["11", "1"]]"#)],
        vec![int(2), text("[]")],
    ])]);
    let fetched = fetch(&mut db, &compiled).expect("fetches");
    assert_eq!(fetched.rows, 2);
    let json = fetched
        .answer
        .to_json(&compiled.plan.extraction)
        .expect("JSON");
    assert_eq!(
        json.to_string(),
        r#"[{"id":1,"books":[{"id":10,"author_id":1},{"id":11,"author_id":1}]},{"id":2,"books":[]}]"#
    );
    // A list that is not JSON is named by its row, position and list.
    let mut db = Canned::new([Ok(vec![vec![int(1), text("[")]])]);
    let error = fetch(&mut db, &compiled).expect_err("not JSON");
    assert!(
        error
            .to_string()
            .starts_with("row 0, position 1 (`books (JSON list)`): the database returned not JSON"),
        "{error}"
    );
}

#[test]
fn the_statements_of_one_query_read_one_snapshot_ended_either_way() {
    let graph = graph();
    let compiled = split(&graph, 10);
    let begin = Caps::ANSI.read_snapshot;
    let mut db = Canned::new([
        Ok(vec![vec![int(1)]]),
        Ok(vec![vec![int(1), int(10), int(1)]]),
    ]);
    fetch(&mut db, &compiled).expect("fetches");
    assert_eq!(db.sent, [begin, "COMMIT"]);
    assert_eq!(db.asked.len(), 2);
    // A failed statement: rolled back, its error returned.
    let mut db = Canned::new([Ok(vec![vec![int(1)]]), Err("the server went away")]);
    let error = fetch(&mut db, &compiled).expect_err("the second statement fails");
    assert_eq!(error.to_string(), "statement 1: the server went away");
    assert_eq!(db.sent, [begin, "ROLLBACK"]);
    // Inside the caller's transaction: read in it, nothing opened or ended.
    let mut db = Canned::new([Ok(vec![vec![int(1)]]), Ok(vec![])]);
    db.callers = true;
    fetch(&mut db, &compiled).expect("fetches");
    assert!(db.sent.is_empty(), "{:?}", db.sent);
    // One statement reads one snapshot alone: no transaction, no round trip.
    let one = compile(
        &graph,
        &Query::new("Author").select_related("books"),
        &Ansi::default(),
    )
    .expect("compiles");
    assert_eq!(one.statements.len(), 1);
    let mut db = Canned::new([Ok(vec![vec![int(1), int(10), int(1)]])]);
    fetch(&mut db, &one).expect("fetches");
    assert!(db.sent.is_empty(), "{:?}", db.sent);
}
