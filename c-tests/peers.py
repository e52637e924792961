"""What the load and fault scripts (stress.py, cut-session.py) share: servers on loopback ports,
their children, and the files a CVS and a host-auth daemon need."""
import os
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv, port, log_path, env=None):
    """Starts a server logging to log_path; returns it once it accepts connections on port."""
    log = open(log_path, "ab")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, **(env or {})))
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.025)
    sys.exit("the server did not start:\n" + open(log_path, errors="replace").read())


def children(pid):
    """How many live children process pid has."""
    return sum(len(open("/proc/%d/task/%s/children" % (pid, task)).read().split())
               for task in os.listdir("/proc/%d/task" % pid))


def cvs_repository(work):
    """A repository in work where alice (password "secret", a DES hash) works as the system
    user daemonauth-cvs (created if absent; needs root); returns its path."""
    repo = os.path.join(work, "repo")
    subprocess.run(["cvs", "-Q", "-d", repo, "init"], check=True)
    des = subprocess.run(["perl", "-e", 'print crypt("secret", "da")'], capture_output=True, check=True).stdout.decode()
    with open(os.path.join(repo, "CVSROOT", "passwd"), "w") as f:
        f.write("alice:%s:daemonauth-cvs\n" % des)
    subprocess.run("getent passwd daemonauth-cvs >/dev/null || useradd -M -r -d /nonexistent "
                   "-s /usr/sbin/nologin daemonauth-cvs", shell=True, check=True)
    subprocess.run(["chown", "-R", "daemonauth-cvs", repo], check=True)
    os.chmod(work, 0o755)
    return repo


def verification_request(repo, scrambled="AZdh d,"):
    """A `cvs login` request for alice (the default: "secret" scrambled as cvs does)."""
    return ("BEGIN VERIFICATION REQUEST\n%s\nalice\n%s\nEND VERIFICATION REQUEST\n" % (repo, scrambled)).encode()


def hostauth_files(work, server_prog):
    """A daemon key, a password file (alice, "secret", SHA-512 crypt), an access file and a
    client rc file for usrpwd, and answer files `good` and `bad`, in work; returns the key's
    path and the public key clients pin."""
    key, public = os.path.join(work, "key"), os.path.join(work, "public")
    with open(public, "w") as f:
        subprocess.run([server_prog, "-generate-key", key], stdout=f, check=True)
    sha512 = subprocess.run(["openssl", "passwd", "-6", "secret"], capture_output=True, check=True).stdout.decode()
    for name, text in {"passwd": "alice:" + sha512, "access": "default usrpwd\n", "authrc": "default list usrpwd\n",
                       "good": "password=secret\n", "bad": "password=wrong\n"}.items():
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(work, name), 0o600)
    return key, open(public).read().strip()
