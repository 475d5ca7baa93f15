def test_search_page_and_htmx_fragment(world, client_for):
    client = client_for("resident")
    assert "平街社区居委会" in client.get("/areas/", {"q": "平街"}).content.decode()
    fragment = client.get("/areas/", {"q": "平街"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "平街社区居委会" in fragment
