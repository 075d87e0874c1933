import pytest

from biaslsp.models import mask, split_sentences

AD = """# Senior Engineer

Requirements:
- 5+ years of Python
- Young and energetic rockstar wanted
* Must be a digital native. We offer great pay! Apply now
1. Native English speaker
2) Strong communication skills

We are a fast-growing startup and our team works
hard every day. Dr. Smith will review applications."""


def test_offsets_round_trip_and_items():
    sents = split_sentences(AD)
    assert all(AD[s.start : s.end] == s.text for s in sents)
    texts = [s.text for s in sents]
    assert texts[:4] == ["Senior Engineer", "Requirements:", "5+ years of Python", "Young and energetic rockstar wanted"]
    assert "Must be a digital native." in texts and "We offer great pay!" in texts and "Apply now" in texts
    assert "Native English speaker" in texts and "Strong communication skills" in texts
    # a wrapped paragraph stays one sentence; an abbreviation does not end one
    assert "We are a fast-growing startup and our team works\nhard every day." in texts
    assert "Dr. Smith will review applications." in texts


def test_empty_and_symbols_only():
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []
    assert split_sentences("---\n***\n") == []


def test_unicode_text_keeps_offsets():
    text = "日本語の文章です。次の文。 😀 emoji here 👩‍💻. مرحبا بك في الفريق.\x00 NUL here."
    sents = split_sentences(text)
    assert sents and all(text[s.start : s.end] == s.text for s in sents)


def test_lone_surrogate_keeps_offsets_and_original_text():
    text = "Young rockstar wanted \ud800 here. Second sentence.\udfff Third one."
    sents = split_sentences(text)
    assert [s.text for s in sents][:2] == ["Young rockstar wanted \ud800 here.", "Second sentence."]
    assert "\udfff" in sents[-1].text and sents[-1].text.endswith("Third one.")
    assert all(text[s.start : s.end] == s.text for s in sents)


def test_engine_analyses_text_with_a_lone_surrogate(engine):
    text = "We want a young rockstar \ud800 team. Native English speaker required."
    result = engine.analyze(text)
    assert len(result.sentences) == 2
    assert any(r.labels for r in result.sentences)


def test_markdown_mask_keeps_length_and_hides_code_and_links():
    md = "---\ntitle: young\n---\nWe want [a rockstar](https://young.example/young) `young_var`.\n```\nyoung = 1\n```\n"
    masked = mask(md, "markdown")
    assert len(masked) == len(md)
    assert "young" not in masked
    assert "rockstar" in masked and "We want" in masked


def test_html_mask_text_only():
    html = "<div><p>We want a young team</p><script>var young = 1</script><!-- young --></div>"
    masked = mask(html, "html")
    assert len(masked) == len(html)
    assert masked.count("young") == 1
    assert [s.text for s in split_sentences(masked)] == ["We want a young team"]


def test_segmenter_imports_neither_torch_nor_spacys_cli_and_leaves_no_stand_in():
    """spaCy is imported without thinc's torch and without spacy.cli (models/text/segment.py,
    _import_spacy): in a fresh process the sentences are spaCy's, neither module was loaded,
    and afterwards the real ones import (sys.modules was put back)."""
    import importlib.util
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from biaslsp.models.text.segment import split_sentences\n"
        "print('|'.join(s.text for s in split_sentences('Dr. Smith is here. E.g. this.\\nNext line')))\n"
        "print('torch' in sys.modules, 'spacy.cli' in sys.modules, 'cupy' in sys.modules)\n"
        "import spacy.cli\n"
        "print(callable(getattr(spacy.cli, 'setup_cli', None)))\n"
        "try:\n    import torch\n    print(callable(torch.tensor))\nexcept ImportError:\n    print('no-torch')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "Dr. Smith is here.|E.g. this.|Next line"
    assert out[1:3] == ["False False False", "True"]
    assert out[3] == ("True" if importlib.util.find_spec("torch") else "no-torch")


def test_torch_already_imported_is_left_to_thinc():
    """When torch is loaded before spaCy (the Hugging Face backends), thinc sees it as usual."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (the default install)")
    code = (
        "import torch\n"
        "from biaslsp.models.text.segment import split_sentences\n"
        "split_sentences('Hi. There.')\n"
        "import thinc.compat\n"
        "print(thinc.compat.has_torch)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True"]


def test_segmenter_first_use_from_several_threads_at_once():
    """The LSP and the server load the engine on a thread while other threads may split text:
    spaCy is imported once, the component registered once, and every thread gets the sentences."""
    import subprocess
    import sys

    code = (
        "import sys, threading\n"
        "from biaslsp.models.text.segment import split_sentences\n"
        "out, errors = [], []\n"
        "def go():\n"
        "    try:\n        out.append(len(split_sentences('One. Two.\\nThree')))\n"
        "    except Exception as exc:\n        errors.append(repr(exc))\n"
        "ts = [threading.Thread(target=go) for _ in range(4)]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(out, errors, 'torch' in sys.modules, 'spacy.cli' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[3, 3, 3, 3] [] False False"


def _whole(text: str) -> list[tuple[int, int]]:
    """The text split in one spaCy pass, as before paragraphs were split and cached apart."""
    from biaslsp.models.text.segment import _split_block

    return [(s.start, s.end) for s in _split_block(text)]


def test_paragraphs_split_apart_give_the_sentences_of_one_pass(data_folder):
    from pathlib import Path

    from biaslsp.models.training.data import VAL_FILE, read_passages

    examples = [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parent.parent / "examples").iterdir())]
    texts = examples + [p.text for p in read_passages(data_folder / VAL_FILE)]
    assert sum("\n\n" in t for t in texts) > 100  # many have paragraphs to split
    for text in texts:
        assert [(s.start, s.end) for s in split_sentences(text)] == _whole(text), text[:200]


@pytest.mark.parametrize("text", [
    "1. \n \n 2. two 2. two", "\n\t\n\n   \n\n1. \n \n\nand more", "Wow!- item one \n \n1.\n\t\nHello there.",
    "a\r\n\r\nb", "\n\n\n", "x\n \n", "End.\n\n" * 3 + "tail",
])
def test_odd_paragraph_breaks_keep_offsets(text):
    sentences = split_sentences(text)
    assert all(text[s.start : s.end] == s.text and s.text.strip() for s in sentences)
    assert all(a.end <= b.start for a, b in zip(sentences, sentences[1:]))


def test_an_edited_paragraph_is_split_afresh_and_the_others_reused():
    from biaslsp.models.text import segment

    first = "We are hiring.\nGreat team.\n\nRequirements:\n- five years of Python"
    edited = first.replace("five years", "ten years") + "\n\nApply now. Thanks!"
    split_sentences(first)
    cached = dict(segment._block_cache)
    got = split_sentences(edited)
    assert [s.text for s in got] == ["We are hiring.", "Great team.", "Requirements:", "ten years of Python", "Apply now.", "Thanks!"]
    assert segment._block_cache["We are hiring.\nGreat team."] is cached["We are hiring.\nGreat team."]  # reused, not re-split
    assert [(s.start, s.end) for s in got] == _whole(edited)
