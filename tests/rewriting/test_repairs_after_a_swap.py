"""What a swap or a drop can break, and what the engine offers instead (found reading the engine's
top rewrites of flagged sentences from unseen train/val passages; every sentence here is invented
in the same shape, none is data text)."""

from __future__ import annotations

import pytest

from biaslsp.models.detection.consistency import strong_hits
from biaslsp.models.rewriting import problems


def top(engine, sentence: str) -> str | None:
    r = engine.analyze_sentences([sentence])[0]
    assert r.labels, sentence
    return r.rewrites[0].text if r.rewrites else None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # the swap equals its neighbour: the pair collapses, never 'supportive and supportive'
        ("Help us build a supportive and nurturing environment for new starters.", "Help us build a supportive environment for new starters."),
        ("Supportive and nurturing work environment.", "Supportive work environment."),
        # a replacement written for one person agrees with a plural antecedent
        ("Preference for candidates who grew up with Greek as their primary language.",
         "Preference for candidates who are comfortable using Greek as their primary language."),
        # a list of physical verbs gets the accommodation clause, not a swapped verb
        ("The driver may be required to stand, walk, and sit during deliveries.",
         "The driver may be required to stand, walk, and sit during deliveries, with or without reasonable accommodation."),
        # a place or a firm is not 'motivated and enthusiastic': the age word goes
        ("A youthful and dynamic workplace with flexible hours.", "A dynamic workplace with flexible hours."),
        # two coded words, one neutral one
        ("Greenfield School is seeking a warm and nurturing Teaching Assistant to join our team.",
         "Greenfield School is seeking a supportive Teaching Assistant to join our team."),
        ("The ideal candidate will possess strong leadership skills and the ability to make bold decisions under pressure.",
         "The ideal candidate will possess strong leadership skills and the ability to make sound decisions under pressure."),
        # the language level, not the upbringing
        ("Must have been raised speaking Dutch.", "Must be fluent in Dutch."),
        ("Preference for candidates who grew up speaking Finnish.", "Preference for candidates fluent in Finnish."),
        # the task, with or without accommodation
        ("Requires excellent motor skills for handling parcels and operating scanners.",
         "The role involves handling parcels and operating scanners, with or without reasonable accommodation."),
        ("We are looking for a mature and ambitious manager eager to take the next step.",
         "We are looking for a responsible and motivated manager eager to take the next step."),
        # a preference for one group becomes an open welcome
        ("We are particularly interested in candidates from the LGBTQ+ community.",
         "We are particularly interested in candidates of all sexual orientations and gender identities."),
        ("We actively seek to recruit LGBTQ+ individuals to strengthen our team.",
         "We actively seek to recruit individuals of all sexual orientations and gender identities to strengthen our team."),
    ],
)
def test_the_offered_rewrite(engine, sentence, expected):
    assert top(engine, sentence) == expected


def test_an_item_is_dropped_from_a_list_but_not_before_a_clause():
    """'the physically handicapped and includes' -> never 'the physically includes'."""
    from biaslsp.models.rewriting.term_rewriter import TermRewriter
    from biaslsp.models.types import Span

    def drops(sentence: str, word: str) -> list[str]:
        start = sentence.index(word)
        span = Span(start, start + len(word), "disability", word, "lexicon")
        return [c for c in TermRewriter().candidates(sentence, [span], 5) if word not in c and len(c) < len(sentence) - len(word) + 3]

    assert drops("Our office accommodates the physically handicapped and includes two flights of stairs.", "handicapped") == []
    assert drops("We want a disabled, motivated team.", "disabled") == ["We want a motivated team."]


@pytest.mark.parametrize(
    ("candidate", "original", "fault"),
    [
        ("A supportive and supportive team.", "A supportive and nurturing team.", "coordinated with itself"),
        ("Calm, calm and patient.", "Gentle, calm and patient.", "coordinated with itself"),
        ("Candidates who is fluent in Greek.", "Candidates who grew up speaking Greek.", "plural subject"),
    ],
)
def test_grammar_names_the_fault(candidate, original, fault):
    assert any(fault in p for p in problems(candidate, original))


def test_a_singular_antecedent_is_no_fault():
    assert problems("A person who is fluent in Greek.", "A person who grew up speaking Greek.") == []


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("Can lift 25 lbs", "disability"),
        ("Lifting up to 20 kg boxes daily.", "disability"),
        ("Must have normal vision.", "disability"),
        ("Hearing in the normal range.", "disability"),
        ("Degree from a top-ranked school preferred.", "general"),
        ("Graduates of top universities only.", "general"),
    ],
)
def test_strong_phrases_flag_wherever_they_stand(sentence, label):
    assert label in {h.label for h in strong_hits(sentence)}


@pytest.mark.parametrize("sentence", ["Join a top school in the region.", "We are a top 10 school.", "Lift your career."])
def test_an_employer_calling_itself_top_is_not_flagged_by_rule(sentence):
    assert not strong_hits(sentence)


@pytest.mark.parametrize(
    ("sentence", "label"),
    [
        ("No gay or lesbian applicants will be considered for this role.", "sexuality"),
        ("The successful applicant is between 25 and 35 years old.", "age"),
        ("We prefer a churchgoing candidate who shares our values.", "general"),
        ("Our diners prefer servers who are clean-cut and all-American.", "racial"),
        ("You are a lone wolf who wants to be top dog.", "masculine"),
    ],
)
def test_open_exclusions_are_flagged_by_rule(sentence, label):
    assert label in {h.label for h in strong_hits(sentence)}


@pytest.mark.parametrize("sentence", ["Our menu has no trans fat.", "We play all-American music at the diner."])
def test_look_alikes_are_not(sentence):
    assert not strong_hits(sentence)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("He should be comfortable working nights and weekends.", "They should be comfortable working nights and weekends."),
        ("He works evenings and weekends.", "They work evenings and weekends."),
        ("He manages projects and reports to the CEO.", "They manage projects and report to the CEO."),
        ("He or she should be a good culture fit with our small team.", "They should work well with our small team."),
        # round-2 rejections, invented in the same shapes
        ("A dynamic and young team passionate about design.", "A dynamic team passionate about design."),
        ("This role suits tech-savvy young professionals keen to learn.", "This role suits technically skilled professionals keen to learn."),
        ("You will enjoy nurturing client relationships.", "You will enjoy developing client relationships."),
    ],
)
def test_agreement_after_they(engine, sentence, expected):
    assert top(engine, sentence) == expected


def test_a_noun_swapped_in_after_a_noun_is_not_offered(engine):
    r = engine.analyze_sentences(["We want a rockstar coder ninja for our Austin office."])[0]
    assert all(" coder an " not in w.text and " coder a " not in w.text for w in r.rewrites)


def test_nurturing_skills_is_not_the_verb(engine):
    r = engine.analyze_sentences(["Strong nurturing skills and the ability to build a supportive classroom."])[0]
    assert all("developing skills" not in w.text for w in r.rewrites)
