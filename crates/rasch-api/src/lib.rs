//! Rasch API.
