"""Benchmarks, run by hand; figures recorded in bench/README.md. Never imported by the product."""
