"""The post-receive row for events: the push's own events (gitannot.events.produce) plus
task moves and review verdicts, in one append; automatic tags never take a release
tag's name. Heavy parts are imported only when it runs, so a receipt stays light."""

from gitannot.push.context import PushContext


def events_step(ctx: PushContext) -> list[str]:
    from gitannot.events.produce import events_step as produce  # lazy: see above
    from gitannot.oversight.tagguard import release_guard
    from gitannot.oversight.wfevents import workflow_events

    return produce(ctx, workflow_events, lambda base: release_guard(ctx.repo, base))
