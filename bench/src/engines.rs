//! `state-engines`: the embedded key-value engines a larger-than-memory state backend could sit
//! on, measured on the access pattern of keyed state: N random puts of 100-byte values (state
//! build-up), N random point gets, N random overwrites, and one full scan (snapshot). Both
//! engines are pure Rust; the `rocksdb` crate is excluded because its bundled C++ build takes
//! close to an hour on the 2-core build machine (DESIGN §11).
//!
//! Writes go in batches of `--batch` (1000) keys — the state backend writes evicted dirty cache
//! entries back in batches — and neither engine syncs to disk (local state is rebuilt from
//! checkpoints, never recovered from the engine's own files).

use crate::report::finish;
use rasch::Params;
use serde_json::{Map, json};
use std::time::Instant;

fn key(i: u64) -> [u8; 10] {
    let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    let mut k = [0u8; 10];
    k[..2].copy_from_slice(&((z % 128) as u16).to_be_bytes());
    k[2..].copy_from_slice(&(z ^ (z >> 31)).to_be_bytes());
    k
}

fn nth(i: u64, n: u64) -> u64 {
    let mut z = i.wrapping_mul(0x2545_F491_4F6C_DD1D).wrapping_add(7);
    z ^= z >> 29;
    z % n
}

struct Figures {
    puts: f64,
    gets: f64,
    overwrites: f64,
    scan: f64,
}

fn rate(n: u64, start: Instant) -> f64 {
    n as f64 / start.elapsed().as_secs_f64()
}

fn fjall_run(dir: &std::path::Path, n: u64, batch: u64, value: &[u8]) -> Result<Figures, String> {
    let err = |e: fjall::Error| e.to_string();
    let ks = fjall::Config::new(dir.join("fjall")).cache_size(32 << 20).max_write_buffer_size(32 << 20).open().map_err(err)?;
    let part = ks.open_partition("state", fjall::PartitionCreateOptions::default().max_memtable_size(16 << 20)).map_err(err)?;
    let write = |round: u64| -> Result<f64, String> {
        let start = Instant::now();
        let mut b = ks.batch();
        for i in 0..n {
            let k = if round == 0 { key(i) } else { key(nth(i + round * n, n)) };
            b.insert(&part, &k[..], value);
            if (i + 1) % batch == 0 {
                b.commit().map_err(err)?;
                b = ks.batch();
            }
        }
        b.commit().map_err(err)?;
        Ok(rate(n, start))
    };
    let puts = write(0)?;
    let start = Instant::now();
    let mut found = 0u64;
    for i in 0..n {
        found += part.get(key(nth(i, n))).map_err(err)?.is_some() as u64;
    }
    let gets = rate(n, start);
    assert_eq!(found, n);
    let overwrites = write(1)?;
    let start = Instant::now();
    let scanned = part.iter().count() as u64;
    let scan = rate(scanned, start);
    Ok(Figures { puts, gets, overwrites, scan })
}

fn redb_run(dir: &std::path::Path, n: u64, batch: u64, value: &[u8]) -> Result<Figures, String> {
    use redb::ReadableTable;
    const TABLE: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("state");
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let db = redb::Database::builder().set_cache_size(64 << 20).create(dir.join("redb")).map_err(|x| e(&x))?;
    let write = |round: u64| -> Result<f64, String> {
        let start = Instant::now();
        let mut i = 0;
        while i < n {
            let mut tx = db.begin_write().map_err(|x| e(&x))?;
            tx.set_durability(redb::Durability::None);
            {
                let mut t = tx.open_table(TABLE).map_err(|x| e(&x))?;
                for j in i..(i + batch).min(n) {
                    let k = if round == 0 { key(j) } else { key(nth(j + round * n, n)) };
                    t.insert(&k[..], value).map_err(|x| e(&x))?;
                }
            }
            tx.commit().map_err(|x| e(&x))?;
            i += batch;
        }
        Ok(rate(n, start))
    };
    let puts = write(0)?;
    let start = Instant::now();
    let mut found = 0u64;
    {
        let tx = db.begin_read().map_err(|x| e(&x))?;
        let t = tx.open_table(TABLE).map_err(|x| e(&x))?;
        for i in 0..n {
            found += t.get(&key(nth(i, n))[..]).map_err(|x| e(&x))?.is_some() as u64;
        }
    }
    let gets = rate(n, start);
    assert_eq!(found, n);
    let overwrites = write(1)?;
    let start = Instant::now();
    let tx = db.begin_read().map_err(|x| e(&x))?;
    let t = tx.open_table(TABLE).map_err(|x| e(&x))?;
    let scanned = t.iter().map_err(|x| e(&x))?.count() as u64;
    let scan = rate(scanned, start);
    Ok(Figures { puts, gets, overwrites, scan })
}

/// `rasch-bench state-engines --records N [--batch 1000] [--dir PATH]`.
pub fn run(params: &Params) -> Result<(), String> {
    let n = params.get_or("records", 1_000_000u64).map_err(|e| e.to_string())?.max(1);
    let batch = params.get_or("batch", 1_000u64).map_err(|e| e.to_string())?.max(1);
    let base = params.get("dir").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("rasch-engines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let value = [0x5au8; 100];
    let mut extra = Map::new();
    let started = Instant::now();
    for (name, f) in [("fjall", fjall_run as fn(&std::path::Path, u64, u64, &[u8]) -> Result<Figures, String>), ("redb", redb_run)] {
        let r = f(&dir, n, batch, &value)?;
        println!(
            "{name:>6}: puts {:>10.0}/s  gets {:>10.0}/s  overwrites {:>10.0}/s  scan {:>10.0}/s",
            r.puts, r.gets, r.overwrites, r.scan
        );
        extra.insert(format!("{name}_puts_per_sec"), json!(r.puts.round()));
        extra.insert(format!("{name}_gets_per_sec"), json!(r.gets.round()));
        extra.insert(format!("{name}_overwrites_per_sec"), json!(r.overwrites.round()));
        extra.insert(format!("{name}_scan_per_sec"), json!(r.scan.round()));
    }
    std::fs::remove_dir_all(&dir).ok();
    finish("state-engines", 1, n, started.elapsed().as_secs_f64(), extra);
    Ok(())
}
