#!/usr/bin/env python3
"""Runs a command with its syslog messages collected in a file (loopback tests, runs as root).

  with-syslog.py FILE CMD...

CMD runs in a mount namespace of its own whose /dev has a /dev/log socket of ours (inetd.py's
private_dev_with_log); each message lands in FILE, one a line. Exits with CMD's status; a
SIGTERM is passed on to CMD.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from inetd import private_dev_with_log  # noqa: E402


def main():
    log, command = sys.argv[1], sys.argv[2:]
    private_dev_with_log(log)
    child = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    status = child.wait()
    time.sleep(0.2)  # the collector writes the last messages CMD sent before it ended
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
