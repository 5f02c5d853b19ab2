"""moto in server mode on loopback, for `claimflow infra emulate` (src/adapters/emulator/moto-server.ts).

Binds 127.0.0.1 on a free port (port 0: the kernel picks it), prints {"port": N} on stdout once it
listens, and stops when its stdin closes: the Node process that started it holds the other end, so
moto ends with it even when that process is killed (no orphan server).
"""

import json
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    sys.stdout.write(json.dumps({"port": port}) + "\n")
    sys.stdout.flush()
    # Blocks until the parent closes the pipe or dies.
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
