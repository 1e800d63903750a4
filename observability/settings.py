"""The settings observability needs, gathered once from the app's configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ObservabilitySettings:
    """Everything the log pipeline and its sinks read; pure data, no Flask."""

    log_dir: Path
    state_dir: Path  # shared by every worker on the host (the instance folder)
    log_level: str = "INFO"
    log_max_bytes: int = 10 * 1024 * 1024
    log_backup_count: int = 10
    debug: bool = False
    console: bool = True
    # "stderr" under the `flask` command, whose stdout is the command's own output.
    console_stream: str = "stdout"
    # LOG_CONSOLE_FORMAT: "auto" (structlog's ConsoleRenderer on a terminal, else JSON lines),
    # "pretty" or "json". The file is always JSON.
    console_format: str = "auto"
    # LOG_STATIC_REQUESTS: static files' `request_finished` at info (default: at debug).
    log_static_requests: bool = False
    version: str = "0"
    mail_server: str = ""
    mail_port: int = 25
    mail_use_tls: bool = False
    mail_use_ssl: bool = False
    mail_username: str = ""
    mail_password: str = ""
    mail_from: str = ""
    admins: tuple[str, ...] = ()
    error_email_throttle_seconds: int = 300
    external_url: str = ""
    slow_request_ms: int = 1000  # slower requests log request_finished at warning, with the trail
    breadcrumbs_max: int = 50  # the per-request trail's length; 0 turns breadcrumbs off
    secret_values: tuple[str, ...] = field(default=(), repr=False)

    @property
    def log_file(self) -> Path:
        """The live JSON-lines file; rotated copies are `microblog.log.1` … `.N`."""
        return self.log_dir / "microblog.log"

    @property
    def emails_enabled(self) -> bool:
        """Error emails go out only with a mail server, recipients, and debug mode off."""
        return bool(self.mail_server and self.admins and not self.debug)

    @property
    def sender(self) -> str:
        """The From address: `MAIL_FROM`, else `no-reply@<MAIL_SERVER>`."""
        return self.mail_from or f"no-reply@{self.mail_server}"

    @classmethod
    def from_mapping(
        cls, config: Mapping[str, Any], *, state_dir: Path, debug: bool = False, version: str = "0"
    ) -> ObservabilitySettings:
        """Build settings from a Flask-style UPPERCASE mapping."""
        secrets = tuple(
            str(config[key]) for key in ("SECRET_KEY", "MAIL_PASSWORD") if config.get(key)
        )
        return cls(
            log_dir=Path(str(config.get("LOG_DIR") or "logs")),
            # STATE_DIR (config file only) moves host-shared state, e.g. for isolated tests.
            state_dir=Path(str(config["STATE_DIR"])) if config.get("STATE_DIR") else state_dir,
            log_level=str(config.get("LOG_LEVEL") or "INFO").upper(),
            log_max_bytes=int(config.get("LOG_MAX_BYTES") or 10 * 1024 * 1024),
            log_backup_count=int(config.get("LOG_BACKUP_COUNT", 10)),
            debug=debug,
            console=bool(config.get("LOG_CONSOLE", True)),
            console_format=str(config.get("LOG_CONSOLE_FORMAT") or "auto"),
            log_static_requests=bool(config.get("LOG_STATIC_REQUESTS")),
            version=version,
            mail_server=str(config.get("MAIL_SERVER") or ""),
            mail_port=int(config.get("MAIL_PORT") or 25),
            mail_use_tls=bool(config.get("MAIL_USE_TLS")),
            mail_use_ssl=bool(config.get("MAIL_USE_SSL")),
            mail_username=str(config.get("MAIL_USERNAME") or ""),
            mail_password=str(config.get("MAIL_PASSWORD") or ""),
            mail_from=str(config.get("MAIL_FROM") or ""),
            admins=tuple(config.get("ADMINS") or ()),
            error_email_throttle_seconds=int(config.get("ERROR_EMAIL_THROTTLE_SECONDS", 300)),
            external_url=str(config.get("EXTERNAL_URL") or "").rstrip("/"),
            slow_request_ms=int(config.get("SLOW_REQUEST_MS", 1000)),
            breadcrumbs_max=max(0, int(config.get("BREADCRUMBS_MAX", 50))),
            secret_values=secrets,
        )
