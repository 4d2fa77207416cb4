"""Benchmarks: speed and cost of the engines against peers, run with ``python -m benchmarks``.

Every module ``benchmarks/<name>.py`` (name not starting with "_") that defines ``main()``
is one benchmark; it prints its own table of medians and ratios, measured in one run.
"""
