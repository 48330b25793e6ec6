//! The JSON form of a job graph, shaped like Flink's `/jobs/:id/plan` (`nodes` with `id`,
//! `parallelism`, `operator`, `description`, `inputs[].ship_strategy`) plus Rasch's chain
//! details and the graph fingerprint.

use super::JobGraph;
use serde_json::{Value, json};

/// Renders the plan of `job`.
pub fn plan_json(job: &JobGraph) -> Value {
    let sg = &job.stream;
    let nodes: Vec<Value> = job
        .vertices
        .iter()
        .map(|v| {
            let head = v.nodes[0];
            let inputs: Vec<Value> = job
                .edges
                .iter()
                .filter(|e| e.target_vertex == job.node_vertex[head])
                .enumerate()
                .map(|(num, e)| {
                    let se = &sg.edges[e.stream_edge];
                    json!({
                        "num": num,
                        "id": job.vertices[e.source_vertex].id,
                        "ship_strategy": job.partitioners[e.stream_edge].name(),
                        "exchange": "pipelined_bounded",
                        "input": se.input,
                        "side_output": se.side_output,
                        "type": se.data_type.type_name(),
                    })
                })
                .collect();
            let operators: Vec<Value> = v
                .nodes
                .iter()
                .map(|&i| {
                    let n = &sg.nodes[i];
                    json!({
                        "id": job.operator_ids[i],
                        "node": i,
                        "name": n.name,
                        "uid": n.uid,
                        "parallelism": job.node_parallelism[i],
                        "max_parallelism": job.node_max_parallelism[i],
                        "output_type": n.output_type.type_name(),
                    })
                })
                .collect();
            json!({
                "id": v.id,
                "parallelism": v.parallelism,
                "max_parallelism": v.max_parallelism,
                "operator": sg.nodes[head].name,
                "operator_strategy": "",
                "description": v.name,
                "operators": operators,
                "inputs": inputs,
                "optimizer_properties": {},
            })
        })
        .collect();
    json!({
        "name": job.name,
        "type": "STREAMING",
        "fingerprint": job.fingerprint,
        "nodes": nodes,
    })
}
