"""A Redis cache that treats Redis being down as a cache miss, so the pages keep serving.

Wagtail looks up its site root paths in the cache on every page; with Django's own
Redis backend a stopped Redis would turn every page into an error. Reads then miss and
writes are skipped (logged); ``add`` and ``incr``, which callers use as atomic claims,
still raise, so nobody believes a claim that was never made.
"""

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
DOWN = (RedisConnectionError, RedisTimeoutError)


class TolerantRedisCache(RedisCache):
    """Django's RedisCache; while Redis cannot be reached, a cache that holds nothing."""

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except DOWN as exc:
            logger.warning("cache unreachable, reading %s missed: %s", key, exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except DOWN as exc:
            logger.warning("cache unreachable, reading %d keys missed: %s", len(keys), exc)
            return {}

    def set(self, key: Any, value: Any, timeout: Any = None, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except DOWN as exc:
            logger.warning("cache unreachable, %s not stored: %s", key, exc)

    def set_many(self, data: Any, timeout: Any = None, version: int | None = None) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except DOWN as exc:
            logger.warning("cache unreachable, %d keys not stored: %s", len(data), exc)
            return list(data)

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except DOWN as exc:
            # A stale entry would outlive the outage: say so loudly.
            logger.error("cache unreachable, %s not deleted: %s", key, exc)
            return False
