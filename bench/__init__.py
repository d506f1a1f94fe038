"""Benchmarks and load tests of the petition site, each run from the repository's root as ``python -m bench.<name>``.

bench/README.md says what each measures; ``bench.harness`` holds what they share."""
