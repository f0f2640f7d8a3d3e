#!/usr/bin/env python3
"""Checks every HTTP exchange the Swift test suites recorded (SWITCHBOARD_RECORD_EXCHANGES) against openapi.yaml.

For each exchange, the operation is found as the server's router finds it. Then:
- the response must be documented for that operation: its status, its content type, its body (JSON Schema, with
  `additionalProperties: false` where the document says so), its required headers, and any `X-`/`Retry-After`
  header it carries must be documented with a matching schema;
- the request is checked against the operation's parameters, security and request body: a request the server
  accepted (2xx) or refused as invalid (422) must be one the document calls valid, resp. invalid. So the document
  can neither require what the server does not, nor allow what the server refuses. (A rule that depends on what is
  stored rather than on the request is listed, with its message, in the operation's `x-state-rules`.)
A request that matches no operation must get the `RouteNotFound` response. Also checks that every
`x-highlevel-difference` id is unique and linked from the compatibility table (docs/compatibility.md), and that
every request body and every success answer has an example (the `/docs` page shows them and builds its curl lines
from them) that its own schema accepts.

Usage: validate_exchanges.py OPENAPI_YAML EXCHANGE_DIR [COMPATIBILITY_MD]
Exit status 1 on any failure, listing each.
"""

from __future__ import annotations

import base64
import collections
import json
import pathlib
import re
import sys
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from spec import Spec, coerce, escape, load  # noqa: E402

CUSTOM_HEADER = re.compile(r"^(x-.*|retry-after|content-security-policy|cache-control)$", re.IGNORECASE)


def query_pairs(query: str) -> list[tuple[str, str]]:
    """The query as the server reads it (QueryParameters.swift): `+` is a space, then escapes are decoded, in names
    and values alike (unquote keeps a malformed escape as sent, as the server does)."""
    pairs = []
    for part in query.split("&") if query else []:
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key.replace("+", " ")), unquote(value.replace("+", " "))))
    return pairs


FORM = "application/x-www-form-urlencoded"


def form_body(body: bytes) -> dict:
    """A form body as `POST /oauth/token` reads it: `+` is a space, a repeated or undecodable parameter is an error,
    and an empty value counts as missing."""
    values = {}
    for pair in body.decode("utf-8").split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name, value = unquote(name.replace("+", " "), errors="strict"), unquote(value.replace("+", " "), errors="strict")
        if name in values:
            raise ValueError(f"parameter {name} is given more than once")
        values[name] = value
    return {name: value for name, value in values.items() if value != ""}


MULTIPART = "multipart/form-data"


def multipart_body(body: bytes, content_type: str) -> dict:
    """A multipart/form-data body as `upload` reads it: text fields by name (a repeated one joined with commas), and
    each file part as the string `(file)`, so the schema sees which fields were sent."""
    import email.parser
    import email.policy
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise ValueError("no parts")
    values = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name is None:
            raise ValueError("a part has no name")
        if part.get_filename() is not None:
            values[name] = "(file)"
        else:
            text = part.get_payload(decode=True).decode("utf-8")
            values[name] = values[name] + "," + text if name in values else text
    return values


def parsed_body(body: bytes, content_type: str, raw_content_type: str):
    """The request body as the schema sees it; None for a type read as bytes (a file)."""
    if content_type == FORM:
        return form_body(body)
    if content_type == MULTIPART:
        return multipart_body(body, raw_content_type)
    if content_type == "application/json" or content_type.endswith("+json"):
        return json.loads(body)
    return None


def body_of(exchange: dict, prefix: str):
    if exchange.get(f"{prefix}Body") is not None:
        return exchange[f"{prefix}Body"].encode("utf-8")
    if exchange.get(f"{prefix}BodyBase64") is not None:
        return base64.b64decode(exchange[f"{prefix}BodyBase64"])
    return b""


def headers_of(exchange: dict, prefix: str) -> dict[str, list[str]]:
    found = collections.defaultdict(list)
    for name, value in exchange.get(f"{prefix}Headers", []):
        found[name.lower()].append(value)
    return found


def media_type(value: str | None) -> str:
    return (value or "").split(";")[0].strip().lower()


def request_violations(spec: Spec, operation, path_parameters: dict, target, headers, body: bytes) -> list[str]:
    problems = []
    query = collections.defaultdict(list)
    for key, value in query_pairs(target.query):
        query[key].append(value)
    for pointer, parameter in operation.parameters:
        name, where = parameter["name"], parameter["in"]
        schema_pointer = f"{pointer}/schema"
        if where == "path":
            values = [path_parameters[name]] if name in path_parameters else []
        elif where == "query":
            values = query.get(name, [])
        elif where == "header":
            values = headers.get(name.lower(), [])
        else:
            continue
        if parameter.get("allowEmptyValue"):
            values = [value for value in values if value != ""]  # an empty value counts as absent
        if not values:
            if parameter.get("required"):
                problems.append(f"{where} parameter {name} is required")
            continue
        schema = spec.resolve(parameter.get("schema", {}), schema_pointer)[0]
        if schema.get("type") == "array":
            instance = [coerce(value, spec.resolve(schema.get("items", {}), "")[0]) for value in values]
        elif len(values) > 1:
            problems.append(f"{where} parameter {name} is given {len(values)} times")
            continue
        else:
            instance = coerce(values[0], schema)
        problems += [f"{where} parameter {name}: {error}" for error in spec.errors(schema_pointer, instance)]
    security = operation.node.get("security", spec.document.get("security", []))
    if any(requirement for requirement in security):
        authorization = headers.get("authorization", [""])[0]
        if not authorization.lower().startswith("bearer ") or not authorization[7:].strip():
            problems.append("no Authorization: Bearer credential")
    request_body = operation.node.get("requestBody")
    if request_body:
        request_body, body_pointer = spec.resolve(request_body, f"{operation.pointer}/requestBody")
        content_type = media_type(headers.get("content-type", [None])[0])
        if not body:
            if request_body.get("required"):
                problems.append("the request body is required")
        elif content_type not in request_body.get("content", {}):
            problems.append(f"request content type {content_type or '(none)'} is not documented")
        else:
            try:
                instance = parsed_body(body, content_type, headers.get("content-type", [""])[0])
            except (ValueError, UnicodeDecodeError, RecursionError) as error:
                problems.append(f"the request body is not {content_type}: {error}")
            else:
                if instance is None:
                    return problems
                schema_pointer = f"{body_pointer}/content/{escape(content_type)}/schema"
                problems += [f"request body {error}" for error in spec.errors(schema_pointer, instance)]
    return problems


def response_violations(spec: Spec, responses_pointer: str, exchange: dict) -> list[str]:
    status = str(exchange["status"])
    responses = spec.at(responses_pointer)
    key = status if status in responses else f"{status[0]}XX" if f"{status[0]}XX" in responses else "default"
    if key not in responses:
        return [f"status {status} is not documented (documented: {', '.join(responses)})"]
    response, pointer = spec.resolve(responses[key], f"{responses_pointer}/{escape(key)}")
    return check_response(spec, response, pointer, exchange)


def check_response(spec: Spec, response: dict, pointer: str, exchange: dict) -> list[str]:
    problems = []
    headers = headers_of(exchange, "response")
    documented = {name.lower(): (name, header) for name, header in response.get("headers", {}).items()}
    for lower, (name, header) in documented.items():
        header, header_pointer = spec.resolve(header, f"{pointer}/headers/{escape(name)}")
        values = headers.get(lower, [])
        if not values:
            if header.get("required"):
                problems.append(f"response header {name} is missing")
            continue
        schema = spec.resolve(header.get("schema", {}), "")[0]
        for value in values:
            problems += [f"response header {name}: {e}" for e in spec.errors(f"{header_pointer}/schema", coerce(value, schema))]
    for lower in headers:
        if CUSTOM_HEADER.match(lower) and lower not in documented:
            problems.append(f"response header {lower} is not documented for this response")
    body = body_of(exchange, "response")
    content = response.get("content", {})
    content_type = media_type(headers.get("content-type", [None])[0])
    if not content:
        if body:
            problems.append("the response has a body, but none is documented")
        return problems
    if content_type not in content:
        return problems + [f"response content type {content_type or '(none)'} is not documented ({', '.join(content)})"]
    if content_type == "application/json" and exchange["method"] != "HEAD":
        try:
            instance = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return problems + ["the response body is not JSON"]
        schema_pointer = f"{pointer}/content/{escape(content_type)}/schema"
        problems += [f"response body {error}" for error in spec.errors(schema_pointer, instance)]
    return problems


def check_differences(spec: Spec, readme_path: str | None) -> list[str]:
    problems = []
    ids = collections.Counter()
    for pointer, difference in spec.differences():
        if not isinstance(difference, dict) or not difference.get("id") or not difference.get("note"):
            problems.append(f"x-highlevel-difference at {pointer} needs an id and a note")
            continue
        ids[difference["id"]] += 1
    problems += [f"x-highlevel-difference id {d} is used {n} times" for d, n in ids.items() if n > 1]
    if readme_path:
        readme = pathlib.Path(readme_path).read_text(encoding="utf-8")
        linked = set(re.findall(r"/docs#difference-([a-z0-9-]+)", readme))
        problems += [f"docs/compatibility.md links to x-highlevel-difference {d}, which openapi.yaml lacks" for d in sorted(linked - set(ids))]
        problems += [f"docs/compatibility.md does not link x-highlevel-difference {d}" for d in sorted(set(ids) - linked)]
    return problems


def check_examples(spec: Spec) -> list[str]:
    """Every request body and 2xx JSON answer of an operation has an example; every example in the document is valid
    against its schema; no mapping key is left without a value (a flow mapping cut short by an unquoted comma)."""
    problems = []
    checked = set()

    def check_content(content_pointer: str, content: dict, required: bool, label: str) -> None:
        for media, body in (content or {}).items():
            pointer = f"{content_pointer}/{escape(media)}"
            if "example" not in body:
                if required and (media == "application/json" or media.endswith("form-urlencoded")):
                    problems.append(f"{label} ({media}) has no example")
                continue
            if pointer in checked:
                continue
            checked.add(pointer)
            problems.extend(f"the example at {pointer}: {error}" for error in spec.errors(f"{pointer}/schema", body["example"]))

    for operation in spec.operations:
        if "requestBody" in operation.node:
            body, pointer = spec.resolve(operation.node["requestBody"], f"{operation.pointer}/requestBody")
            check_content(f"{pointer}/content", body.get("content"), True, f"{operation.name}'s request body")
        for status, response in operation.node.get("responses", {}).items():
            resolved, pointer = spec.resolve(response, f"{operation.pointer}/responses/{status}")
            # The document's own route answers the document: its example would be this file again.
            required = status.startswith("2") and operation.name != "openapi-document"
            check_content(f"{pointer}/content", resolved.get("content"), required, f"{operation.name}'s {status}")
    for name, response in spec.document.get("components", {}).get("responses", {}).items():
        check_content(f"/components/responses/{name}/content", response.get("content"), False, name)

    for pointer, node in spec.mappings():
        for key, value in node.items():
            if value is None and key not in ("example", "const", "default"):
                problems.append(f"{pointer}/{key} has no value (an unquoted comma in a flow mapping?)")
    return problems


def refused_by_state(operation, exchange) -> bool:
    """A 422 of a request the schema accepts is allowed only where the operation lists, in `x-state-rules`, the rules
    that depend on what is stored (patterns of their messages), and every message of the answer is one of them."""
    rules = operation.node.get("x-state-rules") or []
    try:
        messages = json.loads(body_of(exchange, "response")).get("message")
    except ValueError:
        return False
    if not rules or not isinstance(messages, list) or not messages:
        return False
    return all(any(re.fullmatch(rule, message) for rule in rules) for message in messages)


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__)
        return 2
    spec = Spec(load(argv[1]))
    route_not_found = spec.resolve({"$ref": "#/components/responses/RouteNotFound"}, "")
    failures = check_differences(spec, argv[3] if len(argv) == 4 else None) + check_examples(spec)
    seen = collections.Counter()
    count = 0
    for file in sorted(pathlib.Path(argv[2]).glob("*.ndjson")):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            count += 1
            exchange = json.loads(line)
            target = urlsplit(exchange["target"])
            # HEAD is answered as GET without the body (Router's autoGenerateHeadEndpoints): checked as GET, but
            # for its body.
            head = exchange["method"] == "HEAD"
            operation, path_parameters = spec.route("GET" if head else exchange["method"], target.path)
            label = f"{exchange['method']} {exchange['target'][:160]} → {exchange['status']}"
            if operation is None:
                seen["(no route)", exchange["status"]] += 1
                problems = check_response(spec, route_not_found[0], route_not_found[1], exchange)
                if exchange["status"] != 404:
                    problems.append("a request that matches no documented operation must answer 404")
            else:
                seen[operation.name, exchange["status"]] += 1
                problems = response_violations(spec, f"{operation.pointer}/responses", exchange)
                request_problems = request_violations(
                    spec, operation, path_parameters, target, headers_of(exchange, "request"), body_of(exchange, "request"))
                if 200 <= exchange["status"] < 300 and request_problems:
                    problems += ["accepted a request the document calls invalid: " + p for p in request_problems]
                if exchange["status"] == 422 and not request_problems and not refused_by_state(operation, exchange):
                    body = body_of(exchange, "response").decode("utf-8", "replace")[:300]
                    problems.append(f"refused (422) a request the document calls valid: {body}")
            if problems:
                failures.append(f"{label}\n    ({file.name}:{number})\n    " + "\n    ".join(problems))
    print(f"openapi: {count} recorded exchanges checked against {argv[1]}")
    for (name, status), n in sorted(seen.items(), key=lambda item: (item[0][0], item[0][1])):
        print(f"  {name:32} {status}  ×{n}")
    undocumented = [op.name for op in spec.operations if not any(name == op.name for name, _ in seen)]
    if undocumented:
        print("  not exercised by the suites: " + ", ".join(undocumented))
    if count == 0:
        failures.append("no exchanges were recorded (is SWITCHBOARD_RECORD_EXCHANGES reaching the tests?)")
    for failure in failures[:100]:
        print("FAIL " + failure)
    if len(failures) > 100:
        print(f"FAIL … and {len(failures) - 100} more")
    print(f"openapi exchanges: {count} checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
