//! The `StreamGraph`: one node per user operation, edges with partitioners, exactly as built.

use super::TypeOps;
use crate::operators::OperatorFactory;
use crate::partition::PartitionerSpec;
use std::sync::Arc;

/// Index of a node in the stream graph. Nodes are created in topological order.
pub type NodeId = usize;

/// Per-operator chaining choice (`disable_chaining`, `start_new_chain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Chaining {
    /// Chain with neighbours whenever possible.
    #[default]
    Default,
    /// Do not chain to the upstream operator, but allow downstream operators to chain.
    StartNewChain,
    /// Never chain, in either direction.
    Disabled,
}

/// One operator as the user declared it.
pub struct StreamNode {
    /// Name shown in plans and errors.
    pub name: String,
    /// User-assigned stable id (`.uid("...")`).
    pub uid: Option<String>,
    /// Explicit parallelism, if set.
    pub parallelism: Option<usize>,
    /// Explicit max parallelism, if set.
    pub max_parallelism: Option<usize>,
    /// Chaining choice.
    pub chaining: Chaining,
    /// Builds the operator's instances.
    pub factory: Arc<dyn OperatorFactory>,
    /// The element type of the node's main output.
    pub output_type: Arc<dyn TypeOps>,
}

/// A connection between two nodes.
pub struct StreamEdge {
    /// Producing node.
    pub source: NodeId,
    /// Consuming node.
    pub target: NodeId,
    /// Input index at the consumer (0, or 1 for the second input of a two-input operator).
    pub input: usize,
    /// Explicit partitioner; `None` means forward when parallelisms match, else rebalance.
    pub partitioner: Option<Arc<dyn PartitionerSpec>>,
    /// The side output this edge reads, if not the main output.
    pub side_output: Option<String>,
    /// Element type on this edge.
    pub data_type: Arc<dyn TypeOps>,
}

/// The graph of operators as built by the API.
#[derive(Default)]
pub struct StreamGraph {
    /// Nodes in creation (= topological) order.
    pub nodes: Vec<StreamNode>,
    /// Edges.
    pub edges: Vec<StreamEdge>,
}

impl StreamGraph {
    /// Adds a node and returns its id.
    pub fn add_node(&mut self, node: StreamNode) -> NodeId {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Adds an edge.
    pub fn add_edge(&mut self, edge: StreamEdge) {
        self.edges.push(edge);
    }

    /// Indices of the edges into `node`.
    pub fn in_edges(&self, node: NodeId) -> impl Iterator<Item = usize> + '_ {
        self.edges.iter().enumerate().filter(move |(_, e)| e.target == node).map(|(i, _)| i)
    }

    /// Indices of the edges out of `node`.
    pub fn out_edges(&self, node: NodeId) -> impl Iterator<Item = usize> + '_ {
        self.edges.iter().enumerate().filter(move |(_, e)| e.source == node).map(|(i, _)| i)
    }
}
