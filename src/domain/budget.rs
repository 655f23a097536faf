//! How long a piece of work may run, and whether anyone still waits for it. Long loops (checking a
//! million rows, laying out a report) ask [`Budget::check`] now and then and stop early: a client
//! that went away or a request past its time limit no longer costs the server anything.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Budget {
    deadline: Option<Instant>,
    cancelled: Arc<AtomicBool>,
}

/// Why work stopped before it was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    #[error("the work took longer than its time limit and was stopped")]
    TimedOut,
    #[error("the client went away; the work was stopped")]
    Cancelled,
}

impl Stopped {
    /// The same in Chinese.
    pub fn zh(&self) -> &'static str {
        match self {
            Stopped::TimedOut => "处理时间超过上限，已停止",
            Stopped::Cancelled => "请求方已断开，处理已停止",
        }
    }
}

impl Budget {
    /// No limit: the CLI and background jobs, which nobody waits on over a network.
    pub fn unlimited() -> Budget {
        Budget { deadline: None, cancelled: Arc::new(AtomicBool::new(false)) }
    }

    pub fn within(limit: Duration) -> Budget {
        Budget { deadline: Some(Instant::now() + limit), cancelled: Arc::new(AtomicBool::new(false)) }
    }

    /// Err once the time is up or the work was cancelled.
    pub fn check(&self) -> Result<(), Stopped> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Err(Stopped::Cancelled);
        }
        match self.deadline {
            Some(deadline) if Instant::now() >= deadline => Err(Stopped::TimedOut),
            _ => Ok(()),
        }
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// A guard that cancels the work when dropped: held by a request handler, whose future is
    /// dropped when its client disconnects.
    pub fn cancel_on_drop(&self) -> CancelOnDrop {
        CancelOnDrop { budget: self.clone(), armed: true }
    }
}

pub struct CancelOnDrop {
    budget: Budget,
    armed: bool,
}

impl CancelOnDrop {
    /// The work finished: dropping the guard no longer cancels anything.
    pub fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.budget.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_stops_when_cancelled_or_out_of_time() {
        let budget = Budget::within(Duration::from_secs(60));
        assert!(budget.check().is_ok());
        drop(budget.cancel_on_drop());
        assert_eq!(budget.check(), Err(Stopped::Cancelled));
        let finished = Budget::within(Duration::from_secs(60));
        finished.cancel_on_drop().disarm();
        assert!(finished.check().is_ok());
        let spent = Budget::within(Duration::ZERO);
        assert_eq!(spent.check(), Err(Stopped::TimedOut));
        assert!(Budget::unlimited().check().is_ok());
    }
}
