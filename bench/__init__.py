"""Baozhai's benchmarks: summary quality against printed headlines, and speed against textrank4zh.

``python -m bench`` runs both (``--quick`` for fewer repetitions); ``python -m bench.quality``
and ``python -m bench.speed`` run one. Each prints a table and writes JSON to
``bench/results/`` (git-ignored). Inputs come from ``../shared/`` beside the repository, and
dev set 2 (人民日报, January 2020) from ``--dev2 PATH`` (never in the repository; see
:mod:`bench.peopledaily`); a benchmark whose input is absent says so and exits 0. textrank4zh
(a dev dependency) is the baseline, run through the compatibility shim in
:mod:`bench.reference`. ``python -m bench.train_ranker`` fits the learned ranker's weights on
other months of 人民日报 (:mod:`bench.train_ranker`).

Each benchmark ends with its targets, one PASS/FAIL line each (quality, per dev set: top-1
R-2 at least 2.0 ahead of lead-1 with the bootstrap interval above zero, 3 sentences not below
lead-3 on R-1, ahead of textrank4zh on R-1/2/L; speed: >= 100x textrank4zh per article for the
same output, seed edition under 5 ms warm, a 710-article synthetic edition parsed and
summarized in <= 3 ms per 1,000 characters). They are informational; ``--check`` makes a
missed target exit 1 (a skipped one, for absent input, never does).
"""
