"""Settings: defaults < initializationOptions < workspace/configuration < .biaslsp.toml.

The project file wins over editor settings for the keys it sets (editors such as VS Code
send every setting with its default filled in); allow and deny lists are unioned over
all layers. Keys are camelCase; the TOML file may also use snake_case or a [biaslsp] table.

A project file comes with the repository, so it is not trusted with where text goes:
`serverUrl` and `serverToken` there are ignored with a warning (USER_ONLY).
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from lsprotocol import types

from biaslsp.models import LABELS

PROJECT_FILE = ".biaslsp.toml"
SECTION = "biaslsp"
DEFAULT_MAX_DOCUMENT_SIZE = 1_000_000

SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


@dataclass(frozen=True)
class Settings:
    categories: tuple[str, ...] = LABELS  # enabled categories
    thresholds: dict[str, float] = field(default_factory=dict)  # label -> score threshold (0..1)
    allow: tuple[str, ...] = ()  # terms never reported
    deny: tuple[str, ...] = ()  # terms always reported (category "general")
    severity: str = "information"  # or "error", "warning", "hint"
    severities: dict[str, str] = field(default_factory=dict)  # per-category override
    include: tuple[str, ...] = ()  # globs (relative to the workspace); empty = everything
    exclude: tuple[str, ...] = ()
    debounce: int = 250  # milliseconds
    maxDocumentSize: int = DEFAULT_MAX_DOCUMENT_SIZE  # characters
    serverUrl: str = ""  # e.g. ws://127.0.0.1:8750 ; empty = in-process engine
    serverToken: str = ""

    def severity_for(self, label: str) -> types.DiagnosticSeverity:
        name = self.severities.get(label, self.severity)
        return SEVERITIES.get(str(name).lower(), types.DiagnosticSeverity.Information)

    def is_allowed(self, text: str) -> bool:
        low = text.lower()
        return any(_term_in(t.lower(), low) for t in self.allow if t.strip())

    def applies_to(self, path: str | None, root: str | None) -> bool:
        """Whether include/exclude globs let a document through."""
        if not path:
            return True
        rel = path
        if root:
            try:
                rel = Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
            except ValueError:
                rel = Path(path).as_posix()
        if self.include and not any(_glob(rel, g) for g in self.include):
            return False
        return not any(_glob(rel, g) for g in self.exclude)


KEYS = {f.name for f in fields(Settings)}
USER_ONLY = frozenset({"serverUrl", "serverToken"})  # decide where document text (and the token) go
_NORMAL = {re.sub(r"[_\-]", "", k).lower(): k for k in KEYS}


def _term_in(term: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text) is not None


def _glob(rel: str, pattern: str) -> bool:
    pattern = pattern.lstrip("./") if pattern.startswith("./") else pattern
    if fnmatch.fnmatch(rel, pattern):
        return True
    # "**/x" also matches "x" at the root; "dir/**" matches everything under dir
    if pattern.startswith("**/") and fnmatch.fnmatch(rel, pattern[3:]):
        return True
    return False


def _as_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value if str(v).strip())
    raise ValueError(f"expected a list of strings, got {type(value).__name__}")


def normalise(raw: Any, refused: frozenset[str] = frozenset()) -> tuple[dict[str, Any], list[str]]:
    """Known keys with checked values from one layer, and a list of problems; keys in
    `refused` are dropped with a problem each."""
    if not isinstance(raw, dict):
        return {}, ([] if raw is None else [f"settings must be an object, got {type(raw).__name__}"])
    if isinstance(raw.get(SECTION), dict):
        raw = {**{k: v for k, v in raw.items() if k != SECTION}, **raw[SECTION]}
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in raw.items():
        name = _NORMAL.get(re.sub(r"[_\-]", "", str(key)).lower())
        if name is None or value is None:
            continue
        if name in refused:
            problems.append(f"{key} is not allowed in a project file, which comes with the repository and could "
                            f"send your text and token elsewhere; set biaslsp.{name} in your own editor settings")
            continue
        try:
            out[name] = _check(name, value)
        except (TypeError, ValueError) as exc:
            problems.append(f"{key}: {exc}")
    return out, problems


def _check(name: str, value: Any) -> Any:
    if name == "categories":
        cats = tuple(c.lower() for c in _as_list(value))
        unknown = [c for c in cats if c not in LABELS]
        if unknown:
            raise ValueError(f"unknown categories {unknown}; known: {list(LABELS)}")
        return cats
    if name in {"allow", "deny", "include", "exclude"}:
        return _as_list(value)
    if name == "thresholds":
        if not isinstance(value, dict):
            raise ValueError("expected a table of category = number")
        out = {}
        for k, v in value.items():
            if k not in LABELS:
                raise ValueError(f"unknown category {k!r}")
            f = float(v)
            if not 0.0 <= f <= 1.0:
                raise ValueError(f"threshold for {k} must be between 0 and 1")
            out[k] = f
        return out
    if name == "severity":
        if isinstance(value, dict):  # per-category table
            return {"__table__": {k: _check_severity(v) for k, v in value.items()}}
        return _check_severity(value)
    if name == "severities":
        return {k: _check_severity(v) for k, v in dict(value).items()}
    if name in {"debounce", "maxDocumentSize"}:
        n = int(value)
        if n < 0:
            raise ValueError("must not be negative")
        return n
    if name == "serverUrl":
        from .remote import check_server_url

        return check_server_url(str(value))  # ValueError says why, without the URL's secrets
    if name == "serverToken":
        from .redact import remember

        token = str(value).strip()
        remember(token)
        return token
    return value


def _check_severity(value: Any) -> str:
    s = str(value).lower()
    if s not in SEVERITIES:
        raise ValueError(f"unknown severity {value!r}; use error, warning, information or hint")
    return s


def merge(*layers: dict[str, Any]) -> Settings:
    """Later layers win; allow/deny are unioned."""
    values: dict[str, Any] = {}
    allow: list[str] = []
    deny: list[str] = []
    for layer in layers:
        for k, v in layer.items():
            if k == "allow":
                allow += [t for t in v if t not in allow]
            elif k == "deny":
                deny += [t for t in v if t not in deny]
            elif k == "severity" and isinstance(v, dict):
                values["severities"] = {**values.get("severities", {}), **v["__table__"]}
            elif k == "thresholds":
                values["thresholds"] = {**values.get("thresholds", {}), **v}
            else:
                values[k] = v
    return replace(Settings(), **values, allow=tuple(allow), deny=tuple(deny))


def read_project_file(root: str | None) -> tuple[dict[str, Any], list[str]]:
    if not root:
        return {}, []
    path = Path(root) / PROJECT_FILE
    if not path.is_file():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"{path}: {exc}"]
    values, problems = normalise(data, refused=USER_ONLY)
    return values, [f"{path}: {p}" for p in problems]


def update_project_file(root: str, key: str, value: Any) -> Path:
    """Set one key of .biaslsp.toml (creating it), keeping the other keys."""
    path = Path(root) / PROJECT_FILE
    data: dict[str, Any] = {}
    if path.is_file():
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    if isinstance(data.get(SECTION), dict):
        data = {**{k: v for k, v in data.items() if k != SECTION}, **data[SECTION]}
    data[key] = value
    path.write_text(dump_toml(data), encoding="utf-8")
    return path


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def _toml_key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else _toml_value(k)


def dump_toml(data: dict[str, Any]) -> str:
    lines = ["# biaslsp project settings (see lsp/README.md)"]
    lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items()]
    return "\n".join(lines) + "\n"
