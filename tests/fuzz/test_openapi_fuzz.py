"""schemathesis against our own OpenAPI document, as every kind of caller.

Each generated request is sent anonymously and as a resident, a party member, a
micro-grid leader, a member-unit handler and a street admin of a small street;
no answer may be a 5xx or break the schema the document gives for it.
"""
import contextvars

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from backend.app import create_app
from backend.auth.services import issue_access_token
from backend.core.db import db

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
FUZZ_EXAMPLES = 15


def _published_document() -> dict:
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.test_client().get("/api/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_published_document())


@pytest.fixture
def callers(make_user, tree):
    people = {
        "resident": make_user(grid_id=tree["a1"].id),
        "party_member": make_user(roles=[("party_member", tree["a1"], {"party_kind": "in_service"})]),
        "leader": make_user(roles=[("grid_leader", tree["a1"])]),
        "handler": make_user(roles=[("handler", tree["a"])]),
        "street_admin": make_user(roles=[("street_admin", tree["street"])]),
    }
    headers = {role: {"Authorization": f"Bearer {issue_access_token(user)[0]}"} for role, user in people.items()}
    db.session.commit()
    return {"anonymous": {}, **headers}


@schema.parametrize()
@hypothesis.settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(hypothesis.HealthCheck))
def test_no_server_errors_and_answers_match_the_schema(case, callers, app):
    for headers in callers.values():
        # An empty context: the request gets its own app context and session, as in production.
        response = contextvars.Context().run(case.call, app=app, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
