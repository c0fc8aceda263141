//! [`Row`]: the one thing the rebuild asks of a result row, a value by position (and a
//! new record's values given away), so any driver's row type can feed it without copying
//! into relq's shape first.
//!
//! Invariant: the implementations here never panic; a position past the end reads as
//! NULL (the rebuild checks the width before it reads, so it never asks for one).

use relq_plan::Value;

/// One result row: `width` values, read by 0-based position.
///
/// Implemented for `[Value]`, `Vec<Value>`, `[Value; N]`, `Box<[Value]>` (which give
/// their values away) and shared references to any row (which clone them). A driver
/// adapter implements it over its own row type (converting a column to a [`Value`] once
/// and handing out a reference), and `take` where it can give a value away, or every new
/// record's values are cloned. Each position of a plan belongs to one column of one node
/// (the rebuild rejects a plan that reuses one), so a taken value is never asked for again.
pub trait Row {
    /// How many values the row has.
    fn width(&self) -> usize;

    /// The value at `position`. Called only with `position < self.width()`.
    fn value(&self, position: usize) -> &Value;

    /// The value at `position`, for a new record to keep: an owned row moves it out and
    /// leaves NULL in its place (the rebuild reads no position twice), so text is not
    /// copied; the default clones it. Called only with `position < self.width()`.
    fn take(&mut self, position: usize) -> Value {
        self.value(position).clone()
    }
}

/// What a position past the end reads as.
static NULL: Value = Value::Null;

impl Row for [Value] {
    fn width(&self) -> usize {
        self.len()
    }

    fn value(&self, position: usize) -> &Value {
        self.get(position).unwrap_or(&NULL)
    }

    fn take(&mut self, position: usize) -> Value {
        self.get_mut(position).map_or(Value::Null, std::mem::take)
    }
}

impl Row for Vec<Value> {
    fn width(&self) -> usize {
        self.len()
    }

    fn value(&self, position: usize) -> &Value {
        self.as_slice().value(position)
    }

    fn take(&mut self, position: usize) -> Value {
        self.as_mut_slice().take(position)
    }
}

impl<const N: usize> Row for [Value; N] {
    fn width(&self) -> usize {
        N
    }

    fn value(&self, position: usize) -> &Value {
        self.as_slice().value(position)
    }

    fn take(&mut self, position: usize) -> Value {
        self.as_mut_slice().take(position)
    }
}

impl Row for Box<[Value]> {
    fn width(&self) -> usize {
        self.len()
    }

    fn value(&self, position: usize) -> &Value {
        (**self).value(position)
    }

    fn take(&mut self, position: usize) -> Value {
        (**self).take(position)
    }
}

impl<R: Row + ?Sized> Row for &R {
    fn width(&self) -> usize {
        (**self).width()
    }

    fn value(&self, position: usize) -> &Value {
        (**self).value(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_position_past_the_end_reads_as_null() {
        let row = vec![Value::Int(1)];
        assert_eq!(row.width(), 1);
        assert_eq!(row.value(0), &Value::Int(1));
        assert_eq!(row.value(1), &Value::Null);
        fn far<R: Row>(row: R) -> Value {
            row.value(usize::MAX).clone()
        }
        assert_eq!(far(&row), Value::Null, "through a reference");
        let array = [Value::Bool(true), Value::Null];
        assert_eq!((array.width(), array.value(0)), (2, &Value::Bool(true)));
        let boxed: Box<[Value]> = Box::new([Value::Int(2)]);
        assert_eq!((boxed.width(), boxed.value(0)), (1, &Value::Int(2)));
    }

    #[test]
    fn an_owned_row_gives_its_values_away_and_a_borrowed_one_clones_them() {
        let mut row = vec![Value::Text("a".into()), Value::Int(1)];
        assert_eq!(row.take(0), Value::Text("a".into()));
        assert_eq!(row, [Value::Null, Value::Int(1)], "moved out, NULL left");
        assert_eq!(row.take(9), Value::Null, "past the end");
        let kept = vec![Value::Text("b".into())];
        let mut borrowed = &kept;
        assert_eq!(borrowed.take(0), Value::Text("b".into()));
        assert_eq!(kept, [Value::Text("b".into())], "cloned, not moved");
    }
}
