"""Specific exceptions raised by the engine; front-ends turn them into messages or error frames."""


class BiaslspError(Exception):
    """Base class: every error the engine raises on purpose."""

    code = "error"


class InputTooLargeError(BiaslspError):
    """The text is over the configured size limit (checked before any work is done)."""

    code = "too_large"

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"text is {size:,} characters; the limit is {limit:,} characters")
        self.size = size
        self.limit = limit


class InvalidInputError(BiaslspError):
    """The input cannot be analysed (wrong type, undecodable bytes...)."""

    code = "invalid_input"


class ModelLoadError(BiaslspError):
    """A model directory is missing, incomplete or incompatible with this machine."""

    code = "model_load"


class DataError(BiaslspError):
    """Training or evaluation data is missing or malformed."""

    code = "data"
