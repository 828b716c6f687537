"""A client too slow to send its request gets `408 request_timeout`, and reads it.

`herald serve --idle-timeout 1` answers a request still unfinished at two checks in a row with a
408, closes its side, and lingers: what the client still sends is dropped without a reset (a reset
can destroy the 408 before the client reads it), until the client closes or 2 s have passed. The
408 is counted in `/metrics` under the route `incomplete`.
"""

import os
import socket
import time
import unittest

from chaos_test import HeraldServer, end_scratch, free_port, scrape_metrics, scratch_with_memcached

INCOMPLETE = 'herald_http_requests_total{route="incomplete",method="other",status="408"}'


class SlowClientTest(unittest.TestCase):
    def setUp(self):
        self.directory, (self.memcached,) = scratch_with_memcached(self, "slow-client")
        self.server = HeraldServer(free_port(), os.path.join(self.directory, "herald.sqlite"),
                                   [self.memcached.port], os.path.join(self.directory, "herald.log"))
        self.server.arguments += ["--idle-timeout", "1"]
        self.server.start()

    def tearDown(self):
        end_scratch(self.directory, self.server.process, self.memcached.process)

    def test_aHalfSentRequestIsAnswered408AndTheClientMayFinishSending(self):
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as connection:
            connection.sendall(b"GET /v1/users/u1/co")
            answer = b""
            while chunk := connection.recv(4096):  # until the server closes its side
                answer += chunk
            answered = time.monotonic()
            self.assertTrue(answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), answer)
            self.assertIn(b'"code":"request_timeout"', answer)
            self.assertIn(b"\r\nConnection: close\r\n", answer)

            # Lingering: the rest of the request is taken and dropped, not answered with a reset.
            for _ in range(3):
                time.sleep(0.1)
                connection.sendall(b"unts HTTP/1.1\r\n")
            # Then closed outright within the 2 s it lingers.
            with self.assertRaises((BrokenPipeError, ConnectionResetError)):
                while time.monotonic() - answered < 10:
                    time.sleep(0.1)
                    connection.sendall(b"X-Slow: 1\r\n")
            self.assertLess(time.monotonic() - answered, 4)
        self.assertEqual(scrape_metrics(self.server.port).get(INCOMPLETE), 1)


if __name__ == "__main__":
    unittest.main()
