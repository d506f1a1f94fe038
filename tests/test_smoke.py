def test_letter_pages_serve(client, endorsements):
    assert client.get("/en/").status_code == 200
    assert client.get("/fr/").status_code == 200
