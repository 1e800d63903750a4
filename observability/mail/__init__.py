"""Error emails: the logging handler, its background sender, the throttle, rendering and SMTP."""
