"""Start and stop the test OpenID Connect provider (a second process, on a free port)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "idp-pw-for-tests-1"  # noqa: S105 # nosec B105 - the test provider's users


@dataclass
class IdentityProvider:
    """A running test provider. ``server_url`` is what Candor's OIDC app gets (allauth adds
    /.well-known/openid-configuration); ``users`` are the provider's people (dicts with
    username, email, password)."""

    url: str
    client_id: str
    client_secret: str
    users: list = field(default_factory=list)

    @property
    def server_url(self) -> str:
        return f"{self.url}/o"

    def app_settings(self, name: str = "Company SSO") -> dict:
        """A SOCIALACCOUNT_PROVIDERS value configuring Candor for this provider (provider id "sso")."""
        return {
            "openid_connect": {
                "OAUTH_PKCE_ENABLED": True,
                "APPS": [
                    {
                        "provider_id": "sso",
                        "name": name,
                        "client_id": self.client_id,
                        "secret": self.client_secret,
                        "settings": {"server_url": self.server_url},
                    }
                ],
            }
        }


def _write_key(path: Path) -> None:
    """A fresh 2048-bit RSA private key (PEM) for the provider's ID token signatures."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test OIDC provider exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 # nosec B310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the test OIDC provider did not answer in time")


@contextlib.contextmanager
def running_provider(tmp_path: Path, *, redirect_uris: list[str], users: list[dict]):
    """Run the provider until the ``with`` block ends. ``users``: dicts with username, email,
    first_name, last_name (password: PASSWORD). Yields an IdentityProvider."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    key = tmp_path / "oidc-provider-key.pem"
    _write_key(key)
    people = [{**person, "password": PASSWORD} for person in users]
    provider = IdentityProvider(
        url=url,
        client_id=f"candor-{secrets.token_hex(4)}",
        client_secret=secrets.token_urlsafe(24),
        users=people,
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.support.oidc_provider.settings",
        "OIDC_PROVIDER_DB": str(tmp_path / "oidc-provider.sqlite3"),
        "OIDC_PROVIDER_KEY": str(key),
        "OIDC_PROVIDER_ISSUER": provider.server_url,
        "OIDC_SETUP": json.dumps(
            {
                "users": people,
                "client_id": provider.client_id,
                "client_secret": provider.client_secret,
                "redirect_uri": " ".join(redirect_uris),
            }
        ),
    }
    for name in ("DATABASE_URL",):
        env.pop(name, None)
    subprocess.run(  # noqa: S603 # nosec B603 - our own module, fixed arguments
        [sys.executable, "-m", "tests.support.oidc_provider.prepare"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    process = subprocess.Popen(  # noqa: S603 # nosec B603
        [sys.executable, "-m", "tests.support.oidc_provider.serve", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(f"{provider.server_url}/.well-known/openid-configuration", process)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
