"""The warehouse: sliced reads with data versions, the aggregates cache and atomic file writes.

Imports only :mod:`reportkit.core`.
"""
