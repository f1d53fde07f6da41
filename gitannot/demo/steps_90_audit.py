"""Demo steps: every push above is in the signed audit log; anyone can verify it."""

import json

from gitannot.demo.scenario import Demo

ORDER = 90


def run(demo: Demo) -> None:
    server = str(demo.server)
    demo.step("The audit log: every push attempt above is a signed entry on refs/notes/audit")
    demo.say("Accepted and rejected pushes alike; clients may fetch the log, never push it.")
    demo.say("Entry #3 is the push without an identity from the first steps:")
    demo.gitannot("audit", "show", "--seq", "3", "--repo", server)
    report = demo.gitannot("audit", "export", "--format", "json", "--repo", server, show=False)
    if report.ok:
        users = json.loads(report.output)["summary"]["users"]
        counts = ", ".join(f"{u} {d}" for u, d in sorted(users.items()))
        demo.say(f"`gitannot audit export` counts pushes per user: {counts}")

    alice = demo.client("alice")
    demo.step("alice fetches the log and asks git who pushed main's tip, when, and the verdict")
    alice.git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit")
    signers = demo.gitannot("audit", "--repo", server, "allowed-signers", show=False)
    (demo.root / "allowed_signers").write_text(signers.output, encoding="utf-8")
    demo.print_outcome(
        "git log -1 --show-signature refs/notes/audit (allowedSignersFile from the server)",
        alice.git(
            "-c",
            f"gpg.ssh.allowedSignersFile={demo.root / 'allowed_signers'}",
            "log",
            "-1",
            "--show-signature",
            "--format=%s",
            "refs/notes/audit",
        ),
        "",
    )
    demo.print_outcome(
        "git notes --ref=audit show origin/main",
        alice.git("notes", "--ref=audit", "show", "origin/main", check=False),
        "",
    )

    demo.step("gitannot audit verify: signatures, hash chain, sequence, notes, high-water mark")
    outcome = demo.gitannot("audit", "--repo", server, "verify")
    if not outcome.ok:
        demo.mismatches.append(f"step {demo.step_number}: audit verify failed")
