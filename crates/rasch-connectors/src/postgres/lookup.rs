//! Looking rows up by key in PostgreSQL for enrichment, with a cache (Flink's JDBC lookup
//! source: `lookup.cache.max-rows`, `lookup.cache.ttl`, `lookup.max-retries`,
//! `lookup.cache.caching-missing-key`). SQL lookup joins will use it; in the DataStream API,
//! [`PostgresLookup::join`] makes it a map function.

use postgres::{Client, NoTls, Statement};
use rasch_core::{Error, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::functions::MapFunction;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::ToSql;

struct LookupSettings {
    connection: String,
    query: String,
    max_rows: usize,
    ttl: Duration,
    max_retries: u32,
    cache_missing: bool,
}

/// Configures a [`PostgresLookup`].
#[derive(Debug, Clone)]
pub struct PostgresLookupBuilder {
    connection: String,
    query: String,
    max_rows: usize,
    ttl: Duration,
    max_retries: u32,
    cache_missing: bool,
}

impl PostgresLookupBuilder {
    /// The query, with the key as `$1`: `SELECT name, city FROM users WHERE id = $1`.
    pub fn query(mut self, query: &str) -> Self {
        self.query = query.to_string();
        self
    }
    /// Keep at most `max_rows` keys' results for at most `ttl` (`lookup.cache.max-rows`,
    /// `lookup.cache.ttl`; without a call nothing is cached). The oldest entry goes first.
    pub fn cache(mut self, max_rows: usize, ttl: Duration) -> Self {
        self.max_rows = max_rows;
        self.ttl = ttl;
        self
    }
    /// Whether a key without rows is cached too (`lookup.cache.caching-missing-key`, default true).
    pub fn cache_missing_keys(mut self, cache: bool) -> Self {
        self.cache_missing = cache;
        self
    }
    /// Reconnect and retry a failed lookup this many times (`lookup.max-retries`, default 3).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }
    /// The lookup, with `decode` turning the first row found into a value.
    pub fn build<K, V, D>(self, decode: D) -> Result<PostgresLookup<K, V, D>>
    where
        D: Fn(&postgres::Row) -> V + Send + Sync + 'static,
    {
        if !self.query.contains("$1") {
            return Err(Error::Config(format!("PostgreSQL lookup: the query `{}` has no key parameter $1", self.query)));
        }
        let settings = LookupSettings {
            connection: self.connection,
            query: self.query,
            max_rows: self.max_rows,
            ttl: self.ttl,
            max_retries: self.max_retries,
            cache_missing: self.cache_missing,
        };
        Ok(PostgresLookup {
            settings: Arc::new(settings),
            decode: Arc::new(decode),
            conn: Mutex::new(None),
            cache: HashMap::new(),
            order: VecDeque::new(),
        })
    }
}

/// Rows of a PostgreSQL table by key, cached. Each parallel instance (each clone) opens its own
/// connection on first use and keeps its own cache.
pub struct PostgresLookup<K, V, D> {
    settings: Arc<LookupSettings>,
    decode: Arc<D>,
    /// Its connection, opened on first use. Only ever reached through `&mut self`
    /// (`Mutex::get_mut`, no locking): the mutex just makes the lookup shareable before it
    /// connects, as function prototypes of a job are.
    conn: Mutex<Option<(Client, Statement)>>,
    cache: HashMap<K, (Option<V>, Instant)>,
    /// Keys in the order they were cached (eviction order).
    order: VecDeque<K>,
}

impl<K, V, D> Clone for PostgresLookup<K, V, D> {
    /// A lookup with the same settings, its own connection (opened on first use) and an empty cache.
    fn clone(&self) -> Self {
        PostgresLookup {
            settings: self.settings.clone(),
            decode: self.decode.clone(),
            conn: Mutex::new(None),
            cache: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl PostgresLookup<(), (), fn(&postgres::Row)> {
    /// A lookup through connections opened with `connection` (a libpq connection string or URL).
    pub fn builder(connection: &str) -> PostgresLookupBuilder {
        PostgresLookupBuilder {
            connection: connection.to_string(),
            query: String::new(),
            max_rows: 0,
            ttl: Duration::ZERO,
            max_retries: 3,
            cache_missing: true,
        }
    }
}

impl<K, V, D> PostgresLookup<K, V, D>
where
    K: ToSql + Sync + Hash + Eq + Clone,
    V: Clone,
    D: Fn(&postgres::Row) -> V + Send + Sync + 'static,
{
    fn connect(&mut self) -> Result<&mut (Client, Statement)> {
        let conn = self.conn.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner);
        if conn.is_none() {
            let s = &self.settings;
            let mut client = Client::connect(&s.connection, NoTls).map_err(|e| super::pg_error("connecting the PostgreSQL lookup", e))?;
            let statement = client.prepare(&s.query).map_err(|e| super::pg_error(&format!("preparing `{}`", s.query), e))?;
            *conn = Some((client, statement));
        }
        Ok(conn.as_mut().expect("just connected"))
    }

    /// The value of `key`'s first row, or `None` without rows: from the cache while fresh,
    /// else from the database (retried on a new connection up to `max_retries` times).
    pub fn get(&mut self, key: &K) -> Result<Option<V>> {
        if let Some((value, at)) = self.cache.get(key)
            && at.elapsed() < self.settings.ttl
        {
            return Ok(value.clone());
        }
        let mut attempt = 0;
        let value = loop {
            let result = self.connect().and_then(|(client, statement)| {
                client.query_opt(&*statement, &[key]).map_err(|e| super::pg_error("looking up a key in PostgreSQL", e))
            });
            match result {
                Ok(row) => break row.map(|r| (self.decode)(&r)),
                Err(e) if attempt >= self.settings.max_retries => return Err(e),
                Err(_) => {
                    attempt += 1;
                    *self.conn.get_mut().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
                    std::thread::sleep(Duration::from_millis(10 * u64::from(attempt)));
                }
            }
        };
        if self.settings.max_rows > 0 && (value.is_some() || self.settings.cache_missing) {
            if self.cache.insert(key.clone(), (value.clone(), Instant::now())).is_none() {
                self.order.push_back(key.clone());
            }
            while self.cache.len() > self.settings.max_rows {
                match self.order.pop_front() {
                    Some(oldest) => {
                        self.cache.remove(&oldest);
                    }
                    None => break,
                }
            }
        }
        Ok(value)
    }

    /// A map function enriching each record with the value looked up under `key(record)`:
    /// `combine(record, value)` (Flink's lookup join, `LEFT` when `combine` accepts `None`).
    pub fn join<T, U, KF, CF>(self, key: KF, combine: CF) -> LookupJoin<K, V, D, KF, CF>
    where
        KF: Fn(&T) -> K + Clone + Send + 'static,
        CF: Fn(T, Option<V>) -> U + Clone + Send + 'static,
    {
        LookupJoin { lookup: self, key, combine }
    }
}

/// A [`MapFunction`] joining each record with a [`PostgresLookup`]; see [`PostgresLookup::join`].
pub struct LookupJoin<K, V, D, KF, CF> {
    lookup: PostgresLookup<K, V, D>,
    key: KF,
    combine: CF,
}

impl<K, V, D, KF: Clone, CF: Clone> Clone for LookupJoin<K, V, D, KF, CF> {
    fn clone(&self) -> Self {
        LookupJoin { lookup: self.lookup.clone(), key: self.key.clone(), combine: self.combine.clone() }
    }
}

impl<T, U, K, V, D, KF, CF> MapFunction<T, U> for LookupJoin<K, V, D, KF, CF>
where
    K: ToSql + Sync + Send + Hash + Eq + Clone + 'static,
    V: Clone + Send + 'static,
    D: Fn(&postgres::Row) -> V + Send + Sync + 'static,
    KF: Fn(&T) -> K + Clone + Send + 'static,
    CF: Fn(T, Option<V>) -> U + Clone + Send + 'static,
{
    fn map(&mut self, value: T) -> Result<U> {
        let key = (self.key)(&value);
        let found = self.lookup.get(&key)?;
        Ok((self.combine)(value, found))
    }
    fn open(&mut self, _ctx: &RuntimeContext) -> Result<()> {
        self.lookup.connect().map(|_| ())
    }
}
