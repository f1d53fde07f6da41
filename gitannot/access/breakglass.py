"""Break-glass: `git push -o gitannot.bypass="reason"` skips content rules, nothing else.

Identity, refs/notes/* and the ref/path access rules still apply; limits and label
validation (which read ctx.bypass_reason) are skipped. The reason goes into the push
report and, through ctx.notes and ctx.bypass_reason, into the audit log.
"""

from gitannot.access.model import BYPASS_OPTION
from gitannot.core.findings import Finding
from gitannot.push.context import PushContext


def apply_bypass(ctx: PushContext, user: str, *, may: bool, who: str, source: str) -> list[Finding]:
    reason = ctx.push_option(BYPASS_OPTION)
    if reason is None:
        return []
    reason = reason.strip()
    if not reason:
        return [
            Finding(
                rule="access.bypass-no-reason",
                message=f"-o {BYPASS_OPTION} needs a reason; the push was not attempted",
                hint=f'git push -o {BYPASS_OPTION}="why this cannot wait" ...',
            )
        ]
    if not may:
        return [
            Finding(
                rule="access.bypass-denied",
                message=f"user {user!r} may not use break-glass (-o {BYPASS_OPTION}); "
                f"allowed: {who}",
                source=source,
                hint=f"push without -o {BYPASS_OPTION}, or ask one of: {who}",
            )
        ]
    ctx.bypass_reason = reason
    ctx.notes.append(
        f"BREAK-GLASS by {user}: content rules (limits, validation) skipped; "
        f"reason: {reason!r}; this is recorded in the audit log"
    )
    return []
