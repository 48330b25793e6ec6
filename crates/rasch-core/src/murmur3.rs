//! MurmurHash3 (x86, 32-bit): the stable hash Rasch applies to serialized key bytes (DESIGN §5).
//!
//! This is the canonical algorithm by Austin Appleby: 4-byte blocks read little-endian,
//! the standard tail handling and the `fmix32` finalizer. Its output must never change —
//! key groups, and therefore savepoint compatibility, depend on it.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// The MurmurHash3 32-bit finalization mix: forces all bits of `h` to avalanche.
#[must_use]
pub fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// Scrambles one 4-byte block (or the zero-padded tail) before it is mixed into the state.
#[inline]
fn mix_k1(k1: u32) -> u32 {
    k1.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

/// MurmurHash3 x86_32 of `data` with the given `seed`.
///
/// Identical to the reference `MurmurHash3_x86_32` (and, e.g., Python's
/// `mmh3.hash(data, seed, signed=False)`) on every platform, since blocks are read
/// little-endian regardless of the host byte order.
#[must_use]
pub fn murmur3_32(data: &[u8], seed: u32) -> u32 {
    let mut h1 = seed;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let k1 = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        h1 ^= mix_k1(k1);
        h1 = h1.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k1 = 0u32;
        for (i, &b) in tail.iter().enumerate() {
            k1 |= u32::from(b) << (8 * i);
        }
        h1 ^= mix_k1(k1);
    }
    // The reference implementation mixes in the length as a 32-bit int; truncation is intended.
    h1 ^= data.len() as u32;
    fmix32(h1)
}

/// MurmurHash3 x86_32 fed incrementally: the same result as [`murmur3_32`] of the
/// concatenated input, without first collecting the bytes in a buffer (key hashing streams a
/// key's serialization through it, so no bytes are stored and read back).
#[derive(Debug, Clone, Copy)]
pub struct Murmur3 {
    h1: u32,
    /// Bytes of the unfinished 4-byte block, little-endian.
    block: u32,
    /// Number of bytes in `block` (0..4).
    filled: u32,
    len: u32,
}

impl Murmur3 {
    /// A hasher with `seed`.
    #[inline]
    #[must_use]
    pub fn new(seed: u32) -> Self {
        Murmur3 { h1: seed, block: 0, filled: 0, len: 0 }
    }

    #[inline]
    fn mix_block(&mut self, k1: u32) {
        self.h1 ^= mix_k1(k1);
        self.h1 = self.h1.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }

    /// Feeds one byte.
    #[inline]
    pub fn push(&mut self, byte: u8) {
        self.block |= u32::from(byte) << (8 * self.filled);
        self.filled += 1;
        self.len = self.len.wrapping_add(1);
        if self.filled == 4 {
            let k1 = self.block;
            self.mix_block(k1);
            self.block = 0;
            self.filled = 0;
        }
    }

    /// Feeds `data`.
    #[inline]
    pub fn write(&mut self, mut data: &[u8]) {
        while self.filled != 0 && !data.is_empty() {
            self.push(data[0]);
            data = &data[1..];
        }
        let mut blocks = data.chunks_exact(4);
        for b in &mut blocks {
            self.mix_block(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        }
        // Truncation is intended, as in `murmur3_32`.
        self.len = self.len.wrapping_add((data.len() & !3) as u32);
        for &b in blocks.remainder() {
            self.push(b);
        }
    }

    /// The hash of everything fed so far.
    #[inline]
    #[must_use]
    pub fn finish(&self) -> u32 {
        let mut h1 = self.h1;
        if self.filled != 0 {
            h1 ^= mix_k1(self.block);
        }
        fmix32(h1 ^ self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(murmur3_32(b"", 0), 0);
        assert_eq!(murmur3_32(b"", 1), 0x514E_28B7);
        assert_eq!(murmur3_32(b"", 0xffff_ffff), 0x81F1_6F39);
        assert_eq!(murmur3_32(&[0, 0, 0, 0], 0), 0x2362_F9DE);
        assert_eq!(murmur3_32(b"Hello, world!", 1234), 0xFAF6_CDB3);
        assert_eq!(murmur3_32(b"The quick brown fox jumps over the lazy dog", 0x9747_b28c), 0x2FA8_26CD);
    }

    #[test]
    fn every_tail_length_matches_python_mmh3() {
        // Inputs are the prefixes of [1, 2, ..., 16]. Expected values came from the Python
        // `mmh3` package (PyPI): mmh3.hash(bytes(range(1, n + 1)), seed, signed=False).
        let data: Vec<u8> = (1..=16).collect();
        let seed0: [u32; 16] = [
            0xE45AD1AB, 0x64C7667E, 0x80D1D204, 0x3E349DA5, 0xA291B9C8, 0xD7BFB23E, 0xFC5897B5, 0x0D4B1FBB, 0xA198F0A8, 0x4DC93CCA,
            0x01EFB7FA, 0x8F80F73B, 0xC928CDF5, 0x4EA2E38E, 0xE4B30395, 0xDA7E3067,
        ];
        let seed_9747b28c: [u32; 16] = [
            0xB8EF150D, 0xA77FDC08, 0x4FDD533C, 0xE2E42F0E, 0x5A06626A, 0x17B80744, 0x2CF53AA4, 0x2B97E99D, 0x3F6AFD5B, 0x764BAE21,
            0x52BDDFEA, 0x7A6C648C, 0x2D1EDE58, 0xC4A34066, 0x55068FF4, 0x11F5ECC7,
        ];
        for n in 1..=16 {
            assert_eq!(murmur3_32(&data[..n], 0), seed0[n - 1], "len {n}, seed 0");
            assert_eq!(murmur3_32(&data[..n], 0x9747_b28c), seed_9747b28c[n - 1], "len {n}, seed 0x9747b28c");
        }
    }

    #[test]
    fn streaming_equals_one_shot_for_every_split() {
        let data: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect();
        for n in 0..data.len() {
            let whole = murmur3_32(&data[..n], 0x9747_b28c);
            for cut in 0..=n {
                let mut h = Murmur3::new(0x9747_b28c);
                h.write(&data[..cut]);
                data[cut..n].iter().for_each(|&b| h.push(b));
                assert_eq!(h.finish(), whole, "len {n}, cut {cut}");
            }
        }
    }

    #[test]
    fn fmix32_fixed_points_and_avalanche() {
        assert_eq!(fmix32(0), 0);
        // murmur3_32 of the empty input with seed s is fmix32(s).
        assert_eq!(fmix32(1), 0x514E_28B7);
        assert_ne!(fmix32(1), fmix32(2));
    }
}
