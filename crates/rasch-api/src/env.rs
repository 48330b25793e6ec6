//! `StreamEnv` (Flink's `StreamExecutionEnvironment`): job-wide settings, sources, and
//! `execute()`.

use crate::client::JobClient;
use crate::datastream::{DataStream, StreamInput};
use crate::mode::{ExecutionMode, PLAN_FILE_ENV_VAR};
use crate::result::JobResult;
use rasch_connectors::{CollectionSource, DataGenSource, SequenceSource, SocketTextSource, TextFileSource};
use rasch_core::config::{BATCH_SIZE, MAX_PARALLELISM, OPERATOR_CHAINING, PARALLELISM_DEFAULT};
use rasch_core::{Clock, Configuration, Data, Error, Result, RuntimeMode};
use rasch_runtime::channel::CancelToken;
use rasch_runtime::executor::{ExecutionOptions, execute};
use rasch_runtime::graph::{Chaining, JobGraph, NodeId, StreamEdge, StreamGraph, StreamNode, TranslateOptions, plan_json, type_ops};
use rasch_runtime::operators::{OperatorFactory, source_factory};
use rasch_runtime::source::Source;
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

pub(crate) struct EnvState {
    pub(crate) graph: StreamGraph,
    /// How many graphs were taken (by `execute` or `job_graph`): streams remember the
    /// generation they were made in, and a stream of an earlier one cannot feed the new graph.
    pub(crate) generation: u64,
    pub(crate) errors: Vec<Error>,
    /// Operators the API builds from two nodes (sliced windows with a process function): the
    /// visible node → its upstream half, which follows its parallelism and uid.
    pub(crate) upstream_halves: std::collections::HashMap<NodeId, NodeId>,
    config: Configuration,
    mode: ExecutionMode,
    clock: Arc<dyn Clock>,
}

/// The context a job is built in and executed from.
///
/// Cheap to clone (a handle); every `DataStream` keeps one. Build the whole graph on one
/// thread, then call [`StreamEnv::execute`]. Executing (or [`job_graph`](Self::job_graph))
/// takes the graph built so far: streams made before it cannot be used in the next job.
/// Configuration mistakes (an unknown key, parallelism 0, …) do not panic where they are made;
/// they are recorded and returned as the error of the next `execute`.
///
/// ```
/// use rasch_api::StreamEnv;
/// # fn main() -> rasch_core::Result<()> {
/// let env = StreamEnv::local();
/// env.set_parallelism(1);
/// let out = env.from_collection(vec![1, 2, 3]).map(|x| x * 2).execute_and_collect()?;
/// assert_eq!(out, vec![2, 4, 6]);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct StreamEnv {
    pub(crate) state: Rc<RefCell<EnvState>>,
}

impl StreamEnv {
    /// The environment of a job binary: local execution unless the Rasch runtime started this
    /// process in plan or worker mode. This is what `main()` should call. In plan and worker
    /// mode it also takes the configuration the cluster hands the process; an invalid mode
    /// variable or configuration is reported by `execute()`.
    ///
    /// ```
    /// use rasch_api::{ExecutionMode, StreamEnv};
    ///
    /// let env = StreamEnv::from_args();
    /// // Outside a cluster (no `RASCH_EXECUTION_MODE` set), the job runs in this process.
    /// # if std::env::var_os(rasch_api::MODE_ENV_VAR).is_none() {
    /// assert_eq!(env.mode(), ExecutionMode::Local);
    /// # }
    /// ```
    pub fn from_args() -> Self {
        let (mode, error) = match ExecutionMode::from_env() {
            Ok(m) => (m, None),
            Err(e) => (ExecutionMode::Local, Some(e)),
        };
        let env = StreamEnv::with_mode(mode);
        if let Some(e) = error {
            env.record_error(e);
        }
        // In a cluster, the JobManager hands plan and worker processes the same starting
        // configuration (cluster config, `-p`, `-s`), so that they build identical graphs.
        if mode != ExecutionMode::Local
            && let Ok(json) = std::env::var(rasch_runtime::remote::worker::CONFIG_ENV)
        {
            match serde_json::from_str::<std::collections::BTreeMap<String, String>>(&json) {
                Ok(values) => values.into_iter().for_each(|(k, v)| {
                    env.set_config(&k, v);
                }),
                Err(e) => env.record_error(Error::Config(format!(
                    "{}: not a JSON object of strings: {e}",
                    rasch_runtime::remote::worker::CONFIG_ENV
                ))),
            }
        }
        env
    }

    /// A local environment (the embedded mini-cluster), whatever the process environment says.
    /// Tests and examples use it so that `execute` always returns.
    ///
    /// ```
    /// use rasch_api::{ExecutionMode, StreamEnv};
    ///
    /// let env = StreamEnv::local();
    /// assert_eq!(env.mode(), ExecutionMode::Local);
    /// ```
    pub fn local() -> Self {
        StreamEnv::with_mode(ExecutionMode::Local)
    }

    fn with_mode(mode: ExecutionMode) -> Self {
        StreamEnv {
            state: Rc::new(RefCell::new(EnvState {
                generation: 0,
                graph: StreamGraph::default(),
                errors: Vec::new(),
                upstream_halves: Default::default(),
                config: Configuration::new(),
                mode,
                clock: rasch_core::time::system_clock(),
            })),
        }
    }

    /// Replaces the processing-time clock (tests use a `ManualClock` to drive processing-time
    /// windows, timers and TTL). Event time is not affected.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_core::ManualClock;
    /// use std::sync::Arc;
    ///
    /// let clock = Arc::new(ManualClock::new(0));
    /// let env = StreamEnv::local();
    /// env.set_clock(clock.clone());
    /// // … build the job; the test moves `clock` while it runs.
    /// ```
    pub fn set_clock(&self, clock: Arc<dyn Clock>) -> &Self {
        self.state.borrow_mut().clock = clock;
        self
    }

    /// The execution mode this environment will use: what `execute` does (see
    /// [`execute`](Self::execute)).
    ///
    /// ```
    /// use rasch_api::{ExecutionMode, StreamEnv};
    ///
    /// assert_eq!(StreamEnv::local().mode(), ExecutionMode::Local);
    /// ```
    pub fn mode(&self) -> ExecutionMode {
        self.state.borrow().mode
    }

    /// Sets a configuration key (Flink's names, e.g. `parallelism.default`). An unknown key is
    /// not set and makes `execute()` fail with a message naming the nearest valid key; a value
    /// that does not parse as the key's type fails when the key is read.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    ///
    /// let env = StreamEnv::local();
    /// env.set_config("pipeline.max-parallelism", "256");
    /// assert_eq!(env.config().get("pipeline.max-parallelism"), Some("256"));
    ///
    /// env.set_config("parallelism.defualt", "2"); // a typo
    /// let err = env.execute("typo").unwrap_err();
    /// assert!(err.to_string().contains("did you mean 'parallelism.default'"));
    /// ```
    pub fn set_config(&self, key: impl AsRef<str>, value: impl Into<String>) -> &Self {
        let result = self.state.borrow_mut().config.set(key, value);
        if let Err(e) = result {
            self.record_error(e);
        }
        self
    }

    /// Merges a whole configuration: every key is set as by [`set_config`](Self::set_config),
    /// replacing values already set.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_core::Configuration;
    /// # fn main() -> rasch_core::Result<()> {
    /// let mut config = Configuration::new();
    /// config.set("parallelism.default", "3")?;
    /// let env = StreamEnv::local();
    /// env.with_config(&config);
    /// assert_eq!(env.parallelism()?, 3);
    /// # Ok(()) }
    /// ```
    pub fn with_config(&self, config: &Configuration) -> &Self {
        for (k, v) in config.iter() {
            self.set_config(k, v);
        }
        self
    }

    /// A copy of the job configuration so far (only the keys set, not the defaults).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    ///
    /// let env = StreamEnv::local();
    /// env.set_parallelism(2);
    /// assert_eq!(env.config().get("parallelism.default"), Some("2"));
    /// ```
    pub fn config(&self) -> Configuration {
        self.state.borrow().config.clone()
    }

    /// Default parallelism of operators (`parallelism.default`); default: number of cores.
    /// Operators with their own [`DataStream::set_parallelism`] and non-parallel sources such
    /// as [`from_collection`](Self::from_collection) keep theirs. At parallelism 1 a pipeline
    /// of one-input operators is one chain and keeps the source's order; above 1, records of
    /// different subtasks interleave. `0` is an error reported by `execute()`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(4);
    /// assert_eq!(env.parallelism()?, 4);
    /// let mut out = env.from_sequence(1, 8).map(|x| x * 10).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![10, 20, 30, 40, 50, 60, 70, 80]);
    /// # Ok(()) }
    /// ```
    pub fn set_parallelism(&self, parallelism: usize) -> &Self {
        if parallelism == 0 {
            self.record_error(Error::InvalidJob("set_parallelism(0): parallelism must be at least 1".into()));
            return self;
        }
        self.set_config(PARALLELISM_DEFAULT, parallelism.to_string())
    }

    /// Default max parallelism (`pipeline.max-parallelism`): the number of key groups, and so
    /// the largest parallelism keyed state can later be rescaled to.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    ///
    /// let env = StreamEnv::local();
    /// env.set_max_parallelism(128);
    /// assert_eq!(env.config().get("pipeline.max-parallelism"), Some("128"));
    /// ```
    pub fn set_max_parallelism(&self, max_parallelism: usize) -> &Self {
        self.set_config(MAX_PARALLELISM, max_parallelism.to_string())
    }

    /// `STREAMING` (default) or `BATCH` (`execution.runtime-mode`). In BATCH mode rolling
    /// aggregations emit only the final value per key.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_core::RuntimeMode;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_runtime_mode(RuntimeMode::Batch);
    /// let mut out = env.from_collection(vec![(1, 10), (2, 20), (1, 30)]).key_by(|t| t.0).sum(1).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![(1, 40), (2, 20)]); // STREAMING would also emit (1, 10)
    /// # Ok(()) }
    /// ```
    pub fn set_runtime_mode(&self, mode: RuntimeMode) -> &Self {
        let v = match mode {
            RuntimeMode::Streaming => "STREAMING",
            RuntimeMode::Batch => "BATCH",
        };
        self.set_config(rasch_core::config::RUNTIME_MODE, v)
    }

    /// Takes a checkpoint every `interval` (Flink's `enableCheckpointing`): on failure the job
    /// restarts from the latest completed one with exactly-once state (see
    /// `execution.checkpointing.*` and `restart-strategy.*` for the details). Without
    /// `execution.checkpointing.dir`, local jobs keep their checkpoints in memory. An interval
    /// under 1 ms counts as 1 ms.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use std::time::Duration;
    ///
    /// let env = StreamEnv::local();
    /// env.enable_checkpointing(Duration::from_secs(10));
    /// assert_eq!(env.config().get("execution.checkpointing.interval"), Some("10000 ms"));
    /// ```
    pub fn enable_checkpointing(&self, interval: std::time::Duration) -> &Self {
        self.set_config(rasch_core::config::CHECKPOINTING_INTERVAL, format!("{} ms", interval.as_millis().max(1)))
    }

    /// Turns operator chaining off for the whole job: every operator becomes a task of its own
    /// (results are the same; each hop costs a channel).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1).disable_operator_chaining();
    /// env.from_collection(vec![1, 2]).map(|x| x + 1).discard();
    /// assert_eq!(env.job_graph("unchained")?.vertices.len(), 3);
    /// # Ok(()) }
    /// ```
    pub fn disable_operator_chaining(&self) -> &Self {
        self.set_config(OPERATOR_CHAINING, "false")
    }

    /// The parallelism operators get when they set none: `parallelism.default`, or the number
    /// of cores when it is unset. Fails if the configured value does not parse.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// assert!(env.parallelism()? >= 1);
    /// env.set_parallelism(3);
    /// assert_eq!(env.parallelism()?, 3);
    /// # Ok(()) }
    /// ```
    pub fn parallelism(&self) -> Result<usize> {
        let configured = self.state.borrow().config.read_set(PARALLELISM_DEFAULT)?;
        Ok(configured.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)))
    }

    pub(crate) fn record_error(&self, e: Error) {
        self.state.borrow_mut().errors.push(e);
    }

    pub(crate) fn add_node<T: Data>(&self, name: &str, factory: Arc<dyn OperatorFactory>) -> NodeId {
        self.state.borrow_mut().graph.add_node(StreamNode {
            name: name.to_string(),
            uid: None,
            parallelism: None,
            max_parallelism: None,
            chaining: Chaining::Default,
            factory,
            output_type: type_ops::<T>(),
        })
    }

    /// The current graph generation (see [`EnvState::generation`]).
    pub(crate) fn generation(&self) -> u64 {
        self.state.borrow().generation
    }

    /// Whether `generation` is the current one; if not, records why the job cannot be built.
    pub(crate) fn check_generation(&self, generation: u64) -> bool {
        let current = self.generation();
        if generation != current {
            self.record_error(Error::InvalidJob(
                "a stream of a pipeline that was already executed or turned into a job graph was used again; \
                 build the pipeline again after execute() or job_graph()"
                    .into(),
            ));
        }
        generation == current
    }

    pub(crate) fn add_edge<T: Data>(&self, input: &StreamInput, target: NodeId, input_index: usize) {
        if !self.check_generation(input.generation) {
            return;
        }
        self.state.borrow_mut().graph.add_edge(StreamEdge {
            source: input.node,
            target,
            input: input_index,
            partitioner: input.partitioner.clone(),
            side_output: input.side_output.clone(),
            data_type: type_ops::<T>(),
        });
    }

    pub(crate) fn with_node<R>(&self, node: NodeId, f: impl FnOnce(&mut StreamNode) -> R) -> R {
        f(&mut self.state.borrow_mut().graph.nodes[node])
    }

    /// Applies `f` to the operator of `node` and to its upstream half, if the API built it from
    /// two nodes (`true` for the half).
    pub(crate) fn with_operator(&self, node: NodeId, f: impl Fn(&mut StreamNode, bool)) {
        let mut st = self.state.borrow_mut();
        let half = st.upstream_halves.get(&node).copied();
        f(&mut st.graph.nodes[node], false);
        if let Some(half) = half {
            f(&mut st.graph.nodes[half], true);
        }
    }

    /// Records that `half` is the upstream half of the operator whose visible node is `node`.
    pub(crate) fn set_upstream_half(&self, node: NodeId, half: NodeId) {
        self.state.borrow_mut().upstream_halves.insert(node, half);
    }

    /// Adds a user source (Flink's `fromSource`): its splits are spread over the source's
    /// subtasks, and the source runs at the default parallelism unless it is set on the
    /// returned stream. `name` appears in plans and metrics as `Source: {name}`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// use rasch_connectors::SequenceSource;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.from_source(SequenceSource::new(1, 3)?, "numbers").execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec![1, 2, 3]);
    /// # Ok(()) }
    /// ```
    pub fn from_source<T: Data, S: Source<T>>(&self, source: S, name: &str) -> DataStream<T> {
        let node = self.add_node::<T>(&format!("Source: {name}"), source_factory::<T, S>(Arc::new(source)));
        DataStream::from_node(self.clone(), node)
    }

    /// A non-parallel source emitting the given values in order, then ending (Flink's
    /// `fromCollection`). Bounded: when it ends, it emits the final watermark, so every
    /// event-time timer and window downstream fires.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1); // one chain: the order survives
    /// let out = env.from_collection(vec!['a', 'b', 'c']).execute_and_collect()?;
    /// assert_eq!(out, vec!['a', 'b', 'c']);
    /// # Ok(()) }
    /// ```
    pub fn from_collection<T: Data + Sync>(&self, values: Vec<T>) -> DataStream<T> {
        self.from_source(CollectionSource::new(values), "Collection Source")
    }

    /// A non-parallel source emitting the values of an iterator (collected eagerly, when this
    /// is called), like [`from_collection`](Self::from_collection).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(1);
    /// let out = env.from_iter((1..=3).map(|i| i * i)).execute_and_collect()?;
    /// assert_eq!(out, vec![1, 4, 9]);
    /// # Ok(()) }
    /// ```
    pub fn from_iter<T: Data + Sync, I: IntoIterator<Item = T>>(&self, values: I) -> DataStream<T> {
        self.from_collection(values.into_iter().collect())
    }

    /// A parallel source emitting every number in `from..=to` exactly once (Flink's
    /// `fromSequence`), split into contiguous ranges across subtasks: each range is emitted in
    /// ascending order, ranges of different subtasks interleave. `from > to` is an error
    /// reported by `execute()`.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.from_sequence(1, 100).execute_and_collect()?;
    /// out.sort(); // several subtasks: sort before comparing
    /// assert_eq!(out, (1..=100).collect::<Vec<i64>>());
    /// # Ok(()) }
    /// ```
    pub fn from_sequence(&self, from: i64, to: i64) -> DataStream<i64> {
        match SequenceSource::new(from, to) {
            Ok(s) => self.from_source(s, "Sequence Source"),
            Err(e) => {
                self.record_error(e);
                self.from_collection(Vec::new())
            }
        }
    }

    /// Reads a text file (or every file of a directory) line by line, split by byte ranges
    /// across subtasks; lines are never cut or duplicated (Flink's `readTextFile`). Line ends
    /// (`\n`, `\r\n`) are removed. A missing file or invalid UTF-8 fails the job, naming the
    /// file (and the byte offset).
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let path = std::env::temp_dir().join(format!("rasch-doc-read-{}.txt", std::process::id()));
    /// std::fs::write(&path, "to be\r\nor not\n").unwrap();
    /// let env = StreamEnv::local();
    /// let mut lines = env.read_text_file(&path).execute_and_collect()?;
    /// lines.sort();
    /// assert_eq!(lines, vec!["or not", "to be"]);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok(()) }
    /// ```
    pub fn read_text_file(&self, path: impl Into<PathBuf>) -> DataStream<String> {
        let path = path.into();
        let name = format!("Read Text File {}", path.display());
        self.from_source(TextFileSource::new(path), &name)
    }

    /// Lines from a TCP socket (Flink's `socketTextStream`): a non-parallel source that ends
    /// when the server closes the connection (no reconnect). Not replayable: after a restart,
    /// lines read before are not read again.
    ///
    /// ```no_run
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local(); // feed it with `nc -lk 9999`
    /// env.socket_text_stream("localhost", 9999).map(|line| line.to_uppercase()).print();
    /// env.execute("Shout")?;
    /// # Ok(()) }
    /// ```
    pub fn socket_text_stream(&self, host: &str, port: u16) -> DataStream<String> {
        self.from_source(SocketTextSource::new(host, port), "Socket Stream")
    }

    /// Records from a TCP socket separated by `delimiter`, reconnecting up to `max_retry`
    /// times (`-1`: forever) every 500 ms when the connection is lost; ends when the
    /// connection closes and the retries are used up. A `max_retry` below `-1` is an error.
    ///
    /// ```no_run
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.socket_text_stream_with("localhost", 9999, ";", -1).print();
    /// env.execute("Records")?;
    /// # Ok(()) }
    /// ```
    pub fn socket_text_stream_with(&self, host: &str, port: u16, delimiter: &str, max_retry: i64) -> DataStream<String> {
        self.from_source(SocketTextSource::new(host, port).with_delimiter(delimiter).with_max_retry(max_retry), "Socket Stream")
    }

    /// A generator source: `generator(i)` for `i` in `0..count` (unbounded when `count` is
    /// `None`), optionally limited to `rows_per_second` in total. Parallel: every index is
    /// generated exactly once, by one of the subtasks.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// let mut out = env.datagen(Some(4), None, |i| format!("user-{i}")).execute_and_collect()?;
    /// out.sort();
    /// assert_eq!(out, vec!["user-0", "user-1", "user-2", "user-3"]);
    /// # Ok(()) }
    /// ```
    pub fn datagen<T, F>(&self, count: Option<u64>, rows_per_second: Option<f64>, generator: F) -> DataStream<T>
    where
        T: Data,
        F: Fn(u64) -> T + Clone + Send + Sync + 'static,
    {
        let mut source = DataGenSource::new(generator);
        if let Some(n) = count {
            source = source.with_count(n);
        }
        if let Some(r) = rows_per_second {
            source = source.with_rows_per_second(r);
        }
        self.from_source(source, "DataGen")
    }

    /// Builds the job graph of everything added so far (and clears it, as `execute` does):
    /// chained operators become one vertex. Returns the first recorded configuration error
    /// instead, if any. Streams built before cannot be used afterwards.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.set_parallelism(2);
    /// env.from_sequence(1, 10).map(|x| x + 1).key_by(|x| x % 2).sum(0).discard();
    /// let graph = env.job_graph("plan")?;
    /// assert_eq!(graph.vertices.len(), 2); // source+map chained | keyed sum+sink after the hash exchange
    /// # Ok(()) }
    /// ```
    pub fn job_graph(&self, job_name: &str) -> Result<JobGraph> {
        let (graph, config) = {
            let mut st = self.state.borrow_mut();
            st.upstream_halves.clear();
            if !st.errors.is_empty() {
                st.graph = StreamGraph::default();
                return Err(st.errors.drain(..).next().expect("not empty"));
            }
            st.generation += 1;
            (std::mem::take(&mut st.graph), st.config.clone())
        };
        let opts = TranslateOptions {
            default_parallelism: self.parallelism()?,
            default_max_parallelism: config.read(MAX_PARALLELISM)?,
            chaining: config.value(OPERATOR_CHAINING)?,
        };
        JobGraph::from_stream_graph(job_name, Arc::new(graph), &opts)
    }

    fn execution_options(
        &self,
        cancel: CancelToken,
        commands: Option<crossbeam_channel::Receiver<rasch_runtime::executor::JobCommand>>,
    ) -> Result<ExecutionOptions> {
        let config = self.config();
        Ok(ExecutionOptions {
            batch_size: config.value(BATCH_SIZE)?,
            runtime_mode: config.runtime_mode()?,
            config: Arc::new(config),
            cancel,
            clock: self.state.borrow().clock.clone(),
            commands,
        })
    }

    /// Starts the job in the background and returns a [`JobClient`] to take savepoints,
    /// stop, cancel or wait for it (Flink's `executeAsync`). Local mode only: elsewhere it
    /// returns an error and starts nothing.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 1_000).discard();
    /// let client = env.execute_async("in the background")?;
    /// let result = client.wait()?; // the source is bounded: the job ends
    /// assert_eq!(result.job_name(), "in the background");
    /// # Ok(()) }
    /// ```
    pub fn execute_async(&self, job_name: &str) -> Result<JobClient> {
        if self.mode() != ExecutionMode::Local {
            return Err(Error::Config("execute_async is only available in local mode".into()));
        }
        let job = Arc::new(self.job_graph(job_name)?);
        let cancel = CancelToken::default();
        let (commands, inbox) = crossbeam_channel::unbounded();
        let opts = self.execution_options(cancel.clone(), Some(inbox))?;
        let monitor = rasch_runtime::executor::JobMonitor::default();
        let m = monitor.clone();
        let handle = std::thread::Builder::new()
            .name(format!("job {job_name}"))
            .spawn(move || rasch_runtime::executor::execute_with(job, &opts, None, &m).map(JobResult::new))
            .map_err(|e| Error::io("starting the job thread", e))?;
        Ok(JobClient { commands, cancel, monitor, handle: Some(handle) })
    }

    /// Runs the job and waits for it to finish (bounded input) and returns its result — in
    /// local mode (`cargo run`, tests). On a cluster the same binary runs in two other modes in
    /// which `execute()` **does not return**: in plan mode (the JobManager, `rasch info`) it
    /// prints the JobGraph as JSON and exits the process; in worker mode (a TaskManager) it runs
    /// this worker's share of the job and exits. So code after `execute()` runs only in local
    /// mode; on a cluster, results leave through sinks, and `rasch run` reports the outcome.
    ///
    /// Fails with the first configuration error recorded while the job was built, or with the
    /// job's error when it fails and the restart strategy gives up. A job with unbounded
    /// sources runs until it is cancelled.
    ///
    /// ```
    /// use rasch_api::StreamEnv;
    /// # fn main() -> rasch_core::Result<()> {
    /// let env = StreamEnv::local();
    /// env.from_sequence(1, 10).filter(|x| x % 2 == 0).discard();
    /// let result = env.execute("Evens")?;
    /// assert_eq!(result.job_name(), "Evens");
    /// # Ok(()) }
    /// ```
    pub fn execute(&self, job_name: &str) -> Result<JobResult> {
        let job = Arc::new(self.job_graph(job_name)?);
        let config = self.config();
        match self.mode() {
            ExecutionMode::Plan => {
                let mut plan = plan_json(&job);
                // The job's own configuration travels with the plan: the JobManager runs the
                // job's checkpoints and restarts with it.
                plan["jobConfig"] = config.iter().map(|(k, v)| (k.to_string(), serde_json::Value::from(v.to_string()))).collect();
                let text = serde_json::to_string_pretty(&plan).map_err(|e| Error::Internal(e.to_string()))?;
                match std::env::var(PLAN_FILE_ENV_VAR) {
                    Ok(path) => std::fs::write(&path, text).map_err(|e| Error::io(format!("writing plan to {path}"), e))?,
                    Err(_) => println!("{text}"),
                }
                std::process::exit(0);
            }
            ExecutionMode::Worker => {
                let worker = rasch_runtime::remote::worker::WorkerEnv::from_env()?;
                let opts = ExecutionOptions {
                    batch_size: config.value(BATCH_SIZE)?,
                    runtime_mode: config.runtime_mode()?,
                    config: Arc::new(config),
                    cancel: CancelToken::default(),
                    clock: self.state.borrow().clock.clone(),
                    commands: None,
                };
                // A worker runs its share of the job and ends the process: whatever `main`
                // does after `execute` belongs to the client, not to the workers.
                match rasch_runtime::remote::worker::run_worker(job, &opts, &worker) {
                    Ok(()) => std::process::exit(0),
                    Err(Error::Cancelled) => std::process::exit(2),
                    Err(e) => {
                        eprintln!("worker {} of job {} (attempt {}) failed: {e}", worker.worker, worker.job_id, worker.attempt);
                        std::process::exit(1)
                    }
                }
            }
            ExecutionMode::Local => {
                let opts = ExecutionOptions {
                    batch_size: config.value(BATCH_SIZE)?,
                    runtime_mode: config.runtime_mode()?,
                    config: Arc::new(config),
                    cancel: CancelToken::default(),
                    clock: self.state.borrow().clock.clone(),
                    commands: None,
                };
                execute(job, &opts).map(JobResult::new)
            }
        }
    }
}
