# A TCP relay in front of ailab-kubesim for the t06xx tests, started by
# start_relay (tests/integration/t06-serve-lib.sh): bytes both ways, so that
# one replica reaches the cluster through it and the test can fail its way
# alone.  Usage: relay.py URL PORT-FILE [--stall FILE] [--cut FILE MATCH]
#   --stall FILE: while FILE exists, bytes both ways are held back;
#   --cut FILE MATCH: while FILE exists, a request whose bytes hold MATCH
#     has its connection closed.
# The port it listens on is written to PORT-FILE (whole, by a rename).
import os, socket, sys, threading, time

host, port = sys.argv[1].split("//")[1].split(":")
out, opts = sys.argv[2], sys.argv[3:]
stall = cut = match = None
if opts[:1] == ["--stall"]:
    stall = opts[1]
elif opts[:1] == ["--cut"]:
    cut, match = opts[1], opts[2].encode()


def pump(a, b, up):
    try:
        while True:
            d = a.recv(65536)
            while stall and os.path.exists(stall):
                time.sleep(0.05)
            if not d or (up and cut and os.path.exists(cut) and match in d):
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(out + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(out + ".tmp", out)
while True:
    c, _ = ls.accept()
    u = socket.create_connection((host, int(port.rstrip("/"))))
    threading.Thread(target=pump, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()
