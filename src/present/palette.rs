//! The one palette of pages, charts and the PDF. Every colour that carries meaning is here, so a
//! test can hold each text and background pair to WCAG 2.1 AA: 4.5:1 for text, 3:1 for graphics,
//! field borders and focus indicators (1.4.3, 1.4.11). The status colours are
//! [`super::status_colour`]; status is never shown by colour alone (a word, a mark or a pattern
//! goes with it).

use super::Colour;

/// Body text.
pub const INK: Colour = Colour(0x1d, 0x24, 0x30);
/// Secondary text: notes, citations, dates.
pub const MUTED: Colour = Colour(0x5b, 0x65, 0x75);
/// The page behind the cards.
pub const PAGE: Colour = Colour(0xf6, 0xf7, 0xf9);
/// Cards, forms, tables, charts.
pub const CARD: Colour = Colour(0xff, 0xff, 0xff);
/// Dividers between rows and around cards (decoration: the content, not the line, carries
/// meaning).
pub const LINE: Colour = Colour(0xd9, 0xde, 0xe6);
/// Links and buttons (white text on buttons).
pub const ACCENT: Colour = Colour(0x0b, 0x5c, 0xad);
/// Table header cells.
pub const TABLE_HEAD: Colour = Colour(0xee, 0xf1, 0xf5);
/// The site header, with white text.
pub const HEADER: Colour = Colour(0x11, 0x22, 0x33);
pub const HEADER_INK: Colour = Colour(0xff, 0xff, 0xff);
/// The focus ring on the page and on cards: dark orange, apart from the blue of links and
/// buttons, so the focused element stands out from the others.
pub const FOCUS: Colour = Colour(0xa3, 0x4a, 0x00);
/// The focus ring in the dark header.
pub const FOCUS_ON_DARK: Colour = Colour(0xff, 0xb0, 0x00);
/// The border of inputs and selects: it shows where a field is.
pub const FIELD_BORDER: Colour = Colour(0x6b, 0x75, 0x85);
/// The quote marked in its sentence (text in `INK` over it).
pub const MARK: Colour = Colour(0xff, 0xf3, 0xb0);
/// Messages: something failed, something went through.
pub const ERROR: Colour = Colour(0x8e, 0x1b, 0x1b);
pub const OK: Colour = Colour(0x1a, 0x73, 0x36);

/// The charts' background and the empty part of a progress bar.
pub const CHART_BACKGROUND: Colour = Colour(0xff, 0xff, 0xff);
pub const CHART_TRACK: Colour = Colour(0xf2, 0xf2, 0xf2);
/// Chart text that is not a status's: titles, axes, legends, names.
pub const CHART_TEXT: Colour = Colour(0x21, 0x21, 0x21);
/// The goal line, band edge and deadline.
pub const CHART_GOAL: Colour = Colour(0x37, 0x47, 0x4f);
/// The straight path from the baseline to the goal.
pub const CHART_EXPECTED_PATH: Colour = Colour(0x6b, 0x6b, 0x6b);
/// "Expected by now": the tick on a bar, the ring on a target chart.
pub const CHART_EXPECTED: Colour = Colour(0x21, 0x21, 0x21);
/// The "as of" line and its label.
pub const CHART_AS_OF: Colour = Colour(0x15, 0x65, 0xc0);
/// A district's bar: meets the goal, or not yet (with the goal line and the figure beside it).
pub const DISTRICT_MET: Colour = Colour(0x1b, 0x7f, 0x3b);
pub const DISTRICT_NOT_MET: Colour = Colour(0x6b, 0x72, 0x80);

/// The PDF: notes and facts, small print, table rules and header cells (on white paper).
pub const REPORT_MUTED: Colour = Colour(0x55, 0x55, 0x55);
pub const REPORT_FAINT: Colour = Colour(0x66, 0x66, 0x66);
pub const REPORT_RULE: Colour = Colour(0xcc, 0xcc, 0xcc);
pub const REPORT_HEAD: Colour = Colour(0xee, 0xee, 0xee);

/// The stylesheet's custom properties, so the pages draw from this palette.
pub fn css_variables() -> String {
    let vars = [
        ("ink", INK),
        ("muted", MUTED),
        ("bg", PAGE),
        ("card", CARD),
        ("line", LINE),
        ("accent", ACCENT),
        ("head", TABLE_HEAD),
        ("header", HEADER),
        ("header-ink", HEADER_INK),
        ("focus", FOCUS),
        ("focus-on-dark", FOCUS_ON_DARK),
        ("field-border", FIELD_BORDER),
        ("mark", MARK),
        ("error", ERROR),
        ("ok", OK),
        ("chart-track", CHART_TRACK),
        ("chart-expected", CHART_EXPECTED),
    ];
    let body: String = vars.iter().map(|(name, colour)| format!(" --{name}: {};", colour.hex())).collect();
    format!(":root {{{body} }}\n")
}

/// The PDF's colours by name, for the typst template.
pub fn report_colours() -> std::collections::HashMap<&'static str, String> {
    [("muted", REPORT_MUTED), ("faint", REPORT_FAINT), ("rule", REPORT_RULE), ("head", REPORT_HEAD), ("ink", INK)]
        .into_iter()
        .map(|(name, colour)| (name, colour.hex()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::status_colour;
    use crate::progress::ALL_STATUSES;

    const TEXT: f64 = 4.5;
    const GRAPHIC: f64 = 3.0;

    fn check<S: std::fmt::Display>(pairs: &[(S, Colour, Colour)], least: f64) {
        for (what, fore, back) in pairs {
            let ratio = fore.contrast(back);
            assert!(ratio >= least, "{what}: {} on {} is {ratio:.2}:1, needs {least}:1", fore.hex(), back.hex());
        }
    }

    #[test]
    fn every_text_of_the_pages_reads_on_every_background_it_sits_on() {
        let mut pairs = Vec::new();
        for (name, back) in [("page", PAGE), ("card", CARD), ("table head", TABLE_HEAD)] {
            for (text, fore) in [("ink", INK), ("muted", MUTED), ("link", ACCENT), ("error", ERROR), ("ok", OK)] {
                pairs.push((format!("{text} on {name}"), fore, back));
            }
        }
        for (what, fore, back) in [
            ("marked quote", INK, MARK),
            ("muted text in a marked quote", MUTED, MARK),
            ("header", HEADER_INK, HEADER),
            ("button", CARD, ACCENT),
        ] {
            pairs.push((what.to_owned(), fore, back));
        }
        check(&pairs, TEXT);
    }

    #[test]
    fn the_focus_ring_and_field_borders_stand_out_where_they_are_drawn() {
        check(
            &[
                ("focus ring on the page", FOCUS, PAGE),
                ("focus ring on a card", FOCUS, CARD),
                ("focus ring in a table head", FOCUS, TABLE_HEAD),
                ("focus ring on a marked quote", FOCUS, MARK),
                ("focus ring in the header", FOCUS_ON_DARK, HEADER),
                ("field border on a card", FIELD_BORDER, CARD),
                ("field border on the page", FIELD_BORDER, PAGE),
            ],
            GRAPHIC,
        );
    }

    #[test]
    fn chart_text_and_marks_read_on_the_chart() {
        check(
            &[
                ("chart text", CHART_TEXT, CHART_BACKGROUND),
                ("chart text on a bar's track", CHART_TEXT, CHART_TRACK),
                ("as-of label", CHART_AS_OF, CHART_BACKGROUND),
            ],
            TEXT,
        );
        check(
            &[
                ("goal line", CHART_GOAL, CHART_BACKGROUND),
                ("expected path", CHART_EXPECTED_PATH, CHART_BACKGROUND),
                ("expected tick on the track", CHART_EXPECTED, CHART_TRACK),
                ("district meeting the goal", DISTRICT_MET, CHART_BACKGROUND),
                ("district not meeting it", DISTRICT_NOT_MET, CHART_BACKGROUND),
            ],
            GRAPHIC,
        );
        // A status's colour is text (verdicts, labels on an empty bar) on white and on the track,
        // a filled bar on the track, and a background to white words (badges in pages and PDF).
        for status in ALL_STATUSES {
            let colour = status_colour(status);
            let what = format!("{status:?}");
            check(&[(&what, colour, CHART_BACKGROUND), (&what, colour, CHART_TRACK), (&what, CARD, colour)], TEXT);
        }
    }

    #[test]
    fn the_report_s_text_reads_on_paper_and_in_header_cells() {
        check(
            &[
                ("report notes", REPORT_MUTED, CARD),
                ("report small print", REPORT_FAINT, CARD),
                ("report notes in a header cell", REPORT_MUTED, REPORT_HEAD),
                ("report text in a header cell", INK, REPORT_HEAD),
            ],
            TEXT,
        );
    }

    #[test]
    fn the_stylesheet_and_the_report_take_their_colours_from_here() {
        let css = css_variables();
        assert!(css.contains("--focus: #a34a00;") && css.contains("--field-border: #6b7585;"), "{css}");
        assert_eq!(report_colours()["faint"], "#666666");
    }
}
