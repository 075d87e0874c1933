"""Rewriter v2 through the engine on the embedded model: what users are offered (issue 14)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from biaslsp.models.engine import CONTENT_KEPT_THRESHOLD, MEANING_THRESHOLD
from biaslsp.models.rewriting import default_library, problems

ROOT = Path(__file__).resolve().parent.parent

# the issue's examples: the sentence, and the top rewrite a careful recruiter accepts (None: guidance)
ISSUE_EXAMPLES = [
    ("We need a motivated salesperson to crush quota and dominate the Northeast territory.",
     "We need a motivated salesperson to exceed targets and grow the Northeast territory."),
    ("The ideal candidate is a culture fit who works hard and plays hard with the boys.",
     "The ideal candidate shares our values and works well with the team."),
    ("Young graduates are encouraged to apply.", "Entry-level applicants are encouraged to apply."),
    ("You are a true digital native who grew up with smartphones.", "You are proficient with digital tools."),
    ("High energy level required.", "Enthusiasm for the work required."),
    ("Native English speaker required.", "Excellent written and spoken English required."),
    ("Not suitable for physically challenged people.", None),
    ("Must have normal vision with or without correction.", None),
    ("This opportunity is not suitable for students or recent graduates.", None),
    ("Candidates must be born after 1995.", None),
    ("No more than 5 years of experience.", None),
]
BROKEN = [
    "to crush quota the Northeast territory", "a proficient with", "a true a",
    "Motivated level", "physically driven", "normal vision with correction", "Applicable graduates",
    "Proficient English speaker required", "with the boys",
]


def offered(engine, sentence):
    return engine.analyze_sentences([sentence])[0]


@pytest.mark.parametrize(("sentence", "expected"), ISSUE_EXAMPLES)
def test_issue_examples_get_a_good_rewrite_or_guidance(engine, sentence, expected):
    r = offered(engine, sentence)
    assert r.labels, sentence
    texts = [w.text for w in r.rewrites]
    assert not any(b in t for b in BROKEN for t in texts), texts
    assert not any(t[:1].isspace() or t[:1].islower() for t in texts), texts  # ' are encouraged to apply.'

    if expected is None:
        assert texts == [] and r.guidance, r
    else:
        assert texts and texts[0] == expected, texts
        assert r.rewrites[0].verified and r.rewrites[0].preferred and r.guidance == ""


SENTENCES = [s for s, _ in ISSUE_EXAMPLES] + [
    "He/she manages the team and has a budget.",
    "Our salesman will visit clients.",
    "We need more manpower on site.",
    "Graduates of Ivy League schools preferred.",
    "We work hard and play hard.",
    "Applicants must be native English speakers and digital natives.",
    "We want young, energetic rockstar ninjas.",
    "Join our team of coding ninjas.",
    "Applicants should not have family commitments that limit travel.",
    "An aggressive, competitive self-starter who thrives under pressure.",
]


def test_no_offered_rewrite_is_flagged_again_or_ungrammatical(engine):
    results = engine.analyze_sentences(SENTENCES)
    offers = [(r.text, w) for r in results for w in r.rewrites]
    assert len(offers) >= 15
    again = engine.analyze_sentences([w.text for _, w in offers], rewrites=False)
    for (src, w), back in zip(offers, again):
        assert back.labels == (), (src, w.text, back.scores)
        assert w.verified and problems(w.text, src) == [] and default_library().leftovers(w.text, src) == []
    share = sum(1 for r in results if r.rewrites) / len(results)
    assert share >= 0.6, share


def test_only_the_first_verified_rewrite_is_preferred(engine):
    sentence = "Native English speaker required."
    ranked = engine.verify(sentence, ["racial"], [
        "Proficient English speaker required.",  # flagged again by the tool (racial 0.88)
        "Excellent written and spoken English required.",
        "Fluency in English required.",
        "Native English speaker required .",  # broken: never offered at all
    ])
    texts = [r.text for r in ranked]
    assert "Native English speaker required ." not in texts
    assert [r.verified for r in ranked] == sorted((r.verified for r in ranked), reverse=True)
    bad = next(r for r in ranked if r.text.startswith("Proficient"))
    assert not bad.verified and not bad.preferred and "racial" in bad.remaining
    assert [r.preferred for r in ranked] == [True] + [False] * (len(ranked) - 1)
    assert ranked[0].text == "Excellent written and spoken English required."
    # Engine.rewrite (the server's /v1/rewrite) offers verified candidates only
    assert all(r.verified for r in engine.rewrite(sentence))


# meaning-check calibration: hand-judged rewrites a recruiter accepts, and ones that lose meaning
GOOD = [
    ("We need a motivated salesperson to crush quota and dominate the Northeast territory.", "We need a motivated salesperson to exceed targets and grow the Northeast territory."),
    ("Young graduates are encouraged to apply.", "Entry-level applicants are encouraged to apply."),
    ("You are a true digital native who grew up with smartphones.", "You are proficient with digital tools."),
    ("High energy level required.", "Enthusiasm for the work required."),
    ("He manages the accounts and reports to the director.", "They manage the accounts and report to the director."),
    ("We need more manpower on site.", "We need more staff on site."),
    ("Applicants should not have family commitments that limit travel.", "The role involves frequent travel."),
    ("Graduates of Ivy League schools preferred.", "A relevant degree or equivalent experience preferred."),
    ("- Native English speaker with excellent communication skills.", "- Fluent in English with excellent communication skills."),
    ("Must be able to lift 50 pounds.", "The role involves lifting 50 pounds, with or without reasonable accommodation."),
]
LOST = [
    ("We need a motivated salesperson to crush quota and dominate the Northeast territory.", "We need a motivated salesperson."),
    ("We need a motivated salesperson to crush quota and dominate the Northeast territory.", "Apply now and join our friendly team."),
    ("Native English speaker required.", "Here is a more inclusive version of the sentence:"),
    ("Must be able to lift 50 pounds and stand for long periods during on-site visits.", "Must be able to work during on-site visits."),
    ("Must be able to lift 50 pounds and stand for long periods during on-site visits.", "We offer a competitive salary and benefits."),
    ("He manages the accounts and reports to the director.", "They report to the director."),
    ("Young graduates are encouraged to apply.", "Everyone is welcome."),
    ("We need more manpower on site.", "We need more."),
    ("Join our team of coding ninjas.", "Join us."),
]


@pytest.mark.parametrize(("original", "candidate"), GOOD)
def test_meaning_check_keeps_good_rewrites(engine, original, candidate):
    labels = engine.analyze_sentences([original], rewrites=False)[0].labels
    [r] = engine.verify(original, labels, [candidate])
    assert r.meaning is not None and r.meaning >= MEANING_THRESHOLD
    assert r.verified, r


@pytest.mark.parametrize(("original", "candidate"), LOST)
def test_meaning_check_rejects_lost_meaning(engine, original, candidate):
    labels = engine.analyze_sentences([original], rewrites=False)[0].labels
    ranked = engine.verify(original, labels, [candidate])
    assert all(not r.verified and not r.preferred for r in ranked), ranked


def test_embed_contract(engine):
    sents = ["We need a Python developer.", "We are hiring a Python engineer.", "The cafe opens at nine."]
    emb = engine.classifier.embed(sents)
    assert emb.dtype == np.float32 and emb.shape == (3, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert emb[0] @ emb[1] > emb[0] @ emb[2]
    scores, both = engine.classifier.predict_and_embed(sents)
    assert np.allclose(both, emb, atol=1e-5)
    assert scores == engine.classifier.predict(sents)
    assert 0 < CONTENT_KEPT_THRESHOLD <= 1


# what `biaslsp check examples/job-ad.md` suggests, read by a recruiter and pinned
JOB_AD_TOP = {
    "We are a young, fast-growing fintech startup.": "We are a fast-growing fintech startup.",
    "Our team of rockstar developers works\nhard and plays hard, and we are looking for a digital native to join our tribe.":
        "Our team of skilled developers works well together, and we are looking for someone proficient with digital tools to join us.",
    "He/she will work closely with product managers and designers.": "They will work closely with product managers and designers.",
    "Native English speaker with excellent communication skills.": "Fluent in English with excellent communication skills.",
    "Must be able to lift 50 pounds and stand for long periods during on-site visits.":
        "The role involves lifting 50 pounds and standing for long periods during on-site visits, with or without reasonable accommodation.",
    "Recent graduates from top-tier universities preferred.": "A relevant degree or equivalent experience preferred.",
    "An aggressive, competitive self-starter who thrives under pressure.": "A proactive, motivated person who works independently and thrives under pressure.",
}


def test_job_ad_example_offers_only_grammatical_verified_suggestions(engine):
    text = (ROOT / "examples" / "job-ad.md").read_text(encoding="utf-8")
    analysis = engine.analyze(text, fmt="markdown")
    tops = {s.text.strip(): s.rewrites[0].text.strip() for s in analysis.findings if s.rewrites}
    assert tops == JOB_AD_TOP
    for s in analysis.findings:
        for w in s.rewrites:
            assert w.verified and problems(w.text, s.text) == [], w.text
        assert s.rewrites or s.guidance, s.text
    offered_texts = [w.text for s in analysis.findings for w in s.rewrites]
    assert all(r.labels == () for r in engine.analyze_sentences(offered_texts, rewrites=False))
