//! Execution: a logical [`Plan`] is translated into runtime operators on a
//! [`StreamEnv`](rasch_api::StreamEnv) — calc chains as one flat-map, group aggregation,
//! Top-N and group windows as keyed operators whose state lives in the keyed state backends.

pub mod aggregate;
pub mod calc;
pub mod cast;
pub mod eval;
pub mod match_recognize;
pub mod prune;
pub mod rank;
pub mod render;
pub mod scalar;
pub mod scalar_more;
pub mod session_window;
pub mod sort;

use crate::connectors::filesystem;
use crate::error::{SqlError, SqlResult};
use crate::plan::Plan;
use crate::value::{Row, RowKey};
use calc::{RowCalc, split_calc};
use rasch_api::{DataStream, StreamEnv};

/// How a plan runs: `execution.runtime-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Unbounded semantics: every change is emitted.
    Streaming,
    /// Bounded input, final results only.
    Batch,
}

/// Translates plans into streams of rows on one environment.
pub struct Translator<'e> {
    /// The environment the job is built on.
    pub env: &'e StreamEnv,
    /// Streaming or batch.
    pub mode: Mode,
    /// The Table API's input streams (`Plan::Stream` ids index it).
    pub streams: &'e [DataStream<Row>],
    /// Operator ids handed out so far (identical subtrees in one job get `-1`, `-2`, …).
    uids: std::cell::RefCell<std::collections::HashMap<String, usize>>,
}

impl<'e> Translator<'e> {
    /// A translator onto `env`.
    pub fn new(env: &'e StreamEnv, mode: Mode, streams: &'e [DataStream<Row>]) -> Self {
        Translator { env, mode, streams, uids: Default::default() }
    }

    /// The operator id of a stateful node, unique within the job.
    fn uid(&self, kind: &str, plan: &Plan) -> String {
        let base = plan_uid(kind, plan);
        let mut uids = self.uids.borrow_mut();
        let n = uids.entry(base.clone()).or_default();
        *n += 1;
        if *n == 1 { base } else { format!("{base}-{}", *n - 1) }
    }
}

/// The stable operator id of a stateful plan node: its kind and a hash (FNV-1a) of its
/// subtree's EXPLAIN text, so that the same query gets the same ids in every run and a
/// savepoint maps back to the same operators.
pub fn plan_uid(kind: &str, plan: &Plan) -> String {
    let text = plan.to_string();
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3));
    format!("sql-{kind}-{hash:016x}")
}

impl Translator<'_> {
    /// The stream of `plan`'s rows.
    pub fn translate(&self, plan: &Plan) -> SqlResult<DataStream<Row>> {
        let (steps, below) = split_calc(plan);
        if let Plan::Scan { table } = below {
            match crate::connectors::Connector::of(table)? {
                crate::connectors::Connector::Datagen => return crate::connectors::datagen::source(self.env, table, steps),
                crate::connectors::Connector::Filesystem => {}
                other => return Err(SqlError::validation(format!("table '{}': the {other:?} connector is a sink only", table.name))),
            }
            let streaming_rowtime = (self.mode == Mode::Streaming)
                .then(|| table.watermark.as_ref().and_then(|(c, _)| table.columns.iter().position(|x| x.name() == c)))
                .flatten();
            let needs = prune::scan_needs(plan, prune::all(plan.schema().len()), streaming_rowtime);
            return filesystem::source(self.env, table, steps, self.mode, needs);
        }
        let stream = match below {
            Plan::Stream { id, .. } => {
                self.streams.get(*id).cloned().ok_or_else(|| SqlError::validation("a Table API stream used outside its TableEnv"))?
            }
            Plan::WindowTvf { input, rowtime, window, .. } => {
                let (rowtime, window) = (*rowtime, *window);
                self.translate(input)?
                    .flat_map_collect(move |r: Row, out: &mut rasch_runtime::collector::Collector<'_, Row>| {
                        let crate::value::Value::Timestamp(ts) = r.values[rowtime] else { return };
                        for (start, end) in window.assign(ts) {
                            let mut values = r.values.clone();
                            values.extend([start, end, end - 1].map(crate::value::Value::Timestamp));
                            out.collect(Row { kind: r.kind, values });
                        }
                    })
                    .name("WindowTableFunction")
            }
            Plan::Expand { input, keys, masks } => {
                let (keys, masks) = (*keys, masks.clone());
                self.translate(input)?
                    .flat_map_collect(move |r: Row, out: &mut rasch_runtime::collector::Collector<'_, Row>| {
                        for (id, mask) in masks.iter().enumerate() {
                            let mut values = Vec::with_capacity(r.values.len() + 1);
                            values.extend(
                                r.values[..keys]
                                    .iter()
                                    .zip(mask)
                                    .map(|(v, keep)| if *keep { v.clone() } else { crate::value::Value::Null }),
                            );
                            values.push(crate::value::Value::Int(id as i64));
                            values.extend(r.values[keys..].iter().cloned());
                            out.collect(Row { kind: r.kind, values });
                        }
                    })
                    .name("Expand")
            }
            Plan::Union { inputs } => {
                let streams = inputs.iter().map(|i| self.translate(i)).collect::<SqlResult<Vec<_>>>()?;
                streams[0].union(&streams[1..])
            }
            Plan::Sort { input, order, limit } => {
                if self.mode == Mode::Streaming {
                    return Err(SqlError::unsupported("ORDER BY / LIMIT in streaming mode (use batch mode)"));
                }
                self.translate(input)?
                    .key_by(|_: &Row| RowKey(Vec::new()))
                    .process(sort::SortLimit::new(order.clone(), *limit))
                    .name("SortLimit")
                    .uid(&self.uid("sort", below))
            }
            Plan::Values { rows, .. } => {
                let rows: Vec<Row> = rows.iter().map(|v| Row::insert(v.clone())).collect();
                self.env.from_collection(rows).name("Values")
            }
            Plan::Aggregate { input, keys, calls, .. } => {
                let keys = *keys;
                let retracting = input.changelog_mode() != crate::plan::ChangelogMode::InsertOnly;
                self.translate(input)?
                    .key_by(move |r: &Row| RowKey(r.values[..keys].to_vec()))
                    .process(aggregate::GroupAggregate::new(keys, calls.clone(), self.mode, retracting))
                    .name("GroupAggregate")
                    .uid(&self.uid("group-aggregate", below))
            }
            Plan::WindowAggregate { input, keys, rowtime, window, calls, .. } => {
                self.insert_only(input, "GroupWindowAggregate")?;
                let keys = *keys;
                self.translate(input)?
                    .key_by(move |r: &Row| RowKey(r.values[..keys].to_vec()))
                    .process(session_window::GroupWindowAggregate::new(keys, *rowtime, *window, calls.clone())?)
                    .name("GroupWindowAggregate")
                    .uid(&self.uid("group-window-aggregate", below))
            }
            Plan::Rank { input, partition, order, limit, with_rank, .. } => {
                self.insert_only(input, "Rank")?;
                let Some(limit) = *limit else {
                    return Err(SqlError::unsupported("ROW_NUMBER without a filter on the rank (rank <= N) above it"));
                };
                let part = partition.clone();
                self.translate(input)?
                    .key_by(move |r: &Row| RowKey(part.iter().map(|&i| r.values[i].clone()).collect()))
                    .process(rank::TopN::new(order.clone(), limit, *with_rank, self.mode))
                    .name("Rank")
                    .uid(&self.uid("rank", below))
            }
            Plan::MatchRecognize { input, spec } => {
                if self.mode != Mode::Streaming {
                    return Err(SqlError::unsupported("MATCH_RECOGNIZE in batch mode (run it in streaming mode)"));
                }
                self.insert_only(input, "Match")?;
                match_recognize::translate(self.translate(input)?, spec, &self.uid("match", below))?
            }
            Plan::Scan { .. } | Plan::Project { .. } | Plan::Filter { .. } => unreachable!("split_calc stops below calcs"),
        };
        if steps.is_empty() {
            return Ok(stream);
        }
        Ok(stream.flat_map_rich(RowCalc { steps: steps.into() }).name("Calc"))
    }

    fn insert_only(&self, input: &Plan, node: &str) -> SqlResult<()> {
        if input.changelog_mode() != crate::plan::ChangelogMode::InsertOnly {
            return Err(SqlError::unsupported(format!("{node} over an updating input (retraction input comes later)")));
        }
        Ok(())
    }
}
