//! Hashing keys fast, with exactly the results of [`keygroup`](crate::keygroup)'s formulas:
//! murmur3 computed while postcard serializes the key (no bytes stored and read back),
//! postcard's encoding applied directly for strings and integers, and [`KeyGroupAssigner`],
//! which replaces the two divisions of key group and subtask assignment by a mask and a table.

use crate::keygroup::{KEY_HASH_SEED, UPPER_BOUND_MAX_PARALLELISM, key_group_for_hash, operator_index_for_key_group};
use crate::murmur3::Murmur3;
use serde::Serialize;

/// A postcard flavor that hashes the serialized bytes as they are produced.
struct HashingFlavor(Murmur3);

impl postcard::ser_flavors::Flavor for HashingFlavor {
    type Output = u32;

    #[inline]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    #[inline]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.write(data);
        Ok(())
    }

    #[inline]
    fn finalize(self) -> postcard::Result<u32> {
        Ok(self.0.finish())
    }
}

/// The same hash as [`hash_key`], computed while serializing: the bytes are never stored.
///
/// # Errors
///
/// The postcard error if the key cannot be serialized.
#[inline]
pub fn hash_key_streaming<K: Serialize + ?Sized>(key: &K) -> Result<u32, postcard::Error> {
    postcard::serialize_with_flavor(key, HashingFlavor(Murmur3::new(KEY_HASH_SEED)))
}

/// Feeds `v` as postcard writes it: LEB128, 7 bits a byte, least significant first.
#[inline]
fn push_varint(h: &mut Murmur3, mut v: u64) {
    while v >= 0x80 {
        h.push((v as u8) | 0x80);
        v >>= 7;
    }
    h.push(v as u8);
}

/// postcard's bytes of a `str`: its length as a varint, then its UTF-8 bytes.
#[inline]
fn hash_str(s: &str) -> u32 {
    let mut h = Murmur3::new(KEY_HASH_SEED);
    push_varint(&mut h, s.len() as u64);
    h.write(s.as_bytes());
    h.finish()
}

/// postcard's bytes of an unsigned integer wider than a byte: a varint.
#[inline]
fn hash_varint(v: u64) -> u32 {
    let mut h = Murmur3::new(KEY_HASH_SEED);
    push_varint(&mut h, v);
    h.finish()
}

/// The same hash as [`hash_key`], with the common key types (strings and integers wider than a
/// byte) hashed straight from postcard's encoding rules instead of through its serializer;
/// other types take [`hash_key_streaming`]. The type test is resolved at compile time.
///
/// # Errors
///
/// The postcard error if the key cannot be serialized.
#[inline]
pub fn hash_key_fast<K: Serialize + std::any::Any>(key: &K) -> Result<u32, postcard::Error> {
    let any = key as &dyn std::any::Any;
    if let Some(s) = any.downcast_ref::<compact_str::CompactString>() {
        return Ok(hash_str(s.as_str()));
    }
    if let Some(s) = any.downcast_ref::<String>() {
        return Ok(hash_str(s));
    }
    if let Some(&v) = any.downcast_ref::<u64>() {
        return Ok(hash_varint(v));
    }
    if let Some(&v) = any.downcast_ref::<i64>() {
        return Ok(hash_varint(((v << 1) ^ (v >> 63)) as u64));
    }
    if let Some(&v) = any.downcast_ref::<u32>() {
        return Ok(hash_varint(u64::from(v)));
    }
    if let Some(&v) = any.downcast_ref::<i32>() {
        return Ok(hash_varint(u64::from(((v << 1) ^ (v >> 31)) as u32)));
    }
    hash_key_streaming(key)
}

/// Key group and subtask assignment for one (max parallelism, parallelism) pair, with the
/// divisions of [`key_group_for_hash`] and [`operator_index_for_key_group`] replaced by a mask
/// (power-of-two max parallelism) and a lookup table — the same results, a few cycles each.
#[derive(Debug, Clone)]
pub struct KeyGroupAssigner {
    max_parallelism: usize,
    /// `max_parallelism - 1` when it is a power of two.
    mask: Option<u32>,
    /// Subtask of every key group.
    subtask: Vec<u16>,
}

impl KeyGroupAssigner {
    /// The assignment of `max_parallelism` key groups to `parallelism` subtasks.
    ///
    /// # Panics
    ///
    /// If `max_parallelism` is zero or larger than [`UPPER_BOUND_MAX_PARALLELISM`].
    #[must_use]
    pub fn new(max_parallelism: usize, parallelism: usize) -> Self {
        assert!((1..=UPPER_BOUND_MAX_PARALLELISM).contains(&max_parallelism), "max parallelism {max_parallelism} out of range");
        let subtask = (0..max_parallelism).map(|g| operator_index_for_key_group(max_parallelism, parallelism, g) as u16).collect();
        let mask = max_parallelism.is_power_of_two().then(|| (max_parallelism - 1) as u32);
        KeyGroupAssigner { max_parallelism, mask, subtask }
    }

    /// The number of key groups.
    #[must_use]
    pub fn max_parallelism(&self) -> usize {
        self.max_parallelism
    }

    /// [`key_group_for_hash`].
    #[inline]
    #[must_use]
    pub fn key_group_for_hash(&self, hash: u32) -> usize {
        match self.mask {
            Some(m) => (hash & m) as usize,
            None => key_group_for_hash(hash, self.max_parallelism),
        }
    }

    /// The key group of `key` ([`key_group_for_key`]).
    ///
    /// # Errors
    ///
    /// The postcard error if the key cannot be serialized.
    #[inline]
    pub fn key_group<K: Serialize + std::any::Any>(&self, key: &K) -> Result<usize, postcard::Error> {
        Ok(self.key_group_for_hash(hash_key_fast(key)?))
    }

    /// The subtask owning `key_group` ([`operator_index_for_key_group`]).
    #[inline]
    #[must_use]
    pub fn subtask(&self, key_group: usize) -> usize {
        usize::from(self.subtask[key_group])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keygroup::hash_key;

    #[test]
    fn streaming_hash_and_assigner_equal_the_formulas() {
        let mut scratch = Vec::new();
        let keys: Vec<String> = (0..500).map(|i| "k".repeat(i % 37) + &i.to_string()).collect();
        for k in &keys {
            assert_eq!(hash_key_streaming(k).unwrap(), hash_key(k, &mut scratch).unwrap());
            assert_eq!(
                hash_key_streaming(&(k.as_str(), 7u64, -3i32)).unwrap(),
                hash_key(&(k.as_str(), 7u64, -3i32), &mut scratch).unwrap()
            );
        }
        let long = "x".repeat(300);
        for k in keys.iter().map(String::as_str).chain([long.as_str(), "", "ünïcødé"]) {
            assert_eq!(hash_key_fast(&k.to_string()).unwrap(), hash_key(k, &mut scratch).unwrap());
            assert_eq!(hash_key_fast(&compact_str::CompactString::from(k)).unwrap(), hash_key(k, &mut scratch).unwrap());
        }
        for v in [0i64, 1, -1, 63, -64, 64, 127, 128, 300, -300, i64::MAX, i64::MIN, 1 << 40] {
            assert_eq!(hash_key_fast(&v).unwrap(), hash_key(&v, &mut scratch).unwrap(), "i64 {v}");
            assert_eq!(hash_key_fast(&(v as u64)).unwrap(), hash_key(&(v as u64), &mut scratch).unwrap(), "u64 {v}");
            assert_eq!(hash_key_fast(&(v as i32)).unwrap(), hash_key(&(v as i32), &mut scratch).unwrap(), "i32 {v}");
            assert_eq!(hash_key_fast(&(v as u32)).unwrap(), hash_key(&(v as u32), &mut scratch).unwrap(), "u32 {v}");
        }
        for (max_p, p) in [(128, 1), (128, 2), (128, 3), (100, 7), (1000, 999), (32768, 5), (7, 7)] {
            let a = KeyGroupAssigner::new(max_p, p);
            for k in &keys {
                let h = hash_key(k, &mut scratch).unwrap();
                let kg = key_group_for_hash(h, max_p);
                assert_eq!(a.key_group(k).unwrap(), kg);
                assert_eq!(a.subtask(kg), operator_index_for_key_group(max_p, p, kg));
            }
            for h in [0, 1, 127, 128, u32::MAX, u32::MAX - 1, 0x8000_0000] {
                assert_eq!(a.key_group_for_hash(h), key_group_for_hash(h, max_p));
            }
        }
    }
}
