"""The ordered list of push checks and push recorders the pre-receive hook runs.

A check looks at a PushContext and returns findings; any blocking finding rejects the
whole push (pre-receive is all-or-nothing). A recorder runs after the decision (e.g. the
audit log); if a recorder raises, an accepted push is rejected.
"""

from collections.abc import Callable

from gitannot.access.check import check_access
from gitannot.audit import record as audit_record
from gitannot.core.findings import Finding
from gitannot.events import drift, pushcheck, secretscan
from gitannot.hook import base_checks
from gitannot.oversight.annotators import check_annotator_drift
from gitannot.oversight.tagguard import check_tag_overlap
from gitannot.push.context import HookResult, PushContext
from gitannot.release import hookchecks as release_hook
from gitannot.validation.policy_push import check_pushed_policy
from gitannot.validation.push import check_content
from gitannot.validation.schema_push import check_migrations, check_tool_configs
from gitannot.workflow.gate_protect import check_protected
from gitannot.workflow.gate_reviews import check_reviews
from gitannot.workflow.gate_tasks import check_tasks

PushCheck = Callable[[PushContext], list[Finding]]
PushRecorder = Callable[[PushContext, HookResult], None]

# Order matters: identity first (nothing else runs without one), access before content
# (the access check decides whether a break-glass bypass is in force).
PUSH_CHECKS: list[tuple[str, PushCheck]] = [
    ("identity", base_checks.check_identity),
    # Each ref once: later checks look a ref's action up by its name.
    ("duplicate-refs", base_checks.check_duplicate_refs),
    ("server-refs", base_checks.check_server_refs),
    ("ref-targets", base_checks.check_ref_targets),
    ("ref-case", base_checks.check_ref_case),
    ("tree-names", base_checks.check_tree_names),
    # Policy from the trusted base; bootstrap admins only while the base has none.
    ("access", check_access),
    # A pushed configs/access.yaml must load: every later push reads it (any pusher).
    ("policy-lint", check_pushed_policy),
    # Automation (docs/automation.md): credentials refused whatever the bypass; a pushed
    # automation.yaml must load; label drift (before content, so its finding
    # is among the first the audit entry keeps) is a warning unless the project says more.
    ("secrets", secretscan.check_secrets),
    ("automation", pushcheck.check_automation),
    # Automatic tags and release tags never share a name (both configs, as pushed).
    ("tag-overlap", check_tag_overlap),
    ("drift", drift.check_drift),
    # Each annotator's label mix against their task peers' (workflow projects).
    ("annotator-drift", check_annotator_drift),
    # Label files against the ontology; after access (break-glass skips content).
    ("content", check_content),
    # Release tags (annotated, immutable, gated), manifests, split freeze, model links.
    ("releases", release_hook.check_releases),
    # An ontology change that orphans annotations needs a migration, applied to the tree.
    ("migrations", check_migrations),
    # configs/tools/* (schema export --write) must match the pushed ontology.
    ("tool-configs", check_tool_configs),
    # Workflow (opt-in by configs/workflow.yaml on the base): task files, task-scoped
    # rights, review records on refs/reviews/*, approvals for protected refs.
    ("workflow-tasks", check_tasks),
    ("workflow-reviews", check_reviews),
    ("workflow-protect", check_protected),
]

PUSH_RECORDERS: list[tuple[str, PushRecorder]] = [
    # Before the audit entry: a release whose record cannot be written is rejected, and
    # that rejection is what the push entry then logs.
    ("release", release_hook.record_releases),
    ("audit", audit_record.record_push),
]
