"""GitOps for annotation tools: keep a Label Studio project in step with the repository.

Git is authoritative for the labeling config (generated from the ontology) and the task
set (data manifests, task files); the tool is authoritative for annotations until they
are synced back, which happens as an ordinary push through the server's hooks.
"""
