//! The `:` command line in the status line.

use ratatui::Frame;
use ratatui::layout::Rect;
use tui_input::Input;

use super::render_prompt;
use super::theme::Theme;

pub(super) fn render(input: &Input, frame: &mut Frame, area: Rect, theme: Theme) {
    render_prompt(
        ":",
        input,
        "org [name], logout, refresh, machines, help, q",
        frame,
        area,
        theme,
    );
}
