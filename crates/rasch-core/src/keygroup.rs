//! Key groups: Flink's `KeyGroupRangeAssignment`, for keys hashed from their serialized bytes.
//!
//! A key's *key group* is `murmur3_32(postcard(key), seed 0) % max_parallelism`; key groups are
//! the unit of keyed state that moves between subtasks on rescaling, and subtask `i` of an
//! operator with parallelism `p` owns a contiguous [`KeyGroupRange`]. These formulas are fixed by
//! DESIGN §5: savepoint compatibility depends on them never changing.

use serde::{Deserialize, Serialize};

use crate::murmur3::murmur3_32;

pub use crate::key_hash::{KeyGroupAssigner, hash_key_fast, hash_key_streaming};

/// The smallest default max parallelism (Flink's `DEFAULT_LOWER_BOUND_MAX_PARALLELISM`).
pub const DEFAULT_LOWER_BOUND_MAX_PARALLELISM: usize = 128;

/// The largest max parallelism allowed, `2^15` (Flink's `UPPER_BOUND_MAX_PARALLELISM`).
pub const UPPER_BOUND_MAX_PARALLELISM: usize = 32768;

/// The seed Rasch uses when hashing serialized key bytes with [`murmur3_32`].
pub const KEY_HASH_SEED: u32 = 0;

/// The default max parallelism (number of key groups) for an operator of the given parallelism.
///
/// Flink's formula: `min(max(roundUpToPowerOfTwo(p + p / 2), 128), 32768)`; e.g. `p = 100`
/// gives 256 (150 rounded up), `p = 1` gives 128 and `p = 30000` gives 32768.
#[must_use]
pub fn compute_default_max_parallelism(parallelism: usize) -> usize {
    let wanted = parallelism.saturating_add(parallelism / 2);
    let rounded = wanted.checked_next_power_of_two().unwrap_or(usize::MAX);
    rounded.clamp(DEFAULT_LOWER_BOUND_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM)
}

/// The key group of a key whose hash is `hash`: `hash % max_parallelism`, the hash read unsigned.
///
/// Flink applies murmur to the key's Java `hashCode()` and takes the absolute value of the
/// signed result; Rasch instead hashes the postcard-serialized key bytes with [`murmur3_32`]
/// (seed [`KEY_HASH_SEED`]) and uses the unsigned 32-bit result directly (DESIGN §5), so key
/// groups are stable across processes, platforms and Rust versions.
///
/// # Panics
///
/// If `max_parallelism` is zero.
#[must_use]
pub fn key_group_for_hash(hash: u32, max_parallelism: usize) -> usize {
    // Lossless: usize is at least 32 bits on every platform Rasch supports (u32 -> u64/usize).
    (u64::from(hash) % max_parallelism as u64) as usize
}

/// The key group of a key given its already-serialized (postcard) bytes.
///
/// # Panics
///
/// If `max_parallelism` is zero.
#[must_use]
pub fn key_group_for_key_bytes(key_bytes: &[u8], max_parallelism: usize) -> usize {
    key_group_for_hash(murmur3_32(key_bytes, KEY_HASH_SEED), max_parallelism)
}

/// Adapts the caller's scratch buffer to postcard's `Extend<u8>` flavor without moving it.
struct ScratchSink<'a>(&'a mut Vec<u8>);

impl Extend<u8> for ScratchSink<'_> {
    fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

/// Serializes `key` with postcard into `scratch` (cleared first) and returns the serialized bytes.
fn serialize_key<'a, K: Serialize + ?Sized>(key: &K, scratch: &'a mut Vec<u8>) -> Result<&'a [u8], postcard::Error> {
    scratch.clear();
    postcard::to_extend(key, ScratchSink(scratch))?;
    Ok(scratch.as_slice())
}

/// The hash Rasch uses for `key`: [`murmur3_32`] (seed 0) of its postcard serialization.
///
/// `scratch` is cleared and reused for the serialized bytes, so no allocation happens once it
/// has grown to the largest key's size; afterwards it holds the key's serialized bytes.
///
/// # Errors
///
/// The postcard error if the key cannot be serialized (e.g. a `Serialize` impl that fails,
/// or a sequence of unknown length); never hashes partial or empty bytes instead.
pub fn hash_key<K: Serialize + ?Sized>(key: &K, scratch: &mut Vec<u8>) -> Result<u32, postcard::Error> {
    let bytes = serialize_key(key, scratch)?;
    Ok(murmur3_32(bytes, KEY_HASH_SEED))
}

/// The key group of `key`: [`hash_key`] then [`key_group_for_hash`]. (`scratch` is no longer
/// needed — the hash is computed while serializing — and is left untouched.)
///
/// # Errors
///
/// The postcard error if the key cannot be serialized.
///
/// # Panics
///
/// If `max_parallelism` is zero.
#[inline]
pub fn key_group_for_key<K: Serialize + ?Sized>(key: &K, max_parallelism: usize, _scratch: &mut Vec<u8>) -> Result<usize, postcard::Error> {
    Ok(key_group_for_hash(hash_key_streaming(key)?, max_parallelism))
}

/// The index of the subtask that owns `key_group`: `key_group * parallelism / max_parallelism`.
///
/// Preconditions (checked by [`check_parallelism_within_max`]): `0 < parallelism <=
/// max_parallelism <= 32768` and `key_group < max_parallelism`.
///
/// # Panics
///
/// If `max_parallelism` is zero.
#[must_use]
pub fn operator_index_for_key_group(max_parallelism: usize, parallelism: usize, key_group: usize) -> usize {
    key_group * parallelism / max_parallelism
}

/// A contiguous, inclusive range of key groups (Flink's `KeyGroupRange`).
///
/// A range with `start > end_inclusive` is empty; [`KeyGroupRange::new`] normalizes every
/// empty range to [`KeyGroupRange::EMPTY`] so that equality behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyGroupRange {
    /// The first key group in the range.
    pub start: usize,
    /// The last key group in the range (inclusive).
    pub end_inclusive: usize,
}

impl KeyGroupRange {
    /// The canonical empty range.
    pub const EMPTY: KeyGroupRange = KeyGroupRange { start: 1, end_inclusive: 0 };

    /// The range `start..=end_inclusive`, or [`KeyGroupRange::EMPTY`] if `start > end_inclusive`.
    #[must_use]
    pub fn new(start: usize, end_inclusive: usize) -> Self {
        if start > end_inclusive { Self::EMPTY } else { Self { start, end_inclusive } }
    }

    /// Whether `key_group` lies in this range.
    #[must_use]
    pub fn contains(&self, key_group: usize) -> bool {
        self.start <= key_group && key_group <= self.end_inclusive
    }

    /// The number of key groups in this range.
    #[must_use]
    pub fn len(&self) -> usize {
        if self.is_empty() { 0 } else { self.end_inclusive - self.start + 1 }
    }

    /// Whether this range holds no key group.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.start > self.end_inclusive
    }

    /// The key groups of this range, in ascending order.
    #[must_use]
    pub fn iter(&self) -> std::ops::RangeInclusive<usize> {
        self.start..=self.end_inclusive
    }
}

impl IntoIterator for KeyGroupRange {
    type Item = usize;
    type IntoIter = std::ops::RangeInclusive<usize>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The key groups owned by subtask `operator_index` (Flink's formula):
/// `start = (i * maxP + p - 1) / p`, `end = ((i + 1) * maxP - 1) / p`.
///
/// For valid arguments the ranges of subtasks `0..parallelism` partition `0..max_parallelism`
/// and agree with [`operator_index_for_key_group`].
///
/// # Panics
///
/// If `parallelism` is zero, `parallelism > max_parallelism` or `operator_index >= parallelism`.
#[must_use]
pub fn compute_key_group_range_for_operator_index(max_parallelism: usize, parallelism: usize, operator_index: usize) -> KeyGroupRange {
    assert!(
        parallelism > 0 && parallelism <= max_parallelism,
        "parallelism {parallelism} must be in 1..={max_parallelism} (the max parallelism)"
    );
    assert!(operator_index < parallelism, "operator index {operator_index} must be below the parallelism {parallelism}");
    let start = (operator_index * max_parallelism).div_ceil(parallelism);
    let end = ((operator_index + 1) * max_parallelism - 1) / parallelism;
    KeyGroupRange::new(start, end)
}

/// Checks `0 < parallelism <= max_parallelism <= 32768`, with a message naming the violation.
///
/// # Errors
///
/// A human-readable message if any bound is violated.
pub fn check_parallelism_within_max(parallelism: usize, max_parallelism: usize) -> Result<(), String> {
    if max_parallelism == 0 || max_parallelism > UPPER_BOUND_MAX_PARALLELISM {
        return Err(format!("max parallelism must be between 1 and {UPPER_BOUND_MAX_PARALLELISM}, found {max_parallelism}"));
    }
    if parallelism == 0 {
        return Err("parallelism must be at least 1, found 0".to_owned());
    }
    if parallelism > max_parallelism {
        return Err(format!(
            "parallelism {parallelism} is larger than the max parallelism {max_parallelism}; \
             raise the max parallelism (it cannot be changed after the first savepoint) \
             or lower the parallelism"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_max_parallelism_matches_flink() {
        assert_eq!(compute_default_max_parallelism(0), 128);
        assert_eq!(compute_default_max_parallelism(1), 128);
        assert_eq!(compute_default_max_parallelism(85), 128); // 127 -> 128
        assert_eq!(compute_default_max_parallelism(86), 256); // 129 -> 256
        assert_eq!(compute_default_max_parallelism(100), 256); // 150 -> 256
        assert_eq!(compute_default_max_parallelism(200), 512); // 300 -> 512
        assert_eq!(compute_default_max_parallelism(30000), 32768);
        assert_eq!(compute_default_max_parallelism(usize::MAX), 32768);
    }

    #[test]
    fn key_group_for_hash_is_unsigned_modulo() {
        assert_eq!(key_group_for_hash(0, 128), 0);
        assert_eq!(key_group_for_hash(129, 128), 1);
        assert_eq!(key_group_for_hash(u32::MAX, 128), 127);
        assert_eq!(key_group_for_hash(u32::MAX, 1000), 4_294_967_295 % 1000);
    }

    #[test]
    fn table_maxp_128_p_4() {
        let ranges: Vec<_> = (0..4).map(|i| compute_key_group_range_for_operator_index(128, 4, i)).collect();
        assert_eq!(
            ranges,
            vec![KeyGroupRange::new(0, 31), KeyGroupRange::new(32, 63), KeyGroupRange::new(64, 95), KeyGroupRange::new(96, 127),]
        );
    }

    #[test]
    fn ranges_partition_and_agree_with_operator_index() {
        let pairs = [
            (1, 1),
            (128, 1),
            (128, 3),
            (128, 4),
            (128, 7),
            (128, 127),
            (128, 128),
            (256, 100),
            (1000, 7),
            (1000, 999),
            (32768, 3),
            (32768, 30000),
        ];
        for (max_p, p) in pairs {
            check_parallelism_within_max(p, max_p).unwrap();
            let ranges: Vec<_> = (0..p).map(|i| compute_key_group_range_for_operator_index(max_p, p, i)).collect();
            // Partition: contiguous, non-empty, covering 0..max_p exactly once.
            let mut next = 0;
            for r in &ranges {
                assert!(!r.is_empty(), "maxP {max_p} p {p}: empty range {r:?}");
                assert_eq!(r.start, next, "maxP {max_p} p {p}: gap or overlap at {r:?}");
                next = r.end_inclusive + 1;
            }
            assert_eq!(next, max_p, "maxP {max_p} p {p}: ranges do not end at maxP - 1");
            assert_eq!(ranges.iter().map(KeyGroupRange::len).sum::<usize>(), max_p);
            // Every key group maps to the operator whose range contains it.
            for kg in 0..max_p {
                let op = operator_index_for_key_group(max_p, p, kg);
                assert!(op < p);
                assert!(ranges[op].contains(kg), "maxP {max_p} p {p}: kg {kg} -> op {op}");
            }
        }
    }

    #[test]
    fn key_group_range_basics() {
        let r = KeyGroupRange::new(3, 5);
        assert_eq!(r.len(), 3);
        assert!(!r.is_empty());
        assert!(r.contains(3) && r.contains(5) && !r.contains(2) && !r.contains(6));
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(r.into_iter().count(), 3);
        let e = KeyGroupRange::new(7, 2);
        assert_eq!(e, KeyGroupRange::EMPTY);
        assert!(e.is_empty());
        assert_eq!(e.len(), 0);
        assert!(!e.contains(0) && !e.contains(1));
        assert_eq!(e.iter().count(), 0);
        let single = KeyGroupRange::new(0, 0);
        assert_eq!(single.len(), 1);
        assert!(single.contains(0));
    }

    #[test]
    fn check_parallelism_messages() {
        assert!(check_parallelism_within_max(1, 1).is_ok());
        assert!(check_parallelism_within_max(128, 128).is_ok());
        assert!(check_parallelism_within_max(32768, 32768).is_ok());
        let e = check_parallelism_within_max(0, 128).unwrap_err();
        assert!(e.contains("at least 1"), "{e}");
        let e = check_parallelism_within_max(1, 0).unwrap_err();
        assert!(e.contains("between 1 and 32768") && e.contains("found 0"), "{e}");
        let e = check_parallelism_within_max(1, 32769).unwrap_err();
        assert!(e.contains("32769"), "{e}");
        let e = check_parallelism_within_max(200, 128).unwrap_err();
        assert!(e.contains("200") && e.contains("128"), "{e}");
    }

    #[test]
    fn key_group_for_key_is_deterministic_and_in_range() {
        let mut scratch = Vec::new();
        for max_p in [1, 7, 128, 32768] {
            for i in 0..500u64 {
                let a = key_group_for_key(&i, max_p, &mut scratch).unwrap();
                let b = key_group_for_key(&i, max_p, &mut Vec::new()).unwrap();
                assert_eq!(a, b);
                assert!(a < max_p);
            }
        }
        // Unsized keys work, and `&str` and `String` hash alike.
        let s: &str = "key";
        assert_eq!(hash_key(s, &mut scratch).unwrap(), hash_key(&String::from("key"), &mut scratch).unwrap());
        // The scratch buffer ends up holding exactly this key's serialized bytes.
        assert_eq!(scratch, [3, b'k', b'e', b'y']);
    }

    #[test]
    fn scratch_is_reused_without_reallocation() {
        let mut scratch = Vec::with_capacity(64);
        let ptr = scratch.as_ptr();
        for i in 0..100u64 {
            hash_key(&("some key", i), &mut scratch).unwrap();
        }
        assert_eq!(scratch.as_ptr(), ptr);
    }

    #[test]
    fn serialization_errors_are_returned() {
        struct Failing;
        impl Serialize for Failing {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("nope"))
            }
        }
        let mut scratch = Vec::new();
        assert!(hash_key(&Failing, &mut scratch).is_err());
        assert!(key_group_for_key(&Failing, 128, &mut scratch).is_err());
    }

    /// Pins concrete keys so that any change of serialization or hashing is caught.
    ///
    /// Postcard bytes derived by hand: a string is varint length + UTF-8 bytes, `i64` is a
    /// zigzag varint (42 -> 84, -1 -> 1), `u64` a varint (300 -> [0xAC, 0x02]), and a tuple the
    /// concatenation of its fields. Hashes were computed independently with the Python `mmh3`
    /// package, `mmh3.hash(bytes, 0, signed=False)`, and reduced mod 128 / 32768 in Python.
    #[test]
    fn pinned_key_groups() {
        type Case<'a> = (&'a [u8], u32, usize, usize);
        let mut scratch = Vec::new();
        let mut check = |name: &str, key: &dyn Fn(&mut Vec<u8>) -> u32, case: Case<'_>| {
            let (bytes, hash, kg128, kg32768) = case;
            assert_eq!(key(&mut scratch), hash, "{name}: hash");
            assert_eq!(scratch, bytes, "{name}: postcard bytes");
            assert_eq!(key_group_for_hash(hash, 128), kg128, "{name}: kg mod 128");
            assert_eq!(key_group_for_hash(hash, 32768), kg32768, "{name}: kg mod 32768");
            assert_eq!(key_group_for_key_bytes(bytes, 128), kg128, "{name}: from bytes");
        };
        check("\"hello\"", &|s| hash_key("hello", s).unwrap(), (&[5, 104, 101, 108, 108, 111], 0x4776_A807, 7, 10247));
        check("42i64", &|s| hash_key(&42i64, s).unwrap(), (&[84], 0xF54A_B753, 83, 14163));
        check("(\"a\", 1u64)", &|s| hash_key(&("a", 1u64), s).unwrap(), (&[1, 97, 1], 0x6347_0513, 19, 1299));
        check("-1i64", &|s| hash_key(&-1i64, s).unwrap(), (&[1], 0xE45A_D1AB, 43, 20907));
        check("300u64", &|s| hash_key(&300u64, s).unwrap(), (&[0xAC, 0x02], 0xF931_F906, 6, 30982));

        let mut s = Vec::new();
        assert_eq!(key_group_for_key("hello", 128, &mut s).unwrap(), 7);
        assert_eq!(key_group_for_key(&42i64, 128, &mut s).unwrap(), 83);
        assert_eq!(key_group_for_key(&("a", 1u64), 128, &mut s).unwrap(), 19);
        assert_eq!(key_group_for_key("hello", 1000, &mut s).unwrap(), 599);
    }
}
