"""Slack's mrkdwn as HTML, as the Slack client shows it: escaped first, then formatted.

Slack text arrives with `&`, `<` and `>` escaped by the sender and `<…>` sequences for links, user and
channel mentions. Everything becomes text through html.escape; only the formatting this module recognises
adds tags, and links keep http(s) and mailto targets only.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

_CODE_BLOCK = re.compile(r"```(.+?)```", re.DOTALL)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_ANGLE = re.compile(r"<([^<>\n]*)>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_EMOJI_CODE = re.compile(r":([a-z0-9_+-]+):")
EMOJI = {
    "warning": "\u26a0\ufe0f",
    "link": "\U0001f517",
    "white_check_mark": "\u2705",
    "test_tube": "\U0001f9ea",
    "rotating_light": "\U0001f6a8",
    "no_entry": "\u26d4",
    "x": "\u274c",
    "tada": "\U0001f389",
    "eyes": "\U0001f440",
    "information_source": "\u2139\ufe0f",
    "hourglass_flowing_sand": "\u23f3",
    "moneybag": "\U0001f4b0",
    "pray": "\U0001f64f",
    "slightly_smiling_face": "\U0001f642",
}


def unescape_slack(text: str) -> str:
    """Slack's three escapes back to characters (html.escape puts them back for the page)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_html(text: str) -> str:
    """plain_text objects: escaped, newlines kept, :emoji: codes shown."""
    return emoji(html.escape(text)).replace("\n", "<br>")


def emoji(text: str) -> str:
    """The :codes: this project's messages use, as characters; unknown codes stay as typed."""
    return _EMOJI_CODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def mrkdwn_html(text: str, names: Mapping[str, str]) -> str:
    """`names` maps user and channel IDs to display names (without @ or #)."""
    pieces: list[str] = []

    def keep(rendered: str) -> str:
        pieces.append(rendered)
        return f"\x00{len(pieces) - 1}\x00"

    text = text.replace("\x00", "")
    text = _CODE_BLOCK.sub(lambda m: keep(f"<pre>{_literal(m.group(1))}</pre>"), text)
    text = _CODE_SPAN.sub(lambda m: keep(f"<code>{_literal(m.group(1))}</code>"), text)
    text = _ANGLE.sub(lambda m: keep(_angle(m.group(1), names)), text)
    escaped = html.escape(unescape_slack(text), quote=False)
    for pattern, tag in ((_BOLD, "b"), (_ITALIC, "i"), (_STRIKE, "s")):
        escaped = _apply(pattern, tag, escaped)
    escaped = emoji(_quotes(escaped))
    escaped = escaped.replace("\n", "<br>")
    return _PLACEHOLDER.sub(lambda m: pieces[int(m.group(1))], escaped)


def _apply(pattern: re.Pattern[str], tag: str, text: str) -> str:
    return pattern.sub(lambda m: f"<{tag}>{m.group(1)}</{tag}>", text)


def _quotes(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(
        f"<blockquote>{line[5:]}</blockquote>" if line.startswith("&gt; ") else line for line in lines
    )


def _literal(text: str) -> str:
    return html.escape(unescape_slack(text))


def _angle(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    renderers: dict[str, Callable[[], str]] = {
        "@": lambda: _mention("@", target[1:], label, names),
        "#": lambda: _mention("#", target[1:], label, names),
        "!": lambda: _special(target[1:], label),
    }
    render = renderers.get(target[:1])
    return render() if render else _link(target, label)


def _mention(sigil: str, ident: str, label: str, names: Mapping[str, str]) -> str:
    name = names.get(ident) or unescape_slack(label) or ident
    kind = "user" if sigil == "@" else "channel"
    return (
        f'<span class="mention {kind}" data-{kind}="{html.escape(ident)}">{html.escape(sigil + name)}</span>'
    )


def _special(name: str, label: str) -> str:
    keyword = name.split("^")[0]
    shown = unescape_slack(label) if label else f"@{keyword}"
    return f'<span class="mention special">{html.escape(shown)}</span>'


def _link(target: str, label: str) -> str:
    url = unescape_slack(target)
    shown = html.escape(unescape_slack(label or target))
    if not url.lower().startswith(_SAFE_SCHEMES):
        return shown
    return f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">{shown}</a>'
