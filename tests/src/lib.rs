//! Contract and integration tests live in `tests/`.
