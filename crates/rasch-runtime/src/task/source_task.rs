//! The loop of a task whose head is a source.

use super::{TaskBody, TaskEnv};
use crate::operators::SourceDriver;
use crate::source::PollStatus;
use rasch_core::{Error, Result};

/// Polls the source until it ends or the job is cancelled.
pub struct SourceTask {
    driver: Box<dyn SourceDriver>,
}

impl SourceTask {
    /// A task around a source driver.
    pub fn new(driver: Box<dyn SourceDriver>) -> Self {
        SourceTask { driver }
    }
}

impl TaskBody for SourceTask {
    fn run(mut self: Box<Self>, env: &TaskEnv) -> Result<()> {
        loop {
            if env.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            match self.driver.poll()? {
                PollStatus::MoreAvailable => {}
                PollStatus::NothingAvailable => self.driver.flush()?,
                PollStatus::EndOfInput => {
                    self.driver.finish()?;
                    return self.driver.close();
                }
            }
        }
    }
}
