"""How a `biaslsp serve` proves to a client that it is the user's server, without the
client sending the token first.

The client picks a random challenge and asks `GET /health?challenge=C` (an open route).
The server answers with HMAC-SHA256(token, "biaslsp-health-proof-v1", its port, C). Only
a server that holds the user's token can answer; the port is in the message so another
process cannot relay the real server's answer from a different port. The client sends
its token (in an Authorization header) and document text only after the answer checks.
"""

from __future__ import annotations

import hashlib
import hmac
import re

SERVICE = "biaslsp"
_CHALLENGE = re.compile(r"[0-9a-f]{32,128}")


def valid_challenge(challenge: str | None) -> bool:
    return bool(challenge) and _CHALLENGE.fullmatch(challenge) is not None


def proof(token: str, port: int, challenge: str) -> str:
    """The answer to `challenge` from a server on `port` that holds `token`."""
    message = f"biaslsp-health-proof-v1\n{int(port)}\n{challenge}".encode("ascii")
    return hmac.new(token.encode("utf-8", "surrogatepass"), message, hashlib.sha256).hexdigest()


def health_answer(token: str, port: int, challenge: str | None) -> dict[str, str]:
    """The /health body: liveness and, when asked with a challenge, the service name and the proof."""
    if not valid_challenge(challenge):
        return {"status": "ok"}
    return {"status": "ok", "service": SERVICE, "proof": proof(token, port, challenge)}  # type: ignore[arg-type]


def proof_matches(answer: object, token: str, port: int, challenge: str) -> bool:
    return isinstance(answer, str) and hmac.compare_digest(answer, proof(token, port, challenge))
