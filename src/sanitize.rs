//! The one sanitizer for server text that reaches a terminal.
//!
//! Every string the appliance sends (names, OS strings, error descriptions, ...) passes through
//! [`for_display`] before the TUI draws it or the headless CLI prints it to a terminal, so a
//! hostile value cannot move the cursor, rewrite the title, write the clipboard (OSC 52),
//! reorder text with BiDi overrides or hide characters with zero-width spaces (CWE-150,
//! CVE-2021-25743, Trojan Source). Raw values stay untouched in the model for export.
//!
//! What it does, in one pass:
//! - C0/C1 control characters become visible: `ESC` → `␛`, `NUL` → `␀` (Unicode control
//!   pictures), `DEL` → `␡`, C1 (U+0080–U+009F) → `�`; tab → space; CR/LF → `↵`.
//! - Invisible format characters (Unicode `Cf`) are removed: BiDi embeddings/overrides/isolates
//!   (U+202A–U+202E, U+2066–U+2069), zero-width and direction marks (U+200B–U+200F,
//!   U+2060–U+2064), soft hyphen, BOM, the tag characters (U+E0000 block) and the rest.
//! - Floods of combining marks are cut to [`MAX_COMBINING`] per base character.
//! - Fields longer than [`MAX_DISPLAY_CHARS`] are cut with an ellipsis.
//!
//! [`truncate_to_width`] then fits a (sanitized) string into a number of terminal columns,
//! grapheme by grapheme, counting CJK and emoji as two columns.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The longest field shown, in characters (a 2 KB host name must not fill the screen).
pub const MAX_DISPLAY_CHARS: usize = 512;

/// Combining marks kept after one base character ("Zalgo" text stacks hundreds).
pub const MAX_COMBINING: usize = 4;

/// The ellipsis that marks a cut.
pub const ELLIPSIS: char = '…';

/// Returns `text` safe to draw on a terminal, on a single line. Borrows when nothing changes.
///
/// The result contains no control characters (Cc) and none of the invisible format characters
/// listed in the module docs, holds at most [`MAX_DISPLAY_CHARS`] characters, and
/// `for_display(for_display(x)) == for_display(x)`.
pub fn for_display(text: &str) -> Cow<'_, str> {
    if is_plain(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(MAX_DISPLAY_CHARS * 4));
    let mut kept = 0usize;
    let mut combining = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_hidden_format(c) {
            continue;
        }
        let shown = visible_control(c);
        if shown.is_none() && c.width() == Some(0) {
            // A combining mark (or other zero-width character) attaches to what precedes it.
            combining += 1;
            if combining > MAX_COMBINING {
                continue;
            }
        } else {
            combining = 0;
        }
        if kept + 1 == MAX_DISPLAY_CHARS && chars.peek().is_some() {
            out.push(ELLIPSIS);
            break;
        }
        out.push(shown.unwrap_or(c));
        kept += 1;
    }
    Cow::Owned(out)
}

/// Whether the text holds anything [`for_display`] removes without a trace (format characters).
/// The detail view uses it to warn that a value is not what it looks like.
pub fn has_hidden_characters(text: &str) -> bool {
    text.chars().any(is_hidden_format)
}

/// Printable ASCII that is not too long needs no work at all (the common case).
fn is_plain(text: &str) -> bool {
    text.len() <= MAX_DISPLAY_CHARS && text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// The visible stand-in for a control character, or `None` when `c` is not one.
fn visible_control(c: char) -> Option<char> {
    match c {
        '\t' => Some(' '),
        '\n' | '\r' => Some('↵'),
        '\u{7f}' => Some('␡'),
        // U+2400 + code is the Unicode "control picture" of each C0 character: ESC → ␛.
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32),
        '\u{80}'..='\u{9f}' => Some('\u{fffd}'),
        _ => None,
    }
}

/// Invisible characters that can reorder or disguise text: every Unicode format character
/// (general category `Cf`, Unicode 15), among them BiDi controls, zero-width characters, the
/// soft hyphen, the BOM and the tag characters that can smuggle invisible ASCII.
pub fn is_hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'                    // soft hyphen
        | '\u{0600}'..='\u{0605}'     // Arabic prepended concatenation marks
        | '\u{061c}'                  // Arabic letter mark
        | '\u{06dd}' | '\u{070f}'     // Arabic end of ayah, Syriac abbreviation mark
        | '\u{0890}'..='\u{0891}' | '\u{08e2}'
        | '\u{180e}'                  // Mongolian vowel separator
        | '\u{200b}'..='\u{200f}'     // zero-width space/joiners, LRM, RLM
        | '\u{202a}'..='\u{202e}'     // BiDi embeddings and overrides
        | '\u{2060}'..='\u{2064}'     // word joiner, invisible operators
        | '\u{2066}'..='\u{206f}'     // BiDi isolates, deprecated format characters
        | '\u{feff}'                  // byte order mark / zero-width no-break space
        | '\u{fff9}'..='\u{fffb}'     // interlinear annotation
        | '\u{110bd}' | '\u{110cd}'   // Kaithi number signs
        | '\u{13430}'..='\u{1343f}'   // Egyptian hieroglyph format controls
        | '\u{1bca0}'..='\u{1bca3}'   // shorthand format controls
        | '\u{1d173}'..='\u{1d17a}'   // musical symbol format controls
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}' // language tag, tag characters
    )
}

/// The terminal width of `text` in columns, measured as ratatui measures it.
pub fn display_width(text: &str) -> usize {
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Fits `text` into `max_width` columns, ending with `…` when it had to cut. Never splits a
/// grapheme, so a wide CJK character or emoji that does not fit is dropped whole.
pub fn truncate_to_width(text: &str, max_width: usize) -> Cow<'_, str> {
    if display_width(text) <= max_width {
        return Cow::Borrowed(text);
    }
    if max_width == 0 {
        return Cow::Borrowed("");
    }
    let budget = max_width - 1; // room for the ellipsis
    let mut out = String::new();
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let width = grapheme.width();
        if used + width > budget {
            break;
        }
        used += width;
        out.push_str(grapheme);
    }
    out.push(ELLIPSIS);
    Cow::Owned(out)
}

/// [`for_display`] then [`truncate_to_width`]: the usual call for a table cell.
pub fn fit(text: &str, max_width: usize) -> String {
    truncate_to_width(&for_display(text), max_width).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_control(s: &str) -> bool {
        s.chars().any(char::is_control)
    }

    #[test]
    fn plain_ascii_is_borrowed_unchanged() {
        let text = "WS-FIN-0042 10.20.30.42";
        assert!(matches!(for_display(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn escape_sequences_become_visible_and_inert() {
        let shown = for_display("EVIL\x1b[2J\x1b[HPWNED");
        assert_eq!(shown, "EVIL␛[2J␛[HPWNED");
        let osc52 = for_display("X\x1b]52;c;cm0gLXJmIH4K\x07");
        assert_eq!(osc52, "X␛]52;c;cm0gLXJmIH4K␇");
        assert!(!has_control(&osc52));
    }

    #[test]
    fn c1_del_nul_tabs_and_newlines_are_mapped() {
        assert_eq!(for_display("A\u{9b}2JB"), "A\u{fffd}2JB");
        assert_eq!(for_display("a\u{7f}b\u{0}c"), "a␡b␀c");
        assert_eq!(for_display("good\rBAD!"), "good↵BAD!");
        assert_eq!(for_display("one\ntwo\tthree"), "one↵two three");
    }

    #[test]
    fn bidi_and_zero_width_characters_are_removed() {
        assert_eq!(for_display("WKS\u{200b}-01"), "WKS-01");
        assert_eq!(for_display("abc\u{202e}fed\u{202c}"), "abcfed");
        assert_eq!(for_display("\u{feff}x\u{2066}y\u{2069}\u{ad}z"), "xyz");
        assert!(has_hidden_characters("WKS\u{200b}-01"));
        assert!(!has_hidden_characters("WKS-01 日本"));
    }

    #[test]
    fn cjk_and_emoji_pass_through() {
        assert_eq!(for_display("端末-東京-01 🖥️"), "端末-東京-01 🖥️");
    }

    #[test]
    fn long_fields_are_capped_with_an_ellipsis() {
        let long = "x".repeat(2_048);
        let shown = for_display(&long);
        assert_eq!(shown.chars().count(), MAX_DISPLAY_CHARS);
        assert!(shown.ends_with(ELLIPSIS));
        // Exactly at the cap nothing is cut.
        let exact = "y".repeat(MAX_DISPLAY_CHARS);
        assert_eq!(for_display(&exact), exact);
    }

    #[test]
    fn combining_mark_floods_are_cut() {
        let zalgo = format!("a{}b", "\u{301}".repeat(200));
        let shown = for_display(&zalgo);
        assert_eq!(shown.chars().count(), 1 + MAX_COMBINING + 1);
        assert!(shown.ends_with('b'));
    }

    #[test]
    fn sanitizing_is_idempotent() {
        let samples = [
            "EVIL\x1b[2J",
            "a\u{202e}b",
            &"z".repeat(3_000),
            "端末\u{200b}",
            "é\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}",
            "\u{9b}\u{85}\r\n",
        ];
        for sample in samples {
            let once = for_display(sample).into_owned();
            assert_eq!(for_display(&once), once, "{sample:?}");
            assert!(!has_control(&once));
            assert!(!has_hidden_characters(&once));
        }
    }

    #[test]
    fn truncation_counts_columns_not_bytes() {
        assert_eq!(truncate_to_width("WS-FIN-0042", 20), "WS-FIN-0042");
        assert_eq!(truncate_to_width("WS-FIN-0042", 6), "WS-FI…");
        // Each CJK character is two columns: 5 columns hold two of them and the ellipsis.
        assert_eq!(truncate_to_width("端末東京", 5), "端末…");
        assert_eq!(truncate_to_width("端末東京", 4), "端…");
        assert_eq!(truncate_to_width("ab🖥️cd", 4), "ab…");
        assert_eq!(truncate_to_width("abc", 0), "");
        for width in 0..12 {
            let cut = truncate_to_width("端末-東京-🖥️-01", width);
            assert!(display_width(&cut) <= width, "{width}: {cut}");
        }
    }

    #[test]
    fn fit_sanitizes_then_truncates() {
        assert_eq!(fit("\x1b[31mred", 5), "␛[31…");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// Characters the sanitizer has to think about, mixed with ordinary ones.
        fn nasty_char() -> impl Strategy<Value = char> {
            prop_oneof![
                3 => (0x20u8..0x7f).prop_map(char::from),
                2 => any::<char>(),
                2 => (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('?')),
                1 => (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap_or('?')),
                2 => prop::sample::select(vec![
                    '\u{200b}', '\u{200d}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{feff}',
                    '\u{ad}', '\u{e0041}', '\u{301}', '\u{336}', '\u{fe0f}', '端', '🖥', '…',
                    '\u{1b}', '\u{9b}', '\r', '\n', '\t',
                ]),
            ]
        }

        fn nasty_text() -> impl Strategy<Value = String> {
            prop::collection::vec(nasty_char(), 0..(MAX_DISPLAY_CHARS + 80))
                .prop_map(String::from_iter)
        }

        proptest! {
            #[test]
            fn sanitizing_twice_changes_nothing(text in nasty_text()) {
                let once = for_display(&text).into_owned();
                prop_assert_eq!(for_display(&once), once.as_str());
            }

            #[test]
            fn no_control_or_format_character_survives(text in nasty_text()) {
                let shown = for_display(&text);
                prop_assert!(!shown.chars().any(|c| c.is_control()), "{:?}", shown);
                prop_assert!(!has_hidden_characters(&shown), "{:?}", shown);
                prop_assert!(shown.chars().count() <= MAX_DISPLAY_CHARS);
            }

            #[test]
            fn printable_ascii_is_unchanged(
                bytes in prop::collection::vec(0x20u8..0x7f, 0..=MAX_DISPLAY_CHARS)
            ) {
                let text = String::from_utf8(bytes).unwrap();
                prop_assert_eq!(for_display(&text), text.as_str());
            }

            #[test]
            fn a_cut_never_exceeds_the_width(text in nasty_text(), width in 0usize..100) {
                let cell = fit(&text, width);
                prop_assert!(display_width(&cell) <= width, "{:?} at {}", cell, width);
                // What fits is left alone; what does not is a prefix plus the ellipsis.
                let shown = for_display(&text);
                if display_width(&shown) <= width {
                    prop_assert_eq!(cell.as_str(), &*shown);
                } else if width > 0 {
                    let kept = cell.strip_suffix(ELLIPSIS).expect("an ellipsis");
                    prop_assert!(shown.starts_with(kept));
                }
            }
        }
    }
}
