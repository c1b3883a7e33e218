//! The typed query builder. (Skeleton: filled in by the client issue.)

/// A list query: filtering, sorting, paging and shaping.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {}
