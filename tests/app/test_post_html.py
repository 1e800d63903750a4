"""The per-post HTML built in Python: every value escaped, the macro's markup kept."""

from __future__ import annotations

import re

from markupsafe import Markup

from app.main.post_html import author_head, join_articles, post_article


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
