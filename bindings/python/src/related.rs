//! `relq.RelatedSet`: the records one owner reaches through a to-many relation
//! (`db.related("SchoolClass", 1, "students")`; Django's related manager, ormar's
//! QuerysetProxy). It is a `Query` rooted there (relq's `Owner`), so every read and
//! chaining method works on it, plus the writes through the relation: `add`, `remove`,
//! `clear`, `create`, `set`, each relq-write's operation of that name.
//!
//! Invariant: the owner, the relation and the targets go to relq as given; whether the
//! relation exists, is to-many or to-one, and what a target may be is relq's to say
//! (`CompileError` when read, `WriteError` when written), with its did-you-mean.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use relq::{Operation, Owner, Query as RelqQuery, Value};
use serde_json::Value as Json;

use crate::database::Shared;
use crate::query::{Query, optional_values};
use crate::values::{to_json, to_py, values_of};

/// The related set of one owner's to-many relation: a `Query` of the records it
/// reaches, with the writes through the relation.
#[pyclass(frozen, extends = Query, module = "relq")]
pub struct RelatedSet {
    shared: Arc<Shared>,
    /// The owner's model.
    model: String,
    /// The owner's primary key, as JSON.
    pk: Json,
    /// The relation on the owner's model.
    relation: String,
}

impl RelatedSet {
    /// The related set `relation` of the `model` record with primary key `pk`.
    pub(crate) fn create_set(
        py: Python<'_>,
        shared: Arc<Shared>,
        model: String,
        pk: Json,
        relation: String,
    ) -> PyResult<Py<Self>> {
        // The query's root is the relation's target; a name the graph does not know
        // leaves the owner's model there, so relq names the unknown relation when the
        // query is read, and the write when it is written.
        let target = shared
            .graph
            .model_by_name(&model)
            .and_then(|m| m.relation(&relation))
            .map_or_else(|| model.clone(), |r| r.target().name().to_owned());
        let query =
            RelqQuery::new(target).owner(Owner::new(model.clone(), pk.clone(), relation.clone()));
        let init = PyClassInitializer::from(Query::new(Arc::clone(&shared), query)).add_subclass(
            RelatedSet {
                shared,
                model,
                pk,
                relation,
            },
        );
        Py::new(py, init)
    }

    /// Applies `operation`: what it did.
    fn apply(&self, py: Python<'_>, operation: Operation) -> PyResult<relq::Outcome> {
        self.shared.write(py, operation)
    }
}

#[pymethods]
impl RelatedSet {
    /// Links records to the owner: primary keys of existing records, or (a reverse
    /// foreign key) dicts of new children; a many-to-many link never doubled, with the
    /// `through` model's own field values. How many rows changed.
    #[pyo3(signature = (*targets, through=None))]
    fn add(
        &self,
        py: Python<'_>,
        targets: &Bound<'_, PyTuple>,
        through: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let operation = Operation::Add {
            model: self.model.clone(),
            pk: self.pk.clone(),
            relation: self.relation.clone(),
            targets: json_list(targets)?,
            through: optional_values(through, "through")?,
        };
        Ok(self.apply(py, operation)?.affected)
    }

    /// Unlinks records (primary keys) from the owner: a reverse foreign key's children
    /// keep living with the key NULL, or are deleted with `keep_reversed=False`; a
    /// many-to-many link is deleted. How many rows changed.
    #[pyo3(signature = (*targets, keep_reversed=true))]
    fn remove(
        &self,
        py: Python<'_>,
        targets: &Bound<'_, PyTuple>,
        keep_reversed: bool,
    ) -> PyResult<u64> {
        let operation = Operation::Remove {
            model: self.model.clone(),
            pk: self.pk.clone(),
            relation: self.relation.clone(),
            targets: json_list(targets)?,
            keep_reversed,
        };
        Ok(self.apply(py, operation)?.affected)
    }

    /// Unlinks every record of the set, as `remove` does each.
    #[pyo3(signature = (keep_reversed=true))]
    fn clear(&self, py: Python<'_>, keep_reversed: bool) -> PyResult<u64> {
        let operation = Operation::Clear {
            model: self.model.clone(),
            pk: self.pk.clone(),
            relation: self.relation.clone(),
            keep_reversed,
        };
        Ok(self.apply(py, operation)?.affected)
    }

    /// Inserts a new record linked to the owner (a child with the key set, or a target
    /// and its link with the `through` values); its primary key.
    #[pyo3(signature = (through=None, **values))]
    fn create<'py>(
        &self,
        py: Python<'py>,
        through: Option<&Bound<'py, PyAny>>,
        values: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let operation = Operation::Create {
            model: self.model.clone(),
            pk: self.pk.clone(),
            relation: self.relation.clone(),
            values: values_of(values)?,
            through: optional_values(through, "through")?,
        };
        let key = self.apply(py, operation)?.keys.pop();
        to_py(py, key.unwrap_or(Value::Null))
    }

    /// Makes the set exactly `targets` (a list of primary keys) in the fewest
    /// statements; on a foreign key (`db.related("Student", 40, "category")`), points
    /// it at `targets` (a primary key, a record dict, or `None` to unlink). How many rows
    /// changed.
    #[pyo3(signature = (targets, keep_reversed=true, through=None))]
    fn set(
        &self,
        py: Python<'_>,
        targets: &Bound<'_, PyAny>,
        keep_reversed: bool,
        through: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u64> {
        let many = targets.is_instance_of::<PyList>() || targets.is_instance_of::<PyTuple>();
        let json = to_json(targets)?;
        let (targets, target) = match json {
            Json::Array(list) if many => (Some(list), None),
            one => (None, Some(one)),
        };
        let operation = Operation::Set {
            model: self.model.clone(),
            pk: self.pk.clone(),
            relation: self.relation.clone(),
            targets,
            target,
            keep_reversed,
            through: optional_values(through, "through")?,
        };
        Ok(self.apply(py, operation)?.affected)
    }

    fn __repr__(&self) -> String {
        format!(
            "<relq.RelatedSet {}({}).{}>",
            self.model, self.pk, self.relation
        )
    }
}

/// Positional targets as JSON values.
fn json_list(targets: &Bound<'_, PyTuple>) -> PyResult<Vec<Json>> {
    targets.iter().map(|t| to_json(&t)).collect()
}
