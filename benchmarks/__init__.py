"""Performance benchmarks of commission-tracker against a raw sqlite3 + msgpack floor.

Run ``python -m benchmarks --scale small`` (about a minute) or ``--scale large`` (10,000
exercises, about 1,000,000 events). See BENCHMARKS.md for the latest figures.
"""
