//! The floor of `relq query --format ndjson` on a server, for `benches/stream/run.sh`:
//! `floor_json URL SQL_FILE` runs the statements of SQL_FILE (one a line, as `relq compile
//! --compact --format json` gives them; a trailing `;` is dropped; none may take
//! parameters) with the bare driver and writes every row as a JSON array on a line of its
//! own into a `BufWriter` on stdout: integers and floats as numbers, NULL as `null`,
//! everything else as a JSON string of the text the driver gives. Prints the number of
//! rows to stderr.
//!
//! URL: `postgres://...` (the `postgres` crate, extended protocol: each column read as
//! the type it has, text borrowed from the row), `mysql://...` (the `mysql` crate,
//! prepared statements, as relq's driver reads them) or `sqlite:PATH` (rusqlite, the
//! bundled SQLite relq uses, beside the `sqlite3` shell's floor).

use std::io::{BufWriter, Write};

/// One value of a row, as the floor writes it.
enum Cell<'a> {
    Null,
    Int(i64),
    Float(f64),
    Text(&'a str),
}

/// Writes `cells` as one JSON array line.
fn write_row<'a>(out: &mut impl Write, cells: impl Iterator<Item = Cell<'a>>) {
    out.write_all(b"[").expect("stdout");
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_all(b",").expect("stdout");
        }
        match cell {
            Cell::Null => out.write_all(b"null").expect("stdout"),
            Cell::Int(i) => write!(out, "{i}").expect("stdout"),
            Cell::Float(f) => serde_json::to_writer(&mut *out, &f).expect("stdout"),
            Cell::Text(t) => serde_json::to_writer(&mut *out, t).expect("stdout"),
        }
    }
    out.write_all(b"]\n").expect("stdout");
}

/// A PostgreSQL value of any type, as its binary form (json's is its text).
struct Raw<'a>(&'a [u8]);

impl<'a> postgres::types::FromSql<'a> for Raw<'a> {
    fn from_sql(
        _: &postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
}

fn postgres_rows(url: &str, statements: &[&str], out: &mut impl Write) -> usize {
    use postgres::fallible_iterator::FallibleIterator;
    use postgres::types::Type;
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("PostgreSQL connects");
    let mut rows = 0;
    for sql in statements {
        let none: [&dyn postgres::types::ToSql; 0] = [];
        let mut read = client.query_raw(*sql, none).expect("PostgreSQL runs");
        while let Some(row) = read.next().expect("PostgreSQL reads") {
            let cells = row.columns().iter().enumerate().map(|(i, column)| {
                let ty = column.type_();
                let cell = if *ty == Type::INT4 {
                    row.get::<_, Option<i32>>(i).map(|v| Cell::Int(v.into()))
                } else if *ty == Type::INT8 {
                    row.get::<_, Option<i64>>(i).map(Cell::Int)
                } else if *ty == Type::INT2 {
                    row.get::<_, Option<i16>>(i).map(|v| Cell::Int(v.into()))
                } else if *ty == Type::FLOAT8 {
                    row.get::<_, Option<f64>>(i).map(Cell::Float)
                } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::BPCHAR {
                    row.get::<_, Option<&str>>(i).map(Cell::Text)
                } else if *ty == Type::JSON {
                    row.get::<_, Option<Raw<'_>>>(i)
                        .map(|raw| Cell::Text(std::str::from_utf8(raw.0).expect("JSON text")))
                } else {
                    panic!("column {i} of type {ty}: not read by this floor");
                };
                cell.unwrap_or(Cell::Null)
            });
            write_row(out, cells);
            rows += 1;
        }
    }
    rows
}

fn mysql_rows(url: &str, statements: &[&str], out: &mut impl Write) -> usize {
    use mysql::prelude::Queryable;
    let opts = mysql::Opts::from_url(url).expect("a MySQL URL");
    let mut conn = mysql::Conn::new(opts).expect("MariaDB connects");
    let mut rows = 0;
    for sql in statements {
        let prepared = conn.prep(*sql).expect("MariaDB prepares");
        let read = conn.exec_iter(&prepared, ()).expect("MariaDB runs");
        for row in read {
            let row = row.expect("MariaDB reads");
            let cells = (0..row.len()).map(|i| match row.as_ref(i).expect("a value") {
                mysql::Value::NULL => Cell::Null,
                mysql::Value::Int(i) => Cell::Int(*i),
                mysql::Value::UInt(u) => Cell::Int(i64::try_from(*u).expect("an i64")),
                mysql::Value::Double(f) => Cell::Float(*f),
                mysql::Value::Float(f) => Cell::Float(f64::from(*f)),
                mysql::Value::Bytes(b) => Cell::Text(std::str::from_utf8(b).expect("text")),
                other => panic!("column {i} holds {other:?}: not read by this floor"),
            });
            write_row(out, cells);
            rows += 1;
        }
    }
    rows
}

fn sqlite_rows(path: &str, statements: &[&str], out: &mut impl Write) -> usize {
    use rusqlite::types::ValueRef;
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn = rusqlite::Connection::open_with_flags(path, flags).expect("SQLite opens");
    let mut rows = 0;
    for sql in statements {
        let mut prepared = conn.prepare(sql).expect("SQLite prepares");
        let width = prepared.column_count();
        let mut read = prepared.query([]).expect("SQLite runs");
        while let Some(row) = read.next().expect("SQLite reads") {
            let cells = (0..width).map(|i| match row.get_ref(i).expect("a value") {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(i) => Cell::Int(i),
                ValueRef::Real(f) => Cell::Float(f),
                ValueRef::Text(t) => Cell::Text(std::str::from_utf8(t).expect("text")),
                ValueRef::Blob(_) => panic!("column {i} holds a blob: not read by this floor"),
            });
            write_row(out, cells);
            rows += 1;
        }
    }
    rows
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, file] = args.as_slice() else {
        panic!("usage: floor_json URL SQL_FILE");
    };
    let text = std::fs::read_to_string(file).expect("the SQL file reads");
    let statements: Vec<&str> = text
        .lines()
        .map(|l| l.trim().trim_end_matches(';'))
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let rows = if url.starts_with("postgres") {
        postgres_rows(url, &statements, &mut out)
    } else if url.starts_with("mysql://") {
        mysql_rows(url, &statements, &mut out)
    } else if let Some(path) = url.strip_prefix("sqlite:") {
        sqlite_rows(path, &statements, &mut out)
    } else {
        panic!("a postgres://, mysql:// or sqlite: URL, not {url}");
    };
    out.flush().expect("stdout");
    eprintln!("floor_json: {rows} rows");
}
