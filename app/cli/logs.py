"""`flask logs` lives in `observability.cli` (Flask-free; also `microblog-logs`); re-exported."""

from observability.cli import chosen_log_dir, logs

__all__ = ["chosen_log_dir", "logs"]
