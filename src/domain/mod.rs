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
pub use target::{Baseline, Citation, Comparator, Deadline, Target, TargetKind, reads_running_totals};
pub use units::{UnitMismatch, base_unit, indicator_unit, scale_between};

/// A character no name or title should hold: control characters, and the bidirectional overrides
/// and isolates that make text read otherwise than it is stored (U+202E before "fdp.exe" makes it
/// read "exe.pdf").
pub fn is_unprintable(c: char) -> bool {
    c.is_control() || changes_direction(c)
}

/// The embeddings, overrides and isolates that change the direction text reads in (U+202E
/// shows "fdp.exe" as "exe.pdf").
pub fn changes_direction(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Invisible marks beside the direction overrides of [`is_unprintable`]: direction marks,
/// zero-width joiners and spaces, word joiners, the byte order mark.
pub fn is_invisible_mark(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2065}'
            | '\u{FEFF}'
            | '\u{061C}'
            | '\u{034F}'
            | '\u{00AD}'
            | '\u{180B}'..='\u{180F}'
            | '\u{17B4}' | '\u{17B5}'
            // Variation selectors: the same letter drawn alike.
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{E0100}'..='\u{E01EF}'
            // Line and paragraph separators: breaks that are no control characters.
            | '\u{2028}' | '\u{2029}'
            // Hangul fillers: blank, yet letters.
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}'
            // Tags: invisible letters.
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// A file name as it may be shown on pages and in download headers: without what a catalog name
/// may not hold, nor the invisible marks that would pass for nothing there.
pub fn shown_file_name(name: &str) -> String {
    name.chars().filter(|c| !is_unprintable(*c) && !is_invisible_mark(*c)).collect()
}

/// The region every target and actual is for unless it names a district.
pub const WHOLE_CITY: &str = "全市";
