"""`python -m benchmarks`: what observability costs and how fast the app is, as side-by-side ratios.

One module per figure (`fig_*.py`); `runner` runs them, prints a table and writes
`docs/benchmarks.md`. Ratios are measured in one run on one machine because absolute numbers on
a shared 2-core box move from minute to minute; they are kept only as context.
"""
