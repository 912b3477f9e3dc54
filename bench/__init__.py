"""Benchmarks, each a module run as `python -m bench.<name>` against DATABASE_URL."""
