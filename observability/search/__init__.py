"""Reading the logs back: files, queries, scans, timelines, error groups and the logs CLI.

Never imports structlog or Flask, so `microblog-logs` starts fast.
"""
