"""HTML pages and feeds served by the loopback test server."""

from __future__ import annotations

PARAGRAPHS = (
    "<p>The finance minister resigned on Friday after a week of disputes over the budget, "
    "the government said in a statement.</p>"
    "<p>Her departure follows reports that the cabinet had split over spending cuts to hospitals "
    "and schools, which she had defended in parliament.</p>"
    "<p>The prime minister thanked her for her service and said a successor would be named on Monday.</p>"
)


def article_page(
    title: str = "Minister resigns over budget row",
    date: str = "2024-05-17T20:35:05Z",
    canonical: str | None = None,
    body: str = PARAGRAPHS,
) -> str:
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return (
        f"<!doctype html><html><head><title>{title} | Daily Planet</title>{link}"
        f'<meta property="article:published_time" content="{date}">'
        '<meta name="author" content="Lois Lane"><script>var tracking = 1;</script></head>'
        f"<body><nav>Home | World | Sport</nav><article><h1>{title}</h1>{body}</article>"
        "<footer>Copyright Daily Planet</footer></body></html>"
    )


LOGIN_WALL = (
    "<!doctype html><html><head><title>Members only</title></head><body>"
    "<article><h1>Budget secrets</h1><p>Please sign in to continue reading this story.</p>"
    "<form><input name='user'><input type='password' name='pw'></form></article></body></html>"
)

SCRIPTS_ONLY = (
    "<!doctype html><html><head><title>App</title></head><body>"
    + ("<script>document.write('x'.repeat(1000));</script>" * 200)
    + "<div id='root'></div></body></html>"
)


def rss(items: list[tuple[str, str, str | None, str]]) -> str:
    """(guid, title, link or None, description) items."""
    parts = []
    for guid, title, link, description in items:
        link_el = f"<link>{link}</link>" if link else ""
        parts.append(
            f"<item><guid>{guid}</guid><title>{title}</title>{link_el}"
            f"<pubDate>Fri, 17 May 2024 20:35:05 GMT</pubDate><description>{description}</description></item>"
        )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Planet wire</title>'
        f"{''.join(parts)}</channel></rss>"
    )
