"""Parse configs/access.yaml into a Policy, keeping file:line for every rule.

Pure: text in, values out. Strict on purpose: unknown keys, duplicate keys, unknown
roles/groups/users and bad patterns are errors naming the line, because a typo in an
access policy should stop the push rather than silently change who may do what.
"""

from gitannot.access import globs
from gitannot.access.model import (
    ACTION_NAMES,
    POLICY_VERSION,
    Effect,
    Limit,
    LimitKind,
    Mode,
    Policy,
    Rule,
)
from gitannot.core.refupdate import Action
from gitannot.core.yamlsafe import YamlError, YamlMap, load_yaml
from gitannot.errors import ConfigError

_TOP_KEYS = {"version", "users", "groups", "rules", "limits", "break_glass", "project"}
_RULE_KEYS = {"allow", "deny", "who", "refs", "paths", "mode", "why"}
_LIMIT_KEYS = {k.value for k in LimitKind} | {"paths", "refs", "mode"}


class PolicyError(ConfigError):
    """The policy cannot be used; `source` is "file:line" of the offending spot."""

    def __init__(self, path: str, line: int, message: str, hint: str = "") -> None:
        self.source = f"{path}:{line}" if line else path
        super().__init__(f"{self.source}: {message}", hint or f"fix {path} on the default branch")


# Mappings keep their line (string keys), so every error names `file:line`.
_Map = YamlMap


def parse_policy(text: str, path: str) -> Policy:
    # gitannot's one hardened YAML loader: no aliases (a few hundred bytes of them
    # expand to gigabytes), size/depth/node caps, duplicate keys refused.
    try:
        raw = load_yaml(text, path)
    except YamlError as exc:
        raise PolicyError(path, exc.line, exc.problem) from None
    return _Builder(path).build(raw)


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, line: int, message: str) -> PolicyError:
        return PolicyError(self.path, line, message)

    def build(self, raw: object) -> Policy:
        top = self.mapping(raw, 1, "the policy")
        self.known_keys(top, _TOP_KEYS, "top level")
        if top.get("version") != POLICY_VERSION:
            raise self.fail(top.line, f"`version: {POLICY_VERSION}` is required")
        users = self.users(top.get("users"), top.line)
        groups = self.groups(top.get("groups", _Map()), top.line)
        policy = Policy(path=self.path, users=users, groups=groups, rules=())
        rules = tuple(
            self.rule(item, policy) for item in self.items(top.get("rules"), top.line, "rules")
        )
        limits = tuple(
            self.limit(item) for item in self.items(top.get("limits", []), top.line, "limits")
        )
        bg = top.get("break_glass", _Map())
        bg = self.mapping(bg, top.line, "break_glass")
        self.known_keys(bg, {"who"}, "break_glass")
        who = self.who(bg.get("who", []), bg.line, policy) if bg else ()
        return Policy(
            path=self.path,
            users=users,
            groups=groups,
            rules=rules,
            limits=limits,
            break_glass=who,
            break_glass_source=f"{self.path}:{bg.line}" if bg else "",
            extra={"project": top.get("project")},
        )

    def users(self, raw: object, line: int) -> dict[str, frozenset[str]]:
        users = self.mapping(raw, line, "users")
        if not users:
            raise self.fail(line, "`users` must list at least one user")
        out = {}
        for name, spec in users.items():
            if isinstance(spec, _Map):
                # `{role: [admin]}` must not silently mean "no roles".
                self.known_keys(spec, {"roles"}, f"user {name}")
                roles = spec.get("roles", [])
            else:
                roles = spec or []
            out[str(name)] = frozenset(self.strings(roles, users.line, f"roles of {name}"))
        return out

    def groups(self, raw: object, line: int) -> dict[str, frozenset[str]]:
        groups = self.mapping(raw, line, "groups")
        return {
            str(name): frozenset(self.strings(members, groups.line, f"group {name}"))
            for name, members in groups.items()
        }

    def rule(self, item: _Map, policy: Policy) -> Rule:
        self.known_keys(item, _RULE_KEYS, "a rule")
        if ("allow" in item) == ("deny" in item):
            raise self.fail(item.line, "a rule needs exactly one of `allow:` or `deny:`")
        effect = Effect.ALLOW if "allow" in item else Effect.DENY
        paths = item.get("paths")
        return Rule(
            effect=effect,
            actions=self.actions(item[effect.value], item.line),
            who=self.who(item.get("who"), item.line, policy),
            refs=self.ref_patterns(item.get("refs"), item.line),
            paths=None if paths is None else self.patterns(paths, item.line, "paths"),
            mode=self.mode(item.get("mode"), item.line),
            source=f"{self.path}:{item.line}",
            why=str(item.get("why", "")),
        )

    def limit(self, item: _Map) -> Limit:
        self.known_keys(item, _LIMIT_KEYS, "a limit")
        kinds = [k for k in LimitKind if k.value in item]
        if len(kinds) != 1:
            names = ", ".join(k.value for k in LimitKind)
            raise self.fail(item.line, f"a limit needs exactly one of: {names}")
        kind = kinds[0]
        raw = item[kind.value]
        if kind.value.startswith("max_"):
            if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
                raise self.fail(item.line, f"{kind.value} must be a non-negative integer")
            if kind is LimitKind.MAX_REF_UPDATES and ("paths" in item or raw < 1):
                raise self.fail(item.line, "max_ref_updates is a count >= 1 and takes no paths")
            value, paths = raw, self.patterns(item.get("paths", ["**"]), item.line, "paths")
        else:
            if "paths" in item:
                raise self.fail(item.line, f"{kind.value} takes its path globs as its value")
            value, paths = 0, self.patterns(raw, item.line, kind.value)
        return Limit(
            kind=kind,
            value=value,
            paths=paths,
            refs=self.ref_patterns(item.get("refs", ["**"]), item.line),
            mode=self.mode(item.get("mode"), item.line),
            source=f"{self.path}:{item.line}",
        )

    def actions(self, raw: object, line: int) -> frozenset[Action]:
        names = self.strings(raw, line, "actions")
        if names == ["all"]:
            return frozenset(Action)
        unknown = [n for n in names if n not in ACTION_NAMES]
        if unknown or not names:
            valid = ", ".join(ACTION_NAMES)
            raise self.fail(line, f"unknown action(s) {unknown or names}: use {valid} or all")
        return frozenset(ACTION_NAMES[n] for n in names)

    def who(self, raw: object, line: int, policy: Policy) -> tuple[str, ...]:
        selectors = self.strings(raw, line, "who")
        if not selectors:
            raise self.fail(line, "`who` must name at least one user, @group, role:NAME or *")
        roles = set().union(*policy.users.values())
        for sel in selectors:
            problem = None
            if sel.startswith("role:") and sel[5:] not in roles:
                problem = f"no user has role {sel[5:]!r}"
            elif sel.startswith("@") and sel[1:] not in policy.groups:
                problem = f"unknown group {sel!r}"
            elif sel != "*" and not sel.startswith(("role:", "@")) and not policy.knows(sel):
                problem = f"unknown user {sel!r} (add it under `users:`)"
            if problem:
                raise self.fail(line, problem)
        return tuple(selectors)

    def patterns(self, raw: object, line: int, what: str) -> tuple[str, ...]:
        values = self.strings(raw, line, what)
        if not values:
            raise self.fail(line, f"`{what}` must list at least one pattern")
        for value in values:
            problem = globs.check_pattern(value)
            if problem:
                raise self.fail(line, f"{what}: {problem}")
        return tuple(values)

    def ref_patterns(self, raw: object, line: int) -> tuple[str, ...]:
        """Full ref names only: `main` would silently match nothing, so it is an error."""
        values = self.patterns(raw, line, "refs")
        for value in values:
            if not value.startswith(("refs/", "*")):
                raise self.fail(
                    line, f"refs: {value!r} is not a full ref name (refs/heads/..., refs/tags/...)"
                )
        return values

    def mode(self, raw: object, line: int) -> Mode:
        if raw is None:
            return Mode.ENFORCE
        try:
            return Mode(raw)
        except ValueError:
            raise self.fail(line, "mode must be `enforce` or `evaluate`") from None

    def mapping(self, raw: object, line: int, what: str) -> _Map:
        if raw is None:
            raise self.fail(line, f"{what} is missing")
        if not isinstance(raw, _Map):
            raise self.fail(line, f"{what} must be a mapping")
        return raw

    def items(self, raw: object, line: int, what: str) -> list[_Map]:
        if raw is None:
            raise self.fail(line, f"`{what}` is missing")
        if not isinstance(raw, list) or not all(isinstance(i, _Map) for i in raw):
            raise self.fail(line, f"`{what}` must be a list of mappings")
        return raw

    def strings(self, raw: object, line: int, what: str) -> list[str]:
        if isinstance(raw, str):
            return [raw]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise self.fail(line, f"{what} must be a string or a list of strings")
        return list(raw)

    def known_keys(self, item: _Map, allowed: set[str], what: str) -> None:
        unknown = sorted(str(k) for k in item if k not in allowed)
        if unknown:
            raise self.fail(
                item.line,
                f"unknown key(s) in {what}: {', '.join(unknown)}"
                f" (allowed: {', '.join(sorted(allowed))})",
            )
