//! Dewey numbers (Flink's `DeweyNumber`): the version of a partial match. A branch of a
//! computation gets the version of its parent with a new stage appended; a later sibling
//! increases the last digit. Edges of the shared buffer carry the version that created them,
//! and a partial match follows only the edges its version is compatible with.

use serde::{Deserialize, Serialize};

/// A version such as `1.0.2`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DeweyNumber(Vec<u32>);

impl DeweyNumber {
    /// The version of the first start state: `1`.
    pub fn root() -> Self {
        DeweyNumber(vec![1])
    }

    /// The same version with the last digit increased by `by`.
    pub fn increase(&self, by: u32) -> Self {
        let mut v = self.0.clone();
        if let Some(last) = v.last_mut() {
            *last = last.wrapping_add(by);
        }
        DeweyNumber(v)
    }

    /// The version with a new stage `0` appended.
    pub fn add_stage(mut self) -> Self {
        self.0.push(0);
        self
    }

    /// Whether a partial match of version `self` may follow an edge of version `other`: `other`
    /// is a proper prefix of `self`, or they differ only in the last digit, `self`'s being
    /// larger or equal.
    pub fn is_compatible_with(&self, other: &DeweyNumber) -> bool {
        let (a, b) = (&self.0, &other.0);
        if a.len() > b.len() {
            a[..b.len()] == b[..]
        } else if a.len() == b.len() {
            let last = a.len() - 1;
            a[..last] == b[..last] && a[last] >= b[last]
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: &[u32]) -> DeweyNumber {
        DeweyNumber(v.to_vec())
    }

    #[test]
    fn compatibility_follows_prefixes_and_later_siblings() {
        assert!(d(&[1, 0, 2]).is_compatible_with(&d(&[1, 0])), "a prefix");
        assert!(d(&[1, 2]).is_compatible_with(&d(&[1, 1])), "a later sibling");
        assert!(d(&[1, 1]).is_compatible_with(&d(&[1, 1])));
        assert!(!d(&[1, 1]).is_compatible_with(&d(&[1, 2])), "an earlier sibling");
        assert!(!d(&[1]).is_compatible_with(&d(&[1, 0])), "longer than self");
        assert!(!d(&[2, 0]).is_compatible_with(&d(&[1])), "another prefix");
        assert_eq!(DeweyNumber::root().increase(2).add_stage(), d(&[3, 0]));
    }
}
