"""The span benchmark's arithmetic (models/training/span_bench.py), on hand-made passages."""

from __future__ import annotations

from biaslsp.models.training.data import Passage, quoted_phrases
from biaslsp.models.training.span_bench import SpanScorer, gold_spans, locate, overlap


def test_quoted_phrase_found_across_case_spacing_and_punctuation():
    text = "We want Young  and-energetic people. Young and energetic!"
    assert locate(text, ["young and energetic"]) == [(8, 28), (37, 56)]
    assert locate(text, ["Fabrication Supervisor"]) == []  # a suggested replacement is not in the text


def test_overlap_of_merged_ranges():
    assert overlap([(0, 10), (20, 30)], [(5, 25)]) == 10
    assert overlap([(0, 5)], [(5, 9)]) == 0


def test_scorer_precision_recall_hit_and_two_label_sentences():
    text = "Join our young and energetic team of rockstars. Apply now."
    analysis_age = 'The phrase "young and energetic" favours younger people.'
    analysis_masc = "The word 'rockstars' is masculine-coded."
    p = Passage("x", text, frozenset({"age", "masculine"}), False,
                {"age": quoted_phrases(analysis_age), "masculine": quoted_phrases(analysis_masc)})
    gold = gold_spans([p])[0]
    assert set(gold.spans) == {"age", "masculine"}
    scorer = SpanScorer()
    young = text.index("young")
    # age: the span covers "young" only (5 of 19 gold characters, all predicted characters right);
    # masculine: the whole sentence (all gold characters, few predicted ones right)
    scorer.add(gold, [(0, 47, ("age",)), (48, 58, ())], [(young, young + 5, "age"), (0, 47, "masculine")])
    r = scorer.result()
    age, masc = r["labels"]["age"], r["labels"]["masculine"]
    assert age["precision"] == 1.0 and abs(age["recall"] - 5 / 19) < 1e-9 and age["hit_rate"] == 1.0
    assert masc["recall"] == 1.0 and abs(masc["precision"] - 9 / 47) < 1e-9
    assert r["two_label_sentences"] == 1 and r["two_label_all_found"] == 0.0  # masculine missing from the sentence's labels
