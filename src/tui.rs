//! Terminal guard and event loop.
