"""`deploy/herald.service`, the README's systemd unit, is one systemd reads without a complaint.

`systemd-analyze verify` reads the unit as systemd would (with ExecStart pointed at the built
binary, since /usr/local/bin/herald is not installed here): an unknown key or section, a bad value
or a command that cannot run is reported, and any report fails the test (unknown keys only warn,
so the exit status alone is not enough). Then its ExecStart runs and stops as systemd would run
and stop it.
"""

import os
import signal
import subprocess
import tempfile
import unittest

from chaos_test import API_KEY, HERALD_BIN, ROOT, answers_healthz, free_port, wait_until

UNIT = os.path.join(ROOT, "deploy", "herald.service")


class SystemdUnitTest(unittest.TestCase):
    def test_systemdReadsTheUnitWithoutAComplaint(self):
        with open(UNIT) as unit:
            text = unit.read()
        self.assertEqual(text.count("/usr/local/bin/herald serve"), 1)
        with tempfile.TemporaryDirectory(prefix="herald-unit-") as directory:
            path = os.path.join(directory, "herald.service")
            with open(path, "w") as copy:
                copy.write(text.replace("/usr/local/bin/herald serve", f"{os.path.abspath(HERALD_BIN)} serve"))
            verified = subprocess.run(["systemd-analyze", "verify", path], capture_output=True, text=True,
                                      timeout=60)
        self.assertEqual((verified.returncode, verified.stdout, verified.stderr), (0, "", ""))

        # Its ExecStart runs, with the credentials in the environment as EnvironmentFile= gives
        # them (the database in a scratch directory instead), and the stop systemd sends (SIGTERM)
        # ends it with status 0, which systemd counts as a clean stop.
        command = next(line for line in text.splitlines() if line.startswith("ExecStart="))
        arguments = command.split("/usr/local/bin/herald serve", 1)[1].split()
        with tempfile.TemporaryDirectory(prefix="herald-unit-") as directory:
            arguments = [a.replace("/var/lib/herald", directory) for a in arguments]
            port = free_port()
            environment = dict(os.environ, HERALD_API_KEYS=API_KEY, HERALD_TOKEN_SECRET="unit-" * 8,
                               HERALD_PORT=str(port), HERALD_MEMCACHED=f"127.0.0.1:{free_port()}")
            with open(os.path.join(directory, "herald.log"), "w") as log:
                process = subprocess.Popen([HERALD_BIN, "serve", *arguments], env=environment, stdout=log,
                                           stderr=log)
            try:
                def ready():
                    if process.poll() is not None:
                        with open(os.path.join(directory, "herald.log")) as log:
                            raise AssertionError(f"herald exited with {process.returncode}: {log.read()}")
                    return answers_healthz(port)
                wait_until(ready, 60, "herald to answer /healthz")
                self.assertTrue(os.path.exists(os.path.join(directory, "herald.sqlite")))
                process.send_signal(signal.SIGTERM)
                self.assertEqual(process.wait(timeout=30), 0)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()


if __name__ == "__main__":
    unittest.main()
