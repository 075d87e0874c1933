"""Request and response shapes for the REST API; they make /openapi.json describe it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, StrictStr

# One set of field types for REST bodies and websocket frames, all strict (no "yes" for true, no
# 1.0 for 1), so the two transports accept and refuse exactly the same values.
MAX_ID = 256
MAX_INT = 2**53  # what a JavaScript client can send exactly
Label = Literal["age", "disability", "feminine", "general", "masculine", "racial", "sexuality"]
Format = Literal["text", "markdown", "html"]
Count = Annotated[StrictInt, Field(ge=0, lt=MAX_INT)]
Candidates = Annotated[StrictInt, Field(ge=1, le=64, description="candidates wanted (at most limits.max_candidates)")]


def has_surrogate(s: str) -> bool:
    """A lone UTF-16 surrogate (JSON `"\\ud800"`): valid JSON, but not encodable as UTF-8."""
    if s.isascii():
        return False
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _identifier(value: Any) -> str | int:
    """A doc or rewrite id: echoed in every answer, so it must be short and encodable."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"must be a non-empty string or integer (at most {MAX_ID} characters)")
    if isinstance(value, int):
        if not -MAX_INT < value < MAX_INT:
            raise ValueError("must be an integer of magnitude below 2**53, or a string")
        return value
    if not value or len(value) > MAX_ID:
        raise ValueError(f"must be a non-empty string or integer (at most {MAX_ID} characters)")
    if has_surrogate(value):
        raise ValueError("must not contain a lone surrogate (\\ud800-\\udfff)")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Identifier = Annotated[Any, BeforeValidator(_identifier)]
Sentence = Annotated[StrictStr, AfterValidator(_not_blank), Field(min_length=1, description="one sentence to rewrite")]


class AnalyzeRequest(BaseModel):
    """POST /v1/analyze; the websocket's `analyze` frame is this plus doc, version and cursor."""

    model_config = ConfigDict(extra="forbid")
    text: StrictStr = Field(description="the job ad (UTF-8 text)")
    format: Format = "text"
    rewrites: StrictBool = True


class RewriteRequest(BaseModel):
    """POST /v1/rewrite; the websocket's `rewrite` frame by text is this plus an id."""

    model_config = ConfigDict(extra="forbid")
    text: Sentence
    labels: list[Label] | None = None
    n: Candidates | None = None


class AnalyzeFrame(AnalyzeRequest):
    model_config = ConfigDict(extra="ignore")  # frames may carry fields for newer servers
    type: Literal["analyze"]
    doc: Identifier
    version: Count
    cursor: Count | None = None


class RewriteFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["rewrite"]
    id: Identifier
    labels: list[Label] | None = None
    n: Candidates | None = None
    text: Sentence | None = None  # either the sentence itself ...
    doc: Identifier | None = None  # ... or a range of a document sent with `analyze`
    version: Count | None = None
    start: Count | None = None
    end: Count | None = None


class CancelFrame(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: Literal["cancel"]
    doc: Identifier


def describe(errors: Sequence[Any]) -> str:
    """The first of pydantic's `errors()` as `field: message`, the same words on REST and on the websocket."""
    first = errors[0] if errors else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    return f"{where or 'body'}: {message}"


class SpanModel(BaseModel):
    start: int
    end: int
    label: str
    text: str
    source: str
    explanation: str = ""  # this label's explanation (a sentence flagged twice shows two)


class EditModel(BaseModel):
    start: int
    end: int
    new_text: str


class RewriteModel(BaseModel):
    text: str
    edits: list[EditModel]
    cleared: list[str]
    remaining: list[str]
    verified: bool
    score: float
    source: str
    meaning: float | None = None  # cosine with the original (biased wording masked), when measured
    preferred: bool = False  # the one verified rewrite a "Fix all" applies


class SentenceModel(BaseModel):
    start: int
    end: int
    text: str
    scores: dict[str, float]
    labels: list[str]
    spans: list[SpanModel]
    explanation: str
    rewrites: list[RewriteModel]
    guidance: str = ""  # what to write instead when no verified rewrite exists


class SummaryModel(BaseModel):
    sentences: int
    flagged_sentences: int
    counts: dict[str, int]
    score: int
    masculine: int
    feminine: int
    balance: str
    findings: int = 0


class AnalysisModel(BaseModel):
    length: int
    labels: list[str]
    sentences: list[SentenceModel]
    summary: SummaryModel


class RewriteResponse(BaseModel):
    candidates: list[RewriteModel]


class ModelsInfo(BaseModel):
    classifier: str
    rewriter: str
    rewriter_streams: bool


class InfoModel(BaseModel):
    version: str
    labels: list[str]
    models: ModelsInfo
    thresholds: dict[str, float]
    device: str
    limits: dict[str, int | float]
    scheduler: dict[str, int | float]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorModel(BaseModel):
    error: ErrorDetail


class HealthModel(BaseModel):
    status: Literal["ok"]
    service: Literal["biaslsp"] | None = Field(None, description="with ?challenge= only")
    proof: str | None = Field(None, description="HMAC of ?challenge= with the token (biaslsp/identity.py)")
