//! Restart strategies (Flink's `restart-strategy.*`): whether and when a failed job restarts
//! from its latest completed checkpoint.

use rasch_core::config::*;
use rasch_core::{Configuration, Result};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A restart strategy and its bookkeeping.
#[derive(Debug, Clone)]
pub enum RestartStrategy {
    /// Never restart.
    None,
    /// Restart up to `attempts` times, waiting `delay` each time.
    FixedDelay {
        /// Restarts allowed.
        attempts: u64,
        /// Wait before each restart.
        delay: Duration,
        /// Restarts so far.
        used: u64,
    },
    /// Wait `initial`, multiplied by `multiplier` per restart up to `max`; the backoff resets
    /// after `reset_threshold` without failures.
    ExponentialDelay {
        /// First backoff.
        initial: Duration,
        /// Largest backoff.
        max: Duration,
        /// Growth factor.
        multiplier: f64,
        /// Failure-free time after which the backoff resets.
        reset_threshold: Duration,
        /// Current backoff.
        current: Duration,
        /// When the last failure happened.
        last_failure: Option<Instant>,
    },
    /// Restart unless more than `max_failures` happened within `interval`.
    FailureRate {
        /// Failures allowed per interval.
        max_failures: u64,
        /// The interval.
        interval: Duration,
        /// Wait before each restart.
        delay: Duration,
        /// Recent failure times.
        failures: VecDeque<Instant>,
    },
}

impl RestartStrategy {
    /// The strategy configured in `config`. Unset: `fixed-delay` with unlimited attempts and 1 s
    /// delay when checkpointing is enabled, otherwise `none` (Flink's defaults).
    pub fn from_config(config: &Configuration, checkpointing: bool) -> Result<Self> {
        let kind = match config.read(RESTART_STRATEGY)? {
            Some(k) => k,
            None if checkpointing => {
                return Ok(RestartStrategy::FixedDelay { attempts: u64::MAX, delay: config.value(FIXED_DELAY_DELAY)?, used: 0 });
            }
            None => return Ok(RestartStrategy::None),
        };
        Ok(match kind {
            RestartStrategyType::None => RestartStrategy::None,
            RestartStrategyType::FixedDelay => RestartStrategy::FixedDelay {
                attempts: config.value(FIXED_DELAY_ATTEMPTS)?,
                delay: config.value(FIXED_DELAY_DELAY)?,
                used: 0,
            },
            RestartStrategyType::ExponentialDelay => {
                let initial = config.value(EXPONENTIAL_INITIAL_BACKOFF)?;
                RestartStrategy::ExponentialDelay {
                    initial,
                    max: config.value(EXPONENTIAL_MAX_BACKOFF)?,
                    multiplier: config.value(EXPONENTIAL_MULTIPLIER)?.max(1.0),
                    reset_threshold: config.value(EXPONENTIAL_RESET_THRESHOLD)?,
                    current: initial,
                    last_failure: None,
                }
            }
            RestartStrategyType::FailureRate => RestartStrategy::FailureRate {
                max_failures: config.value(FAILURE_RATE_MAX_FAILURES)?,
                interval: config.value(FAILURE_RATE_INTERVAL)?,
                delay: config.value(FAILURE_RATE_DELAY)?,
                failures: VecDeque::new(),
            },
        })
    }

    /// A failure happened at `now`: the delay before restarting, or `None` to fail the job.
    pub fn on_failure(&mut self, now: Instant) -> Option<Duration> {
        match self {
            RestartStrategy::None => None,
            RestartStrategy::FixedDelay { attempts, delay, used } => {
                if *used >= *attempts {
                    return None;
                }
                *used += 1;
                Some(*delay)
            }
            RestartStrategy::ExponentialDelay { initial, max, multiplier, reset_threshold, current, last_failure } => {
                if last_failure.is_some_and(|t| now.duration_since(t) >= *reset_threshold) {
                    *current = *initial;
                }
                *last_failure = Some(now);
                let delay = *current;
                *current = Duration::from_secs_f64((current.as_secs_f64() * *multiplier).min(max.as_secs_f64()));
                Some(delay)
            }
            RestartStrategy::FailureRate { max_failures, interval, delay, failures } => {
                failures.push_back(now);
                while failures.front().is_some_and(|t| now.duration_since(*t) > *interval) {
                    failures.pop_front();
                }
                (failures.len() as u64 <= *max_failures).then_some(*delay)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strategy(pairs: &[(&str, &str)], checkpointing: bool) -> RestartStrategy {
        let mut c = Configuration::new();
        for (k, v) in pairs {
            c.set(k, *v).unwrap();
        }
        RestartStrategy::from_config(&c, checkpointing).unwrap()
    }

    #[test]
    fn flink_defaults_and_each_strategy() {
        let now = Instant::now();
        assert!(strategy(&[], false).on_failure(now).is_none());
        assert_eq!(strategy(&[], true).on_failure(now), Some(Duration::from_secs(1)));
        let mut f = strategy(
            &[
                ("restart-strategy.type", "fixed-delay"),
                ("restart-strategy.fixed-delay.attempts", "2"),
                ("restart-strategy.fixed-delay.delay", "10 ms"),
            ],
            false,
        );
        assert_eq!(f.on_failure(now), Some(Duration::from_millis(10)));
        assert!(f.on_failure(now).is_some());
        assert!(f.on_failure(now).is_none(), "attempts exhausted");
        let mut e = strategy(
            &[
                ("restart-strategy.type", "exponential-delay"),
                ("restart-strategy.exponential-delay.initial-backoff", "100 ms"),
                ("restart-strategy.exponential-delay.max-backoff", "250 ms"),
                ("restart-strategy.exponential-delay.backoff-multiplier", "2"),
            ],
            false,
        );
        let delays: Vec<u128> = (0..4).map(|_| e.on_failure(now).unwrap().as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 250, 250]);
        let mut r = strategy(
            &[
                ("restart-strategy.type", "failure-rate"),
                ("restart-strategy.failure-rate.max-failures-per-interval", "2"),
                ("restart-strategy.failure-rate.failure-rate-interval", "1 min"),
            ],
            false,
        );
        assert!(r.on_failure(now).is_some() && r.on_failure(now).is_some());
        assert!(r.on_failure(now).is_none(), "third failure within the interval");
    }

    #[test]
    fn unknown_strategies_are_rejected() {
        let mut c = Configuration::new();
        c.set("restart-strategy.type", "sometimes").unwrap();
        let err = RestartStrategy::from_config(&c, false).unwrap_err().to_string();
        assert!(err.contains("'restart-strategy.type'") && err.contains("got 'sometimes'") && err.contains("fixed-delay"), "{err}");
    }
}
