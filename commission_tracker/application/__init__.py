"""The application layer shared by the command line and the dashboard."""

from commission_tracker.application.clock import Clock, parse_date, parse_moment
from commission_tracker.application.service import COMMANDS, Tracker
from commission_tracker.application.store import StoreConfig, StoreError

__all__ = [
    "COMMANDS",
    "Clock",
    "StoreConfig",
    "StoreError",
    "Tracker",
    "parse_date",
    "parse_moment",
]
