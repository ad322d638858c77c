//! Per-user cooldown: one answer per user per period, one polite "please wait" when they
//! ask again too soon, then silence until the period ends. It keeps no identity beyond the
//! user id in memory, and forgets users whose period is over.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What to do with a message from a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Answer it; the cooldown starts now.
    Answer,
    /// Too soon, and the first time: say "please wait" once.
    Warn { wait: Duration },
    /// Too soon again: stay quiet (a red-flag notice is still sent).
    Quiet { wait: Duration },
}

#[derive(Debug)]
pub struct Cooldowns {
    period: Duration,
    users: HashMap<u64, Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    answered_at: Instant,
    warned: bool,
}

impl Cooldowns {
    pub fn new(period: Duration) -> Cooldowns {
        Cooldowns { period, users: HashMap::new() }
    }

    /// Decides for a message that arrived at `now`, and records the decision.
    pub fn check(&mut self, user: u64, now: Instant) -> Verdict {
        if self.period.is_zero() {
            return Verdict::Answer;
        }
        // Forget users whose period is over, so the map stays as small as the active users.
        let period = self.period;
        self.users.retain(|_, entry| now.duration_since(entry.answered_at) < period);
        match self.users.get_mut(&user) {
            Some(entry) => {
                let wait = period - now.duration_since(entry.answered_at);
                if std::mem::replace(&mut entry.warned, true) {
                    Verdict::Quiet { wait }
                } else {
                    Verdict::Warn { wait }
                }
            }
            None => {
                self.users.insert(user, Entry { answered_at: now, warned: false });
                Verdict::Answer
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answer_then_warn_once_then_quiet_until_the_period_ends() {
        let start = Instant::now();
        let mut cooldowns = Cooldowns::new(Duration::from_secs(10));
        assert_eq!(cooldowns.check(1, start), Verdict::Answer);
        assert_eq!(cooldowns.check(1, start + Duration::from_secs(2)), Verdict::Warn { wait: Duration::from_secs(8) });
        assert_eq!(cooldowns.check(1, start + Duration::from_secs(3)), Verdict::Quiet { wait: Duration::from_secs(7) });
        assert_eq!(cooldowns.check(2, start + Duration::from_secs(3)), Verdict::Answer, "other users are not affected");
        assert_eq!(cooldowns.check(1, start + Duration::from_secs(10)), Verdict::Answer);
        assert_eq!(cooldowns.check(1, start + Duration::from_secs(11)), Verdict::Warn { wait: Duration::from_secs(9) });
    }

    #[test]
    fn a_zero_period_never_holds_anyone_back() {
        let mut cooldowns = Cooldowns::new(Duration::ZERO);
        let now = Instant::now();
        assert!((0..5).all(|_| cooldowns.check(1, now) == Verdict::Answer));
    }

    #[test]
    fn finished_periods_are_forgotten() {
        let start = Instant::now();
        let mut cooldowns = Cooldowns::new(Duration::from_secs(1));
        for user in 0..1000 {
            cooldowns.check(user, start);
        }
        cooldowns.check(5000, start + Duration::from_secs(2));
        assert_eq!(cooldowns.users.len(), 1);
    }
}
