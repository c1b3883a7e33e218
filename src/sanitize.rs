//! The one sanitizer for server text that reaches a terminal. (Skeleton: TUI issue.)

// Placeholder until the TUI branch's sanitizer is merged (same signature).
pub fn for_display(text: &str) -> std::borrow::Cow<'_, str> {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect::<String>()
        .into()
}
