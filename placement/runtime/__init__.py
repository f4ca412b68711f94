"""The runtime: carry a transition out against real agents, fencing first.

Pieces, one concept per module (docs/runtime.md tells the whole story):

- `ocf` runs an OCF resource agent action as a subprocess and names its exit code;
- `fencing` speaks the fence-agent protocol (key=value on stdin) and walks fencing levels;
- `fence_process` is the repo's own fence agent for clusters of processes on one machine;
- `auth` signs and checks agent requests (HMAC-SHA256, timestamps, nonces);
- `messages` are what travels between controller and agent;
- `agent` is the node agent's core, `server` its authenticated HTTP face, `client` the other end;
- `journal` is the controller's crash-safe record of decisions and results;
- `belief` is the controller's picture of the cluster and the `State` it plans from;
- `controller` probes, plans, executes the graph, watches, and plans again;
- `status` gathers the crm_mon-like view.
"""
