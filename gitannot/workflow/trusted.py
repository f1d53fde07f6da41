"""The workflow config and access policy in force: both from the trusted base."""

from dataclasses import dataclass

from gitannot.access.model import Policy
from gitannot.access.trusted import PolicySource, load_trusted
from gitannot.errors import ConfigError
from gitannot.workflow.config import parse_workflow
from gitannot.workflow.model import WORKFLOW_PATH, WorkflowConfig


@dataclass(frozen=True)
class WorkflowState:
    config: WorkflowConfig | None  # None: not configured (opt-in) or unusable (error set)
    policy: Policy | None
    error: str | None = None
    blob_id: str | None = None


_CACHE: dict[tuple[str, str | None], WorkflowState] = {}


def load_workflow(base: PolicySource) -> WorkflowState:
    blob_id = base.blob_id(WORKFLOW_PATH)
    if blob_id is None:
        return WorkflowState(None, None)
    policy_state = load_trusted(base)
    key = (blob_id, policy_state.blob_id)
    if key in _CACHE:
        return _CACHE[key]
    policy = policy_state.policy
    if policy is None:
        state = WorkflowState(
            None, None, f"{WORKFLOW_PATH} needs a usable configs/access.yaml", blob_id
        )
    else:
        data = base.read(WORKFLOW_PATH)
        try:
            if data is None:
                raise ConfigError(f"{WORKFLOW_PATH}: is not a regular file")
            config = parse_workflow(data, WORKFLOW_PATH, policy)
            state = WorkflowState(config, policy, None, blob_id)
        except ConfigError as exc:
            state = WorkflowState(None, policy, exc.message, blob_id)
    _CACHE[key] = state
    return state
