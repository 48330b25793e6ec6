//! The loop of a task whose head is a source.

use super::{TaskBody, TaskControl, TaskEnv};
use crate::checkpoint::Snapshot;
use crate::operators::SourceDriver;
use crate::source::PollStatus;
use crate::time::ProcessingTimeService;
use rasch_core::{Error, Result};
use std::rc::Rc;

/// Polls the source until it ends or the job is cancelled.
pub struct SourceTask {
    driver: Box<dyn SourceDriver>,
    time: Rc<ProcessingTimeService>,
}

impl SourceTask {
    /// A task around a source driver.
    pub fn new(driver: Box<dyn SourceDriver>, time: Rc<ProcessingTimeService>) -> Self {
        SourceTask { driver, time }
    }
}

impl TaskBody for SourceTask {
    fn run(mut self: Box<Self>, env: &TaskEnv) -> Result<()> {
        loop {
            if env.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let now = self.time.now();
            if self.time.take_due(now) {
                self.driver.on_processing_time(now)?;
            }
            while let Ok(c) = env.control.try_recv() {
                match c {
                    TaskControl::Trigger(barrier, stop) => {
                        let mut snapshot = Snapshot::new(barrier);
                        self.driver.snapshot(&mut snapshot)?;
                        env.ack(snapshot);
                        if let Some(mode) = stop {
                            // Stop with savepoint: nothing after the barrier is emitted.
                            self.driver.stop(mode)?;
                            let driver = &mut self.driver;
                            env.finish(|id| driver.notify_checkpoint_complete(id))?;
                            return self.driver.close();
                        }
                    }
                    TaskControl::Complete(id) => self.driver.notify_checkpoint_complete(id)?,
                    TaskControl::JobFinished => {}
                }
            }
            match self.driver.poll()? {
                PollStatus::MoreAvailable => {}
                PollStatus::NothingAvailable => self.driver.flush()?,
                PollStatus::EndOfInput => {
                    self.driver.finish()?;
                    let driver = &mut self.driver;
                    env.finish(|id| driver.notify_checkpoint_complete(id))?;
                    return self.driver.close();
                }
            }
        }
    }
}
