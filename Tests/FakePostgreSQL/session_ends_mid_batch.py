#!/usr/bin/env python3
"""A PostgreSQL server that ends each session the way a fast shutdown can catch a batch: it speaks
just enough of the frontend/backend protocol, version 3 (https://www.postgresql.org/docs/15/protocol-message-formats.html)
to let a client in without a password, then answers the first batch's statements (ParseComplete,
BindComplete, NoData, CommandComplete each) and, where the batch's ReadyForQuery belongs, sends
FATAL 57P01 ("terminating connection due to administrator command") and holds the socket open
for two seconds before closing it, so the client reads the FATAL before it can see the end of the
stream. A real server does this when its shutdown's signal lands between a statement's end and the
sync; tests/PostgreSQLTests needs it every time. Prints "LISTENING <port>" once ready."""
import socket, struct, threading, time


def message(kind, payload=b""):
    return kind + struct.pack("!i", len(payload) + 4) + payload


def read_exactly(connection, count):
    data = b""
    while len(data) < count:
        chunk = connection.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def serve(connection):
    try:
        while True:  # SSLRequest and GSSENCRequest are refused with "N"; then the StartupMessage.
            length, code = struct.unpack("!ii", read_exactly(connection, 8))
            read_exactly(connection, length - 8)
            if code in (80877103, 80877104):
                connection.sendall(b"N")
                continue
            break
        parameters = b"".join(message(b"S", name + b"\0" + value + b"\0") for name, value in
                              [(b"server_version", b"15.0"), (b"client_encoding", b"UTF8"),
                               (b"standard_conforming_strings", b"on"), (b"integer_datetimes", b"on")])
        connection.sendall(message(b"R", struct.pack("!i", 0)) + parameters
                           + message(b"K", struct.pack("!ii", 4242, 1)) + message(b"Z", b"I"))
        answer = b""
        while True:
            kind = read_exactly(connection, 1)
            (length,) = struct.unpack("!i", read_exactly(connection, 4))
            read_exactly(connection, length - 4)
            if kind == b"P":
                answer += message(b"1")
            elif kind == b"B":
                answer += message(b"2")
            elif kind == b"D":
                answer += message(b"n")
            elif kind == b"E":
                answer += message(b"C", b"SET\0")
            elif kind == b"S":
                fatal = b"SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0"
                connection.sendall(answer + message(b"E", fatal))
                time.sleep(2)
                return
            elif kind == b"X":
                return
    except (EOFError, OSError):
        pass
    finally:
        connection.close()


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print(f"LISTENING {listener.getsockname()[1]}", flush=True)
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
