"""Metrics: hooks spool small records (probe, spool); `gitannot server metrics` serves them.

Only `service` imports prometheus_client; the hook side is standard library only.
"""
