"""GRDF ADICT stand-in: `start_grdf(port) -> GrdfSandbox` (see server.py, app.py for the interface)."""

from sandbox.grdf.server import GrdfSandbox, start_grdf

__all__ = ["GrdfSandbox", "start_grdf"]
