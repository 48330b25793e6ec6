//! `PartitionWriter`: the end of a task's chain on a network edge. Buffers records per target
//! channel and sends a batch when it is full, when a control event must pass, or on flush.
//! Hash partitioning sends each record's key group along ([`Event::KeyedRecords`]); buffers
//! come from the consumer's recycling pool.

use super::ChannelSelector;
use crate::channel::{ChannelWriter, Event};
use crate::output::Output;
use rasch_core::{Data, Record, Result};

/// Partitions records into per-channel batches and sends them.
pub struct PartitionWriter<T, S> {
    channels: Vec<ChannelWriter<T>>,
    buffers: Vec<Vec<Record<T>>>,
    /// Key groups of the buffered records, per channel (keyed selectors only).
    groups: Vec<Vec<u16>>,
    selector: S,
    batch_size: usize,
}

impl<T: Data, S: ChannelSelector<T>> PartitionWriter<T, S> {
    /// A writer to `channels`, batching `batch_size` records per send.
    pub fn new(channels: Vec<ChannelWriter<T>>, selector: S, batch_size: usize) -> Self {
        let buffers = channels.iter().map(|_| Vec::new()).collect();
        let groups = channels.iter().map(|_| Vec::new()).collect();
        PartitionWriter { channels, buffers, groups, selector, batch_size: batch_size.max(1) }
    }

    /// Sends the buffer of `channel` (with its key groups, if any), replacing it by a
    /// recycled one.
    fn send_buffer(&mut self, channel: usize) -> Result<()> {
        let out = &self.channels[channel];
        let batch = std::mem::replace(&mut self.buffers[channel], out.records_buffer(self.batch_size));
        if self.groups[channel].is_empty() {
            return out.send(Event::Records(batch));
        }
        let groups = std::mem::replace(&mut self.groups[channel], out.groups_buffer(self.batch_size));
        debug_assert_eq!(batch.len(), groups.len());
        out.send(Event::KeyedRecords(batch, groups))
    }

    fn flush_all(&mut self) -> Result<()> {
        for c in 0..self.buffers.len() {
            if !self.buffers[c].is_empty() {
                self.send_buffer(c)?;
            }
        }
        Ok(())
    }

    fn broadcast_event(&mut self, make: impl Fn() -> Event<T>) -> Result<()> {
        self.flush_all()?;
        self.channels.iter().try_for_each(|c| c.send(make()))
    }
}

impl<T: Data, S: ChannelSelector<T>> Output<T> for PartitionWriter<T, S> {
    fn push(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        let n = self.channels.len();
        if S::BROADCAST {
            for c in 0..n {
                self.buffers[c].extend_from_slice(batch);
                if self.buffers[c].len() >= self.batch_size {
                    self.send_buffer(c)?;
                }
            }
            batch.clear();
            return Ok(());
        }
        if n == 1 {
            if self.buffers[0].is_empty() && batch.len() >= self.batch_size / 2 {
                let full = std::mem::replace(batch, self.channels[0].records_buffer(self.batch_size));
                return self.channels[0].send(Event::Records(full));
            }
            self.buffers[0].append(batch);
            if self.buffers[0].len() >= self.batch_size {
                self.send_buffer(0)?;
            }
            return Ok(());
        }
        if S::KEYED {
            for record in batch.drain(..) {
                let (c, group) = self.selector.select_keyed(&record.value, n)?;
                self.buffers[c].push(record);
                self.groups[c].push(group);
                if self.buffers[c].len() >= self.batch_size {
                    self.send_buffer(c)?;
                }
            }
            return Ok(());
        }
        for record in batch.drain(..) {
            let c = self.selector.select(&record.value, n)?;
            let buf = &mut self.buffers[c];
            buf.push(record);
            if buf.len() >= self.batch_size {
                self.send_buffer(c)?;
            }
        }
        Ok(())
    }

    fn watermark(&mut self, watermark: i64) -> Result<()> {
        self.broadcast_event(|| Event::Watermark(watermark))
    }

    fn end_input(&mut self) -> Result<()> {
        self.broadcast_event(|| Event::EndOfInput)
    }

    fn flush(&mut self) -> Result<()> {
        self.flush_all()
    }

    fn close(&mut self) -> Result<()> {
        Ok(())
    }

    fn on_processing_time(&mut self, _: i64) -> Result<()> {
        Ok(())
    }

    fn watermark_status(&mut self, status: rasch_core::WatermarkStatus) -> Result<()> {
        self.broadcast_event(|| Event::WatermarkStatus(status))
    }
    fn snapshot(&mut self, snapshot: &mut crate::checkpoint::Snapshot) -> Result<()> {
        let barrier = &snapshot.barrier;
        self.broadcast_event(|| Event::Barrier(barrier.clone()))
    }
    fn notify_checkpoint_complete(&mut self, _checkpoint_id: u64) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::{CancelToken, Envelope, gate};
    use crate::functions::KeyFn;
    use crate::partition::{KeyGroupSelector, RoundRobin, WriterContext};
    use rasch_core::keygroup::{key_group_for_key, operator_index_for_key_group};

    fn drain(rx: &crossbeam_channel::Receiver<Envelope<i64>>) -> Vec<i64> {
        let mut out = Vec::new();
        while let Ok(env) = rx.try_recv() {
            match env.event {
                Event::Records(b) => out.extend(b.into_iter().map(|r| r.value)),
                Event::KeyedRecords(b, groups) => {
                    assert_eq!(b.len(), groups.len());
                    for (r, g) in b.into_iter().zip(groups) {
                        let kg = key_group_for_key(&(r.value % 10), 128, &mut Vec::new()).unwrap();
                        assert_eq!(g as usize, kg, "the key group sent along is the key's");
                        out.push(r.value);
                    }
                }
                _ => {}
            }
        }
        out
    }

    #[test]
    fn hash_partitioning_follows_key_groups() {
        let cancel = CancelToken::default();
        let gates: Vec<_> = (0..3).map(|_| gate::<i64>(100)).collect();
        let writers = gates.iter().enumerate().map(|(i, (tx, _))| ChannelWriter::new(tx.clone(), i as u32, cancel.clone())).collect();
        let mut selector = KeyGroupSelector::<i64, i64, _>::new(KeyFn(|v: &i64| v % 10));
        selector.setup(&WriterContext {
            subtask_index: 0,
            target_max_parallelism: 128,
            batch_size: 4,
            cancel: cancel.clone(),
            runtime_mode: Default::default(),
        });
        let mut w = PartitionWriter::new(writers, selector, 4);
        let mut batch: Vec<_> = (0..100).map(Record::new).collect();
        w.push(&mut batch).unwrap();
        w.end_input().unwrap();
        let mut scratch = Vec::new();
        let mut total = 0;
        for (i, (_, rx)) in gates.iter().enumerate() {
            let got = drain(rx);
            total += got.len();
            for v in got {
                let kg = key_group_for_key(&(v % 10), 128, &mut scratch).unwrap();
                assert_eq!(operator_index_for_key_group(128, 3, kg), i);
            }
        }
        assert_eq!(total, 100);
    }

    #[test]
    fn round_robin_spreads_evenly() {
        let cancel = CancelToken::default();
        let gates: Vec<_> = (0..4).map(|_| gate::<i64>(100)).collect();
        let writers = gates.iter().enumerate().map(|(i, (tx, _))| ChannelWriter::new(tx.clone(), i as u32, cancel.clone())).collect();
        let mut w = PartitionWriter::new(writers, RoundRobin::default(), 8);
        let mut batch: Vec<_> = (0..400).map(Record::new).collect();
        w.push(&mut batch).unwrap();
        w.flush().unwrap();
        for (_, rx) in &gates {
            assert_eq!(drain(rx).len(), 100);
        }
    }
}
