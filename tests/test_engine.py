"""The engine end to end on the embedded default model (no mocks)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from biaslsp.models import LABELS, Engine, InputTooLargeError, InvalidInputError, ModelLoadError
from biaslsp.models.embedded.classifier import WEIGHTS_DIR, EmbeddedClassifier

BIASED = "We want young, energetic rockstar ninjas who are digital natives."
NEUTRAL = "The role involves preparing monthly financial reports for the finance team."


def test_result_shape_and_offsets(engine):
    text = f"{NEUTRAL}\n\n- {BIASED}\n- He/she must be a native English speaker."
    a = engine.analyze(text)
    assert [s.text for s in a.sentences] == [text[s.start : s.end] for s in a.sentences]
    for s in a.sentences:
        assert set(s.scores) == set(LABELS)
        assert all(0.0 <= v <= 1.0 for v in s.scores.values())
        assert set(s.labels) <= set(LABELS)
        assert all(s.scores[l] >= engine.thresholds[l] for l in s.labels)
        for span in s.spans:
            assert s.start <= span.start < span.end <= s.end
            assert text[span.start : span.end] == span.text
            assert span.label in s.labels
    assert set(a.labels) == {l for s in a.sentences for l in s.labels}
    assert a.summary.sentences == len(a.sentences)
    assert 0 <= a.summary.score <= 100


def test_biased_sentences_flagged_neutral_not(engine):
    a = engine.analyze(f"{BIASED} {NEUTRAL}")
    biased, neutral = a.sentences
    assert biased.labels, biased.scores
    assert not neutral.labels, neutral.scores
    assert a.summary.score < 100


def test_spans_point_at_the_words(engine):
    text = "He/she must be a native English speaker."
    s = engine.analyze(text).sentences[0]
    spans = {sp.text.lower() for sp in s.spans}
    assert spans & {"he/she", "native english speaker"}, s


@pytest.mark.parametrize(("noise", "latin_part"), [("🎉🚀 招聘信息 — 😀 ", "— "), ("Ελληνικά ", ""), ("📍 London · مرحبا ", "London · ")])
def test_emoji_and_other_scripts_do_not_hide_bias(engine, noise, latin_part):
    """The English-only model must not go quiet because a line also holds emoji or CJK/Greek/Arabic words.

    Compared with the same line without them: English words in the noise ("London") are
    context the model may weigh (the three-head model's He/she score drops below its
    threshold after "London ·"); emoji and other scripts must not count at all."""
    plain = engine.analyze(latin_part + "He/she must be a native English speaker.")
    noisy = engine.analyze(noise + "He/she must be a native English speaker.")
    assert plain.labels
    assert noisy.labels == plain.labels
    assert [sp.text for s in noisy.sentences for sp in s.spans] == [sp.text for s in plain.sentences for sp in s.spans]


def test_rewrite_is_verified_and_only_touches_spans(engine):
    text = "He/she will manage the budget."
    s = engine.analyze(text).sentences[0]
    assert "sexuality" in s.labels and s.rewrites, s
    best = s.rewrites[0]
    assert best.verified and "sexuality" in best.cleared
    assert best.text == "They will manage the budget."
    # every edit stays inside a flagged span
    for e in best.edits:
        assert any(sp.start <= e.start and e.end <= sp.end for sp in s.spans), (e, s.spans)


def test_rewrite_does_not_repeat_a_replacement_within_a_list(engine):
    """'young, energetic' both map to 'enthusiastic': a candidate must not read 'enthusiastic, enthusiastic'."""
    rewrites = engine.rewrite("We want young, energetic rockstar ninjas.")
    assert rewrites
    for r in rewrites:
        assert not re.search(r"\b(\w+)(?:,| and| or) \1\b", r.text, re.I), r.text


def test_rewrites_keep_number_and_articles(engine):
    rewrites = engine.rewrite("We need an aggressive, competitive self-starter.", labels=["masculine"])
    assert rewrites and all(" an proactive" not in r.text and " a aggressive" not in r.text for r in rewrites)
    plural = engine.rewrite("Join our team of coding ninjas.", labels=["masculine"])
    assert plural and plural[0].text == "Join our team of skilled programmers."


def test_unverified_rewrites_rank_last(engine):
    rewrites = engine.rewrite("Applicants must be native English speakers and digital natives.")
    flags = [r.verified for r in rewrites]
    assert flags == sorted(flags, reverse=True)


def test_pronoun_rewrite_keeps_grammar(engine):
    rewrites = engine.rewrite("He/she manages the team and has a budget.", labels=["sexuality"])
    assert rewrites and rewrites[0].text.startswith("They manage the team")


def test_reanalysis_reuses_unchanged_sentences(engine):
    class Counting:
        def __init__(self, inner):
            self.inner, self.name, self.labels, self.thresholds = inner, inner.name + "+count", inner.labels, inner.thresholds
            self.seen: list[str] = []

        def predict(self, sentences):
            self.seen += list(sentences)
            return self.inner.predict(sentences)

    counting = Counting(engine.classifier)
    e = Engine(counting)
    doc = "\n".join(f"Sentence number {i} describes the daily work." for i in range(30))
    e.analyze(doc, rewrites=False)
    counting.seen.clear()
    edited = doc.replace("number 7 describes", "number 7 explains")
    e.analyze(edited, rewrites=False)
    assert counting.seen == ["Sentence number 7 explains the daily work."]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\x00\x00", "😀😀 🎉", "日本語の求人です。若い人を募集。", "نبحث عن موظف شاب ونشيط.", "a" * 5000, "\u202eevil\u202c text."],
)
def test_odd_input_never_crashes(engine, text):
    a = engine.analyze(text)
    assert all(text[s.start : s.end] == s.text for s in a.sentences)


def test_size_limit_and_types(engine):
    small = Engine(engine.classifier, max_chars=100)
    with pytest.raises(InputTooLargeError, match="limit"):
        small.analyze("x" * 101)
    with pytest.raises(InvalidInputError):
        engine.analyze(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        engine.analyze(None)  # type: ignore[arg-type]


def test_five_megabytes_is_refused_clearly(engine):
    with pytest.raises(InputTooLargeError, match="limit is 1,000,000"):
        engine.analyze("We are hiring. " * 350_000)


def test_markdown_code_not_checked(engine):
    md = "Intro line.\n\n```\nWe want young rockstar ninjas who are digital natives.\n```\n"
    a = engine.analyze(md, fmt="markdown")
    assert not a.labels


def copy_of_shipped_model(folder: Path, edit_config) -> Path:
    """The shipped model folder copied to `folder`, its config.json changed by `edit_config`."""
    shutil.copytree(WEIGHTS_DIR, folder)
    config = json.loads((folder / "config.json").read_text())
    edit_config(config)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_a_model_folder_of_the_older_mean_pooled_format_gets_a_clear_error(tmp_path):
    folder = copy_of_shipped_model(tmp_path / "old-model", lambda c: c.pop("pooling"))
    with pytest.raises(ModelLoadError, match="older format.*retrain"):
        EmbeddedClassifier.load(folder)


def test_weights_that_do_not_fit_the_config_fail_clearly(tmp_path):
    """A config naming more token heads than classifier.safetensors holds is a clear load error, not a torch trace."""
    folder = copy_of_shipped_model(tmp_path / "mixed-model", lambda c: c.update(heads=c.get("heads", 1) + 1))
    with pytest.raises(ModelLoadError, match="does not fit config.json.*retrain"):
        EmbeddedClassifier.load(folder)


def test_a_one_head_model_written_before_ensembles_still_loads(tmp_path):
    """Folders from the one-head build have no "heads" and no member index in their tensor names."""
    from safetensors.torch import load_file, save_file

    folder = copy_of_shipped_model(tmp_path / "one-head", lambda c: c.pop("heads"))
    tensors = load_file(str(folder / "classifier.safetensors"))
    first = {k.replace("head.members.0.", "head."): v for k, v in tensors.items() if k.startswith("head.members.0.")}
    save_file(first, str(folder / "classifier.safetensors"))
    sentence = "He/she must be a native English speaker."
    alone = EmbeddedClassifier.load(folder).predict([sentence])[0]
    folder_new = copy_of_shipped_model(tmp_path / "one-member", lambda c: c.update(heads=1))
    save_file({k: v for k, v in tensors.items() if k.startswith("head.members.0.")}, str(folder_new / "classifier.safetensors"))
    assert alone == EmbeddedClassifier.load(folder_new).predict([sentence])[0]


def test_head_ensemble_averages_its_members_probabilities():
    """Why an ensemble: one seed's head is noisy; the shipped score is the mean of the members' probabilities."""
    import torch

    from biaslsp.models.embedded.token_head import make_head_ensemble, make_token_head

    torch.manual_seed(0)
    members = [make_token_head(8, 3, 4).eval() for _ in range(3)]
    states, segments = torch.randn(7, 8), torch.tensor([0, 0, 0, 1, 1, 2, 2])
    with torch.no_grad():
        alone = [torch.sigmoid(m(states, segments, 3)) for m in members]
        together = torch.sigmoid(make_head_ensemble(members).eval()(states, segments, 3))
        single = make_head_ensemble(members[:1]).eval()(states, segments, 3)
    assert torch.allclose(together, torch.stack(alone).mean(0), atol=1e-6)
    assert not torch.allclose(together, alone[0], atol=1e-3)
    assert torch.equal(single, members[0](states, segments, 3))


# the model flags these at its thresholds, but no listed term or phrase rule backs the label and
# its score is under the evidence gate (each was a wrong flag or a good rewrite rejected)
UNBACKED = [
    ("Become a member of an international team of scientists with expertise in chemistry.", "age"),
    ("We are looking for a dynamic & motivated person who will enjoy servicing new & existing customers.", "age"),
]


@pytest.mark.parametrize(("sentence", "label"), UNBACKED)
def test_a_label_only_the_model_gives_needs_a_sure_score(engine, sentence, label):
    score = engine.score([sentence])[0][label]
    assert engine.thresholds[label] <= score < engine.evidence_gate  # flagged by the threshold alone
    assert label not in engine.analyze_sentences([sentence], rewrites=False)[0].labels
    ungated = Engine(engine.classifier, terms=engine.terms, evidence_gate=0.0)
    assert label in ungated.analyze_sentences([sentence], rewrites=False)[0].labels


def test_a_listed_term_keeps_a_low_scored_label(engine):
    sentence = "You are a highly confident, passionate, people-oriented individual who operates with high urgency."
    score = engine.score([sentence])[0]["masculine"]
    r = engine.analyze_sentences([sentence], rewrites=False)[0]
    assert score < engine.evidence_gate and "masculine" in r.labels
    assert any(s.label == "masculine" and s.text == "confident" for s in r.spans)


def test_the_shipped_model_sets_its_evidence_gate():
    config = json.loads((WEIGHTS_DIR / "config.json").read_text(encoding="utf-8"))
    assert EmbeddedClassifier.load().evidence_gate == config["evidence_gate"] > max(config["thresholds"].values())
