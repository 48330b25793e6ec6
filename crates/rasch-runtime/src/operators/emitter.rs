//! `Emitter`: the main output, side outputs and pending batch of an operator that emits from
//! user callbacks (process functions, timers, joins). Control elements reach both outputs
//! through [`Downstream`](super::Downstream).

use crate::collector::SideOutputs;
use crate::output::BoxOutput;
use rasch_core::{Record, Result};

/// Main and side outputs plus the batch user functions collect into.
pub(crate) struct Emitter<U> {
    pub(crate) out: BoxOutput<U>,
    pub(crate) sides: SideOutputs,
    pub(crate) buf: Vec<Record<U>>,
}

impl<U: 'static> Emitter<U> {
    pub(crate) fn new(out: BoxOutput<U>, sides: SideOutputs) -> Self {
        Emitter { out, sides, buf: Vec::new() }
    }

    /// Pushes the collected batch and buffered side records downstream.
    pub(crate) fn emit(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.out.push(&mut self.buf)?;
        }
        self.sides.push_buffered()
    }
}
