"""infrastructure/dynamodb.yaml and the runtime role in iam.yaml match what the DynamoDB store uses.

The store's design wins: tables, keys, indexes and TTL come from ``runtime.store.dynamodb_tables``
(recorded by running ``create_tables`` against a recording client), and the IAM actions from the
client calls in ``runtime/store/dynamodb_store.py``, so a new call or index there fails here until
the templates follow.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from bot_spec.formats.cloudformation import load_template
from runtime.store import dynamodb_store
from runtime.store.dynamodb_tables import create_tables

INFRA = Path(__file__).resolve().parents[2] / "infrastructure"
STORE_FILES = [Path(dynamodb_store.__file__), *sorted((Path(dynamodb_store.__file__).parent / "dynamodb").glob("*.py"))]
STORE_SOURCE = "\n".join(path.read_text(encoding="utf-8") for path in STORE_FILES)
ENV = "dev"
ROLE = "RuntimeTaskRole"
# Client methods that are not DynamoDB API calls.
NOT_API_CALLS = {"close", "get_waiter", "get_paginator", "can_paginate"}
# IAM has no action for the transaction calls: each action inside one needs its own permission
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html).
TRANSACT_CALLS = {"TransactWriteItems", "TransactGetItems"}
TRANSACT_ITEM_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _template(name: str) -> dict[str, Any]:
    return load_template((INFRA / f"{name}.yaml").read_text(encoding="utf-8"), name)


def _listify(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A Ref or Sub as ``${...}`` text, with ``${Env}`` filled in."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        value = sub[0] if isinstance(sub, list) else sub
    elif isinstance(value, dict) and "Ref" in value:
        value = "${" + str(value["Ref"]) + "}"
    return str(value).replace("${Env}", ENV)


# ---------------------------------------------------------------- what the store uses


class _RecordingClient:
    """Just enough of a DynamoDB client for ``create_tables``; records what it is asked to create."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Any]] = {}
        self.ttl: dict[str, dict[str, Any]] = {}

    def list_tables(self) -> dict[str, Any]:
        return {"TableNames": []}

    def create_table(self, **definition: Any) -> None:
        self.tables[definition["TableName"]] = definition

    def get_waiter(self, name: str) -> Any:
        class _Waiter:
            def wait(self, **kwargs: Any) -> None:
                pass

        return _Waiter()

    def update_time_to_live(self, *, TableName: str, TimeToLiveSpecification: dict[str, Any]) -> None:
        self.ttl[TableName] = TimeToLiveSpecification


def store_tables(prefix: str) -> _RecordingClient:
    client = _RecordingClient()
    create_tables(client, prefix)  # type: ignore[arg-type]
    assert client.tables, "create_tables created no tables"
    return client


def store_actions(source: str) -> set[str]:
    """The IAM actions behind every ``<client>.<op>(`` call in the store's source."""
    operations = {xform_name(op): op for op in botocore.session.get_session().get_service_model("dynamodb").operation_names}
    actions: set[str] = set()
    for method in sorted(set(re.findall(r"\b_client\.([a-z_]+)\(", source))):
        if method in NOT_API_CALLS:
            continue
        assert method in operations, (
            f"the store calls {method}, which is not a DynamoDB operation; add it to NOT_API_CALLS if it is not a call"
        )
        op = operations[method]
        if op in TRANSACT_CALLS:
            kinds = set(re.findall(r'"(Put|Update|Delete|ConditionCheck|Get)":\s*\{\s*"TableName"', source))
            assert kinds, f"the store calls {method} but no transaction item (Put, Update, Delete...) was found in its source"
            actions |= {f"dynamodb:{TRANSACT_ITEM_ACTIONS[k]}" for k in kinds}
        else:
            actions.add(f"dynamodb:{op}")
    return actions


# ---------------------------------------------------------------- comparisons


def _gsis(props: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {g["IndexName"]: (g["KeySchema"], g["Projection"]) for g in props.get("GlobalSecondaryIndexes", [])}


def _attributes(props: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((a["AttributeName"], a["AttributeType"]) for a in props.get("AttributeDefinitions", []))


def template_tables(template: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Table name (with ``Env`` filled in) to (logical id, properties)."""
    return {
        _text(r["Properties"]["TableName"]): (logical_id, r["Properties"])
        for logical_id, r in template["Resources"].items()
        if r["Type"] == "AWS::DynamoDB::Table"
    }


def table_mismatches(template: dict[str, Any]) -> list[str]:
    """Every way the template's tables differ from the store's."""
    prefix = _text(template["Outputs"]["TablePrefix"]["Value"])
    store = store_tables(prefix)
    tables = template_tables(template)
    problems = [f"{name}: in the template, not in the store" for name in sorted(set(tables) - set(store.tables))]
    for name, want in store.tables.items():
        if name not in tables:
            problems.append(f"{name}: the store uses it, the template has no such table")
            continue
        logical_id, got = tables[name]
        checks = {
            "KeySchema": (got.get("KeySchema"), want["KeySchema"]),
            "AttributeDefinitions": (_attributes(got), _attributes(want)),
            "GlobalSecondaryIndexes": (_gsis(got), _gsis(want)),
            "LocalSecondaryIndexes": (got.get("LocalSecondaryIndexes"), want.get("LocalSecondaryIndexes")),
            "BillingMode": (got.get("BillingMode"), want["BillingMode"]),
            "TimeToLiveSpecification": (got.get("TimeToLiveSpecification"), store.ttl.get(name)),
        }
        problems += [f"{logical_id}.{key}: template {g!r}, store {w!r}" for key, (g, w) in checks.items() if g != w]
    return problems


def _table_arn_parameters(dynamodb: dict[str, Any]) -> dict[str, str]:
    """Logical id of each table to the output (iam.yaml parameter) carrying its ARN."""
    found = {}
    for output, spec in dynamodb["Outputs"].items():
        value = spec["Value"]
        if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][1] == "Arn":
            found[value["Fn::GetAtt"][0]] = output
    return found


def _role_dynamodb_statements(iam: dict[str, Any]) -> list[dict[str, Any]]:
    resources = iam["Resources"]
    documents = [p["PolicyDocument"] for p in resources[ROLE]["Properties"].get("Policies", [])]
    documents += [
        r["Properties"]["PolicyDocument"]
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": ROLE} in r["Properties"].get("Roles", [])
    ]
    statements = [st for doc in documents for st in _listify(doc["Statement"])]
    return [st for st in statements if any(str(a).startswith("dynamodb:") for a in _listify(st.get("Action", [])))]


def permission_problems(iam: dict[str, Any], dynamodb: dict[str, Any], needed: set[str]) -> list[str]:
    """Every way the runtime role's DynamoDB permissions differ from what the store needs."""
    statements = _role_dynamodb_statements(iam)
    problems = [f"statement {st.get('Sid')}: not a plain Allow" for st in statements if st.get("Effect") != "Allow" or "Condition" in st]
    granted: dict[str, set[str]] = {}
    for st in statements:
        for action in _listify(st["Action"]):
            granted.setdefault(str(action), set()).update(_text(r) for r in _listify(st["Resource"]))
    problems += [f"{a}: the store needs it, the runtime role lacks it" for a in sorted(needed - set(granted))]
    problems += [f"{a}: the runtime role allows it, the store never uses it" for a in sorted(set(granted) - needed)]

    # The store's tables and indexes, named as iam.yaml sees them: ${<dynamodb output>}[/index/<name>].
    arn_parameters = _table_arn_parameters(dynamodb)
    logical_ids = {name: logical_id for name, (logical_id, _) in template_tables(dynamodb).items()}
    store = store_tables(_text(dynamodb["Outputs"]["TablePrefix"]["Value"]))
    arns = {name: f"${{{arn_parameters[logical_ids[name]]}}}" for name in store.tables}
    tables = set(arns.values())
    indexes = {f"{arns[name]}/index/{index}" for name, definition in store.tables.items() for index in _gsis(definition)}
    problems += [f"{p[2:-1]}: not a parameter of iam.yaml" for p in sorted(tables) if p[2:-1] not in iam["Parameters"]]
    for action, resources in sorted(granted.items()):
        problems += [f"{action} on {r}: not one of the chat tables or their indexes" for r in sorted(resources - tables - indexes)]
        if not resources & tables:
            problems.append(f"{action}: allowed on none of the chat tables")
    if "dynamodb:Query" in needed:
        problems += [
            f"dynamodb:Query on {i}: missing, the store's index cannot be queried"
            for i in sorted(indexes - granted.get("dynamodb:Query", set()))
        ]
    return problems


# ---------------------------------------------------------------- the tests


def test_every_table_matches_the_stores_keys_indexes_and_ttl() -> None:
    assert table_mismatches(_template("dynamodb")) == []


def test_the_runtime_role_allows_exactly_the_dynamodb_actions_the_store_calls() -> None:
    needed = store_actions(STORE_SOURCE)
    assert {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:BatchWriteItem"} <= needed  # the scan does find calls
    assert permission_problems(_template("iam"), _template("dynamodb"), needed) == []


def test_tables_keep_on_demand_billing_pitr_sse_and_retain_messages() -> None:
    resources = _template("dynamodb")["Resources"]
    assert resources["MessagesTable"]["DeletionPolicy"] == "Retain"
    assert resources["MessagesTable"]["UpdateReplacePolicy"] == "Retain"
    for table in resources.values():
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}


@pytest.mark.parametrize(
    "change",
    [
        "drop a GSI",
        "drop the connections GSI",
        "change a sort key",
        "drop an attribute",
        "drop TTL",
        "rename the TTL attribute",
        "drop a table",
        "add a table",
    ],
)
def test_the_table_check_finds_differences(change: str) -> None:
    template = copy.deepcopy(_template("dynamodb"))
    resources = template["Resources"]
    if change == "drop a GSI":
        resources["UsersTable"]["Properties"]["GlobalSecondaryIndexes"].pop()
    elif change == "drop the connections GSI":
        del resources["ConnectionsTable"]["Properties"]["GlobalSecondaryIndexes"]
    elif change == "change a sort key":
        resources["ConversationsTable"]["Properties"]["KeySchema"][1]["AttributeName"] = "memberId"
    elif change == "drop an attribute":
        resources["MessagesTable"]["Properties"]["AttributeDefinitions"].pop()
    elif change == "drop TTL":
        del resources["ConnectionsTable"]["Properties"]["TimeToLiveSpecification"]
    elif change == "rename the TTL attribute":
        resources["RateLimitsTable"]["Properties"]["TimeToLiveSpecification"]["AttributeName"] = "expiresAt"
    elif change == "drop a table":
        del resources["RateLimitsTable"]
    else:
        resources["Extra"] = copy.deepcopy(resources["ConnectionsTable"])
        resources["Extra"]["Properties"]["TableName"] = {"Fn::Sub": "chat-lex-${Env}-extra"}
    assert table_mismatches(template) != []


def test_the_permission_check_finds_a_new_store_call_and_extra_or_missing_grants() -> None:
    iam, dynamodb = _template("iam"), _template("dynamodb")
    needed = store_actions(STORE_SOURCE)
    with_new_call = store_actions(STORE_SOURCE + "\nself._client.batch_execute_statement(Statements=[])\n")
    assert with_new_call - needed == {"dynamodb:BatchExecuteStatement"}
    assert permission_problems(iam, dynamodb, with_new_call) != []
    assert permission_problems(iam, dynamodb, needed - {"dynamodb:Scan"}) != []
    conditional = 'self._client.transact_write_items(TransactItems=[{"ConditionCheck": {"TableName": t}}])'
    assert "dynamodb:ConditionCheckItem" in store_actions(STORE_SOURCE + conditional)
    narrowed = copy.deepcopy(iam)
    query = next(st for st in _role_dynamodb_statements(narrowed) if st.get("Sid") == "QueryIndexes")
    query["Resource"] = query["Resource"][:-1]
    assert permission_problems(narrowed, dynamodb, needed) != []
