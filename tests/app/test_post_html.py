"""The per-post HTML built in Python: every value escaped, the macro's markup kept."""

from __future__ import annotations

import re

from markupsafe import Markup

from app.main.post_html import author_head, join_articles, post_article, post_list_html


def test_every_author_value_and_the_body_are_escaped() -> None:
    """A hostile name, link, avatar URL or body can never become markup."""
    head = author_head('/user/a"b', "https://x/?d=1&s=48", "<b>al</b>")
    html = post_article(head, "2024-05-01T12:30:00Z", "2024-05-01 12:30 UTC",
                        "<script>alert('x')</script> & more")
    assert 'href="/user/a&#34;b"' in html
    assert 'src="https://x/?d=1&amp;s=48"' in html
    assert ">&lt;b&gt;al&lt;/b&gt;</a>" in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more</p>" in html
    assert "<script>" not in html and "<b>" not in html


def test_an_article_has_the_post_list_markup() -> None:
    """The classes, the time element and both author links the page and its tests rely on."""
    head = author_head("/user/alice", "https://www.gravatar.com/avatar/x?s=48", "alice")
    html = post_article(head, "2024-05-01T12:30:00Z", "2024-05-01 12:30 UTC", "hi")
    assert html.startswith('<article class="post d-flex gap-3 py-3 border-bottom">')
    assert html.count('href="/user/alice"') == 2
    assert '<time class="text-body-secondary small ms-1" datetime="2024-05-01T12:30:00Z">' \
           "2024-05-01 12:30 UTC</time>" in html
    assert re.search(r'<p class="post-body mb-0">hi</p>\s*</div>\s*</article>\n$', html)


def test_joined_articles_are_safe_for_the_template() -> None:
    """The page's posts reach Jinja as Markup, so autoescape does not escape them twice."""
    joined = join_articles(["<article>1</article>", "<article>2</article>"])
    assert isinstance(joined, Markup)
    assert str(joined) == "<article>1</article><article>2</article>"


# What the old `post_list` macro printed for a page 2 of 3 (exact, whitespace included).
MIDDLE_PAGE = (
    "\n<article>x</article>\n\n\n"
    '<nav aria-label="Pages of posts" class="my-3">\n'
    '  <ul class="pagination justify-content-between">\n'
    '    <li class="page-item">\n'
    '      <a class="page-link" href="/user/a%20b&amp;c?page=1">&larr; Newer posts</a>\n'
    "    </li>\n"
    '    <li class="page-item">\n'
    '      <a class="page-link" href="/user/a%20b&amp;c?page=3">Older posts &rarr;</a>\n'
    "    </li>\n"
    "  </ul>\n"
    "</nav>\n"
)


def test_a_middle_page_has_both_links_escaped_as_the_macro_had_them() -> None:
    """Both page links, URLs escaped, the posts' HTML as given: the macro's markup exactly."""
    html = post_list_html("<article>x</article>\n", "/user/a%20b&c?page=1",
                          "/user/a%20b&c?page=3")
    assert isinstance(html, Markup)
    assert html == MIDDLE_PAGE


def test_a_missing_page_link_is_disabled_and_a_single_page_has_none() -> None:
    """No newer page: that item disabled with '#'; no page at all either way: no nav."""
    first = post_list_html("<article>x</article>\n", None, "/index?page=2")
    assert '<li class="page-item disabled">\n      <a class="page-link" href="#">&larr;' in first
    assert 'href="/index?page=2">Older posts' in first
    assert post_list_html("<article>x</article>\n", None, None) == "\n<article>x</article>\n\n"


def test_no_posts_says_so() -> None:
    """An empty page shows the 'No posts yet.' line, as the macro did."""
    assert post_list_html("", None, None) == (
        '\n<p class="text-body-secondary">No posts yet.</p>\n\n')
