//! The one sanitizer for server text that reaches a terminal. (Skeleton: TUI issue.)
