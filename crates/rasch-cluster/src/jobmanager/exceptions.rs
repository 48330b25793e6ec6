//! How a job's failures appear at REST `/jobs/:id/exceptions`: Flink's `ExceptionEntry` fields
//! filled from an [`ErrorReport`], so the kind and the cause chain reach every client.

use crate::rest::model::ExceptionEntry;
use rasch_core::ErrorKind;
use rasch_core::error::ErrorReport;
use std::collections::BTreeMap;

/// One entry of REST `/jobs/:id/exceptions`: the kind (`errorKind` and Flink's
/// `failureLabels.type`), the cause chain (`causes`) and a Java-style `stacktrace` with
/// `Caused by:` lines, so tooling that reads Flink's exceptions shows the whole chain.
pub(super) fn exception_entry(timestamp: i64, report: &ErrorReport) -> ExceptionEntry {
    let exception_name = match report.kind {
        ErrorKind::User => "org.rasch.UserException",
        ErrorKind::External => "org.rasch.ExternalException",
        ErrorKind::Internal => "org.rasch.InternalException",
    };
    let mut stacktrace = format!("{exception_name}: {}", report.message());
    if let Some(at) = &report.location {
        stacktrace.push_str(&format!("\n\tat {at}"));
    }
    for cause in report.chain.iter().skip(1) {
        stacktrace.push_str(&format!("\nCaused by: {cause}"));
    }
    ExceptionEntry {
        exception_name: exception_name.into(),
        stacktrace,
        timestamp,
        failure_labels: BTreeMap::from([("type".to_string(), report.kind.name().to_string())]),
        error_kind: Some(report.kind),
        causes: report.chain.clone(),
        location: report.location.clone(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_carry_kind_chain_and_location() {
        let report = ErrorReport {
            kind: ErrorKind::External,
            chain: vec!["task 'Source' (1/1) failed".into(), "reading /in".into(), "disk gone".into()],
            location: Some("worker 0 on TaskManager tm-1".into()),
        };
        let e = exception_entry(42, &report);
        assert_eq!(e.exception_name, "org.rasch.ExternalException");
        assert_eq!((e.error_kind, e.failure_labels.get("type").map(String::as_str)), (Some(ErrorKind::External), Some("EXTERNAL")));
        assert_eq!(e.causes, report.chain);
        assert_eq!(e.location.as_deref(), Some("worker 0 on TaskManager tm-1"));
        assert_eq!(
            e.stacktrace,
            "org.rasch.ExternalException: task 'Source' (1/1) failed: reading /in: disk gone\n\tat worker 0 on TaskManager tm-1\n\
             Caused by: reading /in\nCaused by: disk gone"
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!((json["errorKind"].as_str(), json["timestamp"].as_i64()), (Some("EXTERNAL"), Some(42)));
    }
}
