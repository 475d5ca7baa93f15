import pytest


@pytest.mark.parametrize("persona", ["city_admin", "supervisor", "resident", "outsider", "root"])
@pytest.mark.parametrize("url", ["/", "/areas/", "/areas/500000000000/", "/areas/500103001001/", "/areas/500103001001-001/", "/units/", "/stats/", "/audit/", "/me/", "/me/tokens/", "/areas/?q=社区"])
def test_pages_render_for_every_persona(world, client_for, persona, url):
    response = client_for(persona).get(url)
    assert response.status_code in {200, 403}, response.content[:500]
