"""Demo steps: install gitannot on a server, scaffold the project, refuse an anonymous push."""

from gitannot.demo.scenario import Demo

ORDER = 10


def run(demo: Demo) -> None:
    demo.step("Install gitannot on a new bare server repository (alice is the bootstrap admin)")
    demo.gitannot("server", "install", str(demo.server), "--init", "--admin", "alice")

    demo.step("alice scaffolds the annotation project with `gitannot init` and pushes it")
    alice = demo.client("alice")
    alice.gitannot("init", str(alice.path))
    alice.git("add", "-A")
    alice.git("commit", "-q", "-m", "Scaffold annotation project")
    alice.push("HEAD:refs/heads/main", expect="accepted")

    demo.step("A push that carries no authenticated identity is refused")
    alice.commit({"tasks/batch-0001.yaml": "id: batch-0001\nassignee: bob\n"}, "Add a task")
    alice.push("HEAD:refs/heads/main", anonymous=True, expect="rejected")
    alice.git("reset", "-q", "--hard", "origin/main")
