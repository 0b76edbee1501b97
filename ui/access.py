"""Who may see what: the app serves this machine only, unless people must log in.

By default the server listens on 127.0.0.1 (`server.address` in .streamlit/config.toml), which no other machine
can reach. Served on a network address, the app holds people's customer data for anyone who can reach it, so it
requires a login: Streamlit's `st.login` (OpenID Connect: Google, Microsoft, Okta, ...) configured in an `[auth]`
section of .streamlit/secrets.toml. Without one it refuses to show anything and says which setting to change.
`owner()` names the person logged in (their e-mail), for workspaces that belong to someone.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import streamlit as st

__all__ = ["gate", "owner", "login_configured", "is_loopback", "served_address"]

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_NEEDED = ("redirect_uri", "cookie_secret")  # what st.login needs in [auth] besides a provider


def served_address() -> str:
    """The address the server listens on ("" when it listens on every interface, Streamlit's own default)."""
    return str(st.get_option("server.address") or "").strip()


def is_loopback(address: str) -> bool:
    """Whether only this machine can reach `address`: 127.0.0.0/8, ::1 or localhost; "" (every interface),
    0.0.0.0 and any other name or address are reachable from the network."""
    host = address.strip().strip("[]").lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _auth_section() -> dict[str, Any]:
    try:
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets.toml at all: no login configured
        return {}
    return dict(section) if section else {}


def login_configured() -> bool:
    """Whether .streamlit/secrets.toml has an [auth] section for st.login (its redirect URI and cookie secret;
    st.login checks the provider's settings itself)."""
    section = _auth_section()
    return all(section.get(key) for key in _NEEDED)


def _authlib_installed() -> bool:
    try:
        import authlib  # noqa: F401 - st.login needs it
    except ImportError:
        return False
    return True


def _logged_in() -> bool:
    try:
        return bool(st.user.is_logged_in)
    except Exception:  # noqa: BLE001 - st.user without a login configured
        return False


def owner() -> str | None:
    """The logged-in person's e-mail (lower-cased), or None when login is off (the app serves this machine only)."""
    if not login_configured() or not _logged_in():
        return None
    email = st.user.get("email")
    return str(email).strip().lower() if email else None


def gate() -> None:
    """Stop the page unless this viewer may see the app: on a network address, only after logging in.

    Call first thing in app.py, before any data is loaded or shown.
    """
    address = served_address()
    configured = login_configured()
    if not configured:
        if is_loopback(address):
            return  # this machine only: nobody else can reach it
        where = f"on {address}" if address else "on every network interface"
        st.error(f"This app is served {where} (the `server.address` setting), where other machines can reach it, "
                 "and no login is configured, so it shows nothing. Either add an `[auth]` section to "
                 "`.streamlit/secrets.toml` (Streamlit's st.login with your identity provider: redirect_uri, "
                 "cookie_secret, client_id, client_secret, server_metadata_url) so that people log in, or serve "
                 "it on this machine only with `server.address = \"127.0.0.1\"` in `.streamlit/config.toml`. "
                 "See \"Sharing the app with a team\" in the README.", icon=":material/lock:")
        st.stop()
    if not _authlib_installed():
        st.error("Login is configured (`[auth]` in `.streamlit/secrets.toml`) but the Authlib package it needs is "
                 "not installed: run `pip install Authlib` in the app's environment and start the app again.",
                 icon=":material/lock:")
        st.stop()
    if not _logged_in():
        st.title("Segmentation workbench")
        st.info("Log in to see your team's segments: this server holds customer data.", icon=":material/lock:")
        st.button("Log in", icon=":material/login:", on_click=st.login, type="primary")
        st.stop()
    with st.sidebar:
        st.caption(f"Logged in as {owner() or st.user.get('name') or 'you'}")
        st.button("Log out", icon=":material/logout:", on_click=st.logout, key="_access_logout")
