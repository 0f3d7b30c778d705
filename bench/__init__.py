"""Baozhai's benchmarks: summary quality against printed headlines, and speed against textrank4zh.

``python -m bench`` runs both (``--quick`` for fewer repetitions); ``python -m bench.quality``
and ``python -m bench.speed`` run one. Each prints a table and writes JSON to
``bench/results/`` (git-ignored). Inputs come from ``../shared/`` beside the repository; a
benchmark whose input is absent says so and exits 0. textrank4zh (a dev dependency) is the
baseline, run through the compatibility shim in :mod:`bench.reference`.
"""
