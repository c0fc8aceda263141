//! The fixture of the writes benchmarks (`benches/writes.rs`, `examples/write_once.rs`):
//! authors, books with a generated key, tags, and a post whose tags are a many-to-many
//! relation through a generated model; the books to insert, made from their number.

/// The schema: `Author`, `Book` (`title`, `pages`, a nullable `author`, the integer key
/// generated), `Tag`, `Post` with `tags` (many-to-many through `posts_tags`).
pub const SCHEMA: &str = r#"
[[models]]
name = "Author"
table = "authors"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]

[[models]]
name = "Book"
table = "books"
fields = [
  { name = "id", type = "integer", primary_key = true },
  { name = "title", type = "text" },
  { name = "pages", type = "integer" },
]
foreign_keys = [{ name = "author", to = "Author", nullable = true }]

[[models]]
name = "Tag"
table = "tags"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "name", type = "text" }]

[[models]]
name = "Post"
table = "posts"
fields = [{ name = "id", type = "integer", primary_key = true }, { name = "title", type = "text" }]
many_to_many = [{ name = "tags", to = "Tag" }]
"#;

/// Rows of the bulk insert.
pub const ROWS: usize = 100_000;
/// Links of the many-to-many `add` (and tags in the table).
pub const LINKS: usize = 10_000;
/// Authors the books point to.
pub const AUTHORS: i64 = 100;
/// Rows per statement of the bare driver: relq's own chunk (1 000 rows, the most
/// `statements.rs` puts in one `INSERT`; the parameter limits allow more on all three).
pub const CHUNK: usize = 1000;

/// The `i`th book: title, pages, author (NULL every tenth).
pub fn book(i: usize) -> (String, i64, Option<i64>) {
    let i = i64::try_from(i).unwrap_or(i64::MAX);
    (
        format!("book number {i}"),
        i % 1000,
        (i % 10 != 0).then_some(1 + i % AUTHORS),
    )
}
