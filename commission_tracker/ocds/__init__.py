"""Open Contracting Data Standard: published notices in (``importer``), our record out
(``export``), with the OCDS merge (``merge``) and our extension (``extension``).

It sits over the application layer (it drives a ``Tracker``); the aggregates and rules know
nothing of OCDS.
"""
