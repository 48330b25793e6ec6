//! The exactly-once writer: one Kafka transaction per subtask and checkpoint, with Flink's
//! `KafkaSink` recovery. Transactional ids are `<prefix>-<subtask>-<n>`, `n` counting up, each
//! used for one transaction. At a barrier the open transaction is flushed and handed to the
//! runtime as a committable (id, producer id, epoch); when the checkpoint completes it is
//! committed. After a failure the restored committables are committed again by resuming
//! their producer id and epoch (an `EndTxn` request), and ids the failed attempt may have used
//! since are fenced — `init_transactions` with the same id aborts whatever it left open —
//! counting up until an id that was never used (epoch 0). The fenced ids are used again for
//! the next transactions (their new epoch tells the incarnations apart), so a crash loop
//! without completed checkpoints does not make recovery walk ever more ids.

use super::client::kafka_error;
use super::protocol::{EndTxnOutcome, end_transaction};
use super::sink::{KafkaSink, TransactionEvent, TransactionListener};
use super::writer::{FLUSH_TIMEOUT, KafkaProducer, ProducerFactory, Producing, flush};
use rasch_core::{Data, Error, Record, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::SinkWriter;
use rdkafka::producer::Producer;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

/// How many never-used ids recovery may have to step over before giving up.
const MAX_PROBES: u64 = 100_000;

/// What the checkpoint stores per prepared transaction (or, without one, the sequence number
/// reached, so that recovery knows where the ids of the failed attempt start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Committable {
    transactional_id: Option<String>,
    producer_id: i64,
    epoch: i16,
    seq: u64,
}

/// One transaction and its producer.
struct Txn {
    id: String,
    seq: u64,
    producer: KafkaProducer,
    pid: (i64, i16),
    began: bool,
    records: u64,
}

/// Makes the producer of one transactional id; sendable, so the next transaction's producer
/// is initialized in the background while the task writes (an `InitProducerId` round trip
/// takes tens of milliseconds).
#[derive(Clone)]
struct TxnFactory {
    producers: ProducerFactory,
    prefix: String,
    subtask: usize,
}

impl TxnFactory {
    /// A producer for transactional id number `seq`, initialized (which fences and aborts
    /// anything an earlier producer with this id left open).
    fn init(&self, seq: u64) -> Result<Txn> {
        let id = format!("{}-{}-{seq}", self.prefix, self.subtask);
        let producer = self.producers.producer(&[("transactional.id", &id)], true)?;
        producer.init_transactions(FLUSH_TIMEOUT).map_err(|e| kafka_error(format!("initializing transactions of '{id}'"), e))?;
        // Logs arrive through the producer's queue (rdkafka sets `log.queue`): serve it.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let pid = loop {
            producer.poll(Duration::ZERO);
            if let Some(pid) = producer.context().producer_id() {
                break pid;
            }
            if std::time::Instant::now() > deadline {
                return Err(Error::Internal(format!("Kafka: no producer id was logged for transactional id '{id}'")));
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        Ok(Txn { id, seq, producer, pid, began: false, records: 0 })
    }
}

/// Writes one subtask's records in transactions.
pub(crate) struct TransactionalWriter<T> {
    producing: Producing<T>,
    factory: TxnFactory,
    /// The next transaction's producer, being initialized in the background, and its number.
    next: Option<(u64, std::thread::JoinHandle<Result<Txn>>)>,
    /// Producers initialized (and so fenced) by recovery, used next, in order.
    ready: std::collections::VecDeque<Txn>,
    bootstrap: String,
    listener: Option<TransactionListener>,
    next_seq: u64,
    started: bool,
    current: Option<Txn>,
    prepared: HashMap<String, Txn>,
}

impl<T: Data> TransactionalWriter<T> {
    pub(crate) fn new(sink: &KafkaSink<T>, ctx: &RuntimeContext, producing: Producing<T>) -> Self {
        let bootstrap = sink.props.get("bootstrap.servers").unwrap_or_default();
        let first = bootstrap.split(',').next().unwrap_or_default().trim();
        let first = first.split_once("://").map_or(first, |(_, a)| a).to_owned();
        let factory =
            TxnFactory { producers: producing.factory(), prefix: sink.prefix.clone().unwrap_or_default(), subtask: ctx.subtask_index };
        TransactionalWriter {
            producing,
            factory,
            next: None,
            ready: std::collections::VecDeque::new(),
            bootstrap: first,
            listener: sink.listener.clone(),
            next_seq: 1,
            started: false,
            current: None,
            prepared: HashMap::new(),
        }
    }

    fn emit(&self, event: TransactionEvent) {
        if let Some(l) = &self.listener {
            l(&event);
        }
    }

    fn init(&self, seq: u64) -> Result<Txn> {
        self.factory.init(seq)
    }

    /// Starts initializing the producer of the next transaction in the background.
    fn prepare_next(&mut self) {
        if self.next.is_none() && self.current.is_none() && self.ready.is_empty() {
            let (factory, seq) = (self.factory.clone(), self.next_seq);
            self.next_seq += 1;
            self.next = Some((seq, std::thread::spawn(move || factory.init(seq))));
        }
    }

    /// The producer prepared in the background, or a new one.
    fn take_next(&mut self) -> Result<Txn> {
        if let Some(txn) = self.ready.pop_front() {
            return Ok(txn);
        }
        match self.next.take() {
            Some((_, handle)) => {
                handle.join().map_err(|_| Error::Internal("Kafka: initializing a transactional producer panicked".into()))?
            }
            None => {
                let txn = self.init(self.next_seq)?;
                self.next_seq += 1;
                Ok(txn)
            }
        }
    }

    /// Fences ids from `seq` on until one that was never used; they are the next ones used.
    fn start(&mut self, mut seq: u64) -> Result<()> {
        let last = seq + MAX_PROBES;
        while seq < last {
            let txn = self.init(seq)?;
            let fresh = txn.pid.1 == 0;
            if !fresh {
                self.emit(TransactionEvent::Aborted { transactional_id: txn.id.clone(), fenced_epoch: txn.pid.1 });
            }
            self.ready.push_back(txn);
            seq += 1;
            if fresh {
                self.next_seq = seq;
                self.current = self.ready.pop_front();
                self.started = true;
                return Ok(());
            }
        }
        Err(Error::user(format!(
            "Kafka sink: transactional ids '{}-{}-*' are all used; choose another prefix",
            self.factory.prefix, self.factory.subtask
        )))
    }

    /// The lowest transaction number that may still receive records: the current one, the
    /// next ready one, the one initializing in the background, or the next to allocate.
    fn first_open_seq(&self) -> u64 {
        self.current
            .as_ref()
            .map(|t| t.seq)
            .or_else(|| self.ready.front().map(|t| t.seq))
            .or_else(|| self.next.as_ref().map(|(seq, _)| *seq))
            .unwrap_or(self.next_seq)
    }

    fn ensure_started(&mut self) -> Result<()> {
        if !self.started { self.start(1) } else { Ok(()) }
    }

    fn commit_one(&mut self, c: Committable) -> Result<()> {
        let Some(id) = c.transactional_id else { return Ok(()) };
        if let Some(txn) = self.prepared.remove(&id) {
            txn.producer.commit_transaction(FLUSH_TIMEOUT).map_err(|e| kafka_error(format!("committing transaction '{id}'"), e))?;
            self.emit(TransactionEvent::Committed { transactional_id: id, epoch: txn.pid.1, recovered: false });
            return Ok(());
        }
        match end_transaction(&self.bootstrap, &id, c.producer_id, c.epoch, true) {
            Ok(EndTxnOutcome::Done) => {}
            Ok(EndTxnOutcome::AlreadyCompleted(code)) => {
                eprintln!("rasch kafka: transaction '{id}' was completed before (error {code} on commit); nothing left to commit")
            }
            Err(e) => return Err(Error::Unavailable(format!("Kafka: committing transaction '{id}' again after a restore: {}", e.0))),
        }
        self.emit(TransactionEvent::Committed { transactional_id: id, epoch: c.epoch, recovered: true });
        Ok(())
    }

    fn decode(bytes: &[u8]) -> Result<Committable> {
        postcard::from_bytes(bytes).map_err(|e| Error::Serialization(format!("a Kafka sink committable: {e}")))
    }
}

impl<T: Data> SinkWriter<T> for TransactionalWriter<T> {
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        self.ensure_started()?;
        if self.current.is_none() {
            self.current = Some(self.take_next()?);
        }
        let txn = self.current.as_mut().expect("set above");
        if !txn.began {
            txn.producer.begin_transaction().map_err(|e| kafka_error(format!("beginning transaction '{}'", txn.id), e))?;
            txn.began = true;
            self.producing.header_value = format!("{}@{}", txn.id, txn.pid.1);
        }
        txn.records += self.producing.send(&txn.producer, batch)?;
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        if let Some(txn) = &self.current {
            txn.producer.poll(Duration::ZERO);
            txn.producer.context().check(&self.producing.topic)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        // What is left is prepared and committed by the final checkpoint.
        self.flush()
    }

    fn prepare_commit(&mut self, checkpoint_id: u64) -> Result<Vec<Vec<u8>>> {
        self.ensure_started()?;
        let committable = match self.current.take_if(|t| t.began) {
            Some(txn) => {
                flush(&txn.producer, &self.producing.topic)?;
                let c = Committable { transactional_id: Some(txn.id.clone()), producer_id: txn.pid.0, epoch: txn.pid.1, seq: txn.seq };
                self.emit(TransactionEvent::Prepared {
                    transactional_id: txn.id.clone(),
                    epoch: txn.pid.1,
                    checkpoint_id,
                    records: txn.records,
                });
                self.prepared.insert(txn.id.clone(), txn);
                self.prepare_next();
                c
            }
            // Nothing written: every id below the first one that may still take records is
            // settled; recovery fences from that one on.
            None => Committable { transactional_id: None, producer_id: -1, epoch: -1, seq: self.first_open_seq() - 1 },
        };
        Ok(vec![postcard::to_allocvec(&committable)?])
    }

    fn commit(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        for bytes in committables {
            let c = Self::decode(&bytes)?;
            self.commit_one(c)?;
        }
        Ok(())
    }

    fn recover(&mut self, committables: Vec<Vec<u8>>) -> Result<()> {
        let decoded = committables.iter().map(|b| Self::decode(b)).collect::<Result<Vec<_>>>()?;
        let last = decoded.iter().map(|c| c.seq).max().unwrap_or(0);
        for c in decoded {
            self.commit_one(c)?;
        }
        self.start(last + 1)
    }

    fn close(&mut self) -> Result<()> {
        // A transaction not prepared yet will never be committed: abort it now rather than
        // leave it to the broker's timeout (prepared ones stay open for a restored job).
        if let Some(txn) = self.current.take_if(|t| t.began) {
            let _ = txn.producer.abort_transaction(Duration::from_secs(10));
            self.emit(TransactionEvent::Aborted { transactional_id: txn.id, fenced_epoch: txn.pid.1 + 1 });
        }
        Ok(())
    }
}

impl<T> Drop for TransactionalWriter<T> {
    fn drop(&mut self) {
        // A failing task drops its writer without closing it: abort the transaction not
        // prepared yet (cheaper for the broker than fencing it on recovery, which stays the
        // safety net when the process dies).
        if let Some(txn) = self.current.take_if(|t| t.began) {
            let _ = txn.producer.abort_transaction(Duration::from_secs(5));
        }
        // Never leave an initialization running past this writer: it would fence the
        // producer a restored writer may already use with the same transactional id.
        if let Some((_, handle)) = self.next.take() {
            let _ = handle.join();
        }
    }
}
