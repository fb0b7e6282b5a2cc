"""Every listener runs inside one guard: whatever it raises goes to the one error handler, and it is always
acknowledged.

Why not let Bolt route the exception: when a listener raises after ack(), slack_bolt 1.x's thread runner
resets the acknowledgement it already recorded (`ack.response = None`), and if that happens before the
request thread saw the ack, Slack gets no answer for 3 seconds and retries the request. A listener that
never raises cannot hit that.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_bolt.kwargs_injection.args import Args

from handlers.errors import handle_error

Listener = Callable[..., Any]


def guarded(listener: Listener) -> Callable[[Args], None]:
    names = inspect.getfullargspec(inspect.unwrap(listener)).args

    def run(args: Args) -> None:
        acked = False

        def ack(*ack_args: Any, **ack_kwargs: Any) -> Any:
            nonlocal acked
            acked = True
            return args.ack(*ack_args, **ack_kwargs)

        values = {name: ack if name == "ack" else _value(args, name) for name in names}
        try:
            listener(**values)
        except Exception as error:
            if not acked:
                args.ack()
            handle_error(error, args.body, args.client, args.respond, args.context)

    run.__name__ = getattr(listener, "__name__", "listener")
    return run


def _value(args: Args, name: str) -> Any:
    """Bolt's own argument, else what the middleware put into the context (`operator`, `button`)."""
    return getattr(args, name) if hasattr(args, name) else args.context.get(name)


class GuardedApp:
    """What a handlers module's register() gets: the App, with every listener it registers guarded."""

    def __init__(self, app: App) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def _guarding(self, decorator: Callable[[Listener], Any]) -> Callable[[Listener], Listener]:
        def register(listener: Listener) -> Listener:
            decorator(guarded(listener))
            return listener

        return register

    def action(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._guarding(self._app.action(*args, **kwargs))

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._guarding(self._app.command(*args, **kwargs))

    def view(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._guarding(self._app.view(*args, **kwargs))

    def shortcut(self, *args: Any, **kwargs: Any) -> Callable[[Listener], Listener]:
        return self._guarding(self._app.shortcut(*args, **kwargs))
