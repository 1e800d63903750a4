"""What each error page says: plain words for people, no internals."""

from __future__ import annotations

from typing import NamedTuple


class ErrorText(NamedTuple):
    """The page's title and the sentence that explains it."""

    title: str
    message: str


ERROR_TEXTS: dict[int, ErrorText] = {
    400: ErrorText("Bad request", "The request could not be understood. Please try again."),
    401: ErrorText("Sign-in required", "You need to sign in to see this page."),
    403: ErrorText("Forbidden", "You do not have permission to see this page."),
    404: ErrorText("Page not found", "There is nothing at this address."),
    405: ErrorText("Method not allowed", "This page cannot be used that way."),
    413: ErrorText("Too large", "What you sent is larger than this site accepts."),
    429: ErrorText("Too many requests", "You are going a bit fast. Please wait and try again."),
    500: ErrorText(
        "Something went wrong",
        "An unexpected error happened on our side. The administrators have been told.",
    ),
}
CSRF_TEXT = ErrorText(
    "Form expired",
    "The form was too old or came from somewhere else. Go back, reload the page and try again.",
)


def error_text(status: int) -> ErrorText:
    """The words for `status`; unlisted codes get a generic sentence by class."""
    if status in ERROR_TEXTS:
        return ERROR_TEXTS[status]
    if status >= 500:
        return ErrorText("Server error", "The server could not complete the request.")
    return ErrorText("Request not completed", "The request could not be completed.")
