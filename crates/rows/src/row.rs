//! [`Row`]: the one thing the rebuild asks of a result row, a value by position, so any
//! driver's row type can feed it without copying into relq's shape first.
//!
//! Invariant: the implementations here never panic; a position past the end reads as
//! NULL (the rebuild checks the width before it reads, so it never asks for one).

use relq_plan::Value;

/// One result row: `width` values, read by 0-based position.
///
/// Implemented for `[Value]`, `Vec<Value>`, `[Value; N]`, `Box<[Value]>` and references
/// to any row. A driver adapter implements it over its own row type (converting a column
/// to a [`Value`] once and handing out a reference).
pub trait Row {
    /// How many values the row has.
    fn width(&self) -> usize;

    /// The value at `position`. Called only with `position < self.width()`.
    fn value(&self, position: usize) -> &Value;
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
}

impl Row for Vec<Value> {
    fn width(&self) -> usize {
        self.len()
    }

    fn value(&self, position: usize) -> &Value {
        self.as_slice().value(position)
    }
}

impl<const N: usize> Row for [Value; N] {
    fn width(&self) -> usize {
        N
    }

    fn value(&self, position: usize) -> &Value {
        self.as_slice().value(position)
    }
}

impl Row for Box<[Value]> {
    fn width(&self) -> usize {
        self.len()
    }

    fn value(&self, position: usize) -> &Value {
        (**self).value(position)
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
}
