"""Persistence: RDB snapshots (rdb: the format API over the compiled codec) and their orchestration
(snapshot: SAVE/BGSAVE, save points, start-up loading)."""
