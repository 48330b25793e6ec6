//! `DiscardingSink`: drops every record (Flink's `DiscardingSink`, the `blackhole` connector).
//!
//! At-least-once by the default (non-transactional) checkpoint methods — trivially, since
//! nothing is kept.

use rasch_core::{Record, Result};
use rasch_runtime::context::RuntimeContext;
use rasch_runtime::sink::{Sink, SinkWriter};

/// A sink that drops every batch; useful for benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiscardingSink;

impl<T: 'static> Sink<T> for DiscardingSink {
    fn create_writer(&self, _ctx: &RuntimeContext) -> Result<Box<dyn SinkWriter<T>>> {
        Ok(Box::new(DiscardingSink))
    }
}

impl<T: 'static> SinkWriter<T> for DiscardingSink {
    #[inline]
    fn write(&mut self, batch: &mut Vec<Record<T>>) -> Result<()> {
        batch.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_batches() {
        let mut writer = Sink::<String>::create_writer(&DiscardingSink, &RuntimeContext::for_test(0, 1)).unwrap();
        let mut batch = vec![Record::new("a".to_string()), Record::new("b".to_string())];
        writer.write(&mut batch).unwrap();
        assert!(batch.is_empty());
        writer.finish().unwrap();
        writer.close().unwrap();
    }
}
