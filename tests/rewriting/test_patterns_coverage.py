"""Rewrite patterns for age, racial, disability and general exclusion (issue 14, coverage pass).

Every sentence here is invented for the test (none is dev-set text). Each new rule gets its top
rewrite pinned, and the legitimate requirements a rule must leave alone get a negative.
"""

from __future__ import annotations

import pytest

from biaslsp.models.rewriting import default_library, problems

ALL = ("age", "disability", "feminine", "general", "masculine", "racial", "sexuality")


def plan(sentence: str):
    return default_library().plan(sentence, ALL)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # racial: the language level, not the origin
        ("Must have near-native proficiency in German and French.", "Must be fluent in German and French."),
        ("She has native proficiency in Polish.", "They are fluent in Polish."),
        ("Native proficiency in Korean.", "Fluency in Korean."),
        ("Native/bilingual Spanish.", "Fluent Spanish."),
        ("Near-native Portuguese is a plus.", "Fluent Portuguese is a plus."),
        ("Fluent English with no strong accent.", "Fluent English."),
        ("Accent-free English required.", "Clear spoken English required."),
        # racial: nationality demands that are not a legal need -> the right to work
        ("British nationals only.", "Candidates with the right to work in the UK."),
        ("Only EU citizens may apply.", "Candidates with the right to work in the EU may apply."),
        ("Applicants must be a Canadian citizen.", "Applicants must have the right to work in Canada."),
        ("Irish passport holders preferred.", "Candidates with the right to work in Ireland preferred."),
        ("UK citizenship is required.", "The right to work in the UK is required."),
        # racial: culture and origin proxies
        ("Candidates should relate well to our diverse customers.", "Candidates should build rapport with our diverse customers."),
        ("You must relate to our clientele.", "You must build rapport with our clients."),
        ("Must be comfortable with our client base and eager to learn.",
         "Must be able to work professionally with our clients and eager to learn."),
        ("Ability to navigate the corporate world.", "Ability to work effectively in a corporate environment."),
        ("You will blend easily into our team.", "You will collaborate closely with our team."),
        ("Must fit into our current team dynamic.", "Must collaborate with our current team."),
        ("We honour the values and traditions of our agency.", "We honour the values of our agency."),
        ("You should understand the unwritten rules of our company culture.", "You should work effectively within our team."),
        ("We prefer applicants who fit our demographic profile.", "We prefer applicants with relevant experience."),
        ("Show an understanding of local slang and ability to write clear reports.", "Show an ability to write clear reports."),
        ("Good knowledge of traditional Omani customs and local banter.", "Good knowledge of Omani business customs."),
        ("Familiar with cultural norms and business etiquette.", "Familiar with business etiquette."),
        ("Preference for graduates educated in western universities.", "Preference for graduates with relevant qualifications."),
        ("A degree and professional experience from the UK is a plus.", "A degree and relevant international professional experience is a plus."),
        ("Work experience from Europe is a plus.", "Relevant international experience is a plus."),
        ("We are specifically looking for applicants of South Asian descent for this team.",
         "We welcome candidates of all backgrounds for this team."),
        ("You understand our customer's culture.", "You understand our customer's business."),
        # disability: the task, with or without reasonable accommodation
        ("Must be able to hear warning sirens on the quay.",
         "Must be able to respond to warning sirens on the quay, with or without reasonable accommodation."),
        ("Ability to see gauges clearly in low light.", "Ability to read gauges in low light, with or without reasonable accommodation."),
        ("Tasks include lifting, colour vision and kneeling.",
         "Tasks include lifting, distinguishing colours and kneeling, with or without reasonable accommodation."),
        ("Must be punctual and have no history of mental illness.", "Must be punctual."),
        ("Must be able to push carts and work outdoors in winter.",
         "The role involves pushing carts and working outdoors in winter, with or without reasonable accommodation."),
        ("This role requires physical stamina to restock shelves overnight.",
         "The role involves restocking shelves overnight, with or without reasonable accommodation."),
        ("Must answer the phones without assistance.", "Must be able to answer the phones, with or without reasonable accommodation."),
        ("Candidates must possess unrestricted mobility.",
         "Candidates must be able to move around the workplace, with or without reasonable accommodation."),
        ("Requires full use of both hands and must be able to type quickly.", "Requires the ability to type quickly."),
        ("Quick reflexes are essential.", "The ability to respond quickly to changing situations is essential."),
        ("The job requires sharp reflexes.", "The job requires the ability to respond quickly to changing situations."),
        ("We need able-bodied labourers for the harvest.", "We need labourers for the harvest."),
        ("Someone who is able-bodied and happy to work weekends.",
         "Someone who is able to perform the essential duties of the role, with or without reasonable accommodation, and happy to work weekends."),
        ("We encourage applications from veterans, the disabled and carers.",
         "We encourage applications from veterans, people with disabilities and carers."),
        ("Everyone is welcome, particularly those with disabilities.", "Everyone is welcome."),
        ("We're especially interested in people with disabilities.", "We welcome people of all backgrounds and abilities."),
        ("We actively encourage applicants with disabilities to apply.", "We welcome applicants of all backgrounds and abilities to apply."),
        ("Willingness to talk a lot with customers.", "Willingness to communicate frequently with customers."),
        ("No work-from-home options.", "No work-from-home options, but reasonable accommodations will be considered."),
        # general exclusion
        ("Experience working in the store culture is essential.", "Experience working effectively with the store team is essential."),
        ("Only A-players need apply.", "We welcome applications from all qualified candidates."),
        ("A degree from a respected university is required.", "A degree or equivalent is required."),
        ("Oxbridge-educated analysts preferred.", "Degree-educated analysts preferred."),
        ("Applicants should not have a criminal history.", "Applicants should pass a background check."),
        ("Candidates with criminal convictions will not be considered.", "Candidates will be asked to complete a background check."),
        ("- Clean criminal record essential.", "- A background check is required."),
        ("No gaps in employment.", "Please provide your full employment history."),
        ("Must hold a full driving licence and own vehicle.", "Must hold a full driving licence and have access to a vehicle."),
        # age
        ("Open to engineers (MSc graduation between 2018-2021) with embedded experience.",
         "Open to engineers (MSc) with embedded experience."),
        ("Requires 12-18 years of banking experience.", "Requires at least 12 years of banking experience."),
        ("You bring a wealth of expertise gained over many years in logistics.", "You bring in-depth expertise of logistics."),
        ("Recent graduates or emerging young professionals preferred.", "Candidates at all career stages are welcome to apply."),
        ("We hire graduates who hold a teaching certificate.", "We hire degree holders who hold a teaching certificate."),
        ("The lab is open to young researchers from any country.", "The lab is open to researchers from any country."),
        ("Join our young, friendly crew.", "Join our friendly crew."),
        ("Mother tongue Italian.", "Fluent Italian."),
        ("Dutch mother tongue is essential.", "Fluent Dutch is essential."),
        ("Must have a clean bill of health.",
         "Must be able to perform the essential duties of the role, with or without reasonable accommodation."),
        ("Must be honest and have no history of epilepsy.", "Must be honest."),
        ("A charity for adults suffering from dyslexia.", "A charity for adults with dyslexia."),
        ("You should be a great team fit.", "You should work well with the team."),
        ("Ability to sit for extended periods at a desk.",
         "Ability to sit for extended periods at a desk, with or without reasonable accommodation."),
        ("You will be on your feet for the whole shift.",
         "You will be on your feet for the whole shift, with or without reasonable accommodation."),
        ("Able to climb ladders safely.", "Able to climb ladders safely, with or without reasonable accommodation."),
        ("Fine motor skills are needed for soldering.",
         "Fine motor skills are needed for soldering, with or without reasonable accommodation."),
        ("We highly encourage people with disabilities to join us.", "We welcome people of all backgrounds and abilities to join us."),
        ("Native speakers are preferred for this tutoring role.", "Fluent speakers are preferred for this tutoring role."),
        ("Native German fluency is a must.", "Fluency in German is a must."),
        ("Spanish (native), Catalan (basic).", "Spanish (fluent), Catalan (basic)."),
        ("Languages: Arabic - native.", "Languages: Arabic - fluent."),
        ("Ideal for people just starting out.", "Ideal for people looking for an entry-level role."),
        ("You have just graduated and want to grow.", "You have a degree and want to grow."),
        ("Newly graduated nurses are welcome.", "Entry-level nurses are welcome."),
        ("The studio wants new blood.", "The studio wants new talent."),
        ("You should be a perfect fit for our team culture.", "You should share our values."),
        ("Applicants must have studied at a world-class university.",
         "Applicants must have a relevant degree or equivalent experience."),
        ("Staff should be a Catholic.", "Staff should be committed to the organisation's Catholic ethos."),
        ("Promoters must be slim and presentable.", "Promoters must follow our dress code."),
        ("Good-looking receptionists wanted.", "Receptionists wanted."),
        ("You can connect easily with our clientele.", "You can build rapport with our clients."),
        ("Applicants who share our cultural values.", "Applicants who share our values."),
        ("Cultural alignment with the firm matters.", "Alignment with our values matters."),
        ("You align with our company culture.", "You align with our values."),
        ("Good knowledge of Western culture.", "Good knowledge of international business practices."),
        ("Familiar with Australian customs.", "Familiar with Australian business practices."),
        ("UK-educated lawyers preferred.", "Degree-educated lawyers preferred."),
        ("An MBA from an American school is required.", "An MBA is required."),
        ("Must be mentally and physically strong.",
         "Must be able to perform the essential duties of the role, with or without reasonable accommodation."),
        ("Ability to read gauges in dim light.", "Ability to read gauges in dim light, with or without reasonable accommodation."),
        ("Best university graduates preferred.", "Candidates with a relevant degree or equivalent experience preferred."),
        ("Applicants should have a clean credit history.", "Applicants should pass a credit check."),
        ("Hiring tech-savvy Gen Zers.", "Hiring candidates who are proficient with technology."),
        ("Youngsters welcome!", "Candidates welcome!"),
        ("We want someone who suits our company culture.", "We want someone who shares our values."),
        ("Join a crew of like-minded designers.", "Join a crew of designers."),
        ("Reception staff must be well-spoken.", "Reception staff must communicate clearly."),
        ("Involves prolonged sitting and typing.", "Involves prolonged sitting and typing, with or without reasonable accommodation."),
        ("Some manual labour is required.", "Some manual labour is required, with or without reasonable accommodation."),
        ("This is a physically demanding job in a busy depot.",
         "This is a physically demanding job in a busy depot; reasonable accommodations will be considered."),
        ("A young-at-heart host.", "An enthusiastic host."),
    ],
)
def test_top_rewrite(sentence, expected):
    p = plan(sentence)
    assert p.candidates, (sentence, [r.id for r in p.matched], p.guidance)
    got = p.candidates[0]
    assert got == expected
    assert problems(got, sentence) == [], got
    assert default_library().leftovers(got, sentence) == [], got


@pytest.mark.parametrize(
    ("sentence", "says"),
    [
        ("No history of mental illness.", "essential duties"),
        ("Must be a US citizen to obtain a security clearance.", "legal requirement"),
        ("Must have excellent hearing.", "Name the task"),
        ("We want people in their early thirties.", "Remove the age"),
        ("Graduated in 2021 or later.", "graduation date"),
        ("Candidates must have no gaps in their CV.", "full employment history"),
        ("Must speak with a neutral accent.", "rather than an accent"),
        ("Maximum age 40.", "Remove the age limit"),
        ("Ideally born in the 1990s.", "Remove the age limit"),
        ("Only white applicants preferred.", "race or ethnicity"),
        ("Applicants must be free of any physical impairments.", "Remove the exclusion"),
        ("Rates differ for native and non-native speakers.", "Native speaker"),
        ("Born and raised in Ohio.", "where people come from"),
        ("Applicants from a good family background only.", "personality type"),
        ("No introverts, please.", "personality type"),
        ("Candidates from the same ethnic background preferred.", "where people come from"),
        ("Local residents only.", "where people come from"),
        ("Applicants with health conditions need not apply.", "reasonable accommodations"),
        ("You must not require any adjustments.", "reasonable accommodations"),
    ],
)
def test_no_honest_rewrite_gives_guidance(sentence, says):
    p = plan(sentence)
    assert p.blocked and p.candidates == ()
    assert says in p.guidance


@pytest.mark.parametrize(
    "sentence",
    [
        # legitimate requirements: the job needs them
        "Must hold a valid driver's license for this delivery driver role.",
        "Fluent Spanish is essential for this translator role.",
        "Excellent written and spoken English required.",
        "You must have the right to work in the UK.",
        "Must be able to work under pressure.",
        "Must be able to travel to client sites.",
        "Must be able to work professionally with our clients.",
        # ordinary wording near a pattern
        "We welcome applicants with disabilities.",
        "Our office is within walking distance of the station.",
        "Applicants must be in good standing with the bar association.",
        "The role involves lifting boxes, with or without reasonable accommodation.",
        "Experience supporting young people with learning needs.",
        "Over 10 years of experience with Python.",
        "Expected graduation in 2027.",
        "You will relate findings to the client's goals.",
        "Must be familiar with local building regulations.",
        "We share our values openly.",
        "A degree from an accredited nursing programme is required.",
        "Must have a black belt in judo to teach our classes.",
        "You will write white papers for our clients.",
        "You will sit on the product council.",
        "We push the boundaries of design.",
        "Our pricing is set out in full, including without limitation all fees.",
        "Our charity is a Christian organisation.",
        "We run a reading programme for youngsters.",
        "Knowledge of local planning law.",
        "You will be sitting on the hiring panel.",
    ],
)
def test_legitimate_requirements_are_left_alone(sentence):
    p = plan(sentence)
    assert p.candidates == () and not p.blocked, (sentence, [r.id for r in p.matched], p.candidates)


def test_no_accommodation_clause_on_values_or_soft_skills():
    """The clause belongs to physical tasks only: a values or soft-skill sentence never gets it."""
    for sentence in ("Must be able to work under pressure and share our values.",
                     "Must be comfortable with our clientele and able to represent our values.",
                     "You must be able to work independently."):
        for c in plan(sentence).candidates:
            assert "accommodation" not in c, (sentence, c)
