"""The ``ctrack`` command line: argument parsing, text or JSON output, exit codes."""
