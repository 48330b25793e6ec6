//! One module per job state: each enters its state and decides the next one.

pub(crate) mod canceled;
pub(crate) mod cancelling;
pub(crate) mod created;
pub(crate) mod failed;
pub(crate) mod failing;
pub(crate) mod finished;
pub(crate) mod restarting;
pub(crate) mod running;
pub(crate) mod scheduling;
pub(crate) mod suspended;
