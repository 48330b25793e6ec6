//! `ToText`: how `print()` and `write_as_text()` render a value — Flink's `toString` style,
//! so `("hello", 3)` prints as `(hello,3)`.

use std::fmt::Write;

/// Renders a value as one line of text, the way Flink's `toString` would.
///
/// Implemented for primitives, strings, tuples (up to 8 fields), `Option`, `Vec` and slices.
/// Implement it for your own types to `print()` them.
pub trait ToText {
    /// Appends the text form of `self` to `out`.
    fn write_text(&self, out: &mut String);

    /// The text form as a new `String`.
    fn to_text(&self) -> String {
        let mut s = String::new();
        self.write_text(&mut s);
        s
    }
}

macro_rules! display_to_text {
    ($($t:ty),*) => {$(
        impl ToText for $t {
            #[inline]
            fn write_text(&self, out: &mut String) {
                let _ = write!(out, "{}", self);
            }
        }
    )*};
}
display_to_text!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64, bool, char);

impl ToText for str {
    fn write_text(&self, out: &mut String) {
        out.push_str(self);
    }
}
impl ToText for String {
    fn write_text(&self, out: &mut String) {
        out.push_str(self);
    }
}
impl ToText for compact_str::CompactString {
    fn write_text(&self, out: &mut String) {
        out.push_str(self);
    }
}
impl<T: ToText + ?Sized> ToText for &T {
    fn write_text(&self, out: &mut String) {
        (**self).write_text(out);
    }
}
impl<T: ToText + ?Sized> ToText for Box<T> {
    fn write_text(&self, out: &mut String) {
        (**self).write_text(out);
    }
}
impl<T: ToText> ToText for Option<T> {
    fn write_text(&self, out: &mut String) {
        match self {
            Some(v) => v.write_text(out),
            None => out.push_str("null"),
        }
    }
}
impl<T: ToText> ToText for [T] {
    fn write_text(&self, out: &mut String) {
        out.push('[');
        for (i, v) in self.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            v.write_text(out);
        }
        out.push(']');
    }
}
impl<T: ToText> ToText for Vec<T> {
    fn write_text(&self, out: &mut String) {
        self.as_slice().write_text(out);
    }
}
impl ToText for () {
    fn write_text(&self, out: &mut String) {
        out.push_str("()");
    }
}

macro_rules! tuple_to_text {
    ($first:ident $(, $rest:ident)*) => {
        impl<$first: ToText $(, $rest: ToText)*> ToText for ($first, $($rest,)*) {
            #[allow(non_snake_case)]
            fn write_text(&self, out: &mut String) {
                let ($first, $($rest,)*) = self;
                out.push('(');
                $first.write_text(out);
                $( out.push(','); $rest.write_text(out); )*
                out.push(')');
            }
        }
    };
}
tuple_to_text!(A);
tuple_to_text!(A, B);
tuple_to_text!(A, B, C);
tuple_to_text!(A, B, C, D);
tuple_to_text!(A, B, C, D, E);
tuple_to_text!(A, B, C, D, E, F);
tuple_to_text!(A, B, C, D, E, F, G);
tuple_to_text!(A, B, C, D, E, F, G, H);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_flink() {
        assert_eq!(("hello".to_string(), 3u64).to_text(), "(hello,3)");
        assert_eq!((1i32, (2.5f64, true)).to_text(), "(1,(2.5,true))");
        assert_eq!(Some(vec![1, 2]).to_text(), "[1, 2]");
        assert_eq!(None::<i32>.to_text(), "null");
        assert_eq!("x".to_text(), "x");
    }
}
