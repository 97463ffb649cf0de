"""Check the address the page is to be served on before anything is loaded: the host and the port, each in one line.

Gradio reports both a busy port and a host it cannot bind as "Cannot find empty port", with a traceback, and
only after the networks are loaded.
"""

from __future__ import annotations

import errno
import socket

from ..errors import OptionError


def check_address(host: str, port: int) -> None:
    """Raise `OptionError` naming ``--host`` (does not resolve, or is no address of this machine) or ``--port``
    (in use, or reserved) when the page could not be served on ``host:port``; binds nothing past this call."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise OptionError("--host", f"{host!r} does not resolve to an address ({reason})") from None
    family, kind, protocol, _, address = addresses[0]
    with socket.socket(family, kind, protocol) as probe:
        # As the server will: a port left in TIME_WAIT by an earlier run is free, one with a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise OptionError("--port", f"{port} is already in use on {host} (choose another --port)") from None
            if error.errno == errno.EADDRNOTAVAIL:
                raise OptionError("--host", f"{host} is not an address of this machine ({error.strerror})") from None
            if error.errno == errno.EACCES:
                raise OptionError("--port", f"{port} needs privileges to serve on (choose one above 1023)") from None
            raise OptionError("--host", f"cannot serve on {host}:{port} ({error.strerror})") from None
