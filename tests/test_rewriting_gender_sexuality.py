"""Gender, sexuality and family-status rewrite patterns, the case of a replacement, and the
term-swap fallback (issue 14). Every sentence here was written for this test (none is dev-set
text); each positive case asserts the top rewrite a careful recruiter would accept as-is."""

from __future__ import annotations

import pytest

from biaslsp.models.rewriting.term_rewriter import TermRewriter, pluralize
from biaslsp.models.rewriting import default_library, problems
from biaslsp.models.rewriting.library import match_case
from biaslsp.models.detection.terms import load_terms
from biaslsp.models.types import Span

ALL = ("age", "disability", "feminine", "general", "masculine", "racial", "sexuality")


def top(sentence: str) -> str:
    plan = default_library().plan(sentence, ALL)
    assert plan.candidates, (sentence, [r.id for r in plan.matched], plan.guidance)
    return plan.candidates[0]


GENDER = [
    # pronouns, with the verb made to agree
    ("He tackles problems head-on and mentors juniors.", "They address problems directly and mentor juniors."),
    ("He or she doesn't need a degree.", "They don't need a degree."),
    ("S/he has strong Excel skills and writes clear reports.", "They have strong Excel skills and write clear reports."),
    ("She or he will report to the CTO; he/she also liaises with vendors.", "They will report to the CTO; they also liaise with vendors."),
    ("He's worked with startups before.", "They've worked with startups before."),
    ("Each engineer manages his own backlog.", "Each engineer manages their own backlog."),
    ("Trainees must prove him/herself on the shop floor.", "Trainees must prove themselves on the shop floor."),
    ("(S)he coordinates the rota.", "They coordinate the rota."),
    ("S(he) drafts the monthly accounts.", "They draft the monthly accounts."),
    ("He (or she) signs off invoices.", "They sign off invoices."),
    ("He/she/they will chair the steering group.", "They will chair the steering group."),
    ("As a Field Technician, he will install and repair meters.", "As a Field Technician, you will install and repair meters."),
    ("Please send his/her portfolio to the studio manager.", "Please send your portfolio to the studio manager."),
    ("Her technical skills and ability to coach others are vital.",
     "Technical skills and the ability to coach others are vital."),
    ("Her patience and attention to detail will be key to her success in this role.",
     "Patience and attention to detail will be key to success in this role."),
    # people named by gender
    ("Ladies, this opening is for you!", "This opening is for you!"),
    ("Our girls in payroll will show you the ropes.", "Our team in payroll will show you the ropes."),
    ("New starters go for drinks with the boys every Friday.", "New starters go for drinks with the team every Friday."),
    ("We are looking for a confident guy to run the front desk.", "We are looking for a confident person to run the front desk."),
    ("Friendly guys and gals wanted for our summer crew.", "Friendly people wanted for our summer crew."),
    ("We need more manpower on the loading dock.", "We need more staff on the loading dock."),
    # -man titles and other gendered job names
    ("Our warehousemen unload trucks before dawn.", "Our warehouse workers unload trucks before dawn."),
    ("The Site Foreman signs off each delivery.", "The Site Supervisor signs off each delivery."),
    ("Our Chairman meets the auditors twice a year.", "Our Chair meets the auditors twice a year."),
    ("We are hiring a maintenance man for the estate.", "We are hiring a maintenance technician for the estate."),
    ("Our businessmen travel to Lagos monthly.", "Our businesspeople travel to Lagos monthly."),
    ("Explain the tariff in layman's terms.", "Explain the tariff in plain terms."),
    ("Looking for a girl Friday to keep the office running.", "Looking for an office assistant to keep the office running."),
    ("Good salesmanship is essential.", "Good sales ability is essential."),
    ("Our groundsmen keep the pitches in shape.", "Our groundskeepers keep the pitches in shape."),
    # gender-coded wording, rewritten to the outcome
    ("You will crush your quota and dominate the Midlands region.", "You will exceed targets and grow the Midlands region."),
    ("We need a coding ninja for our payments API.", "We need a skilled programmer for our payments API."),
    ("Our sales team is hungry for growth.", "Our sales team is eager for growth."),
    ("You're a hunter, you're never satisfied with second place.",
     "You're proactive in finding new business and never satisfied with second place."),
    ("The ideal hire is patient, forceful, and able to handle high-pressure situations.",
     "The ideal hire is patient and able to work well under pressure."),
    ("She is a dominant force in retail analytics.", "They are a leading expert in retail analytics."),
    ("Ability to think on your feet during live broadcasts.", "Ability to think quickly during live broadcasts."),
    ("Apply today to join the Group for those with big career ambitions.", "Apply today to join the Group and grow your career."),
    ("We are a brotherhood of riggers and welders.", "We are a close-knit team of riggers and welders."),
    ("We want results, not a nine to five machine.", "We value results over hours worked."),
    ("You will often operate unassisted on remote sites.", "You will often work independently on remote sites."),
    ("You bring a nurturing approach to onboarding.", "You bring a supportive approach to onboarding."),
    ("You will nurture client relationships across the region.", "You will develop client relationships across the region."),
    ("You need a warm and caring personality to welcome every visitor.",
     "You need strong interpersonal skills to welcome every visitor."),
    ("Calming presence with anxious patients", "Ability to stay calm with anxious patients"),
    ("You can listen and empathize in difficult conversations.", "You can listen actively in difficult conversations."),
    ("Bring a ruthless focus to every renewal.", "Bring a strong focus to every renewal."),
    ("The trading floor is cut-throat and loud.", "The trading floor is demanding and loud."),
    ("You are headstrong and quick to act.", "You are committed and quick to act."),
    ("Expect to go into beast mode during peak season.", "Expect to step up during peak season."),
    ("Our recruiters take no prisoners at the negotiating table.", "Our recruiters stay firm at the negotiating table."),
    ("We need a lone wolf for the Dundee patch.", "We need an independent worker for the Dundee patch."),
    ("Join an army of sales reps across Europe.", "Join a team of sales reps across Europe."),
    ("Always be a gentleman with guests.", "Always be courteous with guests."),
    ("Attractive hostess wanted for weekend events.", "Host wanted for weekend events."),
    ("Staff must be attractive and well presented.", "Staff must be well presented."),
    ("A cheerful, girly personality suits this boutique.", "A cheerful, friendly personality suits this boutique."),
    ("Applicants should be quiet and ladylike.", "Applicants should be quiet."),
    ("Only men need apply.", "All qualified candidates are welcome to apply."),
    ("Women are warmly invited to apply for this engineering post.",
     "All qualified candidates are warmly invited to apply for this engineering post."),
    ("We want a motherly carer for our residents.", "We want an attentive carer for our residents."),
    ("Her warm and welcoming manner puts visitors at ease.", "Their welcoming manner puts visitors at ease."),
    ("Seeking a cheerful, pretty waitress for the terrace.", "Seeking a cheerful server for the terrace."),
    ("You bring a warm, motherly approach to the toddler room.", "You bring a supportive approach to the toddler room."),
    ("You can command a room of senior buyers.", "You can engage an audience of senior buyers."),
]

SEXUALITY = [
    ("Flexible hours for moms and dads on our team.", "Flexible hours for parents on our team."),
    ("We offer generous maternity leave.", "We offer generous parental leave."),
    ("A nursing mothers room is available on every floor.", "A lactation room is available on every floor."),
    ("Mother-friendly rooms on site.", "Rooms for parents on site."),
    ("Flexible shifts suit stay-at-home moms returning to work.", "Flexible shifts suit parents returning to work."),
    ("Staff and their wives are invited to the winter party.", "Staff and their partners are invited to the winter party."),
    ("Your husband or wife can join the relocation visit.", "Your spouse or partner can join the relocation visit."),
    ("Married applicants preferred.", "All qualified applicants are welcome to apply."),
    ("Traditional family-friendly benefits for all staff.", "Family benefits for all staff."),
    ("Special programmes for working mothers.", "Special programmes for working parents."),
    ("Open to both genders.", "Open to all genders."),
    ("Our husband-and-wife business needs a bookkeeper.", "Our family business needs a bookkeeper."),
    ("Ideal for mums looking for school hours.", "Ideal for anyone looking for school hours."),
    ("Are you a busy mum hoping to get back into work?", "Are you hoping to get back into work?"),
    ("Perfect for a homemaker seeking flexible shifts.", "Perfect for anyone seeking flexible shifts."),
]


@pytest.mark.parametrize(("sentence", "expected"), GENDER + SEXUALITY)
def test_top_rewrite(sentence, expected):
    got = top(sentence)
    assert got == expected
    assert problems(got, sentence) == []  # what the engine would check before offering it
    assert default_library().leftovers(got, sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Are you planning to start a family in the next two years?",
        "Candidates must be single and free to travel.",
        "Please state your marital status on the form.",
        "Marital status: married.",
        "Must be a family man with stable values.",
        "The ideal candidate is a father of three.",
        "This post is not suitable for women.",
        "Must be attractive.",
        "Perfect for moms.",
    ],
)
def test_demands_with_no_honest_rewrite_get_guidance(sentence):
    plan = default_library().plan(sentence, ALL)
    assert plan.blocked and not plan.candidates
    assert plan.guidance


@pytest.mark.parametrize(
    "sentence",
    [
        "You will chair the weekly planning meeting.",
        "Experience with Human Resources management software.",
        "Crimp male and female connectors to spec.",
        "Provide care to female patients on the maternity ward.",
        "We support survivors at our women's shelter.",
        "Read the man page before running the tool.",
        "High standards of workmanship are expected.",
        "The boys' school is looking for a maths teacher.",
        "Join the girls' football club as a volunteer coach.",
        "Treat aggressive tumours with the oncology team.",
        "De-escalate aggressive behaviour calmly and safely.",
        "Model the dominant allele in our breeding programme.",
        "The salesperson will own the territory.",
        "Coach youth football for boys and girls aged 8-12.",
        "Support families and parents through the adoption process.",
        "Liaise with the Ombudsman on complaints.",
        "Competitive salary and benefits.",
        "Listen and empathise with callers in distress.",
        "Stock masculine and feminine grooming products.",
        "Join an army of volunteers at the food bank.",
        "Experience with feminine hygiene products.",
        "We are recruiting a Postdoctoral Research Fellow in genomics.",
        "You will mentor a fellow engineer each quarter.",
        "Sponsor an Iron Man triathlete for our fitness brand.",
    ],
)
def test_legitimate_uses_are_left_alone(sentence):
    lib = default_library()
    assert [r.id for r in lib.matching(sentence) if not r.id.startswith("pronoun.")] == []


# -- case of a replacement (library.match_case)
@pytest.mark.parametrize(
    ("original", "new", "kwargs", "expected"),
    [
        ("15+ years", "extensive experience", {"at_start": True}, "Extensive experience"),  # no letter to copy
        ("- 15+ years", "- extensive experience", {"at_start": True}, "- Extensive experience"),
        ("young", "motivated", {"at_start": True}, "motivated"),  # the author's lower-case start stays
        ("Foreman", "supervisor", {"at_start": False, "before": "The Fabrication "}, "Supervisor"),
        ("Chairman", "chair", {"at_start": False, "title": True, "before": "with the "}, "Chair"),
        ("Policeman", "police officer", {"at_start": False, "title": True, "before": "a "}, "Police Officer"),
        ("Moms", "parents", {"at_start": False, "before": "We support ", "after": " with hours"}, "parents"),
        ("Hunters", "proactive business developers", {"at_start": False, "before": "We want "}, "proactive business developers"),
        ("SALESMAN", "salesperson", {"at_start": False, "before": "A "}, "SALESPERSON"),
    ],
)
def test_match_case(original, new, kwargs, expected):
    assert match_case(original, new, **kwargs) == expected


def test_sentence_starting_with_a_number_gets_a_capital_without_a_start_twin_rule():
    """age.toml's `.start` twins existed only because the number gave no capital to copy."""
    lib = default_library()
    from biaslsp.models.rewriting.library import PatternLibrary

    plain = PatternLibrary([r for r in lib.rules if not r.id.endswith(".start")], lib.titles, lib.label_guidance)
    assert plain.plan("15+ years of experience in finance required.").candidates[0] == "Extensive experience in finance required."
    assert plain.plan("3-5 years of Python experience.").candidates[0] == "At least 3 years of Python experience."


def test_title_case_and_emphasis_in_pattern_rewrites():
    assert top("Report to the Fabrication Foreman on shift.") == "Report to the Fabrication Supervisor on shift."
    assert top("Our Businessmen travel often.") == "Our Businesspeople travel often."
    assert top("We support Moms and Dads with flexible hours.") == "We support parents with flexible hours."


# -- the term-swap fallback (rewrite.TermRewriter), used where no pattern matches
def swaps(sentence: str) -> list[str]:
    terms = load_terms()
    spans = [Span(m.start, m.end, lab, sentence[m.start : m.end], "lexicon") for lab in ALL for m in terms.find(sentence, [lab])]
    return TermRewriter(terms).candidates(sentence, spans, 3)


def test_fallback_plural_of_person_is_people():
    assert pluralize("proactive person") == "proactive people"
    assert swaps("We need go-getters who close deals.")[0] == "We need proactive people who close deals."


def test_fallback_does_not_copy_an_emphatic_capital():
    assert swaps("We support Moms and Dads with flexible hours.") == ["We support parents with flexible hours."]
    assert swaps("Moms and Dads welcome.") == ["Parents welcome."]


def test_fallback_keeps_a_job_title_capital():
    assert swaps("Our Chairman reviews applications.")[0] == "Our Chair reviews applications."


def test_fallback_clause_replacement_does_not_repeat_the_subject():
    got = swaps("We work hard, play hard.")
    assert got == ["We work well together."]
    assert not problems(got[0], "We work hard, play hard.")


def test_energetic_team_is_cleared_by_the_engine(engine):
    """'our energetic team' must get a verified rewrite that no longer carries the age label."""
    rewrites = engine.rewrite("Join our energetic team of designers.")
    assert rewrites and rewrites[0].verified
    assert "energetic" not in rewrites[0].text and "age" not in rewrites[0].remaining


# -- he/she about the imagined applicant: 'They ...' first, 'You ...' as the alternative
@pytest.mark.parametrize(
    ("sentence", "they", "you"),
    [
        ("She will draft tenders and brief the bid team.", "They will draft tenders and brief the bid team.",
         "You will draft tenders and brief the bid team."),
        ("He's accountable for stock levels and reports weekly.", "They're accountable for stock levels and report weekly.",
         "You're accountable for stock levels and report weekly."),
        ("He/she keeps his/her certifications current.", "They keep their certifications current.",
         "You keep your certifications current."),
        ("Her role covers payroll and pensions.", "Their role covers payroll and pensions.", "Your role covers payroll and pensions."),
    ],
)
def test_you_alternative_for_the_applicant(sentence, they, you):
    cands = default_library().plan(sentence, ALL).candidates
    assert cands[:2] == (they, you)
    assert problems(you, sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Monitor her well-being and report any concerns to the nurse.",  # her: the client, not the reader
        "He will meet clients and help them choose.",  # 'them' is someone else
        "The candidate will support him in daily tasks.",
        "Help her settle in during her first week.",
    ],
)
def test_no_you_alternative_where_the_pronoun_is_someone_else(sentence):
    cands = default_library().plan(sentence, ALL).candidates
    assert cands and not any(c.startswith(("You", "Your")) or " your " in c for c in cands)


def test_fallback_leaves_a_hyphenated_compound_modifier_alone():
    assert swaps("Our husband-and-wife team runs the bakery.") == []  # not 'Our partners team'
    assert swaps("We are a work-hard-play-hard crew.") == []


def test_fallback_drops_a_table_entry_capital_mid_sentence():
    got = swaps("You must be dependable and punctual.")
    assert got and all(" must be " in c and c.split(" must be ")[1][:1].islower() for c in got), got
