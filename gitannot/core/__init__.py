"""Pure core: no subprocess, no filesystem."""
