#!/usr/bin/env python3
"""Starts a service the way systemd starts one of a .socket unit, for `make test-install` (systemd
itself does not run in the test's chroot): binds the unit's ListenStream= path, gives it the
SocketGroup= and SocketMode= the unit says, passes it on fd 3 with LISTEN_FDS=1 and LISTEN_PID,
and execs the command in this very process, so that LISTEN_PID is the program's pid at the end of
a chain of execs (chroot, setpriv). The environment is systemd's: PATH and the two variables.

usage: socket-activate.py SOCKET_PATH GROUP_ID MODE COMMAND [ARG ...]
"""
import os
import socket
import sys


def main() -> None:
    path, group_id, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 8)
    command = sys.argv[4:]
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chown(path, 0, group_id)
    os.chmod(path, mode)
    listener.listen(1024)
    if listener.fileno() != 3:
        os.dup2(listener.fileno(), 3)
    os.set_inheritable(3, True)
    environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LISTEN_FDS": "1", "LISTEN_PID": str(os.getpid())}
    os.execve(command[0], command, environment)


if __name__ == "__main__":
    main()
