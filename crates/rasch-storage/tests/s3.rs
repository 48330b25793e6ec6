//! Checkpoints and savepoints against a real S3 API: a moto server on 127.0.0.1 (no network
//! beyond loopback). Install it with `scripts/install-s3-test-server.sh`; without it the test
//! prints a "skipped" line and passes. `RASCH_MOTO_SERVER` may point at another `moto_server`.

use rasch_storage::{CheckpointStorage, Error, SavepointStorage, StateHandle, StateSource, StateStore, StorageOptions};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BUCKET: &str = "rasch-test";

/// The moto server process; killed by PID when dropped (also when a test assertion panics).
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("RASCH_MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/s3-venv/bin/moto_server");
    path.is_file().then_some(path)
}

fn start_moto(binary: &PathBuf) -> Moto {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not listen on 127.0.0.1:{port} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

/// Creates the bucket with a plain unsigned HTTP PUT (moto accepts it); returns the status line.
fn create_bucket(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "PUT /{BUCKET} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.lines().next().unwrap_or_default().to_string()
}

/// Overwrites an object with raw bytes through `object_store` directly (bypassing the envelope).
fn put_raw(port: u16, key: &str, bytes: &[u8]) {
    use object_store::ObjectStoreExt;
    let s3 = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(format!("http://127.0.0.1:{port}"))
        .with_allow_http(true)
        .with_access_key_id("dummy-access-key")
        .with_secret_access_key("dummy-secret-key")
        .with_region("us-east-1")
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(s3.put(&object_store::path::Path::from(key), bytes.to_vec().into())).unwrap();
}

fn options(port: u16) -> StorageOptions {
    StorageOptions::new()
        .set("s3.endpoint", format!("http://127.0.0.1:{port}"))
        .set("s3.access-key", "dummy-access-key")
        .set("s3.secret-key", "dummy-secret-key")
        .set("s3.region", "us-east-1")
        .set("s3.path.style.access", "true")
}

#[test]
fn checkpoints_and_savepoints_on_s3() {
    let Some(binary) = moto_binary() else {
        println!("skipped: no S3 test server; run scripts/install-s3-test-server.sh");
        return;
    };
    let moto = start_moto(&binary);
    let status = create_bucket(moto.port);
    assert!(status.contains(" 200"), "creating bucket: {status}");
    let opts = options(moto.port);

    checkpoint_round_trips(&opts, moto.port);
    savepoint_round_trips(&opts);
    drop(moto);
}

fn checkpoint_round_trips(opts: &StorageOptions, port: u16) {
    let dir = format!("s3://{BUCKET}/checkpoints/");
    let storage = CheckpointStorage::with_options(&dir, "job-s3", opts).unwrap();
    assert_eq!(storage.completed_checkpoints().unwrap(), Vec::<u64>::new());
    assert_eq!(storage.latest_valid().unwrap(), None);

    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let h1 = storage.write_state(1, "op-1", b"one").unwrap();
    let h2 = storage.write_state(1, "op-2", &big).unwrap();
    assert_eq!(h1.location, format!("s3://{BUCKET}/checkpoints/job-s3/chk-1/op-1"));
    storage.write_state(2, "op-1", b"partial").unwrap();
    assert_eq!(storage.completed_checkpoints().unwrap(), Vec::<u64>::new(), "no _metadata yet");

    let meta = serde_json::to_vec(&vec![h1.clone(), h2.clone()]).unwrap();
    assert_eq!(storage.write_metadata(1, &meta).unwrap(), format!("s3://{BUCKET}/checkpoints/job-s3/chk-1"));
    assert_eq!(storage.completed_checkpoints().unwrap(), vec![1], "chk-2 has no _metadata");
    assert_eq!(storage.read_metadata(1).unwrap(), meta);
    assert_eq!(storage.read_state(&h1).unwrap(), b"one");
    assert_eq!(storage.read_state(&h2).unwrap(), big);

    // A second handle on the same storage, used from another thread, sees the same checkpoint.
    let again: Box<dyn StateSource> = Box::new(CheckpointStorage::with_options(&dir, "job-s3", opts).unwrap());
    let h = h1.clone();
    assert_eq!(std::thread::spawn(move || again.read_state(&h).unwrap()).join().unwrap(), b"one");

    // The newest _metadata is corrupt (truncated): latest_valid falls back to chk-1.
    storage.write_metadata(3, b"three").unwrap();
    assert_eq!(storage.latest_valid().unwrap(), Some((3, b"three".to_vec())));
    put_raw(port, "checkpoints/job-s3/chk-3/_metadata", b"RASCHMD\0 torn upload");
    let rasch_storage::LatestValid { latest, skipped } = storage.latest_valid_report().unwrap();
    assert_eq!(latest, Some((1, meta.clone())));
    assert!(skipped[0].to_string().contains("chk-3/_metadata"), "{}", skipped[0]);

    // A state handle whose size does not match is reported with its location.
    let e = storage.read_state(&StateHandle { size: 1, ..h1.clone() }).unwrap_err();
    assert!(matches!(&e, Error::MalformedInput { location, .. } if location == &h1.location), "{e}");

    // Tasks upload concurrently from their own threads through the shared private runtime.
    let uploaded: Vec<StateHandle> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..6u8)
            .map(|i| {
                let storage = storage.clone();
                s.spawn(move || storage.write_state(4, &format!("task-{i}"), &vec![i; 50_000]).unwrap())
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for (i, h) in uploaded.iter().enumerate() {
        assert_eq!(storage.read_state(h).unwrap(), vec![i as u8; 50_000]);
    }

    for id in [1, 2, 3, 4] {
        storage.discard(id).unwrap();
    }
    assert_eq!(storage.completed_checkpoints().unwrap(), Vec::<u64>::new());
    assert!(storage.read_state(&h1).is_err());
}

fn savepoint_round_trips(opts: &StorageOptions) {
    let target = format!("s3://{BUCKET}/savepoints");
    let (writer, path) = SavepointStorage::create_with(&target, "abcdef123456", opts).unwrap();
    assert!(path.starts_with(&format!("{target}/savepoint-abcdef-")), "{path}");
    let store: &dyn StateStore = &writer;
    let handles: Vec<StateHandle> = (0..3).map(|i| store.write_state(5, &format!("op-{i}"), &[i as u8; 1000]).unwrap()).collect();
    assert_eq!(handles[2].location, "op-2");
    store.write_metadata(5, &serde_json::to_vec(&handles).unwrap()).unwrap();

    for open in [path.clone(), format!("{path}/_metadata")] {
        let reader = SavepointStorage::open_with(&open, opts).unwrap();
        let handles: Vec<StateHandle> = serde_json::from_slice(reader.metadata()).unwrap();
        for (i, h) in handles.iter().enumerate() {
            assert_eq!(reader.read_state(h).unwrap(), vec![i as u8; 1000]);
        }
    }

    let e = SavepointStorage::dispose_with(&format!("{target}/nothing-here"), opts).unwrap_err().to_string();
    assert!(e.contains("refusing to dispose") && e.contains("nothing-here"), "{e}");
    SavepointStorage::dispose_with(&path, opts).unwrap();
    assert!(SavepointStorage::open_with(&path, opts).is_err());
}
