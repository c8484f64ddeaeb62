"""How stored mail is shown to a reader: bodies without remote resources, files by their bytes.

Pure: no Django, no network. A sender's HTML was sanitised once when it arrived; it is
sanitised again here, at every display, with the rules in force today (stored bodies
predate some of them), and with the reader's choice about remote images.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import nh3

# The raster formats a browser may show inline, known by their first bytes; anything else
# (SVG, HTML, PDF, a PNG that is not one) is only ever offered as a download.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
)
MAGIC_BYTES_NEEDED = 12


def raster_image_type(head: bytes) -> str | None:
    """The content type of a PNG, JPEG, GIF or WebP image, judged by its first bytes only.

    Returns None for anything else, whatever its name or declared type says.
    """
    for magic, offset, content_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and not head.startswith(b"RIFF"):
                continue
            return content_type
    return None


# Layout properties whose values are plain words, numbers, lengths and colours: a value
# with a URL, an escape, a function other than a colour, or a comment is dropped whole.
_SAFE_STYLE_PROPERTIES = frozenset(
    {
        "color",
        "background-color",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "text-align",
        "text-decoration",
        "margin",
        "padding",
        "border",
        "width",
        "height",
        "vertical-align",
    }
)
_SAFE_STYLE_VALUE = re.compile(r"^(?:[-#\w\s.,%'\"]|(?:rgb|rgba|hsl|hsla)\([\d\s.,%]*\))*$")
_LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")
_REMOTE = ("http:", "https:", "//")


@dataclass(frozen=True)
class Reading:
    """A body ready to show, and whether remote images were left out of it."""

    html: str
    remote_blocked: bool


def style_clean(style: str) -> str:
    """The declarations of a style attribute that are safe in any browser, or ""."""
    kept = []
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        name, value = name.strip().lower(), value.strip()
        if colon and name in _SAFE_STYLE_PROPERTIES and value and _SAFE_STYLE_VALUE.match(value):
            kept.append(f"{name}: {value}")
    return "; ".join(kept)


def html_clean(html: str, *, attribute_filter: Callable[[str, str, str], str | None]) -> str:
    """``html`` through nh3 (Ammonia) with the rules every body gets, when it arrives
    (``intake.decoding.sanitise_html``) and when it is shown (``html_for_reading``): no
    script, style sheet or comment, http(s)/mailto/tel/cid URLs only, the safe style
    properties only; ``attribute_filter`` decides each attribute's value (None drops it).
    """
    attributes = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = {"style", "dir", "lang", "title"}
    return nh3.clean(
        html,
        attributes=attributes,
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        clean_content_tags={"script", "style", "title", "head"},
        filter_style_properties=set(_SAFE_STYLE_PROPERTIES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def html_for_reading(html: str, *, cid_urls: Mapping[str, str], remote: bool) -> Reading:
    """The sanitised HTML of a message as a reader sees it.

    ``cid:`` images point to ``cid_urls`` (Content-ID without angle brackets, lower
    case → URL) or are dropped; remote images (http, https, protocol-relative) are
    dropped unless ``remote``; links keep http(s), mailto and tel only; styles keep
    plain layout declarations only.
    """
    blocked: list[str] = []

    def keep(element: str, attribute: str, value: str) -> str | None:
        lowered = value.strip().lower()
        if attribute == "style":
            return style_clean(value) or None
        if attribute == "src":
            if lowered.startswith("cid:"):
                return cid_urls.get(lowered[4:].strip("<>"))
            if lowered.startswith(_REMOTE):
                if remote:
                    return value
                blocked.append(value)
            return None
        if attribute in {"href", "cite"}:
            return value if lowered.startswith(_LINK_SCHEMES) else None
        return value

    cleaned = html_clean(html, attribute_filter=keep)
    return Reading(html=cleaned, remote_blocked=bool(blocked))
