"""Detection beyond the classifier: phrase-level rules, the spans that carry a label, the term table."""
