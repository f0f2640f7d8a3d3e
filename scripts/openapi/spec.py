"""openapi.yaml as the validators read it: operations found the way Switchboard's router finds routes, and JSON
Schema validation of any part of the document by its JSON pointer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
SPEC_URI = "urn:switchboard:openapi"


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Operation:
    method: str
    template: str
    pointer: str  # JSON pointer of the operation object
    node: dict
    parameters: list = field(default_factory=list)  # (pointer, resolved parameter object)

    @property
    def name(self) -> str:
        return self.node.get("operationId") or f"{self.method.upper()} {self.template}"


class Spec:
    def __init__(self, document: dict):
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}
        self.operations: list[Operation] = []
        self._trie: dict = {"literal": {}, "capture": None, "operations": {}}
        for template, item in document.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method in METHODS:
                if method not in item:
                    continue
                pointer = f"/paths/{escape(template)}/{method}"
                operation = Operation(method, template, pointer, item[method])
                merged = {}
                for index, parameter in enumerate(shared):
                    resolved, where = self.resolve(parameter, f"/paths/{escape(template)}/parameters/{index}")
                    merged[(resolved["name"], resolved["in"])] = (where, resolved)
                for index, parameter in enumerate(item[method].get("parameters", [])):
                    resolved, where = self.resolve(parameter, f"{pointer}/parameters/{index}")
                    merged[(resolved["name"], resolved["in"])] = (where, resolved)
                operation.parameters = list(merged.values())
                self.operations.append(operation)
                self._insert(template, operation)

    # --- references -------------------------------------------------------------------------------------------

    def at(self, pointer: str):
        node = self.document
        for token in pointer.lstrip("/").split("/") if pointer else []:
            token = token.replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def resolve(self, node, pointer: str):
        """Follows `$ref`s of non-schema objects (parameters, responses, headers); returns the object and its pointer."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 20:
            pointer = node["$ref"].removeprefix("#")
            node = self.at(pointer)
            seen += 1
        return node, pointer

    def errors(self, pointer: str, instance) -> list[str]:
        """Every JSON Schema violation of `instance` against the schema at `pointer`."""
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=self.registry)
            self._validators[pointer] = validator
        found = []
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(part) for part in error.absolute_path) or "(root)"
            found.append(f"{where}: {error.message[:300]}")
        return found

    # --- routing (as Hummingbird's trie: literal segments win, no backtracking) ---------------------------------

    def _insert(self, template: str, operation: Operation) -> None:
        node = self._trie
        for segment in [part for part in template.split("/") if part]:
            if segment.startswith("{") and segment.endswith("}"):
                if node["capture"] is None:
                    node["capture"] = (segment[1:-1], {"literal": {}, "capture": None, "operations": {}})
                node = node["capture"][1]
            else:
                node = node["literal"].setdefault(segment, {"literal": {}, "capture": None, "operations": {}})
        node["operations"][operation.method] = operation

    def route(self, method: str, path: str):
        """The operation the server runs for `method` and `path`, with its path parameters; or (None, {})."""
        node = self._trie
        parameters = {}
        for segment in [part for part in path.split("/") if part]:
            if segment in node["literal"]:
                node = node["literal"][segment]
            elif node["capture"] is not None:
                name, node = node["capture"]
                parameters[name] = unquote(segment)
            else:
                return None, {}
        operation = node["operations"].get(method.lower())
        return (operation, parameters) if operation else (None, {})

    def mappings(self):
        """Every mapping of the document, with its JSON pointer, depth first."""
        def walk(node, pointer):
            if isinstance(node, dict):
                yield pointer, node
                for key, value in node.items():
                    yield from walk(value, f"{pointer}/{escape(str(key))}")
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    yield from walk(value, f"{pointer}/{index}")

        yield from walk(self.document, "")

    def differences(self) -> list[tuple[str, dict]]:
        """Every `x-highlevel-difference` note, with the pointer of the element that carries it."""
        return [(pointer, node["x-highlevel-difference"]) for pointer, node in self.mappings()
                if "x-highlevel-difference" in node]


INTEGER = re.compile(r"^-?[0-9]+$")


def coerce(value: str, schema: dict):
    """A parameter or header value as the JSON value its schema describes (integers and booleans; else the text)."""
    types = schema.get("type")
    types = types if isinstance(types, list) else [types]
    if "integer" in types and INTEGER.match(value):
        return int(value)
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    return value
