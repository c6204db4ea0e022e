def only_the_api(endpoints):
    """The schema describes /api/v1/ only (allauth's sign-in API publishes its own)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


PROBLEM = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details (docs/api.md).",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                    "code": {"type": "string"},
                },
                "required": ["field", "message", "code"],
            },
        },
    },
    "required": ["type", "title", "status"],
}


def problem_responses(result, generator, request, public):
    """Every operation may answer with a problem (4xx), in one documented shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault(
                "4XX",
                {
                    "description": "A problem: see `detail`, and `errors` for invalid fields.",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                },
            )
    return result


def text_not_blank(result, generator, request, public):
    """Required text in a request is trimmed and must not then be blank, and no text may hold a
    NUL (DRF's CharField; PostgreSQL cannot store it): the schema says so with a pattern, so
    clients and the fuzzer know."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for field in component.get("properties", {}).values():
            plain_text = field.get("type") == "string" and not {"pattern", "format", "enum"} & field.keys()
            if plain_text and field.get("minLength", 0) >= 1:
                field["pattern"] = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
    return result
