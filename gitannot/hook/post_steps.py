"""Post-receive steps: informational only (refs have moved already); failures are printed.

Apart from the pre-receive pipeline so a receipt does not pay for importing validation.
"""

from collections.abc import Callable

from gitannot.audit import record as audit_record
from gitannot.oversight import step as events_step
from gitannot.push.context import PushContext
from gitannot.release import cleanup as release_cleanup

PostReceiveStep = Callable[[PushContext], list[str]]
POST_RECEIVE_STEPS: list[tuple[str, PostReceiveStep]] = [
    # Events first: they read the push's audit entry before the receipt completes it
    # (docs/automation.md); the step imports its heavy parts only when it runs.
    ("events", events_step.events_step),
    ("audit", audit_record.receipt_step),
    ("release-links", release_cleanup.cleanup_step),
]
