"""The labeled corpus (tests/corpus/cases.yaml) through the real bot: at least 90% through both paths."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from tests.corpus.builder import UNREAD, BuiltCorpus, built_corpus, load_cases
from tests.corpus.run import PATHS, bots_for, confusion_table, run_path
from tests.e2e.slack_harness import SlackHarness

MIN_ACCURACY = 0.90
BUCKETS = ("duplicate", "team", "failed_payment", "missing_self_serve", "product_failure")


def test_corpus_has_about_sixteen_cases_per_bucket_and_unread_languages() -> None:
    cases = load_cases()
    per_bucket = Counter(case.expected for case in cases)
    assert len(cases) >= 80
    assert all(per_bucket[bucket] >= 15 for bucket in BUCKETS), per_bucket
    assert per_bucket[UNREAD] >= 1
    assert len({case.id for case in cases}) == len(cases)
    assert all(case.rationale.strip() and case.message.strip() for case in cases)


@pytest.fixture(scope="module")
def corpus() -> Iterator[BuiltCorpus]:
    with built_corpus() as built:
        yield built


@pytest.fixture(scope="module")
def bots(corpus: BuiltCorpus) -> Iterator[dict[str, SlackHarness]]:
    with bots_for(corpus) as running:
        yield running


@pytest.mark.parametrize("path", PATHS)
def test_the_suggestion_matches_the_operators_bucket_in_90_percent_of_cases(
    corpus: BuiltCorpus, bots: dict[str, SlackHarness], path: str
) -> None:
    outcome = run_path(corpus, bots, path)
    misses = "\n".join(f"{case.id}: expected {case.expected}, got {got}" for case, got in outcome.misses())
    assert outcome.accuracy >= MIN_ACCURACY, (
        f"{outcome.accuracy:.0%} via {path}\n{misses}\n{confusion_table(outcome)}"
    )
