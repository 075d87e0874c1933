"""Sentence-level rewriting (issue 14): job-ad patterns, grammar repair and checks, guidance.

`PatternLibrary` turns a flagged sentence into candidate rewrites (or guidance when no
honest rewrite exists); `grammar.problems` names what a candidate broke; the engine
verifies the rest with the classifier and a meaning check before offering any.
"""

from .grammar import problems, tidy
from .library import PatternLibrary, Plan, Rule, default_library

__all__ = ["PatternLibrary", "Plan", "Rule", "default_library", "problems", "tidy"]
