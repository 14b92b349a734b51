"""The last demo step: how to open the officer console on the demo node, with a one-time login."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr

from node.api.console_static import console_dist
from node.bootstrap import Container
from node.demo.common import step


def console_step(c: Container, root: Path, passphrase: SecretStr, officer_id: str, n: int) -> str:
    """Keep the demo node's key passphrase in a secrets folder (mode 0600) so that ``hnode serve`` can
    open the node, and issue the demo officer a one-time console login (revoked when exchanged for a
    session, and expiring in an hour anyway). Returns the login token."""
    step(n, "The data officer's web console (数据管理工作台)")
    secrets_dir = root / "secrets"
    secrets_dir.mkdir(mode=0o700, exist_ok=True)
    secret_file = secrets_dir / "node_key_passphrase"
    secret_file.write_text(passphrase.get_secret_value())
    os.chmod(secret_file, 0o600)
    login = c.identity.issue_token("cli:demo", officer_id, ttl_hours=1, label="one-time console login").secret
    s = c.settings
    built = (console_dist() / "index.html").is_file()
    print(f"   serve the demo node:  NODE_DATA_DIR={root} NODE_SECRETS_DIR={secrets_dir} hnode serve")
    print(f"   console address:      http://{s.listen_host}:{s.listen_port}/console/")
    print(f"   one-time login (officer-li, valid 1 h, revoked once used): {login}")
    if not built:
        print("   (the console is not built yet: make console)")
    return login
