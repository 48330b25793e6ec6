//! Rasch.
