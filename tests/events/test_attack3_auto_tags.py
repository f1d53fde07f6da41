"""Attack: push a tag the auto-tagger would write. Clients were refused only under the
pattern's fixed start, so a pattern that starts with {branch} or {date} left every
name it makes open to clients: a client's tag posed as the server's."""

from collections.abc import Callable

from tests.events.helpers import bootstrap, coco
from tests.gitenv import Client, ServerRepo

AUTOMATION = """\
protected: [main]
auto_tag: {enabled: true, pattern: "{branch}-{date}.{n}"}
"""


def test_a_name_the_auto_tag_pattern_makes_is_the_servers_whatever_its_start(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, AUTOMATION, {"labels/a.json": coco([(1, 1)])})
    alice.git("tag", "main-2026-12-07.1")
    refused = alice.push("refs/tags/main-2026-12-07.1")
    assert not refused.accepted, refused.output
    assert "[automation.server-tag] refs/tags/main-2026-12-07.1" in refused.output
    assert "auto_tag.pattern '{branch}-{date}.{n}'" in refused.output
    assert server.rev("refs/tags/main-2026-12-07.1") is None
    alice.git("tag", "main-2026-12-07")  # not a name the pattern makes
    assert alice.push("refs/tags/main-2026-12-07").accepted
