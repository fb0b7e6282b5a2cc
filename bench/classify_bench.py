"""Classification benchmark: the labeled corpus through the real bot, accuracy and confusion matrix.

    python bench/classify_bench.py [--corpus tests/corpus/cases.yaml] [--holdout FILE ...]

Each case's Stripe state is built through the sandbox's API (tests/corpus/builder.py); the bot runs over
HTTP against the Slack stand-in; every case goes through the message shortcut (the customer's message)
and through `/billing EMAIL words…`. holdout2.yaml was committed before the last change to the rules and
never used to tune them: its figure is the honest estimate for wording the rules have not seen.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.corpus.builder import CASES_FILE, built_corpus, load_cases  # noqa: E402
from tests.corpus.run import PATHS, bots_for, confusion_table, run_path  # noqa: E402

HOLDOUT_FILES = [CASES_FILE.with_name("holdout.yaml"), CASES_FILE.with_name("holdout2.yaml")]


def bench(path: Path, title: str) -> float:
    cases = load_cases(path)
    print(f"== {title}: {len(cases)} cases ({path.name})")
    worst = 1.0
    with built_corpus(cases) as corpus, bots_for(corpus) as bots:
        for route in PATHS:
            started = time.perf_counter()
            outcome = run_path(corpus, bots, route)
            seconds = time.perf_counter() - started
            worst = min(worst, outcome.accuracy)
            correct = len(outcome.results) - len(outcome.misses())
            print(
                f"\n-- via {route}: accuracy {outcome.accuracy:.1%} ({correct}/{len(outcome.results)}),"
                f" {seconds / len(outcome.results) * 1000:.0f} ms per case"
            )
            print(confusion_table(outcome))
            for case, got in outcome.misses():
                print(f"   miss {case.id}: expected {case.expected}, got {got}")
    print()
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CASES_FILE)
    parser.add_argument("--holdout", type=Path, nargs="*", default=HOLDOUT_FILES)
    args = parser.parse_args()
    bench(args.corpus, "Labeled corpus")
    for path in args.holdout:
        bench(path, "Held-out set")
    return 0


if __name__ == "__main__":
    sys.exit(main())
