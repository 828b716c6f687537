"""The demo inbox asks for no credentials: `GET /demo/session` hands whoever reaches the server a
token for the demo user. A server that serves it on an address beyond the machine itself says so
at `warning`, naming the user; one on the loopback address only gives the page's address.
"""

import http.client
import json
import os
import unittest

from chaos_test import HeraldServer, end_scratch, free_port, scratch_with_memcached

WARNING = "the demo inbox gives whoever reaches"


class DemoWarningTest(unittest.TestCase):
    def setUp(self):
        self.directory, (self.memcached,) = scratch_with_memcached(self, "demo-warning")
        self.servers = []

    def tearDown(self):
        end_scratch(self.directory, *(server.process for server in self.servers), self.memcached.process)

    def serve(self, host):
        log = os.path.join(self.directory, f"{host}.log")
        server = HeraldServer(free_port(), os.path.join(self.directory, f"{host}.sqlite"), [self.memcached.port], log)
        server.arguments += ["--host", host, "--demo", "--demo-user", "showcase"]
        self.servers.append(server)
        server.start()
        return server, log

    def test_aDemoServedBeyondTheMachineIsWarnedOf(self):
        for host, warned in [("127.0.0.1", False), ("0.0.0.0", True)]:
            server, log = self.serve(host)
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            try:
                connection.request("GET", "/demo/session")  # no credentials
                response = connection.getresponse()
                self.assertEqual(response.status, 200)
                self.assertIn("token", json.loads(response.read()))
            finally:
                connection.close()
            self.assertEqual(server.stop(), 0)
            with open(log) as text:
                lines = text.read().splitlines()
            self.assertTrue(any(f"demo inbox: http://{host}:{server.port}/" in line for line in lines), host)
            warnings = [line for line in lines if WARNING in line]
            self.assertEqual(len(warnings), 1 if warned else 0, f"{host}: {warnings}")
            if warned:
                self.assertIn(" warning ", warnings[0])
                self.assertIn("a token for the user showcase (GET /demo/session)", warnings[0])


if __name__ == "__main__":
    unittest.main()
