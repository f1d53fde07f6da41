"""The post-receive row for events, importing the heavy parts (format readers, rules)
only when it runs: a receipt-only post-receive stays light to import."""

from gitannot.push.context import PushContext


def events_step(ctx: PushContext) -> list[str]:
    from gitannot.events.produce import events_step as produce  # lazy: see above

    return produce(ctx)
