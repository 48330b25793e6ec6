//! `TypeOps`: the generic code for one element type, behind a trait object, so that the
//! type-erased graph can create typed channels, fan-outs and task loops.

use crate::channel::CancelToken;
use crate::channel::{GateReceiver, GateSender, gate};
use crate::collector::SideOutputs;
use crate::metrics::OperatorMetrics;
use crate::net::{ByteCounter, ChannelKey, DataServer, ErrorHandler};
use crate::operators::downcast_output;
use crate::output::{BoxOutput, Counting, fan_out};
use crate::partition::{Forward, Partitioner, PartitionerSpec, Pattern, RoundRobin};
use crate::task::{OneInputTask, TaskBody};
use crate::time::ProcessingTimeService;
use rasch_core::{Data, Error, Result};
use std::any::Any;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;

/// Operations on streams of one element type, erased.
pub trait TypeOps: Send + Sync {
    /// The Rust type name, for plans and messages.
    fn type_name(&self) -> &'static str;
    /// A gate queue: (boxed `GateSender<T>`, boxed `GateReceiver<T>`).
    fn gate(&self, capacity: usize) -> (Box<dyn Any + Send>, Box<dyn Any + Send>);
    /// Clones a boxed `GateSender<T>`.
    fn clone_sender(&self, sender: &(dyn Any + Send)) -> Result<Box<dyn Any + Send>>;
    /// Combines boxed outputs into one (none → discard).
    fn fan_out(&self, outputs: Vec<Box<dyn Any>>) -> Result<Box<dyn Any>>;
    /// Wraps a boxed output to count `numRecordsOut`.
    fn counting(&self, out: Box<dyn Any>, metrics: Arc<OperatorMetrics>) -> Result<Box<dyn Any>>;
    /// Registers a boxed output as the consumer of side output `tag`.
    fn add_side_output(&self, sides: &mut SideOutputs, tag: &str, out: Box<dyn Any>) -> Result<()>;
    /// The task loop for a one-input head reading a gate of this type.
    fn one_input_task(
        &self,
        head: Box<dyn Any>,
        gate: Box<dyn Any + Send>,
        channels: usize,
        time: Rc<ProcessingTimeService>,
    ) -> Result<Box<dyn TaskBody>>;
    /// The partitioner used when the user chose none.
    fn default_partitioner(&self, forward: bool) -> Arc<dyn PartitionerSpec>;
    /// Registers the consumer end of network channel `key` (attempt `token`) with `server`,
    /// feeding `channel` of the gate behind the boxed `GateSender<T>` and counting the bytes
    /// received in `bytes_in` (see [`DataServer::register`]).
    #[allow(clippy::too_many_arguments)]
    fn register_remote(
        &self,
        server: &DataServer,
        key: ChannelKey,
        token: u64,
        gate_sender: &(dyn Any + Send),
        channel: u32,
        cancel: CancelToken,
        on_error: ErrorHandler,
        bytes_in: ByteCounter,
    ) -> Result<()>;
    /// Connects the producer end of network channel `key` to the server at `addr`, counting
    /// the bytes sent in `bytes_out`; returns a boxed `GateSender<T>` to write into (see
    /// [`crate::net::connect`]).
    #[allow(clippy::too_many_arguments)]
    fn connect_remote(
        &self,
        addr: SocketAddr,
        key: ChannelKey,
        token: u64,
        cancel: CancelToken,
        on_error: ErrorHandler,
        secret: Option<String>,
        bytes_out: ByteCounter,
    ) -> Result<Box<dyn Any + Send>>;
}

struct TypeOpsImpl<T>(PhantomData<fn() -> T>);

/// The [`TypeOps`] of `T`.
pub fn type_ops<T: Data>() -> Arc<dyn TypeOps> {
    Arc::new(TypeOpsImpl::<T>(PhantomData))
}

impl<T: Data> TypeOps for TypeOpsImpl<T> {
    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }
    fn gate(&self, capacity: usize) -> (Box<dyn Any + Send>, Box<dyn Any + Send>) {
        let (tx, rx) = gate::<T>(capacity);
        (Box::new(tx), Box::new(rx))
    }
    fn clone_sender(&self, sender: &(dyn Any + Send)) -> Result<Box<dyn Any + Send>> {
        let tx = (sender as &dyn Any).downcast_ref::<GateSender<T>>().ok_or_else(|| Error::Internal("sender of another type".into()))?;
        Ok(Box::new(tx.clone()))
    }
    fn fan_out(&self, outputs: Vec<Box<dyn Any>>) -> Result<Box<dyn Any>> {
        let outs = outputs.into_iter().map(downcast_output::<T>).collect::<Result<Vec<_>>>()?;
        Ok(Box::new(fan_out(outs)))
    }
    fn counting(&self, out: Box<dyn Any>, metrics: Arc<OperatorMetrics>) -> Result<Box<dyn Any>> {
        let counted: BoxOutput<T> = Box::new(Counting::new(downcast_output::<T>(out)?, metrics));
        Ok(Box::new(counted))
    }
    fn add_side_output(&self, sides: &mut SideOutputs, tag: &str, out: Box<dyn Any>) -> Result<()> {
        sides.add::<T>(tag, downcast_output::<T>(out)?);
        Ok(())
    }
    fn one_input_task(
        &self,
        head: Box<dyn Any>,
        gate: Box<dyn Any + Send>,
        channels: usize,
        time: Rc<ProcessingTimeService>,
    ) -> Result<Box<dyn TaskBody>> {
        let head = downcast_output::<T>(head)?;
        let gate = (gate as Box<dyn Any>).downcast::<GateReceiver<T>>().map_err(|_| Error::Internal("gate of another type".into()))?;
        Ok(Box::new(OneInputTask::new(head, *gate, channels, time)))
    }
    fn default_partitioner(&self, forward: bool) -> Arc<dyn PartitionerSpec> {
        if forward {
            Arc::new(Partitioner::<T, Forward>::new("FORWARD", Pattern::Pointwise, Forward))
        } else {
            Arc::new(Partitioner::<T, RoundRobin>::new("REBALANCE", Pattern::AllToAll, RoundRobin::default()))
        }
    }
    fn register_remote(
        &self,
        server: &DataServer,
        key: ChannelKey,
        token: u64,
        gate_sender: &(dyn Any + Send),
        channel: u32,
        cancel: CancelToken,
        on_error: ErrorHandler,
        bytes_in: ByteCounter,
    ) -> Result<()> {
        let tx =
            (gate_sender as &dyn Any).downcast_ref::<GateSender<T>>().ok_or_else(|| Error::Internal("sender of another type".into()))?;
        server.register::<T>(key, token, tx.clone(), channel, cancel, on_error, bytes_in)
    }
    fn connect_remote(
        &self,
        addr: SocketAddr,
        key: ChannelKey,
        token: u64,
        cancel: CancelToken,
        on_error: ErrorHandler,
        secret: Option<String>,
        bytes_out: ByteCounter,
    ) -> Result<Box<dyn Any + Send>> {
        Ok(Box::new(crate::net::connect::<T>(addr, key, token, cancel, on_error, secret, bytes_out)?))
    }
}
