//! Rasch connectors.
