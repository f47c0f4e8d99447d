#!/usr/bin/python3
"""ZeroMQ side of the Arkouda test client (tests/lib/arkouda-client.ts).

Reads {"endpoint": "tcp://host:port", "timeoutMs": N, "messages": ["...", ...]} on stdin, sends
each message on one REQ socket, as the Arkouda client's ZmqChannel does, and writes
{"replies": [...]}: the reply text, or null when none came within the timeout. A REQ socket
cannot send again before its reply, so after a null the next message goes out on a new socket.
"""
import json
import sys

import zmq


def main():
    job = json.load(sys.stdin)
    ctx = zmq.Context()

    def new_socket():
        s = ctx.socket(zmq.REQ)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.RCVTIMEO, int(job["timeoutMs"]))
        s.connect(job["endpoint"])
        return s

    sock = new_socket()
    replies = []
    for message in job["messages"]:
        sock.send_string(message)
        try:
            replies.append(sock.recv_string())
        except zmq.Again:
            replies.append(None)
            sock.close(0)
            sock = new_socket()
    sock.close(0)
    json.dump({"replies": replies}, sys.stdout)
    ctx.term()


if __name__ == "__main__":
    main()
