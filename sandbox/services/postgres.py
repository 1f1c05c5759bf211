"""A PostgreSQL cluster of the project's own (initdb + pg_ctl), on 127.0.0.1 and a chosen port."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.services.common import (
    ServiceError,
    chown_tree,
    ensure_port_free,
    run_as,
    wait_until,
)

PG_USER = "postgres"


def _pg_bin(name: str) -> str:
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise ServiceError(f"postgresql: {name} not found (apt-get install postgresql)")
    return found


_SCRAM_HBA = ("# collecte: passwords (SCRAM-SHA-256) on loopback, no trust\n"
              "local all all peer\n"
              "host all all 127.0.0.1/32 scram-sha-256\n"
              "host all all ::1/128 scram-sha-256\n")


@dataclass
class PostgresServer:
    """One cluster in `data_dir`, reachable as `superuser_url`.

    `attached=True` (the tests) runs the postmaster as a child that dies with this process, so
    a killed test run leaves no server behind; otherwise (the demo) pg_ctl daemonizes it.
    `password` (the demo): the superuser has this password and every TCP login needs its own
    (SCRAM-SHA-256), instead of trust authentication; a cluster made with trust is converted.
    """

    data_dir: Path
    port: int
    attached: bool = False
    password: str | None = field(default=None, repr=False)
    _process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def superuser_url(self) -> str:
        """URL of the superuser's `postgres` database."""
        return self.url("postgres")

    def url(self, database: str, user: str = PG_USER, password: str | None = None) -> str:
        """URL of `database` for `user` (the superuser's own password by default)."""
        from urllib.parse import quote

        password = password or (self.password if user == PG_USER else None)
        auth = f"{user}:{quote(password, safe='')}" if password else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(args, preexec_fn=run_as(PG_USER), capture_output=True, text=True,
                              check=check, cwd="/tmp")

    def start(self) -> PostgresServer:
        """initdb if needed, then start on 127.0.0.1:port and wait until it accepts connections."""
        if self.is_running():
            return self
        ensure_port_free("postgresql", self.port)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        chown_tree(str(self.data_dir), PG_USER)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb()
        log = self.data_dir / "server.log"
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='' "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=200 -c shared_buffers=256MB -c timezone=UTC")
        if self.attached:
            return self._start_attached(opts, log)
        result = self._run(_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(log), "-o", opts,
                           "-w", "-t", "30", "start", check=False)
        if result.returncode:
            tail = log.read_text(errors="replace")[-800:] if log.exists() else result.stderr
            raise ServiceError(f"postgresql: did not start on 127.0.0.1:{self.port}: {tail.strip()}")
        wait_until("postgresql", self.accepts_connections, timeout=30)
        if self.password:
            self._require_passwords()
        return self

    def _initdb(self) -> None:
        auth = ["--auth=trust"]
        pwfile = None
        if self.password:
            import tempfile

            fd, pwfile = tempfile.mkstemp(prefix="pgpw-")
            os.write(fd, self.password.encode())
            os.close(fd)
            chown_tree(pwfile, PG_USER)
            auth = ["--auth-local=peer", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        try:
            result = self._run(_pg_bin("initdb"), "-D", str(self.data_dir), "-U", PG_USER, *auth,
                               "-E", "UTF8", "--locale=C.UTF-8", check=False)
        finally:
            if pwfile:
                os.unlink(pwfile)
        if result.returncode:
            raise ServiceError(f"postgresql: initdb failed: {result.stderr.strip()[-500:]}")

    def _require_passwords(self) -> None:
        """Set the superuser's password and require SCRAM passwords (a trust cluster is converted)."""
        import psycopg
        from psycopg import sql

        hba = self.data_dir / "pg_hba.conf"
        if hba.read_text() == _SCRAM_HBA:
            return
        with psycopg.connect(self.superuser_url, autocommit=True) as conn:  # still trust: the password is ignored
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(PG_USER),
                                                                     sql.Literal(self.password)))
            hba.write_text(_SCRAM_HBA)
            chown_tree(str(hba), PG_USER)
            hba.chmod(0o600)
            conn.execute("SELECT pg_reload_conf()")

    def ensure_role(self, name: str, password: str, *, member_of: str | None = None) -> None:
        """A login role with a SCRAM password (created or its password reset), optionally in a group role."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.superuser_url, autocommit=True) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name),
                                                                             sql.Literal(password)))
            if member_of:
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(member_of), sql.Identifier(name)))

    def _start_attached(self, opts: str, log: Path) -> PostgresServer:
        import shlex

        with open(log, "ab") as out:
            self._process = subprocess.Popen(
                [_pg_bin("postgres"), "-D", str(self.data_dir), *shlex.split(opts)],
                stdout=out, stderr=subprocess.STDOUT, preexec_fn=run_as(PG_USER, attached=True), cwd="/tmp")
        wait_until("postgresql", self.accepts_connections, timeout=30,
                   alive=lambda: self._process.poll() is None, log_hint=f"See {log}.")
        if self.password:
            self._require_passwords()
        return self

    def accepts_connections(self) -> bool:
        """Whether a connection succeeds now."""
        import psycopg

        try:
            with psycopg.connect(self.superuser_url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def is_running(self) -> bool:
        """Whether this cluster's postmaster is alive."""
        pid_file = self.data_dir / "postmaster.pid"
        if not pid_file.exists():
            return False
        try:
            os.kill(int(pid_file.read_text().split()[0]), 0)
        except (OSError, ValueError):
            return False
        return True

    def stop(self) -> None:
        """Stop the cluster (fast shutdown)."""
        if self._process is not None:
            self._process.send_signal(2)  # SIGINT: PostgreSQL's fast shutdown
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
            return
        if self.is_running():
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop", check=False)

    def create_database(self, name: str, *, template: str | None = None, owner: str | None = None) -> str:
        """Create `name` (optionally from a template database); return its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.superuser_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
                if template:
                    stmt += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
                if owner:
                    stmt += sql.SQL(" OWNER {}").format(sql.Identifier(owner))
                conn.execute(stmt)
            elif owner:
                conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name),
                                                                           sql.Identifier(owner)))
        return self.url(name)
