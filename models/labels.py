"""The label set and the project's own explanations of each category.

The prose here is written for biaslsp; word lists only supply terms.
"""

from typing import Final

LABELS: Final[tuple[str, ...]] = (
    "age",
    "disability",
    "feminine",
    "general",
    "masculine",
    "racial",
    "sexuality",
)
NEUTRAL: Final = "neutral"
EVAL_LABELS: Final[tuple[str, ...]] = LABELS + (NEUTRAL,)

TITLES: Final[dict[str, str]] = {
    "age": "Age-coded language",
    "disability": "Ableist or needlessly physical requirement",
    "feminine": "Feminine-coded language",
    "general": "Exclusionary language",
    "masculine": "Masculine-coded language",
    "racial": "Racially or ethnically exclusionary language",
    "sexuality": "Gender-identity or sexuality exclusion",
}

EXPLANATIONS: Final[dict[str, str]] = {
    "age": (
        "This wording signals a preferred age group (youthfulness, 'digital natives', "
        "or an upper limit on experience), which can put off qualified older or younger "
        "applicants. Describe the skills the job needs instead."
    ),
    "disability": (
        "This asks for a physical or sensory ability, or uses an ableist figure of speech, "
        "that the job may not truly need. State the task to be done and that reasonable "
        "accommodations are available."
    ),
    "feminine": (
        "This phrase is stereotypically feminine-coded. Used heavily, such wording makes "
        "some applicants feel the role is not meant for them; balance it with neutral "
        "descriptions of the work."
    ),
    "general": (
        "This may exclude people for reasons unrelated to the work: elite schooling, "
        "'culture fit', background, family status or personality demands. Keep only "
        "requirements the job really needs."
    ),
    "masculine": (
        "This phrase is stereotypically masculine-coded (competitive, aggressive, "
        "military or sports imagery, gendered titles). It is known to discourage some "
        "applicants; describe the outcome you want in neutral terms."
    ),
    "racial": (
        "This wording can exclude people by race, ethnicity, nationality or first language, "
        "for example 'native speaker' requirements or racially loaded idioms. Ask for the "
        "actual proficiency or skill needed."
    ),
    "sexuality": (
        "This assumes a gender binary or a traditional family structure, or uses outdated "
        "terms for LGBTQ+ people. Use inclusive, gender-neutral wording such as 'they' or "
        "'partner'."
    ),
}

DOCS_BASE: Final = "https://github.com/biaslsp/biaslsp/blob/main/docs/categories.md"


def doc_url(label: str) -> str:
    """Link to the category's documentation (used as LSP codeDescription)."""
    return f"{DOCS_BASE}#{label}"
