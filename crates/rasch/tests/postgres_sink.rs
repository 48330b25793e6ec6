//! The PostgreSQL sink against a real PostgreSQL server, started by the test on 127.0.0.1 in a
//! temporary directory (Debian's `postgresql` package; `scripts/install-postgres.sh`):
//! upserts leave exactly the final state, inserts every row; exactly once under ≥ 20 injected
//! failures commits exactly the failure-free rows and leaves no prepared transaction behind;
//! at least once loses nothing; bad settings name what is wrong; lookups enrich a stream and
//! cache by key with a time to live and a size bound.
//!
//! Needs the `postgres` feature (`cargo test --features rasch/postgres`, as scripts/test.sh runs).

#[cfg(not(feature = "postgres"))]
#[test]
fn the_postgres_sink_tests_need_the_postgres_feature() {
    panic!(
        "crates/rasch/tests/postgres_sink.rs needs the `postgres` feature: cargo test --features rasch/postgres (scripts/test.sh runs it)"
    );
}

#[cfg(feature = "postgres")]
mod with_server {
    use rasch::connectors::DeliveryGuarantee;
    use rasch::connectors::postgres::client::{Client, NoTls};
    use rasch::connectors::postgres::{PostgresLookup, PostgresSink, Row};
    use rasch::prelude::*;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    /// A PostgreSQL server of our own: `initdb` + `pg_ctl start` in a temporary directory (as
    /// the `postgres` user when the tests run as root), stopped and removed on drop.
    struct Postgres {
        dir: PathBuf,
        bin: PathBuf,
        port: u16,
    }

    fn run_as_server_user(bin: &Path, tool: &str, args: &[&str]) -> std::process::Output {
        let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
        let mut cmd = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
            c
        } else {
            Command::new(bin.join(tool))
        };
        cmd.args(args).output().unwrap_or_else(|e| panic!("starting {tool}: {e}"))
    }

    impl Postgres {
        fn start() -> Postgres {
            let bin = std::fs::read_dir("/usr/lib/postgresql")
                .ok()
                .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).max())
                .expect("PostgreSQL's server is not installed (/usr/lib/postgresql/*/bin/initdb): run scripts/install-postgres.sh");
            let dir = std::env::temp_dir().join(format!("rasch-pg-{}-{}", std::process::id(), rand_suffix()));
            std::fs::create_dir_all(&dir).unwrap();
            let _ = Command::new("chown").args(["postgres:postgres"]).arg(&dir).status();
            let data = dir.join("data");
            let init = run_as_server_user(&bin, "initdb", &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "rasch", "--no-sync"]);
            assert!(init.status.success(), "initdb failed: {}", String::from_utf8_lossy(&init.stderr));
            let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
            let options =
                format!("-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_prepared_transactions=32 -c fsync=off", dir.display());
            let log = dir.join("server.log");
            let started = run_as_server_user(
                &bin,
                "pg_ctl",
                &["-D", data.to_str().unwrap(), "-o", &options, "-l", log.to_str().unwrap(), "-w", "-t", "60", "start"],
            );
            assert!(
                started.status.success(),
                "pg_ctl start failed: {}\n{}",
                String::from_utf8_lossy(&started.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            Postgres { dir, bin, port }
        }

        fn url(&self) -> String {
            format!("host=127.0.0.1 port={} user=rasch dbname=postgres", self.port)
        }

        fn client(&self) -> Client {
            Client::connect(&self.url(), NoTls).unwrap()
        }
    }

    impl Drop for Postgres {
        fn drop(&mut self) {
            let data = self.dir.join("data");
            run_as_server_user(&self.bin, "pg_ctl", &["-D", data.to_str().unwrap(), "-m", "immediate", "stop"]);
            std::fs::remove_dir_all(&self.dir).ok();
        }
    }

    fn rand_suffix() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64
    }

    const N: u64 = 20_000;
    const KEYS: u64 = 29;

    /// The failure-free rolling sums `sum <key> <sum>`, one per record.
    fn expected_sums() -> BTreeMap<String, usize> {
        let mut sums = BTreeMap::new();
        let mut out = BTreeMap::new();
        for i in 0..N {
            let s = sums.entry(i % KEYS).or_insert(0u64);
            *s += i;
            *out.entry(format!("sum {} {s}", i % KEYS)).or_insert(0) += 1;
        }
        out
    }

    /// Rolling sums per key with `failures` injected panics, checkpointing every 20 ms, written
    /// to `sums(line)` by an inserting sink with `guarantee`; returns the restarts.
    fn run_sums(pg: &Postgres, table: &str, guarantee: DeliveryGuarantee, failures: u32) -> u32 {
        let injected = Arc::new(AtomicU32::new(0));
        let env = StreamEnv::local();
        env.set_parallelism(2);
        env.enable_checkpointing(Duration::from_millis(20));
        env.set_config("restart-strategy.type", "fixed-delay");
        env.set_config("restart-strategy.fixed-delay.attempts", "1000");
        env.set_config("restart-strategy.fixed-delay.delay", "1 ms");
        let sink = PostgresSink::builder(&pg.url())
            .table(table)
            .columns(&["line"])
            .delivery_guarantee(guarantee)
            .max_rows(300)
            .transactional_id_prefix(table)
            .build(|line: &String, row: &mut Row<'_>| row.push(line))
            .unwrap();
        env.datagen(Some(N), Some(30_000.0), |i| i)
            .set_parallelism(1)
            .map(move |i| {
                let h =
                    (i ^ u64::from(injected.load(Ordering::SeqCst)).wrapping_mul(0x9E37_79B9)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 40;
                if h.is_multiple_of(600) && injected.fetch_add(1, Ordering::SeqCst) < failures {
                    panic!("injected failure at record {i}");
                }
                (i % KEYS, i)
            })
            .set_parallelism(1)
            .key_by(|t| t.0)
            .sum(1)
            .map(|(k, s)| format!("sum {k} {s}"))
            .sink_to(sink);
        env.execute("sums into PostgreSQL").unwrap().restarts()
    }

    fn lines(pg: &Postgres, table: &str) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for row in pg.client().query(&format!("SELECT line FROM {table}"), &[]).unwrap() {
            *out.entry(row.get::<_, String>(0)).or_insert(0) += 1;
        }
        out
    }

    #[test]
    fn exactly_once_under_injected_failures_commits_exactly_the_failure_free_rows() {
        let pg = Postgres::start();
        pg.client().batch_execute("CREATE TABLE exact (line text NOT NULL)").unwrap();
        let restarts = run_sums(&pg, "exact", DeliveryGuarantee::ExactlyOnce, 25);
        assert!(restarts >= 20, "only {restarts} restarts");
        let expected = expected_sums();
        let got = lines(&pg, "exact");
        let wrong: Vec<_> = expected.iter().filter(|(k, v)| got.get(*k) != Some(v)).take(3).collect();
        assert!(wrong.is_empty() && got.len() == expected.len(), "{} rows differ, e.g. {wrong:?}", wrong.len());
        let lingering = pg.client().query("SELECT gid FROM pg_prepared_xacts", &[]).unwrap();
        assert!(
            lingering.is_empty(),
            "prepared transactions left behind: {:?}",
            lingering.iter().map(|r| r.get::<_, String>(0)).collect::<Vec<_>>()
        );

        // At least once, plain inserts under the same failures: nothing is lost (some rows may
        // be repeated).
        pg.client().batch_execute("CREATE TABLE atleast (line text NOT NULL)").unwrap();
        let restarts = run_sums(&pg, "atleast", DeliveryGuarantee::AtLeastOnce, 25);
        assert!(restarts >= 20, "only {restarts} restarts");
        let got = lines(&pg, "atleast");
        let missing: Vec<_> = expected.keys().filter(|k| !got.contains_key(*k)).take(3).collect();
        assert!(missing.is_empty(), "at least once lost rows, e.g. {missing:?}");
    }

    #[test]
    fn upserts_leave_the_final_state_and_inserts_every_row() {
        let pg = Postgres::start();
        pg.client()
            .batch_execute("CREATE TABLE totals (k bigint PRIMARY KEY, total bigint NOT NULL, n bigint NOT NULL); CREATE TABLE log (k bigint, v bigint)")
            .unwrap();
        let env = StreamEnv::local();
        env.set_parallelism(2);
        let values = env.from_sequence(0, 9_999);
        let upsert = PostgresSink::builder(&pg.url())
            .table("totals")
            .columns(&["k", "total", "n"])
            .upsert_on(&["k"])
            .max_rows(100)
            .build(|t: &(i64, i64, i64), row: &mut Row<'_>| {
                row.push(&t.0);
                row.push(&t.1);
                row.push(&t.2);
            })
            .unwrap();
        values.map(|i| (i % 7, i, 1i64)).key_by(|t| t.0).reduce(|a, b| (a.0, a.1 + b.1, a.2 + b.2)).sink_to(upsert);
        let insert = PostgresSink::builder(&pg.url())
            .table("log")
            .columns(&["k", "v"])
            .build(|t: &(i64, i64), row: &mut Row<'_>| {
                row.push(&t.0);
                row.push(&t.1);
            })
            .unwrap();
        values.map(|i| (i % 7, i)).sink_to(insert);
        env.execute("upsert and insert").unwrap();

        let mut want: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for i in 0..10_000i64 {
            let e = want.entry(i % 7).or_default();
            e.0 += i;
            e.1 += 1;
        }
        let got: BTreeMap<i64, (i64, i64)> =
            pg.client().query("SELECT k, total, n FROM totals", &[]).unwrap().iter().map(|r| (r.get(0), (r.get(1), r.get(2)))).collect();
        assert_eq!(got, want);
        let row = pg.client().query_one("SELECT count(*), sum(v)::bigint FROM log", &[]).unwrap();
        assert_eq!((row.get::<_, i64>(0), row.get::<_, i64>(1)), (10_000, (0..10_000i64).sum::<i64>()));
    }

    #[test]
    fn lookups_enrich_a_stream_and_cache_by_key_with_ttl_and_size_bound() {
        let pg = Postgres::start();
        pg.client()
            .batch_execute("CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL); INSERT INTO users SELECT i, 'user' || i FROM generate_series(0, 99) i")
            .unwrap();
        // A job: orders by user id (some unknown) joined with the user's name, as a LEFT join.
        let env = StreamEnv::local();
        env.set_parallelism(2);
        let lookup = PostgresLookup::builder(&pg.url())
            .query("SELECT name FROM users WHERE id = $1")
            .cache(50, Duration::from_secs(60))
            .build(|row| row.get::<_, String>(0))
            .unwrap();
        let enriched = env
            .from_sequence(0, 999)
            .map_rich(lookup.join(|order: &i64| order % 120, |order, name: Option<String>| (order, name.unwrap_or_else(|| "?".into()))))
            .execute_and_collect()
            .unwrap();
        let mut got = enriched;
        got.sort();
        let want: Vec<(i64, String)> =
            (0..1000i64).map(|o| (o, if o % 120 < 100 { format!("user{}", o % 120) } else { "?".to_string() })).collect();
        assert_eq!(got, want);

        // The cache: fresh entries hide updates until their time to live passes; the oldest
        // entry is evicted beyond the size bound; missing keys are cached too.
        let mut lookup = PostgresLookup::builder(&pg.url())
            .query("SELECT name FROM users WHERE id = $1")
            .cache(2, Duration::from_millis(300))
            .build(|row| row.get::<_, String>(0))
            .unwrap();
        assert_eq!(lookup.get(&1i64).unwrap().as_deref(), Some("user1"));
        assert_eq!(lookup.get(&500i64).unwrap(), None);
        pg.client().batch_execute("UPDATE users SET name = 'bea' WHERE id = 1; INSERT INTO users VALUES (500, 'new')").unwrap();
        assert_eq!(lookup.get(&1i64).unwrap().as_deref(), Some("user1"), "cached");
        assert_eq!(lookup.get(&500i64).unwrap(), None, "a missing key is cached");
        std::thread::sleep(Duration::from_millis(350));
        assert_eq!(lookup.get(&1i64).unwrap().as_deref(), Some("bea"), "expired");
        assert_eq!(lookup.get(&500i64).unwrap().as_deref(), Some("new"), "expired");
        pg.client().batch_execute("UPDATE users SET name = 'cy' WHERE id = 1").unwrap();
        assert_eq!(lookup.get(&2i64).unwrap().as_deref(), Some("user2"));
        assert_eq!(lookup.get(&1i64).unwrap().as_deref(), Some("cy"), "key 1 was the oldest of three and was evicted");
        assert!(PostgresLookup::builder(&pg.url()).query("SELECT 1").build::<i64, (), _>(|_| ()).is_err(), "a query without $1 is refused");
    }

    /// `examples/postgres_upsert.rs`, run as a process against the test's server.
    #[test]
    fn the_example_upserts_word_counts_exactly_once() {
        let pg = Postgres::start();
        let exe = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().join("examples").join("postgres_upsert");
        let run = Command::new(&exe).args(["--url", &pg.url()]).output().unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let got: BTreeMap<String, i64> =
            pg.client().query("SELECT word, count FROM word_counts", &[]).unwrap().iter().map(|r| (r.get(0), r.get(1))).collect();
        let mut want = BTreeMap::new();
        for w in "to be or not to be that is the question".split(' ') {
            *want.entry(w.to_string()).or_insert(0i64) += 1;
        }
        assert_eq!(got, want);
        assert!(String::from_utf8_lossy(&run.stdout).starts_with("be 2\nto 2\n"), "{}", String::from_utf8_lossy(&run.stdout));
    }

    #[test]
    fn bad_settings_and_a_missing_table_are_named() {
        let pg = Postgres::start();
        let env = StreamEnv::local();
        let sink = PostgresSink::builder(&pg.url())
            .table("no_such_table")
            .columns(&["a"])
            .build(|v: &i64, row: &mut Row<'_>| row.push(v))
            .unwrap();
        env.from_collection(vec![1i64, 2]).sink_to(sink);
        let err = env.execute("missing table").unwrap_err().to_string();
        assert!(err.contains("no_such_table") && err.contains("does not exist"), "{err}");

        let env = StreamEnv::local();
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let sink = PostgresSink::builder(&format!("host=127.0.0.1 port={closed} user=rasch connect_timeout=2"))
            .table("t")
            .columns(&["a"])
            .build(|v: &i64, row: &mut Row<'_>| row.push(v))
            .unwrap();
        env.from_collection(vec![1i64]).sink_to(sink);
        let err = env.execute("refused").unwrap_err().to_string();
        assert!(err.contains("connecting the PostgreSQL sink into 't'"), "{err}");
    }
}
