//! Wiring of a job graph: one bounded gate per (vertex, subtask, input) and, for every producer
//! subtask, the senders of the channels it writes to (all-to-all or pointwise).

use crate::graph::JobGraph;
use crate::partition::{ChannelTargets, connected_targets};
use rasch_core::Result;
use std::any::Any;
use std::collections::HashMap;

/// What one subtask needs to build its chain: its output channels and input gates.
pub(super) struct TaskSpec {
    pub(super) vertex: usize,
    pub(super) subtask: usize,
    pub(super) outputs: HashMap<usize, ChannelTargets>,
    pub(super) gates: [Option<(Box<dyn Any + Send>, usize)>; 2],
}

/// Creates every gate and hands each producer subtask the senders of its channels.
pub(super) fn wire(job: &JobGraph) -> Result<Vec<Vec<TaskSpec>>> {
    let sg = job.stream.clone();

    let mut specs: Vec<Vec<TaskSpec>> = job
        .vertices
        .iter()
        .enumerate()
        .map(|(v, vx)| {
            (0..vx.parallelism).map(|j| TaskSpec { vertex: v, subtask: j, outputs: HashMap::new(), gates: [None, None] }).collect()
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
    // Create the gates, then pass 2: hand every producer subtask its senders.
    let mut senders: HashMap<(usize, usize, usize), Box<dyn Any + Send>> = HashMap::new();
    for e in &job.edges {
        let se = &sg.edges[e.stream_edge];
        for (j, spec) in specs[e.target_vertex].iter_mut().enumerate() {
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
        for (i, spec) in specs[e.source_vertex].iter_mut().enumerate() {
            let mut targets = Vec::new();
            for j in connected_targets(pattern, i, pu, pd) {
                let key = (e.target_vertex, j, se.input);
                let ch = next_channel.entry(key).or_default();
                targets.push((se.data_type.clone_sender(&*senders[&key])?, *ch));
                *ch += 1;
            }
            spec.outputs.insert(e.stream_edge, targets);
        }
    }
    drop(senders);
    Ok(specs)
}
