//! TaskManagers (`/taskmanagers[/:tmid]`) and the JobManager's configuration entries.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Resources of a TaskManager (`totalResource` / `freeResource`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceProfile {
    /// CPU cores.
    pub cpu_cores: f64,
    /// Task heap in MiB.
    pub task_heap_memory: u64,
    /// Task off-heap in MiB.
    pub task_off_heap_memory: u64,
    /// Managed memory in MiB.
    pub managed_memory: u64,
    /// Network memory in MiB.
    pub network_memory: u64,
    /// Extended resources.
    pub extended_resources: BTreeMap<String, f64>,
}

/// `hardware` of a TaskManager.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HardwareDescription {
    /// CPU cores.
    pub cpu_cores: usize,
    /// Physical memory in bytes.
    pub physical_memory: u64,
    /// Free memory in bytes.
    pub free_memory: u64,
    /// Managed memory in bytes.
    pub managed_memory: u64,
}

/// `memoryConfiguration` of a TaskManager (JVM fields are 0 in Rasch).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemoryConfiguration {
    /// Framework heap.
    pub framework_heap: u64,
    /// Task heap.
    pub task_heap: u64,
    /// Framework off-heap.
    pub framework_off_heap: u64,
    /// Task off-heap.
    pub task_off_heap: u64,
    /// Network memory.
    pub network_memory: u64,
    /// Managed memory.
    pub managed_memory: u64,
    /// JVM metaspace (0).
    pub jvm_metaspace: u64,
    /// JVM overhead (0).
    pub jvm_overhead: u64,
    /// Total "Flink" memory.
    pub total_flink_memory: u64,
    /// Total process memory.
    pub total_process_memory: u64,
}

/// One entry of `GET /taskmanagers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskManagerInfo {
    /// TaskManager id.
    pub id: String,
    /// RPC address (`rasch://host:port/taskmanager_0`).
    pub path: String,
    /// Data port.
    pub data_port: u16,
    /// JMX port (-1).
    pub jmx_port: i32,
    /// Ms since the last heartbeat.
    pub time_since_last_heartbeat: u64,
    /// Slots.
    pub slots_number: usize,
    /// Free slots.
    pub free_slots: usize,
    /// Total resources.
    pub total_resource: ResourceProfile,
    /// Free resources.
    pub free_resource: ResourceProfile,
    /// Hardware.
    pub hardware: HardwareDescription,
    /// Memory configuration.
    pub memory_configuration: MemoryConfiguration,
}

/// `GET /taskmanagers`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskManagersInfo {
    /// All TaskManagers.
    pub taskmanagers: Vec<TaskManagerInfo>,
}

/// One allocated slot in [`TaskManagerDetails`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllocatedSlot {
    /// Job using the slot.
    pub job_id: String,
    /// Resources of the slot.
    pub resource: ResourceProfile,
}

/// `GET /taskmanagers/:tmid`: the info plus slots and metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskManagerDetails {
    /// The same fields as in the list.
    #[serde(flatten)]
    pub info: TaskManagerInfo,
    /// Allocated slots.
    pub allocated_slots: Vec<AllocatedSlot>,
    /// Metrics (`heapUsed`, …; free-form map, Flink's JVM names are 0 in Rasch).
    pub metrics: serde_json::Value,
}

/// `GET /jobmanager/config` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigEntry {
    /// Key.
    pub key: String,
    /// Value (secrets masked as `******`).
    pub value: String,
}
