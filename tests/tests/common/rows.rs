//! Rows of the sample plans written by hand, for the rebuild's tests.

use relq_plan::Value;

/// Text.
pub fn t(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A teacher or student: id, name, and its category (id, name) if it has one.
pub type Person<'a> = (i64, &'a str, Option<(i64, &'a str)>);

/// One school row: class (id, name; department 1), a teacher or none, a student or none.
pub fn school_row(
    class: (i64, &str),
    teacher: Option<Person<'_>>,
    student: Option<Person<'_>>,
) -> Vec<Value> {
    let mut row = vec![Value::Int(class.0), t(class.1), Value::Int(1)];
    for person in [teacher, student] {
        match person {
            Some((id, name, category)) => {
                row.extend([Value::Int(id), t(name), Value::Int(class.0)]);
                match category {
                    Some((cid, cname)) => row.extend([Value::Int(cid), Value::Int(cid), t(cname)]),
                    None => row.extend([Value::Null, Value::Null, Value::Null]),
                }
            }
            None => row.extend(std::iter::repeat_n(Value::Null, 6)),
        }
    }
    row
}
