//! Pure types and rules of the model: no I/O, nothing from the rest of the crate.

mod budget;
mod department;
mod duty;
mod indicator;
mod period;
mod plan;
mod target;
mod units;

pub use budget::{Budget, CancelOnDrop, Stopped};
pub use department::{Department, DepartmentKind};
pub use duty::{DEFAULT_DUE_DAYS, DEFAULT_FREQUENCY, DueDates, Duty, Frequency, MAX_DUE_DAYS};
pub use indicator::{Aggregate, Indicator};
pub use period::{Period, PeriodError};
pub use plan::Plan;
pub use target::{Baseline, Citation, Comparator, Deadline, Target, TargetKind};
pub use units::{UnitMismatch, base_unit, scale_between};

/// A character no name or title should hold: control characters, and the bidirectional overrides
/// and isolates that make text read otherwise than it is stored (U+202E before "fdp.exe" makes it
/// read "exe.pdf").
pub fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The region every target and actual is for unless it names a district.
pub const WHOLE_CITY: &str = "全市";
