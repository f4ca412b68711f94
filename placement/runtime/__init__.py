"""The runtime: carry a transition out against real agents, fencing first.

Pieces, one concept per module:

- `ocf` runs an OCF resource agent action as a subprocess and maps its exit code;
- `fencing` speaks the fence-agent protocol (key=value on stdin) and walks fencing levels;
- `fence_process` is the repo's own fence agent for loopback clusters;
- `auth` signs and checks agent requests (HMAC-SHA256, timestamps, nonces);
- `agent` is the node agent daemon; `client` talks to it;
- `journal` is the controller's crash-safe record of decisions and results;
- `controller` probes, plans, executes the graph, watches, and plans again.
"""
