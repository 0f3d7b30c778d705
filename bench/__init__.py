"""Baozhai's benchmarks: summary quality against printed headlines, and speed against textrank4zh.

``python -m bench`` runs both (``--quick`` for fewer repetitions); ``python -m bench.quality``
and ``python -m bench.speed`` run one. Each prints a table and writes JSON to
``bench/results/`` (git-ignored). Inputs come from ``../shared/`` beside the repository; a
benchmark whose input is absent says so and exits 0. textrank4zh (a dev dependency) is the
baseline, run through the compatibility shim in :mod:`bench.reference`.

Each benchmark ends with its targets, one PASS/FAIL line each (quality: ours R-2 >= 16.0 and
ahead of lead-1 and textrank4zh on R-1/2/L; speed: >= 100x textrank4zh per article for the
same output, seed edition under 5 ms warm, a 710-article synthetic edition parsed and
summarized in <= 3 ms per 1,000 characters). They are informational; ``--check`` makes a
missed target exit 1 (a skipped one, for absent input, never does).
"""
