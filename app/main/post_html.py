"""The HTML of one listed post, built in Python: the post lists' per-post cost, made small.

A Jinja macro printed seven escaped values per post (160 `escape` calls for a page of 20,
with Jinja's call and lookup overhead around each). Here what belongs to the author (profile
link, avatar, name) is escaped once per author per page, the body once per post, and the two
times, which are digits and punctuation we format ourselves, not at all. The markup is the
macro's, element for element.
"""

from __future__ import annotations

from markupsafe import Markup, escape


def author_head(author_url: str, avatar_url: str, username: str) -> str:
    """The author's part of a post (avatar link, opening of the text, name link), escaped."""
    url = escape(author_url)
    return (
        f'  <a href="{url}" class="flex-shrink-0">\n'
        f'    <img src="{escape(avatar_url)}" alt="" width="48" height="48"'
        ' class="rounded avatar">\n'
        "  </a>\n"
        '  <div class="min-w-0">\n'
        "    <div>\n"
        f'      <a href="{url}" class="fw-semibold">{escape(username)}</a>\n'
    )


def post_article(head: str, iso_time: str, display_time: str, body: str) -> str:
    """One post's `<article>`; `head` from `author_head`, times from `app.main.filters`."""
    # The times are built by app.main.filters from integers: nothing in them needs escaping.
    return (
        '<article class="post d-flex gap-3 py-3 border-bottom">\n'
        f"{head}"
        '      <time class="text-body-secondary small ms-1"'
        f' datetime="{iso_time}">{display_time}</time>\n'
        "    </div>\n"
        f'    <p class="post-body mb-0">{escape(body)}</p>\n'
        "  </div>\n"
        "</article>\n"
    )


def join_articles(articles: list[str]) -> Markup:
    """The page's posts as one safe string for the template."""
    return Markup("".join(articles))  # noqa: S704  (every value in it was escaped above)


_NO_POSTS = '<p class="text-body-secondary">No posts yet.</p>\n'


def post_list_html(posts_html: str, newer_url: str | None, older_url: str | None) -> Markup:
    """A page of posts (`posts_html` from `join_articles`, "" for none) with its page links.

    A link is None when that page does not exist; the markup is the old `post_list` macro's.
    """
    html = f"\n{posts_html or _NO_POSTS}\n"
    if newer_url is not None or older_url is not None:
        html += (
            '\n<nav aria-label="Pages of posts" class="my-3">\n'
            '  <ul class="pagination justify-content-between">\n'
            f"{_page_item(newer_url, '&larr; Newer posts')}"
            f"{_page_item(older_url, 'Older posts &rarr;')}"
            "  </ul>\n"
            "</nav>\n"
        )
    return Markup(html)  # noqa: S704  (posts_html is escaped HTML, the URLs are escaped here)


def _page_item(url: str | None, label: str) -> str:
    disabled = "" if url is not None else " disabled"
    href = escape(url) if url is not None else "#"
    return (
        f'    <li class="page-item{disabled}">\n'
        f'      <a class="page-link" href="{href}">{label}</a>\n'
        "    </li>\n"
    )
