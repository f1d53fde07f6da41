"""Where the Label Studio server is and the token to use: from the sync host only.

The environment (GITANNOT_LABELSTUDIO_URL, GITANNOT_LABELSTUDIO_TOKEN) or a file on
the host (--credentials FILE, or GITANNOT_LABELSTUDIO_CREDENTIALS) with `url:` and
`token:`; never from the repository, whose content any pusher with write access shapes.
"""

import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gitannot.errors import ConfigError
from gitannot.schema.yamlsrc import LineDict, load_yaml

URL_ENV = "GITANNOT_LABELSTUDIO_URL"
TOKEN_ENV = "GITANNOT_LABELSTUDIO_TOKEN"
FILE_ENV = "GITANNOT_LABELSTUDIO_CREDENTIALS"


@dataclass(frozen=True)
class Credentials:
    url: str
    token: str

    def __repr__(self) -> str:  # never print the token
        return f"Credentials(url={self.url!r}, token=<{len(self.token)} chars>)"


def load_credentials(path: Path | None, env: Mapping[str, str]) -> Credentials:
    file = path or (Path(env[FILE_ENV]) if env.get(FILE_ENV) else None)
    if file is not None:
        return _from_file(file)
    url, token = env.get(URL_ENV, ""), env.get(TOKEN_ENV, "")
    if not url or not token:
        raise ConfigError(
            "no Label Studio credentials on this host",
            f"set {URL_ENV} and {TOKEN_ENV}, or pass --credentials FILE (url:, token:)",
        )
    return Credentials(_url(url, URL_ENV), token)


def _from_file(file: Path) -> Credentials:
    try:
        info = file.stat()
        data = file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the credentials file: {exc.strerror}") from exc
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{file}: the credentials file is readable by other users",
            f"chmod 600 {file}",
        )
    doc = load_yaml(data, str(file))
    if not isinstance(doc, LineDict) or set(doc) - {"url", "token"}:
        raise ConfigError(f"{file}: must be a mapping with `url` and `token` only")
    url, token = doc.get("url"), doc.get("token")
    if not isinstance(url, str) or not isinstance(token, str) or not url or not token:
        raise ConfigError(f"{file}: `url` and `token` must both be set")
    return Credentials(_url(url, str(file)), token)


def _url(url: str, source: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"{source}: the Label Studio URL must start with http:// or https://")
    return url.rstrip("/")
