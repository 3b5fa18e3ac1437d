"""The fetch tests' tile server stays quiet when a client hangs up mid-answer (tests/tile_server.py)."""

import socket
import time

from .tile_server import TileServer


def test_a_client_hanging_up_mid_answer_prints_no_traceback(capfd):
    big = b"\xff" * (16 << 20)  # larger than any socket buffer: the server is still writing when the client goes
    with TileServer({(1, 0, 0): big}) as server:
        port = server.httpd.server_address[1]
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(b"GET /1/0/0.jpg HTTP/1.1\r\nHost: x\r\n\r\n")
                s.recv(1024)  # the answer has begun
            time.sleep(0.3)  # the server's write fails after the close
        deadline = time.monotonic() + 5
        while server.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err and "ConnectionReset" not in err
