"""Read models derived from the event log: involvement, checks, deadlines, dashboard."""
