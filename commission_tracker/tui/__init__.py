"""The keyboard dashboard (Textual). Only this package imports Textual: the command line
starts without it, and launches it only for ``ctrack dashboard``."""
