"""A deterministic ~1,000-word job ad for benchmarks (written for this project, no data copied)."""

from __future__ import annotations

import random

OPENERS = [
    "Our platform team builds the services that move money for {n} customers every day.",
    "You will own the design and delivery of backend features for the {n} markets we serve.",
    "The team works closely with product, design and support across {n} time zones.",
    "We review every pull request within a day and deploy to production {n} times a week.",
    "Each quarter you will set goals with your manager and track them in {n} short check-ins.",
    "Our office is a short walk from the station and has {n} quiet rooms for focused work.",
    "The on-call rotation is shared by {n} engineers and is paid as overtime.",
    "We document our decisions in short design notes that anyone can comment on within {n} days.",
    "You will mentor {n} engineers and help them grow their skills through pairing.",
    "Training budgets of {n} euros a year are available for courses and conferences.",
]
BIASED = [
    "We want a young and energetic rockstar who can crush it in a competitive environment.",
    "He/she must be a native English speaker with a strong personality.",
    "Recent graduates from top-tier universities are preferred.",
    "Must be able to lift 50 pounds and stand for long periods.",
    "We are looking for a digital native to join our tribe.",
]


def job_ad(words: int = 1000, seed: int = 7, biased_every: int = 8) -> str:
    """An ad of about `words` words: neutral sentences with a biased one every few lines."""
    rng = random.Random(seed)
    lines: list[str] = ["# Senior Backend Engineer", "", "## About the role", ""]
    count, i = 0, 0
    while count < words:
        if i % biased_every == biased_every - 1:
            s = BIASED[(i // biased_every) % len(BIASED)]
        else:
            s = rng.choice(OPENERS).format(n=rng.randint(2, 900))
        lines.append(f"- {s}" if i % 3 == 0 else s)
        count += len(s.split())
        i += 1
    return "\n".join(lines) + "\n"


def edit_one_sentence(text: str, k: int) -> str:
    """The same document with one sentence changed (a number bumped), as a user edit would."""
    lines = text.split("\n")
    idx = [i for i, l in enumerate(lines) if any(ch.isdigit() for ch in l)]
    j = idx[k % len(idx)]
    lines[j] = lines[j].replace(" every day", f" every day ({k})", 1) if " every day" in lines[j] else lines[j].rstrip(".") + f" (v{k})."
    return "\n".join(lines)
