"""The broker: Debian's redis-server on a free loopback port, refusing clients without the password."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.celery, pytest.mark.services]


def test_redis_starts_on_loopback_with_a_password(tmp_path):
    import redis

    from sandbox.services.common import free_port, port_in_use
    from sandbox.services.redis import RedisServer

    server = RedisServer(tmp_path / "redis", free_port(), attached=True).start()
    try:
        client = redis.Redis.from_url(server.url)
        client.set("collecte", "ok")
        assert client.get("collecte") == b"ok"
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=server.port).get("collecte")
    finally:
        server.stop()
    assert not port_in_use(server.port)
