"""The caller, as the gateway's headers and the identity table say."""

from __future__ import annotations

import pytest

from sagemaker_studio_mlflow.server.identity import (
    ANONYMOUS,
    Caller,
    DuplicateGatewayHeaderError,
    Identity,
    caller_from_headers,
    gateway_headers,
    principal_key,
    proof_matches,
)

PROOF = "p" * 48
PREVIOUS = "q" * 48
ADMIN_ROLE = "arn:aws:sts::123456789012:assumed-role/studio-alice"
IDENTITIES = {
    ADMIN_ROLE: Identity("alice", ("admins",)),
    "arn:aws:iam::000000000000:user/reader": Identity("reader", ("readers",)),
}


def headers(**values: str) -> dict[str, str]:
    return {f"x-gateway-{name.replace('_', '-')}": value for name, value in values.items()}


def test_proof_is_the_current_or_the_previous_one() -> None:
    assert proof_matches(PROOF, [PROOF, PREVIOUS])
    assert proof_matches(PREVIOUS, [PROOF, PREVIOUS])
    assert not proof_matches(PROOF[:-1], [PROOF])
    assert not proof_matches(PROOF + "x", [PROOF])
    assert not proof_matches("", [PROOF])
    assert not proof_matches(None, [PROOF])
    assert not proof_matches(PREVIOUS, [PROOF])


@pytest.mark.parametrize(
    ("principal", "key"),
    [
        (f"{ADMIN_ROLE}/SageMaker", ADMIN_ROLE),
        (f"{ADMIN_ROLE}/botocore-session-1234", ADMIN_ROLE),
        (ADMIN_ROLE, ADMIN_ROLE),
        ("arn:aws:iam::000000000000:user/admin", "arn:aws:iam::000000000000:user/admin"),
        ("arn:aws:iam::123456789012:role/path/x", "arn:aws:iam::123456789012:role/path/x"),
    ],
)
def test_principal_key_removes_an_assumed_roles_session(principal: str, key: str) -> None:
    assert principal_key(principal) == key


def test_an_iam_caller_is_named_by_the_identity_table_not_by_headers() -> None:
    caller = caller_from_headers(
        headers(
            authorization="iam",
            principal=f"{ADMIN_ROLE}/SageMaker",
            roles="readers",
            request_id="req-1",
        ),
        IDENTITIES,
    )
    assert caller == Caller("alice", f"{ADMIN_ROLE}/SageMaker", ("admins",), "iam", "req-1")


def test_an_unknown_iam_principal_has_no_roles() -> None:
    principal = "arn:aws:sts::123456789012:assumed-role/other/SageMaker"
    caller = caller_from_headers(
        headers(authorization="iam", principal=principal, roles="admins"), IDENTITIES
    )
    assert caller.roles == ()
    assert caller.user == principal


def test_a_token_caller_has_the_groups_of_the_roles_header() -> None:
    caller = caller_from_headers(
        headers(authorization="token", principal="carol", roles="readers, model-approvers,"),
        IDENTITIES,
    )
    assert (caller.user, caller.roles) == ("carol", ("readers", "model-approvers"))


@pytest.mark.parametrize("authorization", ["none", "", "IAM", "admin"])
def test_anyone_else_is_anonymous_without_roles(authorization: str) -> None:
    caller = caller_from_headers(
        headers(authorization=authorization, principal="mallory", roles="admins"), IDENTITIES
    )
    assert (caller.user, caller.roles) == (ANONYMOUS, ())


def test_gateway_headers_are_read_once_each() -> None:
    raw = [(b"X-Gateway-Proof", b"abc"), (b"content-type", b"x"), (b"x-gateway-roles", b"a")]
    assert gateway_headers(raw) == {"x-gateway-proof": "abc", "x-gateway-roles": "a"}
    with pytest.raises(DuplicateGatewayHeaderError):
        gateway_headers([(b"x-gateway-proof", b"a"), (b"X-Gateway-Proof", b"b")])
