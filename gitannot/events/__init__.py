"""Automation: durable events (an outbox the server owns), their delivery to webhooks,
Slack and mail, and the push checks that feed them (secret scan, label drift).

Other packages emit events through `gitannot.events.outbox.emit` (see docs/automation.md).
"""
