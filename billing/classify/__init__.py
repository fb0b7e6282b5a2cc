"""Judgement: the customer's words and the Stripe state together -> a suggested bucket with its evidence.

`Classifier` is the seam: `RuleClassifier` is the deterministic, offline default; a team can plug in
another implementation (bot.services.assemble_services takes one).
"""

from billing.classify.complaint import clean_complaint
from billing.classify.rules import RuleClassifier
from billing.classify.suggestion import Classifier, Suggestion

__all__ = ["Classifier", "RuleClassifier", "Suggestion", "clean_complaint"]
