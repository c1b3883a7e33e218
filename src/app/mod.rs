//! The one owned application state and the pure `update` function.
pub mod keymap;
pub mod table;
