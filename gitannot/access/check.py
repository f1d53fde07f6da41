"""The pre-receive access check: policy from the trusted base; every new commit against
every parent, and the ref's net change, checked."""

from gitannot.access import limits as lim
from gitannot.access.breakglass import apply_bypass
from gitannot.access.evaluate import Decision, decide
from gitannot.access.hints import Hints
from gitannot.access.model import POLICY_PATH, Mode, Policy
from gitannot.access.trusted import PolicyState, load_trusted
from gitannot.core.findings import Finding
from gitannot.core.refupdate import Action, RefKind, RefUpdate
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import PushContext

BOOTSTRAP_SOURCE = "<repo>/gitannot/server.yaml (admins)"


def check_access(ctx: PushContext) -> list[Finding]:
    if ctx.identity is None:
        return []  # the identity check has already rejected the push
    user = ctx.identity.user
    state = load_trusted(ctx.base)
    if state.blob_id:
        ctx.applied["policy"] = state.blob_id
    too_many = lim.check_ref_count(state.policy, ctx.updates, user)
    if any(f.blocks for f in too_many):
        return too_many  # before any per-ref work: an oversized push costs little
    ctx.notes.extend(f"(evaluate mode) {f.message}" for f in too_many)
    if state.policy is None:
        return _without_policy(ctx, user, state)
    policy = state.policy
    if not policy.knows(user):
        return [_unknown_user(u, user, policy) for u in _checked(ctx)]
    who = " ".join(policy.break_glass) or "nobody (no break_glass section)"
    may = any(policy.selects(sel, user) for sel in policy.break_glass)
    findings = apply_bypass(ctx, user, may=may, who=who, source=policy.break_glass_source)
    checker = _UpdateChecker(ctx, policy, user)
    for update in _checked(ctx):
        findings.extend(checker.check(update))
    return findings


def _checked(ctx: PushContext) -> list[RefUpdate]:
    # refs/notes/* are always denied by base_checks; no policy can change that.
    return [u for u in ctx.updates if u.kind is not RefKind.NOTES]


def _without_policy(ctx: PushContext, user: str, state: PolicyState) -> list[Finding]:
    """No policy file: bootstrap admins only. A broken one: the same, so they can fix it."""
    admins = ctx.server.admins
    if user in admins:
        if state.error is not None:
            ctx.notes.append(
                f"the access policy in force is unusable ({state.error.message}); "
                f"{user} pushes as a bootstrap admin"
            )
        return apply_bypass(ctx, user, may=True, who=" ".join(admins), source=BOOTSTRAP_SOURCE)
    if state.error is not None:
        return [
            Finding(
                rule="access.policy-invalid",
                ref=u.ref,
                message="push rejected: the access policy in force cannot be used: "
                f"{state.error.message}",
                source=state.error.source,
                hint=f"a bootstrap admin ({', '.join(admins)}) must push a fixed "
                f"{POLICY_PATH} to {ctx.base.ref}",
            )
            for u in ctx.updates
        ]
    return [
        Finding(
            rule="access.bootstrap-admins-only",
            ref=u.ref,
            message=f"user {user!r} may not push: no access policy is in force "
            "and only the bootstrap admins may push",
            source=BOOTSTRAP_SOURCE,
            hint=f"an admin must push {POLICY_PATH} granting this user rights",
        )
        for u in ctx.updates
    ]


def _unknown_user(update: RefUpdate, user: str, policy: Policy) -> Finding:
    return Finding(
        rule="access.unknown-user",
        ref=update.ref,
        message=f"user {user!r} is not in the access policy: denied",
        source=policy.path,
        hint=f"an admin must add {user!r} under `users:` (or a group) in {policy.path}",
    )


class _UpdateChecker:
    """Checks one ref update after another, sharing caches across the push."""

    def __init__(self, ctx: PushContext, policy: Policy, user: str) -> None:
        self.ctx = ctx
        self.policy = policy
        self.user = user
        self.hints = Hints(policy, user)

    def check(self, update: RefUpdate) -> list[Finding]:
        action = self.ctx.action(update)
        decision = decide(self.policy, self.user, update.ref, action)
        findings = self._evaluate_note(decision, update, action)
        if not decision.allowed:
            return [*findings, self._ref_denied(update, action, decision)]
        if action is Action.DELETE:
            return findings
        return findings + self._commits(update, action)

    def _commits(self, update: RefUpdate, action: Action) -> list[Finding]:
        limits = (
            [] if self.ctx.bypass_reason else lim.applicable(self.policy, update.ref, self.user)
        )
        findings: list[Finding] = []
        decisions: dict[str, Decision] = {}
        touched: set[str] = set()
        for commit in self.ctx.incoming_commits(update):
            oid = str(commit.id)
            for change in self.ctx.changes.changes(commit):
                touched.add(change.path)
                findings.extend(self._path(update, action, oid, change.path, decisions))
                for hit in lim.check_change(limits, change, self.user):
                    findings.append(self._limit(update, oid, hit))
        # The ref's net change too: what the push makes the tree become, the pusher must
        # be allowed to make, whatever the commits in between claim. A path that now holds
        # the default branch's own version brings nothing the base has not approved.
        tip = gitrepo.peel_to_commit(self.ctx.repo, update.new)
        tip_id = str(tip.id) if tip is not None else update.new
        for change in self.ctx.net_change(update):
            if change.path in touched or self.ctx.base.holds(change):
                continue
            touched.add(change.path)
            findings.extend(self._path(update, action, tip_id, change.path, decisions))
            for hit in lim.check_change(limits, change, self.user):
                findings.append(self._limit(update, tip_id, hit))
        findings.extend(
            self._limit(update, "", hit) for hit in lim.check_count(limits, touched, self.user)
        )
        return findings

    def _path(
        self, update: RefUpdate, action: Action, oid: str, path: str, seen: dict[str, Decision]
    ) -> list[Finding]:
        first = path not in seen
        if first:
            seen[path] = decide(self.policy, self.user, update.ref, action, path)
        decision = seen[path]
        if decision.allowed:
            # Evaluate-mode reports once per path, not once per commit.
            return self._evaluate_note(decision, update, action, path) if first else []
        return [
            Finding(
                rule="access.path-denied",
                ref=update.ref,
                commit=oid,
                path=path,
                message=f"DENIED: {self.user} may not {action.value} {_what(update)} "
                f"with a change to {path}{_why(decision)}",
                source=_source(decision, self.policy),
                hint=self.hints.hint(update.ref, action, path, decision),
            )
        ]

    def _ref_denied(self, update: RefUpdate, action: Action, decision: Decision) -> Finding:
        return Finding(
            rule="access.ref-denied",
            ref=update.ref,
            message=f"DENIED: {self.user} may not {action.value} {_what(update)}{_why(decision)}",
            source=_source(decision, self.policy),
            hint=self.hints.hint(update.ref, action, None, decision),
        )

    def _evaluate_note(
        self, decision: Decision, update: RefUpdate, action: Action, path: str = ""
    ) -> list[Finding]:
        rule = decision.would_decide
        if rule is None or not decision.allowed:
            return []
        target = f" with a change to {path}" if path else ""
        return [
            Finding(
                rule="access.evaluate",
                ref=update.ref,
                path=path,
                message=f"would deny {self.user} {action.value} {_what(update)}{target} "
                f"({rule.describe()})",
                source=rule.source,
                hint="this rule is in evaluate mode: reported, not enforced",
                evaluate_only=True,
            )
        ]

    def _limit(self, update: RefUpdate, oid: str, hit: lim.LimitHit) -> Finding:
        return Finding(
            rule=f"access.limit.{hit.limit.kind.value}",
            ref=update.ref,
            commit=oid,
            path=hit.path,
            message=f"DENIED by limit {hit.limit.kind.value}: {hit.message}",
            source=hit.limit.source,
            hint="remove the file from the commits (rewrite them), or an admin may push "
            'with -o gitannot.bypass="reason" (logged)',
            evaluate_only=hit.limit.mode is Mode.EVALUATE,
        )


def _what(update: RefUpdate) -> str:
    kinds = {RefKind.BRANCH: "branch", RefKind.TAG: "tag"}
    kind = kinds.get(update.kind)
    return f"{kind} {update.short_name}" if kind else f"ref {update.ref}"


def _why(decision: Decision) -> str:
    if decision.rule is None:
        return " (no rule allows it: deny by default)"
    why = f": {decision.rule.why}" if decision.rule.why else ""
    return f" (rule: {decision.rule.describe()}{why})"


def _source(decision: Decision, policy: Policy) -> str:
    return decision.rule.source if decision.rule else f"{policy.path} (no matching rule)"
