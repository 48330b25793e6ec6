//! Metrics as Flink's REST API serves them. `GET …/metrics` lists the names a component has
//! (`[{"id": "numRecordsIn"}]`), `?get=a,b` their values as strings (`[{"id": "a", "value":
//! "12"}]`); the aggregating endpoints (`/jobs/metrics`, `/taskmanagers/metrics`,
//! `…/subtasks/metrics`) answer `min`, `max`, `avg`, `sum` and `skew` over the components, as
//! chosen by `?agg=`.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The values of one component (the JobManager, a TaskManager, a job or a subtask) by name.
pub type MetricValues = BTreeMap<String, f64>;

/// Whose metrics a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricScope {
    /// The JobManager (`/jobmanager/metrics`).
    JobManager,
    /// One TaskManager (`/taskmanagers/:tmid/metrics`), by id.
    TaskManager(String),
    /// One job (`/jobs/:jobid/metrics`), by id.
    Job(String),
    /// The subtasks of one vertex (`/jobs/:jobid/vertices/:vertexid/{metrics,subtasks/metrics}`).
    Vertex {
        /// Job id.
        job: String,
        /// Vertex id.
        vertex: String,
    },
}

/// One entry of a metrics answer: the name, and the value when it was asked for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricEntry {
    /// Metric name.
    pub id: String,
    /// Its value, formatted like Flink's (a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// How to combine one metric over components (`?agg=min,max,…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Aggregation {
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Mean.
    Avg,
    /// Total.
    Sum,
    /// Flink's data skew: `(max - avg) / max × 100`, 0 when max is 0.
    Skew,
}

impl Aggregation {
    /// All of them, in Flink's order (the default when `agg` is absent).
    pub const ALL: [Aggregation; 5] = [Aggregation::Min, Aggregation::Max, Aggregation::Avg, Aggregation::Sum, Aggregation::Skew];

    /// Parses one `agg` value (case-insensitive).
    pub fn parse(s: &str) -> Option<Aggregation> {
        match s.trim().to_ascii_lowercase().as_str() {
            "min" => Some(Aggregation::Min),
            "max" => Some(Aggregation::Max),
            "avg" => Some(Aggregation::Avg),
            "sum" => Some(Aggregation::Sum),
            "skew" => Some(Aggregation::Skew),
            _ => None,
        }
    }
}

/// One entry of an aggregating metrics answer; absent aggregations are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AggregatedMetric {
    /// Metric name.
    pub id: String,
    /// Minimum over the components.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Maximum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Mean.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avg: Option<f64>,
    /// Sum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sum: Option<f64>,
    /// Data skew in percent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skew: Option<f64>,
}

/// Formats a value like Flink's metric store: integers without a fraction.
pub fn format_metric(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// The answer of `…/metrics[?get=…]` for one component: every name without `get`, else the
/// values of the requested names that exist (Flink leaves unknown names out).
pub fn select_metrics(values: &MetricValues, get: Option<&[String]>) -> Vec<MetricEntry> {
    match get {
        None => values.keys().map(|id| MetricEntry { id: id.clone(), value: None }).collect(),
        Some(names) => {
            names.iter().filter_map(|n| values.get(n).map(|v| MetricEntry { id: n.clone(), value: Some(format_metric(*v)) })).collect()
        }
    }
}

/// The answer of an aggregating endpoint: every name any component has without `get`, else
/// the requested names, combined over the components that have them.
pub fn aggregate_metrics(components: &[MetricValues], get: Option<&[String]>, aggs: &[Aggregation]) -> Vec<AggregatedMetric> {
    let names: Vec<String> = match get {
        Some(names) => names.to_vec(),
        None => components.iter().flat_map(|c| c.keys().cloned()).collect::<BTreeSet<_>>().into_iter().collect(),
    };
    let Some(names) = (get.is_some() || !names.is_empty()).then_some(names) else { return Vec::new() };
    names
        .into_iter()
        .filter_map(|id| {
            let vals: Vec<f64> = components.iter().filter_map(|c| c.get(&id).copied()).collect();
            if vals.is_empty() {
                return None;
            }
            if get.is_none() {
                return Some(AggregatedMetric { id, ..Default::default() });
            }
            let min = vals.iter().copied().fold(f64::INFINITY, f64::min);
            let max = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = vals.iter().sum();
            let avg = sum / vals.len() as f64;
            let skew = if max == 0.0 { 0.0 } else { (max - avg) / max * 100.0 };
            let has = |a| aggs.contains(&a).then_some(());
            Some(AggregatedMetric {
                id,
                min: has(Aggregation::Min).map(|_| min),
                max: has(Aggregation::Max).map(|_| max),
                avg: has(Aggregation::Avg).map(|_| avg),
                sum: has(Aggregation::Sum).map(|_| sum),
                skew: has(Aggregation::Skew).map(|_| skew),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp(pairs: &[(&str, f64)]) -> MetricValues {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn values_are_selected_and_formatted_like_flink() {
        let c = comp(&[("numRecordsIn", 12.0), ("busyTimeMsPerSecond", 12.5)]);
        assert_eq!(select_metrics(&c, None).len(), 2);
        let got = select_metrics(&c, Some(&["numRecordsIn".into(), "nope".into(), "busyTimeMsPerSecond".into()]));
        let values: Vec<(&str, Option<&str>)> = got.iter().map(|e| (e.id.as_str(), e.value.as_deref())).collect();
        assert_eq!(values, [("numRecordsIn", Some("12")), ("busyTimeMsPerSecond", Some("12.5"))]);
    }

    #[test]
    fn aggregation_computes_min_max_avg_sum_and_skew() {
        let cs = [comp(&[("x", 10.0)]), comp(&[("x", 30.0)]), comp(&[("y", 1.0)])];
        let got = aggregate_metrics(&cs, Some(&["x".into()]), &Aggregation::ALL);
        assert_eq!(
            got,
            [AggregatedMetric {
                id: "x".into(),
                min: Some(10.0),
                max: Some(30.0),
                avg: Some(20.0),
                sum: Some(40.0),
                skew: Some((30.0 - 20.0) / 30.0 * 100.0)
            }]
        );
        let only_max = aggregate_metrics(&cs, Some(&["x".into()]), &[Aggregation::Max]);
        assert_eq!(only_max[0].min, None);
        let names: Vec<String> = aggregate_metrics(&cs, None, &Aggregation::ALL).into_iter().map(|m| m.id).collect();
        assert_eq!(names, ["x", "y"]);
        assert_eq!(Aggregation::parse("SKEW"), Some(Aggregation::Skew));
        assert_eq!(Aggregation::parse("median"), None);
    }
}
