"""Making a log line: structlog processors, redaction, exceptions as data, the file sink."""
