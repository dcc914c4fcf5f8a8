"""The OpenAPI 3.1 document for /api/v1, assembled from what each feature registers."""

from copy import deepcopy

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

_paths: dict = {
    "/token": {
        "get": {
            "summary": "Check the bearer token and see its name",
            "responses": {
                "200": {
                    "description": "The token is valid",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string"},
                                    "created_at": {"type": "string", "format": "date-time"},
                                },
                            }
                        }
                    },
                },
                "401": {"$ref": "#/components/responses/Unauthorized"},
            },
        }
    }
}
_schemas: dict = {"Error": ERROR_SCHEMA}


def register(paths: dict, schemas: dict | None = None) -> None:
    """Add a feature's paths and component schemas (called at import of its API module)."""
    _paths.update(paths)
    _schemas.update(schemas or {})


def error_responses(*statuses: int) -> dict:
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {str(status): {"description": "Error", **ref} for status in statuses}


def build_spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Huddle API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": deepcopy(_paths),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {"Unauthorized": error_responses(401)["401"]},
            "schemas": deepcopy(_schemas),
        },
    }
