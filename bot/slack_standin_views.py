"""The stand-in's modals: views.open, views.push and views.update answer as Slack does.

Slack gives every view an ID and a `hash` that changes on every update; views.update finds the view by
`view_id` or by the `external_id` the app gave it, and refuses a stale `hash` ("hash_conflict"). A
view_id the stand-in never issued is still accepted (tests submit views they did not open), but an
unknown external_id is "not_found", as in Slack.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from bot.slack_checks import Answer, Args, blocks_problem, error

MODAL_BLOCK_LIMIT = 100


@dataclass
class StandInViews:
    team_id: str
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _hashes: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _hash_of: dict[str, str] = field(default_factory=dict)  # view_id -> current hash
    _by_external: dict[str, str] = field(default_factory=dict)  # external_id -> view_id
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def open(self, args: Args) -> Answer:
        """views.open and views.push: a new view."""
        view, problem = _view_arg(args)
        if problem:
            return error(problem)
        with self._lock:
            external_id = str(view.get("external_id") or "")
            if external_id and external_id in self._by_external:
                return error("duplicate_external_id")
            view_id = f"V{next(self._ids):08d}"
            if external_id:
                self._by_external[external_id] = view_id
            return self._shown(view_id, view)

    def update(self, args: Args) -> Answer:
        view, problem = _view_arg(args)
        if problem:
            return error(problem)
        with self._lock:
            view_id = str(args.get("view_id") or "")
            external_id = str(args.get("external_id") or "")
            if not view_id and not external_id:
                return error("invalid_arguments")
            if not view_id:
                if external_id not in self._by_external:
                    return error("not_found")
                view_id = self._by_external[external_id]
            current = self._hash_of.get(view_id)
            if args.get("hash") and current is not None and args["hash"] != current:
                return error("hash_conflict")
            new_external = str(view.get("external_id") or "")
            if new_external and self._by_external.get(new_external, view_id) != view_id:
                return error("duplicate_external_id")
            if new_external:
                self._by_external[new_external] = view_id
            return self._shown(view_id, view)

    def _shown(self, view_id: str, view: dict[str, Any]) -> Answer:
        view_hash = f"1700000000.{next(self._hashes):08d}"
        self._hash_of[view_id] = view_hash
        return {"ok": True, "view": {**view, "id": view_id, "team_id": self.team_id, "hash": view_hash}}


def _view_arg(args: Args) -> tuple[dict[str, Any], str | None]:
    view = args.get("view")
    if not isinstance(view, dict):
        return {}, "invalid_arguments"
    return view, blocks_problem(view.get("blocks") or [], limit=MODAL_BLOCK_LIMIT)
