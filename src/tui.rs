//! Terminal guard and event loop. (Skeleton: TUI issue.)
