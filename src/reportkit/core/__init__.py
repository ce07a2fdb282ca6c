"""The vocabulary every other layer speaks: units, periods, number formats, data contracts.

Nothing here reads files beyond the package's own reference data, and nothing imports from
another reportkit layer (only :mod:`reportkit.errors`).
"""
