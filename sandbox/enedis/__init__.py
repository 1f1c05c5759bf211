"""Enedis stand-ins: Data Connect 2026 (REST) and SGE (SOAP, M023 files by SFTP).

`start_enedis(port, sftp_dir)` starts both on 127.0.0.1 in a thread; see `server.py`.
"""

from sandbox.enedis.server import EnedisSandbox, start_enedis

__all__ = ["EnedisSandbox", "start_enedis"]
