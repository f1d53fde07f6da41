"""The workflow layer: task files, task-scoped rights, review records, protected refs, QA.

Opt-in: nothing here runs unless the trusted base holds configs/workflow.yaml.
"""
