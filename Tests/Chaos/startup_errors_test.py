"""Start-up mistakes: `herald serve` exits 2 with one line that says what to set or fix.

API.md: "Without `--dev`, a missing API key or token secret is a start-up error that says what to
set." The same holds for a credential given two ways, a token secret too short to be safe, a
`--memcached` that names no server, and a database that cannot be opened. None of them may start a
server, and no message may carry more than the mistake (no stack, no errno).
"""

import os
import subprocess
import tempfile
import unittest

from chaos_test import HERALD_BIN, free_port

SECRET = "0123456789abcdef0123456789abcdef"


class StartupErrorsTest(unittest.TestCase):
    def setUp(self):
        if not os.access(HERALD_BIN, os.X_OK):
            self.fail(f"no herald binary at {HERALD_BIN}")
        self.directory = tempfile.TemporaryDirectory(prefix="herald-startup-")
        self.addCleanup(self.directory.cleanup)

    def path(self, name):
        return os.path.join(self.directory.name, name)

    def refused(self, variables, *flags, database="herald.sqlite"):
        """`herald serve` with only `variables` in its environment; asserts it exits 2 and returns
        its last line of output (the critical one)."""
        environment = {"PATH": os.environ["PATH"], **variables}
        if "LLVM_PROFILE_FILE" in os.environ:  # make coverage: where the run writes its profile
            environment["LLVM_PROFILE_FILE"] = os.environ["LLVM_PROFILE_FILE"]
        arguments = [HERALD_BIN, "serve", "--port", str(free_port()), "--database", self.path(database),
                     "--memcached", self.path("no-memcached.sock"), *flags]
        run = subprocess.run(arguments, env=environment, capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
        lines = (run.stdout + run.stderr).strip().splitlines()
        self.assertIn(" critical herald: ", lines[-1])
        self.assertNotIn("errno", lines[-1].lower())
        return lines[-1].split(" critical herald: ", 1)[1]

    def test_missingCredentialsSayWhatToSet(self):
        self.assertEqual(self.refused({}),
                         "no API key: set HERALD_API_KEYS or HERALD_API_KEYS_FILE, or pass --api-key (or use --dev)")
        self.assertEqual(
            self.refused({"HERALD_API_KEYS": SECRET}),
            "no token secret: set HERALD_TOKEN_SECRET or HERALD_TOKEN_SECRET_FILE, or pass --token-secret "
            "(or use --dev)")

    def test_credentialsGivenTwoWaysOrTooShortAreRefused(self):
        keys = self.path("keys")
        with open(keys, "w") as file:
            file.write(SECRET + "\n")
        self.assertEqual(self.refused({"HERALD_API_KEYS": SECRET, "HERALD_API_KEYS_FILE": keys,
                                       "HERALD_TOKEN_SECRET": SECRET}),
                         "set HERALD_API_KEYS or HERALD_API_KEYS_FILE, not both")
        self.assertEqual(self.refused({"HERALD_API_KEYS": SECRET, "HERALD_TOKEN_SECRET": "short"}),
                         "HERALD_TOKEN_SECRET/--token-secret: the token secret must be at least 32 bytes long")

    def test_aMemcachedAddressOrDatabaseThatCannotServeIsRefused(self):
        credentials = {"HERALD_API_KEYS": SECRET, "HERALD_TOKEN_SECRET": SECRET}
        self.assertEqual(self.refused(credentials, "--memcached", "::1"),
                         "bad --memcached/HERALD_MEMCACHED: an IPv6 address goes in brackets, as in [::1]:11211: "
                         "'::1'")
        self.assertEqual(self.refused(credentials, "--memcached", "cache:99999"),
                         "bad --memcached/HERALD_MEMCACHED: bad port in 'cache:99999'")
        with open(self.path("a-file"), "w"):
            pass
        self.assertEqual(self.refused(credentials, database="a-file/herald.sqlite"),
                         f"cannot open {self.path('a-file/herald.sqlite')}: Not a directory")
        with open(self.path("not-a-database.sqlite"), "w") as file:
            file.write("these are not the bytes of an SQLite database\n" * 200)
        self.assertEqual(self.refused(credentials, database="not-a-database.sqlite"),
                         f"cannot open the database: {self.path('not-a-database.sqlite')} is not an SQLite database, "
                         "or is damaged")


if __name__ == "__main__":
    unittest.main()
