#!/usr/bin/env python3
"""Clients for the limit tests of the forking example servers (cvs-interop.sh, distcc-interop.sh),
on loopback only.

  limits-client.py hold PORT COUNT
      opens COUNT connections that send nothing, prints "held", keeps them until killed
  limits-client.py talk PORT SOURCE TEXT
      connects from the loopback address SOURCE, sends TEXT (backslash escapes such as \\n),
      prints what comes back until the server closes ("[closed]") or is silent for 3 s ("[open]")
"""
import socket
import sys
import time


def hold(port, count):
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    print("held", len(held), flush=True)
    time.sleep(600)


def talk(port, source, text):
    s = socket.socket()
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(text.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    s.settimeout(3)
    received = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                print(received.decode("latin-1") + "[closed]")
                return
            received += chunk
    except socket.timeout:
        print(received.decode("latin-1") + "[open]")
    except ConnectionResetError:
        print(received.decode("latin-1") + "[closed]")


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        hold(int(sys.argv[2]), int(sys.argv[3]))
    else:
        talk(int(sys.argv[2]), sys.argv[3], sys.argv[4])
