"""Command bodies. cli.py imports each one only when its command runs, to keep start-up fast."""
