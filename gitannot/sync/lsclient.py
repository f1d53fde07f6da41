"""The one module that talks to Label Studio, through label-studio-sdk.

Everything it returns is a plain value (model.py); SDK objects stay here, so the rest of
the sync does not depend on the SDK's types (which differ between SDK versions).
"""

from dataclasses import dataclass
from typing import Any

from gitannot.errors import ConfigError, GitannotError
from gitannot.sync.credentials import Credentials
from gitannot.sync.model import ToolAnnotation, ToolTask

PAGE = 100
IMPORT_BATCH = 500
WEBHOOK_ACTIONS = ("ANNOTATION_CREATED", "ANNOTATIONS_CREATED", "ANNOTATION_UPDATED")


class ToolError(GitannotError):
    """Label Studio refused a request or could not be reached."""


@dataclass(frozen=True)
class Project:
    id: int
    title: str
    label_config: str


class LabelStudioClient:
    def __init__(self, creds: Credentials) -> None:
        try:
            from label_studio_sdk.client import LabelStudio
        except ImportError as exc:  # the `sync` extra
            raise ConfigError(
                "label-studio-sdk is not installed",
                "install gitannot with the sync extra: pip install 'gitannot[sync]'",
            ) from exc
        self.url = creds.url
        self.sdk: Any = LabelStudio(base_url=creds.url, api_key=creds.token, timeout=60)
        self._emails: dict[int, str] = {}

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            body = getattr(exc, "body", None)
            detail = f"{getattr(exc, 'status_code', '')} {body or exc}".strip()
            raise ToolError(
                f"Label Studio at {self.url}: {what} failed: {detail}"[:600],
                "check the URL and token on the sync host, and that the server is up",
            ) from exc

    # -- projects ----------------------------------------------------------------------

    def find_project(self, title: str) -> Project | None:
        pager = self._call("listing projects", self.sdk.projects.list, page_size=PAGE)
        found = [p for p in pager if getattr(p, "title", None) == title]
        if len(found) > 1:
            ids = ", ".join(str(p.id) for p in found)
            raise ToolError(
                f"Label Studio has {len(found)} projects titled {title!r} (ids {ids})",
                "rename or delete the extra ones; the sync needs one project per title",
            )
        return self.project(int(found[0].id)) if found else None

    def create_project(self, title: str, label_config: str) -> Project:
        made = self._call(
            "creating the project", self.sdk.projects.create, title=title, label_config=label_config
        )
        return self.project(int(made.id))

    def project(self, project_id: int) -> Project:
        got = self._call("reading the project", self.sdk.projects.get, id=project_id)
        return Project(int(got.id), str(got.title), str(got.label_config or ""))

    def set_label_config(self, project_id: int, label_config: str) -> None:
        self._call(
            "updating the labeling config",
            self.sdk.projects.update,
            id=project_id,
            label_config=label_config,
        )

    # -- tasks -------------------------------------------------------------------------

    def tasks(self, project_id: int) -> list[ToolTask]:
        pager = self._call(
            "listing tasks", self.sdk.tasks.list, project=project_id, fields="all", page_size=PAGE
        )
        out = []
        for raw in pager:  # the SDK's pager walks every page
            task = ToolTask(
                int(raw.id), dict(raw.data or {}), dict(getattr(raw, "meta", None) or {})
            )
            for ann in getattr(raw, "annotations", None) or []:
                item = ann if isinstance(ann, dict) else ann.model_dump()
                if item.get("was_cancelled"):
                    continue  # skipped in the tool: not an annotation
                task.annotations.append(self._annotation(item))
            out.append(task)
        return out

    def _annotation(self, item: dict[str, Any]) -> ToolAnnotation:
        who = item.get("completed_by")
        if isinstance(who, dict):
            email = str(who.get("email") or "")
        else:
            email = self.email(int(who)) if isinstance(who, int) else ""
        updated = item.get("updated_at") or ""
        return ToolAnnotation(
            int(item["id"]),
            email,
            list(item.get("result") or []),
            updated if isinstance(updated, str) else updated.isoformat(),
        )

    def email(self, user_id: int) -> str:
        if user_id not in self._emails:
            got = self._call("reading a user", self.sdk.users.get, id=user_id)
            self._emails[user_id] = str(getattr(got, "email", "") or f"user-{user_id}")
        return self._emails[user_id]

    def import_tasks(self, project_id: int, tasks: list[dict[str, Any]]) -> None:
        for start in range(0, len(tasks), IMPORT_BATCH):
            self._call(
                "importing tasks",
                self.sdk.projects.import_tasks,
                id=project_id,
                request=tasks[start : start + IMPORT_BATCH],
                commit_to_project=True,
            )

    def update_task(self, task_id: int, *, data: dict[str, Any], meta: dict[str, Any]) -> None:
        self._call("updating a task", self.sdk.tasks.update, id=str(task_id), data=data, meta=meta)

    # -- webhooks ----------------------------------------------------------------------

    def ensure_webhook(self, project_id: int, url: str) -> bool:
        """Register `url` for annotation events of the project; False when it already is."""
        hooks = self._call("listing webhooks", self.sdk.webhooks.list, project=str(project_id))
        for hook in hooks or []:
            if getattr(hook, "url", None) == url and getattr(hook, "project", None) == project_id:
                return False
        self._call(
            "registering the webhook",
            self.sdk.webhooks.create,
            url=url,
            project=project_id,
            send_payload=True,
            send_for_all_actions=False,
            actions=list(WEBHOOK_ACTIONS),
            is_active=True,
        )
        return True
