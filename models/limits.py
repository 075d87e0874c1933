"""Input limits, in a module of their own so that front-ends check them before loading any model."""

DEFAULT_MAX_CHARS = 1_000_000  # characters of one document
