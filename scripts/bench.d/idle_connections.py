"""Opens N keep-alive connections to a server, sends one GET /healthz on each and reads its answer,
then holds them all idle until stdin closes. Writes READY_FILE once all are open; prints how many
were held. Standard library only.
Usage: python3 idle_connections.py HOST PORT N READY_FILE"""
import socket
import sys

host, port, count, ready_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
request = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
held = []
for _ in range(count):
    connection = socket.create_connection((host, port))
    connection.sendall(request)
    answer = b""
    while b"\r\n\r\n" not in answer:
        piece = connection.recv(4096)
        if not piece:
            break
        answer += piece
    if answer.startswith(b"HTTP/1.1 200"):
        held.append(connection)
    else:
        connection.close()
open(ready_file, "w").write("ready")
sys.stdin.read()
alive = 0
for connection in held:
    # Still open: nothing to read, no end of stream.
    connection.setblocking(False)
    try:
        alive += connection.recv(1) != b""
    except BlockingIOError:
        alive += 1
print(alive)
