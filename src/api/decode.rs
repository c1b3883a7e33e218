//! Lenient decoding of appliance JSON. (Skeleton: filled in by the client issue.)
