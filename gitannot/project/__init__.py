"""The project config (configs/project.yaml): dataset, format globs, severities, limits."""
