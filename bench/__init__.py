"""`make bench`: speed and memory of the inference engine (a benchmark, not a test).

Run ``python -m bench --help``. Results go to bench/results/bench.json and
bench/results/bench.md.
"""
