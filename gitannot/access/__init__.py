"""Push access control: policy as code in configs/access.yaml, read from the trusted base.

Layers: globs, model, loader, evaluate, limits, hints are pure (no I/O); changes and
trusted read git; breakglass and check are the pre-receive service.
"""
