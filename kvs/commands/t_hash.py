"""Hash commands (Redis's t_hash.c)."""
