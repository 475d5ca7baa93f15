import pytest
from django.core.exceptions import ImproperlyConfigured

from needle import settings as s


def test_env_readers_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        s.env_bool("X_BOOL", False)
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        s.env_int("X_INT", 1)
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert s.env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_BOOL", "Yes")
    assert s.env_bool("X_BOOL", False) is True


def test_secrets_may_come_from_files(monkeypatch, tmp_path):
    path = tmp_path / "secret"
    path.write_text("from-a-file\n")
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.setenv("X_SECRET_FILE", str(path))
    assert s.env_str("X_SECRET") == "from-a-file"


def test_database_urls():
    pg = s.database_from_url("postgres://u:p%40ss@db.example:6543/needle?sslmode=require")
    assert (pg["ENGINE"], pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "needle.core.backends.postgresql",
        "needle",
        "u",
        "p@ss",
        "db.example",
        "6543",
    )
    assert pg["OPTIONS"] == {"sslmode": "require", "options": "-c jit=off"}
    jit = s.database_from_url("postgres://db.example/needle?options=-c%20jit%3Don")
    assert jit["OPTIONS"] == {"options": "-c jit=on"}
    prepared = s.database_from_url(
        "postgres://db.example/needle?server_side_binding=true&prepare_threshold=5"
    )
    assert prepared["OPTIONS"] == {
        "options": "-c jit=off",
        "server_side_binding": True,
        "prepare_threshold": 5,
    }
    assert str(s.database_from_url("sqlite:////tmp/x.sqlite3")["NAME"]) == "/tmp/x.sqlite3"
    assert str(s.database_from_url("sqlite:///var/x.sqlite3")["NAME"]) == str(s.BASE_DIR / "var/x.sqlite3")
    for bad in (
        "mysql://x/y",
        "sqlite://",
        "postgres://host/",
        "postgres://host/db?server_side_binding=yes",
        "postgres://host/db?prepare_threshold=often",
    ):
        with pytest.raises(ImproperlyConfigured):
            s.database_from_url(bad)
