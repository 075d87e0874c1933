"""Issue 15's examples: the right label on the right words, and no flag where there is no bias.

Each case runs the whole engine on the shipped model (no mocks). A positive case names the
words a label's span must cover; the span must not reach far beyond them (at most a few
characters of slack for plurals and punctuation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from biaslsp.models.labels import EXPLANATIONS

ROOT = Path(__file__).resolve().parent.parent

# (sentence, {label: words its span must cover})
FLAGGED = [
    ("We are a young and energetic team of rockstars", {"age": "young and energetic", "masculine": "rockstars"}),
    ("Requirements: native English speaker, must be able to lift 50 lbs.", {"racial": "native English speaker", "disability": "must be able to lift"}),
    ("Candidates must be under 30.", {"age": "under 30"}),
    ("We are hiring rockstar engineers for our Reno office.", {"masculine": "rockstar"}),
    ("Only applicants born after 1995 will be considered.", {"age": "born after 1995"}),
    ("We need a strong guy for this role.", {"masculine": "guy"}),
    ("After the sprint you will celebrate with the boys.", {"masculine": "with the boys"}),
    ("He/she must be a native English speaker.", {"sexuality": "He/she", "racial": "native English speaker"}),
    ("In this role (s)he will run many projects at once.", {"sexuality": "(s)he"}),
    ("Friendly, professional and ambitious team.", {"masculine": "ambitious"}),
]

NOT_FLAGGED = [
    "We are an equal opportunity employer and welcome applicants of all backgrounds.",
    "Drivers must hold a valid license.",
    "You will build our mobile apps in React Native and Swift.",
    "Experience with HackerRank or Rockstar Games titles is a plus.",
    "We are a young company with big plans.",
    "Deliveries must arrive in under 30 minutes.",
    "Benefits: Competitive salary commensurate with experience.",
    "We have ambitious goals for the next year.",
    "Delivery drivers need a full driving licence.",
    # coded words for the firm or a goal, not for the people (annotation conventions)
    "We are a young, dynamic start-up in the field of immuno-oncology.",
    "You will meet aggressive timelines with a collaborative team.",
    "Our previous Cat. Man trainee now leads category management.",
]


def test_both_pronouns_are_one_sexuality_finding_not_masculine(engine):
    r = engine.analyze_sentences(["In this role (s)he will run many projects at once."], rewrites=False)[0]
    assert "masculine" not in r.labels, [(sp.text, sp.label) for sp in r.spans]


def _covering(result, label: str, words: str):  # noqa: ANN001, ANN202
    start = result.text.index(words)
    end = start + len(words)
    return [sp for sp in result.spans if sp.label == label and sp.start <= start and end <= sp.end]


@pytest.mark.parametrize(("sentence", "expected"), FLAGGED, ids=[s[:40] for s, _ in FLAGGED])
def test_flagged_with_the_right_label_on_the_right_words(engine, sentence, expected):
    r = engine.analyze_sentences([sentence], rewrites=False)[0]
    assert set(expected) <= set(r.labels), (r.labels, r.scores)
    for label, words in expected.items():
        covering = _covering(r, label, words)
        assert covering, (label, [(sp.text, sp.label) for sp in r.spans])
        assert all(sp.end - sp.start <= len(words) + 10 for sp in covering), [sp.text for sp in covering]
        assert all(sp.explanation == EXPLANATIONS[label] for sp in r.spans if sp.label == label)


def test_each_label_of_a_sentence_has_its_own_span_and_message(engine):
    r = engine.analyze_sentences(["We are a young and energetic team of rockstars"], rewrites=False)[0]
    by_label = {sp.label: sp for sp in r.spans}
    assert by_label["age"].text == "young and energetic"
    assert by_label["masculine"].text == "rockstars"
    assert by_label["age"].explanation != by_label["masculine"].explanation


@pytest.mark.parametrize("sentence", NOT_FLAGGED, ids=[s[:40] for s in NOT_FLAGGED])
def test_harmless_sentences_not_flagged(engine, sentence):
    r = engine.analyze_sentences([sentence], rewrites=False)[0]
    assert not r.labels, (r.labels, [(sp.text, sp.label) for sp in r.spans])


def test_no_second_label_on_the_words_of_a_strong_phrase(engine):
    """The birth-year rule is age; the model's general attention on "born" is not a second finding."""
    r = engine.analyze_sentences(["Only applicants born after 1995 will be considered."], rewrites=False)[0]
    assert r.labels == ("age",), [(sp.text, sp.label) for sp in r.spans]


def test_same_phrase_same_verdict_in_any_context(engine):
    base = "We are hiring rockstar engineers"
    contexts = ["", " for our Reno office", " to scale our payments platform", " who love clean code", " in Berlin and Lisbon"]
    results = engine.analyze_sentences([base + c + "." for c in contexts], rewrites=False)
    assert all("masculine" in r.labels for r in results), [(r.text, r.labels) for r in results]


def test_bundled_example_line_8(engine):
    text = (ROOT / "examples" / "job-ad.md").read_text(encoding="utf-8")
    analysis = engine.analyze(text, fmt="markdown", rewrites=False)
    line8 = text.splitlines(keepends=True)
    start = sum(len(x) for x in line8[:7])
    spans = [sp for s in analysis.sentences for sp in s.spans]
    want = {"rockstar developers": "masculine", "hard and plays hard": "masculine", "digital native": "age", "tribe": "racial"}
    for words, label in want.items():
        at = text.index(words, start - 40 if words.startswith("rockstar") else start)
        assert any(sp.label == label and sp.start <= at and at + len(words) <= sp.end for sp in spans), (words, label)


def test_scores_agree_with_forced_labels(engine):
    """A label a phrase rule forces reports a score at its threshold, so a flag still means score >= threshold."""
    r = engine.analyze_sentences(["We need a strong guy for this role."], rewrites=False)[0]
    assert all(r.scores[l] >= engine.thresholds[l] for l in r.labels)
    assert all(r.scores[l] < engine.thresholds[l] for l in r.scores if l not in r.labels)


def test_offered_rewrite_is_not_flagged_by_the_rules(engine):
    r = engine.analyze_sentences(["We are looking for a digital native to join our team."])[0]
    verified = [rw for rw in r.rewrites if rw.verified]
    assert verified, r.rewrites
    again = engine.analyze_sentences([verified[0].text], rewrites=False)[0]
    assert not again.labels, (again.text, again.labels)


def test_touching_phrases_are_two_findings_not_one_across_the_line_break(engine):
    """"rockstar developers works\\nhard and plays hard" read as one highlight spanning a line break;
    a writer sees two phrases, each with its own fix. Listed words ("young, energetic") stay one."""
    text = (ROOT / "examples" / "job-ad.md").read_text(encoding="utf-8")
    analysis = engine.analyze(text, fmt="markdown", rewrites=False)
    masculine = [sp.text for s in analysis.sentences for sp in s.spans if sp.label == "masculine"]
    assert "rockstar developers" in masculine, masculine
    assert not any("rockstar" in t and "hard" in t for t in masculine), masculine
    r = engine.analyze_sentences(["We want young, energetic people."], rewrites=False)[0]
    assert [sp.text for sp in r.spans if sp.label == "age"] == ["young, energetic"], [(sp.text, sp.label) for sp in r.spans]


# the tool's own recommended phrasing is not flagged again; the bias it replaced still is
OWN_PHRASING = [
    "Must be able to walk or stand for long periods, with or without reasonable accommodation.",
    "The role involves lifting 40 pounds and climbing ladders, with or without reasonable accommodation.",
    "Ability to see clearly at close range, with or without correction.",
    "Health cover extends to employees' spouses or partners.",
    "Relocation support for you, your partner and children.",
]
STILL_FLAGGED = [
    ("We are a young, dynamic team.", "age"),
    ("Young, dynamic company seeks energetic graduates.", "age"),
    ("We want an aggressive salesperson for a young company.", "masculine"),
    ("Must be able-bodied, with or without reasonable accommodation.", "disability"),
    ("Must be able to lift 50 pounds.", "disability"),
    ("Must have normal vision with or without correction.", "disability"),
    ("Wives of employees get a discount.", "sexuality"),
]


@pytest.mark.parametrize("sentence", OWN_PHRASING, ids=[s[:40] for s in OWN_PHRASING])
def test_own_recommended_phrasing_is_not_flagged(engine, sentence):
    r = engine.analyze_sentences([sentence], rewrites=False)[0]
    assert not r.labels, (r.labels, [(sp.text, sp.label) for sp in r.spans])


@pytest.mark.parametrize(("sentence", "label"), STILL_FLAGGED, ids=[s[:40] for s, _ in STILL_FLAGGED])
def test_safe_phrasing_does_not_hide_the_bias_beside_it(engine, sentence, label):
    assert label in engine.analyze_sentences([sentence], rewrites=False)[0].labels


# wrong flags found in random real ads (benchmarks/rewrite_dev/heldout2_flags.jsonl), invented in the same shapes
NOT_THE_CANDIDATE = [
    ("Brightline is a young, energetic and ambitious specialist in logistics software.", ("age", "masculine")),
    ("We set ambitious goals every quarter.", ("masculine",)),
    ("Together we aggressively and ambitiously tackle the climate challenge.", ("masculine",)),
    ("You are results-driven and calm under pressure.", ("masculine",)),
    ("Our benefits are very competitive.", ("masculine",)),
    ("Fluent English speaker.", ("racial",)),
    ("Able to travel frequently.", ("disability",)),
    ("Support adults with learning disabilities in their daily lives.", ("disability",)),
    ("Recent retail experience is a plus.", ("age",)),
    ("Minimum 5 years of accounting experience.", ("age",)),
]


@pytest.mark.parametrize(("sentence", "labels"), NOT_THE_CANDIDATE)
def test_firm_goal_pay_and_task_wording_is_not_flagged(engine, sentence, labels):
    got = engine.analyze_sentences([sentence], rewrites=False)[0].labels
    assert not set(labels) & set(got), got


@pytest.mark.parametrize(("sentence", "label"), [
    ("We want a young, energetic and ambitious salesperson.", "age"),
    ("Native English speaker, fluent English required.", "racial"),
    ("Maximum 5 years of experience; recent graduates only.", "age"),
])
def test_the_same_words_about_the_candidate_still_are(engine, sentence, label):
    assert label in engine.analyze_sentences([sentence], rewrites=False)[0].labels
