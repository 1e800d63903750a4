"""The web request's side of observability: Flask wiring and W3C `traceparent` parsing."""
