"""Post-receive step: model-link requests have been recorded in pre-receive; the request
refs have done their job and are removed (they are not a record of anything)."""

from gitannot.push.context import PushContext
from gitannot.release.refs import LINK_REFS


def cleanup_step(ctx: PushContext) -> list[str]:
    out = []
    for update in ctx.updates:
        if update.ref.startswith(LINK_REFS) and not update.is_delete:
            ref = ctx.repo.references.get(update.ref)
            if ref is not None:
                ref.delete()
                out.append(f"model-link request {update.ref} recorded and removed")
    return out
