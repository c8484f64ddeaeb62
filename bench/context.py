"""What every measure shares: the sizes, the template databases, the generated mail."""

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from bench import config, db
from bench.generator import GeneratedMessage, messages_generate
from bench.peer import setup as peer
from bench.process import manage, ours_run


@dataclass
class Context:
    sizes: config.Sizes
    quick: bool
    results: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def ours_template(self) -> str:
        """A migrated database with the world built, copied for every measure of ours."""
        name = f"bench_tpl_ours_{config.migrations_key()}"
        if not db.database_exists(name):
            db.database_create(name)
            try:
                manage(name, "migrate", "--no-input", "-v", "0")
                ours_run(name, "setup")
            except BaseException:
                db.database_drop(name)  # never leave a half-made template behind
                raise
        return name

    @cached_property
    def peer_template(self) -> str:
        peer.peer_install()
        peer.project_write()
        name = f"bench_tpl_peer_{config.PEER_VERSION.replace('.', '_')}"
        if not db.database_exists(name):
            db.database_create(name)
            try:
                peer.peer_run(name, "migrate")
            except BaseException:
                db.database_drop(name)
                raise
        return name

    def messages(self, count: int) -> list[GeneratedMessage]:
        return messages_generate(count=count, seed=config.SEED)

    def replies_file(self, messages: list[GeneratedMessage]) -> Path:
        """The reply → answered Message-IDs of the set, without angle brackets, as JSON."""
        path = config.STATE / "replies.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        pairs = {m.message_id.strip("<>"): m.answers.strip("<>") for m in messages if m.answers}
        path.write_text(json.dumps(pairs))
        return path
