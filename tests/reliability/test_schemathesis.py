"""schemathesis against the live server's own /openapi.json (token in the header): every
generated request, for every operation, gets a documented status and a body matching the
schema, never a 5xx. (Operations' strategies are driven with hypothesis directly: the
schemathesis pytest plugin does not run on this pytest.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance
from serverharness import start_server

EXAMPLES = 60  # per operation


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("schemathesis"), "--set", "rest_rate=100000", "--set", "rest_burst=100000",
                       "--set", "max_text_chars=2000", "--log-level", "warning")
    yield srv
    srv.stop()


def operations(live):
    schema = schemathesis.openapi.from_url(f"{live.base}/openapi.json", headers=live.auth)
    ops = [r.ok() for r in schema.get_all_operations()]
    assert {f"{op.method.upper()} {op.path}" for op in ops} >= {"GET /health", "GET /v1/info", "POST /v1/analyze", "POST /v1/rewrite"}
    return ops


def test_api_conforms_to_its_schema(live, figures):
    calls = {}
    for op in operations(live):
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def run(case):
            # limits are set at run time (--set max_candidates=..., max_text_chars=...), so a schema-valid
            # request may exceed the live limit and get its documented 413/422: not checked here
            response = case.call_and_validate(headers=live.auth, excluded_checks=[positive_data_acceptance])
            assert response.status_code < 500, response.text
            calls[case.operation.label] = calls.get(case.operation.label, 0) + 1

        run()
    figures["schemathesis"] = {"operations": len(calls), "calls": sum(calls.values()), "server_errors": 0}
    assert live.proc.poll() is None
