"""Server-side settings and keys (<repo.git>/gitannot/): read by the hook, the audit
writer and the admin commands alike, so they live below all of them."""
