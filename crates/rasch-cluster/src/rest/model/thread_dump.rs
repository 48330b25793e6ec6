//! `GET /jobmanager/thread-dump` and `/taskmanagers/:tmid/thread-dump`: Flink's
//! `ThreadDumpInfo`, one entry per thread with its text in a Java thread dump's form.

use crate::threads::stringify;
use rasch_runtime::remote::protocol::ThreadInfo;
use serde::{Deserialize, Serialize};

/// One thread of [`ThreadDumpInfo`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadDumpEntry {
    /// The thread's name.
    pub thread_name: String,
    /// `"name" Id=… STATE (process …)` and, for a waiting thread, the kernel function it waits in.
    pub stringified_thread_info: String,
}

/// `GET /…/thread-dump`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThreadDumpInfo {
    /// Every thread, by process then thread id.
    pub thread_infos: Vec<ThreadDumpEntry>,
}

impl ThreadDumpInfo {
    /// The dump of `threads`, each labelled with the role of its process (`process_of(pid)`).
    pub fn of(threads: &[ThreadInfo], process_of: impl Fn(u32) -> &'static str) -> Self {
        let thread_infos = threads
            .iter()
            .map(|t| ThreadDumpEntry { thread_name: t.name.clone(), stringified_thread_info: stringify(t, process_of(t.pid)) })
            .collect();
        ThreadDumpInfo { thread_infos }
    }

    /// The dump of this process (the JobManager).
    pub fn of_this_process() -> Self {
        Self::of(&crate::threads::threads_of(std::process::id()), |_| "JobManager")
    }
}
