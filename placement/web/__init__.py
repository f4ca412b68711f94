"""The status page: a live view of the cluster served by the controller, and static snapshots.

`view` turns a controller's belief (or the agents' answers) into plain data, `pages` renders
it with Jinja templates, `app` serves it (Starlette, under uvicorn) with server-sent updates
and an authenticated what-if form, and `live` ties it to a running controller.
"""
