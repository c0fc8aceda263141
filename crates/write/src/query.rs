//! Writes taken from a read query, as Django's `QuerySet.update()`, `.delete()`,
//! `.create()`, `.bulk_create()`, `.get_or_create()` and `.update_or_create()` take them
//! (and ormar's `QuerySet` the same names): the [`Operation`] built from a [`Query`],
//! for a binding or an ORM that chains writes onto its queries.
//!
//! Invariant: every part of the query that chooses records is carried into the operation
//! or refused with [`WriteErrorKind::QueryPart`], never dropped: `update` and `delete`
//! carry `filter` and `exclude`; a slice (`limit`, `offset`, `page`, Django's "cannot
//! update a query once a slice has been taken"), an owner (a related set: its writes are
//! `add`, `remove`, `clear`, `create` and `set`), ormar's row-level scope and a terminal
//! are refused by all of them, and a filter by the ones that make a record. The parts
//! that only shape the records a read returns (`select_related`, `fields`,
//! `exclude_fields`, `order_by`, `strategy`) are left out, as Django leaves them.
//! An error names the operation as the first of its batch (index 0).

use relq_plan::{Compat, Query};

use crate::error::{WriteError, WriteErrorKind};
use crate::operation::{Operation, Values};

impl Operation {
    /// `update` of the records `query` keeps (its `filter` and `exclude`) to `values`.
    ///
    /// ```
    /// use relq_plan::{Filter, Query};
    /// use relq_write::Operation;
    /// let query = Query::new("Course").filter(Filter::new("department__name", "Science"));
    /// let values = serde_json::json!({"completed": true}).as_object().cloned().unwrap_or_default();
    /// let op = Operation::update_of(&query, values)?;
    /// let json = r#"{"op":"update","model":"Course","filter":[["department__name","Science"]],"values":{"completed":true}}"#;
    /// assert_eq!(serde_json::to_string(&op)?, json);
    /// assert!(Operation::delete_of(&query.limit(3)).is_err()); // a slice chooses no records to write
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`WriteErrorKind::QueryPart`] for a part it cannot carry (module docs).
    pub fn update_of(query: &Query, values: Values) -> Result<Self, WriteError> {
        check(query, "update", true)?;
        Ok(Operation::Update {
            model: query.model.clone(),
            filter: query.filter.clone(),
            exclude: query.exclude.clone(),
            values,
        })
    }

    /// `delete` of the records `query` keeps (its `filter` and `exclude`).
    ///
    /// # Errors
    /// [`WriteErrorKind::QueryPart`] for a part it cannot carry (module docs).
    pub fn delete_of(query: &Query) -> Result<Self, WriteError> {
        check(query, "delete", true)?;
        Ok(Operation::Delete {
            model: query.model.clone(),
            filter: query.filter.clone(),
            exclude: query.exclude.clone(),
        })
    }

    /// `insert` of `rows` into `query`'s model (`create`, `bulk_create`).
    ///
    /// # Errors
    /// [`WriteErrorKind::QueryPart`] for a query with anything that chooses records, a
    /// filter included.
    pub fn insert_of(query: &Query, rows: Vec<Values>) -> Result<Self, WriteError> {
        check(query, "insert", false)?;
        Ok(Operation::Insert {
            model: query.model.clone(),
            rows,
        })
    }

    /// `get_or_create` of `query`'s model.
    ///
    /// # Errors
    /// As [`insert_of`](Self::insert_of).
    pub fn get_or_create_of(
        query: &Query,
        lookup: Values,
        defaults: Values,
    ) -> Result<Self, WriteError> {
        check(query, "get_or_create", false)?;
        Ok(Operation::GetOrCreate {
            model: query.model.clone(),
            lookup,
            defaults,
        })
    }

    /// `update_or_create` of `query`'s model.
    ///
    /// # Errors
    /// As [`insert_of`](Self::insert_of).
    pub fn update_or_create_of(
        query: &Query,
        lookup: Values,
        defaults: Values,
    ) -> Result<Self, WriteError> {
        check(query, "update_or_create", false)?;
        Ok(Operation::UpdateOrCreate {
            model: query.model.clone(),
            lookup,
            defaults,
        })
    }
}

/// The first part of `query` that operation `op` cannot carry; `filters`: whether it
/// carries `filter` and `exclude`.
fn check(query: &Query, op: &'static str, filters: bool) -> Result<(), WriteError> {
    let refused = |part, why| {
        Err(WriteError::new(
            0,
            op,
            WriteErrorKind::QueryPart { part, why },
        ))
    };
    if query.owner.is_some() {
        return refused(
            "owner (a related set)",
            "write through the relation: add, remove, clear, create or set",
        );
    }
    if query.limit.is_some() || query.offset.is_some() || query.page.is_some() {
        return refused(
            "slice (limit, offset or page)",
            "a write changes every record its filter keeps",
        );
    }
    if query.terminal.is_some() {
        return refused("terminal", "a write returns what it changed");
    }
    if query.compat == Compat::Ormar {
        return refused(
            "ormar scope",
            "a write's filter picks records in relq's scope",
        );
    }
    if !filters && (!query.filter.is_empty() || !query.exclude.is_empty()) {
        return refused(
            "filter",
            "a new record is made of the values given, not of a filter",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use relq_plan::{Compat, Filter, Owner, Query, Terminal};
    use serde_json::json;

    use crate::{Operation, Values, WriteErrorKind};

    fn values() -> Values {
        json!({"name": "Math"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn update_and_delete_carry_filter_and_exclude_and_drop_what_only_shapes_records() {
        let query = Query::new("Course")
            .select_related("department")
            .filter(Filter::new("department__name", "Science"))
            .exclude(Filter::new("completed", true))
            .field("name")
            .order_by(relq_plan::OrderBy::new("-name"))
            .strategy(relq_plan::Strategy::Split);
        let update = Operation::update_of(&query, values()).expect("carried");
        assert_eq!(
            serde_json::to_value(&update).expect("serialises"),
            json!({"op": "update", "model": "Course",
                   "filter": [["department__name", "Science"]], "exclude": [["completed", true]],
                   "values": {"name": "Math"}})
        );
        let delete = Operation::delete_of(&query).expect("carried");
        assert_eq!(
            serde_json::to_value(&delete).expect("serialises"),
            json!({"op": "delete", "model": "Course",
                   "filter": [["department__name", "Science"]], "exclude": [["completed", true]]})
        );
        let insert = Operation::insert_of(&Query::new("Course").field("name"), vec![values()]);
        assert_eq!(
            insert.expect("carried"),
            Operation::insert("Course", [values()])
        );
    }

    #[test]
    fn parts_that_choose_records_are_refused_naming_the_part() {
        let base = || Query::new("Post");
        let cases = [
            (base().limit(2), "update", "slice (limit, offset or page)"),
            (base().offset(2), "delete", "slice (limit, offset or page)"),
            (
                base().paginate(1, 2),
                "update",
                "slice (limit, offset or page)",
            ),
            (
                base().owner(Owner::new("News", 1, "posts")),
                "delete",
                "owner (a related set)",
            ),
            (base().terminal(Terminal::Count), "update", "terminal"),
            (base().compat(Compat::Ormar), "delete", "ormar scope"),
            (base().filter(Filter::new("id", 1)), "insert", "filter"),
            (
                base().exclude(Filter::new("id", 1)),
                "get_or_create",
                "filter",
            ),
            (
                base().filter(Filter::new("id", 1)),
                "update_or_create",
                "filter",
            ),
        ];
        for (query, op, expected) in cases {
            let result = match op {
                "update" => Operation::update_of(&query, values()),
                "delete" => Operation::delete_of(&query),
                "insert" => Operation::insert_of(&query, vec![values()]),
                "get_or_create" => Operation::get_or_create_of(&query, values(), Values::new()),
                _ => Operation::update_or_create_of(&query, values(), Values::new()),
            };
            let e = result.expect_err("refused");
            let WriteErrorKind::QueryPart { part, .. } = e.kind() else {
                panic!("{op}: {e}")
            };
            assert_eq!(*part, expected, "{op}");
            assert!(
                e.to_string().starts_with(&format!(
                    "operation 0 ({op}): the query's {expected} cannot be part of this write: "
                )),
                "{e}"
            );
        }
    }
}
