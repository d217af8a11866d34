//! Example programs live in `examples/`; see README.md.
