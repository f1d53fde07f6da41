"""The label ontology: model, loader, compiled checks, import drafts and evolution rules."""
