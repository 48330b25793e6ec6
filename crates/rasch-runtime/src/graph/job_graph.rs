//! Translation of a `StreamGraph` into a `JobGraph`: resolves parallelism and partitioners,
//! chains forward edges of equal parallelism into vertices, and assigns stable ids.

use super::{Chaining, NodeId, StreamGraph};
use crate::operators::OperatorKind;
use crate::partition::PartitionerSpec;
use rasch_core::keygroup::{UPPER_BOUND_MAX_PARALLELISM, compute_default_max_parallelism};
use rasch_core::{Error, Result};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A vertex: a chain of operators that runs as one task per parallel instance.
#[derive(Debug, Clone)]
pub struct JobVertex {
    /// Stable id (the head operator's id), 32 hex characters like Flink's `JobVertexID`.
    pub id: String,
    /// The chained operator names joined by ` -> `.
    pub name: String,
    /// Number of parallel tasks.
    pub parallelism: usize,
    /// Max parallelism of the head operator.
    pub max_parallelism: usize,
    /// The chained stream nodes, head first.
    pub nodes: Vec<NodeId>,
}

/// A network edge between two vertices.
#[derive(Debug, Clone)]
pub struct JobEdge {
    /// Index of the stream edge it realises.
    pub stream_edge: usize,
    /// Producing vertex.
    pub source_vertex: usize,
    /// Consuming vertex.
    pub target_vertex: usize,
}

/// Job-wide defaults used by the translation.
#[derive(Debug, Clone)]
pub struct TranslateOptions {
    /// Parallelism of operators that do not set their own.
    pub default_parallelism: usize,
    /// Max parallelism of operators that do not set their own (else Flink's default formula).
    pub default_max_parallelism: Option<usize>,
    /// Whether forward edges are chained.
    pub chaining: bool,
}

/// The executable graph.
pub struct JobGraph {
    /// The job's name.
    pub name: String,
    /// The stream graph it was made from.
    pub stream: Arc<StreamGraph>,
    /// Resolved parallelism per stream node.
    pub node_parallelism: Vec<usize>,
    /// Resolved max parallelism per stream node.
    pub node_max_parallelism: Vec<usize>,
    /// Vertex of each stream node.
    pub node_vertex: Vec<usize>,
    /// Stable operator id per stream node.
    pub operator_ids: Vec<String>,
    /// Resolved partitioner per stream edge.
    pub partitioners: Vec<Arc<dyn PartitionerSpec>>,
    /// Whether each stream edge is chained (inside a vertex).
    pub chained: Vec<bool>,
    /// The vertices, in topological order.
    pub vertices: Vec<JobVertex>,
    /// Network edges.
    pub edges: Vec<JobEdge>,
    /// Hash of the structure; processes whose graphs differ refuse to work together.
    pub fingerprint: String,
}

fn hex_id(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

impl JobGraph {
    /// Translates `stream` into a job graph, validating parallelism and partitioning.
    pub fn from_stream_graph(name: &str, stream: Arc<StreamGraph>, opts: &TranslateOptions) -> Result<JobGraph> {
        let sg = &*stream;
        let n = sg.nodes.len();
        if n == 0 {
            return Err(Error::InvalidJob("the job has no operators: add a source and a sink before execute()".into()));
        }
        let mut par = Vec::with_capacity(n);
        let mut max_par = Vec::with_capacity(n);
        for node in &sg.nodes {
            let fixed = node.factory.max_parallelism();
            let p = match (node.parallelism, fixed) {
                (Some(p), Some(limit)) if p > limit => {
                    return Err(Error::InvalidJob(format!(
                        "operator '{}' is non-parallel: parallelism {p} requested, at most {limit} supported",
                        node.name
                    )));
                }
                (Some(p), _) => p,
                (None, Some(limit)) => opts.default_parallelism.min(limit),
                (None, None) => opts.default_parallelism,
            };
            if p == 0 {
                return Err(Error::InvalidJob(format!("operator '{}': parallelism must be at least 1", node.name)));
            }
            let mp = node.max_parallelism.or(opts.default_max_parallelism).unwrap_or_else(|| compute_default_max_parallelism(p));
            if mp == 0 || mp > UPPER_BOUND_MAX_PARALLELISM {
                return Err(Error::InvalidJob(format!(
                    "operator '{}': max parallelism {mp} is outside 1..={UPPER_BOUND_MAX_PARALLELISM}",
                    node.name
                )));
            }
            if p > mp {
                return Err(Error::InvalidJob(format!("operator '{}': parallelism {p} exceeds its max parallelism {mp}", node.name)));
            }
            par.push(p);
            max_par.push(mp);
        }

        if let Some(e) = sg.edges.iter().find(|e| e.source >= n || e.target >= n) {
            return Err(Error::InvalidJob(format!(
                "edge {} -> {} refers to an operator outside the graph of {n} operators",
                e.source, e.target
            )));
        }
        let mut partitioners = Vec::with_capacity(sg.edges.len());
        for e in &sg.edges {
            let same = par[e.source] == par[e.target];
            let p = match &e.partitioner {
                Some(p) if p.name() == "FORWARD" && !same => {
                    return Err(Error::InvalidJob(format!(
                        "forward partitioning does not allow a change of parallelism: '{}' has parallelism {} but '{}' has {}; \
                         use rebalance, rescale, shuffle, broadcast or global instead",
                        sg.nodes[e.source].name, par[e.source], sg.nodes[e.target].name, par[e.target]
                    )));
                }
                Some(p) => p.clone(),
                None => e.data_type.default_partitioner(same),
            };
            partitioners.push(p);
        }

        let in_count: Vec<usize> = (0..n).map(|i| sg.in_edges(i).count()).collect();
        let chained: Vec<bool> = sg
            .edges
            .iter()
            .zip(&partitioners)
            .map(|(e, p)| {
                let (src, dst) = (&sg.nodes[e.source], &sg.nodes[e.target]);
                opts.chaining
                    && p.name() == "FORWARD"
                    && par[e.source] == par[e.target]
                    && in_count[e.target] == 1
                    && dst.factory.kind() == OperatorKind::OneInput
                    && dst.chaining == Chaining::Default
                    && src.chaining != Chaining::Disabled
            })
            .collect();

        let mut node_vertex = vec![usize::MAX; n];
        let mut vertex_nodes: Vec<Vec<NodeId>> = Vec::new();
        for node in 0..n {
            let chained_in = sg.in_edges(node).find(|&e| chained[e]);
            match chained_in {
                Some(e) => {
                    let v = node_vertex[sg.edges[e].source];
                    node_vertex[node] = v;
                    vertex_nodes[v].push(node);
                }
                None => {
                    node_vertex[node] = vertex_nodes.len();
                    vertex_nodes.push(vec![node]);
                }
            }
        }

        let mut operator_ids: Vec<String> = Vec::with_capacity(n);
        for (i, node) in sg.nodes.iter().enumerate() {
            let id = match &node.uid {
                Some(uid) => hex_id(&format!("uid:{uid}")),
                None => {
                    let inputs: Vec<&str> = sg.in_edges(i).map(|e| operator_ids[sg.edges[e].source].as_str()).collect();
                    hex_id(&format!("node:{i}:{}:{}", node.name, inputs.join(",")))
                }
            };
            operator_ids.push(id);
        }
        let mut seen = std::collections::HashSet::new();
        for (i, node) in sg.nodes.iter().enumerate() {
            if let Some(uid) = &node.uid
                && !seen.insert(uid.clone())
            {
                return Err(Error::InvalidJob(format!(
                    "uid '{uid}' is used by more than one operator (again by '{}', node {i})",
                    node.name
                )));
            }
        }

        let vertices: Vec<JobVertex> = vertex_nodes
            .into_iter()
            .map(|nodes| {
                let head = nodes[0];
                JobVertex {
                    id: operator_ids[head].clone(),
                    name: nodes.iter().map(|&i| sg.nodes[i].name.as_str()).collect::<Vec<_>>().join(" -> "),
                    parallelism: par[head],
                    max_parallelism: max_par[head],
                    nodes,
                }
            })
            .collect();
        let edges: Vec<JobEdge> = sg
            .edges
            .iter()
            .enumerate()
            .filter(|(i, _)| !chained[*i])
            .map(|(i, e)| JobEdge { stream_edge: i, source_vertex: node_vertex[e.source], target_vertex: node_vertex[e.target] })
            .collect();

        let mut h = Sha256::new();
        for v in &vertices {
            h.update(format!(
                "v:{}:{}:{}:{};",
                v.id,
                v.parallelism,
                v.max_parallelism,
                v.nodes.iter().map(|&i| operator_ids[i].as_str()).collect::<Vec<_>>().join(",")
            ));
        }
        for (i, e) in sg.edges.iter().enumerate() {
            h.update(format!(
                "e:{}:{}:{}:{}:{:?}:{};",
                e.source,
                e.target,
                e.input,
                partitioners[i].name(),
                e.side_output,
                e.data_type.type_name()
            ));
        }
        let fingerprint = h.finalize().iter().map(|b| format!("{b:02x}")).collect();

        Ok(JobGraph {
            name: name.to_string(),
            stream,
            node_parallelism: par,
            node_max_parallelism: max_par,
            node_vertex,
            operator_ids,
            partitioners,
            chained,
            vertices,
            edges,
            fingerprint,
        })
    }
}
