"""The rewrite-pattern library and the grammar check on their own (no model needed)."""

from __future__ import annotations

import re
import tomllib

import pytest

from biaslsp.models.rewriting import default_library, problems, tidy
from biaslsp.models.rewriting.library import PATTERN_FILES, PATTERNS, gerund_items

ALL = ("age", "disability", "feminine", "general", "masculine", "racial", "sexuality")


def top(sentence: str) -> str:
    plan = default_library().plan(sentence, ALL)
    assert plan.candidates, (sentence, [r.id for r in plan.matched], plan.guidance)
    return plan.candidates[0]


# -- the broken outputs users got (issue 14): the grammar check or the leftover check rejects each
@pytest.mark.parametrize(
    ("original", "broken"),
    [
        ("We need a motivated salesperson to crush quota and dominate the Northeast territory.",
         "We need a motivated salesperson to crush quota the Northeast territory."),
        ("Young people are encouraged to apply.", " are encouraged to apply."),
        ("Young people are encouraged to apply.", "are encouraged to apply."),
        ("You are a digital native who grew up with smartphones.", "You are a proficient with digital tools who grew up with smartphones."),
        ("You are a true digital native.", "You are a true a comfortable with technology."),
        ("This opportunity is not suitable for students/recent graduates.", "This opportunity is not suitable for students/Applicable graduates."),
        ("We want young, energetic and driven people.", "We want energetic and and driven people."),
        ("We want young, energetic and driven people.", "We want young, energetic and."),
        ("Work with the team and the boys.", "Work with the team and ."),
        ("We need an aggressive engineer.", "We need an proactive engineer."),
        ("We need a aggressive engineer.", "We need an  engineer."),
        ("He manages the team.", "He manages the the team."),
    ],
)
def test_grammar_check_rejects_the_broken_forms(original, broken):
    assert problems(broken, original), broken


@pytest.mark.parametrize(
    ("original", "leftover"),
    [
        ("The ideal candidate is a culture fit who works hard and plays hard with the boys.",
         "The ideal candidate is a values alignment who works hard and plays hard with the boys."),
        ("You are a digital native who grew up with smartphones.", "You are proficient with digital tools who grew up with smartphones."),
        ("This opportunity is not suitable for students or recent graduates.", "This opportunity is not suitable for students or entry-level candidates."),
        ("Must have normal vision with or without correction.", "Possess normal vision with correction."),
        ("He/she will lead the team.", "He or she will lead the team."),
    ],
)
def test_leftover_bias_is_found(original, leftover):
    assert default_library().leftovers(leftover, original), leftover


@pytest.mark.parametrize(
    "sentence",
    [
        "They will work closely with product managers and designers.",
        "We are a fast-growing fintech startup.",
        "The role involves lifting 50 pounds and standing for long periods, with or without reasonable accommodation.",
        "Fluent in English with excellent communication skills.",
        "We will give them a laptop on day one.",
        "A proactive, motivated person who works independently and thrives under pressure.",
    ],
)
def test_grammar_check_accepts_good_sentences(sentence):
    assert problems(sentence, sentence.replace("They", "He")) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("We need a motivated salesperson to crush quota and dominate the Northeast territory.",
         "We need a motivated salesperson to exceed targets and grow the Northeast territory."),
        ("The ideal candidate is a culture fit who works hard and plays hard with the boys.",
         "The ideal candidate shares our values and works well with the team."),
        ("Young graduates are encouraged to apply.", "Entry-level applicants are encouraged to apply."),
        ("You are a true digital native who grew up with smartphones.", "You are proficient with digital tools."),
        ("High energy level required.", "Enthusiasm for the work required."),
        ("Native English speaker required.", "Excellent written and spoken English required."),
        ("Young and energetic team player wanted.", "Motivated and enthusiastic team player wanted."),
        ("He manages the accounts and reports to the director.", "They manage the accounts and report to the director."),
        ("He/she manages the team and has a budget.", "They manage the team and have a budget."),
        ("She is responsible for payroll.", "They are responsible for payroll."),
        ("Our salesman will visit clients.", "Our salesperson will visit clients."),
        ("Our firemen and policemen work shifts.", "Our firefighters and police officers work shifts."),
        ("The chairman leads the board.", "The chair leads the board."),
        ("Hey guys, we are hiring!", "Hey everyone, we are hiring!"),
        ("We need more manpower on site.", "We need more staff on site."),
        ("Applicants should not have family commitments that limit travel.", "The role involves frequent travel."),
        ("Graduates of Ivy League schools preferred.", "A relevant degree or equivalent experience preferred."),
        ("We work hard and play hard.", "We work well together."),
        ("We are a young, fast-growing fintech startup.", "We are a fast-growing fintech startup."),
        ("- Must be able to lift 50 pounds and stand for long periods during on-site visits.",
         "- The role involves lifting 50 pounds and standing for long periods during on-site visits, with or without reasonable accommodation."),
        ("- Recent graduates from top-tier universities preferred.", "- A relevant degree or equivalent experience preferred."),
        ("- An aggressive, competitive self-starter who thrives under pressure.",
         "- A proactive, motivated person who works independently and thrives under pressure."),
        ("- Native English speaker with excellent communication skills.", "- Fluent in English with excellent communication skills."),
        ("A caring, supportive environment where everyone's voice is heard.", "A supportive environment where everyone's voice is heard."),
        ("Applicants must be native English speakers and digital natives.", "Applicants must be fluent in English and proficient with digital tools."),
        ("We want young, energetic rockstar ninjas.", "We want motivated and enthusiastic experts."),
        ("Join our team of coding ninjas.", "Join our team of skilled programmers."),
        ("Each engineer presents her work every Friday.", "Each engineer presents their work every Friday."),
        ("We will give her a laptop on day one.", "We will give them a laptop on day one."),
        ("We welcome physically challenged applicants.", "We welcome applicants with disabilities."),
        ("Our team of rockstar developers works hard and plays hard, and we are looking for a digital native to join our tribe.",
         "Our team of skilled developers works well together, and we are looking for someone proficient with digital tools to join us."),
        ("Must be able-bodied.", "Must be able to perform the essential duties of the role, with or without reasonable accommodation."),
    ],
)
def test_pattern_rewrites(sentence, expected):
    got = top(sentence)
    assert got == expected
    assert problems(got, sentence) == [], got
    assert default_library().leftovers(got, sentence) == [], got


@pytest.mark.parametrize(
    ("sentence", "says"),
    [
        ("Not suitable for physically challenged people.", "with or without reasonable accommodation"),
        ("Must have normal vision with or without correction.", "Name the task"),
        ("This opportunity is not suitable for students or recent graduates.", "instead of who is excluded"),
        ("Must be under 30 years old.", "Remove the age limit"),
        ("Candidates must be born after 1995.", "birth-year"),
        ("No more than 5 years of experience.", "minimum experience"),
        ("No family commitments.", "family or marital situation"),
        ("Must speak with a neutral accent.", "rather than an accent"),
    ],
)
def test_no_honest_rewrite_gives_guidance(sentence, says):
    plan = default_library().plan(sentence, ALL)
    assert plan.blocked and plan.candidates == ()
    assert says in plan.guidance


def test_harmless_uses_are_left_alone():
    lib = default_library()
    for sentence in ("We offer a competitive salary and benefits.", "Over 10 years of experience with Python.",
                     "You will have a clear vision for the product.", "We value a healthy work-life balance."):
        assert lib.plan(sentence, ALL).candidates == () and not lib.plan(sentence, ALL).blocked, sentence


def test_tidy_repairs_lists_and_articles():
    assert tidy("We want energetic, and driven people.", "x") == "We want energetic and driven people."
    assert tidy("We want smart, kind and .", "x") == "We want smart and kind."
    assert tidy("We need a  expert .", "We need a rockstar.") == "We need an expert."
    assert tidy("are encouraged", "Young are encouraged") == "Are encouraged"


def test_gerund_items():
    assert gerund_items("lift 50 pounds and stand for long periods") == "lifting 50 pounds and standing for long periods"


def test_pattern_files_are_well_formed():
    assert sorted(p.stem for p in PATTERNS.glob("*.toml")) == sorted(PATTERN_FILES)  # none left unloaded
    rows, guidance = [], {}
    for name in PATTERN_FILES:
        data = tomllib.loads((PATTERNS / f"{name}.toml").read_text(encoding="utf-8"))
        rows += data.get("rule", [])
        guidance.update(data.get("guidance", {}))
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert r["label"] in ALL, r["id"]
        assert r.get("replace") or r.get("guidance"), r["id"]
        re.compile(r["match"])
    assert set(guidance) == set(ALL)


def test_repeated_words_are_a_problem_only_when_the_rewrite_made_them():
    assert any("repeated" in p for p in problems("A proactive person with at least at least 1 year of experience.",
                                                  "A proactive woman with at least 1-2 years of experience."))
    assert not any("repeated" in p for p in problems("We had had enough of it, said the team lead.", "We had had enough of it, said he."))


def test_inflect_loads_without_typeguard_and_leaves_no_stand_in():
    """inflect is imported with typeguard's import-time instrumentation off (jaraco/inflect#212):
    in a fresh process, the answers are inflect's and sys.modules is left as it was."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from biaslsp.models.rewriting.inflection import article_for, plural_noun\n"
        "print(article_for('hour'), article_for('university'), plural_noun('salesperson'))\n"
        "tg = sys.modules.get('typeguard')\n"
        "print(tg is None or hasattr(tg, 'check_type'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["an", "a", "salespeople", "True"]
