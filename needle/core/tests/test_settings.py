import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from needle import settings as s

ROOT = Path(s.__file__).resolve().parent.parent


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


# A valid Fernet key (32 bytes, url-safe base64), for a process that must start as production.
CARE_KEY = "q0S4J1r5x3WkZ9x9r0v6p5m2Yb8c7d6e5f4g3h2i1jA="


def _settings_in(env: dict[str, str], *names: str) -> subprocess.CompletedProcess[str]:
    """Import the settings module afresh in a process with `env`, printing `names`."""
    code = f"import needle.settings as s; print(repr([getattr(s, n) for n in {list(names)!r}]))"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "SECRET_KEY": "k" * 40, "NEEDLE_CARE_KEYS": CARE_KEY, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_deployment_settings_are_read_from_the_environment():
    done = _settings_in(
        {
            "NEEDLE_MAP_AREA": "440300000000",
            "NEEDLE_OPEN311_JURISDICTION": "shenzhen.example",
            "NEEDLE_OPEN311_CONTACT": "311@shenzhen.example",
            "NEEDLE_CLI_LANGUAGE": "zh-hans",
            "INTEL_THRESHOLD": "0.8",
            "INTEL_UNIT_SHARE": "0.75",
        },
        "NEEDLE_MAP_AREA",
        "NEEDLE_OPEN311_JURISDICTION",
        "NEEDLE_OPEN311_CONTACT",
        "NEEDLE_CLI_LANGUAGE",
        "INTEL_THRESHOLD",
        "INTEL_UNIT_SHARE",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr(
        ["440300000000", "shenzhen.example", "311@shenzhen.example", "zh-hans", 0.8, 0.75]
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INTEL_THRESHOLD", "high"),
        ("INTEL_THRESHOLD", "1.5"),
        ("INTEL_UNIT_SHARE", "nan"),
        ("INTEL_UNIT_SHARE", "-0.1"),
        ("NEEDLE_MAP_AREA", "Chongqing"),
        ("NEEDLE_CLI_LANGUAGE", "fr"),
        ("NEEDLE_SITE_URL", "needle.example.org"),
        ("NEEDLE_SITE_URL", "https://needle.example.org/app/"),
        ("NEEDLE_SMS_BACKEND", "not a path"),
        ("NEEDLE_WECHAT_BACKEND", "Console"),
        ("NEEDLE_DIGEST_HOUR", "24"),
        ("NEEDLE_QUIET_HOURS", "22-7"),
        ("NEEDLE_QUIET_HOURS", "07:00-07:00"),
        ("PASSWORD_RESET_HOURS", "0"),
        ("PASSWORD_RESETS_PER_EMAIL_HOUR", "0"),
        ("EMAIL_PORT", "smtp"),
        ("NEEDLE_CARE_KEYS", "not-a-key"),
        ("NEEDLE_CARE_RETENTION_DAYS", "0"),
    ],
)
def test_a_nonsense_setting_stops_the_start(name, value):
    done = _settings_in({name: value}, name)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and name in done.stderr


def test_production_refuses_to_start_without_the_care_key():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEEDLE_CARE_KEYS", "DEBUG", "NEEDLE_TESTING"))
    }
    done = subprocess.run(
        [sys.executable, "-c", "import needle.settings"],
        env={**env, "SECRET_KEY": "k" * 40},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "NEEDLE_CARE_KEYS" in done.stderr


def test_the_care_keys_are_read_from_a_file(tmp_path):
    second = CARE_KEY.replace("q0", "r1")
    path = tmp_path / "keys"
    path.write_text(f"{CARE_KEY}\n{second}\n")
    done = _settings_in({"NEEDLE_CARE_KEYS_FILE": str(path), "NEEDLE_CARE_KEYS": ""}, "NEEDLE_CARE_KEYS")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr([[CARE_KEY, second]])


TIANDITU = (
    "https://t0.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY "
    "https://t0.tianditu.gov.cn/DataServer?T=cva_w&x={x}&y={y}&l={z}&tk=KEY"
)


def test_the_basemap_is_read_from_the_environment():
    done = _settings_in(
        {"NEEDLE_MAP_TILES": TIANDITU, "NEEDLE_MAP_ATTRIBUTION": "© 天地图", "NEEDLE_MAP_CRS": "wgs84"},
        "NEEDLE_MAP_TILES",
        "NEEDLE_MAP_ATTRIBUTION",
        "NEEDLE_MAP_CRS",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr([TIANDITU.split(), "© 天地图", "wgs84"])
    unset = _settings_in({}, "NEEDLE_MAP_TILES", "NEEDLE_MAP_CRS")
    assert unset.stdout.strip() == repr([[], "wgs84"]), unset.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"NEEDLE_MAP_CRS": "bd09"}, "NEEDLE_MAP_CRS"),
        (
            {"NEEDLE_MAP_TILES": "tile.example/{z}/{x}/{y}.png", "NEEDLE_MAP_ATTRIBUTION": "x"},
            "NEEDLE_MAP_TILES",
        ),
        (
            {"NEEDLE_MAP_TILES": "https://tile.example/map.png", "NEEDLE_MAP_ATTRIBUTION": "x"},
            "NEEDLE_MAP_TILES",
        ),
        (
            {"NEEDLE_MAP_TILES": "ftp://tile.example/{z}/{x}/{y}", "NEEDLE_MAP_ATTRIBUTION": "x"},
            "NEEDLE_MAP_TILES",
        ),
        (
            {
                "NEEDLE_MAP_TILES": "https://webrd0{s}.is.autonavi.com/t?x={x}&y={y}&z={z}",
                "NEEDLE_MAP_ATTRIBUTION": "x",
            },
            "NEEDLE_MAP_TILES",
        ),
        ({"NEEDLE_MAP_TILES": "https://{s}.tile.example/{z}/{x}/{y}.png"}, "NEEDLE_MAP_ATTRIBUTION"),
    ],
)
def test_a_nonsense_basemap_stops_the_start(env, named):
    done = _settings_in(env, "NEEDLE_MAP_TILES")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and named in done.stderr


def test_no_setting_is_read_with_a_fallback_for_a_value_that_cannot_be_set():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in (ROOT / "needle").rglob("*.py")
        # Test infrastructure (the browser's path, say) may read the environment as it likes.
        if "tests" not in path.parts and path.name not in ("conftest.py", "testing.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "getattr(settings" in line or ("os.environ.get(" in line and path.name != "settings.py")
    ]
    assert offenders == []


def test_the_readme_lists_every_setting():
    source = (ROOT / "needle" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r"""env_\w+\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))
    assert "NEEDLE_MAP_AREA" in names and "INTEL_UNIT_SHARE" in names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    assert sorted(n for n in names if f"`{n}`" not in table) == []


@pytest.mark.django_db
def test_the_maps_draw_the_configured_area(settings):
    settings.NEEDLE_MAP_AREA = "440300000000"
    for url in ("/report/", "/cases/public/"):
        body = Client().get(url).content.decode()
        assert "/report/boundaries/440300000000/" in body
        assert "/report/boundaries/500000000000/" not in body


@pytest.mark.django_db
def test_open311_takes_the_configured_jurisdiction(settings):
    settings.NEEDLE_OPEN311_JURISDICTION = "shenzhen.example"
    assert (
        Client().get("/open311/v2/services.json", {"jurisdiction_id": "shenzhen.example"}).status_code == 200
    )
    assert Client().get("/open311/v2/services.json", {"jurisdiction_id": "elsewhere"}).status_code == 404


def test_bench_scripts_take_the_shared_data_root_from_the_environment():
    scripts = sorted((ROOT / "bench").glob("*.py"))
    absolute = [
        f"{p.name}: {m}"
        for p in scripts
        for m in re.findall(r"""["'](/(?:work|home|Users)/[^"']*)""", p.read_text())
    ]
    assert absolute == []
    # One place reads the root (benchlib); the scripts that read shared data take it from there.
    readers = [p.name for p in scripts if "NEEDLE_SHARED_DATA" in p.read_text()]
    assert readers == ["benchlib.py"]
    # The names imported from benchlib, on one line or in parentheses.
    imports = r"from benchlib import \(?[\w\s,]*\bSHARED_DATA\b"
    users = [p.name for p in scripts if re.search(imports, p.read_text())]
    assert users == [
        "areas.py",
        "cases_queries.py",
        "classifier.py",
        "hotspots.py",
        "orgs.py",
    ]
