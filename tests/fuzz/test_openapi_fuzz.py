"""schemathesis against our own OpenAPI document, as every kind of caller.

Each generated request is sent anonymously and as a resident, a party member, a
micro-grid leader, a member-unit handler and a street admin of a small street;
no answer may be a 5xx or break the schema the document gives for it, and every
error message a person may read is in Chinese.
"""
import contextvars
import re

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
HAN = re.compile(r"[\u4e00-\u9fff]")


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
        if response.status_code >= 400:
            untranslated = [m for m in _messages_for_people(response.json()) if not HAN.search(m)]
            assert not untranslated, f"{case.method} {case.path}: {untranslated}"


def _messages_for_people(body: dict):
    """The envelope's message and every field message under details.fields: what a user may read."""
    yield body["message"]
    pending = [body.get("details", {}).get("fields", {})]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
