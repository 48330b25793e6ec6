//! Tests of loading and reading the cluster configuration.

use super::*;

#[test]
fn nested_and_flat_keys_are_flattened() {
    let yaml = "jobmanager:\n  rpc:\n    address: jm.example\n    port: 6124\nrest.port: 9091\ntaskmanager:\n  numberOfTaskSlots: 4\nparallelism.default: 2\nexecution:\n  checkpointing:\n    interval: 10 s\n";
    let c = ClusterConfig::from_yaml_str(yaml, "conf/config.yaml").unwrap();
    assert_eq!(c.jobmanager_rpc_address(), "jm.example");
    assert_eq!(c.jobmanager_rpc_port(), 6124);
    assert_eq!(c.rest_port(), 9091);
    assert_eq!(c.rest_address(), "jm.example");
    assert_eq!(c.taskmanager_slots(), 4);
    assert_eq!(c.parallelism_default(), 2);
    assert_eq!(c.get("execution.checkpointing.interval"), Some("10 s"));
}

#[test]
fn defaults_follow_flink() {
    let c = ClusterConfig::default();
    assert_eq!(c.jobmanager_rpc_port(), 6123);
    assert_eq!(c.rest_port(), 8081);
    assert_eq!(c.rest_bind_address(), "127.0.0.1");
    assert_eq!(c.rest_server_max_content_length(), 104_857_600);
    assert_eq!(c.heartbeat_interval_ms(), 10_000);
    assert_eq!(c.heartbeat_timeout_ms(), 50_000);
    assert!(c.web_submit_enable() && c.web_cancel_enable());
    assert_eq!(c.workers(), ["localhost"]);
    assert_eq!(c.env_pid_dir(), PathBuf::from("/tmp"));
}

#[test]
fn lists_are_joined() {
    let c = ClusterConfig::from_yaml_str("env.log.dir: [a, b]\n", "f").unwrap();
    assert_eq!(c.get("env.log.dir"), Some("a;b"));
    let c = ClusterConfig::from_yaml_str("env:\n  log:\n    dir:\n      - x\n      - y\n", "f").unwrap();
    assert_eq!(c.get("env.log.dir"), Some("x;y"));
}

#[test]
fn unknown_key_names_file_line_and_suggestion() {
    let err = ClusterConfig::from_yaml_str("rest.port: 1\nrest:\n  prot: 8081\n", "conf/config.yaml").unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("conf/config.yaml:3"), "{msg}");
    assert!(msg.contains("'rest.prot'") && msg.contains("did you mean 'rest.port'"), "{msg}");
}

#[test]
fn bad_values_and_yaml_are_errors() {
    let msg = ClusterConfig::from_yaml_str("rest.port: eighty\n", "c.yaml").unwrap_err().to_string();
    assert!(msg.contains("c.yaml:1") && msg.contains("rest.port") && msg.contains("eighty"), "{msg}");
    let msg = ClusterConfig::from_yaml_str("rest:\n  port: [1, 2\n", "c.yaml").unwrap_err().to_string();
    assert!(msg.contains("c.yaml:") && msg.contains("malformed YAML"), "{msg}");
    let msg = ClusterConfig::from_yaml_str("rest.port: 1\nrest:\n  port: 2\n", "c.yaml").unwrap_err().to_string();
    assert!(msg.contains("duplicate key 'rest.port'") && msg.contains("line 1"), "{msg}");
    let msg = ClusterConfig::from_yaml_str("- a\n- b\n", "c.yaml").unwrap_err().to_string();
    assert!(msg.contains("top level"), "{msg}");
    assert!(ClusterConfig::from_yaml_str("", "c.yaml").is_ok());
    assert!(ClusterConfig::from_yaml_str("# only a comment\n", "c.yaml").is_ok());
    assert!(ClusterConfig::from_yaml_str("web.submit.enable: maybe\n", "c.yaml").is_err());
    assert!(ClusterConfig::from_yaml_str("taskmanager.memory.process.size: 1728m\n", "c.yaml").is_ok());
}

#[test]
fn overrides_are_validated() {
    let mut c = ClusterConfig::default();
    c.apply_override("rest.port=9000").unwrap();
    assert_eq!(c.rest_port(), 9000);
    let msg = c.apply_override("rest.prot=9000").unwrap_err().to_string();
    assert!(msg.contains("-D rest.prot=9000") && msg.contains("did you mean 'rest.port'"), "{msg}");
    assert!(c.apply_override("rest.port").is_err());
    assert!(c.apply_override("rest.port=99999").is_err());
}

#[test]
fn host_lists_skip_comments() {
    assert_eq!(parse_host_list("# workers\nlocalhost\n\n  host2  # second\n"), ["localhost", "host2"]);
    assert_eq!(parse_memory_size("1728m"), Some(1728 << 20));
    assert_eq!(parse_memory_size("1 gb"), Some(1 << 30));
    assert_eq!(parse_memory_size("12x"), None);
}

#[test]
fn high_availability_keys_are_typed_and_checked() {
    use rasch_core::config::{HighAvailabilityType, PortRange};
    let cfg = ClusterConfig::default();
    assert_eq!(cfg.high_availability(), HighAvailabilityType::None);
    assert_eq!(cfg.ha_cluster_id(), "default");
    assert_eq!(cfg.ha_jobmanager_port(), PortRange { first: 0, last: 0 });
    assert_eq!(cfg.ha_lease_ttl_secs(), 5);
    let cfg = ClusterConfig::from_yaml_str(
        "high-availability:\n  type: etcd\n  etcd.endpoints: http://10.0.0.1:2379, http://10.0.0.2:2379\n  storageDir: /shared/ha\n  \
         cluster-id: /prod-1\n  jobmanager.port: 50010-50020\n  etcd.lease-ttl: 3 s\n",
        "config.yaml",
    )
    .unwrap();
    assert_eq!(cfg.high_availability(), HighAvailabilityType::Etcd);
    assert_eq!(cfg.ha_etcd_endpoints(), vec!["http://10.0.0.1:2379".to_string(), "http://10.0.0.2:2379".to_string()]);
    assert_eq!(cfg.ha_storage_dir(), Some(std::path::PathBuf::from("/shared/ha")));
    assert_eq!(cfg.ha_cluster_id(), "prod-1");
    assert_eq!(cfg.ha_jobmanager_port().ports().collect::<Vec<_>>(), (50010..=50020).collect::<Vec<_>>());
    assert_eq!(cfg.ha_lease_ttl_secs(), 3);
    for bad in [
        "high-availability.type: zookeeper",
        "high-availability.etcd.endpoints: 10.0.0.1:2379",
        "high-availability.jobmanager.port: 50020-50010",
        "high-availability.jobmanager.port: 0-50010",
        "high-availability.jobmanager.port: port",
    ] {
        let e = ClusterConfig::from_yaml_str(bad, "config.yaml").unwrap_err().to_string();
        assert!(e.contains("config.yaml:1"), "{bad}: {e}");
    }
}
