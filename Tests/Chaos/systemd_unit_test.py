"""`deploy/herald.service`, the README's systemd unit, is one systemd reads without a complaint.

`systemd-analyze verify` reads the unit as systemd would (with ExecStart pointed at the built
binary, since /usr/local/bin/herald is not installed here): an unknown key or section, a bad value
or a command that cannot run is reported, and any report fails the test (unknown keys only warn,
so the exit status alone is not enough). Then its ExecStart runs, with the credentials in files,
is reloaded as its ExecReload does it (the files read again: a new API key accepted, the old one
refused, and the stream the old one opened ended while a kept key's stream goes on), and stops as
systemd would stop it. `deploy/herald-backup.service` and its timer are verified the same way,
and the backup's command runs beside that server (the copy made, its counts checked).
"""

import http.client
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

from chaos_test import HERALD_BIN, ROOT, answers_healthz, free_port, wait_until

UNIT = os.path.join(ROOT, "deploy", "herald.service")
BACKUP_UNIT = os.path.join(ROOT, "deploy", "herald-backup.service")
BACKUP_TIMER = os.path.join(ROOT, "deploy", "herald-backup.timer")


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

        # Its ExecStart runs, with the credentials in files named in the environment, as
        # EnvironmentFile= gives them (the database and the files in a scratch directory instead).
        # ExecReload has it read the files again, and the stop systemd sends (SIGTERM) ends it with
        # status 0, which systemd counts as a clean stop.
        command = next(line for line in text.splitlines() if line.startswith("ExecStart="))
        arguments = command.split("/usr/local/bin/herald serve", 1)[1].split()
        reload = next(line for line in text.splitlines() if line.startswith("ExecReload="))
        self.assertEqual(reload, "ExecReload=/bin/kill -HUP $MAINPID")
        with tempfile.TemporaryDirectory(prefix="herald-unit-") as directory:
            arguments = [a.replace("/var/lib/herald", directory) for a in arguments]
            port = free_port()
            keys, secret = os.path.join(directory, "api-keys"), os.path.join(directory, "token-secret")
            with open(keys, "w") as file:
                file.write("first-key\nkept-key\n")
            with open(secret, "w") as file:
                file.write("unit-" * 8 + "\n")
            environment = dict(os.environ, HERALD_API_KEYS_FILE=keys, HERALD_TOKEN_SECRET_FILE=secret,
                               HERALD_PORT=str(port), HERALD_MEMCACHED=f"127.0.0.1:{free_port()}")
            environment.pop("HERALD_API_KEYS", None)
            environment.pop("HERALD_TOKEN_SECRET", None)
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
                self.assertEqual(self.status(port, "first-key"), 200)
                # The command-line client on the server's machine finds the key in the same file.
                counts = subprocess.run([HERALD_BIN, "counts", "--user", "u1", "--json"],
                                        env=dict(environment, HERALD_URL=f"http://127.0.0.1:{port}"),
                                        capture_output=True, text=True, timeout=30)
                self.assertEqual((counts.returncode, counts.stderr), (0, ""))
                self.assertIn('"seq":0', counts.stdout.replace(" ", ""))
                self.assertEqual(self.status(port, "second-key"), 401)
                dropped, kept = self.stream(port, "first-key"), self.stream(port, "kept-key")

                with open(keys, "w") as file:
                    file.write("second-key\nkept-key\n")
                subprocess.run(reload.split("=", 1)[1].replace("$MAINPID", str(process.pid)).split(), check=True)
                wait_until(lambda: self.status(port, "second-key") == 200, 5, "the new key to be accepted")
                self.assertEqual(self.status(port, "first-key"), 401)
                self.assertIsNone(process.poll())
                # The stream the dropped key opened has ended; the kept key's still delivers.
                self.assertEqual(self.events(dropped), [])
                self.send(port, "kept-key")
                self.assertEqual(self.events(kept, 1), ["notification.created"])
                for connection, response in (dropped, kept):
                    response.close()
                    connection.close()
                self.runBackupUnit(directory)

                process.send_signal(signal.SIGTERM)
                self.assertEqual(process.wait(timeout=30), 0)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()

    def test_systemdReadsTheBackupUnitsWithoutAComplaint(self):
        with tempfile.TemporaryDirectory(prefix="herald-unit-") as directory:
            for unit in (BACKUP_UNIT, BACKUP_TIMER):
                shutil.copy(unit, directory)
            verified = subprocess.run(["systemd-analyze", "verify",
                                       os.path.join(directory, "herald-backup.timer"),
                                       os.path.join(directory, "herald-backup.service")],
                                      capture_output=True, text=True, timeout=60)
        self.assertEqual((verified.returncode, verified.stdout, verified.stderr), (0, "", ""))

    def runBackupUnit(self, directory):
        """The backup unit's command, with systemd's escapes undone and its paths in `directory`,
        beside the running server: one checked backup made, its counts checked, one two weeks old
        removed."""
        with open(BACKUP_UNIT) as unit:
            command = next(line for line in unit.read().splitlines() if line.startswith("ExecStart="))
        command = command.split("=", 1)[1].replace("%%", "%").replace("$$", "$")
        command = command.replace("/var/lib/herald", directory).replace("/usr/local/bin/herald", HERALD_BIN)
        backups = os.path.join(directory, "backups")
        os.makedirs(backups)
        old = os.path.join(backups, "herald-20200101T000000Z.sqlite")
        with open(old, "w") as file:
            file.write("an old backup")
        month_ago = time.time() - 30 * 24 * 3600
        os.utime(old, (month_ago, month_ago))
        ran = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=60)
        self.assertEqual((ran.returncode, ran.stderr), (0, ""))
        self.assertRegex(ran.stdout, r"^backed up .*herald\.sqlite to .*/backups/herald-\d{8}T\d{6}Z\.sqlite: ")
        self.assertRegex(ran.stdout.splitlines()[1],
                         r"^checked .*/backups/herald-\d{8}T\d{6}Z\.sqlite: \d+ users?, structure not checked, "
                         r"every user's state agrees; in \d+ ms$")
        made = os.listdir(backups)
        self.assertEqual(len(made), 1, made)
        self.assertRegex(made[0], r"^herald-\d{8}T\d{6}Z\.sqlite$")

    @staticmethod
    def stream(port, key):
        """User u1's stream opened with `key`, read past its first event (`counts`)."""
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/v1/users/u1/stream", headers={"Authorization": f"Bearer {key}"})
        response = connection.getresponse()
        assert response.status == 200, response.status
        assert SystemdUnitTest.events(response, 1) == ["counts"]
        return connection, response

    @staticmethod
    def events(stream, wanted=None):
        """The names of the next `wanted` events of `stream` (a connection and its response, or a
        response); all of them until it ends when `wanted` is None (a stream that does not end
        fails on the read's timeout)."""
        response = stream[1] if isinstance(stream, tuple) else stream
        names = []
        while wanted is None or len(names) < wanted:
            line = response.fp.readline()
            if not line:
                break
            if line.startswith(b"event: "):
                names.append(line[7:].strip().decode())
        return names

    @staticmethod
    def send(port, key):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        body = json.dumps({"user": "u1", "type": "t", "title": "after the reload"})
        connection.request("POST", "/v1/notifications", body=body,
                           headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
        status = connection.getresponse().status
        connection.close()
        assert status == 201, status

    @staticmethod
    def status(port, key):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/users/u1/counts",
                                         headers={"Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code


if __name__ == "__main__":
    unittest.main()
