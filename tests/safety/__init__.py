"""The safety suite: one test per data-safety hole, on real files and real processes."""
