"""Benchmarks that print their figures; run them with ./dev bench."""
