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
