"""The benchmark runner (``python -m benchmarks``), not its figures."""
