//! `DeliveryGuarantee`: what a transactional sink promises after failures (Flink's
//! `org.apache.flink.connector.base.DeliveryGuarantee`).

/// What a sink promises about records after failures and restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeliveryGuarantee {
    /// Nothing: records may be lost or repeated.
    None,
    /// Every record is written at least once; a restart may repeat records written after the
    /// last completed checkpoint (harmless with idempotent writes such as upserts).
    #[default]
    AtLeastOnce,
    /// Every record is visible exactly once: writes become visible when the checkpoint that
    /// covers them completes (two-phase commit).
    ExactlyOnce,
}
