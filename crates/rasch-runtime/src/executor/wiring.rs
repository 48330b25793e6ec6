//! Wiring of a job graph: one bounded gate per (vertex, subtask, input) and, for every producer
//! subtask, the senders of the channels it writes to (all-to-all or pointwise). In a cluster,
//! only the subtasks placed in this process are wired; a channel whose other end lives in
//! another worker goes through the network exchange instead of an in-process queue.

use crate::graph::{JobGraph, TypeOps};
use crate::partition::{ChannelTargets, connected_targets};
use rasch_core::Result;
use std::any::Any;
use std::collections::HashMap;

/// What one subtask needs to build its chain: its output channels and input gates.
pub(crate) struct TaskSpec {
    pub(crate) vertex: usize,
    pub(crate) subtask: usize,
    pub(crate) outputs: HashMap<usize, ChannelTargets>,
    pub(crate) gates: [Option<(Box<dyn Any + Send>, usize)>; 2],
}

/// One logical channel: stream edge, producer subtask, consumer subtask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChannelId {
    /// Index of the stream edge.
    pub edge: usize,
    /// Producer subtask.
    pub producer: usize,
    /// Consumer subtask.
    pub consumer: usize,
}

/// The ends of channels that cross the process boundary (implemented by the worker).
pub(crate) trait RemoteChannels {
    /// Routes the channel `id`, arriving from another worker, into the local gate behind
    /// `gate` (a boxed `GateSender<T>`, of a subtask of `target_vertex`) as channel index
    /// `channel`.
    fn register(&self, ty: &dyn TypeOps, target_vertex: usize, id: ChannelId, gate: &(dyn Any + Send), channel: u32) -> Result<()>;
    /// A boxed `GateSender<T>` whose events travel from a subtask of `source_vertex` to the
    /// consumer of `id` in another worker.
    fn connect(&self, ty: &dyn TypeOps, source_vertex: usize, target_vertex: usize, id: ChannelId) -> Result<Box<dyn Any + Send>>;
}

/// Which subtasks run here, and how to reach the others.
pub(crate) struct Placement<'a> {
    /// Whether subtask `(vertex, subtask)` runs in this process.
    pub(crate) is_local: &'a dyn Fn(usize, usize) -> bool,
    /// The network ends for channels between this process and others.
    pub(crate) remote: &'a dyn RemoteChannels,
}

/// Creates every gate and hands each producer subtask the senders of its channels.
pub(super) fn wire(job: &JobGraph) -> Result<Vec<TaskSpec>> {
    wire_placed(job, None)
}

/// [`wire`] for the subtasks of `placement` only (all of them when `None`).
pub(crate) fn wire_placed(job: &JobGraph, placement: Option<&Placement<'_>>) -> Result<Vec<TaskSpec>> {
    let sg = job.stream.clone();
    let local = |v: usize, j: usize| placement.is_none_or(|p| (p.is_local)(v, j));

    let mut specs: Vec<Vec<Option<TaskSpec>>> = job
        .vertices
        .iter()
        .enumerate()
        .map(|(v, vx)| {
            (0..vx.parallelism)
                .map(|j| local(v, j).then(|| TaskSpec { vertex: v, subtask: j, outputs: HashMap::new(), gates: [None, None] }))
                .collect()
        })
        .collect();

    // Pass 1: count the channels of every gate (vertex, subtask, input).
    let mut channels: HashMap<(usize, usize, usize), u32> = HashMap::new();
    for e in &job.edges {
        let se = &sg.edges[e.stream_edge];
        let (pu, pd) = (job.vertices[e.source_vertex].parallelism, job.vertices[e.target_vertex].parallelism);
        let pattern = job.partitioners[e.stream_edge].pattern();
        for i in 0..pu {
            for j in connected_targets(pattern, i, pu, pd) {
                *channels.entry((e.target_vertex, j, se.input)).or_default() += 1;
            }
        }
    }
    // Create the local gates, then pass 2: hand every local producer subtask its senders, and
    // route channels from remote producers into local gates.
    let mut senders: HashMap<(usize, usize, usize), Box<dyn Any + Send>> = HashMap::new();
    for e in &job.edges {
        let se = &sg.edges[e.stream_edge];
        for (j, spec) in specs[e.target_vertex].iter_mut().enumerate() {
            let Some(spec) = spec else { continue };
            let key = (e.target_vertex, j, se.input);
            if let std::collections::hash_map::Entry::Vacant(slot) = senders.entry(key) {
                let n = channels[&key] as usize;
                let (tx, rx) = se.data_type.gate((2 * n).max(4));
                slot.insert(tx);
                spec.gates[se.input] = Some((rx, n));
            }
        }
    }
    let mut next_channel: HashMap<(usize, usize, usize), u32> = HashMap::new();
    for e in &job.edges {
        let se = &sg.edges[e.stream_edge];
        let (pu, pd) = (job.vertices[e.source_vertex].parallelism, job.vertices[e.target_vertex].parallelism);
        let pattern = job.partitioners[e.stream_edge].pattern();
        for (i, producer) in specs[e.source_vertex].iter_mut().enumerate() {
            let mut targets = Vec::new();
            for j in connected_targets(pattern, i, pu, pd) {
                let key = (e.target_vertex, j, se.input);
                let ch = next_channel.entry(key).or_default();
                let id = ChannelId { edge: e.stream_edge, producer: i, consumer: j };
                match (local(e.source_vertex, i), local(e.target_vertex, j), placement) {
                    (true, true, _) => targets.push((se.data_type.clone_sender(&*senders[&key])?, *ch)),
                    (true, false, Some(p)) => targets.push((p.remote.connect(&*se.data_type, e.source_vertex, e.target_vertex, id)?, *ch)),
                    (false, true, Some(p)) => p.remote.register(&*se.data_type, e.target_vertex, id, &*senders[&key], *ch)?,
                    _ => {}
                }
                *ch += 1;
            }
            if let Some(spec) = producer.as_mut() {
                spec.outputs.insert(e.stream_edge, targets);
            }
        }
    }
    drop(senders);
    Ok(specs.into_iter().flatten().flatten().collect())
}
