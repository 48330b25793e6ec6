//! The network exchange over real TCP connections on 127.0.0.1.

use rasch_core::{Error, Record, WatermarkStatus};
use rasch_runtime::channel::{CancelToken, ChannelWriter, Envelope, Event, GateReceiver, gate};
use rasch_runtime::checkpoint::{Barrier, SnapshotKind};
use rasch_runtime::net::wire::{self, Handshake};
use rasch_runtime::net::{ByteCounter, ChannelKey, DataServer, ErrorHandler, INITIAL_CREDITS, LOCAL_QUEUE_CAPACITY, connect};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: u64 = 7;

/// An error handler that records the messages.
fn errors() -> (ErrorHandler, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    (Arc::new(move |e: Error| s.lock().unwrap().push(e.to_string())), seen)
}

fn key(edge: u32, producer: u32, consumer: u32) -> ChannelKey {
    ChannelKey { edge, producer, consumer }
}

fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn batch(producer: u32, from: u64, n: u64) -> Vec<Record<(String, u64)>> {
    (from..from + n).map(|i| Record::with_timestamp((format!("p{producer}-w{i}"), i), i as i64)).collect()
}

/// Events as comparable text.
fn show<T: std::fmt::Debug>(e: &Event<T>) -> String {
    format!("{e:?}")
}

fn script(producer: u32) -> Vec<Event<(String, u64)>> {
    vec![
        Event::Records(batch(producer, 0, 1024)),
        Event::Watermark(10),
        Event::Records(batch(producer, 1024, 3)),
        Event::WatermarkStatus(WatermarkStatus::Idle),
        Event::WatermarkStatus(WatermarkStatus::Active),
        Event::Barrier(Barrier { id: 1, kind: SnapshotKind::Checkpoint, target: None }),
        Event::Records(Vec::new()),
        Event::Records(batch(producer, 2000, 500)),
        // Far larger than the reader's 64 KiB chunk: the buffer grows, then shrinks again.
        Event::Records(batch(producer, 10_000, 100_000)),
        Event::Barrier(Barrier { id: 2, kind: SnapshotKind::Savepoint, target: Some("/tmp/sp".into()) }),
        Event::Watermark(i64::MAX),
        Event::EndOfInput,
    ]
}

/// Receives until `n` channels ended; returns the events per channel.
fn collect<T>(rx: &GateReceiver<T>, n: usize) -> Vec<Vec<Event<T>>> {
    let mut per: Vec<Vec<Event<T>>> = (0..n).map(|_| Vec::new()).collect();
    let mut ended = 0;
    while ended < n {
        let Envelope { channel, event } = rx.recv_timeout(Duration::from_secs(10)).expect("an event within 10 s");
        if matches!(event, Event::EndOfInput) {
            ended += 1;
        }
        per[channel as usize].push(event);
    }
    per
}

#[test]
fn every_event_kind_arrives_in_order_on_several_channels() {
    let server = DataServer::bind("127.0.0.1:0", None).unwrap();
    let (on_error, seen) = errors();
    let cancel = CancelToken::default();
    let (tx, rx) = gate::<(String, u64)>(4);
    // One consumer task receives all three channels; each producer is its own task.
    let bytes_in = ByteCounter::default();
    let bytes_out: Vec<ByteCounter> = (0..3).map(|_| ByteCounter::default()).collect();
    for p in 0..3u32 {
        server.register(key(5, p, 1), TOKEN, tx.clone(), p, cancel.clone(), on_error.clone(), bytes_in.clone()).unwrap();
    }
    drop(tx);
    let producers: Vec<_> = (0..3u32)
        .map(|p| {
            let out = bytes_out[p as usize].clone();
            let sender =
                connect::<(String, u64)>(server.local_addr(), key(5, p, 1), TOKEN, cancel.clone(), on_error.clone(), None, out).unwrap();
            let cancel = cancel.clone();
            std::thread::spawn(move || {
                // The channel index given to the writer is irrelevant: the registration decides.
                let w = ChannelWriter::new(sender, 99, cancel);
                for e in script(p) {
                    w.send(e).unwrap();
                }
            })
        })
        .collect();
    let per = collect(&rx, 3);
    for p in producers {
        p.join().unwrap();
    }
    for (p, events) in per.iter().enumerate() {
        let want: Vec<String> = script(p as u32).iter().map(show).collect();
        let got: Vec<String> = events.iter().map(show).collect();
        assert_eq!(got, want, "channel {p}");
    }
    // Every reader stopped after end of input (the gate's senders are gone) without error.
    assert!(matches!(rx.recv_timeout(Duration::from_secs(5)), Err(crossbeam_channel::RecvTimeoutError::Disconnected)));
    std::thread::sleep(Duration::from_millis(200));
    assert!(seen.lock().unwrap().is_empty(), "{:?}", seen.lock().unwrap());
    // numBytesOut of each producer is the size of the frames of its script; the consumer's
    // numBytesIn is their sum (handshakes and credits are not counted).
    let framed = |p: u32| -> u64 {
        let mut buf = Vec::new();
        script(p).iter().for_each(|e| wire::encode_event(e, &mut buf).unwrap());
        buf.len() as u64
    };
    for p in 0..3u32 {
        assert_eq!(bytes_out[p as usize].load(Ordering::Relaxed), framed(p), "bytes sent by producer {p}");
    }
    assert_eq!(bytes_in.load(Ordering::Relaxed), (0..3).map(framed).sum::<u64>(), "bytes received");
}

/// What [`blocked_producer`] returns: the gate, the count of completed sends, the producer
/// thread and the errors seen.
type Blocked = (GateReceiver<u64>, Arc<AtomicUsize>, std::thread::JoinHandle<Result<(), Error>>, Arc<Mutex<Vec<String>>>);

/// A producer feeding a consumer that does not read; returns the number of completed sends.
fn blocked_producer(server: &DataServer, gate_capacity: usize, cancel: &CancelToken) -> Blocked {
    let (on_error, seen) = errors();
    let (tx, rx) = gate::<u64>(gate_capacity);
    server.register(key(0, 0, 0), TOKEN, tx, 0, cancel.clone(), on_error.clone(), ByteCounter::default()).unwrap();
    let sender = connect::<u64>(server.local_addr(), key(0, 0, 0), TOKEN, cancel.clone(), on_error, None, ByteCounter::default()).unwrap();
    let sent = Arc::new(AtomicUsize::new(0));
    let (s, c) = (sent.clone(), cancel.clone());
    let producer = std::thread::spawn(move || {
        let w = ChannelWriter::new(sender, 0, c);
        for i in 0..1000u64 {
            w.send(Event::Records((i * 1024..(i + 1) * 1024).map(Record::new).collect()))?;
            s.fetch_add(1, Ordering::SeqCst);
        }
        w.send(Event::EndOfInput)
    });
    (rx, sent, producer, seen)
}

#[test]
fn credits_bound_the_batches_in_flight() {
    let server = DataServer::bind("127.0.0.1:0", None).unwrap();
    let cancel = CancelToken::default();
    let gate_capacity = 1;
    let (rx, sent, producer, seen) = blocked_producer(&server, gate_capacity, &cancel);
    // In flight: the gate, the frames sent with the initial credits, the batch the writer holds
    // while it waits for credit, and the local queue.
    let bound = gate_capacity + INITIAL_CREDITS as usize + 1 + LOCAL_QUEUE_CAPACITY;
    wait_until("the producer to block", Duration::from_secs(5), || sent.load(Ordering::SeqCst) >= bound);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(sent.load(Ordering::SeqCst), bound, "sends beyond the credit bound");
    // Reading releases everything, in order.
    let mut next = 0u64;
    loop {
        let Envelope { event, .. } = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        match event {
            Event::Records(r) => {
                for rec in r {
                    assert_eq!(rec.value, next);
                    next += 1;
                }
            }
            Event::EndOfInput => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(next, 1000 * 1024);
    producer.join().unwrap().unwrap();
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn cancel_unblocks_the_producer_and_the_reader() {
    let server = DataServer::bind("127.0.0.1:0", None).unwrap();
    let cancel = CancelToken::default();
    let (rx, sent, producer, seen) = blocked_producer(&server, 1, &cancel);
    wait_until("the producer to block", Duration::from_secs(5), || sent.load(Ordering::SeqCst) >= 4);
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    cancel.cancel();
    assert!(matches!(producer.join().unwrap(), Err(Error::Cancelled)));
    // The reader, blocked on the full gate, gives up and drops its sender.
    loop {
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(_) => {}
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            Err(e) => panic!("reader still running: {e}"),
        }
    }
    assert!(t.elapsed() < Duration::from_secs(2), "took {:?}", t.elapsed());
    std::thread::sleep(Duration::from_millis(200));
    assert!(seen.lock().unwrap().is_empty(), "cancellation is not an error: {:?}", seen.lock().unwrap());
}

/// Waits until the server closes `s` (reading and discarding what it sends); returns the text.
fn read_until_closed(mut s: TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("server did not close the connection: {e}"),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn raw(server: &DataServer) -> TcpStream {
    TcpStream::connect(server.local_addr()).unwrap()
}

#[test]
fn garbage_is_refused_without_disturbing_other_channels() {
    let secret = Some("s3cret".to_string());
    let server = DataServer::bind("127.0.0.1:0", secret.clone()).unwrap();
    server.set_registration_timeout(Duration::from_millis(300));
    let cancel = CancelToken::default();
    let (on_error, seen) = errors();
    let (tx, rx) = gate::<(String, u64)>(16);

    // Random bytes.
    let mut s = raw(&server);
    let mut x = 0x1234_5678_9abc_def0u64;
    let noise: Vec<u8> = (0..300)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    s.write_all(&noise).unwrap();
    assert!(read_until_closed(s).contains("bad magic"));

    // Truncated handshake.
    let good = Handshake::encode(TOKEN, key(1, 0, 0), secret.as_deref());
    let mut s = raw(&server);
    s.write_all(&good[..20]).unwrap();
    s.shutdown(Shutdown::Write).unwrap();
    read_until_closed(s);

    // Wrong secret, missing secret, wrong version.
    for bytes in [Handshake::encode(TOKEN, key(1, 0, 0), Some("nope")), Handshake::encode(TOKEN, key(1, 0, 0), None)] {
        let mut s = raw(&server);
        s.write_all(&bytes).unwrap();
        assert!(read_until_closed(s).contains("secret"));
    }
    let mut v = good;
    v[5] ^= 0x40;
    let mut s = raw(&server);
    s.write_all(&v).unwrap();
    assert!(read_until_closed(s).contains("version"));

    // Unknown key after the registration wait.
    let mut s = raw(&server);
    s.write_all(&Handshake::encode(TOKEN, key(9, 9, 9), secret.as_deref())).unwrap();
    assert!(read_until_closed(s).contains("not registered"));

    // Stale token of an older attempt, through the real producer: rejected, reported to it.
    server.register(key(1, 1, 0), TOKEN, tx.clone(), 1, cancel.clone(), on_error.clone(), ByteCounter::default()).unwrap();
    let (producer_error, producer_seen) = errors();
    let stale = connect::<(String, u64)>(
        server.local_addr(),
        key(1, 1, 0),
        TOKEN - 1,
        cancel.clone(),
        producer_error,
        secret.clone(),
        ByteCounter::default(),
    )
    .unwrap();
    stale.send(Envelope { channel: 0, event: Event::Watermark(1) }).unwrap();
    wait_until("the stale producer's error", Duration::from_secs(5), || !producer_seen.lock().unwrap().is_empty());
    assert!(producer_seen.lock().unwrap()[0].contains("stale"), "{:?}", producer_seen.lock().unwrap());
    // Wrong secret, through the real producer.
    let (producer_error, producer_seen) = errors();
    let wrong = connect::<(String, u64)>(
        server.local_addr(),
        key(1, 1, 0),
        TOKEN,
        cancel.clone(),
        producer_error,
        Some("x".into()),
        ByteCounter::default(),
    )
    .unwrap();
    wrong.send(Envelope { channel: 0, event: Event::Watermark(1) }).unwrap();
    wait_until("the unauthenticated producer's error", Duration::from_secs(5), || !producer_seen.lock().unwrap().is_empty());
    assert!(producer_seen.lock().unwrap()[0].contains("secret"), "{:?}", producer_seen.lock().unwrap());
    assert!(seen.lock().unwrap().is_empty(), "rejected handshakes are not channel errors: {:?}", seen.lock().unwrap());

    // Established channels receiving garbage frames: on_error names the channel and the problem.
    let cases: Vec<(u32, Vec<u8>, &str)> = vec![
        (2, vec![0xff, 0xff, 0xff, 0xff, wire::TAG_RECORDS], "exceeds the limit"),
        (3, vec![0, 0, 0, 0, 99], "unknown data frame tag 99"),
        (4, vec![0, 0, 0, 3, wire::TAG_RECORDS, 0xff, 0xff, 0xff], "undecodable records frame"),
        (5, vec![0, 0, 0, 1, wire::TAG_WATERMARK, 1], "watermark frame has 1 payload bytes"),
    ];
    let mut keep = Vec::new();
    for (edge, frame, _) in &cases {
        let (etx, erx) = gate::<(String, u64)>(4);
        keep.push(erx);
        server.register(key(*edge, 0, 0), TOKEN, etx, 0, cancel.clone(), on_error.clone(), ByteCounter::default()).unwrap();
        let mut s = raw(&server);
        s.write_all(&Handshake::encode(TOKEN, key(*edge, 0, 0), secret.as_deref())).unwrap();
        s.write_all(frame).unwrap();
        read_until_closed(s);
    }
    wait_until("the channel errors", Duration::from_secs(5), || seen.lock().unwrap().len() >= cases.len());
    let seen_now = seen.lock().unwrap().clone();
    for (edge, _, what) in &cases {
        let name = format!("network channel {}", key(*edge, 0, 0));
        assert!(seen_now.iter().any(|m| m.contains(&name) && m.contains(what)), "no '{what}' for {name} in {seen_now:?}");
    }

    // A good producer is still served.
    server.register(key(1, 0, 0), TOKEN, tx.clone(), 0, cancel.clone(), on_error.clone(), ByteCounter::default()).unwrap();
    let sender = connect::<(String, u64)>(
        server.local_addr(),
        key(1, 0, 0),
        TOKEN,
        cancel.clone(),
        on_error.clone(),
        secret,
        ByteCounter::default(),
    )
    .unwrap();
    let w = ChannelWriter::new(sender, 0, cancel.clone());
    w.send(Event::Records(batch(0, 0, 10))).unwrap();
    w.send(Event::EndOfInput).unwrap();
    let per = collect(&rx, 1);
    assert_eq!(
        per[0].iter().map(show).collect::<Vec<_>>(),
        vec![show(&Event::Records(batch(0, 0, 10))), show(&Event::<(String, u64)>::EndOfInput)]
    );
    assert_eq!(seen.lock().unwrap().len(), cases.len(), "{:?}", seen.lock().unwrap());
}

#[test]
fn a_producer_vanishing_mid_stream_is_reported() {
    let server = DataServer::bind("127.0.0.1:0", None).unwrap();
    let cancel = CancelToken::default();
    let (on_error, seen) = errors();
    let (tx, rx) = gate::<u64>(16);
    server.register(key(0, 0, 0), TOKEN, tx.clone(), 0, cancel.clone(), on_error.clone(), ByteCounter::default()).unwrap();
    server.register(key(0, 1, 0), TOKEN, tx, 1, cancel.clone(), on_error.clone(), ByteCounter::default()).unwrap();

    // The producer task goes away (its sender is dropped) without end of input.
    let sender =
        connect::<u64>(server.local_addr(), key(0, 0, 0), TOKEN, cancel.clone(), on_error.clone(), None, ByteCounter::default()).unwrap();
    sender.send(Envelope { channel: 0, event: Event::Records(vec![Record::new(1)]) }).unwrap();
    drop(sender);
    // A process dying in the middle of a frame.
    let mut s = raw(&server);
    s.write_all(&Handshake::encode(TOKEN, key(0, 1, 0), None)).unwrap();
    s.write_all(&[0, 0, 0, 100, wire::TAG_RECORDS, 1, 2, 3]).unwrap();
    drop(s);

    wait_until("two errors", Duration::from_secs(5), || seen.lock().unwrap().len() >= 2);
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().any(|m| m.contains("edge 0 subtask 0 -> 0") && m.contains("before end of input")), "{seen:?}");
    assert!(seen.iter().any(|m| m.contains("edge 0 subtask 1 -> 0") && m.contains("middle of a frame")), "{seen:?}");
    assert!(matches!(rx.recv_timeout(Duration::from_secs(1)).unwrap().event, Event::Records(r) if r == vec![Record::new(1)]));
}

#[test]
fn connections_wait_for_their_registration_and_shutdown_stops_readers() {
    let server = DataServer::bind("127.0.0.1:0", None).unwrap();
    let cancel = CancelToken::default();
    let (on_error, seen) = errors();
    // Connect first, register later.
    let sender =
        connect::<u64>(server.local_addr(), key(3, 0, 0), TOKEN, cancel.clone(), on_error.clone(), None, ByteCounter::default()).unwrap();
    sender.send(Envelope { channel: 0, event: Event::Watermark(5) }).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let (tx, rx) = gate::<u64>(4);
    server.register(key(3, 0, 0), TOKEN, tx, 2, cancel.clone(), on_error.clone(), ByteCounter::default()).unwrap();
    let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!((got.channel, show(&got.event)), (2, show(&Event::<u64>::Watermark(5))));
    // Shutdown returns promptly and stops the (idle) reader.
    let t = Instant::now();
    server.shutdown();
    assert!(t.elapsed() < Duration::from_secs(2));
    assert!(matches!(rx.recv_timeout(Duration::from_secs(1)), Err(crossbeam_channel::RecvTimeoutError::Disconnected)));
    assert!(seen.lock().unwrap().is_empty());
    assert!(server.register(key(4, 0, 0), TOKEN, gate::<u64>(1).0, 0, cancel, on_error, ByteCounter::default()).is_err());
}

#[test]
fn type_ops_wire_remote_channels_for_any_type() {
    let ops = rasch_runtime::graph::type_ops::<(String, u64)>();
    let server = DataServer::bind("127.0.0.1:0", Some("k".into())).unwrap();
    let cancel = CancelToken::default();
    let (on_error, seen) = errors();
    let (tx, rx) = ops.gate(4);
    let rx = *(rx as Box<dyn std::any::Any>).downcast::<GateReceiver<(String, u64)>>().unwrap();
    ops.register_remote(&server, key(2, 0, 1), TOKEN, &*tx, 3, cancel.clone(), on_error.clone(), ByteCounter::default()).unwrap();
    // A sender of another type is refused.
    assert!(
        ops.register_remote(&server, key(2, 1, 1), TOKEN, &gate::<u64>(1).0, 0, cancel.clone(), on_error.clone(), ByteCounter::default())
            .is_err()
    );
    drop(tx);
    let sender = ops
        .connect_remote(server.local_addr(), key(2, 0, 1), TOKEN, cancel.clone(), on_error, Some("k".into()), ByteCounter::default())
        .unwrap();
    let sender = *(sender as Box<dyn std::any::Any>).downcast::<rasch_runtime::channel::GateSender<(String, u64)>>().unwrap();
    let w = ChannelWriter::new(sender, 0, cancel);
    w.send(Event::Records(batch(0, 0, 3))).unwrap();
    w.send(Event::EndOfInput).unwrap();
    let got: Vec<(u32, String)> = (0..2)
        .map(|_| rx.recv_timeout(Duration::from_secs(10)).unwrap())
        .map(|Envelope { channel, event }| (channel, show(&event)))
        .collect();
    assert_eq!(got, vec![(3, show(&Event::Records(batch(0, 0, 3)))), (3, show(&Event::<(String, u64)>::EndOfInput))]);
    assert!(seen.lock().unwrap().is_empty());
}
