//! When a failed delivery is tried again: exponential back-off (base, 2 × base, 4 × base, ...)
//! capped at a maximum, so a relay that is down for an hour gets a few dozen attempts rather
//! than thousands, and a mail is given up once it has waited the give-up time since it was
//! queued. The last attempt is made at that moment, not skipped because the back-off overshoots.

use super::config::MailConfig;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub base_secs: i64,
    pub max_secs: i64,
    pub give_up_secs: i64,
}

/// What to do with a mail whose delivery just failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(i64),
    GiveUp,
}

impl RetryPolicy {
    pub fn from_config(config: &MailConfig) -> Self {
        let secs = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        Self {
            base_secs: secs(config.mail_retry_base_secs),
            max_secs: secs(config.mail_retry_max_secs),
            give_up_secs: secs(config.mail_give_up_secs),
        }
    }

    /// The wait after the `attempts`-th failed attempt: `base * 2^(attempts-1)`, at most `max`.
    pub fn delay(&self, attempts: i64) -> i64 {
        let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 62)).unwrap_or(62);
        self.base_secs
            .saturating_mul(1_i64 << doublings)
            .min(self.max_secs)
    }

    /// After the `attempts`-th attempt at a mail queued at `created_at` failed at `now`.
    pub fn after_failure(&self, created_at: i64, attempts: i64, now: i64) -> AfterFailure {
        let deadline = created_at.saturating_add(self.give_up_secs);
        if now >= deadline {
            return AfterFailure::GiveUp;
        }
        AfterFailure::RetryAt(now.saturating_add(self.delay(attempts)).min(deadline))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        base_secs: 10,
        max_secs: 900,
        give_up_secs: 259_200,
    };

    #[test]
    fn the_delay_doubles_from_the_base_up_to_the_maximum() {
        let delays: Vec<i64> = (1..=9).map(|n| POLICY.delay(n)).collect();

        assert_eq!(delays, [10, 20, 40, 80, 160, 320, 640, 900, 900]);
    }

    #[test]
    fn a_huge_attempt_count_stays_at_the_maximum() {
        assert_eq!(POLICY.delay(10_000), 900);
        assert_eq!(POLICY.delay(i64::MAX), 900);
        assert_eq!(POLICY.delay(0), 10);
    }

    #[test]
    fn a_failure_is_retried_after_the_delay() {
        assert_eq!(POLICY.after_failure(0, 1, 5), AfterFailure::RetryAt(15));
        assert_eq!(POLICY.after_failure(0, 3, 100), AfterFailure::RetryAt(140));
    }

    #[test]
    fn the_last_retry_is_at_the_give_up_time() {
        assert_eq!(
            POLICY.after_failure(0, 20, 259_000),
            AfterFailure::RetryAt(259_200)
        );
    }

    #[test]
    fn a_mail_unsent_for_the_give_up_time_is_given_up() {
        assert_eq!(POLICY.after_failure(0, 20, 259_200), AfterFailure::GiveUp);
        assert_eq!(POLICY.after_failure(100, 1, 400_000), AfterFailure::GiveUp);
    }
}
