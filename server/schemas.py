"""Request and response shapes for the REST API; they make /openapi.json describe it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="the job ad (UTF-8 text)")
    format: Literal["text", "markdown", "html"] = "text"
    rewrites: bool = True


class RewriteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, description="one sentence to rewrite")
    labels: list[Literal["age", "disability", "feminine", "general", "masculine", "racial", "sexuality"]] | None = None
    n: int | None = Field(default=None, ge=1, le=64, description="candidates wanted (at most limits.max_candidates)")


class SpanModel(BaseModel):
    start: int
    end: int
    label: str
    text: str
    source: str


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


class SentenceModel(BaseModel):
    start: int
    end: int
    text: str
    scores: dict[str, float]
    labels: list[str]
    spans: list[SpanModel]
    explanation: str
    rewrites: list[RewriteModel]


class SummaryModel(BaseModel):
    sentences: int
    flagged_sentences: int
    counts: dict[str, int]
    score: int
    masculine: int
    feminine: int
    balance: str


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
