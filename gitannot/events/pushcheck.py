"""Pre-receive checks for the automation config: a pushed configs/automation.yaml must
load (like a pushed access policy), and nobody but the server writes automatic tags."""

from gitannot.core.findings import Finding
from gitannot.errors import ConfigError
from gitannot.events import autotag
from gitannot.events.config import AUTOMATION_PATH, Automation, load_automation
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext


def check_automation(ctx: PushContext) -> list[Finding]:
    """PUSH_CHECKS entry."""
    findings: list[Finding] = []
    for update in ctx.updates:
        if update.is_delete:
            continue
        data = gitrepo.read_blob(ctx.repo, update.new, AUTOMATION_PATH)
        if data is None or data == ctx.base.read(AUTOMATION_PATH):
            continue
        try:
            load_automation(data)
        except ConfigError as exc:
            findings.append(
                Finding(
                    rule="automation.invalid",
                    ref=update.ref,
                    path=AUTOMATION_PATH,
                    message=exc.message,
                    hint=exc.hint or f"fix {AUTOMATION_PATH} (docs/automation.md)",
                )
            )
    return findings + _server_tags(ctx)


def _server_tags(ctx: PushContext) -> list[Finding]:
    try:
        settings = load_automation(ctx.base.read(AUTOMATION_PATH))
    except ConfigError:
        settings = Automation()
    if not settings.auto_tag.enabled:
        return []
    pattern = settings.auto_tag.pattern
    prefix = "refs/tags/" + autotag.server_prefix(pattern)
    # The fixed start, and any name the pattern makes (a pattern may start with {branch}).
    return [
        Finding(
            rule="automation.server-tag",
            ref=u.ref,
            message=f"{u.ref}: tags under {prefix} or named by auto_tag.pattern "
            f"{pattern!r} ({AUTOMATION_PATH}) are written by the server only",
            hint="pick another tag name; automatic tags follow auto_tag.pattern",
        )
        for u in ctx.updates
        if u.ref.startswith("refs/tags/")
        and (
            (u.ref.startswith(prefix) and prefix != "refs/tags/")
            or autotag.pattern_makes(pattern, u.ref.removeprefix("refs/tags/"))
        )
    ]
