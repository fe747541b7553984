"""Benchmarks (`python -m jirasync.bench.engine`) and the throw-away PostgreSQL they and the
tests run on."""
