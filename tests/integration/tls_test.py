#!/usr/bin/env python3
"""TLS between supervisor and workers (--dist-tls-cert, --dist-tls-key,
--dist-tls-ca), with throwaway certificates made by the openssl command in a
scratch directory. The worker runs slow_suite with SLOW_SUITE_MARKER_DIR, so
"nothing ran" is checked on disk.

- The right CA: the run completes, and a proxy in between sees no plaintext.
- A supervisor trusting another CA, or a worker certificate for another name:
  the handshake fails with the reason on both sides; nothing runs.
- A worker that requires client certificates: refused without one, served
  with one. A plain supervisor meets a TLS worker: nothing runs.
- TLS and the shared secret together.
- Bad combinations and unreadable files: exit 2 naming the flag and file.

Usage: tls_test.py --bin build/tests/integration/slow_suite [-v]
"""

import os
import subprocess

import harness

FILTER = "--gtest_filter=*SlowA.*"  # 12 tests
SELECTED = 12


class Pki:
    """Two CAs; certificates for the worker (127.0.0.1), for another name,
    and for a supervisor client, all signed by the first CA."""

    def __init__(self, directory):
        self.dir = directory
        self.ca = self._ca("ca")
        self.other_ca = self._ca("other-ca")
        self.worker = self._leaf("worker", "IP:127.0.0.1,DNS:localhost")
        self.wrong_name = self._leaf("wrong-name", "DNS:elsewhere.example")
        self.client = self._leaf("client", "DNS:supervisor.example")

    def path(self, name):
        return os.path.join(self.dir, name)

    def _openssl(self, *args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60)

    def _key(self, name):
        self._openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                      "-out", self.path(name + ".key"))
        return self.path(name + ".key")

    def _ca(self, name):
        key = self._key(name)
        self._openssl("req", "-x509", "-new", "-key", key, "-days", "2", "-subj",
                      "/CN=gtest_dist test " + name, "-out", self.path(name + ".pem"))
        return self.path(name + ".pem")

    def _leaf(self, name, san):
        key = self._key(name)
        csr = self.path(name + ".csr")
        self._openssl("req", "-new", "-key", key, "-subj", "/CN=" + name, "-out", csr)
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=%s\n" % san)
        self._openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey",
                      self.path("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", ext,
                      "-out", self.path(name + ".pem"))
        return self.path(name + ".pem"), key


class TlsTest(harness.IntegrationTestCase):

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls.pki_dir = tempfile.mkdtemp(prefix="gtest_dist_pki_")
        cls.pki = Pki(cls.pki_dir)

    @classmethod
    def tearDownClass(cls):
        import shutil
        shutil.rmtree(cls.pki_dir, True)

    def setUp(self):
        super().setUp()
        self.marker_dir = os.path.join(self.scratch, "ran")
        os.mkdir(self.marker_dir)

    def ran(self):
        return os.listdir(self.marker_dir)

    def worker(self, cert=None, ca=None, extra=()):
        cert, key = cert or self.pki.worker
        args = ["--dist-tls-cert=" + cert, "--dist-tls-key=" + key] + list(extra)
        if ca:
            args.append("--dist-tls-ca=" + ca)
        worker = harness.Worker(harness.OPTIONS.bin, jobs=2, log_dir=self.scratch,
                                extra_args=args, env={"SLOW_SUITE_MARKER_DIR": self.marker_dir})
        self.addCleanup(worker.kill)
        return worker.start()

    def supervise(self, address, args):
        return harness.run([harness.OPTIONS.bin, "--dist-supervisor", "--workers", address,
                            "--dist-fallback=fail", FILTER] + list(args))

    def assert_ran_everything(self, result, worker):
        where = result.describe() + "\n" + worker.log()
        self.assertEqual(result.returncode, 0, where)
        self.assertEqual(harness.Console(result.stdout).passed_count, SELECTED, where)
        self.assertEqual(len(self.ran()), SELECTED, where)

    def assert_refused(self, result, worker, supervisor_says, worker_says):
        where = result.describe() + "\n" + worker.log()
        self.assertNotEqual(result.returncode, 0, where)
        self.assertIn(supervisor_says, result.stderr, where)
        harness.wait_until(lambda: worker_says in worker.log(), 10,
                           "worker logs %r\n%s" % (worker_says, where))
        self.assertEqual(self.ran(), [], "tests ran\n" + where)
        self.assertTrue(worker.alive(), where)

    def test_right_ca_runs_and_nothing_crosses_in_clear(self):
        worker = self.worker()
        proxy = harness.RecordingProxy(worker.address)
        self.addCleanup(proxy.close)
        result = self.supervise(proxy.address.replace("127.0.0.1", "localhost"),
                                ["--dist-tls-ca=" + self.pki.ca])
        self.assert_ran_everything(result, worker)
        # The frames are JSON; through TLS, none of it is readable.
        self.assertGreater(len(proxy.from_client), 100)
        for clear in (b'"type"', b"hello", b"SlowA"):
            self.assertNotIn(clear, proxy.from_client + proxy.from_server)

    def test_wrong_ca_fails_and_runs_nothing(self):
        worker = self.worker()
        result = self.supervise(worker.address, ["--dist-tls-ca=" + self.pki.other_ca])
        self.assert_refused(result, worker, "TLS handshake failed: certificate verify failed",
                            "TLS handshake failed")

    def test_certificate_for_another_name_fails(self):
        worker = self.worker(cert=self.pki.wrong_name)
        result = self.supervise(worker.address, ["--dist-tls-ca=" + self.pki.ca])
        self.assert_refused(result, worker, "TLS handshake failed: certificate verify failed",
                            "TLS handshake failed")

    def test_client_certificate_required(self):
        worker = self.worker(ca=self.pki.ca)
        without = self.supervise(worker.address, ["--dist-tls-ca=" + self.pki.ca])
        self.assert_refused(without, worker, "TLS handshake failed",
                            "peer did not return a certificate")
        cert, key = self.pki.client
        with_cert = self.supervise(worker.address, ["--dist-tls-ca=" + self.pki.ca,
                                                    "--dist-tls-cert=" + cert,
                                                    "--dist-tls-key=" + key])
        self.assert_ran_everything(with_cert, worker)

    def test_plain_supervisor_meets_tls_worker(self):
        worker = self.worker()
        result = self.supervise(worker.address, [])
        self.assert_refused(result, worker, "no worker could be used", "TLS handshake failed")

    def test_tls_and_secret_together(self):
        secret = os.path.join(self.scratch, "secret")
        with open(secret, "w") as f:
            f.write("tls-and-secret-0123456789abcdef\n")
        os.chmod(secret, 0o600)  # a secret others may read is refused
        worker = self.worker(extra=["--dist-secret-file=" + secret])
        result = self.supervise(worker.address, ["--dist-tls-ca=" + self.pki.ca,
                                                 "--dist-secret-file=" + secret])
        self.assert_ran_everything(result, worker)

    def test_bad_configuration_exits_2_naming_the_problem(self):
        binary = harness.OPTIONS.bin
        cert, key = self.pki.worker
        missing = os.path.join(self.scratch, "missing.pem")
        cases = [
            ([binary, "--dist-worker", "--bind", "127.0.0.1:0", "--dist-tls-key=" + key],
             "--dist-tls-key is given without --dist-tls-cert"),
            ([binary, "--dist-worker", "--bind", "127.0.0.1:0", "--dist-tls-ca=" + self.pki.ca],
             "--dist-tls-ca is given without --dist-tls-cert"),
            ([binary, "--dist-worker", "--bind", "127.0.0.1:0", "--dist-tls-cert=" + missing,
              "--dist-tls-key=" + key], "--dist-tls-cert=%s: cannot read" % missing),
            ([binary, "--dist-worker", "--bind", "127.0.0.1:0", "--dist-tls-cert=" + key,
              "--dist-tls-key=" + key], "--dist-tls-cert=%s: not a usable PEM file" % key),
            ([binary, "--dist-worker", "--bind", "127.0.0.1:0", "--dist-tls-cert=" + cert,
              "--dist-tls-key=" + self.pki.client[1]], "does not belong to the certificate"),
            ([binary, "--dist-supervisor", "--workers", "127.0.0.1:1",
              "--dist-tls-cert=" + cert, "--dist-tls-key=" + key],
             "without --dist-tls-ca"),
        ]
        for argv, message in cases:
            result = harness.run(argv, timeout=30)
            self.assertEqual(result.returncode, 2, result.describe())
            self.assertIn(message, result.stderr, result.describe())
            self.assertNotIn("listening on", result.stdout, result.describe())


if __name__ == "__main__":
    harness.main()
