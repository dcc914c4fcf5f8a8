"""What every API endpoint shares: bearer tokens, the error shape, the OpenAPI document."""

from core.api.tokens import ApiToken, create_token
from core.extensions import db


def test_openapi_document_is_public_and_describes_the_error_shape(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "Error" in spec["components"]["schemas"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_missing_unknown_and_revoked_tokens_get_401_in_the_error_shape(app, client):
    with app.app_context():
        token = create_token("old-crm")
        db.session.execute(db.update(ApiToken).values(revoked_at=db.func.now()))
        db.session.commit()
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer nope"},
        {"Authorization": f"Bearer {token}"},
    ):
        response = client.get("/api/v1/token", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == "unauthorized"
        assert response.json["error"]["fields"] == {}


def test_valid_token_is_accepted_without_csrf_and_unknown_paths_are_json_404(app, client):
    with app.app_context():
        token = create_token("crm")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/token", headers=headers).json["name"] == "crm"
    response = client.post("/api/v1/nothing-here", headers=headers, csrf=False)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
