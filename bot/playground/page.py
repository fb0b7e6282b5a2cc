"""The page: a Slack-like channel view, server-rendered from the Workspace. The page's JavaScript polls
`fragments` and swaps them in; every name and text is escaped here or in bot.playground.blockkit."""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.playground.blockkit import Entered, blocks_html
from bot.playground.mrkdwn import mrkdwn_html
from bot.playground.stripe_panel import ChangedObject
from bot.playground.workspace import Message, User, Workspace
from bot.slack_standin import BOT_USER_ID

APP_AUTHORS = frozenset({BOT_USER_ID, "USLACKBOT"})


@dataclass(frozen=True)
class View:
    """What one browser tab looks at."""

    user: str
    channel: str
    thread: str | None = None


def e(text: object) -> str:
    return html.escape(str(text))


def fragments(workspace: Workspace, view: View, stripe: Sequence[ChangedObject]) -> dict[str, str]:
    with workspace.lock:
        names = workspace.names()
        modal_html, modal_key = _modal(workspace, view.user, names)
        return {
            "sidebar": _sidebar(workspace, view),
            "header": _header(workspace, view),
            "channel": _channel(workspace, view, names),
            "thread": _thread(workspace, view, names),
            "modal": modal_html,
            "modal_key": modal_key,
            "stripe": _stripe(stripe),
            "user": _user_label(workspace, view.user),
        }


def page_html(
    workspace: Workspace, view: View, stripe: Sequence[ChangedObject], people: Sequence[User]
) -> str:
    parts = fragments(workspace, view, stripe)
    options = "".join(
        f'<option value="{e(user.id)}"{" selected" if user.id == view.user else ""}>{e(user.title)}</option>'
        for user in people
    )
    initial = json.dumps({"user": view.user, "channel": view.channel, "thread": view.thread})
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Billing Ops playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/playground.css">
</head>
<body>
<div id="app" data-initial="{e(initial)}">
  <nav id="sidebar">{parts["sidebar"]}</nav>
  <main id="main">
    <header id="topbar">
      <div id="channel-header">{parts["header"]}</div>
      <div id="tools">
        <button type="button" id="global-shortcut" class="tool" title="Shortcuts: Billing lookup (global shortcut)">⚡ Billing lookup</button>
        <button type="button" id="post-digest" class="tool" title="What the scheduler does at DIGEST_TIME">Post today's digest</button>
        <label class="switcher">You are <select id="user-switcher" aria-label="Switch user">{options}</select></label>
      </div>
    </header>
    <div id="panes">
      <section id="channel" aria-label="Channel">{parts["channel"]}</section>
      <section id="thread" aria-label="Thread"{"" if parts["thread"] else " hidden"}>{parts["thread"]}</section>
    </div>
    <form id="composer" autocomplete="off">
      <textarea name="text" rows="1" placeholder="Message, or /billing jane@example.com" aria-label="Message"></textarea>
      <button type="submit">Send</button>
    </form>
  </main>
  <aside id="stripe" aria-label="Stripe sandbox">{parts["stripe"]}</aside>
  <div id="modal-root" data-key="{e(parts["modal_key"])}">{parts["modal"]}</div>
  <div id="notice" role="status" hidden></div>
</div>
<script src="/static/playground.js"></script>
</body></html>
"""


# --- fragments ------------------------------------------------------------------------------------


def _sidebar(workspace: Workspace, view: View) -> str:
    channels, dms = [], []
    for channel in workspace.channels_for(view.user):
        active = " active" if channel.id == view.channel else ""
        if channel.direct_with:
            dms.append(
                f'<a href="#" class="channel-link{active}" data-channel="{e(channel.id)}">'
                f'<span class="presence">●</span> {e(channel.name)} <span class="app-badge">APP</span></a>'
            )
        else:
            channels.append(
                f'<a href="#" class="channel-link{active}" data-channel="{e(channel.id)}"># {e(channel.name)}</a>'
            )
    dm_section = f"<h3>Direct messages</h3>{''.join(dms)}" if dms else ""
    return (
        '<div class="workspace-name">Billing Ops playground</div>'
        '<div class="workspace-note">Offline: a Slack stand-in and the demo Stripe sandbox</div>'
        f"<h3>Channels</h3>{''.join(channels)}{dm_section}"
    )


def _header(workspace: Workspace, view: View) -> str:
    channel = workspace.channels.get(view.channel)
    if channel is None:
        return ""
    title = e(channel.name) if channel.direct_with else f"# {e(channel.name)}"
    topic = e(channel.topic or "Only you and the app see this conversation.")
    return f'<h1 data-channel="{e(channel.id)}">{title}</h1><div class="topic">{topic}</div>'


def _channel(workspace: Workspace, view: View, names: Mapping[str, str]) -> str:
    messages = workspace.top_level(view.channel, view.user)
    if not messages:
        return '<div class="empty">No messages yet.</div>'
    return "".join(_message(workspace, message, view, names, in_thread=False) for message in messages)


def _thread(workspace: Workspace, view: View, names: Mapping[str, str]) -> str:
    if not view.thread:
        return ""
    parent = workspace.find(view.channel, view.thread)
    if parent is None or not parent.visible_to(view.user):
        return ""
    replies = workspace.replies(view.channel, view.thread, view.user)
    channel = workspace.channels.get(view.channel)
    where = e(channel.name) if channel is not None else ""
    body = "".join(_message(workspace, reply, view, names, in_thread=True) for reply in replies)
    count = f"{len(replies)} repl{'y' if len(replies) == 1 else 'ies'}"
    return (
        f'<div class="thread-header"><div><b>Thread</b> <span class="muted"># {where}</span></div>'
        '<button type="button" class="close-thread" aria-label="Close thread">×</button></div>'
        f'<div class="thread-parent">{_message(workspace, parent, view, names, in_thread=True)}</div>'
        f'<div class="thread-count">{count}</div><div class="thread-replies">{body}</div>'
        '<form class="thread-composer" autocomplete="off">'
        '<textarea name="text" rows="1" placeholder="Reply…" aria-label="Reply"></textarea>'
        '<button type="submit">Send</button></form>'
    )


def _message(
    workspace: Workspace, message: Message, view: View, names: Mapping[str, str], *, in_thread: bool
) -> str:
    author = workspace.users.get(message.author)
    name = author.name if author else message.author
    is_app = message.author in APP_AUTHORS
    badge = '<span class="app-badge">APP</span>' if is_app else ""
    role = f'<span class="muted role">{e(author.title)}</span>' if author and not is_app else ""
    content = (
        blocks_html(message.blocks, names)
        if message.blocks
        else f'<div class="bk-text">{mrkdwn_html(message.text, names)}</div>'
    )
    edited = '<span class="muted edited">(edited)</span>' if message.edited else ""
    ephemeral = (
        '<div class="ephemeral-note">👁 Only visible to you</div>' if message.only_for is not None else ""
    )
    replies = ""
    if not in_thread and not message.is_reply:
        count = len(workspace.replies(message.channel, message.ts, view.user))
        if count:
            replies = (
                f'<button type="button" class="replies-link" data-thread="{e(message.ts)}">'
                f"{count} repl{'y' if count == 1 else 'ies'}</button>"
            )
    classes = "msg" + (" ephemeral" if message.only_for else "") + (" from-app" if is_app else "")
    return (
        f'<div class="{classes}" data-channel="{e(message.channel)}" data-ts="{e(message.ts)}" '
        f'data-thread-ts="{e(message.thread_ts or "")}" id="{e(_dom_id(message))}">'
        f'<div class="avatar" style="background:{_colour(message.author)}">{e(name[:1].upper())}</div>'
        f'<div class="msg-body">{ephemeral}<div class="msg-meta"><span class="author">{e(name)}</span>'
        f"{badge}{role}</div>"
        f'<div class="msg-content">{content}</div>{edited}{replies}</div>'
        f"{_menu(message, in_thread)}</div>"
    )


def _menu(message: Message, in_thread: bool) -> str:
    """Slack's hover actions: "…" opens the message shortcuts; ephemerals have none."""
    if message.only_for is not None:
        return ""
    reply = (
        ""
        if in_thread or message.is_reply
        else f'<button type="button" class="menu-item" data-open-thread="{e(message.ts)}">Reply in thread</button>'
    )
    return (
        '<div class="msg-actions">'
        '<button type="button" class="more" aria-label="More actions" title="More actions">⋯</button>'
        '<div class="menu" hidden>'
        f"{reply}"
        '<button type="button" class="menu-item" data-shortcut="investigate">'
        'Investigate billing <span class="muted">Billing Ops</span></button>'
        "</div></div>"
    )


def _modal(workspace: Workspace, user: str, names: Mapping[str, str]) -> tuple[str, str]:
    open_view = workspace.modal_for(user)
    if open_view is None:
        return "", ""
    view = open_view.view
    key = hashlib.sha256(
        json.dumps(
            [open_view.id, view, open_view.errors, open_view.values], sort_keys=True, default=str
        ).encode()
    ).hexdigest()[:16]
    title = _plain(view.get("title")) or "Billing Ops"
    close = _plain(view.get("close")) or "Cancel"
    submit = _plain(view.get("submit"))
    submit_html = (
        f'<button type="button" class="bk-button bk-primary modal-submit">{e(submit)}</button>'
        if submit
        else ""
    )
    entered = Entered(errors=open_view.errors, values=open_view.values)
    body = blocks_html(view.get("blocks") or [], names, entered=entered)
    html_text = (
        '<div class="modal-backdrop">'
        f'<div class="modal" role="dialog" aria-modal="true" aria-label="{e(title)}" data-view-id="{e(open_view.id)}">'
        f'<header><span class="modal-app">⬤</span><h2>{e(title)}</h2>'
        '<button type="button" class="modal-close" aria-label="Close">×</button></header>'
        f'<div class="modal-body">{body}</div>'
        f'<footer><button type="button" class="bk-button bk-default modal-cancel">{e(close)}</button>{submit_html}</footer>'
        "</div></div>"
    )
    return html_text, key


def _stripe(objects: Sequence[ChangedObject]) -> str:
    intro = (
        '<h2>Stripe sandbox</h2><p class="muted">Objects the bot changed, read back from the sandbox '
        "with stripe-python.</p>"
    )
    if not objects:
        return intro + '<div class="empty">Nothing changed yet: every change waits for a Confirm.</div>'
    cards = "".join(
        f'<div class="stripe-object" data-kind="{e(obj.kind)}"><div class="stripe-kind">{e(obj.kind)}</div>'
        f'<div class="stripe-id"><code>{e(obj.id)}</code></div><dl>'
        + "".join(f"<dt>{e(name)}</dt><dd>{e(value)}</dd>" for name, value in obj.facts)
        + "</dl></div>"
        for obj in objects
    )
    return intro + cards


def _user_label(workspace: Workspace, user: str) -> str:
    person = workspace.users.get(user)
    return person.title if person else user


def _plain(text: object) -> str:
    return str(text.get("text") or "") if isinstance(text, Mapping) else ""


def _dom_id(message: Message) -> str:
    return f"msg-{message.channel}-{message.ts.replace('.', '-')}"


def _colour(user: str) -> str:
    palette = ("#4a154b", "#1264a3", "#2bac76", "#e01e5a", "#ecb22e", "#36c5f0", "#7c3085")
    return palette[int(hashlib.sha256(user.encode()).hexdigest(), 16) % len(palette)]
