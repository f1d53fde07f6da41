"""Post-receive steps: informational only (refs have moved already); failures are printed.

Apart from the pre-receive pipeline so a receipt does not pay for importing validation.
"""

from collections.abc import Callable

from gitannot.audit import record as audit_record
from gitannot.push.context import PushContext

PostReceiveStep = Callable[[PushContext], list[str]]
POST_RECEIVE_STEPS: list[tuple[str, PostReceiveStep]] = [
    ("audit", audit_record.receipt_step),
]
