"""Smart HTTP: real git-http-backend as a CGI; the web server's REMOTE_USER is the pusher.

The web server is Python's CGI handler, with a Basic-auth challenge in front (git only
sends credentials after a 401). It does not check passwords: here the point is that the
authenticated name travels REMOTE_USER -> git-http-backend -> receive-pack -> gitannot.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.access.helpers import assert_accepted, assert_denied, sync
from tests.gitenv import Client, PushResult, ServerRepo

BACKEND = Path("/usr/lib/git-core/git-http-backend")


class _Handler(http.server.CGIHTTPRequestHandler):
    cgi_directories = ["/cgi-bin"]  # noqa: RUF012 — typeshed: an instance attribute

    # The forking path drops root to `nobody`; the subprocess path runs as us.
    have_fork = False

    def run_cgi(self) -> None:
        if not self.headers.get("authorization"):
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="labels"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        super().run_cgi()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def http_url(
    shared_seeded: ServerRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    if not BACKEND.exists():
        pytest.skip("git-http-backend not found")
    cgi = tmp_path / "www" / "cgi-bin"
    cgi.mkdir(parents=True)
    (cgi / "git").symlink_to(BACKEND)
    # The CGI handler passes its own environment on to git-http-backend.
    monkeypatch.setenv("GIT_PROJECT_ROOT", str(shared_seeded.path.parent))
    monkeypatch.setenv("GIT_HTTP_EXPORT_ALL", "1")
    handler = lambda *a: _Handler(*a, directory=str(tmp_path / "www"))  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    yield f"127.0.0.1:{port}/cgi-bin/git/{shared_seeded.path.name}"
    httpd.shutdown()


def _push(client: Client, url: str, user: str, refspec: str) -> PushResult:
    proc = client.git("push", "--porcelain", f"http://{user}:pw@{url}", refspec, check=False)
    return PushResult(proc.returncode, proc.stdout + proc.stderr)


def test_http_remote_user_is_the_pusher(
    http_url: str, shared_client: Callable[[str], Client], shared_seeded: ServerRepo
) -> None:
    bob = shared_client("bob")
    sync(bob)
    bob.commit({"labels/notes/http.txt": "over http\n"}, "http")
    result = _push(bob, http_url, "bob", "HEAD:refs/heads/annotate/bob/http")
    assert_accepted(result, "gitannot: push by bob accepted")
    assert shared_seeded.rev("refs/heads/annotate/bob/http") is not None
    result = _push(bob, http_url, "bob", "HEAD:refs/heads/main")
    assert_denied(result, "push by bob REJECTED", "DENIED: bob may not update branch main")
    result = _push(bob, http_url, "mallory", "HEAD:refs/heads/annotate/mallory/x")
    assert_denied(result, "[access.unknown-user]", "user 'mallory' is not in the access policy")
