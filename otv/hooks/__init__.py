"""otv's git hook scripts (linked from scripts/), installed by ``otv hooks install``."""
