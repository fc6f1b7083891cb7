"""commission-tracker: Compact-compliant commissioning, recorded as an event log."""

__version__ = "0.1.0"
