//! (Skeleton: filled in by the TUI issue.)
