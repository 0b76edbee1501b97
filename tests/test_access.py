"""Who may see what (ui/access.py): this machine only by default; on a network address, a login or nothing."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit import config

from tests.apptest import app, texts
from ui import access

AUTH = {"auth": {"redirect_uri": "https://segments.example.com/oauth2callback", "cookie_secret": "s3cret-enough",
                 "client_id": "id", "client_secret": "secret",
                 "server_metadata_url": "https://idp.example.com/.well-known/openid-configuration"}}


@pytest.fixture
def served_on():
    """Set server.address for one test, as `streamlit run --server.address ...` does."""
    before = config.get_option("server.address")

    def serve(address: str | None) -> None:
        config.set_option("server.address", address)

    yield serve
    config.set_option("server.address", before)


def test_the_app_serves_this_machine_only_by_default():
    settings = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert access.is_loopback(settings["server"]["address"])
    for address in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.1.1"):
        assert access.is_loopback(address), address
    for address in ("", "0.0.0.0", "::", "192.168.1.20", "segments.example.com"):
        assert not access.is_loopback(address), address


def test_on_a_network_address_without_login_the_app_refuses_and_names_the_setting(served_on):
    served_on("0.0.0.0")
    at = app()
    at.run()
    assert not at.exception
    message = " ".join(texts(at.error))
    assert "server.address" in message and "[auth]" in message and "secrets.toml" in message
    assert not at.title  # nothing of the app, no data: the Data page never ran
    assert "dataset" not in at.session_state


def test_on_this_machine_no_login_is_asked_and_there_is_no_owner(served_on):
    served_on("127.0.0.1")
    at = app()
    at.run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Data"]
    assert not [b for b in at.button if b.label == "Log in"]


def test_with_login_configured_a_visitor_sees_only_the_login_button(served_on, monkeypatch):
    monkeypatch.setattr(access, "_authlib_installed", lambda: True)
    served_on("0.0.0.0")
    at = app()
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception and not at.error
    assert [b.label for b in at.button] == ["Log in"]
    assert "dataset" not in at.session_state and "Data" not in [t.value for t in at.title]


def test_a_logged_in_person_sees_the_app_and_owns_what_they_make(served_on, monkeypatch):
    monkeypatch.setattr(access, "_authlib_installed", lambda: True)
    served_on("0.0.0.0")
    at = app()
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": True, "email": "Ana@Example.com", "name": "Ana"}
    at.run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Data"]
    assert "Logged in as ana@example.com" in texts(at.sidebar.caption)
    assert "Log out" in [b.label for b in at.sidebar.button]


def test_login_configured_without_authlib_is_said_not_crashed(served_on, monkeypatch):
    monkeypatch.setattr(access, "_authlib_installed", lambda: False)
    served_on("0.0.0.0")
    at = app()
    at.secrets.update(AUTH)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception
    assert "pip install Authlib" in " ".join(texts(at.error))
