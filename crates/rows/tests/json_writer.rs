//! The JSON writer against the JSON it replaces: rows rebuilt through [`JsonWriter`]
//! give exactly the bytes of `serde_json::to_string_pretty(&to_json(..))` and a newline
//! ([`JsonLayout::Pretty`]), or one compact serde_json line per root
//! ([`JsonLayout::Lines`]), whether roots are completed one by one, all at the end or
//! never; and an io error stops the writing and comes back from `finish`.
//!
//! Random plans and records are in `common/mod.rs`; the hand-made cases here hold every
//! value kind and the edges of the JSON text.

mod common;

use std::io::{self, Write};
use std::ops::ControlFlow;

use proptest::prelude::*;
use relq_plan::{
    Cardinality, ExtractionColumn, ExtractionNode, ExtractionPlan, ExtractionThrough, Value,
    ValueKind,
};
use relq_rows::{JsonLayout, JsonWriter, Rebuilder, Record, Related, flatten, rebuild, to_json};

/// When the rows' roots are declared complete.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Complete {
    /// At each new root and at the end, as a streaming reader does.
    EachRoot,
    /// Once, after the last row.
    AtEnd,
    /// Never: `finish` writes everything.
    Never,
}

const COMPLETES: [Complete; 3] = [Complete::EachRoot, Complete::AtEnd, Complete::Never];

/// The text the CLI printed before `JsonWriter`: serde_json over `to_json`.
fn expected(plan: &ExtractionPlan, records: &[Record], layout: JsonLayout) -> String {
    let json = to_json(plan, records).expect("records of the plan");
    let roots = json.as_array().expect("to_json gives an array");
    match layout {
        JsonLayout::Pretty => serde_json::to_string_pretty(roots).expect("serialisable") + "\n",
        JsonLayout::Lines => roots.iter().map(|root| format!("{root}\n")).collect(),
    }
}

/// `rows` rebuilt through a `JsonWriter` into `out`, completing roots as `complete`
/// says; asserts that every `complete_roots` answered `Continue`.
fn write_into<W: Write>(
    plan: &ExtractionPlan,
    rows: &[Vec<Value>],
    layout: JsonLayout,
    complete: Complete,
    out: W,
) -> io::Result<W> {
    let writer = JsonWriter::new(plan, layout, out).expect("a valid plan");
    let mut rebuilder = Rebuilder::with_visitor(plan, writer).expect("a valid plan");
    let pk = plan.nodes[0].pk;
    let mut previous: Option<&Value> = None;
    for row in rows {
        let key = &row[pk];
        if complete == Complete::EachRoot && previous.is_some_and(|p| p != key) {
            let answer = rebuilder.complete_roots().expect("well-formed rows");
            assert_eq!(answer, ControlFlow::Continue(()));
        }
        previous = Some(key);
        rebuilder.push(&mut row.clone()).expect("well-formed rows");
    }
    if complete != Complete::Never {
        let answer = rebuilder.complete_roots().expect("well-formed rows");
        assert_eq!(answer, ControlFlow::Continue(()));
    }
    rebuilder.finish().expect("well-formed rows")
}

/// `rows` rebuilt through a `JsonWriter` into a string.
fn written(
    plan: &ExtractionPlan,
    rows: &[Vec<Value>],
    layout: JsonLayout,
    complete: Complete,
) -> String {
    let out = write_into(plan, rows, layout, complete, Vec::new()).expect("a Vec never fails");
    String::from_utf8(out).expect("JSON text is UTF-8")
}

/// Checks every layout and way of completing for `records`: the rows `flatten` makes
/// rebuild into them, and the writer's text is serde_json's over `to_json`.
fn check(plan: &ExtractionPlan, records: &[Record]) -> Result<(), TestCaseError> {
    let rows = flatten(plan, records).expect("records of the plan");
    let rebuilt = rebuild(plan, &rows).expect("well-formed rows");
    // Compared as text: a NaN is not equal to itself.
    prop_assert_eq!(format!("{rebuilt:?}"), format!("{records:?}"));
    for layout in [JsonLayout::Pretty, JsonLayout::Lines] {
        let expected = expected(plan, &rebuilt, layout);
        for complete in COMPLETES {
            let text = written(plan, &rows, layout, complete);
            prop_assert_eq!(&text, &expected, "{:?}, {:?}", layout, complete);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_plans_and_records_write_serde_json_s_exact_bytes(
        (plan, roots) in common::plan_and_roots()
    ) {
        check(&plan, &roots)?;
    }
}

fn column(field: &str, position: usize, kind: ValueKind) -> ExtractionColumn {
    ExtractionColumn {
        field: field.into(),
        position,
        kind,
    }
}

/// `Post` with a field of every kind, `author` (to-one), `tags` through `PostTag`
/// (`weight`, `note`), `links` through `PostLink` (a through model without fields), and
/// `author__books` (to-many under the to-one).
fn post_plan() -> ExtractionPlan {
    let mut columns = vec![column("id", 0, ValueKind::Int)];
    for (k, kind) in common::KINDS.into_iter().enumerate() {
        columns.push(column(&format!("{kind:?}"), k + 1, kind));
    }
    let node = |path: &str, parent, cardinality, columns: Vec<ExtractionColumn>, through| {
        let relation = path.rsplit("__").next().unwrap_or(path);
        ExtractionNode {
            path: path.into(),
            model: format!("M_{relation}").into(),
            relation: Some(relation.into()),
            parent: Some(parent),
            cardinality,
            pk: columns[0].position,
            columns,
            through,
        }
    };
    let root = ExtractionNode {
        path: String::new(),
        model: "Post".into(),
        relation: None,
        parent: None,
        cardinality: Cardinality::Root,
        pk: 0,
        columns,
        through: None,
    };
    let author = vec![
        column("id", 12, ValueKind::Int),
        column("name \"quoted\"", 13, ValueKind::Text),
    ];
    let tag = vec![column("name", 14, ValueKind::Text)];
    let post_tag = ExtractionThrough {
        model: "PostTag".into(),
        columns: vec![
            column("weight", 15, ValueKind::Float),
            column("note", 16, ValueKind::Json),
        ],
    };
    let link = vec![column("url", 17, ValueKind::Text)];
    let post_link = ExtractionThrough {
        model: "PostLink".into(),
        columns: vec![],
    };
    let book = vec![
        column("id", 18, ValueKind::Int),
        column("cover", 19, ValueKind::Bytes),
    ];
    ExtractionPlan {
        width: 20,
        statements: vec![],
        nodes: vec![
            root,
            node("author", 0, Cardinality::One, author, None),
            node("tags", 0, Cardinality::Many, tag, Some(post_tag)),
            node("links", 0, Cardinality::Many, link, Some(post_link)),
            node("author__books", 1, Cardinality::Many, book, None),
        ],
    }
}

fn record(fields: Vec<Value>, through: Vec<Value>, relations: Vec<Related>) -> Record {
    Record {
        fields,
        through,
        relations,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// Three posts: every kind with awkward values; NULLs with no author, empty lists; and
/// a third with the invalid and nested JSON, infinities and long bytes.
fn posts() -> Vec<Record> {
    let awkward = "q\"b\\s/ \u{0}\u{1}\u{8}\u{c}\n\r\t\u{1b}\u{1f}\u{7f} é 😀 \u{2028}";
    let first = vec![
        Value::Int(1),
        Value::Bool(true),
        Value::Int(i64::MIN),
        Value::Float(f64::NAN),
        Value::Decimal("12.50".into()),
        text(awkward),
        Value::Bytes(vec![0, 15, 16, 255]),
        Value::Date("2024-05-01".into()),
        Value::Time("13:45:00.5".into()),
        Value::DateTime("2024-05-01T13:45:00".into()),
        Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".into()),
        Value::Json(r#"{"b":[1,{"c":[]}],"a":{},"d":"x\"y","e":1.50,"f":[{"g":null}]}"#.into()),
    ];
    let mut second = vec![Value::Int(2)];
    second.extend(std::iter::repeat_n(Value::Null, 11));
    let mut third = first.clone();
    third[0] = Value::Int(3);
    third[2] = Value::Int(i64::MAX);
    third[3] = Value::Float(f64::NEG_INFINITY);
    third[5] = text("");
    third[6] = Value::Bytes((0..=255).collect());
    third[11] = Value::Json("{\"a\": [1, 2,".into());
    let author = record(
        vec![Value::Int(7), text("Ann\n")],
        vec![],
        vec![Related::Many(vec![
            record(vec![Value::Int(1), Value::Bytes(vec![])], vec![], vec![]),
            record(vec![Value::Int(2), Value::Null], vec![], vec![]),
        ])],
    );
    let tag = |name: &str, weight: f64, note: &str| {
        record(
            vec![text(name)],
            vec![Value::Float(weight), Value::Json(note.into())],
            vec![],
        )
    };
    let link = |url: &str| record(vec![text(url)], vec![], vec![]);
    vec![
        record(
            first,
            vec![],
            vec![
                Related::One(Some(author.clone())),
                Related::Many(vec![
                    tag("rust", 0.5, "[1,[2,[3]]]"),
                    tag("json \"x\"", f64::INFINITY, "not json"),
                ]),
                Related::Many(vec![link("https://a/b"), link("c")]),
            ],
        ),
        record(
            second,
            vec![],
            vec![
                Related::One(None),
                Related::Many(vec![]),
                Related::Many(vec![]),
            ],
        ),
        record(
            third,
            vec![],
            vec![
                Related::One(Some(author)),
                Related::Many(vec![record(
                    vec![text("only")],
                    vec![Value::Null, Value::Null],
                    vec![],
                )]),
                Related::Many(vec![link("d")]),
            ],
        ),
    ]
}

#[test]
fn every_value_kind_and_awkward_text_write_serde_json_s_exact_bytes() {
    let plan = post_plan();
    check(&plan, &posts()).expect("the three posts");
    // Each post alone, and none.
    for post in posts() {
        check(&plan, &[post]).expect("one post");
    }
    check(&plan, &[]).expect("no post");
}

#[test]
fn zero_roots_are_an_empty_array_or_no_lines() {
    let plan = post_plan();
    for complete in COMPLETES {
        assert_eq!(written(&plan, &[], JsonLayout::Pretty, complete), "[]\n");
        assert_eq!(written(&plan, &[], JsonLayout::Lines, complete), "");
    }
}

/// A tag plan: `Tag` with `posts` through `PostTag` (`weight`), a related set's roots
/// carrying their through row, and `posts__author` (to-one).
fn tag_plan(through_fields: bool) -> ExtractionPlan {
    let through = ExtractionThrough {
        model: "PostTag".into(),
        columns: if through_fields {
            vec![column("weight", 2, ValueKind::Int)]
        } else {
            vec![]
        },
    };
    ExtractionPlan {
        width: 5,
        statements: vec![],
        nodes: vec![
            ExtractionNode {
                path: String::new(),
                model: "Tag".into(),
                relation: None,
                parent: None,
                cardinality: Cardinality::Root,
                pk: 0,
                columns: vec![
                    column("id", 0, ValueKind::Int),
                    column("j", 1, ValueKind::Json),
                ],
                through: Some(through),
            },
            ExtractionNode {
                path: "posts".into(),
                model: "Post".into(),
                relation: Some("posts".into()),
                parent: Some(0),
                cardinality: Cardinality::Many,
                pk: 3,
                columns: vec![column("id", 3, ValueKind::Int)],
                through: None,
            },
            ExtractionNode {
                path: "posts__author".into(),
                model: "Author".into(),
                relation: Some("author".into()),
                parent: Some(1),
                cardinality: Cardinality::One,
                pk: 4,
                columns: vec![column("id", 4, ValueKind::Int)],
                through: None,
            },
        ],
    }
}

#[test]
fn pretty_text_nests_lists_objects_through_rows_and_json_values() {
    let plan = tag_plan(true);
    let i = Value::Int;
    let rows = vec![
        vec![
            i(1),
            Value::Json(r#"{"a":[1,{}]}"#.into()),
            i(5),
            i(10),
            i(7),
        ],
        vec![
            i(1),
            Value::Json(r#"{"a":[1,{}]}"#.into()),
            i(5),
            i(11),
            Value::Null,
        ],
        vec![
            i(2),
            Value::Json("[]".into()),
            Value::Null,
            Value::Null,
            Value::Null,
        ],
    ];
    let text = written(&plan, &rows, JsonLayout::Pretty, Complete::EachRoot);
    let expected = r#"[
  {
    "id": 1,
    "j": {
      "a": [
        1,
        {}
      ]
    },
    "PostTag": {
      "weight": 5
    },
    "posts": [
      {
        "id": 10,
        "author": {
          "id": 7
        }
      },
      {
        "id": 11,
        "author": null
      }
    ]
  },
  {
    "id": 2,
    "j": [],
    "PostTag": {
      "weight": null
    },
    "posts": []
  }
]
"#;
    assert_eq!(text, expected);
    let records = rebuild(&plan, &rows).expect("well-formed rows");
    assert_eq!(text, self::expected(&plan, &records, JsonLayout::Pretty));
    let lines = written(&plan, &rows, JsonLayout::Lines, Complete::EachRoot);
    assert_eq!(
        lines,
        "{\"id\":1,\"j\":{\"a\":[1,{}]},\"PostTag\":{\"weight\":5},\
         \"posts\":[{\"id\":10,\"author\":{\"id\":7}},{\"id\":11,\"author\":null}]}\n\
         {\"id\":2,\"j\":[],\"PostTag\":{\"weight\":null},\"posts\":[]}\n"
    );
}

#[test]
fn a_through_model_without_fields_is_an_empty_object() {
    let plan = tag_plan(false);
    let i = Value::Int;
    let rows = vec![vec![
        i(1),
        Value::Null,
        Value::Null,
        Value::Null,
        Value::Null,
    ]];
    let lines = written(&plan, &rows, JsonLayout::Lines, Complete::AtEnd);
    assert_eq!(lines, "{\"id\":1,\"j\":null,\"PostTag\":{},\"posts\":[]}\n");
    let pretty = written(&plan, &rows, JsonLayout::Pretty, Complete::AtEnd);
    assert_eq!(
        pretty,
        "[\n  {\n    \"id\": 1,\n    \"j\": null,\n    \"PostTag\": {},\n    \"posts\": []\n  }\n]\n"
    );
    let records = rebuild(&plan, &rows).expect("well-formed rows");
    assert_eq!(pretty, expected(&plan, &records, JsonLayout::Pretty));
}

/// A writer that takes `limit` bytes, then fails every write (and its flush, with
/// `fail_flush`), recording what it took.
struct FailAfter<'a> {
    taken: &'a mut Vec<u8>,
    limit: usize,
    fail_flush: bool,
    writes_after_failure: &'a mut usize,
}

impl Write for FailAfter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = self.limit - self.taken.len();
        if room == 0 {
            *self.writes_after_failure += 1;
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"));
        }
        let n = buf.len().min(room);
        self.taken.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.fail_flush {
            return Err(io::Error::other("flush failed"));
        }
        Ok(())
    }
}

#[test]
fn an_io_error_breaks_the_rows_and_comes_back_from_finish() {
    let plan = post_plan();
    let rows = flatten(&plan, &posts()).expect("posts of the plan");
    let full = written(&plan, &rows, JsonLayout::Lines, Complete::AtEnd);
    let first_line = full.find('\n').expect("a line per post") + 1;
    // The first root's line does not fit.
    let (mut taken, mut late) = (Vec::new(), 0);
    let out = FailAfter {
        taken: &mut taken,
        limit: first_line - 3,
        fail_flush: false,
        writes_after_failure: &mut late,
    };
    let writer = JsonWriter::new(&plan, JsonLayout::Lines, out).expect("a valid plan");
    let mut rebuilder = Rebuilder::with_visitor(&plan, writer).expect("a valid plan");
    let mut answers = Vec::new();
    let mut previous = None;
    for row in &rows {
        if previous.is_some_and(|p| p != &row[0]) {
            answers.push(rebuilder.complete_roots().expect("well-formed rows"));
        }
        previous = Some(&row[0]);
        rebuilder.push(&mut row.clone()).expect("well-formed rows");
    }
    answers.push(rebuilder.complete_roots().expect("well-formed rows"));
    let error = rebuilder
        .finish()
        .expect("well-formed rows")
        .err()
        .expect("the write failed");
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(answers, [ControlFlow::Break(()); 3]);
    // One failed write, nothing tried after it; what was taken is the text's start.
    assert_eq!(late, 1);
    assert_eq!(taken, full.as_bytes()[..first_line - 3]);
}

#[test]
fn an_io_error_at_the_end_comes_back_from_finish() {
    let plan = post_plan();
    let rows = flatten(&plan, &posts()).expect("posts of the plan");
    let full = written(&plan, &rows, JsonLayout::Pretty, Complete::Never);
    for (limit, fail_flush, kind) in [
        (full.len() - 1, false, io::ErrorKind::BrokenPipe),
        (full.len(), true, io::ErrorKind::Other),
    ] {
        let (mut taken, mut late) = (Vec::new(), 0);
        let out = FailAfter {
            taken: &mut taken,
            limit,
            fail_flush,
            writes_after_failure: &mut late,
        };
        let result = write_into(&plan, &rows, JsonLayout::Pretty, Complete::Never, out);
        assert_eq!(result.err().map(|e| e.kind()), Some(kind));
        assert_eq!(taken, full.as_bytes()[..limit]);
    }
}

#[test]
fn a_buffered_writer_comes_back_flushed() {
    let plan = post_plan();
    let rows = flatten(&plan, &posts()).expect("posts of the plan");
    let expected = written(&plan, &rows, JsonLayout::Lines, Complete::EachRoot);
    let out = io::BufWriter::with_capacity(16, Vec::new());
    let out = write_into(&plan, &rows, JsonLayout::Lines, Complete::EachRoot, out)
        .expect("a Vec never fails");
    assert!(out.buffer().is_empty());
    assert_eq!(
        out.into_inner().expect("flushed already"),
        expected.into_bytes()
    );
}
