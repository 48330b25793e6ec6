//! `KeyCell`: the current key of a keyed operator, kept across records so that a borrowed key
//! (`key_by_ref`) is not cloned per record.
//!
//! A keyed function consumes its record, so the key must outlive it: the cell owns one copy and
//! replaces it only when the key changes — with `clone_from`, which reuses the old key's
//! allocation (e.g. a `String`'s buffer). Owned keys (`key_by`) are moved in, never cloned.

use std::borrow::Cow;

/// Holds the current key.
#[derive(Debug)]
pub struct KeyCell<K>(Option<K>);

impl<K> Default for KeyCell<K> {
    fn default() -> Self {
        KeyCell(None)
    }
}

impl<K: Clone + Eq> KeyCell<K> {
    /// Makes `key` the current key and returns it.
    #[inline]
    pub fn set(&mut self, key: Cow<'_, K>) -> &K {
        match (key, &mut self.0) {
            (Cow::Owned(k), slot) => *slot = Some(k),
            (Cow::Borrowed(k), Some(current)) => {
                if current != k {
                    current.clone_from(k);
                }
            }
            (Cow::Borrowed(k), slot) => *slot = Some(k.clone()),
        }
        self.0.as_ref().expect("just set")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_keys_reuse_the_cell_allocation() {
        let mut cell = KeyCell::default();
        let a = String::from("a fairly long key, so it lives on the heap");
        let first = cell.set(Cow::Borrowed(&a)).as_ptr();
        let b = String::from("another key, a little shorter");
        assert_eq!(cell.set(Cow::Borrowed(&b)), &b);
        assert_eq!(cell.set(Cow::Borrowed(&b)).as_ptr(), first, "clone_from reused the buffer");
        assert_eq!(cell.set(Cow::Owned("owned".to_string())), "owned");
    }
}
